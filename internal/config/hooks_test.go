package config

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/webhook"
)

func TestHooksProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"ok short", "hooks: {secret: " + eventsSecret + ", sign_in: https://app.example/sign-in, token: http://127.0.0.1:9/token}\n", nil},
		{"ok long", "hooks:\n  secret: " + eventsSecret + "\n  include_tokens: true\n  sign_in: {url: https://app.example/s, on_error: allow, timeout: 2s}\n", nil},
		{"no secret", "hooks: {sign_in: https://app.example/s}\n", []string{"config: t.yaml:2: hooks.secret: missing"}},
		{"bad secret", "hooks: {secret: hunter2, sign_in: https://app.example/s}\n", []string{
			`config: t.yaml:2: hooks.secret: the secret must be "whsec_"`,
		}},
		{"http elsewhere", "hooks: {secret: " + eventsSecret + ", token: http://app.example/t}\n", []string{
			`config: t.yaml:2: hooks.token.url: "http://app.example/t": want https (http only to a loopback address`,
		}},
		{"no url", "hooks:\n  secret: " + eventsSecret + "\n  sign_in: {on_error: allow}\n", []string{"config: t.yaml:4: hooks.sign_in.url: missing"}},
		{"bad on_error and timeout", "hooks:\n  secret: " + eventsSecret + "\n  sign_in:\n    url: https://app.example/s\n    on_error: maybe\n    timeout: 1m\n", []string{
			`config: t.yaml:6: hooks.sign_in.on_error: "maybe": want deny or allow`,
			"config: t.yaml:7: hooks.sign_in.timeout: 1m0s: want more than 0 and at most 30s",
		}},
		{"no hook", "hooks: {secret: " + eventsSecret + "}\n", []string{"config: t.yaml:2: hooks: no hook is set"}},
		{"token with database sessions", "database: sqlite://a.db\nhooks: {secret: " + eventsSecret + ", token: https://app.example/t}\n", nil},
		{"unknown key", "hooks:\n  secret: " + eventsSecret + "\n  sign_in: {url: https://app.example/s, retries: 2}\n", []string{
			"config: t.yaml:4: hooks.sign_in.retries: unknown key; known keys here: url, on_error, timeout",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
			cfg, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want %q…", i, got[i], tt.want[i])
				}
			}
			if err == nil && strings.Contains(tt.yaml, "sign_in") && cfg.Callbacks.SignIn == nil {
				t.Error("no signIn callback for the sign_in hook")
			}
		})
	}
}

