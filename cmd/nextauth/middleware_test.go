package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth/internal/metrics"
)

// marker answers with its name, so that a test sees which handler a
// request reached.
type marker string

func (m marker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, string(m)+" "+r.URL.Path)
}

// TestAuthFirst checks that authFirst answers every request as the
// ServeMux behind it does (the same handler, status and redirect), for
// clean and unclean paths, escapes, the admin path inside and outside the
// base path, and the methods ServeMux treats apart; and that the common
// auth paths do take the direct way.
func TestAuthFirst(t *testing.T) {
	targets := []string{
		"/api/auth/session", "/api/auth/callback/github?code=x", "/api/auth/", "/api/auth", "/api/auth/signin/",
		"/api/auth//session", "/api/auth/./session", "/api/auth/x/../session", "/api/auth/..", "/api/auth/session/.",
		"/api/auth/%2Fsession", "/api/%61uth/session", "/api/auth/sign%20in", "/api/auth/%7E", "/api/auth/a%2F..%2Fb",
		"/api/authx/session", "/api/auth/admin", "/api/auth/admin/", "/api/auth/admin/users/1", "/api/auth/adminx",
		"/auth/csrf", "/auth", "/ops", "/ops/", "/ops/users/1/sessions", "/healthz", "/readyz", "/", "/favicon.ico",
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions, http.MethodConnect}
	configs := []struct {
		bases []string
		admin string
		dev   bool
	}{
		{[]string{"/api/auth"}, "", false},
		{[]string{"/api/auth", "/auth"}, "/ops", true},
		{[]string{"/api/auth"}, "/api/auth/admin", false},
	}
	for _, c := range configs {
		name := fmt.Sprintf("bases %v admin %q dev %v", c.bases, c.admin, c.dev)
		auth := marker("auth")
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", marker("healthz"))
		mux.Handle("GET /readyz", marker("readyz"))
		for _, b := range c.bases {
			mux.Handle(b, auth)
			mux.Handle(b+"/", auth)
		}
		if c.admin != "" {
			mux.Handle(c.admin+"/", marker("admin"))
		}
		if c.dev {
			mux.Handle("GET /{$}", marker("home"))
		}
		a := newAuthFirst(mux, auth, c.bases, c.admin)
		if len(a.prefixes) != len(c.bases) {
			t.Fatalf("%s: prefixes %q, want one per base path", name, a.prefixes)
		}
		check := func(method, target string) {
			t.Helper()
			r := httptest.NewRequest(method, target, nil)
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			mux.ServeHTTP(want, r.Clone(r.Context()))
			a.ServeHTTP(got, r.Clone(r.Context()))
			if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Errorf("%s: %s %s = %d %q Location %q, ServeMux answers %d %q Location %q", name, method, target,
					got.Code, got.Body, got.Header().Get("Location"), want.Code, want.Body, want.Header().Get("Location"))
			}
		}
		for _, target := range targets {
			for _, m := range methods {
				check(m, target)
			}
		}
		check(http.MethodOptions, "*")
		check(http.MethodConnect, "example.com:443")
		for _, target := range []string{"/api/auth/session", "/api/auth/csrf", "/api/auth/callback/credentials"} {
			if !a.direct(httptest.NewRequest(http.MethodGet, target, nil)) {
				t.Errorf("%s: GET %s goes through the ServeMux, want the direct way", name, target)
			}
		}
	}

	// A base path ServeMux could read differently never takes the direct
	// way.
	for _, bases := range [][]string{{"/api/a%20uth"}, {"/api/auth", "/x y"}, {"/api/auth/"}} {
		if a := newAuthFirst(http.NewServeMux(), marker("auth"), bases, ""); len(a.prefixes) != 0 {
			t.Errorf("newAuthFirst(%q): prefixes %q, want none", bases, a.prefixes)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/api/auth/session": true, "/api/auth/": true, "/": true,
		"/api/auth//session": false, "/api/auth/./x": false, "/api/auth/../x": false, "/api/auth/x/..": false,
		"/api/auth/x/.": false, "/api/auth//": false, "/api/auth/x/./": false,
	} {
		if got := cleanPath(p); got != want {
			t.Errorf("cleanPath(%q) = %v, want %v", p, got, want)
		}
	}
	// Every path of up to 8 characters of "/", "." and "a": the same
	// answer as ServeMux's own cleaning (path.Clean, the trailing slash
	// put back but for the root).
	var walk func(p string)
	walk = func(p string) {
		c := path.Clean(p)
		if p[len(p)-1] == '/' && c != "/" {
			c += "/"
		}
		want := c == p
		if got := cleanPath(p); got != want {
			t.Errorf("cleanPath(%q) = %v, want %v (path.Clean gives %q)", p, got, want, c)
		}
		if len(p) < 8 {
			for _, c := range []string{"/", ".", "a"} {
				walk(p + c)
			}
		}
	}
	walk("/")
	if cleanPath("") || cleanPath("a/b") {
		t.Error("cleanPath accepts a path that is not absolute")
	}
}

