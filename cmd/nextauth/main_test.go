package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
)

// lockedBuffer is a bytes.Buffer safe for the server goroutine to write
// while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// server is a running run() on 127.0.0.1:0.
type server struct {
	base           string // http://127.0.0.1:port
	stdout, stderr *lockedBuffer
	stop           func() error // cancels the context and returns run's error
	svc            *service
	hup            chan os.Signal // the server's reload signals
	metrics        string         // http://metrics_addr, when it is set
	pprof          string         // http://the --pprof-addr listener's address, when it is given
}

// startServer runs the program with args (plus --addr 127.0.0.1:0 unless
// they have --addr) and waits until it listens.
func startServer(t testing.TB, env map[string]string, args ...string) *server {
	t.Helper()
	if !slices.Contains(args, "--addr") {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, hup: make(chan os.Signal, 1)}
	addrs := make(chan net.Addr, 1)
	services := make(chan *service, 1)
	c := &cli{env: envOf(env), stdin: strings.NewReader(""), stdout: s.stdout, stderr: s.stderr, random: rand.Reader,
		hup: s.hup, onListen: func(a net.Addr) { addrs <- a }}
	c.onService = func(sv *service) {
		if c.metricsAddr != nil {
			s.metrics = "http://" + c.metricsAddr.String()
		}
		if c.pprofAddr != nil {
			s.pprof = "http://" + c.pprofAddr.String()
		}
		services <- sv
	}
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, args) }()
	var once sync.Once
	var runErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("run did not return 30 s after the context ended")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = s.stop() })
	select {
	case a := <-addrs:
		s.base = "http://" + a.String()
		s.svc = <-services
	case err := <-done:
		t.Fatalf("run(%q) = %v before listening; stderr:\n%s", args, err, s.stderr)
	case <-time.After(60 * time.Second): // bcrypt is slow under -race
		t.Fatalf("run(%q) did not listen within 60 s", args)
	}
	return s
}

// get fetches path and returns status and body.
func get(t testing.TB, client *http.Client, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// writeConfig writes a config file into a temporary directory.
func writeConfig(t testing.TB, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nextauth.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func hashOf(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestServe(t *testing.T) {
	path := writeConfig(t, `url: http://127.0.0.1:3000/auth
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`"}]
  - {type: credentials, id: api, name: Company login, authorize_url: "http://127.0.0.1:1/authorize"}
`)
	s := startServer(t, map[string]string{"NEXTAUTH_SECRET": "test-secret"}, "--config", path)
	client := &http.Client{Timeout: 30 * time.Second}

	tests := []struct {
		path       string
		wantStatus int
		wantBody   string // a part of the body
	}{
		{"/healthz", http.StatusOK, "ok"},
		{"/auth/providers", http.StatusOK, `"api":{"id":"api","name":"Company login","type":"credentials"`},
		{"/auth/providers", http.StatusOK, `"credentials":{"id":"credentials","name":"Credentials","type":"credentials","signinUrl":"http://127.0.0.1:3000/auth/signin/credentials"`},
		{"/auth/session", http.StatusOK, "{}"},
		{"/auth/signin", http.StatusOK, "Sign in with Credentials"},
		{"/api/auth/providers", http.StatusNotFound, ""}, // the base path is the URL's
		{"/", http.StatusNotFound, ""},                   // the home page is --dev only
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := get(t, client, s.base+tt.path)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET %s = %d %q, want %d with %q", tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// The base path and trailing slashes are answered as Next.js answers
	// them, not with ServeMux's own 307.
	noFollow := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		path     string
		status   int
		location string
	}{
		{"/auth", http.StatusNotFound, ""},
		{"/auth/", http.StatusPermanentRedirect, "/auth"},
		{"/auth/session/", http.StatusPermanentRedirect, "/auth/session"},
	} {
		res, err := noFollow.Get(s.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status || res.Header.Get("Location") != tt.location {
			t.Errorf("GET %s = %d Location %q, want %d %q", tt.path, res.StatusCode, res.Header.Get("Location"), tt.status, tt.location)
		}
	}
	if err := s.stop(); err != nil {
		t.Errorf("run() after cancel = %v, want nil", err)
	}
	if _, err := client.Get(s.base + "/healthz"); err == nil {
		t.Errorf("GET /healthz after shutdown succeeded, want the server gone")
	}
	if log := s.stderr.String(); !strings.Contains(log, "listening") || !strings.Contains(log, "stopped") {
		t.Errorf("stderr = %q, want listening and stopped logs", log)
	}
}

func TestServeJSONLogs(t *testing.T) {
	path := writeConfig(t, "secret: s\nlog: {format: json}\n")
	s := startServer(t, nil, "--config", path)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(s.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line %q is not JSON", line)
		}
	}
}

func TestRefusesWithoutSecret(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"no config", nil, nil},
		{"config without secret", []string{"--config", writeConfig(t, "url: http://localhost:3000/api/auth\n")}, nil},
		{"empty NEXTAUTH_SECRET", nil, map[string]string{"NEXTAUTH_SECRET": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			listened := false
			var stdout, stderr bytes.Buffer
			c := &cli{env: envOf(tt.env), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, random: rand.Reader,
				onListen: func(net.Addr) { listened = true }}
			err := c.run(context.Background(), append(tt.args, "--addr", "127.0.0.1:0"))
			if err == nil || !strings.Contains(err.Error(), "NO_SECRET") || !strings.Contains(err.Error(), "NEXTAUTH_SECRET") {
				t.Errorf("run(%q) = %v, want an error with NO_SECRET and NEXTAUTH_SECRET", tt.args, err)
			}
			if !errors.Is(err, nextauth.ErrNoSecret) {
				t.Errorf("run(%q) = %v, want errors.Is ErrNoSecret", tt.args, err)
			}
			if listened {
				t.Errorf("run(%q) listened, want it to refuse first", tt.args)
			}
		})
	}
}

func TestConfigProblemsStopServe(t *testing.T) {
	path := writeConfig(t, "secret: s\ncolour: blue\n")
	var out bytes.Buffer
	err := run(context.Background(), []string{"--config", path, "--addr", "127.0.0.1:0"}, envOf(nil), strings.NewReader(""), &out, &out)
	if err == nil || !strings.Contains(err.Error(), path+":2: colour: unknown key") {
		t.Errorf("run(--config with unknown key) = %v, want the problem with file and line", err)
	}
}

var passwordLine = regexp.MustCompile(`(?m)^\s*password: (\S+)$`)

func TestDevSignIn(t *testing.T) {
	t.Chdir(t.TempDir())
	s := startServer(t, nil, "--dev")
	m := passwordLine.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("stdout = %q, want the dev password", s.stdout)
	}
	password := m[1]
	if out := s.stdout.String(); !strings.Contains(out, "secret: made and kept in nextauth.db.secret") || !strings.Contains(out, "database: sqlite://nextauth.db (database sessions)") {
		t.Errorf("stdout = %q, want where the database and the secret are", out)
	}
	for _, name := range []string{"nextauth.db", "nextauth.db.secret"} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("--dev in an empty directory: %v, want %s made", err, name)
		}
	}

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}

	if _, body := get(t, client, s.base+"/"); !strings.Contains(body, "Not signed in") || !strings.Contains(body, `href="/api/auth/signin?callbackUrl=/"`) {
		t.Errorf("GET / before sign-in = %q, want Not signed in and the sign-in link", body)
	}

	status, body := get(t, client, s.base+"/api/auth/csrf")
	var csrf struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal([]byte(body), &csrf); status != http.StatusOK || err != nil || csrf.CSRFToken == "" {
		t.Fatalf("GET /api/auth/csrf = %d %q, want a token", status, body)
	}

	signIn := func(password string) (*http.Response, string) {
		form := url.Values{"csrfToken": {csrf.CSRFToken}, "username": {"dev"}, "password": {password}, "json": {"true"}}
		res, err := client.PostForm(s.base+"/api/auth/callback/credentials", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, body := signIn(password + "x")
	if strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), "next-auth.session-token=") {
		t.Fatalf("sign-in with a wrong password set a session cookie; body %q", body)
	}

	res, body = signIn(password)
	var answer struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(body), &answer); res.StatusCode != http.StatusOK || err != nil || answer.URL == "" {
		t.Errorf("POST /api/auth/callback/credentials = %d %q, want 200 {\"url\":…}", res.StatusCode, body)
	}
	if token := sessionCookie(res); !uuidPattern.MatchString(token) {
		t.Errorf("sign-in Set-Cookie = %q, want next-auth.session-token with a database session's UUID", res.Header.Values("Set-Cookie"))
	}

	if _, body := get(t, client, s.base+"/"); !strings.Contains(body, "Signed in as <strong>Dev User</strong> (dev@example.com)") || !strings.Contains(body, `href="/api/auth/signout"`) {
		t.Errorf("GET / after sign-in = %q, want the dev user and a sign-out link", body)
	}
	if _, body := get(t, client, s.base+"/api/auth/session"); !strings.Contains(body, `"name":"Dev User"`) {
		t.Errorf("GET /api/auth/session = %q, want the dev user", body)
	}
	if err := s.stop(); err != nil {
		t.Errorf("run() after cancel = %v, want nil", err)
	}
}

func TestDevURLFollowsPort(t *testing.T) {
	t.Chdir(t.TempDir())
	s := startServer(t, nil, "--dev")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.base, "http://"))
	want := "http://localhost:" + port + "/api/auth/signin?callbackUrl=/"
	if !strings.Contains(s.stdout.String(), want) {
		t.Errorf("stdout = %q, want the sign-in link %s", s.stdout, want)
	}
}

func TestDevWithConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	path := writeConfig(t, "url: http://localhost:3000/api/auth\n")
	s := startServer(t, nil, "--dev", "--config", path)
	if passwordLine.MatchString(s.stdout.String()) {
		t.Errorf("stdout = %q, want no dev user with a config file", s.stdout)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	if status, body := get(t, client, s.base+"/api/auth/providers"); status != http.StatusOK || body != "{}" {
		t.Errorf("GET /api/auth/providers = %d %q, want 200 {}", status, body)
	}
}

func TestHashPassword(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		password string // "" when an error is wanted
		wantCost int
		wantErr  string
	}{
		{name: "default cost", stdin: "correct horse\n", password: "correct horse", wantCost: 10},
		{name: "cost flag", args: []string{"--cost", "4"}, stdin: "pw\n", password: "pw", wantCost: 4},
		{name: "no newline", args: []string{"--cost", "4"}, stdin: "pw", password: "pw", wantCost: 4},
		{name: "crlf", args: []string{"--cost", "4"}, stdin: "pw\r\nsecond line\n", password: "pw", wantCost: 4},
		{name: "empty", stdin: "", wantErr: "no password on stdin"},
		{name: "empty line", stdin: "\n", wantErr: "no password on stdin"},
		{name: "cost too low", args: []string{"--cost", "3"}, stdin: "pw\n", wantErr: "--cost 3: want 4 to 31"},
		{name: "too long", args: []string{"--cost", "4"}, stdin: strings.Repeat("x", 73) + "\n", wantErr: "exceeds 72 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"hash-password"}, tt.args...), envOf(nil), strings.NewReader(tt.stdin), &stdout, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("hash-password %q < %q = %v, want error with %q", tt.args, tt.stdin, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("hash-password %q < %q = %v", tt.args, tt.stdin, err)
			}
			hash, ok := strings.CutSuffix(stdout.String(), "\n")
			if !ok || bcrypt.CompareHashAndPassword([]byte(hash), []byte(tt.password)) != nil {
				t.Errorf("hash-password printed %q, want a bcrypt hash of %q and a newline", stdout.String(), tt.password)
			}
			if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != tt.wantCost {
				t.Errorf("bcrypt.Cost(%q) = %d, %v, want %d", hash, cost, err, tt.wantCost)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	good := writeConfig(t, `url: https://example.com/api/auth
secret: ${S}
providers:
  - {type: credentials, id: api, name: Company login, authorize_url: "http://127.0.0.1:1/authorize"}
`)
	twoMistakes := writeConfig(t, `secret: s
session: {max_age: -1}
providers:
  - type: credentials
    users: [{username: alice, password_hash: plaintext}]
`)
	brokenRule := writeConfig(t, `secret: s
claims:
  role: '"admins" in profile.grups ? "admin" : usr'
allow:
  expression: |
    account.provider ==
`)
	// docs/forward-auth.md#one-sign-in-for-the-whole-domain under http.
	parentCookieHTTP := writeConfig(t, `url: http://auth.example.com/api/auth
secret: s
cookies:
  session_token:
    domain: example.com
forward:
  rules:
    - host: "*.example.com"
`)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantStdout string
		wantErr    []string // parts of the error; nil for success
	}{
		{
			name: "parent-domain session cookie under http", args: []string{"--config", parentCookieHTTP},
			wantErr: []string{"1 problem in " + parentCookieHTTP, "forward with cookies.session_token.domain needs an https url", "http://auth.example.com is not"},
		},
		{
			name: "parent-domain session cookie under https", args: []string{"--config", parentCookieHTTP}, env: map[string]string{"NEXTAUTH_URL": "https://auth.example.com/api/auth"},
			wantStdout: "ok\n",
		},
		{
			name: "broken CEL rules", args: []string{"--config", brokenRule},
			wantErr: []string{"2 problems in " + brokenRule,
				brokenRule + ":3:48: claims.role: undeclared reference to 'usr'",
				brokenRule + ":7:5: allow.expression: Syntax error",
				"allow.expression: Syntax error"},
		},
		{
			name: "ok", args: []string{"--config", good}, env: map[string]string{"S": "s"},
			wantStdout: "ok\nurl: https://example.com/api/auth\ndatabase: none\nsessions: jwt\nproviders:\n  api (credentials, \"Company login\")\n",
		},
		{
			name: "two mistakes at once", args: []string{"--config", twoMistakes},
			wantErr: []string{"2 problems in " + twoMistakes, twoMistakes + ":2: session.max_age: must not be negative", twoMistakes + ":5: providers[0].users[0].password_hash: not a bcrypt hash"},
		},
		{name: "no secret", args: []string{"--config", good}, wantErr: []string{"1 problem in", "NO_SECRET"}},
		{name: "no secret with --dev", args: []string{"--config", good, "--dev"}, wantStdout: "ok\n"},
		{name: "environment only", env: map[string]string{"NEXTAUTH_SECRET": "s"}, wantStdout: "ok\nurl: http://localhost:3000/api/auth (default)\ndatabase: none\nsessions: jwt\nproviders: none\n"},
		{name: "bad NEXTAUTH_URL", env: map[string]string{"NEXTAUTH_SECRET": "s", "NEXTAUTH_URL": "ftp://x"}, wantErr: []string{"in the environment", "NEXTAUTH_URL"}},
		{name: "missing file", args: []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, wantErr: []string{"no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"check"}, tt.args...), envOf(tt.env), strings.NewReader(""), &stdout, &stderr)
			if tt.wantErr == nil {
				if err != nil || !strings.HasPrefix(stdout.String(), tt.wantStdout) {
					t.Errorf("check %q = %v, stdout %q, want nil, %q", tt.args, err, stdout.String(), tt.wantStdout)
				}
				return
			}
			if err == nil {
				t.Fatalf("check %q = nil, want problems %q", tt.args, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("check %q = %q, want it to contain %q", tt.args, err, want)
				}
			}
		})
	}
}

func TestCheckWarnsOfUnsetVariables(t *testing.T) {
	path := writeConfig(t, "secret: s\nurl: ${PUBLIC_URL}\n")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"check", "--config", path}, envOf(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if want := "${PUBLIC_URL} is not set"; !strings.Contains(stderr.String(), want) {
		t.Errorf("check stderr = %q, want %q", stderr.String(), want)
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, envOf(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "nextauth "+buildVersion()+"\n"; got != want || buildVersion() == "" {
		t.Errorf("--version printed %q, want %q", got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantHelp bool
	}{
		{"unknown flag", []string{"--nope"}, false},
		{"stray argument", []string{"serve"}, false},
		{"check stray argument", []string{"check", "x.yaml"}, false},
		{"hash-password bad cost", []string{"hash-password", "--cost", "x"}, false},
		{"help", []string{"--help"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envOf(nil), strings.NewReader(""), &stdout, &stderr)
			var usage *usageError
			if got := errors.Is(err, flag.ErrHelp); got != tt.wantHelp {
				t.Errorf("run(%q) = %v, want ErrHelp: %v", tt.args, err, tt.wantHelp)
			}
			if !tt.wantHelp && !errors.As(err, &usage) {
				t.Errorf("run(%q) = %v, want a *usageError", tt.args, err)
			}
			if !strings.Contains(stderr.String(), "Usage") {
				t.Errorf("run(%q) stderr = %q, want the usage", tt.args, stderr.String())
			}
		})
	}
}

func TestNewServerLimits(t *testing.T) {
	s := newServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("newServer() = %+v, want every timeout and MaxHeaderBytes set", s)
	}
}

// TestTuneGC checks that the server's GC target applies only when the
// environment sets no GOGC.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if _, set := tuneGC(envOf(map[string]string{"GOGC": "50"})); set {
		t.Error("tuneGC changed the GC target although GOGC is set")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC target %d after tuneGC with GOGC set, want 100 (unchanged)", got)
	}
	if prev, set := tuneGC(envOf(nil)); !set || prev != 100 {
		t.Errorf("tuneGC() = %d, %v, want 100, true", prev, set)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GC target %d after tuneGC without GOGC, want %d", got, defaultGCPercent)
	}
}
