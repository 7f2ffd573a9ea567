package mysql

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// TestServerTables: on a database holding an app's own users table (as
// another adapter's layout would), Migrate creates only the nextauth_*
// tables, twice without change; revocations and rate limits work there;
// DeleteExpired removes the ended revocations and leaves the live ones.
func TestServerTables(t *testing.T) {
	ctx := context.Background()
	_, dsn := servicetest.MySQLDatabase(t)
	db, err := Open(dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE `User` (id VARCHAR(191) PRIMARY KEY, email VARCHAR(191))"); err != nil {
		t.Fatal(err)
	}
	s := NewServerTables(db)
	tables := func() []string {
		rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY BINARY table_name")
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
	var n int
	if err := db.QueryRow("SELECT count(*) FROM nextauth_revoked_sessions").Scan(&n); err != nil || n != 1 {
		t.Errorf("revocations after DeleteExpired = %d, %v, want 1 (the live one)", n, err)
	}
	for sid, want := range map[string]bool{"live": true, "ended": false} {
		if got, err := s.JWTRevoked(ctx, sid, "u", now.Add(-time.Minute)); err != nil || got != want {
			t.Errorf("JWTRevoked(%s) = %v, %v, want %v", sid, got, err, want)
		}
	}
	if ok, err := s.RateStore().Take(ctx, "k", 1, time.Hour); err != nil || ok {
		t.Errorf("Take() after DeleteExpired = %v, %v, want no token", ok, err)
	}
}
