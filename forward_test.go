package nextauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/rules"
)

// proxyAddr is the test proxy's address: httptest.NewRequest's peer.
const proxyAddr = "192.0.2.1"

// forwardConfig turns on the check with rules for two hosts, trusting the
// test proxy.
func forwardConfig(c *nextauth.Config) {
	c.TrustProxy = []netip.Prefix{netip.MustParsePrefix(proxyAddr + "/32")}
	c.Forward = &nextauth.ForwardConfig{
		Headers: map[string]string{"X-Auth-Request-Picture": "picture", "X-Auth-Request-Groups": "groups"},
		Rules: []nextauth.ForwardRule{
			{Host: "docs.example.com", Public: true},
			{Host: "app.example.com", Path: "/admin", AllowEmails: []string{"bob@example.com"}},
			{Host: "app.example.com", Path: "/public", Public: true},
			{Host: "*.example.com", AllowDomains: []string{"EXAMPLE.com"}},
		},
	}
}

// check asks the forward route about rawURL as Traefik or Caddy would
// (X-Forwarded-*), with the client's cookies and extra headers.
func check(c *client, rawURL string, hdr map[string]string) *httptest.ResponseRecorder {
	c.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		c.t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/auth/forward", nil)
	r.Header.Set("X-Forwarded-Method", "GET")
	r.Header.Set("X-Forwarded-Proto", u.Scheme)
	r.Header.Set("X-Forwarded-Host", u.Host)
	r.Header.Set("X-Forwarded-Uri", u.RequestURI())
	if h := c.cookieHeader(); h != "" {
		r.Header.Set("Cookie", h)
	}
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
		c.t.Errorf("forward check of %s set cookies %q", rawURL, sc)
	}
	return w
}

func TestForwardRouteOnlyWhenConfigured(t *testing.T) {
	h := newHandler(t, nil)
	w := newClient(t, h).get("/api/auth/forward")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not supported") {
		t.Errorf("GET /forward without forward config: %d %q, want NextAuth's 400", w.Code, w.Body)
	}
	h = newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Path = "check"
	})
	if w := newClient(t, h).get("/api/auth/forward"); w.Code != http.StatusBadRequest {
		t.Errorf("GET /forward with path check: %d, want 400", w.Code)
	}
	if w := newClient(t, h).do(http.MethodPost, "/api/auth/check", "", ""); w.Code != http.StatusBadRequest {
		t.Errorf("POST /check: %d, want 400", w.Code)
	}
	if w := check(newClient(t, h), "https://docs.example.com/", nil); w.Code != http.StatusBadRequest {
		t.Errorf("check at the old path answered %d", w.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/auth/check", nil)
	r.Header.Set("X-Original-URL", "https://docs.example.com/")
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if rw.Code != http.StatusOK {
		t.Errorf("GET /check for a public host: %d, want 200", rw.Code)
	}
}

func TestForwardConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		f    nextauth.ForwardConfig
		want string
	}{
		{"route clash", nextauth.ForwardConfig{Path: "session"}, "forward path"},
		{"slash in path", nextauth.ForwardConfig{Path: "a/b"}, "forward path"},
		{"default", nextauth.ForwardConfig{Default: "maybe"}, "forward default"},
		{"header name", nextauth.ForwardConfig{Headers: map[string]string{"Role": "role"}}, "starting with X-"},
		{"header twice", nextauth.ForwardConfig{Headers: map[string]string{"x-auth-request-user": "id"}}, "always set"},
		{"rule host", nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{{Host: "a.com:443"}}}, "rule 1: host"},
		{"rule path", nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{{Path: "admin"}}}, "rule 1: path"},
		{"public with list", nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{{Public: true, AllowEmails: []string{"a@b.c"}}}}, "public allows everyone"},
		{"email", nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{{AllowEmails: []string{"bob"}}}}, "not an e-mail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			_, err := nextauth.New(testConfig(func(c *nextauth.Config) { c.Forward = &f }))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
	_, err := nextauth.New(testConfig(func(c *nextauth.Config) {
		c.Adapter = memory.New()
		c.Forward = &nextauth.ForwardConfig{Headers: map[string]string{"X-Role": "role"}}
	}))
	if err == nil || !strings.Contains(err.Error(), "database sessions have only") {
		t.Errorf("database strategy with a role header: %v", err)
	}
	for _, tt := range []struct {
		url  string
		opts nextauth.CookieOptions
		ok   bool
	}{
		{"https://auth.example.com", nextauth.CookieOptions{Domain: "example.com"}, true},
		{"http://auth.example.com", nextauth.CookieOptions{Domain: "example.com"}, false},
		{"http://auth.example.com", nextauth.CookieOptions{}, true},
		{"https://auth.example.com", nextauth.CookieOptions{Domain: "example.com", Name: "session"}, false},
		{"https://auth.example.com", nextauth.CookieOptions{Domain: "example.com", Secure: new(bool)}, false},
	} {
		_, err := nextauth.New(testConfig(func(c *nextauth.Config) {
			c.URL = tt.url
			c.Cookies.SessionToken = tt.opts
			c.Forward = &nextauth.ForwardConfig{}
		}))
		if (err == nil) != tt.ok {
			t.Errorf("forward, url %s, session cookie %+v: %v, want ok %v", tt.url, tt.opts, err, tt.ok)
		}
	}
	_, err = nextauth.New(testConfig(func(c *nextauth.Config) { c.RedirectHosts = []string{"https://a.example.com"} }))
	if err == nil || !strings.Contains(err.Error(), "redirect host") {
		t.Errorf("redirect host with a scheme: %v", err)
	}
}

