package mysql

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/adapter/ratestoretest"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// newAdapter connects to a fresh database of this test and migrates it.
func newAdapter(t testing.TB) *Adapter {
	t.Helper()
	_, dsn := servicetest.MySQLDatabase(t)
	a, err := Connect(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// skipLongValues skips the suite's LongValues subtest: users.name and
// sessions."sessionToken" hold 255 characters and bytes, as in
// @auth/pg-adapter's VARCHAR(255) (TestLengthLimits checks them instead).
func skipLongValues(t *testing.T) {
	if strings.HasSuffix(t.Name(), "/LongValues") {
		t.Skip(`users.name and sessions."sessionToken" hold 255 characters and bytes, as @auth/pg-adapter's VARCHAR(255)`)
	}
}

// TestConformance runs the shared suite on one database shared by the
// subtests, as a long-running server uses it.
func TestConformance(t *testing.T) {
	a := newAdapter(t)
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter {
		skipLongValues(t)
		return a
	})
}

// TestConformanceNew runs the suite on an adapter made by New on a
// handle of the caller's with the driver's defaults (no parseTime,
// prepared statements, a local time zone): the adapter does not depend on
// them.
func TestConformanceNew(t *testing.T) {
	_, dsn := servicetest.MySQLDatabase(t)
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.ParseTime = false
	c.Params = map[string]string{"time_zone": "'+05:30'"} // the session's time zone is not UTC
	if kolkata, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		c.Loc = kolkata
	}
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := New(db)
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter {
		skipLongValues(t)
		return a
	})
}

// TestRateStoreConformance runs the shared RateStore suite on the
// database's clock, with a second adapter on its own pool as the second
// server of a fleet.
func TestRateStoreConformance(t *testing.T) {
	_, dsn := servicetest.MySQLDatabase(t)
	open := func(t *testing.T) *Adapter {
		a, err := Connect(t.Context(), dsn, Options{})
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		return a
	}
	a, peer := open(t), open(t)
	t.Cleanup(func() { a.Close(); peer.Close() })
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return a.RateStore() }, ratestoretest.Options{
		NewPeer: func(*testing.T) nextauth.RateStore { return peer.RateStore() },
	})
}

// TestLengthLimits checks the column sizes: 255 characters fit users.name
// and 255 bytes sessions."sessionToken"; longer values are an error that
// is neither ErrConflict nor ErrNotFound and store nothing; the TEXT
// columns take long values.
func TestLengthLimits(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	name := strings.Repeat("é", 255)
	u, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String(name), Email: nextauth.String("long@example.test"), Image: nextauth.String(strings.Repeat("i", 8192))})
	if err != nil {
		t.Fatalf("CreateUser(255-character name) error = %v", err)
	}
	if got, err := a.GetUser(ctx, u.ID); err != nil || got.Name.String() != name || len(got.Image.String()) != 8192 {
		t.Errorf("GetUser = %v, %v, want the 255-character name and the 8 KB image", got, err)
	}
	token := strings.Repeat("t", 255)
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: token, UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("CreateSession(255-byte token) error = %v", err)
	}
	tooLong := []struct {
		name string
		call func() error
	}{
		{"CreateUser(256-character name)", func() error {
			_, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String(strings.Repeat("n", 256)), Email: nextauth.String("longer@example.test")})
			return err
		}},
		{"CreateSession(256-byte token)", func() error {
			_, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: strings.Repeat("t", 256), UserID: u.ID, Expires: time.Now()})
			return err
		}},
	}
	for _, tc := range tooLong {
		err := tc.call()
		if err == nil || errors.Is(err, nextauth.ErrConflict) || errors.Is(err, nextauth.ErrNotFound) || !strings.HasPrefix(err.Error(), "mysql: ") {
			t.Errorf("%s error = %v, want a mysql: error that is neither ErrConflict nor ErrNotFound", tc.name, err)
		}
	}
	if _, err := a.GetUserByEmail(ctx, "longer@example.test"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUserByEmail after the failed CreateUser error = %v, want ErrNotFound", err)
	}
}

// TestMalformedIDs: ids are INT AUTO_INCREMENT as decimal strings; other
// spellings name no user.
func TestMalformedIDs(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("id@example.test")})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "1" {
		t.Fatalf("first CreateUser ID = %q, want %q", u.ID, "1")
	}
	for _, id := range []string{"01", "+1", " 1", "1 ", "1.0", "0x1", "2147483648", "-0", "0", "１"} {
		if _, err := a.GetUser(ctx, id); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("GetUser(%q) error = %v, want ErrNotFound", id, err)
		}
		if err := a.LinkAccount(ctx, nextauth.Account{UserID: id, Type: "oauth", Provider: "p", ProviderAccountID: id}); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("LinkAccount(user %q) error = %v, want ErrNotFound", id, err)
		}
	}
}

