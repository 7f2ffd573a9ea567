package nextauth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/provider"
)

// identityStore is an adapter of a real database with the row counts the
// e-mail identity tests compare.
type identityStore struct {
	adapter nextauth.Adapter
	rates   nextauth.RateStore // nil: the handler's default store
	tokens  func(t *testing.T) int
	users   func(t *testing.T) int
	buckets func(t *testing.T) int // nil when the rates are not in the database
}

// identityStores are SQLite, always, and PostgreSQL and MySQL (each with
// its RateStore) when NEXTAUTH_TEST_POSTGRES_URL and
// NEXTAUTH_TEST_MYSQL_URL are set.
var identityStores = map[string]func(t *testing.T) identityStore{
	"sqlite": func(t *testing.T) identityStore {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "auth.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		a := sqlite.New(db)
		if err := a.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		count := func(table string) func(t *testing.T) int {
			return func(t *testing.T) int { return sqlCount(t, db, table) }
		}
		return identityStore{adapter: a, tokens: count("verification_token"), users: count("users")}
	},
	"postgres": func(t *testing.T) identityStore {
		dsn := servicetest.PostgresDatabase(t)
		a, err := postgres.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
		count := func(table string) func(t *testing.T) int {
			return func(t *testing.T) int {
				t.Helper()
				var n int
				if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
					t.Fatalf("count %s: %v", table, err)
				}
				return n
			}
		}
		return identityStore{adapter: a, rates: a.RateStore(), tokens: count("verification_token"), users: count("users"), buckets: count("nextauth_rate_buckets")}
	},
	"mysql": func(t *testing.T) identityStore {
		a, db := newMySQLAdapter(t)
		count := func(table string) func(t *testing.T) int {
			return func(t *testing.T) int { return sqlCount(t, db, table) }
		}
		return identityStore{adapter: a, rates: a.RateStore(), tokens: count("verification_token"), users: count("users"), buckets: count("nextauth_rate_buckets")}
	},
}

