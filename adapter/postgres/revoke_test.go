package postgres

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
)

// TestRevocationLookupsUseIndexes EXPLAINs the SessionLister and
// JWTRevoker statements against 20,000 rows per table: none scans a table.
func TestRevocationLookupsUseIndexes(t *testing.T) {
	a := newAdapter(t)
	fill(t, a, 20000)
	exec(t, a.pool, `
INSERT INTO nextauth_revoked_sessions (sid, expires)
SELECT md5('sid' || i), now() + (i % 100 - 50) * interval '1 hour' FROM generate_series(1, 20000) AS i;
INSERT INTO nextauth_revoked_users ("userId", before, expires)
SELECT i::text, now() - interval '1 hour', now() + (i % 100 - 50) * interval '1 hour' FROM generate_series(1, 20000) AS i;
ANALYZE`)
	now := time.Now()
	checkPlans(t, a, []statement{
		{"ListSessions", sqlListSessions, []any{int32(77)}},
		{"DeleteUserSessions", sqlDeleteUserSessions, []any{int32(77)}},
		{"RevokeJWT", sqlRevokeJWT, []any{"sid", now}},
		{"RevokeUserJWTs", sqlRevokeUserJWTs, []any{"77", now, now, now}},
		{"JWTRevoked", sqlJWTRevoked, []any{"sid", "77", now, now}},
		{"DeleteExpiredRevocations", sqlDeleteExpiredRevocations, []any{now.Add(-49 * time.Hour)}},
	})
	var plan strings.Builder
	rows, err := a.pool.Query(t.Context(), "EXPLAIN "+sqlListSessions, int32(77))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if !strings.Contains(plan.String(), "sessions_userId_idx") {
		t.Errorf("ListSessions plan does not use the \"userId\" index:\n%s", plan.String())
	}
}

// TestDeleteExpiredRevocations: DeleteExpired removes the revocations that
// ended before now and keeps the others.
func TestDeleteExpiredRevocations(t *testing.T) {
	a := newAdapter(t)
	ctx := t.Context()
	exec(t, a.pool, `
INSERT INTO nextauth_revoked_sessions (sid, expires) VALUES ('old1', now() - interval '1 minute'), ('old2', now() - interval '1 day');
INSERT INTO nextauth_revoked_users ("userId", before, expires) VALUES ('old1', now() - interval '1 day', now() - interval '1 minute')`)
	now := time.Now()
	if err := a.RevokeJWT(ctx, "live", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeUserJWTs(ctx, "live", now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.DeleteExpired(ctx, now); err != nil {
		t.Fatalf("DeleteExpired = %v", err)
	}
	checkLines(t, "revoked sids after DeleteExpired", queryStrings(t, a.pool, `SELECT sid FROM nextauth_revoked_sessions`), []string{"live"})
	checkLines(t, "revoked users after DeleteExpired", queryStrings(t, a.pool, `SELECT "userId" FROM nextauth_revoked_users`), []string{"live"})
	if revoked, err := a.JWTRevoked(ctx, "live", "live", now.Add(-time.Minute)); err != nil || !revoked {
		t.Errorf("JWTRevoked(live) after DeleteExpired = %v, %v, want true", revoked, err)
	}
}

// TestMigrateAddsRevocationTables: a database migrated before the JWT
// revocation tables existed gets them from step 4, NextAuth's tables and
// rows untouched.
func TestMigrateAddsRevocationTables(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, newDatabase(t))
	a := New(pool)
	for _, m := range migrations() {
		if m.version >= 4 {
			break
		}
		if _, err := a.apply(ctx, m); err != nil {
			t.Fatalf("step %d: %v", m.version, err)
		}
	}
	exec(t, pool, nodeRows)
	cols := columns(t, pool)
	if _, err := a.JWTRevoked(ctx, "sid", "1", time.Now()); err == nil {
		t.Fatal("JWTRevoked before step 4 succeeded; the test does not start before step 4")
	}
	if _, _, err := a.DeleteExpired(ctx, time.Now()); err != nil {
		t.Errorf("DeleteExpired before step 4 = %v, want nil (the revocation tables are skipped)", err)
	}

	if err := a.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	checkLines(t, "columns after step 4 (never altered)", columns(t, pool), cols)
	checkLines(t, "keys and indexes after step 4", constraints(t, pool), fullSchema)
	checkLines(t, "nextauth_migrations", migrationRecords(t, pool), allApplied)
	if err := a.RevokeUserJWTs(ctx, "1", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if revoked, err := a.JWTRevoked(ctx, "", "1", time.Now().Add(-time.Minute)); err != nil || !revoked {
		t.Errorf("JWTRevoked after step 4 = %v, %v, want true", revoked, err)
	}
	list, err := a.ListSessions(ctx, "1")
	want := []nextauth.AdapterSession{{SessionToken: "2c1a8d1e-8c3f-4b7e-9a51-0f2a8f1d2e3c", UserID: "1", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if err != nil || len(list) != 1 || list[0] != want[0] {
		t.Errorf("ListSessions(ada) = %v, %v, want %v", list, err, want)
	}
}

// countQueries is a pgx tracer counting the statements sent.
type countQueries struct{ n atomic.Int64 }

func (c *countQueries) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *countQueries) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestJWTRevokedOneStatement: the check made on every request with a JWT
// session is one statement, revoked or not.
func TestJWTRevokedOneStatement(t *testing.T) {
	dsn := newDatabase(t)
	if err := New(newPool(t, dsn)).Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	counter := &countQueries{}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a := New(pool)
	ctx := t.Context()
	if err := a.RevokeJWT(ctx, "gone", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeUserJWTs(ctx, "u", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sid, user string
		want      bool
	}{{"gone", "v", true}, {"live", "u", true}, {"live", "v", false}} {
		before := counter.n.Load()
		revoked, err := a.JWTRevoked(ctx, c.sid, c.user, time.Now().Add(-time.Minute))
		if err != nil || revoked != c.want {
			t.Errorf("JWTRevoked(%q, %q) = %v, %v, want %v", c.sid, c.user, revoked, err, c.want)
		}
		if n := counter.n.Load() - before; n != 1 {
			t.Errorf("JWTRevoked(%q, %q) sent %d statements, want 1", c.sid, c.user, n)
		}
	}
}