// TestMigrate: a second Migrate changes nothing, concurrent ones apply
// each step once, and a users table of another shape is refused before
// anything is created.
func TestMigrate(t *testing.T) {
	ctx := t.Context()
	_, dsn := servicetest.MySQLDatabase(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := New(db)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = a.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate #%d = %v", i, err)
		}
	}
	if v, err := a.Version(ctx); err != nil || v != len(migrations()) {
		t.Errorf("Version() = %d, %v, want %d", v, err, len(migrations()))
	}
	var records int
	if err := db.QueryRow("SELECT count(*) FROM nextauth_migrations").Scan(&records); err != nil || records != len(migrations()) {
		t.Errorf("nextauth_migrations has %d rows (%v), want %d", records, err, len(migrations()))
	}
	if err := a.Migrate(ctx); err != nil {
		t.Errorf("Migrate again = %v", err)
	}

	_, dsn2 := servicetest.MySQLDatabase(t)
	other, err := sql.Open("mysql", dsn2)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("CREATE TABLE users (id INT PRIMARY KEY, login VARCHAR(50))"); err != nil {
		t.Fatal(err)
	}
	err = New(other).Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "users.name, users.email, users.emailVerified, users.image") {
		t.Errorf("Migrate beside another users table = %v, want the missing columns named", err)
	}
	var tables int
	if err := other.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables); err != nil || tables != 1 {
		t.Errorf("after the refused Migrate the database has %d tables (%v), want 1", tables, err)
	}
}

// TestDeleteExpiredRateRows: DeleteExpired deletes the buckets idle for a
// whole window and the counters past their ttl, and keeps the rest.
func TestDeleteExpiredRateRows(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	s := a.RateStore()
	const short = 200 * time.Millisecond
	for _, w := range []time.Duration{short, time.Hour} {
		if ok, err := s.Take(ctx, "k"+w.String(), 2, w); !ok || err != nil {
			t.Fatalf("Take = %v, %v", ok, err)
		}
		if _, err := s.Incr(ctx, "k"+w.String(), w); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (b, c int) {
		t.Helper()
		if err := a.db.QueryRow("SELECT (SELECT count(*) FROM nextauth_rate_buckets), (SELECT count(*) FROM nextauth_rate_counters)").Scan(&b, &c); err != nil {
			t.Fatal(err)
		}
		return b, c
	}
	time.Sleep(2 * short)
	if _, _, err := a.DeleteExpired(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, c := count(); b != 2 || c != 2 {
		t.Errorf("after DeleteExpired(now - 1h): %d buckets, %d counters, want 2, 2 (held back by now)", b, c)
	}
	// The server's clock may be ahead: the database's holds the fresh rows back.
	if _, _, err := a.DeleteExpired(ctx, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, c := count(); b != 1 || c != 1 {
		t.Errorf("after DeleteExpired(now + 2h): %d buckets, %d counters, want 1, 1", b, c)
	}
}

// TestLookupsUseIndexes EXPLAINs the hot statements: none scans a table.
func TestLookupsUseIndexes(t *testing.T) {
	a := newAdapter(t)
	ctx := t.Context()
	for _, q := range []string{
		"INSERT INTO users (email) SELECT CONCAT('u', seq, '@example.test') FROM seq_1_to_2000",
		"INSERT INTO sessions (`userId`, expires, `sessionToken`) SELECT id, UTC_TIMESTAMP(), CONCAT('tok', id) FROM users",
		"INSERT INTO accounts (`userId`, type, provider, `providerAccountId`) SELECT id, 'oauth', 'p', CONCAT('a', id) FROM users",
		"ANALYZE TABLE users, sessions, accounts",
	} {
		if _, err := a.db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "seq_1_to_2000") {
				t.Skip("no sequence engine (MySQL): the plans are checked on MariaDB")
			}
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, s := range []struct {
		name, query string
		args        []any
	}{
		{"GetUserByEmail", sqlGetUserByEmail, []any{"u7@example.test"}},
		{"GetUserByAccount", sqlGetUserByAcct, []any{"p", "a7"}},
		{"GetSessionAndUser", sqlGetSessionAndUser, []any{"tok7"}},
		{"GetUserAccount", sqlGetUserAccount, []any{7, "p"}},
		{"ListSessions", sqlListSessions, []any{7}},
		{"UseVerificationToken", sqlGetToken, []any{"u7@example.test", "x"}},
	} {
		rows, err := a.db.QueryContext(ctx, "EXPLAIN "+s.query, s.args...)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", s.name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				if c == "type" && vals[i].String == "ALL" {
					t.Errorf("%s scans a table: %v", s.name, vals)
				}
			}
		}
		rows.Close()
	}
}
