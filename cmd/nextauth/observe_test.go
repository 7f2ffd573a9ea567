package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/config"
)

// logLines decodes JSON log lines.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// linesWith returns the log lines whose msg is msg.
func linesWith(t *testing.T, out, msg string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range logLines(t, out) {
		if l["msg"] == msg {
			found = append(found, l)
		}
	}
	return found
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestID checks which incoming ids are kept, that the response
// echoes the id, and that the handler's own log lines carry it.
func TestRequestID(t *testing.T) {
	for _, trust := range []bool{false, true} {
		yaml := "secret: s\nlog: {format: json}\n"
		if trust {
			yaml += "trust_proxy: [127.0.0.1]\n"
		}
		s := startServer(t, nil, "--config", writeConfig(t, yaml))
		tests := []struct {
			name, incoming string
			keep           bool // the incoming id is the request's
		}{
			{"none", "", false},
			{"uuid", "0b6a1a52-8f1e-4c56-9d3a-3f1e2c4b5a69", trust},
			{"proxy style", "req:abc_123.x", trust},
			{"log forging", "x\" msg=forged", false},
			{"too long", strings.Repeat("a", 129), false},
		}
		for _, tt := range tests {
			t.Run(map[bool]string{false: "untrusted/", true: "trusted/"}[trust]+tt.name, func(t *testing.T) {
				req := newRequest(t, http.MethodGet, s.base+"/api/auth/signin?callbackUrl=javascript:alert(1)", nil)
				if tt.incoming != "" {
					req.Header.Set("X-Request-Id", tt.incoming)
				}
				res, _ := do(t, req)
				id := res.Header.Get("X-Request-Id")
				switch {
				case tt.keep && id != tt.incoming:
					t.Errorf("X-Request-Id = %q, want the trusted proxy's %q", id, tt.incoming)
				case !tt.keep && !hexID.MatchString(id):
					t.Errorf("X-Request-Id = %q, want a new id (32 hex digits) instead of %q", id, tt.incoming)
				}
				var handlerLine, accessLine bool
				for _, l := range logLines(t, s.stderr.String()) {
					if l["request_id"] != id {
						continue
					}
					switch l["msg"] {
					case "invalid callback URL":
						handlerLine = true
					case "request":
						accessLine = true
					}
				}
				if !handlerLine || !accessLine {
					t.Errorf("log lines with request_id %q: handler's %v, access log %v; want both\n%s", id, handlerLine, accessLine, s.stderr)
				}
			})
		}
	}
}

// TestAccessLog checks the access log line and that it holds no query,
// cookie, authorization or body.
func TestAccessLog(t *testing.T) {
	const (
		querySecret  = "q-s3cret-token"
		cookieSecret = "cookie-s3cret"
		authSecret   = "bearer-s3cret"
		bodySecret   = "body-s3cret-password"
	)
	path := writeConfig(t, `secret: s
log: {format: json}
trust_proxy: [127.0.0.0/8]
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`"}]
`)
	s := startServer(t, nil, "--config", path)
	req := newRequest(t, http.MethodGet, s.base+"/api/auth/session?token="+querySecret, nil)
	req.Header.Set("Cookie", "next-auth.session-token="+cookieSecret)
	req.Header.Set("Authorization", "Bearer "+authSecret)
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 10.1.1.1")
	if res, _ := do(t, req); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /session = %d", res.StatusCode)
	}
	form := url.Values{"username": {"alice"}, "password": {bodySecret}, "csrfToken": {"x"}}
	req = newRequest(t, http.MethodPost, s.base+"/api/auth/callback/credentials", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	do(t, req)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	out := s.stderr.String()
	for _, secret := range []string{querySecret, cookieSecret, authSecret, bodySecret} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs show %q:\n%s", secret, out)
		}
	}
	lines := linesWith(t, out, "request")
	if len(lines) != 2 {
		t.Fatalf("%d access log lines, want 2:\n%s", len(lines), out)
	}
	got := lines[0]
	want := map[string]any{"level": "INFO", "method": "GET", "path": "/api/auth/session", "route": "session", "status": float64(200), "client": "10.1.1.1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("access log %s = %v, want %v", k, got[k], v)
		}
	}
	if d, ok := got["duration"].(float64); !ok || d <= 0 {
		t.Errorf("access log duration = %v, want a positive number", got["duration"])
	}
	if id, _ := got["request_id"].(string); !hexID.MatchString(id) {
		t.Errorf("access log request_id = %v, want an id", got["request_id"])
	}
	if got := lines[1]; got["route"] != "callback" || got["path"] != "/api/auth/callback/credentials" || got["method"] != "POST" {
		t.Errorf("access log of the POST = %v, want route callback", got)
	}
}

// TestSecurityHeaders checks nosniff everywhere and the CSP on HTML pages
// only, with the OAuth providers' authorization endpoints in form-action.
func TestSecurityHeaders(t *testing.T) {
	path := writeConfig(t, `secret: s
url: http://127.0.0.1:3000/api/auth
pages: {error: "https://app.example.com/auth-error"}
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`"}]
  - {type: github, client_id: gh, client_secret: x}
  - {type: oauth, id: acme, authorization_url: "http://127.0.0.1:9999/authorize", token_url: "http://127.0.0.1:9999/token", userinfo_url: "http://127.0.0.1:9999/me", client_id: c, client_secret: x}
`)
	s := startServer(t, nil, "--config", path)
	// The OAuth providers here need no discovery: the first /readyz has
	// their endpoints.
	if res, body := do(t, newRequest(t, http.MethodGet, s.base+"/readyz", nil)); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz = %d %s", res.StatusCode, body)
	}
	const wantCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; " +
		"form-action 'self' http://127.0.0.1:3000 http://127.0.0.1:9999 https://app.example.com https://github.com; " +
		"frame-ancestors 'none'; base-uri 'none'"
	tests := []struct {
		path    string
		wantCSP string
	}{
		{"/healthz", ""},
		{"/readyz", ""},
		{"/api/auth/session", ""},
		{"/api/auth/csrf", ""},
		{"/api/auth/nope", ""},
		{"/nope", ""},
		{"/api/auth/signin", wantCSP},
		{"/api/auth/signout", wantCSP},
		{"/api/auth/verify-request", wantCSP},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, _ := do(t, newRequest(t, http.MethodGet, s.base+tt.path, nil))
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("Content-Security-Policy = %q, want %q", got, tt.wantCSP)
			}
		})
	}
}

