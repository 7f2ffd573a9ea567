package nextauth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/redis"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/provider"
)

// The attacks on the credentials limits and lockout (issue 11, items 3, 4,
// 6 and 12), each sent through the handler and refused, on every
// RateStore where the store matters.

// credentialsSignin is the JSON answer of a failed credentials sign-in.
const credentialsSignin = `{"url":"` + attackBase + `/error?error=CredentialsSignin&provider=credentials"}`

// rateStoreCase is a RateStore for the handler, and what it holds: its
// keys (Redis) or rows (PostgreSQL, MySQL); -1 for the in-memory default,
// whose size the test cannot see.
type rateStoreCase struct {
	name string
	open func(t *testing.T) (store nextauth.RateStore, stored func() int)
}

// rateStoreCases are the in-memory default (nil), Redis, PostgreSQL and
// MySQL.
func rateStoreCases() []rateStoreCase {
	return []rateStoreCase{
		{"memory", func(*testing.T) (nextauth.RateStore, func() int) { return nil, func() int { return -1 } }},
		{"redis", func(t *testing.T) (nextauth.RateStore, func() int) {
			u, prefix := servicetest.RedisPrefix(t)
			opts, err := goredis.ParseURL(u)
			if err != nil {
				t.Fatal(err)
			}
			client := goredis.NewClient(opts)
			t.Cleanup(func() { _ = client.Close() })
			return redis.NewRateStore(client, prefix), func() int {
				keys, err := client.Keys(context.Background(), prefix+"*").Result()
				if err != nil {
					t.Fatal(err)
				}
				return len(keys)
			}
		}},
		{"postgres", func(t *testing.T) (nextauth.RateStore, func() int) {
			pool := newTestPool(t)
			return postgres.NewRateStore(pool), func() int {
				var n int
				if err := pool.QueryRow(context.Background(),
					`SELECT (SELECT count(*) FROM nextauth_rate_buckets) + (SELECT count(*) FROM nextauth_rate_counters)`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
		}},
		{"mysql", func(t *testing.T) (nextauth.RateStore, func() int) {
			a, db := newMySQLAdapter(t)
			return a.RateStore(), func() int {
				var n int
				if err := db.QueryRow(`SELECT (SELECT count(*) FROM nextauth_rate_buckets) + (SELECT count(*) FROM nextauth_rate_counters)`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
		}},
	}
}

// newTestPool is a pool on a new, migrated PostgreSQL database.
func newTestPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), servicetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.New(pool).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return pool
}

// countingAuthorize counts its calls and signs in user with password.
type countingAuthorize struct {
	field, user, password string
	calls                 atomic.Int64
}

func (a *countingAuthorize) authorize(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
	a.calls.Add(1)
	if c[a.field] == a.user && c["password"] == a.password {
		return &nextauth.User{ID: "1", Email: nextauth.String("victim@example.com")}, nil
	}
	return nil, nil
}

// signInFrom posts a credentials sign-in (JSON mode) from remote with a
// fresh client.
func signInFrom(t *testing.T, h http.Handler, remote string, fields map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	c := newClient(t, h)
	v := url.Values{"csrfToken": {c.csrf()}, "json": {"true"}}
	for k, x := range fields {
		v.Set(k, x)
	}
	return attackRequestFrom(c, remote, "POST", "/api/auth/callback/credentials", v)
}

// randomString is n random base64url characters (incompressible).
func randomString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// TestAttackLockoutExtraField (item 3): on a provider whose fields are
// email and password, an extra random username field neither unlocks a
// locked account nor escapes the per-account limit: both count on the
// provider's identifier field, and Authorize sees only declared fields.
func TestAttackLockoutExtraField(t *testing.T) {
	fields := []nextauth.CredentialField{{Name: "email", Type: "email"}, {Name: "password", Type: "password"}}
	auth := &countingAuthorize{field: "email", user: "victim@example.com", password: "right"}
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{Fields: fields, Authorize: auth.authorize})}
		c.Lockout = nextauth.Lockout{MaxFailures: 3, Duration: time.Minute, MaxDuration: time.Hour}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1}
	})
	for i := range 3 {
		if w := signInFrom(t, h, fmt.Sprintf("198.51.100.%d:1", i+1), map[string]string{"email": "victim@example.com", "password": "guess"}); w.Code != 401 {
			t.Fatalf("wrong password %d = %d %s", i+1, w.Code, w.Body)
		}
	}
	checked := auth.calls.Load()
	for i, extra := range []map[string]string{
		{"username": randomString(t, 12)},
		{"username": randomString(t, 12), "login": "x"},
		{"username": ""},
	} {
		f := map[string]string{"email": "victim@example.com", "password": "right"}
		for k, v := range extra {
			f[k] = v
		}
		if w := signInFrom(t, h, fmt.Sprintf("203.0.113.%d:1", i+1), f); w.Code != 401 || w.Body.String() != credentialsSignin {
			t.Errorf("locked account, right password and %v = %d %s, want 401 %s", extra, w.Code, w.Body, credentialsSignin)
		}
	}
	if n := auth.calls.Load(); n != checked {
		t.Errorf("%d password checks of a locked account, want none", n-checked)
	}
	// The lock it was: once it ends, the right password signs in.
	now = now.Add(61 * time.Second)
	if w := signInFrom(t, h, "203.0.113.9:1", map[string]string{"email": "victim@example.com", "password": "right", "username": "z"}); w.Code != 200 {
		t.Errorf("after the lock = %d %s, want 200", w.Code, w.Body)
	}

	// The per-account limit (lockout off) counts on the e-mail address
	// whatever username comes with it.
	limited := newHandler(t, func(c *nextauth.Config) {
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{Fields: fields, Authorize: auth.authorize})}
		c.Lockout.MaxFailures = -1
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 3, PerClient: -1, Window: time.Minute}
	})
	for i := range 5 {
		w := signInFrom(t, limited, fmt.Sprintf("192.0.2.%d:1", i+1), map[string]string{"email": "Victim@example.com ", "password": "guess", "username": randomString(t, 12)})
		if want := map[bool]int{true: 401, false: 429}[i < 3]; w.Code != want {
			t.Errorf("guess %d with a random username = %d, want %d", i+1, w.Code, want)
		}
	}
}

