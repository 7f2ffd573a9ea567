package mysql

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
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
