package nextauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/jwt"
)

func TestUnsupported(t *testing.T) {
	h := newHandler(t, nil)
	tests := []struct{ method, path string }{
		{"HEAD", "/api/auth/session"},
		{"PUT", "/api/auth/session"},
		{"DELETE", "/api/auth/session"},
		{"OPTIONS", "/api/auth/csrf"},
		{"GET", "/api/auth/_log"},
		{"POST", "/api/auth/csrf"},
		{"POST", "/api/auth/providers"},
		{"POST", "/api/auth/error"},
		{"POST", "/api/auth/verify-request"},
		{"GET", "/api/auth/foo"},
		{"POST", "/api/auth/foo/bar"},
		{"GET", "/api/auth/callback/nope"},
		{"POST", "/api/auth/callback/nope"},
		{"GET", "/api/auth/callback"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			want := "Error: This action with HTTP " + tt.method + " is not supported by NextAuth.js"
			if tt.method == "HEAD" {
				want = w.Body.String() // a recorder keeps HEAD bodies; the server drops them
			}
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%s %s = %d %q, want 400 %q", tt.method, tt.path, w.Code, w.Body, want)
			}
			if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("%s %s set cookies %q, want none", tt.method, tt.path, sc)
			}
			if ct := w.Header().Get("Content-Type"); ct != "" {
				t.Errorf("%s %s Content-Type = %q, want none", tt.method, tt.path, ct)
			}
		})
	}
}

func TestNoAction(t *testing.T) {
	h := newHandler(t, nil)
	for _, p := range []string{"/api/auth", "/"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
}

// TestTrailingSlash: like Next.js, any path that ends in a slash is
// redirected (308) to the path without it, query kept, whatever the method;
// nothing else happens (no cookies).
func TestTrailingSlash(t *testing.T) {
	h := newHandler(t, nil)
	stripped := http.StripPrefix("/api/auth", h)
	tests := []struct {
		name, method, target string
		h                    http.Handler
		want                 string
	}{
		{"session", "GET", "/api/auth/session/", h, "/api/auth/session"},
		{"query kept", "GET", "/api/auth/session/?x=1&y=%2F", h, "/api/auth/session?x=1&y=%2F"},
		{"base path", "GET", "/api/auth/", h, "/api/auth"},
		{"one slash at a time", "GET", "/api/auth//", h, "/api/auth/"},
		{"POST", "POST", "/api/auth/signout/", h, "/api/auth/signout"},
		{"unknown action", "GET", "/api/auth/foo/", h, "/api/auth/foo"},
		{"provider", "POST", "/api/auth/signin/credentials/", h, "/api/auth/signin/credentials"},
		{"prefix stripped by the router", "GET", "/api/auth/session/", stripped, "/api/auth/session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
			res := w.Result()
			if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != tt.want {
				t.Fatalf("%s %s = %d Location %q, want 308 %q", tt.method, tt.target, res.StatusCode, res.Header.Get("Location"), tt.want)
			}
			if got := res.Header.Get("Refresh"); got != "0;url="+tt.want {
				t.Errorf("Refresh = %q, want %q", got, "0;url="+tt.want)
			}
			if w.Body.String() != tt.want || len(res.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("body %q, cookies %q; want the target and no cookies", w.Body, res.Header.Values("Set-Cookie"))
			}
		})
	}
}

func TestProvidersGolden(t *testing.T) {
	h := newHandler(t, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/auth/providers", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("GET /providers = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("GET /providers set cookies %q, want none", sc)
	}
	golden(t, "providers.json", w.Body.Bytes())
	var m map[string]map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["credentials"]["signinUrl"] != "http://localhost:3111/api/auth/signin/credentials" {
		t.Errorf("GET /providers = %s (%v)", w.Body, err)
	}
}

func TestCSRFEndpoint(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) { c.Rand = zeroRand{} })
	c := newClient(t, h)
	w := c.get("/api/auth/csrf")
	golden(t, "csrf.json", w.Body.Bytes())
	wantCookies := []string{
		"next-auth.csrf-token=0000000000000000000000000000000000000000000000000000000000000000%7Cfa5790049a353d9796744fa82b1af7f283ee25b2da46e646ece34e4ac7b187cb; Path=/; HttpOnly; SameSite=Lax",
		"next-auth.callback-url=http%3A%2F%2Flocalhost%3A3111; Path=/; HttpOnly; SameSite=Lax",
	}
	if got := w.Header().Values("Set-Cookie"); strings.Join(got, "\n") != strings.Join(wantCookies, "\n") {
		t.Errorf("first GET /csrf cookies =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantCookies, "\n"))
	}
	for k, v := range map[string]string{"Cache-Control": "private, no-cache, no-store", "Pragma": "no-cache", "Expires": "0", "Content-Type": "application/json; charset=utf-8"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("GET /csrf %s = %q, want %q", k, got, v)
		}
	}
	w2 := c.get("/api/auth/csrf")
	if w2.Body.String() != w.Body.String() {
		t.Errorf("second GET /csrf = %s, want the same token %s", w2.Body, w.Body)
	}
	if sc := w2.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("second GET /csrf set cookies %q, want none", sc)
	}
}

