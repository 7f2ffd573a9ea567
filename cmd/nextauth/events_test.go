package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/webhook"
)

// TestServeEvents runs the server with an events key on each database:
// signing in sends a signed signIn event (the worker is woken by the
// event, no poll needed), and the log names the queue.
func TestServeEvents(t *testing.T) {
	tests := []struct {
		name  string
		yaml  func(t *testing.T) string
		queue string
	}{
		{"sqlite", func(t *testing.T) string { return "database: sqlite://" + filepath.Join(t.TempDir(), "n.db") + "\n" }, "table nextauth_events"},
		{"postgres", func(t *testing.T) string { return "database: \"" + newPostgresDatabase(t) + "\"\n" }, "table nextauth_events"},
		{"mysql", func(t *testing.T) string { return "database: \"" + newMySQLDatabase(t) + "\"\n" }, "table nextauth_events"},
		{"redis", func(t *testing.T) string {
			u, prefix := redisPrefix(t)
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n"
		}, "redis stream"},
		{"none", func(t *testing.T) string { return "" }, "memory"},
	}
	rawKey := []byte("0123456789abcdef0123456789abcdef")
	secret := webhook.SecretPrefix + base64.StdEncoding.EncodeToString(rawKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan webhook.Payload, 8)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := webhook.Verify(rawKey, r.Header, body, time.Now(), time.Minute); err != nil {
					t.Errorf("bad signature: %v", err)
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				var p webhook.Payload
				if err := json.Unmarshal(body, &p); err != nil {
					t.Errorf("payload %q: %v", body, err)
				}
				got <- p
			}))
			defer rcv.Close()
			path := writeConfig(t, "secret: s\n"+tt.yaml(t)+`events:
  url: `+rcv.URL+`/events
  secret: `+secret+`
  types: [signIn]
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			select {
			case p := <-got:
				var data webhook.SignInData
				if err := json.Unmarshal(p.Data, &data); err != nil || p.Type != "signIn" || data.User.Email.String() != "alice@example.com" ||
					data.Account == nil || data.Account.Provider != "credentials" {
					t.Errorf("event = %+v (%v), want alice's signIn", p, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no event within 30 s")
			}
			if err := s.stop(); err != nil {
				t.Errorf("stop = %v", err)
			}
			if log := s.stderr.String(); !strings.Contains(log, "events sent as webhooks") || !strings.Contains(log, tt.queue) {
				t.Errorf("stderr = %q, want the events queue (%s) logged", log, tt.queue)
			}
		})
	}
}
