package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sender defaults.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
)

// Sender posts signed JSON messages to one URL. Its zero value is not
// usable: URL and Key are required. Safe for concurrent use.
type Sender struct {
	// URL receives the messages (POST, Content-Type application/json).
	URL string
	// Key is the secret's key ([ParseSecret]).
	Key []byte
	// Client sends the requests; nil means a client of its own. Whatever
	// the client, redirects are not followed: a 3xx answer is a failure.
	Client *http.Client
	// Timeout bounds each request, answer body included; 0 means
	// [DefaultTimeout].
	Timeout time.Duration
	// MaxResponseBytes is how much of an answer's body is read (the rest
	// is dropped and the connection closed); 0 means
	// [DefaultMaxResponseBytes].
	MaxResponseBytes int64
	// Now is the clock of webhook-timestamp; nil means time.Now.
	Now func() time.Time
}

// StatusError is a delivery the receiver answered with a status other than
// 2xx.
type StatusError struct {
	StatusCode int
	// Body is the start of the answer's body.
	Body []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("webhook: receiver answered %d", e.StatusCode)
}

// errNoRedirect stops a client from following a redirect.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Send posts body, signed as message id, and returns the answer's status
// and the start of its body. A non-2xx answer is a [*StatusError].
func (s *Sender) Send(ctx context.Context, id string, body []byte) (status int, answer []byte, err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "nextauth-go-webhook")
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	Sign(req, s.Key, id, now(), body)
	res, err := s.client().Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("webhook: send: %w", err)
	}
	defer res.Body.Close()
	max := s.MaxResponseBytes
	if max <= 0 {
		max = DefaultMaxResponseBytes
	}
	answer, err = io.ReadAll(io.LimitReader(res.Body, max))
	if err != nil && !errors.Is(err, io.EOF) {
		return res.StatusCode, answer, fmt.Errorf("webhook: read answer: %w", err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, answer, &StatusError{StatusCode: res.StatusCode, Body: answer}
	}
	return res.StatusCode, answer, nil
}

// client is s.Client with redirects turned off (a shallow copy), or a
// client of its own.
func (s *Sender) client() *http.Client {
	c := http.Client{}
	if s.Client != nil {
		c = *s.Client
	}
	c.CheckRedirect = noRedirect
	return &c
}
