package mysql

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// TestSessionClaims: claims are kept per session, replaced, and deleted
// with their session by DeleteSession, DeleteUserSessions and DeleteUser;
// DeleteExpired removes those whose session is gone otherwise.
func TestSessionClaims(t *testing.T) {
	ctx := context.Background()
	a := newAdapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	session := func(tok string) {
		t.Helper()
		if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: tok, UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := a.SetSessionClaims(ctx, tok, map[string]any{"tok": tok}); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(what, tok string) {
		t.Helper()
		if got, err := a.SessionClaims(ctx, tok); err != nil || got != nil {
			t.Errorf("SessionClaims(%s) after %s = %v, %v; want none", tok, what, got, err)
		}
	}

	session("tok")
	for _, claims := range []map[string]any{{"role": "user"}, {"role": "admin", "groups": []any{"a"}, "n": 1.5}} {
		if err := a.SetSessionClaims(ctx, "tok", claims); err != nil {
			t.Fatal(err)
		}
		if got, err := a.SessionClaims(ctx, "tok"); err != nil || !reflect.DeepEqual(got, claims) {
			t.Errorf("SessionClaims = %v, %v; want %v", got, err, claims)
		}
	}
	if got, err := a.SessionClaims(ctx, "TOK"); err != nil || got != nil {
		t.Errorf("SessionClaims of another token = %v, %v; want none (tokens compare byte for byte)", got, err)
	}
	if _, err := a.DeleteSession(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	gone("DeleteSession", "tok")

	session("a")
	session("b")
	if n, err := a.DeleteUserSessions(ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions = %d, %v", n, err)
	}
	gone("DeleteUserSessions", "a")
	gone("DeleteUserSessions", "b")

	session("orphan")
	session("kept")
	if _, err := a.db.Exec("DELETE FROM sessions WHERE `sessionToken` = 'orphan'"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.DeleteExpired(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	gone("DeleteExpired", "orphan")
	if got, err := a.SessionClaims(ctx, "kept"); err != nil || got["tok"] != "kept" {
		t.Errorf("SessionClaims(kept) after DeleteExpired = %v, %v; want kept", got, err)
	}

	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	gone("DeleteUser", "kept")
	var n int
	if err := a.db.QueryRow("SELECT count(*) FROM nextauth_session_claims").Scan(&n); err != nil || n != 0 {
		t.Errorf("claims rows left = %d, %v; want 0", n, err)
	}
}

// TestServerTablesSessionClaims: beside another layout's sessions (a
// Prisma-like table with a case-insensitive text token), the server
// tables keep claims, delete one session's, and remove those whose
// session row is gone.
func TestServerTablesSessionClaims(t *testing.T) {
	ctx := context.Background()
	_, dsn := servicetest.MySQLDatabase(t)
	db, err := Open(dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE `Session` (id VARCHAR(191) PRIMARY KEY, `sessionToken` VARCHAR(191) NOT NULL UNIQUE)" +
		" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"); err != nil {
		t.Fatal(err)
	}
	s := NewServerTables(db)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"live", "gone", "deleted"} {
		if _, err := db.Exec("INSERT INTO `Session` (id, `sessionToken`) VALUES (?, ?)", tok, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSessionClaims(ctx, tok, map[string]any{"role": tok}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSessionClaims(ctx, "LIVE", map[string]any{"role": "other"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionClaims(ctx, "live"); err != nil || got["role"] != "live" {
		t.Fatalf("SessionClaims(live) = %v, %v", got, err)
	}
	if err := s.DeleteSessionClaims(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM `Session` WHERE id = 'gone'"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrphanSessionClaims(ctx, "`Session`", "`sessionToken`"); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]any{"live": "live", "gone": nil, "deleted": nil, "LIVE": nil} {
		got, err := s.SessionClaims(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		var role any
		if got != nil {
			role = got["role"]
		}
		if role != want {
			t.Errorf("SessionClaims(%s) = %v; want role %v", tok, got, want)
		}
	}
}

// TestUserColumns runs the shared UserColumns check on columns added to
// the users table.
func TestUserColumns(t *testing.T) {
	a := newAdapter(t)
	exec := func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := a.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	adaptertest.RunUserColumns(t, adaptertest.UserColumnsCase{
		AddColumns: func(t *testing.T) {
			exec(t, "ALTER TABLE users ADD COLUMN role TEXT, ADD COLUMN age INT, ADD COLUMN `"+adaptertest.UserColumnDrop+"` TEXT")
		},
		Adapter: func(*testing.T) adaptertest.UserColumnsAdapter { return a },
		Set: func(t *testing.T, id string) {
			exec(t, "UPDATE users SET role = 'admin', age = 42, `"+adaptertest.UserColumnDrop+"` = 'x' WHERE id = ?", id)
		},
		UnknownUserID: "999",
	})
}

// TestUserColumnTypes: the values of columns of MySQL's types as JSON
// values: BOOLEAN as 0 or 1, BIT and DECIMAL as numbers, a JSON column as
// JSON, binary strings as text, times as MySQL writes them; a column added
// after the first read is seen by a new adapter.
func TestUserColumnTypes(t *testing.T) {
	ctx := context.Background()
	a := newAdapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test")})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.UserColumns(ctx, u.ID, []string{"email", "active"}); err != nil || !reflect.DeepEqual(got, map[string]any{"email": "ada@example.test"}) {
		t.Fatalf("UserColumns before ALTER = %v, %v", got, err)
	}
	if _, err := a.db.Exec("ALTER TABLE users ADD COLUMN active BOOLEAN, ADD COLUMN flags BIT(3), ADD COLUMN score DECIMAL(6,2)," +
		" ADD COLUMN prefs JSON, ADD COLUMN tag VARBINARY(16), ADD COLUMN seen DATETIME(6), ADD COLUMN `we``ird` TEXT"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.Exec("UPDATE users SET active = TRUE, flags = b'101', score = 12.5, prefs = '{\"theme\":[\"dark\",1]}',"+
		" tag = 'ab', seen = '2024-05-06 07:08:09.123456', `we``ird` = 'w' WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	names := []string{"active", "flags", "score", "prefs", "tag", "seen", "we`ird", "emailVerified"}
	if got, err := a.UserColumns(ctx, u.ID, names); err != nil || !reflect.DeepEqual(got, map[string]any{"emailVerified": nil}) {
		t.Errorf("UserColumns of columns added after the first read = %v, %v; want only emailVerified until a new adapter", got, err)
	}
	b := New(a.db)
	got, err := b.UserColumns(ctx, u.ID, names)
	want := map[string]any{
		"active": float64(1), "flags": float64(5), "score": 12.5, "prefs": map[string]any{"theme": []any{"dark", float64(1)}},
		"tag": "ab", "seen": "2024-05-06 07:08:09.123456", "we`ird": "w", "emailVerified": nil,
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("UserColumns = %#v, %v\nwant %#v", got, err, want)
	}
}