// TestCredentialsIdentifierField (item 3): the per-account protection
// counts on the provider's identifier field: configured, else username,
// else email, else the first declared field that is not a password. A
// provider declaring no fields and no identifier has none.
func TestCredentialsIdentifierField(t *testing.T) {
	text := func(name string) nextauth.CredentialField { return nextauth.CredentialField{Name: name} }
	secret := nextauth.CredentialField{Name: "password", Type: "password"}
	tests := []struct {
		name       string
		fields     []nextauth.CredentialField
		identifier string
		account    string // the field the account is named by
		locked     bool   // whether MaxFailures wrong passwords lock it
	}{
		{"other names", []nextauth.CredentialField{text("login"), secret}, "", "login", true},
		{"password first", []nextauth.CredentialField{secret, text("tenant"), text("login")}, "", "tenant", true},
		{"username before email", []nextauth.CredentialField{text("email"), text("username"), secret}, "", "username", true},
		{"configured", []nextauth.CredentialField{text("tenant"), text("login"), secret}, "login", "login", true},
		{"no fields, configured", nil, "login", "login", true},
		{"no fields", nil, "", "login", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := &countingAuthorize{field: tt.account, user: "alice", password: "right"}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
					Fields: tt.fields, IdentifierField: tt.identifier, Authorize: auth.authorize})}
				c.Lockout = nextauth.Lockout{MaxFailures: 2, Duration: time.Minute, MaxDuration: time.Hour}
				c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1}
			})
			submit := func(remote, password string) *httptest.ResponseRecorder {
				f := map[string]string{"tenant": "t", "login": "x", "password": password}
				f[tt.account] = "alice"
				return signInFrom(t, h, remote, f)
			}
			for i := range 2 {
				submit(fmt.Sprintf("198.51.100.%d:1", i+1), "guess")
			}
			w := submit("203.0.113.1:1", "right")
			if locked := w.Code == 401; locked != tt.locked {
				t.Errorf("right password after 2 failures (max 2) on %s = %d %s, want locked %v", tt.account, w.Code, w.Body, tt.locked)
			}
		})
	}
}

