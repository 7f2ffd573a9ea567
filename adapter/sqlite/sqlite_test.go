package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// tempDB is a fresh database file path in the test's temporary directory.
func tempDB(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "nextauth.db")
}

// createUser stores a user with email and returns it, failing the test on
// error.
func createUser(t testing.TB, a *Adapter, email string) nextauth.User {
	t.Helper()
	u, err := a.CreateUser(t.Context(), nextauth.User{Name: nextauth.String("N"), Email: nextauth.String(email)})
	if err != nil {
		t.Fatalf("CreateUser(%q) = %v", email, err)
	}
	return u
}

// count returns SELECT count(*) FROM table.
func count(t testing.TB, db *sql.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestOpenPragmas(t *testing.T) {
	db, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Hold several connections at once, so that each one is a new
	// connection of the pool and must have got the pragmas itself.
	const conns = 4
	var held []*sql.Conn
	for i := range conns {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		for _, p := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"synchronous", "1"}, // NORMAL
			{"busy_timeout", strconv.Itoa(busyTimeout)},
			{"mmap_size", strconv.Itoa(mmapSize)},
		} {
			var got string
			if err := c.QueryRowContext(t.Context(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
			}
		}
	}
	for _, c := range held {
		c.Close()
	}
	if got := db.Stats().MaxOpenConnections; got < 4 {
		t.Errorf("MaxOpenConnections = %d, want at least 4", got)
	}
}

func TestOpenPaths(t *testing.T) {
	for _, name := range []string{"plain.db", "with space.db", "q?mark.db", "hash#x.db", "pct%41.db", "file:odd.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			a := openTestAdapter(t, path)
			createUser(t, a, "a@example.com")
			if _, err := os.Stat(path); err != nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("database not at %q: %v (directory holds %q)", path, err, names)
			}
		})
	}
	t.Run("relative", func(t *testing.T) {
		t.Chdir(t.TempDir())
		a := openTestAdapter(t, "rel.db")
		createUser(t, a, "a@example.com")
		if _, err := os.Stat("rel.db"); err != nil {
			t.Errorf("relative path: %v", err)
		}
	})
	if _, err := Open(""); err == nil {
		t.Error(`Open("") = nil error, want an error`)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "dir", "x.db")); err == nil {
		t.Error("Open(path in a missing directory) = nil error, want an error")
	}
}

