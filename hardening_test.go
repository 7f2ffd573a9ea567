package nextauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// countingObserver records what the handler reports.
type countingObserver struct {
	mu      sync.Mutex
	signIns map[string]int
	limited map[string]int
}

func (o *countingObserver) SignIn(provider, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.signIns == nil {
		o.signIns = map[string]int{}
	}
	o.signIns[provider+":"+outcome]++
}

func (o *countingObserver) RateLimited(limit string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limited == nil {
		o.limited = map[string]int{}
	}
	o.limited[limit]++
}

// tryPassword posts a credentials sign-in and returns the status and URL.
func tryPassword(t *testing.T, c *client, user, pass string) (int, string) {
	t.Helper()
	w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {user}, "password": {pass}, "json": {"true"}})
	return w.Code, w.Body.String()
}

func TestCredentialsLockout(t *testing.T) {
	now := fixedNow
	obs := &countingObserver{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.Lockout = nextauth.Lockout{MaxFailures: 3, Duration: time.Minute, MaxDuration: 10 * time.Minute}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 1000, PerClient: 1000}
		c.Observer = obs
	})
	c := newClient(t, h)
	failed := `{"url":"http://localhost:3111/api/auth/error?error=CredentialsSignin&provider=credentials"}`
	for i := range 3 {
		if code, body := tryPassword(t, c, "alice", "guess"); code != 401 || body != failed {
			t.Fatalf("failure %d = %d %s", i+1, code, body)
		}
	}
	// Locked: even the right password fails, with the same answer.
	if code, body := tryPassword(t, c, "alice", "wonderland"); code != 401 || body != failed {
		t.Fatalf("locked account with the right password = %d %s", code, body)
	}
	// An unknown account is locked out the same way (no account enumeration).
	for range 4 {
		tryPassword(t, c, "nobody", "x")
	}
	if code, body := tryPassword(t, c, "nobody", "x"); code != 401 || body != failed {
		t.Errorf("unknown account = %d %s", code, body)
	}
	// Attempts while locked are not counted: the lock ends after a minute.
	// The failures are remembered, so the next one locks again at once, for
	// twice as long (2 min); after that the right password works and clears
	// the count.
	now = now.Add(90 * time.Second)
	if code, _ := tryPassword(t, c, "alice", "guess"); code != 401 {
		t.Errorf("wrong password after the first lock = %d, want 401", code)
	}
	now = now.Add(90 * time.Second)
	if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 401 {
		t.Errorf("90 s after the fourth failure (locked for 2 min) = %d, want still locked", code)
	}
	now = now.Add(31 * time.Second)
	if code, body := tryPassword(t, c, "alice", "wonderland"); code != 200 {
		t.Errorf("after the lock ran out = %d %s", code, body)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.limited["lockout"] < 2 || obs.signIns["credentials:ok"] != 1 || obs.signIns["credentials:CredentialsSignin"] < 7 {
		t.Errorf("observer saw %v %v", obs.signIns, obs.limited)
	}
}

func TestCredentialsRateLimit(t *testing.T) {
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 100, PerClient: 3, Window: time.Minute}
		c.Lockout.MaxFailures = -1
	})
	c := newClient(t, h)
	for i := range 3 {
		if code, _ := tryPassword(t, c, "user"+string(rune('a'+i)), "x"); code != 401 {
			t.Fatalf("attempt %d = %d, want 401", i+1, code)
		}
	}
	code, body := tryPassword(t, c, "alice", "wonderland")
	if code != 429 || !strings.Contains(body, "error=CredentialsSignin") {
		t.Errorf("fourth attempt from one client = %d %s, want 429 CredentialsSignin", code, body)
	}
	now = now.Add(time.Minute)
	if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 200 {
		t.Errorf("after the window = %d", code)
	}
}

