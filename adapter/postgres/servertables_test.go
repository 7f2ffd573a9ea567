package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestServerTables runs adaptertest.RunServerTables on a database holding
// an app's own table, as another adapter's layout would.
func TestServerTables(t *testing.T) {
	pool := newPool(t, newDatabase(t))
	exec(t, pool, `CREATE TABLE "User" (id TEXT PRIMARY KEY, email TEXT)`)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	s := NewServerTables(pool)
	adaptertest.RunServerTables(t, s, adaptertest.ServerTablesCase{
		Tables: func() []string {
			return adaptertest.Strings(t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
		},
		Want:      []string{"User", "nextauth_rate_buckets", "nextauth_rate_counters", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"},
		RateStore: s.RateStore(),
		Revocations: func() int {
			return len(adaptertest.Strings(t, db, `SELECT sid FROM nextauth_revoked_sessions`))
		},
	})
}

// TestServerTablesSessionClaims: beside another layout's sessions (a
// Prisma-like table, its token a uuid to show the text comparison), the
// server tables keep claims, replace them, delete one session's, and
// remove those whose session row is gone.
func TestServerTablesSessionClaims(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, newDatabase(t))
	exec(t, pool, `CREATE TABLE "Session" (id TEXT PRIMARY KEY, "sessionToken" UUID NOT NULL UNIQUE)`)
	s := NewServerTables(pool)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	live, gone, deleted := "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000003"
	for _, tok := range []string{live, gone, deleted} {
		exec(t, pool, `INSERT INTO "Session" (id, "sessionToken") VALUES ($1, $2::uuid)`, tok, tok)
		if err := s.SetSessionClaims(ctx, tok, map[string]any{"role": "user"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSessionClaims(ctx, live, map[string]any{"role": "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSessionClaims(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `DELETE FROM "Session" WHERE id = $1`, gone)
	if err := s.DeleteOrphanSessionClaims(ctx, `"Session"`, `"sessionToken"`); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]any{live: "admin", gone: nil, deleted: nil} {
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