func sqlCount(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// emailSignInFrom posts an e-mail sign-in in JSON mode from the peer
// address remote and returns the URL of the answer.
func emailSignInFrom(t *testing.T, c *client, remote, email string) string {
	t.Helper()
	w := attackRequestFrom(c, remote, "POST", "/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {email}, "json": {"true"}})
	body := w.Body.String()
	u, ok := strings.CutPrefix(body, `{"url":"`)
	if !ok || !strings.HasSuffix(u, `"}`) {
		t.Fatalf("POST /signin/email (%d bytes) = %d %s", len(email), w.Code, body)
	}
	return strings.TrimSuffix(u, `"}`)
}

const (
	emailSent   = attackBase + "/verify-request?provider=email&type=email"
	emailRefuse = attackBase + "/error?error=EmailSignin"
)

// TestAttackEmailOversized asks for sign-in links to addresses over 320
// bytes, up to 900 KB: each is refused with EmailSignin before anything is
// stored (no verification-token row, no mail, no rate-limit token taken),
// on SQLite, PostgreSQL and MySQL. A 320-byte address still gets its link.
func TestAttackEmailOversized(t *testing.T) {
	for name, open := range identityStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			box := &outbox{}
			h := newHandler(t, func(c *nextauth.Config) {
				dbConfig(st.adapter, box, nil)(c)
				c.RateStore = st.rates
				// Two links per client: a refused address that took a
				// token would make the last request below fail.
				c.EmailRateLimit = nextauth.RateLimit{PerAccount: 5, PerClient: 2, Window: time.Hour}
			})
			c := newClient(t, h)
			const peer = "198.51.100.7:1"
			domain := "@example.com"
			tokens, buckets := st.tokens(t), -1
			if st.buckets != nil {
				buckets = st.buckets(t)
			}
			for _, n := range []int{321, 1000, 64 << 10, 900 << 10} {
				email := strings.Repeat("a", n-len(domain)) + domain
				if got := emailSignInFrom(t, c, peer, email); got != emailRefuse {
					t.Errorf("%d-byte address = %q, want %q", n, got, emailRefuse)
				}
				// Upper case and padding normalise to the same address.
				if got := emailSignInFrom(t, c, peer, "  "+strings.ToUpper(email)+"  "); got != emailRefuse {
					t.Errorf("%d-byte address, upper case = %q, want %q", n, got, emailRefuse)
				}
			}
			if got := st.tokens(t); got != tokens {
				t.Errorf("verification-token rows = %d after the oversized requests, want %d", got, tokens)
			}
			if st.buckets != nil {
				if got := st.buckets(t); got != buckets {
					t.Errorf("rate-limit rows = %d after the oversized requests, want %d", got, buckets)
				}
			}
			box.mu.Lock()
			mails := len(box.sent)
			box.mu.Unlock()
			if mails != 0 {
				t.Errorf("%d mails sent for oversized addresses", mails)
			}
			// The limit is 320 bytes after normalising: padding does not count.
			longest := strings.Repeat("b", 320-len(domain)) + domain
			if got := emailSignInFrom(t, c, peer, " \t"+strings.ToUpper(longest)+" "); got != emailSent {
				t.Errorf("320-byte address = %q, want %q", got, emailSent)
			}
			if got := emailSignInFrom(t, c, peer, "carol@example.com"); got != emailSent {
				t.Errorf("second link from the client = %q, want %q (a refused request took a rate-limit token)", got, emailSent)
			}
			if got := st.tokens(t); got != tokens+2 {
				t.Errorf("verification-token rows = %d, want %d", got, tokens+2)
			}
			if got := box.last(t).Identifier; got != "carol@example.com" {
				t.Errorf("last link to %q", got)
			}
			// A link naming an oversized address is not looked up.
			link := "/api/auth/callback/email?token=" + strings.Repeat("0", 64) + "&email=" + strings.Repeat("a", 64<<10) + "%40example.com"
			if got, want := newClient(t, h).get(link).Header().Get("Location"), attackBase+"/error?error=Verification"; got != want {
				t.Errorf("link with a 64 KB address = %q, want %q", got, want)
			}
		})
	}
}

// TestAttackEmailOneMailbox sends sign-in requests for one mailbox spelt
// in ways NextAuth's normaliser keeps apart ("victim@example.com ,x"
// becomes "victim@example.com " there): they share the per-address limit,
// and every link goes to the one identifier. Addresses with white space or
// invisible characters inside are refused with EmailSignin, storing
// nothing.
func TestAttackEmailOneMailbox(t *testing.T) {
	st := identityStores["sqlite"](t)
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(st.adapter, box, nil)(c)
		c.EmailRateLimit = nextauth.RateLimit{PerAccount: 2, PerClient: 100, Window: time.Hour}
	})
	c := newClient(t, h)

	for _, email := range []string{"vic tim@example.com", "victim@exam ple.com", "vic\u00a0tim@example.com", "vic\u00adtim@example.com", "vic\u200btim@example.com", "victim@exa\u202emple.com"} {
		if got := emailSignInFrom(t, c, "192.0.2.9:1", email); got != emailRefuse {
			t.Errorf("%+q = %q, want %q", email, got, emailRefuse)
		}
	}
	if n := st.tokens(t); n != 0 {
		t.Errorf("%d verification-token rows after refused addresses, want 0", n)
	}

	spellings := []string{"victim@example.com", "victim@example.com ,x", "victim @example.com", "VICTIM@ Example.com\u3000,other", "victim@example.com\ufeff,"}
	for i, email := range spellings {
		want := emailSent
		if i >= 2 {
			want = emailRefuse // the address's bucket is empty, whatever the spelling
		}
		if got := emailSignInFrom(t, c, fmt.Sprintf("203.0.113.%d:1", i+1), email); got != want {
			t.Errorf("%+q = %q, want %q", email, got, want)
		}
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.sent) != 2 {
		t.Fatalf("%d links sent, want 2", len(box.sent))
	}
	for _, r := range box.sent {
		if r.Identifier != "victim@example.com" || !strings.HasSuffix(r.URL, "&email=victim%40example.com") {
			t.Errorf("link to %q (%s), want victim@example.com", r.Identifier, r.URL)
		}
	}
	if n := st.tokens(t); n != 2 {
		t.Errorf("%d verification-token rows, want 2", n)
	}
}

