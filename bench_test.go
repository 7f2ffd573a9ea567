package nextauth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/rules"
)

// benchRequest signs alice in and returns a GET /session request carrying
// her cookies.
func benchSession(b testing.TB, mutate func(*nextauth.Config)) (*nextauth.Handler, string) {
	h := newHandler(b, mutate)
	c := newClient(b, h)
	c.signIn()
	return h, c.cookieHeader()
}

// BenchmarkGetSessionJWT is a full in-process GET /session with a valid JWT
// cookie: decode, callbacks, re-encode, cookie.
func BenchmarkGetSessionJWT(b *testing.B) {
	h, ck := benchSession(b, nil)
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", ck)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatal(w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status, so that a
// benchmark counts the handler's allocations, not a recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// serveLoop benchmarks h answering GET path with the cookies ck ("" for
// none), counting only the handler's allocations.
func serveLoop(b *testing.B, h http.Handler, path, ck string) {
	r := httptest.NewRequest("GET", path, nil)
	if ck != "" {
		r.Header.Set("Cookie", ck)
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkGetSessionNoCookie is GET /session without a cookie (a CSRF and
// callback-url cookie are issued).
func BenchmarkGetSessionNoCookie(b *testing.B) {
	serveLoop(b, newHandler(b, nil), "/api/auth/session", "")
}

// BenchmarkGetSessionDatabase is GET /session on a database session in the
// memory adapter.
func BenchmarkGetSessionDatabase(b *testing.B) {
	h, ck := benchSession(b, func(c *nextauth.Config) { c.Adapter = memory.New() })
	serveLoop(b, h, "/api/auth/session", ck)
}

// BenchmarkCSRF is GET /csrf with the cookie already set.
func BenchmarkCSRF(b *testing.B) {
	h, ck := benchSession(b, nil)
	serveLoop(b, h, "/api/auth/csrf", ck)
}

// BenchmarkProviders is GET /providers.
func BenchmarkProviders(b *testing.B) {
	serveLoop(b, newHandler(b, nil), "/api/auth/providers", "")
}

// TestGetSessionAllocations keeps the in-process GET /session (JWT) within
// 19 allocations, the performance budget; counts, not time, so the check is
// deterministic. The binary's whole request path around the handler has
// its own budget: TestServeAllocations in cmd/nextauth.
func TestGetSessionAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts; run without -race")
	}
	h, ck := benchSession(t, nil)
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", ck)
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	if w.code != 200 || allocs > 19 {
		t.Errorf("GET /session = %d with %.0f allocations per request, want 200 with at most 19", w.code, allocs)
	}
}

// BenchmarkSignInRules is a credentials sign-in (a stub Authorize) with no
// rule, and with two CEL rules: a claims rule and the allow rule.
func BenchmarkSignInRules(b *testing.B) {
	two, err := rules.Compile(rules.Config{
		Claims: map[string]string{"role": `"admins" in user.groups ? "admin" : "user"`},
		Allow:  `user.email.endsWith("@example.com") && account.provider == "credentials"`,
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name   string
		mutate func(*nextauth.Config)
	}{
		{"none", withClaims(map[string]any{"groups": []any{"admins", "staff"}})},
		{"two rules", func(cfg *nextauth.Config) {
			withClaims(map[string]any{"groups": []any{"admins", "staff"}})(cfg)
			cfg.Claims = []nextauth.ClaimsFunc{two.Claims}
			cfg.Callbacks.SignIn = two.SignIn
		}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			h := newHandler(b, func(cfg *nextauth.Config) {
				bb.mutate(cfg)
				cfg.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1, Requests: -1}
				cfg.Lockout.MaxFailures = -1
			})
			c := newClient(b, h)
			form := url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}, "json": {"true"}}.Encode()
			cookie := c.cookieHeader()
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/api/auth/callback/credentials", strings.NewReader(form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Cookie", cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("sign-in: %d %s", w.Code, w.Body)
				}
			}
		})
	}
}

// forwardLoop benchmarks the forward check of a signed-in request for
// app.example.com (forwardConfig's rules), as Caddy or Traefik send it.
func forwardLoop(b *testing.B, h http.Handler, ck string) {
	r := httptest.NewRequest("GET", "/api/auth/forward", nil)
	r.Header.Set("Cookie", ck)
	r.Header.Set("X-Forwarded-Method", "GET")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "app.example.com")
	r.Header.Set("X-Forwarded-Uri", "/dashboard?tab=1")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatal(w.code)
		}
	}
}

// BenchmarkForwardJWT is the forward check with a JWT session (compare
// BenchmarkGetSessionJWT): decode and rules, no re-encode, no cookie.
func BenchmarkForwardJWT(b *testing.B) {
	h, ck := benchSession(b, forwardConfig)
	forwardLoop(b, h, ck)
}

// BenchmarkForwardDatabase is the forward check with a database session in
// the memory adapter (compare BenchmarkGetSessionDatabase).
func BenchmarkForwardDatabase(b *testing.B) {
	h, ck := benchSession(b, func(c *nextauth.Config) {
		forwardConfig(c)
		c.Forward.Headers = nil
		c.Adapter = memory.New()
	})
	forwardLoop(b, h, ck)
}