// TestAttackLongIdentifier (item 4): a 900 KB user name is refused as a
// wrong password before anything is stored or checked: no bucket, no
// lockout record, no Authorize call, on every store.
func TestAttackLongIdentifier(t *testing.T) {
	for _, sc := range rateStoreCases() {
		t.Run(sc.name, func(t *testing.T) {
			store, stored := sc.open(t)
			auth := &countingAuthorize{field: "username", user: "alice", password: "right"}
			h := newHandler(t, func(c *nextauth.Config) {
				c.RateStore = store
				c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
					Fields: []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}}, Authorize: auth.authorize})}
			})
			before := stored()
			for i, name := range []string{strings.Repeat("a", 900<<10), randomString(t, 900<<10), strings.Repeat("é", 129)} {
				w := signInFrom(t, h, fmt.Sprintf("198.51.100.%d:1", i+1), map[string]string{"username": name, "password": "x"})
				if w.Code != 401 || w.Body.String() != credentialsSignin {
					t.Errorf("user name of %d bytes = %d %.200s, want 401 %s", len(name), w.Code, w.Body, credentialsSignin)
				}
			}
			if after := stored(); after != before {
				t.Errorf("the store held %d keys or rows before the long user names, %d after; want no change", before, after)
			}
			if n := auth.calls.Load(); n != 0 {
				t.Errorf("%d Authorize calls for over-long user names, want 0", n)
			}
			// 256 bytes is a user name like any other: checked and counted.
			if w := signInFrom(t, h, "198.51.100.9:1", map[string]string{"username": strings.Repeat("b", 256), "password": "x"}); w.Code != 401 || auth.calls.Load() != 1 {
				t.Errorf("user name of 256 bytes = %d, %d Authorize calls; want 401 and 1", w.Code, auth.calls.Load())
			}
			if after := stored(); before >= 0 && after == before {
				t.Error("the store holds nothing for a 256-byte user name's attempt, want its buckets and lockout record")
			}
		})
	}
}

// TestLongKeyPartPostgres (item 4): a key with a 6 KB part (here a
// provider id) fails PostgreSQL's index when stored as is, which would let
// every attempt through (a store failure fails open); the handler hashes
// it, and the limit holds.
func TestLongKeyPartPostgres(t *testing.T) {
	pool := newTestPool(t)
	store := postgres.NewRateStore(pool)
	id := randomString(t, 6<<10)
	if _, err := store.Take(context.Background(), "cred:a:"+id+":alice", 2, time.Minute); err == nil {
		t.Fatal("Take with a 6 KB key = no error: PostgreSQL no longer refuses it, this test shows nothing")
	}
	auth := &countingAuthorize{field: "username", user: "alice", password: "right"}
	h := newHandler(t, func(c *nextauth.Config) {
		c.RateStore = store
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{ID: id,
			Fields: []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}}, Authorize: auth.authorize})}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: 2, PerClient: -1, Window: time.Minute}
		c.Lockout.MaxFailures = -1
	})
	for i, want := range []int{401, 401, 429, 429} {
		c := newClient(t, h)
		w := attackRequestFrom(c, fmt.Sprintf("198.51.100.%d:1", i+1), "POST", "/api/auth/callback/"+id,
			url.Values{"csrfToken": {c.csrf()}, "json": {"true"}, "username": {"alice"}, "password": {"guess"}})
		if w.Code != want {
			t.Errorf("guess %d on a provider with a 6 KB id = %d %.200s, want %d", i+1, w.Code, w.Body, want)
		}
	}
}

