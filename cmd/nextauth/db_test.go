package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/webhook"
)

// Environment variables naming the real servers of the tests (scripts/test.sh
// sets them).
const (
	envPostgres = "NEXTAUTH_TEST_POSTGRES_URL"
	envRedis    = "NEXTAUTH_TEST_REDIS_URL"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// sessionCookie is the next-auth.session-token value res sets; "" if none.
func sessionCookie(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name == "next-auth.session-token" {
			return c.Value
		}
	}
	return ""
}

// serverURL is the URL in the environment variable name; without it the
// test is skipped, or fails under CI=true.
func serverURL(t *testing.T, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide the server (scripts/test.sh setup does)", name)
		}
		t.Skipf("%s is not set: skipping (scripts/test.sh setup provides a server)", name)
	}
	return u
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newPostgresDatabase creates an empty database, dropped when the test
// ends, and returns its URL.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	base := serverURL(t, envPostgres)
	name := "nextauth_cmd_" + randomHex(t)
	admin := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin("CREATE DATABASE " + name); err != nil {
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", envPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// newMySQLDatabase creates an empty MySQL database, dropped when the test
// ends, and returns its mysql:// URL.
func newMySQLDatabase(t *testing.T) string {
	u, _ := servicetest.MySQLDatabase(t)
	return u
}

// redisPrefix returns the Redis URL and a key prefix for this test; its
// keys are deleted when the test ends.
func redisPrefix(t *testing.T) (redisURL, prefix string) {
	t.Helper()
	redisURL = serverURL(t, envRedis)
	prefix = "nextauth-cmd-test:" + randomHex(t) + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(redisURL)
		if err != nil {
			t.Errorf("%s: %v", envRedis, err)
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("deleting %s* keys: %v", prefix, err)
		}
	})
	return redisURL, prefix
}

// browser is an HTTP client with a cookie jar, talking to one server.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// csrf fetches a CSRF token (and its cookie).
func (b *browser) csrf(base string) string {
	b.t.Helper()
	status, body := get(b.t, b.client, base+"/api/auth/csrf")
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal([]byte(body), &v); status != http.StatusOK || err != nil || v.CSRFToken == "" {
		b.t.Fatalf("GET /api/auth/csrf = %d %q, want a token", status, body)
	}
	return v.CSRFToken
}

// post sends a form and returns the response (body read) and the body.
func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	res, err := b.client.PostForm(u, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return res, string(body)
}

// signIn signs in with a credentials provider; it returns the session
// cookie set.
func (b *browser) signIn(base, csrf, username, password string) string {
	b.t.Helper()
	res, body := b.post(base+"/api/auth/callback/credentials",
		url.Values{"csrfToken": {csrf}, "username": {username}, "password": {password}, "json": {"true"}})
	token := sessionCookie(res)
	if res.StatusCode != http.StatusOK || token == "" {
		b.t.Fatalf("sign-in as %s = %d %q, cookies %q, want 200 and a session cookie", username, res.StatusCode, body, res.Header.Values("Set-Cookie"))
	}
	return token
}

// session is GET /api/auth/session, decoded.
func (b *browser) session(base string) nextauth.Session {
	b.t.Helper()
	status, body := get(b.t, b.client, base+"/api/auth/session")
	var s nextauth.Session
	if err := json.Unmarshal([]byte(body), &s); status != http.StatusOK || err != nil {
		b.t.Fatalf("GET /api/auth/session = %d %q: %v", status, body, err)
	}
	return s
}

func userEmail(s nextauth.Session) string {
	if s.User == nil {
		return ""
	}
	return s.User.Email.String()
}

