package sqlite

import (
	"slices"
	"testing"
	"time"
)

// TestServerTables: in a file holding an app's own users table (as another
// adapter's layout would), Migrate creates only the revocation tables,
// twice without change; revocations work there before any statement of
// the default layout could be prepared; DeleteExpired removes the ended
// ones and leaves the live ones.
func TestServerTables(t *testing.T) {
	ctx := t.Context()
	db, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE "User" (id TEXT PRIMARY KEY, email TEXT)`); err != nil {
		t.Fatal(err)
	}
	s := NewServerTables(db)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	tables := func() []string {
		rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	want := []string{"User", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"}
	for i := range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() #%d = %v", i+1, err)
		}
		if got := tables(); !slices.Equal(got, want) {
			t.Fatalf("tables after Migrate #%d = %v, want %v", i+1, got, want)
		}
	}
	now := time.Now()
	if err := s.RevokeJWT(ctx, "ended", now.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeJWT(ctx, "live", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUserJWTs(ctx, "u9", now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteExpired(ctx, now.Add(time.Minute)); err != nil {
		t.Fatalf("DeleteExpired() = %v", err)
	}
	if n := count(t, db, "nextauth_revoked_sessions"); n != 1 {
		t.Errorf("revocations after DeleteExpired = %d, want 1 (the live one)", n)
	}
	for _, c := range []struct {
		sid, user string
		want      bool
	}{{"live", "u1", true}, {"ended", "u1", false}, {"other", "u9", true}} {
		if got, err := s.JWTRevoked(ctx, c.sid, c.user, now.Add(-time.Minute)); err != nil || got != c.want {
			t.Errorf("JWTRevoked(%s, %s) = %v, %v, want %v", c.sid, c.user, got, err, c.want)
		}
	}
}

// TestServerTablesSessionClaims: beside another layout's sessions (a
// Prisma-like table), the server tables keep claims in a table without a
// foreign key, replace them, delete one session's, and remove those whose
// session row is gone.
func TestServerTablesSessionClaims(t *testing.T) {
	ctx := t.Context()
	db, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE "Session" (id TEXT PRIMARY KEY, "sessionToken" TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	s := NewServerTables(db)
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var fks int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_foreign_key_list('nextauth_session_claims')`).Scan(&fks); err != nil || fks != 0 {
		t.Fatalf("nextauth_session_claims has %d foreign keys (%v), want 0", fks, err)
	}
	for _, tok := range []string{"live", "gone", "deleted"} {
		if _, err := db.Exec(`INSERT INTO "Session" (id, "sessionToken") VALUES (?, ?)`, tok, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSessionClaims(ctx, tok, map[string]any{"role": "user"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSessionClaims(ctx, "live", map[string]any{"role": "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSessionClaims(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM "Session" WHERE id = 'gone'`); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrphanSessionClaims(ctx, `"Session"`, `"sessionToken"`); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]any{"live": "admin", "gone": nil, "deleted": nil} {
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
