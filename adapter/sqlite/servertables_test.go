package sqlite

import (
	"testing"

	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestServerTables runs adaptertest.RunServerTables on a file holding an
// app's own table, as another adapter's layout would; rate limits stay in
// the process, so there is no rate store.
func TestServerTables(t *testing.T) {
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
	adaptertest.RunServerTables(t, s, adaptertest.ServerTablesCase{
		Tables: func() []string {
			return adaptertest.Strings(t, db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`)
		},
		Want:        []string{"User", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"},
		Revocations: func() int { return int(count(t, db, "nextauth_revoked_sessions")) },
	})
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