// TestDevRestartKeepsSecret starts --dev twice in one directory: the secret
// made by the first run is read by the second, so a session and a CSRF
// token of the first run still work.
func TestDevRestartKeepsSecret(t *testing.T) {
	t.Chdir(t.TempDir())
	s := startServer(t, nil, "--dev")
	m := passwordLine.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("stdout = %q, want the dev password", s.stdout)
	}
	b := newBrowser(t)
	csrf := b.csrf(s.base)
	b.signIn(s.base, csrf, "dev", m[1])
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile("nextauth.db.secret")
	if err != nil {
		t.Fatal(err)
	}

	s = startServer(t, nil, "--dev")
	if out := s.stdout.String(); !strings.Contains(out, "secret: read from nextauth.db.secret") {
		t.Errorf("second start stdout = %q, want the secret read from nextauth.db.secret", out)
	}
	if again, _ := os.ReadFile("nextauth.db.secret"); !bytes.Equal(again, secret) {
		t.Errorf("nextauth.db.secret changed on restart: %q, then %q", secret, again)
	}
	if got := userEmail(b.session(s.base)); got != "dev@example.com" {
		t.Errorf("after restart, session user = %q, want dev@example.com", got)
	}
	// The CSRF cookie and token of the first run are hashed with the
	// secret: they only pass if it is the same.
	res, body := b.post(s.base+"/api/auth/signin/email",
		url.Values{"csrfToken": {csrf}, "email": {"again@example.com"}, "json": {"true"}})
	if res.StatusCode != http.StatusOK || strings.Contains(body, "csrf=true") || !strings.Contains(body, "verify-request") {
		t.Errorf("POST /signin/email with the first run's CSRF token = %d %q, want it accepted", res.StatusCode, body)
	}
}

var linkPattern = regexp.MustCompile(`sign-in link for "([^"]+)" \(expires [^)]+\): (http://\S+)`)

// TestDevEmailSignIn signs in with a link printed by --dev's console
// e-mail server.
func TestDevEmailSignIn(t *testing.T) {
	t.Chdir(t.TempDir())
	s := startServer(t, nil, "--dev")
	b := newBrowser(t)
	if got := b.session(s.base); got.User != nil {
		t.Fatalf("session before sign-in = %+v, want none", got)
	}
	res, body := b.post(s.base+"/api/auth/signin/email",
		url.Values{"csrfToken": {b.csrf(s.base)}, "email": {"New.User@Example.com"}, "callbackUrl": {"/"}, "json": {"true"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "verify-request") {
		t.Fatalf("POST /api/auth/signin/email = %d %q, want 200 and the verify-request page", res.StatusCode, body)
	}
	m := linkPattern.FindStringSubmatch(s.stdout.String())
	if m == nil || m[1] != "new.user@example.com" {
		t.Fatalf("stdout = %q, want the sign-in link for new.user@example.com", s.stdout)
	}
	link, err := url.Parse(m[2])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.stderr.String(), link.Query().Get("token")) {
		t.Errorf("the token is in the logs (stderr), want it only in the console output")
	}
	// The link names localhost; the test server listens on 127.0.0.1.
	base, _ := url.Parse(s.base)
	link.Host = base.Host
	status, _ := get(t, b.client, link.String())
	if status != http.StatusOK {
		t.Errorf("GET the link = %d, want 200 after the redirects", status)
	}
	if got := userEmail(b.session(s.base)); got != "new.user@example.com" {
		t.Errorf("session user after the link = %q, want new.user@example.com", got)
	}
	// A link works once.
	other := newBrowser(t)
	get(t, other.client, link.String())
	if got := other.session(s.base); got.User != nil {
		t.Errorf("second use of the link signed in %+v, want the token used up", got.User)
	}
}

// TestDatabaseServers starts with each server database and signs in with
// credentials, getting a database session.
func TestDatabaseServers(t *testing.T) {
	tests := []struct {
		name string
		yaml func(t *testing.T) string
	}{
		{"postgres", func(t *testing.T) string { return "database: \"" + newPostgresDatabase(t) + "\"\n" }},
		{"mysql", func(t *testing.T) string { return "database: \"" + newMySQLDatabase(t) + "\"\n" }},
		{"redis", func(t *testing.T) string {
			u, prefix := redisPrefix(t)
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n"
		}},
		{"sqlite", func(t *testing.T) string { return "database: sqlite://" + filepath.Join(t.TempDir(), "n.db") + "\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, "secret: s\n"+tt.yaml(t)+`providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			token := b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			if !uuidPattern.MatchString(token) {
				t.Errorf("session cookie = %q, want a database session's UUID", token)
			}
			sess := b.session(s.base)
			if userEmail(sess) != "alice@example.com" || sess.Expires.Before(time.Now()) {
				t.Errorf("session = %+v, want alice with an expiry", sess)
			}
			if err := s.stop(); err != nil {
				t.Errorf("stop = %v", err)
			}
			if log := s.stderr.String(); !strings.Contains(log, "database connected") {
				t.Errorf("stderr = %q, want the database logged", log)
			}
		})
	}
}

