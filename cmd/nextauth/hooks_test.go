package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/webhook"
)

// TestServeHooks runs the server with the hooks key: the sign_in hook
// refuses bob (AccessDenied) and lets alice in; the token hook gives alice
// a role at sign-in, and update() as the client sends it (POST /session,
// JSON {csrfToken, data}) asks it again with the data: the role it accepts
// is in the token the next call shows it, the role it refuses is not.
func TestServeHooks(t *testing.T) {
	rawKey := []byte("0123456789abcdef0123456789abcdef")
	secret := webhook.SecretPrefix + base64.StdEncoding.EncodeToString(rawKey)
	type tokenCall struct {
		Trigger string
		Token   map[string]any
		Session map[string]any
	}
	var mu sync.Mutex
	var calls []tokenCall
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(rawKey, r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("bad signature: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/sign-in":
			var req struct{ User struct{ Email string } }
			json.Unmarshal(body, &req)
			io.WriteString(w, `{"allow": `+map[bool]string{true: "true", false: "false"}[req.User.Email == "alice@example.com"]+`}`)
		case "/token":
			var c tokenCall
			json.Unmarshal(body, &c)
			mu.Lock()
			calls = append(calls, c)
			mu.Unlock()
			switch role, _ := c.Session["role"].(string); {
			case c.Trigger == "signIn":
				io.WriteString(w, `{"claims": {"role": "viewer"}}`)
			case role == "editor":
				io.WriteString(w, `{"claims": {"role": "editor"}}`)
			default:
				io.WriteString(w, `{"claims": {}}`)
			}
		}
	}))
	defer hooks.Close()
	path := writeConfig(t, `secret: s
session: {user_fields: [role]}
hooks:
  secret: `+secret+`
  sign_in: `+hooks.URL+`/sign-in
  token: {url: `+hooks.URL+`/token, timeout: 10s}
providers:
  - type: credentials
    users:
      - {username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com}
      - {username: bob, password_hash: "`+hashOf(t, "pw")+`", email: bob@example.com}
`)
	s := startServer(t, nil, "--config", path)
	b := newBrowser(t)
	res, body := b.post(s.base+"/api/auth/callback/credentials",
		url.Values{"csrfToken": {b.csrf(s.base)}, "username": {"bob"}, "password": {"pw"}, "json": {"true"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "error=AccessDenied") || sessionCookie(res) != "" {
		t.Errorf("bob's sign-in = %d %s, want 403 AccessDenied and no session", res.StatusCode, body)
	}
	b.signIn(s.base, b.csrf(s.base), "alice", "pw")
	role := func(body string) string {
		t.Helper()
		var v struct{ User map[string]any }
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("session %s: %v", body, err)
		}
		r, _ := v.User["role"].(string)
		return r
	}
	if _, body := get(t, b.client, s.base+"/api/auth/session"); role(body) != "viewer" {
		t.Errorf("GET /session after sign-in = %s, want the hook's role viewer (user_fields)", body)
	}
	update := func(data string) string {
		t.Helper()
		res, err := b.client.Post(s.base+"/api/auth/session", "application/json",
			strings.NewReader(`{"csrfToken":"`+b.csrf(s.base)+`","data":`+data+`}`))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(out), "alice@example.com") {
			t.Fatalf("update(%s) = %d %s", data, res.StatusCode, out)
		}
		return role(string(out))
	}
	for _, c := range []struct{ data, want string }{
		{`{"role":"editor"}`, "editor"}, {`{"role":"admin"}`, "editor"}, {`{}`, "editor"},
	} {
		if got := update(c.data); got != c.want {
			t.Errorf("update(%s): session role %q, want %q", c.data, got, c.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []struct{ trigger, tokenRole, asked string }{
		{"signIn", "", ""}, {"update", "viewer", "editor"}, {"update", "editor", "admin"}, {"update", "editor", ""},
	}
	if len(calls) != len(want) {
		t.Fatalf("token hook calls = %+v, want %d", calls, len(want))
	}
	for i, w := range want {
		c := calls[i]
		role, _ := c.Token["role"].(string)
		asked, _ := c.Session["role"].(string)
		if c.Trigger != w.trigger || role != w.tokenRole || asked != w.asked || c.Token["sub"] == nil {
			t.Errorf("token hook call %d = %+v, want trigger %s, token role %q, asked %q", i, c, w.trigger, w.tokenRole, w.asked)
		}
	}
	if err := s.stop(); err != nil {
		t.Errorf("stop = %v", err)
	}
}
