package adaptertest

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// ServerTables is what an engine keeps in tables of its own beside
// another NextAuth adapter's layout (the ServerTables of adapter/postgres,
// adapter/mysql and adapter/sqlite).
type ServerTables interface {
	nextauth.JWTRevoker
	Migrate(ctx context.Context) error
	DeleteExpired(ctx context.Context, now time.Time) error
}

// ServerTablesCase is the database under [RunServerTables].
type ServerTablesCase struct {
	// Tables lists the database's tables, sorted as Want is.
	Tables func() []string
	// Want is every table after Migrate: the app's or layout's, which
	// were there before, and the server's.
	Want []string
	// RateStore is the server tables' rate store; nil when the engine
	// keeps rate limits in the process.
	RateStore nextauth.RateStore
	// Revocations counts the rows of nextauth_revoked_sessions.
	Revocations func() int
}

// RunServerTables checks s on a database that already holds other
// tables: Migrate creates exactly the server's, twice without change;
// revocations (by session and by user) and the rate store work there;
// DeleteExpired removes the ended revocations and keeps the live ones and
// a bucket still within its window.
func RunServerTables(t *testing.T, s ServerTables, c ServerTablesCase) {
	t.Helper()
	ctx := context.Background()
	for i := range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() #%d = %v", i+1, err)
		}
		if got := c.Tables(); !slices.Equal(got, c.Want) {
			t.Fatalf("tables after Migrate #%d = %v, want %v", i+1, got, c.Want)
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
	if c.RateStore != nil {
		if ok, err := c.RateStore.Take(ctx, "k", 1, time.Hour); err != nil || !ok {
			t.Fatalf("Take() = %v, %v, want the one token", ok, err)
		}
	}
	if err := s.DeleteExpired(ctx, now.Add(time.Minute)); err != nil {
		t.Fatalf("DeleteExpired() = %v", err)
	}
	if n := c.Revocations(); n != 1 {
		t.Errorf("revocations after DeleteExpired = %d, want 1 (the live one)", n)
	}
	for _, k := range []struct {
		sid, user string
		want      bool
	}{{"live", "u1", true}, {"ended", "u1", false}, {"other", "u9", true}} {
		if got, err := s.JWTRevoked(ctx, k.sid, k.user, now.Add(-time.Minute)); err != nil || got != k.want {
			t.Errorf("JWTRevoked(%s, %s) = %v, %v, want %v", k.sid, k.user, got, err, k.want)
		}
	}
	if c.RateStore != nil {
		// The bucket is within its window: kept, still empty.
		if ok, err := c.RateStore.Take(ctx, "k", 1, time.Hour); err != nil || ok {
			t.Errorf("Take() after DeleteExpired = %v, %v, want no token", ok, err)
		}
	}
}

// Strings runs query on db and returns its single string column.
func Strings(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
