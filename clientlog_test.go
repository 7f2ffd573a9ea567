package nextauth_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// logLines decodes the JSON log lines written since offset.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %.200q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

// postClientLog sends POST /_log from remote with a form body.
func postClientLog(h http.Handler, remote string, body url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/api/auth/_log", strings.NewReader(body.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	if remote != "" {
		r.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestClientLogBounded sends POST /_log entries with fields of almost 1 MB
// (the body limit) each: every one is answered as NextAuth does (200, empty
// body, no Content-Type) and grows the log by at most a few KB.
func TestClientLogBounded(t *testing.T) {
	big := strings.Repeat("A", 1<<20-200)
	tests := []struct {
		name string
		body url.Values
	}{
		{"code", url.Values{"level": {"error"}, "code": {big}, "message": {"m"}, "client": {"true"}}},
		{"message", url.Values{"level": {"error"}, "code": {"CLIENT_FETCH_ERROR"}, "message": {big}, "client": {"true"}}},
		{"level", url.Values{"level": {big}, "code": {"CLIENT_FETCH_ERROR"}, "message": {"m"}, "client": {"true"}}},
		{"multi-byte message", url.Values{"level": {"warn"}, "code": {"X"}, "message": {strings.Repeat("é", 1<<17) /* 768 KB form-encoded */}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			for i := range 5 {
				before := len(logs.String())
				w := postClientLog(h, "", tt.body)
				if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" || len(w.Header().Values("Set-Cookie")) != 0 {
					t.Fatalf("POST /_log %d = %d %q %v", i, w.Code, w.Body, w.Header())
				}
				if grown := len(logs.String()) - before; grown > 4096 {
					t.Errorf("POST /_log %d grew the log by %d bytes, want at most 4096", i, grown)
				}
			}
			for _, l := range logLines(t, logs.String()) {
				for k, v := range l {
					if s, ok := v.(string); ok && len(s) > 1024 {
						t.Errorf("logged %s has %d bytes, want at most 1024", k, len(s))
					}
					if s, ok := v.(string); ok && strings.ContainsRune(s, '\uFFFD') {
						t.Errorf("logged %s was cut inside a character: %.40q", k, s[len(s)-40:])
					}
				}
			}
		})
	}
}

// TestClientLogLevel checks that what a client logs cannot pass for the
// server's own errors: warn at most, marked as client-supplied, its code
// apart from the server's code attribute.
func TestClientLogLevel(t *testing.T) {
	tests := []struct {
		level     string
		wantLevel string
		wantClaim any
	}{
		{"error", "WARN", "error"},
		{"warn", "WARN", "warn"},
		{"debug", "DEBUG", "debug"},
		{"fatal", "WARN", nil},
		{"", "WARN", nil},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			logs := &lockedBuffer{}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			w := postClientLog(h, "", url.Values{"level": {tt.level}, "code": {"JWT_SESSION_ERROR"}, "message": {"forged"}, "client": {"true"}})
			if w.Code != http.StatusOK {
				t.Fatalf("POST /_log = %d", w.Code)
			}
			lines := logLines(t, logs.String())
			if len(lines) != 1 {
				t.Fatalf("log has %d lines, want 1:\n%s", len(lines), logs)
			}
			l := lines[0]
			if l["level"] != tt.wantLevel || l["msg"] != "client log (client-supplied)" || l["source"] != "client" ||
				l["code"] != "CLIENT_LOG" || l["client_code"] != "JWT_SESSION_ERROR" || l["client_level"] != tt.wantClaim || l["message"] != "forged" {
				t.Errorf("log line = %v, want level %s, msg \"client log (client-supplied)\", source=client, code=CLIENT_LOG, client_code=JWT_SESSION_ERROR, client_level=%v",
					l, tt.wantLevel, tt.wantClaim)
			}
		})
	}
}

// TestClientLogRateLimit floods POST /_log from one client: beyond
// LogRateLimit.PerClient entries a window it gets 429 with an empty body
// and nothing more is logged; another client and the next window are
// served.
func TestClientLogRateLimit(t *testing.T) {
	var clock atomic.Int64
	clock.Store(fixedNow.UnixNano())
	logs := &lockedBuffer{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		c.LogRateLimit = nextauth.RateLimit{PerClient: 3, Window: time.Minute}
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	entry := url.Values{"level": {"error"}, "code": {"CLIENT_FETCH_ERROR"}, "message": {"m"}, "client": {"true"}}
	count := func() (n int) {
		for _, l := range logLines(t, logs.String()) {
			if l["code"] == "CLIENT_LOG" {
				n++
			}
		}
		return n
	}
	const attacker, other = "203.0.113.7:5000", "198.51.100.9:5000"
	for i := 1; i <= 20; i++ {
		w := postClientLog(h, attacker, entry)
		want := http.StatusOK
		if i > 3 {
			want = http.StatusTooManyRequests
		}
		if w.Code != want || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
			t.Fatalf("POST /_log %d = %d %q %v, want %d with an empty body", i, w.Code, w.Body, w.Header(), want)
		}
	}
	if n := count(); n != 3 {
		t.Errorf("client entries logged = %d, want 3", n)
	}
	if w := postClientLog(h, other, entry); w.Code != http.StatusOK {
		t.Errorf("POST /_log from another client = %d, want 200", w.Code)
	}
	clock.Add(int64(time.Minute))
	if w := postClientLog(h, attacker, entry); w.Code != http.StatusOK {
		t.Errorf("POST /_log a window later = %d, want 200", w.Code)
	}
	if n := count(); n != 5 {
		t.Errorf("client entries logged = %d, want 5", n)
	}

	t.Run("default", func(t *testing.T) {
		h := newHandler(t, nil)
		codes := map[int]int{}
		for range 100 {
			codes[postClientLog(h, attacker, entry).Code]++
		}
		if codes[http.StatusOK] != 60 || codes[http.StatusTooManyRequests] != 40 {
			t.Errorf("100 entries in a burst answered %v, want 60 × 200 and 40 × 429", codes)
		}
	})
	t.Run("off", func(t *testing.T) {
		h := newHandler(t, func(c *nextauth.Config) { c.LogRateLimit.PerClient = -1 })
		for i := range 100 {
			if w := postClientLog(h, attacker, entry); w.Code != http.StatusOK {
				t.Fatalf("POST /_log %d with the limit off = %d", i, w.Code)
			}
		}
	})
}

// TestInvalidCallbackURLLogBounded sends a 900 KB invalid callbackUrl in the
// query: the request is refused as before and the log line stays small.
func TestInvalidCallbackURLLogBounded(t *testing.T) {
	logs := &lockedBuffer{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	c := newClient(t, h)
	w := c.get("/api/auth/session?callbackUrl=javascript:" + strings.Repeat("a", 900<<10))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("GET /session with a javascript: callbackUrl = %d, want 400", w.Code)
	}
	if n := len(logs.String()); n > 4096 {
		t.Errorf("the log grew by %d bytes, want at most 4096", n)
	}
	if !strings.Contains(logs.String(), "INVALID_CALLBACK_URL_ERROR") {
		t.Errorf("log = %.300s, want INVALID_CALLBACK_URL_ERROR", logs)
	}
}
