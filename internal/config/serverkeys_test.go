package config

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
)

const adminToken = "0123456789abcdef0123456789abcdef" // 32 characters

func TestServerKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		get  func(*File, nextauth.Config) any
		want any
	}{
		{"trust_proxy", "trust_proxy: [10.0.0.0/8, 10.1.2.3, \"::1\", 192.168.7.9/24]\n",
			func(_ *File, c nextauth.Config) any { return c.TrustProxy },
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("10.1.2.3/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.7.0/24")}},
		{"trust_proxy absent", "", func(_ *File, c nextauth.Config) any { return c.TrustProxy }, []netip.Prefix(nil)},
		{"urls", "urls: [https://a.example/auth, b.example]\n", func(_ *File, c nextauth.Config) any { return c.URLs }, []string{"https://a.example/auth", "b.example"}},
		{"cors_origins normalised", "cors_origins: [\"HTTPS://App.Example:443/\", \"http://localhost:5173\"]\n",
			func(_ *File, c nextauth.Config) any { return c.CORSOrigins }, []string{"https://app.example", "http://localhost:5173"}},
		{"email per_account", "email_rate_limit: {per_account: 2, per_client: -1, window: 30s}\n",
			func(_ *File, c nextauth.Config) any { return c.EmailRateLimit }, nextauth.RateLimit{PerAccount: 2, PerClient: -1, Window: 30 * time.Second}},
		{"email per_address alias", "email_rate_limit: {per_address: 4}\n",
			func(_ *File, c nextauth.Config) any { return c.EmailRateLimit.PerAccount }, 4},
		{"credentials_rate_limit", "credentials_rate_limit: {per_account: 7, per_client: 50, requests: 90, window: 2m}\n",
			func(_ *File, c nextauth.Config) any { return c.CredentialsRateLimit }, nextauth.RateLimit{PerAccount: 7, PerClient: 50, Requests: 90, Window: 2 * time.Minute}},
		{"log_rate_limit", "log_rate_limit: {per_client: 5, window: 10s}\n",
			func(_ *File, c nextauth.Config) any { return c.LogRateLimit }, nextauth.RateLimit{PerClient: 5, Window: 10 * time.Second}},
		{"log_rate_limit default", "", func(_ *File, c nextauth.Config) any { return c.LogRateLimit }, nextauth.RateLimit{}},
		{"lockout", "lockout: {max_failures: -1, duration: 10s, max_duration: 600}\n",
			func(_ *File, c nextauth.Config) any { return c.Lockout }, nextauth.Lockout{MaxFailures: -1, Duration: 10 * time.Second, MaxDuration: 10 * time.Minute}},
		{"admin default path", "admin: {token: " + adminToken + "}\n", func(f *File, _ nextauth.Config) any { return f.AdminPath() }, DefaultAdminPath},
		{"admin path", "admin: {token: " + adminToken + ", path: /internal/ops/}\n", func(f *File, _ nextauth.Config) any { return f.AdminPath() }, "/internal/ops"},
		{"admin off", "", func(f *File, _ nextauth.Config) any { return f.AdminPath() }, ""},
		{"metrics_addr", "metrics_addr: \"[::1]:9090\"\n", func(f *File, _ nextauth.Config) any { return f.MetricsAddr }, "[::1]:9090"},
		{"base paths", "url: https://a.example/auth\nurls: [https://b.example, https://c.example/auth/, https://d.example/x]\n",
			func(f *File, _ nextauth.Config) any { return f.BasePaths() }, []string{"/auth", "/api/auth", "/x"}},
		{"base path default", "", func(f *File, _ nextauth.Config) any { return f.BasePaths() }, []string{"/api/auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.yaml, err)
			}
			cfg, err := f.NextAuth()
			if err != nil {
				t.Fatalf("NextAuth() of %q: %v", tt.yaml, err)
			}
			if got := tt.get(f, cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%q: got %#v, want %#v", tt.yaml, got, tt.want)
			}
			if _, err := nextauth.New(cfg); err != nil {
				t.Errorf("nextauth.New() of %q: %v", tt.yaml, err)
			}
		})
	}
}

func TestServerProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"admin without token", "secret: s\nadmin: {path: /ops}\n", []string{
			"config: t.yaml:2: admin.token: missing: the admin API needs a bearer token of at least 32 characters",
		}},
		{"admin token unset", "secret: s\nadmin:\n  token: ${ADMIN_TOKEN}\n", []string{
			"config: t.yaml:3: admin.token: missing",
		}},
		{"admin token short", "secret: s\nadmin: {token: " + adminToken[1:] + "}\n", []string{
			"config: t.yaml:2: admin.token: too short: want at least 32 characters",
		}},
		{"admin path takes healthz", "secret: s\nadmin: {token: " + adminToken + ", path: /healthz}\n", []string{
			`config: t.yaml:2: admin.path: "/healthz" would take the server's /healthz`,
		}},
		{"admin path over base path", "secret: s\nadmin: {token: " + adminToken + ", path: /api}\n", []string{
			`config: t.yaml:2: admin.path: "/api" overlaps the auth routes' base path /api/auth`,
		}},
		{"admin path root", "secret: s\nadmin: {token: " + adminToken + ", path: /}\n", []string{
			`config: t.yaml:2: admin.path: "": want a path such as /admin`,
		}},
		{"admin path pattern", "secret: s\nadmin: {token: " + adminToken + ", path: \"/{x}\"}\n", []string{
			`config: t.yaml:2: admin.path: "/{x}": want a path such as /admin`,
		}},
		{"metrics port", "secret: s\nmetrics_addr: 127.0.0.1:70000\n", []string{
			`config: t.yaml:2: metrics_addr: "127.0.0.1:70000": want host:port`,
		}},
		{"lockout negative", "secret: s\nlockout: {duration: -1s}\n", []string{
			"config: t.yaml:2: lockout.duration: must not be negative",
		}},
		{"urls repeat url", "secret: s\nurl: https://a.example/auth\nurls: [\"https://A.example/auth/\"]\n", []string{
			`config: t.yaml:3: urls[0]: "https://A.example/auth/" is already url`,
		}},
		{"per_address in credentials", "secret: s\ncredentials_rate_limit:\n  per_address: 1\n", []string{
			"config: t.yaml:3: credentials_rate_limit.per_address: unknown key; known keys here: per_account, per_client, requests, window",
		}},
		{"requests in email_rate_limit", "secret: s\nemail_rate_limit:\n  requests: 9\n", []string{
			"config: t.yaml:3: email_rate_limit.requests: only credentials_rate_limit has it",
		}},
		{"per_account in log_rate_limit", "secret: s\nlog_rate_limit:\n  per_account: 3\n  requests: 4\n", []string{
			"config: t.yaml:3: log_rate_limit.per_account: log_rate_limit counts per client only (per_client)",
			"config: t.yaml:4: log_rate_limit.requests: only credentials_rate_limit has it",
		}},
		{"per_address and per_account", "secret: s\nemail_rate_limit:\n  per_account: 1\n  per_address: 2\n", []string{
			"config: t.yaml:4: email_rate_limit.per_address: is the old name of per_account; keep only per_account",
		}},
		{"rate limit kind", "secret: s\nemail_rate_limit: 5\n", []string{
			`config: t.yaml:2: email_rate_limit: want a mapping (key: value lines), got "5"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte(tt.yaml), nil)
			_, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("NextAuth() of %q = %d problems:\n%s\nwant %d:\n%s", tt.yaml, len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("NextAuth() of %q: problem %d = %q, want %q", tt.yaml, i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestAdminTokenNeverShown checks that no problem quotes the token.
func TestAdminTokenNeverShown(t *testing.T) {
	for _, token := range []string{"short-s3cret", "s3cret with spaces 0123456789abcdef"} {
		f, _ := Parse("t.yaml", []byte("secret: s\nadmin: {token: \""+token+"\", path: /api/auth/x}\n"), nil)
		_, err := f.NextAuth()
		if err == nil {
			t.Fatalf("NextAuth() with admin token %q = nil, want a problem", token)
		}
		if strings.Contains(err.Error(), token) || strings.Contains(f.Summary(nextauth.Config{}), token) {
			t.Errorf("NextAuth() = %v, shows the admin token", err)
		}
	}
}

func TestWarningsOfServerKeys(t *testing.T) {
	f, err := Parse("c.yaml", []byte("secret: s\nemail_rate_limit:\n  per_address: 3\ntrust_proxy: [10.0.0.0/8, 0.0.0.0/0, \"::/0\"]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"config: c.yaml:3: email_rate_limit.per_address: deprecated: renamed per_account (same meaning); per_address is still read",
		"config: c.yaml:4: trust_proxy[1]: 0.0.0.0/0 trusts every address: any client can then choose the address rate limits count and logs show; list your proxies' networks",
		"config: c.yaml:4: trust_proxy[2]: ::/0 trusts every address: any client can then choose the address rate limits count and logs show; list your proxies' networks",
	}
	if got := f.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := f.NextAuth(); err != nil {
		t.Errorf("NextAuth() = %v, want warnings only", err)
	}
}

// countingTransport counts the requests it sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestHTTPClientReachesProviders checks that File.HTTPClient is the client
// of every kind of OAuth provider, and that discovery goes through it.
func TestHTTPClientReachesProviders(t *testing.T) {
	discovery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"http://` + r.Host + `","authorization_endpoint":"https://idp.example/authorize","token_endpoint":"https://idp.example/token","jwks_uri":"https://idp.example/jwks"}`))
	}))
	defer discovery.Close()
	yaml := `secret: s
providers:
- {type: oidc, id: corp, issuer: "` + discovery.URL + `", client_id: c, client_secret: x}
- {type: oauth, id: acme, authorization_url: https://acme.example/a, token_url: https://acme.example/t, userinfo_url: https://acme.example/u, client_id: c, client_secret: x}
- {type: github, client_id: c, client_secret: x}
`
	f, err := Parse("t.yaml", []byte(yaml), mapEnv(map[string]string{"AUTH_GITLAB_ID": "g", "AUTH_GITLAB_SECRET": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{}
	f.HTTPClient = &http.Client{Transport: tr}
	b, err := f.build(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"corp", "acme", "github", "gitlab"} {
		if got := b.oauth[id].Config.HTTPClient; got != f.HTTPClient {
			t.Errorf("provider %s: HTTPClient = %p, want File.HTTPClient %p", id, got, f.HTTPClient)
		}
	}
	p := b.cfg.Providers[0].(nextauth.OAuthProvider)
	u, err := p.AuthorizationURL(context.Background(), nextauth.AuthorizationRequest{RedirectURI: "http://localhost:3000/api/auth/callback/corp", State: "s", CodeChallenge: "c"})
	if err != nil || !strings.HasPrefix(u, "https://idp.example/authorize?") {
		t.Fatalf("AuthorizationURL() = %q, %v, want the discovered endpoint", u, err)
	}
	if n := tr.n.Load(); n != 1 {
		t.Errorf("the client sent %d requests, want 1 (discovery)", n)
	}
}

// fakeAdapter is an Adapter with optional Ping and RateStore methods.
type fakeAdapter struct {
	nextauth.Adapter
	pingErr error
	pings   int
}

func (a *fakeAdapter) Ping(context.Context) error { a.pings++; return a.pingErr }

type fakeRateAdapter struct {
	nextauth.Adapter
	rates nextauth.RateStore
}

func (a fakeRateAdapter) RateStore() nextauth.RateStore { return a.rates }

func TestRateStoreOf(t *testing.T) {
	rs := ratelimit.NewStore(nil)
	tests := []struct {
		name string
		a    nextauth.Adapter
		want nextauth.RateStore
	}{
		{"none", nil, nil},
		{"without RateStore", unopened{}, nil},
		{"with RateStore", fakeRateAdapter{rates: rs}, rs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rateStoreOf(tt.a); got != tt.want {
				t.Errorf("rateStoreOf(%T) = %v, want %v", tt.a, got, tt.want)
			}
		})
	}
}

func TestStorePing(t *testing.T) {
	ctx := context.Background()
	if err := (&Store{}).Ping(ctx); err != nil {
		t.Errorf("Ping() without a database = %v, want nil", err)
	}
	boom := errors.New("boom")
	fake := &fakeAdapter{pingErr: boom}
	if err := (&Store{Adapter: fake, Database: "fake://"}).Ping(ctx); !errors.Is(err, boom) || fake.pings != 1 {
		t.Errorf("Ping() = %v after %d pings, want the adapter's Ping error", err, fake.pings)
	}

	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: sqlite://"+filepath.Join(t.TempDir(), "p.db")+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, store, err := f.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Ping(ctx); err != nil {
		t.Errorf("Ping() of an open SQLite database = %v, want nil", err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Ping(ctx); err == nil || !strings.Contains(err.Error(), "config: database sqlite://") {
		t.Errorf("Ping() of a closed database = %v, want an error naming it", err)
	}
}

// TestReuse checks what a reload relies on: Serves says when the open
// database can stay, and Reuse builds the new Config on it.
func TestReuse(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "a.db")
	parse := func(yaml string) *File {
		t.Helper()
		f, err := Parse("t.yaml", []byte("secret: s\n"+yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := parse("database: " + db + "\n")
	_, store, err := f.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	tests := []struct {
		name string
		yaml string
		want bool
	}{
		{"same", "database: " + db + "\ntheme: {color_scheme: dark}\n", true},
		{"options written", "database: " + db + "\ndatabase_options: {cleanup_interval: 10m}\n", false}, // the default, but written: reopened
		{"other file", "database: sqlite://" + filepath.Join(dir, "b.db") + "\n", false},
		{"none", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := parse(tt.yaml)
			if got := store.Serves(g); got != tt.want {
				t.Errorf("Serves(%q) = %v, want %v", tt.yaml, got, tt.want)
			}
			cfg, err := g.Reuse(nil, store)
			if !tt.want {
				if err == nil {
					t.Errorf("Reuse(%q) = nil error, want a refusal", tt.yaml)
				}
				return
			}
			if err != nil || cfg.Adapter != store.Adapter || cfg.RateStore != store.RateStore {
				t.Errorf("Reuse(%q) = adapter %v, %v, want the store's adapter", tt.yaml, cfg.Adapter, err)
			}
		})
	}
	if _, err := parse("database: "+db+"\ntheme: {color_scheme: neon}\n").Reuse(nil, store); err == nil || !strings.Contains(err.Error(), "theme.color_scheme") {
		t.Errorf("Reuse() of a file with a problem = %v, want the problem", err)
	}

	none := parse("")
	_, empty, err := none.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !empty.Serves(parse("theme: {color_scheme: dark}\n")) || empty.Serves(f) {
		t.Errorf("a Store without a database serves files without one only")
	}
}