// TestNewRequestID checks the form of new ids (32 lower-case hex digits)
// and that they do not repeat.
func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !hexID.MatchString(id) {
			t.Fatalf("newRequestID() = %q, want 32 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("newRequestID() repeated %q", id)
		}
		seen[id] = true
	}
}

// TestHeaderKeys checks that the keys the middleware assigns straight into
// the header map are canonical, as Header.Set would store them.
func TestHeaderKeys(t *testing.T) {
	for _, k := range []string{headerRequestID, headerContentTypeOptions, headerCSP} {
		if c := textproto.CanonicalMIMEHeaderKey(k); c != k {
			t.Errorf("header key %q is not canonical (%q)", k, c)
		}
	}
}

// TestHeadersPerResponse checks that a route adding to the headers the
// middleware set changes its own response only.
func TestHeadersPerResponse(t *testing.T) {
	p := &requestPath{log: slog.New(slog.DiscardHandler), metrics: metrics.New("test"), route: func(string) string { return "other" },
		csp: func() string { return "default-src 'none'" },
		next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/add" {
				w.Header().Add(headerContentTypeOptions, "extra")
			}
		})}
	first := httptest.NewRecorder()
	p.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/add", nil))
	second := httptest.NewRecorder()
	p.ServeHTTP(second, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := first.Header().Values(headerContentTypeOptions); strings.Join(got, ",") != "nosniff,extra" {
		t.Errorf("first response: %s %q, want nosniff and extra", headerContentTypeOptions, got)
	}
	if got := second.Header().Values(headerContentTypeOptions); strings.Join(got, ",") != "nosniff" {
		t.Errorf("second response: %s %q, want nosniff only", headerContentTypeOptions, got)
	}
	if a, b := first.Header().Get(headerRequestID), second.Header().Get(headerRequestID); a == b || !hexID.MatchString(a) || !hexID.MatchString(b) {
		t.Errorf("request ids %q and %q, want two different ids", a, b)
	}
}

// TestAccessLogLevel checks that a level above info drops the access log
// line but not the metrics, and that info keeps it.
func TestAccessLogLevel(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		var out strings.Builder
		m := metrics.New("test")
		p := &requestPath{log: slog.New(requestIDHandler{slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level})}),
			metrics: m, route: func(string) string { return "session" }, csp: func() string { return "" },
			next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })}
		res := httptest.NewRecorder()
		p.ServeHTTP(res, httptest.NewRequest(http.MethodGet, "/api/auth/session", nil))
		id := res.Header().Get(headerRequestID)
		logged := strings.Contains(out.String(), "msg=request") && strings.Contains(out.String(), "status=418") &&
			strings.Contains(out.String(), "request_id="+id) && strings.Contains(out.String(), "client=192.0.2.1")
		if logged != (level == slog.LevelInfo) {
			t.Errorf("level %v: access log %q, want a line with status, id and client: %v", level, out.String(), level == slog.LevelInfo)
		}
		scrape := httptest.NewRecorder()
		m.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if want := `nextauth_http_requests_total{route="session",status="418"} 1`; !strings.Contains(scrape.Body.String(), want) {
			t.Errorf("level %v: metrics have no %s", level, want)
		}
	}
}

// TestServeAllocations keeps the binary's whole request path (request id,
// access log and metrics, security headers, routing, the auth handler)
// within its allocation budget for each GET row of bench/run.sh; counts,
// not time, so the check is deterministic. The auth handler's own share is
// TestGetSessionAllocations's (root package).
func TestServeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts; run without -race")
	}
	budget := map[string]float64{"session_jwt": 24, "session_none": 9, "csrf": 9, "providers": 4}
	s, session := benchServer(t)
	for _, rt := range benchRoutes {
		r := httptest.NewRequest(http.MethodGet, rt.path, nil)
		if rt.cookie != "" {
			r.Header.Set("Cookie", session)
		}
		serve, w := serveOnce(s, r)
		allocs := testing.AllocsPerRun(200, serve)
		if w.code != http.StatusOK || allocs > budget[rt.name] {
			t.Errorf("%s: GET %s = %d with %.0f allocations per request, want 200 with at most %.0f", rt.name, rt.path, w.code, allocs, budget[rt.name])
		}
	}
}