// TestCredentialsRateLimitCountsFailures: successful sign-ins are not
// abuse. One user signing in far more often than the per-account and
// per-client limits (a test suite, a kiosk, an office behind one address)
// is never refused, while failures still are, and the raw-volume ceiling
// (Requests, TestCredentialsRequestCeiling) counts everything.
func TestCredentialsRateLimitCountsFailures(t *testing.T) {
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 3, PerClient: 5, Requests: 1000, Window: time.Minute}
	})
	c := newClient(t, h)
	for i := range 30 {
		if code, body := tryPassword(t, c, "alice", "wonderland"); code != 200 {
			t.Fatalf("sign-in %d of one user within a minute = %d %s, want 200", i+1, code, body)
		}
	}
	// Failures still count: 3 per account, then 429 even for the right
	// password until the window has refilled the bucket.
	for i := range 3 {
		if code, _ := tryPassword(t, c, "alice", "guess"); code != 401 {
			t.Fatalf("failure %d = %d, want 401", i+1, code)
		}
	}
	if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 429 {
		t.Errorf("after 3 failures = %d, want 429 (per account)", code)
	}
	// Failures of other accounts from the same client reach its limit of 5
	// (3 counted above, one refused attempt given back).
	for i := range 2 {
		if code, _ := tryPassword(t, c, "user"+string(rune('a'+i)), "x"); code != 401 {
			t.Fatalf("other account %d = %d, want 401", i+1, code)
		}
	}
	if code, _ := tryPassword(t, c, "userz", "x"); code != 429 {
		t.Errorf("sixth failure from one client = %d, want 429 (per client)", code)
	}
}

// TestCredentialsRequestCeiling: Requests bounds the raw volume of one
// client, successes included.
func TestCredentialsRequestCeiling(t *testing.T) {
	obs := &countingObserver{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.CredentialsRateLimit = nextauth.RateLimit{Requests: 5, Window: time.Minute}
		c.Observer = obs
	})
	c := newClient(t, h)
	for i := range 5 {
		if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 200 {
			t.Fatalf("request %d = %d, want 200", i+1, code)
		}
	}
	if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 429 {
		t.Errorf("request 6 = %d, want 429", code)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.limited["credentials_requests"] != 1 {
		t.Errorf("observer saw %v, want one credentials_requests refusal", obs.limited)
	}
}

// TestCredentialsParallelGuesses: the tokens are taken before the password
// check, so concurrent wrong guesses cannot all slip through while none of
// them has failed yet.
func TestCredentialsParallelGuesses(t *testing.T) {
	var mu sync.Mutex
	checks := 0
	release := make(chan struct{})
	h := newHandler(t, func(c *nextauth.Config) {
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 5, PerClient: 1000, Window: time.Minute}
		c.Lockout.MaxFailures = -1
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
			IdentifierField: "username",
			Authorize: func(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) {
				mu.Lock()
				checks++
				mu.Unlock()
				<-release // every admitted guess waits until all were sent
				return nil, nil
			},
		})}
	})
	c := newClient(t, h)
	token := c.csrf()
	const guesses = 20
	codes := make(chan int, guesses)
	for range guesses {
		go func() {
			r := httptest.NewRequest("POST", "/api/auth/callback/credentials", strings.NewReader(url.Values{"csrfToken": {token}, "username": {"alice"}, "password": {"guess"}, "json": {"true"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Cookie", c.cookieHeader())
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			codes <- w.Code
		}()
	}
	refused := 0
	for range guesses - 5 { // the refused ones answer without waiting
		if code := <-codes; code == 429 {
			refused++
		}
	}
	close(release)
	for range 5 {
		<-codes
	}
	mu.Lock()
	defer mu.Unlock()
	if refused != guesses-5 || checks != 5 {
		t.Errorf("%d parallel guesses: %d refused, %d password checks; want %d refused and 5 checks", guesses, refused, checks, guesses-5)
	}
}

// TestCredentialsSuccessClearsFailures: a right password forgets the
// account's failures, so failures on either side of it do not add up to a
// lock.
func TestCredentialsSuccessClearsFailures(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		c.Lockout = nextauth.Lockout{MaxFailures: 3, Duration: time.Minute, MaxDuration: time.Hour}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 1000, PerClient: 1000}
	})
	c := newClient(t, h)
	for round := range 3 {
		for i := range 2 {
			if code, _ := tryPassword(t, c, "alice", "guess"); code != 401 {
				t.Fatalf("round %d failure %d = %d, want 401", round+1, i+1, code)
			}
		}
		if code, body := tryPassword(t, c, "alice", "wonderland"); code != 200 {
			t.Fatalf("round %d: the right password after 2 failures = %d %s, want 200 (6 failures in all, but never 3 in a row)", round+1, code, body)
		}
	}
	// Without a success in between, 3 failures lock.
	for range 3 {
		tryPassword(t, c, "alice", "guess")
	}
	if code, _ := tryPassword(t, c, "alice", "wonderland"); code != 401 {
		t.Errorf("after 3 failures in a row = %d, want 401 (locked)", code)
	}
}

