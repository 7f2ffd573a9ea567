package nextauth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestErrorRoute(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	tests := []struct {
		name, path, pagesError string
		status                 int
		location               string
	}{
		{"oauth signin forwards", "/error?error=OAuthSignin", "", 302, base + "/signin?error=OAuthSignin"},
		{"credentials forwards even with pages.error", "/error?error=CredentialsSignin", "/err", 302, base + "/signin?error=CredentialsSignin"},
		{"path segment", "/error/OAuthCallback", "", 302, base + "/signin?error=OAuthCallback"},
		{"access denied", "/error?error=AccessDenied", "", 403, ""},
		{"verification", "/error?error=Verification", "", 403, ""},
		{"configuration", "/error?error=Configuration", "", 500, ""},
		{"unknown", "/error?error=Boom", "", 200, ""},
		{"none", "/error", "", 200, ""},
		{"pages.error", "/error?error=AccessDenied", "/err?x=1", 302, "/err?x=1&error=AccessDenied"},
		{"pages.error unencoded", "/error?error=Boom%20here", "/err", 302, "/err?error=Boom here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, func(c *nextauth.Config) { c.Pages.Error = tt.pagesError })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/api/auth"+tt.path, nil))
			if w.Code != tt.status || w.Header().Get("Location") != tt.location {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Header().Get("Location"), tt.status, tt.location)
			}
			if tt.location == "" {
				if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(w.Body.String(), "<title>Error</title>") {
					t.Errorf("GET %s = %q %.80s, want the error page", tt.path, ct, w.Body)
				}
			}
		})
	}
}

// csrfInput finds the hidden csrfToken value in a page.
var csrfInput = regexp.MustCompile(`name="csrfToken" value="([0-9a-f]{64})"`)

