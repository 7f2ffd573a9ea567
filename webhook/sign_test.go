package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/nodetest"
)

// newSecret returns a fresh "whsec_" secret and its key.
func newSecret(t testing.TB) (string, []byte) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	s := SecretPrefix + base64.StdEncoding.EncodeToString(key)
	got, err := ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, got
}

func TestParseSecret(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"32 bytes", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 32)), true},
		{"24 bytes", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 24)), true},
		{"64 bytes", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 64)), true},
		{"no prefix", base64.StdEncoding.EncodeToString(make([]byte, 32)), false},
		{"too short", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 23)), false},
		{"too long", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 65)), false},
		{"not base64", SecretPrefix + "!!!!" + strings.Repeat("A", 40), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSecret(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseSecret(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrSecret) {
				t.Fatalf("error %v is not ErrSecret", err)
			}
		})
	}
}

// TestSignatureStandardWebhooks checks the Go signer against the npm
// standardwebhooks package: what Go signs, Node verifies; a changed body,
// id or timestamp, or another secret, fails; and Node's own signature of
// the same message is the one Go computes.
func TestSignatureStandardWebhooks(t *testing.T) {
	secret, key := newSecret(t)
	other, _ := newSecret(t)
	now := time.Now()
	id := NewID()
	body := `{"id":"` + id + `","type":"signIn","data":{"user":{"id":"u1","name":"Ünïcode ✓"}}}`
	headers := func(id string, ts time.Time, body string) map[string]string {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		Sign(r, key, id, ts, []byte(body))
		return map[string]string{
			HeaderID: r.Header.Get(HeaderID), HeaderTimestamp: r.Header.Get(HeaderTimestamp), HeaderSignature: r.Header.Get(HeaderSignature),
		}
	}
	good := headers(id, now, body)
	tamperedID := headers(id, now, body)
	tamperedID[HeaderID] = NewID()
	type req struct {
		Op        string            `json:"op,omitempty"`
		Secret    string            `json:"secret"`
		Body      string            `json:"body"`
		Headers   map[string]string `json:"headers,omitempty"`
		ID        string            `json:"id,omitempty"`
		Timestamp int64             `json:"timestamp,omitempty"`
	}
	reqs := []req{
		{Secret: secret, Body: body, Headers: good},
		{Secret: secret, Body: strings.Replace(body, "u1", "u2", 1), Headers: good},
		{Secret: secret, Body: body, Headers: tamperedID},
		{Secret: other, Body: body, Headers: good},
		{Secret: secret, Body: body, Headers: headers(id, now.Add(-time.Hour), body)},
		{Op: "sign", Secret: secret, ID: id, Timestamp: now.Unix(), Body: body},
	}
	var res []struct {
		OK        bool           `json:"ok"`
		Error     string         `json:"error"`
		Payload   map[string]any `json:"payload"`
		Signature string         `json:"signature"`
	}
	nodetest.RunScript(t, "webhook.cjs", reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("node answered %d results for %d requests", len(res), len(reqs))
	}
	if !res[0].OK || res[0].Payload["id"] != id {
		t.Errorf("standardwebhooks refused a good signature: %+v", res[0])
	}
	for i, name := range []string{"tampered body", "tampered id", "other secret", "old timestamp"} {
		if r := res[i+1]; r.OK || r.Error == "" {
			t.Errorf("%s: standardwebhooks accepted it: %+v", name, r)
		}
	}
	if want := Signature(key, id, now, []byte(body)); res[5].Signature != want {
		t.Errorf("node signs %q, Go %q", res[5].Signature, want)
	}
	// Go's own Verify agrees.
	h := http.Header{}
	for k, v := range good {
		h.Set(k, v)
	}
	if err := Verify(key, h, []byte(body), now, 5*time.Minute); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := Verify(key, h, []byte(body+" "), now, 5*time.Minute); err == nil {
		t.Error("Verify accepted a changed body")
	}
}

// TestSender checks the request a Sender makes and its failure modes: a
// non-2xx answer, a redirect (not followed), a slow receiver (timeout), an
// oversized answer (capped).
func TestSender(t *testing.T) {
	_, key := newSecret(t)
	clock := time.Unix(1_700_000_000, 0)
	var followed bool
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(key, r.Header, body, clock, time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get(HeaderTimestamp) != "1700000000" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		io.WriteString(w, strings.Repeat("x", 100))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { followed = true })
	block := make(chan struct{})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(block)
	send := func(path string, timeout time.Duration) (int, []byte, error) {
		s := &Sender{URL: srv.URL + path, Key: key, Now: func() time.Time { return clock }, MaxResponseBytes: 10, Timeout: timeout}
		return s.Send(context.Background(), "msg_1", []byte(`{"a":1}`))
	}
	if st, ans, err := send("/ok", 0); err != nil || st != 200 || string(ans) != "xxxxxxxxxx" {
		t.Errorf("ok: status %d answer %q err %v; want 200, 10 bytes, nil", st, ans, err)
	}
	if _, _, err := send("/fail", 0); !isStatus(err, 503) {
		t.Errorf("fail: err %v, want StatusError 503", err)
	}
	if _, _, err := send("/redirect", 0); !isStatus(err, 307) || followed {
		t.Errorf("redirect: err %v followed %v, want StatusError 307 and not followed", err, followed)
	}
	if _, _, err := send("/slow", 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: err %v, want a deadline error", err)
	}
}

func isStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == code
}