// TestAttackOAuthUnverifiedEmail signs in through a real OpenID Provider
// whose id_token (or userinfo answer) says email_verified false (or
// "false"), for an
// address the user chose: it does not pass the allow list, and it does not
// link to the existing user with that address even with
// AllowDangerousEmailAccountLinking. A verified address, or one without
// the claim, still does.
func TestAttackOAuthUnverifiedEmail(t *testing.T) {
	const (
		denied    = attackBase + "/error?error=AccessDenied"
		notLinked = attackBase + "/error?error=OAuthAccountNotLinked"
		home      = attackOrigin + "/home"
	)
	claim := func(v any) []authtest.OIDCOption {
		return []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) {
			if v == nil {
				delete(c, "email_verified")
			} else {
				c["email_verified"] = v
			}
		})}
	}
	// userinfo: the id_token has no e-mail and no name, so the profile
	// comes from the userinfo answer (docs/compatibility.md#userinfo).
	userinfo := func(v string) []authtest.OIDCOption {
		return []authtest.OIDCOption{
			authtest.WithIDTokenMutator(func(c map[string]any) {
				for _, k := range []string{"email", "email_verified", "name", "nickname", "preferred_username"} {
					delete(c, k)
				}
			}),
			authtest.WithUserinfoBody(`{"sub":"sub-eve","email":"boss@corp.example","name":"Eve","email_verified":` + v + `}`),
		}
	}
	tests := []struct {
		name     string
		verified []authtest.OIDCOption
		allow    bool // Allow.Domains = corp.example
		existing bool // a user boss@corp.example exists; dangerous linking on
		want     string
	}{
		{"allow list, false", claim(false), true, false, denied},
		{`allow list, "false"`, claim("false"), true, false, denied},
		{`allow list, " False "`, claim(" False "), true, false, denied},
		{"allow list, userinfo false", userinfo("false"), true, false, denied},
		{`allow list, userinfo "false"`, userinfo(`"false"`), true, false, denied},
		{"allow list, true", claim(true), true, false, home},
		{`allow list, "true"`, claim("true"), true, false, home},
		{"allow list, no claim", claim(nil), true, false, home},
		{"allow list, userinfo true", userinfo("true"), true, false, home},
		{"linking, false", claim(false), false, true, notLinked},
		{`linking, "false"`, claim("false"), false, true, notLinked},
		{"linking, userinfo false", userinfo("false"), false, true, notLinked},
		{"linking, true", claim(true), false, true, home},
		{"linking, no claim", claim(nil), false, true, home},
		{"no allow list, false", claim(false), false, false, home},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			op := authtest.NewOIDCProvider(t, append([]authtest.OIDCOption{authtest.WithUser("sub-eve", "Boss@Corp.example", "Eve")}, tt.verified...)...)
			a := memory.New()
			var boss nextauth.User
			if tt.existing {
				var err error
				if boss, err = a.CreateUser(ctx, nextauth.User{Email: nextauth.String("boss@corp.example"), Name: nextauth.String("The Boss")}); err != nil {
					t.Fatal(err)
				}
			}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = a
				c.Providers = append(c.Providers, provider.OIDC(provider.OAuthConfig{
					ID: "corp", Name: "Corp SSO", Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
					Scope: "openid email profile", Checks: []string{"state"}, AllowDangerousEmailAccountLinking: tt.existing,
				}))
				if tt.allow {
					c.Allow.Domains = []string{"corp.example"}
				}
			})
			cl := newClient(t, h)
			if got := oauthRoundTrip(t, cl, op); got != tt.want {
				t.Fatalf("callback = %q, want %q", got, tt.want)
			}
			_, signedIn := cl.jar["next-auth.session-token"]
			linked, err := a.GetUserByAccount(ctx, "corp", "sub-eve")
			if tt.want != home {
				if signedIn || err == nil {
					t.Errorf("refused sign-in: session cookie %v, account linked to %+v", signedIn, linked)
				}
				if u, err := a.GetUserByEmail(ctx, "boss@corp.example"); tt.existing != (err == nil) || (err == nil && u.ID != boss.ID) {
					t.Errorf("user of boss@corp.example = %+v, %v; want only the existing one", u, err)
				}
				return
			}
			if !signedIn || err != nil {
				t.Fatalf("signed in %v, account: %+v %v", signedIn, linked, err)
			}
			if tt.existing && linked.ID != boss.ID {
				t.Errorf("account linked to %+v, want the existing user %s", linked, boss.ID)
			}
		})
	}
}

// TestAttackOAuthOversizedEmail signs in with an OpenID Provider whose
// id_token carries a 400-byte e-mail address: OAuthCallback, and no user or
// account is written.
func TestAttackOAuthOversizedEmail(t *testing.T) {
	long := strings.Repeat("x", 400-len("@example.com")) + "@example.com"
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-long", "short@example.com", "Long"),
		authtest.WithIDTokenMutator(func(c map[string]any) { c["email"] = long }))
	st := identityStores["sqlite"](t)
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = st.adapter
		c.Providers = append(c.Providers, corpProvider(op, []string{"state"}, ""))
	})
	cl := newClient(t, h)
	if got, want := oauthRoundTrip(t, cl, op), attackBase+"/error?error=OAuthCallback"; got != want {
		t.Errorf("callback = %q, want %q", got, want)
	}
	if n := st.users(t); n != 0 {
		t.Errorf("%d user rows after the refused sign-in, want 0", n)
	}
	if _, err := st.adapter.GetUserByAccount(context.Background(), "corp", "sub-long"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("account after the refused sign-in: %v, want ErrNotFound", err)
	}
}

// TestAttackOAuthUnverifiedEmailPreHijack signs in through a provider
// that says the address is not verified, with no user of that address yet:
// the new user is stored without the address, so the real owner's later
// e-mail sign-in (or a provider allowed to link by e-mail) cannot reach
// the attacker's user.
func TestAttackOAuthUnverifiedEmailPreHijack(t *testing.T) {
	ctx := context.Background()
	for _, verified := range []any{false, true} {
		t.Run(fmt.Sprint("email_verified=", verified), func(t *testing.T) {
			op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-eve", "Boss@Corp.example", "Eve"),
				authtest.WithIDTokenMutator(func(c map[string]any) { c["email_verified"] = verified }))
			a := memory.New()
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = a
				c.Providers = append(c.Providers, provider.OIDC(provider.OAuthConfig{
					ID: "corp", Name: "Corp SSO", Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
					Scope: "openid email profile", Checks: []string{"state"},
				}))
			})
			cl := newClient(t, h)
			if got, want := oauthRoundTrip(t, cl, op), attackOrigin+"/home"; got != want {
				t.Fatalf("callback = %q, want %q", got, want)
			}
			u, err := a.GetUserByAccount(ctx, "corp", "sub-eve")
			if err != nil {
				t.Fatal(err)
			}
			byEmail, emailErr := a.GetUserByEmail(ctx, "boss@corp.example")
			if verified == true {
				if u.Email.String() != "boss@corp.example" || emailErr != nil || byEmail.ID != u.ID {
					t.Errorf("verified: user %+v, by e-mail %+v %v; want the address stored", u, byEmail, emailErr)
				}
				return
			}
			if !u.Email.IsNull() {
				t.Errorf("unverified: user e-mail = %v, want null", u.Email)
			}
			if !errors.Is(emailErr, nextauth.ErrNotFound) {
				t.Errorf("unverified: GetUserByEmail = %+v, %v; want ErrNotFound", byEmail, emailErr)
			}
		})
	}
}