func TestSignInPage(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) { c.Theme.BrandColor = "#ff0000" })
	c := newClient(t, h)
	w := c.get("/api/auth/signin?error=CredentialsSignin&callbackUrl=%2Fdash")
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "<title>Sign In</title>") {
		t.Fatalf("GET /signin = %d %.200s", w.Code, body)
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil || c.jar["next-auth.csrf-token"][:64] != m[1] {
		t.Errorf("sign-in page csrf token %v does not match the cookie %q", m, c.jar["next-auth.csrf-token"])
	}
	for _, want := range []string{
		`action="http://localhost:3111/api/auth/callback/credentials" method="POST"`,
		`id="input-username-for-credentials-provider"`,
		`type="password"`,
		`--brand-color: #ff0000`,
		`class="error"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if c.jar["next-auth.callback-url"] != "http%3A%2F%2Flocalhost%3A3111%2Fdash" {
		t.Errorf("callback-url cookie = %q", c.jar["next-auth.callback-url"])
	}
	for _, hd := range []string{"X-Frame-Options", "X-Content-Type-Options"} {
		if w.Header().Get(hd) == "" {
			t.Errorf("sign-in page lacks %s", hd)
		}
	}
	// GET /signin/<id> renders the same page.
	if w := c.get("/api/auth/signin/credentials"); w.Code != 200 || !strings.Contains(w.Body.String(), "<title>Sign In</title>") {
		t.Errorf("GET /signin/credentials = %d", w.Code)
	}
}

func TestSignOutAndVerifyPages(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	w := c.get("/api/auth/signout")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `action="http://localhost:3111/api/auth/signout" method="POST"`) || csrfInput.FindString(w.Body.String()) == "" {
		t.Errorf("GET /signout = %d %.300s", w.Code, w.Body)
	}
	w = c.get("/api/auth/verify-request")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `href="http://localhost:3111"`) {
		t.Errorf("GET /verify-request = %d %.300s", w.Code, w.Body)
	}
}

func TestPagesOverrides(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		c.Pages = nextauth.Pages{SignIn: "/login", SignOut: "/logout?x=1", VerifyRequest: "/check-mail"}
	})
	tests := []struct{ path, location string }{
		{"/signin", "/login?callbackUrl=http%3A%2F%2Flocalhost%3A3111"},
		{"/signin?callbackUrl=/dash&error=OAuthSignin", "/login?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Fdash&error=OAuthSignin"},
		{"/signin/github", "/login?callbackUrl=http%3A%2F%2Flocalhost%3A3111&error=github"},
		{"/signout", "/logout?x=1"},
		{"/verify-request?provider=email", "/check-mail"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/auth"+tt.path, nil))
		if w.Code != 302 || w.Header().Get("Location") != tt.location {
			t.Errorf("GET %s = %d %q, want 302 %q", tt.path, w.Code, w.Header().Get("Location"), tt.location)
		}
		if len(w.Header().Values("Set-Cookie")) == 0 {
			t.Errorf("GET %s: init cookies missing on the redirect", tt.path)
		}
	}
}

func TestInvalidCallbackURL(t *testing.T) {
	const msg = `{"message":"There is a problem with the server configuration. Check the server logs for more information."}`
	tests := []struct {
		name, path, cookie, pagesError string
		status                         int
		body, location                 string
	}{
		{"session query", "/session?callbackUrl=javascript:alert(1)", "", "", 400, msg, ""},
		{"csrf query", "/csrf?callbackUrl=ftp://x", "", "", 400, msg, ""},
		{"cookie", "/session", "next-auth.callback-url=ftp%3A%2F%2Fx", "", 400, msg, ""},
		{"page", "/signin?callbackUrl=javascript:alert(1)", "", "", 400, "", ""},
		{"page with pages.error", "/signin?callbackUrl=javascript:alert(1)", "", "/err?a=1", 302, "", "/err?a=1?error=Configuration"},
		{"relative is fine", "/session?callbackUrl=/dash", "", "", 200, "{}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, func(c *nextauth.Config) { c.Pages.Error = tt.pagesError })
			r := httptest.NewRequest("GET", "/api/auth"+tt.path, nil)
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Location") != tt.location {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Header().Get("Location"), tt.status, tt.location)
			}
			if tt.body != "" && w.Body.String() != tt.body {
				t.Errorf("GET %s body = %s, want %s", tt.path, w.Body, tt.body)
			}
			if tt.name == "page" && !strings.Contains(w.Body.String(), "<title>Error</title>") {
				t.Errorf("GET %s = %.200s, want the configuration error page", tt.path, w.Body)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	h := newHandler(t, nil)
	big := strings.Repeat("a", 1<<20+1)
	tests := []struct {
		name, method, path, ct, body, cookie string
		status                               int
	}{
		{"oversized body", "POST", "/api/auth/callback/credentials", "application/x-www-form-urlencoded", "x=" + big, "", 413},
		{"invalid json", "POST", "/api/auth/session", "application/json", "{", "", 400},
		{"text body", "POST", "/api/auth/callback/credentials", "text/plain", "csrfToken=x", "", 302},
		{"path not UTF-8", "GET", "/api/auth/%E0%A4", "", "", "", 400},
		{"malformed cookies", "GET", "/api/auth/session", "", "", "next-auth.session-token=%%%; next-auth.csrf-token=%zz|%", 200},
		{"malformed callback-url cookie", "GET", "/api/auth/session", "", "", "next-auth.callback-url=%", 400},
		{"binary cookie", "GET", "/api/auth/session", "", "", "next-auth.session-token.0=\x01\x02; next-auth.session-token.x=y", 200},
		{"json array body", "POST", "/api/auth/signout", "application/json", "[1,2,3]", "", 302},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://localhost:3111/", strings.NewReader(tt.body))
			u, err := url.Parse(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			r.URL = u
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("%s = %d %.100q, want %d", tt.name, w.Code, w.Body, tt.status)
			}
		})
	}
}

func TestCookieOverrides(t *testing.T) {
	no := false
	h := newHandler(t, func(c *nextauth.Config) {
		c.Cookies.SessionToken = nextauth.CookieOptions{Name: "sid", Domain: ".example.com", SameSite: http.SameSiteNoneMode}
		c.Cookies.CSRFToken = nextauth.CookieOptions{HTTPOnly: &no}
	})
	c := newClient(t, h)
	w := c.get("/api/auth/csrf")
	if sc := w.Header().Values("Set-Cookie"); !strings.HasSuffix(sc[0], "; Path=/; SameSite=Lax") {
		t.Errorf("csrf cookie with HTTPOnly false = %q", sc[0])
	}
	w = c.postForm("/api/auth/callback/credentials", map[string][]string{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}})
	sc := w.Header().Values("Set-Cookie")
	last := sc[len(sc)-1]
	if !strings.HasPrefix(last, "sid=") || !strings.Contains(last, "; Domain=.example.com; Path=/; Expires=") || !strings.HasSuffix(last, "; HttpOnly; SameSite=None") {
		t.Errorf("overridden session cookie = %q", last)
	}
	if w := c.get("/api/auth/session"); !strings.Contains(w.Body.String(), "alice@example.com") {
		t.Errorf("session with renamed cookie = %s", w.Body)
	}
}

func TestLogRoute(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	w := c.do("POST", "/api/auth/_log", "application/x-www-form-urlencoded;charset=UTF-8", "level=error&code=CLIENT_FETCH_ERROR&message=x&client=true")
	if w.Code != 200 || w.Body.Len() != 0 || len(w.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("POST /_log = %d %q cookies %q", w.Code, w.Body, w.Header().Values("Set-Cookie"))
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	cfg := testConfig(func(c *nextauth.Config) {
		c.Secret = ""
		c.URL = "ftp://x"
		c.Providers = append(c.Providers, c.Providers[0])
		c.Theme.ColorScheme = "purple"
	})
	_, err := nextauth.New(cfg)
	if err == nil {
		t.Fatal("New accepted a broken config")
	}
	for _, want := range []string{"NO_SECRET", "url", `"credentials" is used twice`, "purple"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New error %q does not mention %q", err, want)
		}
	}
}
