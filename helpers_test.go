package nextauth_test

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/redis"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/provider"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

const testSecret = "secret"

// fixedNow is the clock of tests that compare bodies or cookie dates.
var fixedNow = time.Date(2026, 11, 27, 8, 39, 23, 295_000_000, time.UTC)

// alice is the credentials user of the test handler (password "wonderland").
var alice = nextauth.User{ID: "1", Name: nextauth.String("Alice"), Email: nextauth.String("alice@example.com"), Image: nextauth.String("https://img.example/alice.png")}

// testConfig is a credentials-only config; mutate adjusts it per test.
func testConfig(mutate func(*nextauth.Config)) nextauth.Config {
	cfg := nextauth.Config{
		URL:    "http://localhost:3111",
		Secret: testSecret,
		Providers: []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
			Name: "Creds",
			Fields: []nextauth.CredentialField{
				{Name: "username", Label: "Username", Placeholder: "jsmith"},
				{Name: "password", Label: "Password", Type: "password"},
			},
			Authorize: func(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
				if c["username"] == "alice" && c["password"] == "wonderland" {
					u := alice
					return &u, nil
				}
				return nil, nil
			},
		})},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

func newHandler(t testing.TB, mutate func(*nextauth.Config)) *nextauth.Handler {
	t.Helper()
	h, err := nextauth.New(testConfig(mutate))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// client drives a handler like a browser: it keeps cookies between calls.
type client struct {
	t   testing.TB
	h   http.Handler
	jar map[string]string
	// order keeps cookie insertion order so the Cookie header is stable.
	order []string
}

func newClient(t testing.TB, h http.Handler) *client {
	return &client{t: t, h: h, jar: map[string]string{}}
}

func (c *client) cookieHeader() string {
	var parts []string
	for _, n := range c.order {
		if v, ok := c.jar[n]; ok {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

// do sends a request; body form values are url-encoded unless ct says JSON.
func (c *client) do(method, target, ct, body string) *httptest.ResponseRecorder {
	c.t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if h := c.cookieHeader(); h != "" {
		r.Header.Set("Cookie", h)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	c.store(w.Result().Header.Values("Set-Cookie"))
	return w
}

func (c *client) store(setCookies []string) {
	for _, sc := range setCookies {
		ck, err := http.ParseSetCookie(sc)
		if err != nil {
			c.t.Fatalf("bad Set-Cookie %q: %v", sc, err)
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.jar, ck.Name)
			continue
		}
		if _, ok := c.jar[ck.Name]; !ok {
			c.order = append(c.order, ck.Name)
		}
		c.jar[ck.Name] = ck.Value
	}
}

func (c *client) get(target string) *httptest.ResponseRecorder {
	return c.do(http.MethodGet, target, "", "")
}

func (c *client) postForm(target string, v url.Values) *httptest.ResponseRecorder {
	return c.do(http.MethodPost, target, "application/x-www-form-urlencoded", v.Encode())
}

// csrf fetches a CSRF token (and the cookie that goes with it).
func (c *client) csrf() string {
	c.t.Helper()
	w := c.get("/api/auth/csrf")
	body := w.Body.String()
	const pre = `{"csrfToken":"`
	if !strings.HasPrefix(body, pre) || len(body) != len(pre)+64+2 {
		c.t.Fatalf("GET /csrf body = %q", body)
	}
	return body[len(pre) : len(pre)+64]
}

// signIn signs alice in through the credentials callback.
func (c *client) signIn() {
	c.t.Helper()
	w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}, "json": {"true"}})
	if w.Code != http.StatusOK {
		c.t.Fatalf("sign-in: status %d, body %s", w.Code, w.Body)
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -update)", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n got: %s\nwant: %s", name, got, want)
	}
}

// zeroRand is a deterministic random source: CSRF tokens of all zeros.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// adapterStore opens an empty store for one test: memory and SQLite
// always, PostgreSQL, MySQL and Redis on the servers of servicetest
// (skipped without them, failed under CI=true).
type adapterStore struct {
	name string
	open func(t *testing.T) nextauth.Adapter
}

// newMySQLAdapter is an adapter on a new, migrated database of the MySQL
// or MariaDB server of servicetest, and a handle of its own on that
// database for counting rows.
func newMySQLAdapter(t *testing.T) (*mysql.Adapter, *sql.DB) {
	t.Helper()
	_, dsn := servicetest.MySQLDatabase(t)
	a, err := mysql.Connect(context.Background(), dsn, mysql.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return a, db
}

func adapterStores() []adapterStore {
	return []adapterStore{
		{"memory", func(*testing.T) nextauth.Adapter { return memory.New() }},
		{"sqlite", func(t *testing.T) nextauth.Adapter {
			a, err := sqlite.OpenAdapter(context.Background(), filepath.Join(t.TempDir(), "nextauth.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			return a
		}},
		{"postgres", func(t *testing.T) nextauth.Adapter {
			a, err := postgres.Connect(context.Background(), servicetest.PostgresDatabase(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			return a
		}},
		{"mysql", func(t *testing.T) nextauth.Adapter {
			a, _ := newMySQLAdapter(t)
			return a
		}},
		{"redis", func(t *testing.T) nextauth.Adapter {
			u, prefix := servicetest.RedisPrefix(t)
			a, err := redis.Connect(context.Background(), u, redis.Options{KeyPrefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			return a
		}},
	}
}