func TestForwardJWTSession(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			p.Token["groups"] = []any{"staff", "ops"}
			return p.Token, nil
		}
	})
	anon, alice := newClient(t, h), newClient(t, h)
	alice.signIn()

	w := check(alice, "https://app.example.com/dashboard?x=1", map[string]string{"X-Auth-Request-User": "forged"})
	if w.Code != http.StatusOK {
		t.Fatalf("signed-in check: %d %s", w.Code, w.Body)
	}
	want := map[string]string{
		"X-Auth-Request-User":    "1",
		"X-Auth-Request-Email":   "alice@example.com",
		"X-Auth-Request-Name":    "Alice",
		"X-Auth-Request-Picture": "https://img.example/alice.png",
		"X-Auth-Request-Groups":  "staff,ops",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	// The same token as a bearer token.
	bearer := anon
	tok := alice.jar["next-auth.session-token"]
	if w := check(bearer, "https://app.example.com/", map[string]string{"Authorization": "Bearer " + tok}); w.Code != http.StatusOK || w.Header().Get("X-Auth-Request-Email") != "alice@example.com" {
		t.Errorf("bearer check: %d %v", w.Code, w.Header())
	}
	if w := check(bearer, "https://app.example.com/", map[string]string{"Authorization": "Bearer nonsense"}); w.Code != http.StatusUnauthorized {
		t.Errorf("bad bearer: %d, want 401", w.Code)
	}

	// Without a session: 401 for API clients, 302 for browsers behind
	// Traefik or Caddy, 401 always for nginx.
	if w := check(anon, "https://app.example.com/x", nil); w.Code != http.StatusUnauthorized || len(w.Header().Values("X-Auth-Request-User")) != 0 {
		t.Errorf("anonymous API check: %d %v", w.Code, w.Header())
	}
	w = check(anon, "https://app.example.com/x?a=1&b=2", map[string]string{"Accept": "text/html,application/xhtml+xml"})
	wantLoc := "http://localhost:3111/api/auth/signin?callbackUrl=" + url.QueryEscape("https://app.example.com/x?a=1&b=2")
	if w.Code != http.StatusFound || w.Header().Get("Location") != wantLoc {
		t.Errorf("anonymous browser check: %d Location %q, want 302 %q", w.Code, w.Header().Get("Location"), wantLoc)
	}
	if w := check(anon, "https://app.example.com/x", map[string]string{"Accept": "text/html", "X-Forwarded-Method": "POST"}); w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous browser POST: %d, want 401", w.Code)
	}
	nginx := map[string]string{"Accept": "text/html", "X-Original-URL": "https://app.example.com/x", "X-Forwarded-Host": "", "X-Forwarded-Uri": "", "X-Forwarded-Proto": "", "X-Forwarded-Method": ""}
	if w := check(anon, "https://app.example.com/x", nginx); w.Code != http.StatusUnauthorized || w.Header().Get("X-Auth-Request-Redirect") != "http://localhost:3111/api/auth/signin?callbackUrl="+url.QueryEscape("https://app.example.com/x") {
		t.Errorf("anonymous nginx browser check: %d %v, want 401 with the sign-in URL", w.Code, w.Header())
	}
	nginx["Accept"] = "application/json"
	if w := check(anon, "https://app.example.com/x", nginx); w.Code != http.StatusUnauthorized || len(w.Header().Values("X-Auth-Request-Redirect")) != 0 {
		t.Errorf("anonymous nginx API check: %d %v, want a bare 401", w.Code, w.Header())
	}
	if w := check(alice, "https://app.example.com/x", nginx); w.Code != http.StatusOK || w.Header().Get("X-Auth-Request-User") != "1" {
		t.Errorf("signed-in nginx check: %d", w.Code)
	}

	// A public host answers 200 without identity; with a session, with it.
	if w := check(anon, "https://docs.example.com/guide", nil); w.Code != http.StatusOK || len(w.Header().Values("X-Auth-Request-User")) != 0 {
		t.Errorf("public anonymous: %d %v", w.Code, w.Header())
	}
	if w := check(alice, "https://docs.example.com/guide", nil); w.Header().Get("X-Auth-Request-User") != "1" {
		t.Errorf("public signed-in: %v", w.Header())
	}

	// Denied: 403, for a browser the error page with AccessDenied.
	if w := check(alice, "https://app.example.com/admin", nil); w.Code != http.StatusForbidden || len(w.Header().Values("X-Auth-Request-User")) != 0 {
		t.Errorf("denied: %d %v", w.Code, w.Header())
	}
	w = check(alice, "https://app.example.com/admin", map[string]string{"Accept": "text/html"})
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Access Denied") {
		t.Errorf("denied browser: %d %s", w.Code, w.Body)
	}
	if w := check(alice, "https://other.org/", nil); w.Code != http.StatusForbidden {
		t.Errorf("no rule, default deny: %d", w.Code)
	}

	// Sign-out: the browser's next check is refused.
	alice.postForm("/api/auth/signout", url.Values{"csrfToken": {alice.csrf()}})
	if w := check(alice, "https://app.example.com/", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", w.Code)
	}
}

