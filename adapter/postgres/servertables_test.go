package postgres

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestServerTables: on a database holding an app's own users table (as
// another adapter's layout would), Migrate creates only the nextauth_*
// tables, twice without change; revocations and rate limits work there;
// DeleteExpired removes the ended revocations and leaves the live ones.
func TestServerTables(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, newDatabase(t))
	exec(t, pool, `CREATE TABLE "User" (id TEXT PRIMARY KEY, email TEXT)`)
	s := NewServerTables(pool)
	tables := func() []string {
		rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
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
	want := []string{"User", "nextauth_rate_buckets", "nextauth_rate_counters", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"}
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
	if ok, err := s.RateStore().Take(ctx, "k", 1, time.Hour); err != nil || !ok {
		t.Fatalf("Take() = %v, %v", ok, err)
	}
	if err := s.DeleteExpired(ctx, now.Add(time.Minute)); err != nil {
		t.Fatalf("DeleteExpired() = %v", err)
	}
	var left []string
	rows, err := pool.Query(ctx, `SELECT sid FROM nextauth_revoked_sessions ORDER BY sid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			t.Fatal(err)
		}
		left = append(left, sid)
	}
	if !slices.Equal(left, []string{"live"}) {
		t.Errorf("revocations after DeleteExpired = %v, want [live]", left)
	}
	if got, err := s.JWTRevoked(ctx, "live", "u", now.Add(-time.Minute)); err != nil || !got {
		t.Errorf("JWTRevoked(live) = %v, %v, want true", got, err)
	}
	// The bucket is within its window: kept, still empty.
	if ok, err := s.RateStore().Take(ctx, "k", 1, time.Hour); err != nil || ok {
		t.Errorf("Take() after DeleteExpired = %v, %v, want no token", ok, err)
	}
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