func TestOpenMemory(t *testing.T) {
	a := openTestAdapter(t, Memory)
	u := createUser(t, a, "m@example.com")
	got, err := a.GetUser(t.Context(), u.ID)
	if err != nil || got.Email != u.Email {
		t.Errorf("GetUser(%q) = %+v, %v, want %+v", u.ID, got, err, u)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	path := tempDB(t)
	a := openTestAdapter(t, path)
	u := createUser(t, a, "keep@example.com")
	for range 2 {
		if err := a.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again = %v", err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen the file: migrations are not re-applied, data survives.
	b := openTestAdapter(t, path)
	if got, err := b.GetUser(t.Context(), u.ID); err != nil || got.Email != u.Email {
		t.Errorf("after reopen: GetUser(%q) = %+v, %v, want %+v", u.ID, got, err, u)
	}
	rows, err := b.db.Query(`SELECT version FROM nextauth_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if len(versions) != len(migrations()) {
		t.Fatalf("nextauth_migrations versions = %v, want 1..%d once each", versions, len(migrations()))
	}
	for i, v := range versions {
		if v != i+1 {
			t.Errorf("nextauth_migrations versions = %v, want 1..%d", versions, len(migrations()))
			break
		}
	}
}

func TestMigrateConcurrent(t *testing.T) {
	path := tempDB(t)
	// Separate pools, as separate processes would have.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := Open(path)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = New(db).Migrate(t.Context())
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d = %v", i, err)
		}
	}
	a := openTestAdapter(t, path)
	if n := count(t, a.db, "nextauth_migrations"); n != int64(len(migrations())) {
		t.Errorf("%d migration records, want %d", n, len(migrations()))
	}
}

func TestMigrateRejectsNewerSchema(t *testing.T) {
	path := tempDB(t)
	a := openTestAdapter(t, path)
	if _, err := a.db.Exec(`INSERT INTO nextauth_migrations (version, applied_at) VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	err := a.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("Migrate on a schema of version 999 = %v, want an error naming it", err)
	}
}

func TestStatementsBeforeMigrate(t *testing.T) {
	db, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := New(db)
	defer a.Close()
	_, err = a.GetUserByEmail(t.Context(), "x@example.com")
	if err == nil || errors.Is(err, nextauth.ErrNotFound) || !strings.Contains(err.Error(), "Migrate") {
		t.Errorf("before Migrate: GetUserByEmail = %v, want an error mentioning Migrate", err)
	}
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetUserByEmail(t.Context(), "x@example.com"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("after Migrate: GetUserByEmail = %v, want ErrNotFound", err)
	}
}

func TestCloseOwnership(t *testing.T) {
	db, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := New(db)
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	createUser(t, a, "x@example.com")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Errorf("New(db).Close() closed the caller's db: Ping = %v", err)
	}

	b, err := OpenAdapter(t.Context(), tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.db.Ping(); err == nil {
		t.Error("OpenAdapter(…).Close() left its db open")
	}
}

func TestTimeStorage(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	loc := time.FixedZone("X", 5*3600+1800)
	ev := time.Date(2024, 2, 29, 23, 59, 58, 123_456_789, loc)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("t@example.com"), EmailVerified: &ev})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2031, 1, 2, 3, 4, 5, 999_999_999, loc)
	s, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "tok", UserID: u.ID, Expires: exp})
	if err != nil {
		t.Fatal(err)
	}
	// Stored as integer milliseconds since the epoch.
	var rawEV, rawExp int64
	if err := a.db.QueryRow(`SELECT "emailVerified" FROM users WHERE id = ?`, u.ID).Scan(&rawEV); err != nil {
		t.Fatal(err)
	}
	if err := a.db.QueryRow(`SELECT expires FROM sessions WHERE "sessionToken" = 'tok'`).Scan(&rawExp); err != nil {
		t.Fatal(err)
	}
	if rawEV != ev.UnixMilli() || rawExp != exp.UnixMilli() {
		t.Errorf("stored (emailVerified, expires) = (%d, %d), want (%d, %d)", rawEV, rawExp, ev.UnixMilli(), exp.UnixMilli())
	}
	// Returned in UTC, truncated to the millisecond, by every method.
	wantEV, wantExp := ev.Truncate(time.Millisecond).UTC(), exp.Truncate(time.Millisecond).UTC()
	gs, gu, err := a.GetSessionAndUser(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want time.Time
	}{
		{"CreateUser EmailVerified", *u.EmailVerified, wantEV},
		{"CreateSession Expires", s.Expires, wantExp},
		{"GetSessionAndUser EmailVerified", *gu.EmailVerified, wantEV},
		{"GetSessionAndUser Expires", gs.Expires, wantExp},
	} {
		if c.got != c.want { // == compares the location too
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestNullStorage(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	u, err := a.CreateUser(ctx, nextauth.User{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: "1"}); err != nil {
		t.Fatal(err)
	}
	var nulls int
	err = a.db.QueryRow(`SELECT (name IS NULL) + (email IS NULL) + ("emailVerified" IS NULL) + (image IS NULL) FROM users WHERE id = ?`, u.ID).Scan(&nulls)
	if err != nil || nulls != 4 {
		t.Errorf("users: %d NULL columns (err %v), want 4", nulls, err)
	}
	err = a.db.QueryRow(`SELECT (refresh_token IS NULL) + (access_token IS NULL) + (expires_at IS NULL) + (id_token IS NULL)
		+ (scope IS NULL) + (session_state IS NULL) + (token_type IS NULL) FROM accounts`).Scan(&nulls)
	if err != nil || nulls != 7 {
		t.Errorf("accounts: %d NULL columns (err %v), want 7", nulls, err)
	}
	// UpdateAccount sets the token columns, and clears them back to NULL.
	acct := nextauth.Account{Provider: "p", ProviderAccountID: "1", RefreshToken: "r", AccessToken: "a",
		ExpiresAt: 1, TokenType: "t", Scope: "s", IDToken: "i", SessionState: "ss"}
	for _, want := range []int{0, 7} {
		if _, err := a.UpdateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		err = a.db.QueryRow(`SELECT (refresh_token IS NULL) + (access_token IS NULL) + (expires_at IS NULL) + (id_token IS NULL)
		+ (scope IS NULL) + (session_state IS NULL) + (token_type IS NULL) FROM accounts`).Scan(&nulls)
		if err != nil || nulls != want {
			t.Errorf("accounts after UpdateAccount: %d NULL columns (err %v), want %d", nulls, err, want)
		}
		acct = nextauth.Account{Provider: acct.Provider, ProviderAccountID: acct.ProviderAccountID}
	}
	// Two users without an e-mail do not collide on UNIQUE email.
	if _, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String("second")}); err != nil {
		t.Errorf("second user without e-mail: %v", err)
	}
	if _, err := a.GetUserByEmail(ctx, ""); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf(`GetUserByEmail("") = %v, want ErrNotFound`, err)
	}
}