// TestAttackParallelGuessesLockout (item 6): 10 wrong guesses sent at once
// get exactly MaxFailures password checks, on every store: the lockout
// decides and counts in one atomic step before the check.
func TestAttackParallelGuessesLockout(t *testing.T) {
	const maxFailures, guesses = 5, 10
	for _, sc := range rateStoreCases() {
		t.Run(sc.name, func(t *testing.T) {
			store, _ := sc.open(t)
			var checks atomic.Int64
			release := make(chan struct{})
			h := newHandler(t, func(c *nextauth.Config) {
				c.RateStore = store
				c.Lockout = nextauth.Lockout{MaxFailures: maxFailures, Duration: time.Hour, MaxDuration: time.Hour}
				c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1} // the lockout alone
				c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
					Fields: []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}},
					Authorize: func(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) {
						checks.Add(1)
						<-release // every checked guess waits until the others were answered
						return nil, nil
					},
				})}
			})
			c := newClient(t, h)
			token := c.csrf()
			answers := make(chan *httptest.ResponseRecorder, guesses)
			for i := range guesses {
				go func() {
					r := httptest.NewRequest("POST", "/api/auth/callback/credentials", strings.NewReader(url.Values{
						"csrfToken": {token}, "username": {"alice"}, "password": {fmt.Sprint("guess", i)}, "json": {"true"}}.Encode()))
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					r.Header.Set("Cookie", c.cookieHeader())
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					answers <- w
				}()
			}
			// The refused guesses answer while the checked ones wait (a
			// lockout that lets them all through to the check answers none:
			// the deadline ends that wait).
			deadline := time.After(time.Minute)
			for i := range guesses - maxFailures {
				select {
				case w := <-answers:
					if w.Code != 401 || w.Body.String() != credentialsSignin {
						t.Errorf("refused guess = %d %s, want 401 %s", w.Code, w.Body, credentialsSignin)
					}
				case <-deadline:
					close(release)
					t.Fatalf("%d of %d parallel guesses answered without a password check within a minute; %d checks are waiting, want %d",
						i, guesses-maxFailures, checks.Load(), maxFailures)
				}
			}
			close(release)
			for range maxFailures {
				<-answers
			}
			if n := checks.Load(); n != maxFailures {
				t.Errorf("%d parallel wrong guesses got %d password checks, want %d (lockout max_failures)", guesses, n, maxFailures)
			}
			if w := signInFrom(t, h, "203.0.113.1:1", map[string]string{"username": "alice", "password": "wonderland"}); w.Code != 401 || checks.Load() != maxFailures {
				t.Errorf("right password after the parallel guesses = %d (%d checks), want 401 unchecked (locked)", w.Code, checks.Load())
			}
		})
	}
}

// TestLockoutHistoryKept (item 6): the failures outlive the lock (until
// max_duration after the last one), so the first failure after a lock
// locks again for twice as long; a right password clears them.
func TestLockoutHistoryKept(t *testing.T) {
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.Lockout = nextauth.Lockout{MaxFailures: 3, Duration: time.Minute, MaxDuration: time.Hour}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1}
	})
	c := newClient(t, h)
	steps := []struct {
		after    time.Duration // clock moved forward first
		password string
		want     int
		what     string
	}{
		{0, "guess", 401, "failure 1"},
		{0, "guess", 401, "failure 2"},
		{0, "guess", 401, "failure 3: locked for 1 min"},
		{30 * time.Second, "wonderland", 401, "right password 30 s into the lock"},
		{31 * time.Second, "guess", 401, "failure 4, after the lock: locked again at once, for 2 min"},
		{90 * time.Second, "wonderland", 401, "right password 90 s into the 2-min lock"},
		{31 * time.Second, "wonderland", 200, "right password after the 2-min lock"},
		{0, "guess", 401, "failure 1 after the success"},
		{0, "guess", 401, "failure 2 after the success"},
		{0, "wonderland", 200, "right password after 2 failures: the success cleared the earlier ones"},
		{0, "guess", 401, "failure 1"},
		{0, "guess", 401, "failure 2"},
		{0, "guess", 401, "failure 3: locked for 1 min, not doubled (the history was cleared)"},
		{61 * time.Second, "wonderland", 200, "right password after 1 min"},
		{0, "guess", 401, "failure 1"},
		{0, "guess", 401, "failure 2"},
		{0, "guess", 401, "failure 3: locked for 1 min"},
		{time.Hour + 2*time.Minute, "guess", 401, "failure an hour after the last: forgotten, counts as the first"},
		{0, "wonderland", 200, "right password (one failure in the record)"},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		if code, body := tryPassword(t, c, "alice", st.password); code != st.want {
			t.Fatalf("step %d (%s) = %d %s, want %d", i+1, st.what, code, body, st.want)
		}
	}
}

