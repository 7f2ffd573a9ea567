package nextauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/provider"
)

// These tests configure the generic OpenID Connect type as a newcomer
// does, with an issuer, a client id and a secret only, against two real
// OpenID Providers of different code bases: zitadel's op (authtest's
// OIDCProvider) and Ory Hydra (authtest.NewHydra, its own process).

// newcomerOP is an OpenID Provider with one registered client and one
// user.
type newcomerOP struct {
	issuer, clientID, clientSecret string
	// username is what the user types on the OP's login form (with
	// authtest.OIDCPassword); sub, email and name are who the OP says
	// the user is.
	username, sub, email, name string
	// login signs the user in at the OP without a browser (HTTP client).
	login func(t testing.TB, authURL string) *url.URL
}

// newcomerOPs start each OP with a client whose redirect URI is
// redirectURI.
var newcomerOPs = []struct {
	name  string
	start func(t *testing.T, redirectURI string) newcomerOP
}{
	{"zitadel", func(t *testing.T, _ string) newcomerOP {
		op := authtest.NewOIDCProvider(t, authtest.WithUser("zitadel-sub-1", "Nora.Newcomer@Example.com", "Nora Newcomer"))
		return newcomerOP{
			issuer: op.Issuer(), clientID: op.ClientID(), clientSecret: op.ClientSecret(),
			username: "Nora.Newcomer@Example.com", sub: "zitadel-sub-1", email: "nora.newcomer@example.com", name: "Nora Newcomer",
			login: op.Login,
		}
	}},
	{"hydra", func(t *testing.T, redirectURI string) newcomerOP {
		hy := authtest.NewHydra(t, authtest.WithHydraUser("hydra-sub-1", "Nils.Newcomer@Example.com", "Nils Newcomer"))
		id, secret := hy.NewClient(t, redirectURI)
		return newcomerOP{
			issuer: hy.Issuer(), clientID: id, clientSecret: secret,
			username: "Nils.Newcomer@Example.com", sub: "hydra-sub-1", email: "nils.newcomer@example.com", name: "Nils Newcomer",
			login: hy.Login,
		}
	}},
}

// newcomerProvider is the generic OIDC provider as a newcomer configures
// it; change, when not nil, adds to that.
func newcomerProvider(op newcomerOP, change func(*provider.OAuthConfig)) nextauth.Provider {
	cfg := provider.OAuthConfig{ID: "corp", Name: "Corp SSO", Issuer: op.issuer, ClientID: op.clientID, ClientSecret: op.clientSecret}
	if change != nil {
		change(&cfg)
	}
	return provider.OIDC(cfg)
}

// logRecorder collects the handler's log records as JSON.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// newLogRecorder returns a recorder whose records are logged if t fails.
func newLogRecorder(t *testing.T) *logRecorder {
	l := &logRecorder{}
	t.Cleanup(func() {
		if t.Failed() {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Logf("handler log:\n%s", l.buf.String())
		}
	})
	return l
}

// withCode returns the records whose code attribute is code.
func (l *logRecorder) withCode(t *testing.T, code string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["code"] == code {
			out = append(out, m)
		}
	}
	return out
}