func TestIDs(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	u := createUser(t, a, "id@example.com")
	if _, err := strconv.ParseInt(u.ID, 10, 64); err != nil {
		t.Fatalf("CreateUser ID = %q, want a decimal integer", u.ID)
	}
	for _, id := range []string{"", "abc", "0" + u.ID, "+" + u.ID, " " + u.ID, u.ID + ".0", "99999999999999999999", "-1"} {
		if _, err := a.GetUser(ctx, id); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("GetUser(%q) = %v, want ErrNotFound", id, err)
		}
		if err := a.DeleteUser(ctx, id); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("DeleteUser(%q) = %v, want ErrNotFound", id, err)
		}
	}
	// Ids are never reused, as with PostgreSQL's SERIAL: a deleted user's
	// id (still in old JWTs or logs) never names somebody else.
	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	v := createUser(t, a, "next@example.com")
	if v.ID == u.ID {
		t.Errorf("new user got the deleted user's id %s", u.ID)
	}
}

func TestErrors(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	createUser(t, a, "dup@example.com")
	_, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("dup@example.com")})
	if !errors.Is(err, nextauth.ErrConflict) {
		t.Fatalf("duplicate CreateUser = %v, want ErrConflict", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "sqlite: create user: ") || !strings.Contains(msg, "UNIQUE") {
		t.Errorf("duplicate CreateUser error = %q, want the sqlite: prefix and the driver's cause", msg)
	}
	_, err = a.DeleteSession(ctx, "secret-session-token")
	if !errors.Is(err, nextauth.ErrNotFound) || strings.Contains(err.Error(), "secret-session-token") {
		t.Errorf("DeleteSession(unknown) = %v, want ErrNotFound not quoting the token", err)
	}
}