func TestTrustedProxyClientAddress(t *testing.T) {
	// A per-client limit of 1 shows which address the handler counted.
	mk := func(trust []netip.Prefix) *nextauth.Handler {
		return newHandler(t, func(c *nextauth.Config) {
			c.TrustProxy = trust
			c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 100, PerClient: 1}
			c.Lockout.MaxFailures = -1
		})
	}
	attempt := func(h http.Handler, remote, xff string) int {
		c := newClient(t, h)
		tok := c.csrf()
		r := httptest.NewRequest("POST", "/api/auth/callback/credentials", strings.NewReader(url.Values{"csrfToken": {tok}, "username": {"x"}, "password": {"y"}, "json": {"true"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", c.cookieHeader())
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := mk(proxy)
	if a, b := attempt(h, "10.0.0.1:1", "198.51.100.1"), attempt(h, "10.0.0.1:1", "198.51.100.2"); a != 401 || b != 401 {
		t.Errorf("two clients behind a trusted proxy = %d, %d; want each its own limit (401, 401)", a, b)
	}
	if got := attempt(h, "10.0.0.2:1", "198.51.100.1, 10.0.0.9"); got != 429 {
		t.Errorf("same client through two trusted hops = %d, want 429", got)
	}
	// A spoofed header from an untrusted peer changes nothing.
	h = mk(proxy)
	if a, b := attempt(h, "203.0.113.5:1", "198.51.100.1"), attempt(h, "203.0.113.5:1", "198.51.100.2"); a != 401 || b != 429 {
		t.Errorf("spoofed X-Forwarded-For = %d, %d; want 401 then 429", a, b)
	}
}

func TestSeveralPublicURLs(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		c.URL = "https://app.example.com/api/auth"
		c.URLs = []string{"https://app.example.org/api/auth", "http://localhost:3111/api/auth"}
		c.TrustProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	get := func(host, remote string, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "http://"+host+"/api/auth/providers", nil)
		r.RemoteAddr = remote
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	tests := []struct {
		name, host, remote string
		hdr                map[string]string
		want               string
	}{
		{"direct localhost", "localhost:3111", "192.0.2.1:5", nil, "http://localhost:3111/api/auth/signin/credentials"},
		{"proxied .org", "internal:8080", "127.0.0.1:5", map[string]string{"X-Forwarded-Host": "app.example.org", "X-Forwarded-Proto": "https"}, "https://app.example.org/api/auth/signin/credentials"},
		{"spoofed host from outside", "internal:8080", "192.0.2.1:5", map[string]string{"X-Forwarded-Host": "app.example.org", "X-Forwarded-Proto": "https"}, "https://app.example.com/api/auth/signin/credentials"},
		{"unknown host", "evil.example", "192.0.2.1:5", nil, "https://app.example.com/api/auth/signin/credentials"},
	}
	for _, tt := range tests {
		if body := get(tt.host, tt.remote, tt.hdr).Body.String(); !strings.Contains(body, `"signinUrl":"`+tt.want+`"`) {
			t.Errorf("%s: providers = %s, want signinUrl %s", tt.name, body, tt.want)
		}
	}
	// Cookies follow the site: __Secure- names on https hosts only.
	r := httptest.NewRequest("GET", "http://localhost:3111/api/auth/csrf", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if sc := w.Header().Values("Set-Cookie"); len(sc) == 0 || !strings.HasPrefix(sc[0], "next-auth.csrf-token=") {
		t.Errorf("cookies on the http site = %q", sc)
	}
}

func TestCORS(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) { c.CORSOrigins = []string{"https://spa.example.com"} })
	pre := httptest.NewRequest("OPTIONS", "/api/auth/session", nil)
	pre.Header.Set("Origin", "https://spa.example.com")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://spa.example.com" || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight = %d %v", w.Code, w.Header())
	}
	for origin, want := range map[string]string{"https://spa.example.com": "https://spa.example.com", "https://evil.example": ""} {
		r := httptest.NewRequest("GET", "/api/auth/session", nil)
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("GET /session from %s: Allow-Origin %q, want %q", origin, got, want)
		}
	}
	// A preflight from another origin is NextAuth's unsupported answer.
	pre.Header.Set("Origin", "https://evil.example")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	if w.Code != 400 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin = %d %v", w.Code, w.Header())
	}
	if _, err := nextauth.New(testConfig(func(c *nextauth.Config) { c.CORSOrigins = []string{"https://x.example/path"} })); err == nil {
		t.Error("New accepted a CORS origin with a path")
	}
}