// TestHooksBinary runs the Config the hooks key builds, under JWT and
// database sessions: the sign_in hook refuses bob (AccessDenied) and lets
// alice in; the token hook's role shows in /session (user_fields), and an
// update() the hook accepts changes it; a claims rule that reads token
// runs before the hook at sign-in and after it on update, so it sees the
// role the hook just gave.
func TestHooksBinary(t *testing.T) {
	key, err := webhook.ParseSecret(eventsSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, strategy := range []string{"jwt", "database"} {
		t.Run(strategy, func(t *testing.T) {
			var mu sync.Mutex
			var triggers []string
			hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := webhook.Verify(key, r.Header, body, time.Now(), time.Minute); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				var req struct {
					Trigger string
					User    struct{ ID string }
					Token   map[string]any
					Session map[string]any
				}
				json.Unmarshal(body, &req)
				switch r.URL.Path {
				case "/sign-in":
					io.WriteString(w, `{"allow": `+map[bool]string{true: "true", false: "false"}[req.User.ID == "alice"]+`}`)
				case "/token":
					mu.Lock()
					triggers = append(triggers, req.Trigger+":"+fmt.Sprint(req.Token["badge"]))
					mu.Unlock()
					role := "viewer"
					if r, ok := req.Session["role"].(string); ok {
						role = r
					}
					io.WriteString(w, `{"claims": {"role": "`+role+`"}}`)
				}
			}))
			defer hooks.Close()
			db := ""
			if strategy == "database" {
				db = "database: sqlite://" + filepath.Join(t.TempDir(), "n.db") + "\n"
			}
			f, err := Parse("t.yaml", []byte("secret: s\nurl: http://localhost:3000/api/auth\n"+db+
				"session: {user_fields: [id, role, badge]}\n"+
				"claims: {badge: 'has(token.role) && token.role == \"editor\" ? \"pen\" : \"none\"'}\n"+
				"providers: [{type: credentials, users: [{username: alice, email: alice@example.com, password_hash: \""+aliceHash+"\"}, {username: bob, password_hash: \""+bobHash+"\"}]}]\n"+
				"hooks:\n  secret: "+eventsSecret+"\n  sign_in: "+hooks.URL+"/sign-in\n  token: {url: "+hooks.URL+"/token, timeout: 10s}\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, store, err := f.Open(context.Background(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			if want := nextauth.SessionStrategy(strategy); cfg.Session.Strategy != want && (strategy == "database") != (cfg.Adapter != nil) {
				t.Fatalf("session strategy %q with adapter %v, want %s", cfg.Session.Strategy, cfg.Adapter, want)
			}
			h, err := nextauth.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			signIn := func(user, pw string) (string, []*http.Cookie) {
				csrf, cookies := csrfToken(t, h)
				form := url.Values{"csrfToken": {csrf}, "username": {user}, "password": {pw}}
				r := httptest.NewRequest(http.MethodPost, "/api/auth/callback/credentials", strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, c := range cookies {
					r.AddCookie(c)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Header().Get("Location"), append(cookies, w.Result().Cookies()...)
			}
			if loc, _ := signIn("bob", "bob-pw"); loc != "http://localhost:3000/api/auth/error?error=AccessDenied" {
				t.Errorf("bob's sign-in went to %q, want AccessDenied", loc)
			}
			loc, cookies := signIn("alice", "alice-pw")
			if loc != "http://localhost:3000" {
				t.Fatalf("alice's sign-in went to %q", loc)
			}
			session := func(method, body string) map[string]any {
				t.Helper()
				csrf, csrfCookies := csrfToken(t, h)
				if body != "" {
					body = `{"csrfToken":"` + csrf + `","data":` + body + `}`
				}
				r := httptest.NewRequest(method, "/api/auth/session", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				for _, c := range append(csrfCookies, cookies...) {
					if c.Name == "next-auth.csrf-token" || c.Name == "next-auth.session-token" {
						r.AddCookie(c)
					}
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				for _, c := range w.Result().Cookies() {
					if c.Name == "next-auth.session-token" {
						cookies = append(slices.DeleteFunc(cookies, func(o *http.Cookie) bool { return o.Name == c.Name }), c)
					}
				}
				var out struct{ User map[string]any }
				if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.User == nil {
					t.Fatalf("%s /session: %d %s", method, w.Code, w.Body)
				}
				return out.User
			}
			if u := session(http.MethodGet, ""); u["role"] != "viewer" || u["badge"] != "none" || u["id"] == nil {
				t.Errorf("after sign-in: user %v; want role viewer, badge none, an id", u)
			}
			if u := session(http.MethodPost, `{"role":"editor"}`); u["role"] != "editor" || u["badge"] != "pen" {
				t.Errorf("update({role: editor}): user %v; want role editor, badge pen", u)
			}
			if u := session(http.MethodGet, ""); u["role"] != "editor" || u["badge"] != "pen" {
				t.Errorf("after the update: user %v; want role editor, badge pen", u)
			}
			mu.Lock()
			defer mu.Unlock()
			// At sign-in the hook sees the rule's badge (none); on update it
			// runs before the rule, so it sees the badge of before.
			if strings.Join(triggers, ",") != "signIn:none,update:none" && strings.Join(triggers, ",") != "signUp:none,update:none" {
				t.Errorf("token hook calls %v, want [signIn:none update:none]", triggers)
			}
		})
	}
}

// csrfToken gets a CSRF token from h and the cookie that goes with it.
func csrfToken(t *testing.T, h http.Handler) (string, []*http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/auth/csrf", nil))
	var out struct{ CSRFToken string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.CSRFToken == "" {
		t.Fatalf("GET /csrf = %s", w.Body)
	}
	return out.CSRFToken, w.Result().Cookies()
}