func TestForwardDefaultAllow(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Default = nextauth.ForwardAllowSignedIn
	})
	anon, alice := newClient(t, h), newClient(t, h)
	alice.signIn()
	if w := check(alice, "https://other.org/", nil); w.Code != http.StatusOK {
		t.Errorf("default allow, signed in: %d", w.Code)
	}
	if w := check(anon, "https://other.org/", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("default allow, anonymous: %d", w.Code)
	}
}

// TestForwardTraefikHeaders checks the headers Traefik's ForwardAuth sends
// (X-Forwarded-Method/Proto/Host/Uri), believed from trust_proxy only.
func TestForwardTraefikHeaders(t *testing.T) {
	h := newHandler(t, forwardConfig)
	anon := newClient(t, h)
	send := func(remote string, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "http://auth.test/api/auth/forward", nil)
		r.RemoteAddr = remote + ":5555"
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	traefik := map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "docs.example.com", "X-Forwarded-Uri": "/a?b=c", "Accept": "text/html"}
	if w := send(proxyAddr, traefik); w.Code != http.StatusOK {
		t.Errorf("trusted Traefik, public host: %d", w.Code)
	}
	// From an untrusted peer the headers are ignored: the check is about
	// the request itself (auth.test, no rule: denied).
	if w := send("198.51.100.7", traefik); w.Code != http.StatusForbidden {
		t.Errorf("untrusted peer claiming a public host: %d, want 403", w.Code)
	}
	traefik["X-Forwarded-Host"] = "app.example.com"
	w := send(proxyAddr, traefik)
	if want := "http://localhost:3111/api/auth/signin?callbackUrl=" + url.QueryEscape("https://app.example.com/a?b=c"); w.Code != http.StatusFound || w.Header().Get("Location") != want {
		t.Errorf("trusted Traefik, anonymous browser: %d %q", w.Code, w.Header().Get("Location"))
	}
	_ = anon
	for _, bad := range []map[string]string{
		{"X-Forwarded-Host": "app.example.com", "X-Forwarded-Uri": "no-slash"},
		{"X-Forwarded-Host": "app example.com", "X-Forwarded-Uri": "/"},
		{"X-Forwarded-Host": "app.example.com", "X-Forwarded-Uri": "/%zz"},
		{"X-Original-URL": "javascript:alert(1)"},
		{"X-Original-URL": "/relative"},
		// A client's X-Original-URL passed on by Caddy or Traefik beside
		// their X-Forwarded-*, or its X-Forwarded-* passed on by nginx.
		{"X-Original-URL": "https://docs.example.com/", "X-Forwarded-Uri": "/", "X-Forwarded-Host": "auth.test"},
		{"X-Original-URL": "https://docs.example.com/", "X-Forwarded-Method": "GET"},
	} {
		if w := send(proxyAddr, bad); w.Code != http.StatusForbidden {
			t.Errorf("bad target %v: %d, want 403", bad, w.Code)
		}
	}
}

// TestForwardBypasses tries the classic path and host tricks against the
// rules of forwardConfig: /admin is for bob@example.com only, Alice
// passes anywhere else on app.example.com.
func TestForwardBypasses(t *testing.T) {
	h := newHandler(t, forwardConfig)
	alice, anon := newClient(t, h), newClient(t, h)
	alice.signIn()
	tests := []struct {
		url       string
		alice     int
		anonymous int
	}{
		{"https://app.example.com/admin", 403, 401},
		{"https://app.example.com/admin/", 403, 401},
		{"https://app.example.com/admin/users", 403, 401},
		{"https://app.example.com/adminx", 200, 401},
		{"https://app.example.com/public/../admin", 403, 401},
		{"https://app.example.com/admin/../public", 200, 200},
		{"https://app.example.com//admin", 403, 401},
		{"https://app.example.com/./admin", 403, 401},
		{"https://app.example.com/public/%2e%2e/admin", 403, 401},
		{"https://app.example.com/public/%2E%2E/admin", 403, 401},
		{"https://app.example.com/%61dmin", 403, 401},
		{"https://app.example.com/public/..%2Fadmin", 403, 403}, // %2F kept: ambiguous
		{"https://app.example.com/admin%2Fusers", 403, 403},
		{"https://app.example.com/public%2F..%2F..%2Fadmin", 403, 403},
		{"https://app.example.com/ADMIN", 403, 403}, // case: ambiguous
		{"https://app.example.com/Admin/users", 403, 403},
		{"https://app.example.com/PUBLIC", 403, 403},
		{"https://APP.Example.COM/admin", 403, 401},
		{"https://app.example.com./admin", 403, 401},
		{"https://app.example.com:8443/admin", 403, 401},
		{"https://app.example.com.:443/admin", 403, 401},
		{"https://app.example.com/public?next=/admin", 200, 200},
		{"https://app.example.com/public#/../admin", 200, 200},
		{"https://app.example.com/public/%00", 403, 403},
		{"https://app.example.com/public/%252e%252e/admin", 200, 200}, // decoded once: a segment named %2e%2e
		{"https://example.com/", 403, 403},                            // *.example.com is not the apex
		{"https://a.b.example.com/", 403, 403},                        // nor two labels
		{"https://evil.com/.example.com", 403, 403},
		{"https://docs.example.com.evil.com/", 403, 403},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		uri := u.EscapedPath()
		if uri == "" {
			uri = "/"
		}
		if u.RawQuery != "" {
			uri += "?" + u.RawQuery
		}
		if u.Fragment != "" {
			uri += "#" + u.EscapedFragment()
		}
		for _, via := range []string{"forwarded", "original"} {
			hdr := map[string]string{"X-Forwarded-Uri": uri, "X-Forwarded-Host": u.Host}
			if via == "original" {
				hdr = map[string]string{"X-Original-URL": u.Scheme + "://" + u.Host + uri, "X-Forwarded-Uri": "", "X-Forwarded-Host": "", "X-Forwarded-Proto": "", "X-Forwarded-Method": ""}
			}
			if w := check(alice, tt.url, hdr); w.Code != tt.alice {
				t.Errorf("%s %s as alice: %d, want %d", via, tt.url, w.Code, tt.alice)
			}
			if w := check(anon, tt.url, hdr); w.Code != tt.anonymous {
				t.Errorf("%s %s anonymous: %d, want %d", via, tt.url, w.Code, tt.anonymous)
			}
		}
	}
}