// TestLockoutStaticUsersSameWork (item 6): a locked static-user account is
// refused after the same bcrypt work as a wrong password, so the answer's
// time does not reveal the lock; a request the per-client limit refuses
// costs no hash. Hash calls are counted (each StaticUsers call is one
// bcrypt comparison), not timed.
func TestLockoutStaticUsersSameWork(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("wonderland"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	static, err := provider.StaticUsers([]provider.StaticUser{{Username: "alice", PasswordHash: string(hash), User: nextauth.User{ID: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var hashes atomic.Int64
	counted := func(ctx context.Context, c nextauth.Credentials, r *http.Request) (*nextauth.User, error) {
		hashes.Add(1)
		return static(ctx, c, r)
	}
	for _, decoy := range []bool{true, false} {
		t.Run(fmt.Sprint("CheckWhileLocked=", decoy), func(t *testing.T) {
			hashes.Store(0)
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
					Fields:           []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}},
					Authorize:        counted,
					CheckWhileLocked: decoy,
				})}
				c.Lockout = nextauth.Lockout{MaxFailures: 3, Duration: time.Hour, MaxDuration: time.Hour}
				c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: 6, Window: time.Hour}
			})
			answers := map[string]int{}
			for i, pw := range []string{"a", "b", "c", "d", "wonderland", "e"} {
				w := signInFrom(t, h, "198.51.100.1:1", map[string]string{"username": "alice", "password": pw})
				if w.Code != 401 || w.Body.String() != credentialsSignin {
					t.Fatalf("attempt %d = %d %s, want 401", i+1, w.Code, w.Body)
				}
				answers[w.Body.String()]++
			}
			want := int64(3) // the checked failures
			if decoy {
				want = 6 // and one decoy per locked refusal
			}
			if n := hashes.Load(); n != want {
				t.Errorf("6 attempts (3 failures, then locked) cost %d hashes, want %d", n, want)
			}
			// Over the per-client limit: refused before any hash.
			if w := signInFrom(t, h, "198.51.100.1:1", map[string]string{"username": "alice", "password": "f"}); w.Code != 429 || hashes.Load() != want {
				t.Errorf("attempt over the per-client limit = %d, %d hashes; want 429 and still %d", w.Code, hashes.Load(), want)
			}
		})
	}
}