func TestSecureCookieNames(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) { c.URL = "https://example.com/myapp/api/authentication" })
	c := newClient(t, h)
	w := c.get("/myapp/api/authentication/csrf")
	sc := w.Header().Values("Set-Cookie")
	if len(sc) != 2 || !strings.HasPrefix(sc[0], "__Host-next-auth.csrf-token=") || !strings.HasSuffix(sc[0], "; Path=/; HttpOnly; Secure; SameSite=Lax") ||
		!strings.HasPrefix(sc[1], "__Secure-next-auth.callback-url=https%3A%2F%2Fexample.com;") {
		t.Fatalf("secure cookies = %q", sc)
	}
	tok := c.csrf2("/myapp/api/authentication")
	w = c.postForm("/myapp/api/authentication/callback/credentials", url.Values{"csrfToken": {tok}, "username": {"alice"}, "password": {"wonderland"}, "json": {"true"}})
	if w.Code != 200 || w.Body.String() != `{"url":"https://example.com"}` {
		t.Fatalf("sign-in under custom path = %d %s", w.Code, w.Body)
	}
	if _, ok := c.jar["__Secure-next-auth.session-token"]; !ok {
		t.Fatalf("no __Secure- session cookie in %v", c.jar)
	}
	// Also mounted behind http.StripPrefix.
	stripped := newClient(t, http.StripPrefix("/myapp/api/authentication", h))
	stripped.jar, stripped.order = c.jar, c.order
	w = stripped.get("/myapp/api/authentication/session")
	if !strings.Contains(w.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("GET /session through StripPrefix = %s", w.Body)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/myapp/api/authentication/providers", nil))
	if !strings.Contains(w.Body.String(), `"signinUrl":"https://example.com/myapp/api/authentication/signin/credentials"`) {
		t.Errorf("providers under custom path = %s", w.Body)
	}
}

// csrf2 is csrf under another base path.
func (c *client) csrf2(base string) string {
	w := c.get(base + "/csrf")
	var v struct{ CSRFToken string }
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || len(v.CSRFToken) != 64 {
		c.t.Fatalf("GET %s/csrf = %s", base, w.Body)
	}
	return v.CSRFToken
}

func TestCSRFRequired(t *testing.T) {
	type outcome struct {
		status int
		body   string // JSON mode body, or Location for 302
	}
	const base = "http://localhost:3111/api/auth"
	tests := []struct {
		name, path string
		json       bool
		want       outcome
	}{
		{"signin json", "/signin/credentials", true, outcome{200, `{"url":"` + base + `/signin?csrf=true"}`}},
		{"signin form", "/signin/credentials", false, outcome{302, base + "/signin?csrf=true"}},
		{"signin unknown provider", "/signin/nope", true, outcome{200, `{"url":"` + base + `/signin?csrf=true"}`}},
		{"signout json", "/signout", true, outcome{200, `{"url":"` + base + `/signout?csrf=true"}`}},
		{"signout form", "/signout", false, outcome{302, base + "/signout?csrf=true"}},
		{"credentials json", "/callback/credentials", true, outcome{200, `{"url":"` + base + `/signin?csrf=true"}`}},
		{"credentials form", "/callback/credentials", false, outcome{302, base + "/signin?csrf=true"}},
		{"session", "/session", true, outcome{400, `{}`}},
	}
	tokens := []struct {
		name  string
		token func(c *client) string
	}{
		{"missing", func(*client) string { return "" }},
		{"wrong", func(c *client) string { c.csrf(); return strings.Repeat("a", 64) }},
		{"no cookie", func(*client) string { return strings.Repeat("0", 64) }},
	}
	for _, tt := range tests {
		for _, tok := range tokens {
			t.Run(tt.name+"/"+tok.name, func(t *testing.T) {
				c := newClient(t, newHandler(t, nil))
				v := url.Values{"username": {"alice"}, "password": {"wonderland"}}
				if tk := tok.token(c); tk != "" {
					v.Set("csrfToken", tk)
				}
				if tt.json {
					v.Set("json", "true")
				}
				w := c.postForm("/api/auth"+tt.path, v)
				got := outcome{w.Code, w.Body.String()}
				if w.Code == 302 {
					got.body = w.Header().Get("Location")
				}
				if got != tt.want {
					t.Errorf("POST %s = %v, want %v", tt.path, got, tt.want)
				}
				if _, ok := c.jar["next-auth.session-token"]; ok {
					t.Errorf("POST %s without a valid CSRF token signed in", tt.path)
				}
			})
		}
	}
}

func TestJSONBooleanIsNotJSONMode(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	tok := c.csrf()
	body := `{"csrfToken":"` + tok + `","username":"alice","password":"nope","json":true}`
	w := c.do("POST", "/api/auth/callback/credentials", "application/json", body)
	if w.Code != 302 || w.Header().Get("Location") != "http://localhost:3111/api/auth/error?error=CredentialsSignin&provider=credentials" {
		t.Errorf("json:true (boolean) = %d %q, want 302 to the error page", w.Code, w.Header().Get("Location"))
	}
}