func TestForwardAllowHook(t *testing.T) {
	var seen nextauth.ForwardTarget
	h := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Rules = []nextauth.ForwardRule{{Host: "grafana.example.com", AllowEmails: []string{"carol@example.com"}, Allow: func(_ context.Context, id nextauth.ForwardIdentity, t nextauth.ForwardTarget) (bool, error) {
			seen = t
			return id.Claims["name"] == "Alice" && t.Path != "/secret", nil
		}}}
	})
	alice := newClient(t, h)
	alice.signIn()
	if w := check(alice, "https://grafana.example.com/d/1", nil); w.Code != http.StatusOK {
		t.Errorf("hook allows: %d", w.Code)
	}
	if seen.Host != "grafana.example.com" || seen.Path != "/d/1" || seen.Method != "GET" || seen.URL != "https://grafana.example.com/d/1" {
		t.Errorf("hook saw %+v", seen)
	}
	if w := check(alice, "https://grafana.example.com/secret", nil); w.Code != http.StatusForbidden {
		t.Errorf("hook denies: %d", w.Code)
	}
}

// TestForwardCELRule: a compiled CEL rule (package rules, as the
// configuration file's allow key builds it) decides on the session's
// claims and the request: a user with the group passes, outside /admin
// anyone signed in does, and a rule that fails to evaluate denies.
func TestForwardCELRule(t *testing.T) {
	rule, err := rules.CompileForward(`"admins" in token.groups || !request.path.startsWith("/admin")`, 0)
	if err != nil {
		t.Fatal(err)
	}
	broken, err := rules.CompileForward(`token.missing == "x"`, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Rules = []nextauth.ForwardRule{
			{Host: "grafana.example.com", Allow: rule.Allow},
			{Host: "broken.example.com", Allow: broken.Allow},
		}
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.Token["email"] == "alice@example.com" && p.Trigger == nextauth.TriggerSignIn {
				p.Token["groups"] = []any{"admins"}
			}
			return p.Token, nil
		}
	})
	alice := newClient(t, h)
	alice.signIn()
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"https://grafana.example.com/admin/users", http.StatusOK},
		{"https://grafana.example.com/d/1", http.StatusOK},
		{"https://broken.example.com/", http.StatusForbidden},
	} {
		if w := check(alice, tt.url, nil); w.Code != tt.want {
			t.Errorf("alice (admins) %s: %d, want %d", tt.url, w.Code, tt.want)
		}
	}
	// The same user without the group: the rule's path part alone.
	h2 := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Rules = []nextauth.ForwardRule{{Host: "grafana.example.com", Allow: rule.Allow}}
	})
	plain := newClient(t, h2)
	plain.signIn()
	if w := check(plain, "https://grafana.example.com/admin/users", nil); w.Code != http.StatusForbidden {
		t.Errorf("without the group /admin: %d, want 403", w.Code)
	}
	if w := check(plain, "https://grafana.example.com/d/1", nil); w.Code != http.StatusOK {
		t.Errorf("without the group /d/1: %d, want 200", w.Code)
	}
}