// TestIPv6ClientPrefix (item 12): per-client limits count an IPv6 client
// by its /64 (Config.ClientIPv6Prefix), through RemoteAddr or a trusted
// proxy's X-Forwarded-For; another /64 has its own bucket; IPv4 clients
// are counted by address.
func TestIPv6ClientPrefix(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	type hit struct {
		remote, xff string
		want        int
	}
	tests := []struct {
		name   string
		prefix int
		hits   []hit
	}{
		{"one /64 through RemoteAddr", 0, []hit{
			{"[2001:db8:1:2::1]:1", "", 401}, {"[2001:db8:1:2:ffff:ffff:ffff:fffe]:2", "", 401},
			{"[2001:db8:1:2:abcd::7]:3", "", 429}, {"[2001:db8:1:2::1%eth0]:4", "", 429},
			{"[2001:db8:1:3::1]:1", "", 401}, // the next /64
		}},
		{"one /64 through a trusted proxy", 0, []hit{
			{"10.0.0.1:1", "2001:db8:9:9::1", 401}, {"10.0.0.1:1", "2001:db8:9:9::2", 401},
			{"10.0.0.1:1", "2001:db8:9:9:1:2:3:4", 429}, {"10.0.0.2:1", "2001:db8:9:a::1", 401},
		}},
		{"IPv4 by address", 0, []hit{
			{"192.0.2.1:1", "", 401}, {"192.0.2.1:2", "", 401}, {"192.0.2.1:3", "", 429}, {"192.0.2.2:1", "", 401},
			{"[::ffff:192.0.2.1]:4", "", 429}, // the same IPv4 client, mapped
		}},
		{"/48", 48, []hit{
			{"[2001:db8:1:2::1]:1", "", 401}, {"[2001:db8:1:3::1]:1", "", 401}, {"[2001:db8:1:4::1]:1", "", 429}, {"[2001:db8:2::1]:1", "", 401},
		}},
		{"/128: each address", 128, []hit{
			{"[2001:db8:1:2::1]:1", "", 401}, {"[2001:db8:1:2::1]:2", "", 401}, {"[2001:db8:1:2::1]:3", "", 429}, {"[2001:db8:1:2::2]:1", "", 401},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, func(c *nextauth.Config) {
				c.TrustProxy = proxy
				c.ClientIPv6Prefix = tt.prefix
				c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: 2, Window: time.Minute}
				c.Lockout.MaxFailures = -1
			})
			for i, hit := range tt.hits {
				c := newClient(t, h)
				r := httptest.NewRequest("POST", "/api/auth/callback/credentials", strings.NewReader(url.Values{
					"csrfToken": {c.csrf()}, "username": {fmt.Sprint("user", i)}, "password": {"x"}, "json": {"true"}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Cookie", c.cookieHeader())
				r.RemoteAddr = hit.remote
				if hit.xff != "" {
					r.Header.Set("X-Forwarded-For", hit.xff)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != hit.want {
					t.Errorf("attempt %d from %s %s = %d, want %d", i+1, hit.remote, hit.xff, w.Code, hit.want)
				}
			}
		})
	}
}

// TestIPv6ClientPrefixEmail (item 12): the e-mail sign-in's per-client
// limit counts an IPv6 client by its /64 too.
func TestIPv6ClientPrefixEmail(t *testing.T) {
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(memory.New(), box, nil)(c)
		c.EmailRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: 2, Window: time.Minute}
	})
	for i, hit := range []struct {
		remote string
		want   int
	}{
		{"[2001:db8:5:6::1]:1", 200}, {"[2001:db8:5:6::2]:1", 200}, {"[2001:db8:5:6:7::3]:1", 429}, {"[2001:db8:5:7::1]:1", 200},
	} {
		c := newClient(t, h)
		w := attackRequestFrom(c, hit.remote, "POST", "/api/auth/signin/email",
			url.Values{"csrfToken": {c.csrf()}, "email": {fmt.Sprintf("user%d@example.com", i)}, "json": {"true"}})
		if w.Code != hit.want {
			t.Errorf("e-mail sign-in %d from %s = %d %s, want %d", i+1, hit.remote, w.Code, w.Body, hit.want)
		}
	}
}

// TestClientIPv6PrefixConfig: a prefix length outside 0 to 128 is a
// configuration problem.
func TestClientIPv6PrefixConfig(t *testing.T) {
	for _, p := range []int{-1, 129} {
		if _, err := nextauth.New(testConfig(func(c *nextauth.Config) { c.ClientIPv6Prefix = p })); err == nil || !strings.Contains(err.Error(), "client IPv6 prefix") {
			t.Errorf("New with ClientIPv6Prefix %d = %v, want a client IPv6 prefix error", p, err)
		}
	}
	for _, p := range []int{0, 1, 64, 128} {
		if _, err := nextauth.New(testConfig(func(c *nextauth.Config) { c.ClientIPv6Prefix = p })); err != nil {
			t.Errorf("New with ClientIPv6Prefix %d = %v", p, err)
		}
	}
}