// TestCleanup checks that the server deletes expired sessions every
// cleanup_interval.
func TestCleanup(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	path := writeConfig(t, "secret: s\ndatabase: sqlite://"+db+"\ndatabase_options: {cleanup_interval: 1s}\nlog: {level: debug}\n")
	s := startServer(t, nil, "--config", path)

	ctx := context.Background()
	a, err := sqlite.OpenAdapter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("old@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for token, expires := range map[string]time.Time{"expired": now.Add(-time.Hour), "current": now.Add(time.Hour)} {
		if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: token, UserID: u.ID, Expires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for the sweep itself: the line it logs at debug level once it
	// has deleted the expired row. (Reading the row back proves nothing:
	// GetSessionAndUser does not return an expired session either.)
	const swept = `msg="deleted expired sessions and e-mail tokens" sessions=1 `
	waitFor(t, "the sweep that deletes the expired session", func() bool { return strings.Contains(s.stderr.String(), swept) })
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	// ListSessions reads expired rows too: the sweep deleted the row.
	list, err := a.ListSessions(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, l := range list {
		tokens = append(tokens, l.SessionToken)
	}
	if !slices.Equal(tokens, []string{"current"}) {
		t.Errorf("sessions in the database after the sweep = %q, want only the current one", tokens)
	}
}

// fakeDeleter counts calls and fails when told to.
type fakeDeleter struct {
	calls atomic.Int32
	err   error
}

func (d *fakeDeleter) DeleteExpired(context.Context, time.Time) (int64, int64, error) {
	d.calls.Add(1)
	return 2, 3, d.err
}

func TestCleanupLoop(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantLog string
	}{
		{"counts", nil, "level=DEBUG msg=\"deleted expired sessions and e-mail tokens\" sessions=2 tokens=3"},
		{"failure", errors.New("disk full"), "level=WARN msg=\"deleting expired sessions and e-mail tokens failed\" err=\"disk full\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &fakeDeleter{err: tt.err}
			var logs lockedBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); cleanup(ctx, d, 5*time.Millisecond, log) }()
			for d.calls.Load() < 2 {
				time.Sleep(time.Millisecond)
			}
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("cleanup did not return after the context ended")
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("cleanup logs = %q, want %q", logs.String(), tt.wantLog)
			}
		})
	}
}

func TestMigrateCommand(t *testing.T) {
	sqliteDB := "sqlite://" + filepath.Join(t.TempDir(), "m.db")
	// The SQL schemas grow by appended migrations: the first run applies
	// every one (1 to N), the second none.
	const (
		appliedAll = `: applied (migration 1; schema version 1|migrations 1 to (\d+); schema version (\d+))\n$`
		upToDate   = `: schema already up to date \(version \d+\)\n$`
		redisNoop  = `: nothing to migrate: Redis needs no schema \(connection checked\)\n$`
	)
	tests := []struct {
		name        string
		yaml        func(t *testing.T) string
		first, next string // patterns of stdout of the first and second runs
	}{
		{"sqlite", func(*testing.T) string { return "database: " + sqliteDB + "\n" }, "^" + regexp.QuoteMeta(sqliteDB) + appliedAll, "^" + regexp.QuoteMeta(sqliteDB) + upToDate},
		{"postgres", func(t *testing.T) string { return "database: \"" + newPostgresDatabase(t) + "\"\n" }, appliedAll, upToDate},
		{"mysql", func(t *testing.T) string { return "database: \"" + newMySQLDatabase(t) + "\"\n" }, appliedAll, upToDate},
		{"redis", func(t *testing.T) string {
			u, prefix := redisPrefix(t)
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n"
		}, redisNoop, redisNoop},
		// With events, the events queue's table too, once.
		{"postgres with events", func(t *testing.T) string {
			return "database: \"" + newPostgresDatabase(t) + "\"\nevents: {url: https://app.example/events, secret: " +
				webhook.SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "}\n"
		}, strings.TrimSuffix(appliedAll, `\n$`) + `; created the events queue table nextauth_events\n$`, upToDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml(t)) // no secret: migrate needs none
			for _, want := range []string{tt.first, tt.next} {
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), []string{"migrate", "--config", path}, envOf(nil), strings.NewReader(""), &stdout, &stderr)
				if err != nil || !regexp.MustCompile(want).MatchString(stdout.String()) {
					t.Errorf("migrate = %v, stdout %q, want it to match %q", err, stdout.String(), want)
				}
			}
		})
	}
}

func TestMigrateCommandErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no config", nil, "nextauth: migrate: config: database: no database to migrate"},
		{"no database", []string{"--config", writeConfig(t, "secret: s\n")}, ": database: no database to migrate; set database:"},
		{"unreachable", []string{"--config", writeConfig(t, "database: \"postgres://u:pw-1234@127.0.0.1:1/db?connect_timeout=5\"\n")},
			"nextauth: migrate: config: database postgres://u:xxxxx@127.0.0.1:1/db?connect_timeout=5: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"migrate"}, tt.args...), envOf(nil), strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "pw-1234") {
				t.Errorf("migrate %q = %v, want an error with %q and no password", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestConsoleNeedsDev checks that a config printing sign-in links is
// refused without --dev and accepted with it.
func TestConsoleNeedsDev(t *testing.T) {
	t.Chdir(t.TempDir())
	path := writeConfig(t, "secret: s\ndatabase: sqlite://n.db\nproviders: [{type: email, server: console}]\n")
	listened := false
	var stdout, stderr bytes.Buffer
	c := &cli{env: envOf(nil), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, random: rand.Reader,
		onListen: func(net.Addr) { listened = true }}
	err := c.run(context.Background(), []string{"--config", path, "--addr", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "providers[0].server: console prints sign-in links") || listened {
		t.Errorf("run(--config with console) = %v, listened %v, want the console refused before listening", err, listened)
	}
	if _, err := os.Stat("n.db"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat n.db = %v, want no database opened for a refused config", err)
	}
	s := startServer(t, nil, "--dev", "--config", path)
	if status, body := get(t, &http.Client{Timeout: 30 * time.Second}, s.base+"/api/auth/providers"); status != http.StatusOK || !strings.Contains(body, `"email":{"id":"email"`) {
		t.Errorf("with --dev GET /api/auth/providers = %d %q, want the email provider", status, body)
	}
}

// TestFleetSharesLimits runs two servers on one shared database: a
// credentials attempt on one uses up the per-client limit on both.
// SQLite keeps limits in each process, which the last case shows.
func TestFleetSharesLimits(t *testing.T) {
	tests := []struct {
		name   string
		yaml   func(t *testing.T) string
		shared bool
	}{
		{"postgres", func(t *testing.T) string { return "database: \"" + newPostgresDatabase(t) + "\"\n" }, true},
		{"mysql", func(t *testing.T) string { return "database: \"" + newMySQLDatabase(t) + "\"\n" }, true},
		{"redis", func(t *testing.T) string {
			u, prefix := redisPrefix(t)
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n"
		}, true},
		{"sqlite", func(t *testing.T) string { return "database: sqlite://" + filepath.Join(t.TempDir(), "n.db") + "\n" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, "secret: s\n"+tt.yaml(t)+`credentials_rate_limit: {per_client: 1, window: 1h}
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`"}]
`)
			a, b := startServer(t, nil, "--config", path), startServer(t, nil, "--config", path)
			attempt := func(s *server) int {
				t.Helper()
				br := newBrowser(t)
				res, _ := br.post(s.base+"/api/auth/callback/credentials",
					url.Values{"csrfToken": {br.csrf(s.base)}, "username": {"alice"}, "password": {"wrong"}, "json": {"true"}})
				return res.StatusCode
			}
			if got := attempt(a); got != http.StatusUnauthorized {
				t.Fatalf("first attempt, on server A = %d, want 401", got)
			}
			want := http.StatusTooManyRequests
			if !tt.shared {
				want = http.StatusUnauthorized
			}
			if got := attempt(b); got != want {
				t.Errorf("second attempt, on server B = %d, want %d", got, want)
			}
		})
	}
}