// TestForwardDatabaseSession: database sessions are checked without
// sliding their expiry, and a revoked or signed-out session is refused at
// the next check.
func TestForwardDatabaseSession(t *testing.T) {
	for _, store := range adapterStores() {
		t.Run(store.name, func(t *testing.T) {
			a := store.open(t)
			now := time.Now().Truncate(time.Second)
			h := newHandler(t, func(c *nextauth.Config) {
				forwardConfig(c)
				c.Forward.Headers = map[string]string{"X-Auth-Request-Image": "image"}
				c.Adapter = a
				c.Now = func() time.Time { return now }
			})
			alice, laptop := newClient(t, h), newClient(t, h)
			alice.signIn()
			laptop.signIn()
			tok := alice.jar["next-auth.session-token"]
			stored, _, err := a.GetSessionAndUser(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(48 * time.Hour) // past UpdateAge: GET /session would extend it
			w := check(alice, "https://app.example.com/", nil)
			if w.Code != http.StatusOK || w.Header().Get("X-Auth-Request-Email") != "alice@example.com" || w.Header().Get("X-Auth-Request-Image") != "https://img.example/alice.png" {
				t.Fatalf("database session check: %d %v", w.Code, w.Header())
			}
			if id := w.Header().Get("X-Auth-Request-User"); id == "" || id != storedUser(t, a, tok) {
				t.Errorf("X-Auth-Request-User = %q", id)
			}
			after, _, err := a.GetSessionAndUser(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if !after.Expires.Equal(stored.Expires) {
				t.Errorf("the check moved the expiry: %v → %v", stored.Expires, after.Expires)
			}
			if w := check(newClient(t, h), "https://app.example.com/", map[string]string{"Authorization": "Bearer " + tok}); w.Code != http.StatusOK {
				t.Errorf("bearer database token: %d", w.Code)
			}
			// Admin revocation: the next check is refused.
			if err := h.RevokeSession(context.Background(), laptop.jar["next-auth.session-token"]); err != nil {
				t.Fatal(err)
			}
			if w := check(laptop, "https://app.example.com/", nil); w.Code != http.StatusUnauthorized {
				t.Errorf("after revocation: %d, want 401", w.Code)
			}
			// Sign-out: a copy of the cookie is refused too.
			copied := newClient(t, h)
			copied.store([]string{"next-auth.session-token=" + tok})
			alice.postForm("/api/auth/signout", url.Values{"csrfToken": {alice.csrf()}})
			if w := check(copied, "https://app.example.com/", nil); w.Code != http.StatusUnauthorized {
				t.Errorf("copied cookie after sign-out: %d, want 401", w.Code)
			}
		})
	}
}

func storedUser(t *testing.T, a nextauth.Adapter, tok string) string {
	t.Helper()
	_, u, err := a.GetSessionAndUser(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestForwardRevokedJWT: with a revoking adapter, a signed-out JWT is
// refused even from a copied cookie.
func TestForwardRevokedJWT(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Adapter = memory.New()
		c.Session.Strategy = nextauth.StrategyJWT
	})
	alice := newClient(t, h)
	alice.signIn()
	copied := newClient(t, h)
	copied.store([]string{"next-auth.session-token=" + alice.jar["next-auth.session-token"]})
	if w := check(copied, "https://app.example.com/", nil); w.Code != http.StatusOK {
		t.Fatalf("before sign-out: %d", w.Code)
	}
	alice.postForm("/api/auth/signout", url.Values{"csrfToken": {alice.csrf()}})
	if w := check(copied, "https://app.example.com/", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("copied JWT after sign-out: %d, want 401", w.Code)
	}
}

// TestRedirectHosts: callbackUrls to other hosts pass only through
// RedirectHosts.
func TestRedirectHosts(t *testing.T) {
	tests := []struct {
		base, target string
		want         bool
	}{
		{"http://localhost:3111", "https://grafana.example.com/d/1", true},
		{"http://localhost:3111", "http://grafana.example.com:8080/", true},
		{"https://auth.example.com", "http://grafana.example.com/", false}, // no downgrade
		{"http://localhost:3111", "https://docs.example.com/", true},
		{"http://localhost:3111", "https://example.com/", false},
		{"http://localhost:3111", "https://a.b.example.com/", false},
		{"http://localhost:3111", "https://grafana.example.com.evil.com/", false},
		{"http://localhost:3111", "https://evil.com/grafana.example.com", false},
		{"http://localhost:3111", "https://user@grafana.example.com/", false},
		{"http://localhost:3111", "https://grafana.example.com./", false},
		{"http://localhost:3111", "https://grafana.example.com\\@evil.com/", false},
		{"http://localhost:3111", "javascript://grafana.example.com/", false},
		{"http://localhost:3111", "//grafana.example.com/", false},
	}
	for _, tt := range tests {
		h := newHandler(t, func(c *nextauth.Config) {
			c.URL = tt.base
			c.RedirectHosts = []string{"grafana.example.com", "*.example.com"}
			// *.example.com covers docs.; grafana. is listed exactly too.
		})
		w := newClient(t, h).get("/api/auth/signin?callbackUrl=" + url.QueryEscape(tt.target))
		var got string
		for _, sc := range w.Header().Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(sc); err == nil && strings.HasSuffix(c.Name, "next-auth.callback-url") {
				got = c.Value
			}
		}
		got, _ = url.QueryUnescape(got)
		if allowed := got == tt.target; allowed != tt.want {
			t.Errorf("base %s, callbackUrl %s: cookie %q, allowed %v, want %v", tt.base, tt.target, got, allowed, tt.want)
		}
	}
	// Without RedirectHosts, NextAuth's same-origin rule.
	h := newHandler(t, nil)
	w := newClient(t, h).get("/api/auth/signin?callbackUrl=" + url.QueryEscape("https://grafana.example.com/"))
	for _, sc := range w.Header().Values("Set-Cookie") {
		if strings.Contains(sc, "callback-url") && strings.Contains(sc, "grafana") {
			t.Errorf("cross-host callbackUrl kept without redirect hosts: %s", sc)
		}
	}
}