func TestCSP(t *testing.T) {
	self := []string{"https://auth.example.com"}
	known := func(o ...string) providerSources { return providerSources{origins: o, known: true} }
	tests := []struct {
		name      string
		providers []providerSources
		want      string // form-action
	}{
		{"no providers", nil, "form-action 'self' https://auth.example.com;"},
		{"unknown endpoint", []providerSources{{}}, "form-action 'self' https: https://auth.example.com;"},
		{"unknown endpoint, issuer known", []providerSources{{origins: []string{"http://127.0.0.1:8080"}}}, "form-action 'self' http://127.0.0.1:8080 https: https://auth.example.com;"},
		{"known", []providerSources{known("http://127.0.0.1:8080"), known("https://idp.example", "https://auth.example.com")}, "form-action 'self' http://127.0.0.1:8080 https://auth.example.com https://idp.example;"},
		{"one unknown", []providerSources{known("https://idp.example"), {}}, "form-action 'self' https: https://auth.example.com https://idp.example;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := csp(self, tt.providers)
			if !strings.Contains(got, tt.want) || !strings.HasPrefix(got, "default-src 'none';") || !strings.HasSuffix(got, "frame-ancestors 'none'; base-uri 'none'") {
				t.Errorf("csp() = %q, want %q", got, tt.want)
			}
		})
	}
	for raw, want := range map[string]string{
		"https://IdP.example/authorize?x=1": "https://idp.example",
		"http://127.0.0.1:8080/a":           "http://127.0.0.1:8080",
		"http://[::1]:8080/a":               "http://[::1]:8080",
		"ftp://x.example/":                  "",
		"/relative":                         "",
		"https://a.example;script-src/":     "",
	} {
		if got := cspOrigin(raw); got != want {
			t.Errorf("cspOrigin(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestLimits checks the header and body limits through the server.
func TestLimits(t *testing.T) {
	s := startServer(t, map[string]string{"NEXTAUTH_SECRET": "s"})
	req := newRequest(t, http.MethodGet, s.base+"/api/auth/session", nil)
	req.Header.Set("X-Big", strings.Repeat("a", maxHeaderBytes+8<<10))
	if res, _ := do(t, req); res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with a %d kB header = %d, want 431", (maxHeaderBytes+8<<10)>>10, res.StatusCode)
	}
	req = newRequest(t, http.MethodGet, s.base+"/api/auth/session", nil)
	req.Header.Set("X-Fits", strings.Repeat("a", maxHeaderBytes-8<<10))
	if res, _ := do(t, req); res.StatusCode != http.StatusOK {
		t.Errorf("GET with a header just under the limit = %d, want 200", res.StatusCode)
	}

	big := bytes.Repeat([]byte("a"), 1<<20+1)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = bytes.NewReader(big)
		if chunked {
			body = io.MultiReader(bytes.NewReader(big)) // no length: sent chunked
		}
		req := newRequest(t, http.MethodPost, s.base+"/api/auth/signin/credentials", body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, got := do(t, req)
		if res.StatusCode != http.StatusRequestEntityTooLarge || got != "Body exceeded 1mb limit" {
			t.Errorf("POST of 1 MB + 1 byte (chunked %v) = %d %q, want 413", chunked, res.StatusCode, got)
		}
	}
}

// TestMetricsListener checks that metrics are served on metrics_addr
// only, and count requests, sign-ins and rate-limit hits.
func TestMetricsListener(t *testing.T) {
	path := writeConfig(t, `secret: s
metrics_addr: 127.0.0.1:0
credentials_rate_limit: {per_account: 1}
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`"}]
`)
	s := startServer(t, nil, "--config", path)
	if s.metrics == "" {
		t.Fatal("no metrics listener")
	}
	b := newBrowser(t)
	csrf := b.csrf(s.base)
	for _, password := range []string{"wrong", "wrong"} { // the second hits the per-account limit
		b.post(s.base+"/api/auth/callback/credentials", url.Values{"csrfToken": {csrf}, "username": {"alice"}, "password": {password}, "json": {"true"}})
	}
	do(t, newRequest(t, http.MethodGet, s.base+"/healthz", nil))
	if res, _ := do(t, newRequest(t, http.MethodGet, s.base+"/metrics", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the main listener = %d, want 404", res.StatusCode)
	}
	res, body := do(t, newRequest(t, http.MethodGet, s.metrics+"/metrics", nil))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/metrics = %d", s.metrics, res.StatusCode)
	}
	for _, want := range []string{
		`nextauth_http_requests_total{route="csrf",status="200"} 1`,
		`nextauth_http_requests_total{route="callback",status="401"} 1`,
		`nextauth_http_requests_total{route="callback",status="429"} 1`,
		`nextauth_http_requests_total{route="healthz",status="200"} 1`,
		`nextauth_http_requests_total{route="other",status="404"} 1`,
		`nextauth_http_request_duration_seconds_count{route="callback"} 2`,
		`nextauth_sign_ins_total{outcome="CredentialsSignin",provider="credentials"} 1`,
		`nextauth_sign_ins_total{outcome="RateLimited",provider="credentials"} 1`,
		`nextauth_rate_limited_total{limit="credentials_account"} 1`,
		`nextauth_build_info{version="(devel)"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics have no %q", want)
		}
	}
	if res, _ := do(t, newRequest(t, http.MethodGet, s.metrics+"/api/auth/session", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/auth/session on the metrics listener = %d, want 404", res.StatusCode)
	}
}

// TestIdPMetrics checks that the OIDC provider's requests are measured.
func TestIdPMetrics(t *testing.T) {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer idp.Close()
	path := writeConfig(t, `secret: s
metrics_addr: 127.0.0.1:0
providers:
  - {type: oidc, id: corp, issuer: "`+idp.URL+`", client_id: c, client_secret: x}
`)
	s := startServer(t, nil, "--config", path)
	res, body := do(t, newRequest(t, http.MethodGet, s.base+"/readyz", nil))
	if res.StatusCode != http.StatusServiceUnavailable || body != "provider corp: not ready\n" {
		t.Errorf("GET /readyz = %d %q, want 503 naming corp", res.StatusCode, body)
	}
	host := strings.TrimPrefix(idp.URL, "http://")
	_, body = do(t, newRequest(t, http.MethodGet, s.metrics+"/metrics", nil))
	for _, want := range []string{
		`nextauth_idp_request_errors_total{host="` + host + `",reason="status_5xx"} `,
		`nextauth_idp_request_duration_seconds_count{host="` + host + `"} `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics have no %q", want)
		}
	}
}

// TestAdmin checks the admin API's mount and its token.
func TestAdmin(t *testing.T) {
	const token = "admin-t0ken-0123456789abcdefghijklmnop"
	path := writeConfig(t, "secret: s\nlog: {format: json}\nadmin: {token: \"${ADMIN_TOKEN}\", path: /ops}\n")
	s := startServer(t, map[string]string{"ADMIN_TOKEN": token}, "--config", path)
	tests := []struct {
		name, auth string
		path       string
		want       int
	}{
		{"no token", "", "/ops/users/1/sessions", http.StatusUnauthorized},
		{"wrong token", "Bearer " + token[1:], "/ops/users/1/sessions", http.StatusUnauthorized},
		{"token", "Bearer " + token, "/ops/users/1/sessions", http.StatusNotImplemented}, // JWT sessions are not listed
		{"token, revoke JWT", "Bearer " + token, "/ops/sessions/some-sid", http.StatusNotImplemented},
		{"elsewhere", "Bearer " + token, "/admin/users/1/sessions", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasPrefix(tt.path, "/ops/sessions/") {
				method = http.MethodDelete
			}
			req := newRequest(t, method, s.base+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if res, body := do(t, req); res.StatusCode != tt.want {
				t.Errorf("%s %s = %d %s, want %d", method, tt.path, res.StatusCode, body, tt.want)
			}
		})
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.stderr.String(), token[:16]) {
		t.Errorf("the logs show the admin token:\n%s", s.stderr)
	}
	if n := len(linesWith(t, s.stderr.String(), "request")); n != len(tests) {
		t.Errorf("%d access log lines, want %d", n, len(tests))
	}
	for _, l := range linesWith(t, s.stderr.String(), "request") {
		if want := map[bool]string{true: "admin", false: "other"}[strings.HasPrefix(l["path"].(string), "/ops/")]; l["route"] != want {
			t.Errorf("access log of %v: route %v, want %s", l["path"], l["route"], want)
		}
	}
}

func TestRouteOf(t *testing.T) {
	bases := []string{"/api/auth", "/auth"}
	tests := []struct {
		path string
		dev  bool
		want string
	}{
		{"/api/auth/session", false, "session"},
		{"/api/auth/callback/github", false, "callback"},
		{"/api/auth/signin/email", false, "signin"},
		{"/api/auth/_log", false, "_log"},
		{"/api/auth/verify-request", false, "verify-request"},
		{"/auth/csrf", false, "csrf"},
		{"/api/auth/unknown-action", false, "other"},
		{"/api/auth", false, "other"},
		{"/api/authx/session", false, "other"},
		{"/healthz", false, "healthz"},
		{"/readyz", false, "readyz"},
		{"/ops/users/1/sessions", false, "admin"},
		{"/ops", false, "admin"},
		{"/opsx", false, "other"},
		{"/", false, "other"},
		{"/", true, "home"},
		{"/favicon.ico", true, "other"},
	}
	for _, tt := range tests {
		if got := routeOf(tt.path, bases, "/ops", tt.dev); got != tt.want {
			t.Errorf("routeOf(%q, dev %v) = %q, want %q", tt.path, tt.dev, got, tt.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	trust := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct", "203.0.113.5:1234", nil, "203.0.113.5"},
		{"untrusted header", "203.0.113.5:1234", []string{"198.51.100.1"}, "203.0.113.5"},
		{"trusted proxy", "10.0.0.2:1234", []string{"198.51.100.1"}, "198.51.100.1"},
		{"chain of proxies", "10.0.0.2:1234", []string{"198.51.100.1, 10.0.0.9", "10.0.0.3"}, "198.51.100.1"},
		{"spoofed first hop", "10.0.0.2:1234", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"garbled", "10.0.0.2:1234", []string{"nonsense"}, "10.0.0.2"},
		{"mapped", "[::ffff:203.0.113.5]:1", nil, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, trust); got != tt.want {
				t.Errorf("clientAddr() = %q, want %q", got, tt.want)
			}
		})
	}
}

// fakeStore is an adapter whose Ping fails or not.
type fakeStore struct {
	nextauth.Adapter
	err error
}

func (f fakeStore) Ping(context.Context) error { return f.err }

// fakeOAuth is an OAuth provider whose authorization URL is endpoint, or
// which fails.
type fakeOAuth struct {
	nextauth.OAuthProvider
	endpoint string
	err      error
}

func (f fakeOAuth) AuthorizationURL(ctx context.Context, _ nextauth.AuthorizationRequest) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	return f.endpoint + "?client_id=c", nil
}

func TestReadyz(t *testing.T) {
	down := errors.New("connection refused")
	okProvider := oauthProvider{id: "corp", p: fakeOAuth{endpoint: "https://idp.example/authorize"}}
	tests := []struct {
		name       string
		adapter    nextauth.Adapter
		providers  []oauthProvider
		wantStatus int
		wantBody   string
		wantCSP    string // part of the CSP afterwards
	}{
		{"no database", nil, nil, http.StatusOK, "ok", "form-action 'self' http://localhost:3000;"},
		{"database up", fakeStore{}, []oauthProvider{okProvider}, http.StatusOK, "ok", "form-action 'self' http://localhost:3000 https://idp.example;"},
		{"database down", fakeStore{err: down}, []oauthProvider{okProvider}, http.StatusServiceUnavailable, "database: not ready\n", "https://idp.example;"},
		{"provider down", fakeStore{}, []oauthProvider{okProvider, {id: "b", p: fakeOAuth{err: down}}, {id: "a", p: fakeOAuth{err: down}}},
			http.StatusServiceUnavailable, "provider a: not ready\nprovider b: not ready\n", "form-action 'self' http://localhost:3000 https: https://idp.example;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			g := &generation{
				db:          &database{store: &config.Store{Adapter: tt.adapter, Database: "fake://db"}},
				oauth:       tt.providers,
				formOrigins: formOrigins(nextauth.Config{}),
				log:         slog.New(slog.NewTextHandler(&logs, nil)),
			}
			for range 2 {
				rec := httptest.NewRecorder()
				g.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
				if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
					t.Errorf("GET /readyz = %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
				}
			}
			if got := g.pageCSP(); !strings.Contains(got, tt.wantCSP) {
				t.Errorf("CSP after /readyz = %q, want %q", got, tt.wantCSP)
			}
			n := strings.Count(logs.String(), `msg="not ready"`)
			if want := map[bool]int{true: 0, false: 1}[tt.wantStatus == http.StatusOK]; n != want {
				t.Errorf("logged %d times not ready over two checks, want %d:\n%s", n, want, logs.String())
			}
			if tt.wantStatus != http.StatusOK && !strings.Contains(logs.String(), "connection refused") {
				t.Errorf("log = %q, want the cause", logs.String())
			}
		})
	}
}
