package mysql

import (
	"testing"

	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// TestServerTables runs adaptertest.RunServerTables on a database holding
// an app's own table, as another adapter's layout would.
func TestServerTables(t *testing.T) {
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
	adaptertest.RunServerTables(t, s, adaptertest.ServerTablesCase{
		Tables: func() []string {
			return adaptertest.Strings(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY BINARY table_name")
		},
		Want:      []string{"User", "nextauth_rate_buckets", "nextauth_rate_counters", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"},
		RateStore: s.RateStore(),
		Revocations: func() int {
			return len(adaptertest.Strings(t, db, "SELECT HEX(sid_hash) FROM nextauth_revoked_sessions"))
		},
	})
}