func TestForeignKeys(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	u := createUser(t, a, "fk@example.com")
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "s", UserID: u.ID, Expires: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// A plain DELETE, as an operator might run, cascades.
	if _, err := a.db.Exec(`DELETE FROM users WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"accounts", "sessions"} {
		if n := count(t, a.db, table); n != 0 {
			t.Errorf("%d rows left in %s after deleting their user, want 0", n, table)
		}
	}
	if _, err := a.db.Exec(`INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (424242, 0, 'orphan')`); err == nil {
		t.Error("inserting a session of an unknown user succeeded; foreign keys are off")
	}
}

// TestWithoutForeignKeys checks a database opened without Open's pragmas:
// the adapter keeps its contract without ON DELETE CASCADE.
func TestWithoutForeignKeys(t *testing.T) {
	db, err := sql.Open("sqlite", tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := New(db)
	defer a.Close()
	ctx := t.Context()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var fk int
	if err := db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 0 {
		t.Fatalf("PRAGMA foreign_keys = %d, %v; this test needs them off", fk, err)
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: "424242", Type: "oauth", Provider: "p", ProviderAccountID: "1"}); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("LinkAccount(unknown user) = %v, want ErrNotFound", err)
	}
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "s0", UserID: "424242", Expires: time.Now()}); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("CreateSession(unknown user) = %v, want ErrNotFound", err)
	}
	u := createUser(t, a, "nofk@example.com")
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "s1", UserID: u.ID, Expires: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"users", "accounts", "sessions"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("%d rows left in %s after DeleteUser, want 0", n, table)
		}
	}
}

// TestConcurrentWriters writes from 8 goroutines through one adapter and,
// at the same time, through a second pool on the same file (as another
// process would): no call may fail with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	path := tempDB(t)
	a := openTestAdapter(t, path)
	b := openTestAdapter(t, path)
	ctx := t.Context()
	const goroutines, rounds = 8, 10
	errs := make(chan error, 2*goroutines*rounds)
	var wg sync.WaitGroup
	for g := range 2 * goroutines {
		ad := a
		if g >= goroutines {
			ad = b
		}
		wg.Go(func() {
			for r := range rounds {
				if err := writeRound(ctx, ad, fmt.Sprintf("g%d-r%d", g, r)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Readers run alongside (WAL: they neither block nor get blocked).
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := a.GetSessionAndUser(ctx, "none"); !errors.Is(err, nextauth.ErrNotFound) {
					errs <- fmt.Errorf("concurrent GetSessionAndUser = %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := count(t, a.db, "users"); n != 2*goroutines*rounds {
		t.Errorf("%d users, want %d", n, 2*goroutines*rounds)
	}
}

// writeRound makes one user with a session and a token, and uses both.
func writeRound(ctx context.Context, a *Adapter, key string) error {
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String(key + "@example.com")})
	if err != nil {
		return err
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "p", ProviderAccountID: key}); err != nil {
		return err
	}
	exp := time.Now().Add(time.Hour)
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: key, UserID: u.ID, Expires: exp}); err != nil {
		return err
	}
	if _, err := a.UpdateSession(ctx, key, exp.Add(time.Hour)); err != nil {
		return err
	}
	if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: u.Email.String(), Token: key, Expires: exp}); err != nil {
		return err
	}
	if _, err := a.UseVerificationToken(ctx, u.Email.String(), key); err != nil {
		return err
	}
	_, err = a.DeleteSession(ctx, key)
	return err
}

func TestDeleteExpired(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	u := createUser(t, a, "exp@example.com")
	// More expired sessions than one batch, inserted directly for speed.
	const expired = 2*expiredBatch + 7
	tx, err := a.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range expired {
		if _, err := tx.Exec(`INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (?, ?, ?)`,
			u.ID, now.Add(-time.Duration(i+1)*time.Millisecond).UnixMilli(), fmt.Sprintf("old%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Expiring exactly now or later: kept ("expires < now" is expired).
	for i, exp := range []time.Time{now, now.Add(time.Millisecond), now.Add(time.Hour)} {
		if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: fmt.Sprintf("live%d", i), UserID: u.ID, Expires: exp}); err != nil {
			t.Fatal(err)
		}
		if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: u.Email.String(), Token: fmt.Sprintf("live%d", i), Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: u.Email.String(), Token: fmt.Sprintf("old%d", i), Expires: now.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	s, v, err := a.DeleteExpired(ctx, now)
	if err != nil || s != expired || v != 3 {
		t.Fatalf("DeleteExpired = (%d, %d, %v), want (%d, 3, nil)", s, v, err, expired)
	}
	if n := count(t, a.db, "sessions"); n != 3 {
		t.Errorf("%d sessions left, want the 3 live ones", n)
	}
	if n := count(t, a.db, "verification_token"); n != 3 {
		t.Errorf("%d verification tokens left, want the 3 live ones", n)
	}
	if s, v, err := a.DeleteExpired(ctx, now); err != nil || s != 0 || v != 0 {
		t.Errorf("second DeleteExpired = (%d, %d, %v), want (0, 0, nil)", s, v, err)
	}
}

func TestCanceledContext(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	u := createUser(t, a, "c@example.com")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("d@example.com")}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateUser(canceled) = %v, want context.Canceled", err)
	}
	if err := a.DeleteUser(ctx, u.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteUser(canceled) = %v, want context.Canceled", err)
	}
	if _, _, err := a.DeleteExpired(ctx, time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteExpired(canceled) = %v, want context.Canceled", err)
	}
	if n := count(t, a.db, "users"); n != 1 {
		t.Errorf("%d users after canceled calls, want 1", n)
	}
	// The write lock was not left taken.
	createUser(t, a, "e@example.com")
}

// TestQueryPlans checks that no statement of the adapter scans a table:
// every lookup uses a primary key or an index, so its cost does not grow
// with the number of rows.
func TestQueryPlans(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	for _, p := range (&statements{}).list() {
		n := strings.Count(p.query, "?")
		if strings.Contains(p.query, "?1") {
			n = 0
			for i := 1; strings.Contains(p.query, "?"+strconv.Itoa(i)); i++ {
				n = i
			}
		}
		args := make([]any, n)
		for i := range args {
			args[i] = int64(1)
		}
		rows, err := a.db.Query("EXPLAIN QUERY PLAN "+p.query, args...)
		if err != nil {
			t.Fatalf("EXPLAIN QUERY PLAN %s: %v", p.query, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN") && d != "SCAN CONSTANT ROW" { // a SELECT without FROM
				t.Errorf("query %q\nplan %q: full scan", oneLine(p.query), plan)
			}
			if strings.Contains(d, "TEMP B-TREE") {
				t.Errorf("query %q\nplan %q: sorts its rows", oneLine(p.query), plan)
			}
		}
		// INSERT … VALUES (upserts too: their conflict target is a key)
		// has no plan to check.
		if len(plan) == 0 && !(strings.HasPrefix(p.query, "INSERT INTO") && strings.Contains(p.query, " VALUES ")) {
			t.Errorf("query %q: empty plan", oneLine(p.query))
		}
	}
}

// oneLine collapses the white space of a query.
func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }
