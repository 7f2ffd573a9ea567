package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// newAdapter migrates a fresh database and returns an adapter on it.
func newAdapter(t testing.TB) *Adapter {
	t.Helper()
	a := New(newPool(t, newDatabase(t)))
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return a
}

func TestConformance(t *testing.T) {
	a := newAdapter(t) // one database, shared by the subtests as Run allows
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter {
		if strings.HasSuffix(t.Name(), "/LongValues") {
			// @auth/pg-adapter declares users.name and sessions."sessionToken"
			// VARCHAR(255); the suite stores 1 KB names and 2 KB session
			// tokens. TestPgAdapterLengthLimits checks these limits instead.
			t.Skip(`users.name and sessions."sessionToken" are VARCHAR(255), as in @auth/pg-adapter`)
		}
		return a
	})
}

// TestPgAdapterLengthLimits checks the column sizes of @auth/pg-adapter:
// 255 characters (not bytes) fit the VARCHAR(255) columns, longer values
// are an error that is neither ErrConflict nor ErrNotFound and store
// nothing, and the TEXT columns take long values.
func TestPgAdapterLengthLimits(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)

	name := strings.Repeat("é", 255) // 510 bytes
	u, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String(name), Email: nextauth.String("long@example.test"), Image: nextauth.String(strings.Repeat("i", 8192))})
	if err != nil {
		t.Fatalf("CreateUser(255-character name) error = %v", err)
	}
	if u.Name.String() != name || len(u.Image.String()) != 8192 {
		t.Errorf("CreateUser returned name of %d bytes, image of %d, want 510 and 8192", len(u.Name.String()), len(u.Image.String()))
	}
	token := strings.Repeat("t", 255)
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: token, UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("CreateSession(255-character token) error = %v", err)
	}
	if _, _, err := a.GetSessionAndUser(ctx, token); err != nil {
		t.Errorf("GetSessionAndUser(255-character token) error = %v", err)
	}
	vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: strings.Repeat("v", 2048), Expires: time.Now().Add(time.Hour)}
	if err := a.CreateVerificationToken(ctx, vt); err != nil {
		t.Fatalf("CreateVerificationToken(2 KB token) error = %v", err)
	}
	if _, err := a.UseVerificationToken(ctx, vt.Identifier, vt.Token); err != nil {
		t.Errorf("UseVerificationToken(2 KB token) error = %v", err)
	}

	tooLong := []struct {
		name string
		call func() error
	}{
		{"CreateUser(256-character name)", func() error {
			_, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String(strings.Repeat("n", 256)), Email: nextauth.String("longer@example.test")})
			return err
		}},
		{"CreateSession(256-character token)", func() error {
			_, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: strings.Repeat("t", 256), UserID: u.ID, Expires: time.Now()})
			return err
		}},
	}
	for _, tc := range tooLong {
		err := tc.call()
		if err == nil || errors.Is(err, nextauth.ErrConflict) || errors.Is(err, nextauth.ErrNotFound) || !strings.HasPrefix(err.Error(), "postgres: ") {
			t.Errorf("%s error = %v, want a postgres: error that is neither ErrConflict nor ErrNotFound", tc.name, err)
		}
	}
	if _, err := a.GetUserByEmail(ctx, "longer@example.test"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUserByEmail after the failed CreateUser error = %v, want ErrNotFound", err)
	}
}

func TestMalformedIDs(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("id@example.test")})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "1" {
		t.Fatalf("first CreateUser ID = %q, want %q (SERIAL as a decimal string)", u.ID, "1")
	}
	// Other spellings of 1, and ids beyond int4, name no user.
	for _, id := range []string{"01", "+1", " 1", "1 ", "1.0", "0x1", "2147483648", "-0", "１"} {
		if _, err := a.GetUser(ctx, id); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("GetUser(%q) error = %v, want ErrNotFound", id, err)
		}
		if err := a.LinkAccount(ctx, nextauth.Account{UserID: id, Type: "oauth", Provider: "p", ProviderAccountID: id}); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("LinkAccount(user %q) error = %v, want ErrNotFound", id, err)
		}
		if err := a.DeleteUser(ctx, id); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("DeleteUser(%q) error = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := a.GetUser(ctx, "1"); err != nil {
		t.Errorf("GetUser(%q) after the malformed calls error = %v", "1", err)
	}
}

// TestErrorChain checks that a mapped error keeps the driver's error.
func TestErrorChain(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	if _, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("dup@example.test")}); err != nil {
		t.Fatal(err)
	}
	_, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("dup@example.test")})
	if !errors.Is(err, nextauth.ErrConflict) {
		t.Fatalf("CreateUser(same e-mail) error = %v, want ErrConflict", err)
	}
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok || pgErr.Code != codeUniqueViolation || pgErr.ConstraintName != "users_email_key" {
		t.Errorf("CreateUser(same e-mail) error = %v, want it to wrap the 23505 on users_email_key", err)
	}
	if !strings.HasPrefix(err.Error(), "postgres: create user: ") {
		t.Errorf("error text = %q, want prefix %q", err, "postgres: create user: ")
	}
}

// TestAccountNulls checks the NULL mapping of accounts at the SQL level:
// what Node's @auth/pg-adapter would read.
func TestAccountNulls(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: "7"}); err != nil {
		t.Fatal(err)
	}
	var nulls int
	err = a.pool.QueryRow(ctx, `SELECT num_nulls(refresh_token, access_token, expires_at, id_token, scope, session_state, token_type)
FROM accounts`).Scan(&nulls)
	if err != nil {
		t.Fatal(err)
	}
	if nulls != 7 {
		t.Errorf("empty account token fields stored %d NULLs, want 7", nulls)
	}
	// UpdateAccount sets the token columns, and clears them back to NULL.
	acc := nextauth.Account{Provider: "github", ProviderAccountID: "7", RefreshToken: "r", AccessToken: "a",
		ExpiresAt: 1, TokenType: "t", Scope: "s", IDToken: "i", SessionState: "ss"}
	for _, want := range []int{0, 7} {
		if _, err := a.UpdateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		err = a.pool.QueryRow(ctx, `SELECT num_nulls(refresh_token, access_token, expires_at, id_token, scope, session_state, token_type)
FROM accounts`).Scan(&nulls)
		if err != nil {
			t.Fatal(err)
		}
		if nulls != want {
			t.Errorf("account token fields after UpdateAccount: %d NULLs, want %d", nulls, want)
		}
		acc = nextauth.Account{Provider: acc.Provider, ProviderAccountID: acc.ProviderAccountID}
	}
	err = a.pool.QueryRow(ctx, `SELECT num_nulls(name, email, "emailVerified", image) FROM users`).Scan(&nulls)
	if err != nil {
		t.Fatal(err)
	}
	if nulls != 4 {
		t.Errorf("empty user fields stored %d NULLs, want 4", nulls)
	}
}

func TestConnectAndClose(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	a, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if _, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("c@example.test")}); err != nil {
		t.Fatalf("CreateUser after Connect (migrated?): %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.pool.Ping(ctx); err == nil {
		t.Error("Ping after Close of a Connect adapter succeeded, want the pool closed")
	}

	// New leaves the pool to its owner.
	pool := newPool(t, dsn)
	b := New(pool)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Errorf("Ping after Close of a New adapter: %v, want the caller's pool open", err)
	}

	if _, err := Connect(ctx, "postgres://127.0.0.1:1/none?sslmode=disable&connect_timeout=2"); err == nil ||
		!strings.HasPrefix(err.Error(), "postgres: ") {
		t.Errorf("Connect(no server) error = %v, want a postgres: error", err)
	}
}

// fill stores n users, each with one account, one session and one
// verification token, in bulk, and ANALYZEs.
func fill(t testing.TB, a *Adapter, n int) {
	t.Helper()
	exec(t, a.pool, `
INSERT INTO users (name, email, "emailVerified", image)
SELECT 'User ' || i, 'user' || i || '@example.test', now(), 'https://example.test/' || i || '.png'
FROM generate_series(1, $1::int) AS i`, n)
	exec(t, a.pool, `
INSERT INTO accounts ("userId", type, provider, "providerAccountId", access_token, expires_at)
SELECT id, 'oauth', 'github', 'gh' || id, 'at' || id, 2000000000 FROM users`)
	exec(t, a.pool, `
INSERT INTO sessions ("userId", expires, "sessionToken")
SELECT id, now() + interval '30 days', md5(id::text) FROM users`)
	exec(t, a.pool, `
INSERT INTO verification_token (identifier, expires, token)
SELECT email, now() + interval '1 day', md5('vt' || id::text) FROM users`)
	exec(t, a.pool, `
INSERT INTO nextauth_rate_buckets (key, capacity, window_us, tokens, updated)
SELECT convert_to('ip:' || id, 'UTF8'), 10, 60000000, 9, now() FROM users`)
	exec(t, a.pool, `
INSERT INTO nextauth_rate_counters (key, n, expires)
SELECT convert_to('cred:f:' || id, 'UTF8'), 1, now() + interval '1 hour' FROM users`)
	exec(t, a.pool, `ANALYZE`)
}

// TestLookupsUseIndexes EXPLAINs every statement the adapter runs on a
// request against 20,000 rows per table: none may scan a whole table, so
// their cost does not grow with the number of stored rows.
func TestLookupsUseIndexes(t *testing.T) {
	a := newAdapter(t)
	fill(t, a, 20000)
	checkPlans(t, a, allStatements())
}

// statement is an adapter statement with typical arguments.
type statement struct {
	name string
	sql  string
	args []any
}

func allStatements() []statement {
	now := time.Now()
	return []statement{
		{"GetUser", sqlGetUser, []any{int32(77)}},
		{"GetUserByEmail", sqlGetUserByEmail, []any{"user77@example.test"}},
		{"GetUserByAccount", sqlGetUserByAccount, []any{"github", "gh77"}},
		{"GetAccount", sqlGetAccount, []any{"github", "gh77"}},
		{"UpdateUser", sqlUpdateUser, []any{int32(77), "n", "e@example.test", now, nil}},
		{"DeleteUser", sqlDeleteUser, []any{int32(77)}},
		{"LinkAccount", sqlLinkAccount, []any{int32(77), "oauth", "gitlab", "x", nil, nil, nil, nil, nil, nil, nil}},
		{"UnlinkAccount", sqlUnlinkAccount, []any{"github", "gh77"}},
		{"GetUserAccount", sqlGetUserAccount, []any{int32(77), "github"}},
		{"UpdateAccount", sqlUpdateAccount, []any{"github", "gh77", "r", "a", int64(1), "bearer", "s", "i", "ss"}},
		{"CreateSession", sqlCreateSession, []any{"tok", int32(77), now}},
		{"GetSessionAndUser", sqlGetSessionAndUser, []any{"f033ab37c30201f73f142449d037028d"}},
		{"UpdateSession", sqlUpdateSession, []any{"f033ab37c30201f73f142449d037028d", now}},
		{"DeleteSession", sqlDeleteSession, []any{"f033ab37c30201f73f142449d037028d"}},
		{"UseVerificationToken", sqlUseVerificationToken, []any{"user77@example.test", "x"}},
		{"DeleteExpired", sqlDeleteExpired, []any{now}},
		{"DeleteExpiredNoRates", sqlDeleteExpiredNoRates, []any{now}},
		{"RateTake", sqlRateTake, []any{[]byte("ip:77"), int64(10), int64(60000000)}},
		{"RateAttempt", sqlRateAttempt, []any{[]byte("cred:f:77"), int64(5), int64(60000000), int64(3600000000)}},
		{"RateReset", sqlRateReset, []any{[]byte("cred:f:77")}},
	}
}

func checkPlans(t *testing.T, a *Adapter, stmts []statement) {
	t.Helper()
	for _, s := range stmts {
		rows, err := a.pool.Query(t.Context(), "EXPLAIN "+s.sql, s.args...)
		if err != nil {
			t.Errorf("EXPLAIN %s: %v", s.name, err)
			continue
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Errorf("EXPLAIN %s: %v", s.name, err)
			continue
		}
		text := strings.Join(plan, "\n")
		if s.name == "DeleteExpired" {
			// The rate-limit tables have no expiry index (see
			// createRateTables); the sessions and tokens must use theirs.
			text = strings.NewReplacer("Seq Scan on nextauth_rate_buckets", "", "Seq Scan on nextauth_rate_counters", "").Replace(text)
		}
		if strings.Contains(text, "Seq Scan") {
			t.Errorf("%s scans a table:\n%s", s.name, text)
		}
		if s.name == "GetSessionAndUser" && strings.Count(text, "Index") < 2 {
			t.Errorf("GetSessionAndUser plan does not use an index for both tables:\n%s", text)
		}
		if s.name == "GetUserAccount" && !strings.Contains(text, "accounts_userId_idx") {
			// Not a backward walk of the primary key, filtering every row.
			t.Errorf("GetUserAccount plan does not use the \"userId\" index:\n%s", text)
		}
	}
}

// BenchmarkGetSessionAndUser reads random sessions among 1,000 and
// 100,000 stored: the time per read must not grow with the count.
func BenchmarkGetSessionAndUser(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			a := newAdapter(b)
			fill(b, a, n)
			ctx := context.Background()
			tokens := make([]string, 1024)
			for i := range tokens {
				// md5 of a user id, as fill stores them.
				if err := a.pool.QueryRow(ctx, `SELECT md5(($1::int % $2::int + 1)::text)`, i*7919, n).Scan(&tokens[i]); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				if _, _, err := a.GetSessionAndUser(ctx, tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