func TestCredentialsSignIn(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	denied := errors.New("database down")
	tests := []struct {
		name     string
		mutate   func(*nextauth.Config)
		fields   url.Values
		json     bool
		status   int
		target   string
		signedIn bool
	}{
		{"ok json", nil, url.Values{"username": {"alice"}, "password": {"wonderland"}, "callbackUrl": {"/dash"}}, true, 200, "http://localhost:3111/dash", true},
		{"ok form", nil, url.Values{"username": {"alice"}, "password": {"wonderland"}}, false, 302, "http://localhost:3111", true},
		{"evil callbackUrl", nil, url.Values{"username": {"alice"}, "password": {"wonderland"}, "callbackUrl": {"https://evil.example/"}}, true, 200, "http://localhost:3111", true},
		{"unparseable callbackUrl", nil, url.Values{"username": {"alice"}, "password": {"wonderland"}, "callbackUrl": {"foo"}}, true, 200, "http://localhost:3111", true},
		{"bad password json", nil, url.Values{"username": {"alice"}, "password": {"x"}}, true, 401, base + "/error?error=CredentialsSignin&provider=credentials", false},
		{"bad password form", nil, url.Values{"username": {"alice"}, "password": {"x"}}, false, 302, base + "/error?error=CredentialsSignin&provider=credentials", false},
		{"signIn callback denies", func(c *nextauth.Config) {
			c.Callbacks.SignIn = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error) {
				return nextauth.SignInResult{Deny: true}, nil
			}
		}, url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 403, base + "/error?error=AccessDenied", false},
		{"signIn callback redirects", func(c *nextauth.Config) {
			c.Callbacks.SignIn = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error) {
				return nextauth.SignInResult{Redirect: "/onboarding"}, nil
			}
		}, url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 200, "/onboarding", false},
		{"signIn callback fails", func(c *nextauth.Config) {
			c.Callbacks.SignIn = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error) {
				return nextauth.SignInResult{}, denied
			}
		}, url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 403, base + "/error?error=AccessDenied", false},
		{"signIn callback fails with code", func(c *nextauth.Config) {
			c.Callbacks.SignIn = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error) {
				return nextauth.SignInResult{}, &nextauth.Error{Code: "Account Locked", Err: denied}
			}
		}, url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 403, base + "/error?error=Account%20Locked", false},
		{"allow list refuses", func(c *nextauth.Config) { c.Allow.Domains = []string{"corp.example"} },
			url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 403, base + "/error?error=AccessDenied", false},
		{"allow list admits", func(c *nextauth.Config) { c.Allow.Emails = []string{"Alice@Example.com"} },
			url.Values{"username": {"alice"}, "password": {"wonderland"}}, true, 200, "http://localhost:3111", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, newHandler(t, tt.mutate))
			v := tt.fields
			v.Set("csrfToken", c.csrf())
			if tt.json {
				v.Set("json", "true")
			}
			w := c.postForm("/api/auth/callback/credentials", v)
			got := w.Header().Get("Location")
			if tt.json {
				var body struct{ URL string }
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatalf("body %q: %v", w.Body, err)
				}
				got = body.URL
			}
			if w.Code != tt.status || got != tt.target {
				t.Errorf("sign-in = %d %q, want %d %q", w.Code, got, tt.status, tt.target)
			}
			if _, ok := c.jar["next-auth.session-token"]; ok != tt.signedIn {
				t.Errorf("signed in = %v, want %v", ok, tt.signedIn)
			}
		})
	}
}

func TestCredentialsGET(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	w := c.get("/api/auth/callback/credentials")
	if w.Code != 400 || w.Body.String() != "Error: Callback for provider type credentials not supported" {
		t.Errorf("GET /callback/credentials = %d %q", w.Code, w.Body)
	}
}

func TestPostSignInCredentials(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	w := c.postForm("/api/auth/signin/credentials", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	if w.Body.String() != `{"url":"http://localhost:3111/api/auth/signin"}` {
		t.Errorf("POST /signin/credentials = %d %s", w.Code, w.Body)
	}
}

func TestSessionCookieOnSignIn(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) { c.Now = func() time.Time { return fixedNow } })
	c := newClient(t, h)
	v := url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}, "json": {"true"}}
	w := c.postForm("/api/auth/callback/credentials", v)
	sc := w.Header().Values("Set-Cookie")
	last := sc[len(sc)-1]
	if !strings.HasPrefix(last, "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..") ||
		!strings.HasSuffix(last, "; Path=/; Expires=Sun, 27 Dec 2026 08:39:23 GMT; HttpOnly; SameSite=Lax") {
		t.Fatalf("session cookie = %q", last)
	}
	codec, err := jwt.NewCodec(jwt.Options{Secret: testSecret, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := codec.Decode(c.jar["next-auth.session-token"])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "Alice", "email": "alice@example.com", "picture": "https://img.example/alice.png", "sub": "1",
		"iat": float64(fixedNow.Unix()), "exp": float64(fixedNow.Add(30 * 24 * time.Hour).Unix())}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) != 36 {
		t.Errorf("jti = %v, want a UUID", claims["jti"])
	}
}
