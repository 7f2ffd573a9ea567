package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nextauth-go/nextauth"
)

// ConsoleSender returns a [Sender] that writes each sign-in link to w as
// one line instead of sending an e-mail:
//
//	nextauth: sign-in link for "alice@example.com" (expires 2025-01-02T03:04:05Z): http://localhost:3000/api/auth/callback/email?…
//
// It is meant for development (the server's --dev mode): the line holds a
// working token, which is the one place a token appears in output. Anyone
// who can read w can sign in as anyone. Lines from concurrent sends do not
// interleave.
func ConsoleSender(w io.Writer) Sender {
	return &consoleSender{w: w}
}

type consoleSender struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *consoleSender) Send(_ context.Context, req nextauth.VerificationRequest) error {
	link := req.URL
	if strings.ContainsFunc(link, unicode.IsControl) {
		link = strconv.Quote(link) // one line, whatever the link holds
	}
	line := fmt.Sprintf("nextauth: sign-in link for %q (expires %s): %s\n",
		req.Identifier, req.Expires.UTC().Format(time.RFC3339), link)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.WriteString(s.w, line); err != nil {
		return fmt.Errorf("provider: email: console: %w", err)
	}
	return nil
}

// FileSender returns a [Sender] that appends each sign-in link to the file
// at path as one JSON line,
//
//	{"identifier":"alice@example.com","url":"http://…","expires":"2025-01-02T03:04:05.000Z"}
//
// with expires in JavaScript's Date JSON form (UTC, milliseconds). It is a
// mail log for end-to-end tests and development: the file holds working
// tokens. The file is created with mode 0600 when missing, and opened for
// each line, so it may be truncated or removed between sends. Concurrent
// sends of one FileSender write whole lines.
func FileSender(path string) Sender {
	return &fileSender{path: path}
}

type fileSender struct {
	mu   sync.Mutex
	path string
}

// fileRecord is one line of a [FileSender]'s file.
type fileRecord struct {
	Identifier string `json:"identifier"`
	URL        string `json:"url"`
	Expires    string `json:"expires"`
}

func (s *fileSender) Send(_ context.Context, req nextauth.VerificationRequest) error {
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false) // the URL as it is, "&" included, as JSON.stringify writes it
	err := enc.Encode(fileRecord{
		Identifier: req.Identifier,
		URL:        req.URL,
		Expires:    req.Expires.UTC().Format("2006-01-02T15:04:05.000Z"),
	})
	if err != nil {
		return fmt.Errorf("provider: email: file: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("provider: email: file: %w", err)
	}
	if _, err := f.Write(line.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("provider: email: file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("provider: email: file: %w", err)
	}
	return nil
}
