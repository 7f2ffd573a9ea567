package provider_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nextauth-go/nextauth/provider"
)

func TestConsoleSender(t *testing.T) {
	tests := []struct {
		name, to, url, want string
	}{
		{
			name: "link", to: "alice@example.com", url: exampleLink,
			want: `nextauth: sign-in link for "alice@example.com" (expires 2025-01-02T03:04:05Z): ` + exampleLink + "\n",
		},
		{
			name: "control characters stay on one line", to: "a\nb@example.com", url: "http://x/cb?token=a\nFAKE",
			want: `nextauth: sign-in link for "a\nb@example.com" (expires 2025-01-02T03:04:05Z): "http://x/cb?token=a\nFAKE"` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			req := exampleRequest()
			req.Identifier, req.URL = tt.to, tt.url
			if err := provider.ConsoleSender(&b).Send(context.Background(), req); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			if b.String() != tt.want {
				t.Errorf("ConsoleSender wrote %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestConsoleSenderError(t *testing.T) {
	err := provider.ConsoleSender(failWriter{}).Send(context.Background(), exampleRequest())
	if err == nil || !strings.Contains(err.Error(), "provider: email: console: disk full") {
		t.Errorf("Send() to a failing writer = %v, want provider: email: console: disk full", err)
	}
}

func TestConsoleSenderConcurrent(t *testing.T) {
	var b bytes.Buffer // not safe for concurrent use: the sender must serialise
	s := provider.ConsoleSender(&b)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := s.Send(context.Background(), exampleRequest()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("ConsoleSender wrote %d lines, want 20", len(lines))
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, exampleLink) {
			t.Errorf("line %q, want it to end with the link", l)
		}
	}
}

func TestFileSender(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.jsonl")
	s := provider.FileSender(path)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			req := exampleRequest()
			req.Identifier = "user" + string(rune('a'+i)) + "@example.com"
			if err := s.Send(context.Background(), req); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %v, want 0600", perm)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]string
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if len(rec) != 3 || rec["url"] != exampleLink || rec["expires"] != "2025-01-02T03:04:05.678Z" || !strings.HasSuffix(rec["identifier"], "@example.com") {
			t.Errorf("line = %q, want identifier, url and expires (JavaScript Date JSON)", sc.Text())
		}
		seen[rec["identifier"]] = true
	}
	if len(seen) != 10 {
		t.Errorf("file holds %d distinct identifiers, want 10", len(seen))
	}

	// The file can go away between sends; the next send creates it again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), exampleRequest()); err != nil {
		t.Fatalf("Send() after the file was removed = %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"identifier":"alice@example.com","url":"` + exampleLink + `","expires":"2025-01-02T03:04:05.678Z"}` + "\n"
	if string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}
}

func TestFileSenderError(t *testing.T) {
	err := provider.FileSender(filepath.Join(t.TempDir(), "missing", "mail.jsonl")).Send(context.Background(), exampleRequest())
	if err == nil || !strings.HasPrefix(err.Error(), "provider: email: file: ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Send() into a missing directory = %v, want a provider: email: file: error wrapping ErrNotExist", err)
	}
}