// TestOIDCNewcomerEndToEnd signs in through the handler with database
// sessions: the session and the user row get the e-mail address and the
// name. With scope openid alone (what the generic type sent before), the
// sign-in works but the user is empty, and the handler's log says why.
func TestOIDCNewcomerEndToEnd(t *testing.T) {
	for _, o := range newcomerOPs {
		t.Run(o.name, func(t *testing.T) {
			op := o.start(t, "http://localhost:3111/api/auth/callback/corp")
			for _, tt := range []struct {
				name      string
				change    func(*provider.OAuthConfig)
				wantEmpty bool
			}{
				{"issuer client id and secret", nil, false},
				{"scope openid", func(c *provider.OAuthConfig) { c.Scope = "openid" }, true},
			} {
				t.Run(tt.name, func(t *testing.T) {
					a := memory.New()
					logs := newLogRecorder(t)
					h := newHandler(t, func(c *nextauth.Config) {
						c.Adapter = a
						c.Providers = append(c.Providers, newcomerProvider(op, tt.change))
						c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
					})
					c := newClient(t, h)
					w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/home"}, "json": {"true"}})
					var out struct{ URL string }
					if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.URL, op.issuer) {
						t.Fatalf("POST /signin/corp = %d %s", w.Code, w.Body)
					}
					back := op.login(t, out.URL)
					if got := c.get(back.RequestURI()).Header().Get("Location"); got != "http://localhost:3111/home" {
						t.Fatalf("callback redirect = %q", got)
					}
					u, err := a.GetUserByAccount(context.Background(), "corp", op.sub)
					if err != nil {
						t.Fatalf("no user for the account: %v", err)
					}
					var sess struct{ User map[string]any }
					body := c.get("/api/auth/session").Body.String()
					if err := json.Unmarshal([]byte(body), &sess); err != nil {
						t.Fatalf("session %s: %v", body, err)
					}
					warnings := logs.withCode(t, "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME")
					if !tt.wantEmpty {
						if u.Email.String() != op.email || u.Name.String() != op.name {
							t.Errorf("user row = %+v, want e-mail %q and name %q", u, op.email, op.name)
						}
						if sess.User["email"] != op.email || sess.User["name"] != op.name {
							t.Errorf("session = %s, want e-mail %q and name %q", body, op.email, op.name)
						}
						if len(warnings) != 0 {
							t.Errorf("warnings = %v, want none", warnings)
						}
						return
					}
					// NULL columns: GET /session shows null (NextAuth's database sessions).
					if u.Email.Valid() || u.Name.Valid() || sess.User["email"] != nil || sess.User["name"] != nil {
						t.Errorf("user row = %+v, session %s; want neither e-mail nor name with scope openid", u, body)
					}
					if len(warnings) != 1 || warnings[0]["level"] != "WARN" || warnings[0]["provider"] != "corp" || warnings[0]["scope"] != "openid" {
						t.Errorf("warnings = %v, want one naming provider corp and scope openid", warnings)
					}
				})
			}
		})
	}
}

// TestOIDCNewcomerInBrowser: in headless Chromium, for each OP, sign in
// with "Sign in with Corp SSO" on the built-in page, log in on the OP's
// form, land back, find the e-mail address and name in GET /session, and
// sign out on the built-in page.
func TestOIDCNewcomerInBrowser(t *testing.T) {
	for _, o := range newcomerOPs {
		t.Run(o.name, func(t *testing.T) {
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			op := o.start(t, srv.URL+"/api/auth/callback/corp")
			a := memory.New()
			logs := newLogRecorder(t)
			h := newHandler(t, func(c *nextauth.Config) {
				c.URL = srv.URL + "/api/auth"
				c.Adapter = a
				c.Providers = append(c.Providers, newcomerProvider(op, nil))
				c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
			})
			mux.Handle("/api/auth/", h)
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, `<!doctype html><title>app</title><p id="home">home</p>`)
			})

			ctx := browsertest.New(t)
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/api/auth/signin?callbackUrl=%2F"),
				chromedp.Click(chromedp.CSS(`form[action$="/signin/corp"] button`)),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), op.username),
				chromedp.SendKeys(chromedp.ID("password"), authtest.OIDCPassword),
				chromedp.Click(chromedp.ID("submit")),
			); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, srv.URL+"/")

			sess := browserSession(t, ctx, srv.URL)
			if sess.User["email"] != op.email || sess.User["name"] != op.name {
				t.Errorf("GET /session = %+v, want e-mail %q and name %q", sess, op.email, op.name)
			}
			if u, err := a.GetUserByAccount(context.Background(), "corp", op.sub); err != nil || u.Email.String() != op.email || u.Name.String() != op.name {
				t.Errorf("user row = %+v, %v; want e-mail %q and name %q", u, err, op.email, op.name)
			}
			if w := logs.withCode(t, "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"); len(w) != 0 {
				t.Errorf("warnings = %v, want none", w)
			}

			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/api/auth/signout"),
				chromedp.Click(chromedp.ID("submitButton")),
			); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, srv.URL+"/")
			if after := browserSession(t, ctx, srv.URL); after.User != nil {
				t.Errorf("GET /session after sign-out = %+v, want {}", after)
			}
		})
	}
}

// browserSession opens GET /session in the browser and decodes what it
// shows.
func browserSession(t *testing.T, ctx context.Context, base string) (sess struct {
	User    map[string]any
	Expires string
}) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/api/auth/session")); err != nil {
		t.Fatalf("GET /session in the browser: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatalf("GET /session in the browser: %v", err)
	}
	if err := json.Unmarshal([]byte(text), &sess); err != nil {
		t.Fatalf("GET /session in the browser shows %q: %v", text, err)
	}
	return sess
}
