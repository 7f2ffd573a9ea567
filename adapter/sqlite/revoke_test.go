package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// TestDeleteExpiredRevocations checks that DeleteExpired removes the JWT
// revocations that ended, more than one batch of them, and keeps the
// others.
func TestDeleteExpiredRevocations(t *testing.T) {
	a := openTestAdapter(t, tempDB(t))
	ctx := t.Context()
	now := time.Now()
	const ended = expiredBatch + 3
	tx, err := a.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range ended {
		end := now.Add(-time.Duration(i+1) * time.Millisecond).UnixMilli()
		if _, err := tx.Exec(`INSERT INTO nextauth_revoked_sessions (sid, expires) VALUES (?, ?)`, fmt.Sprint("old", i), end); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO nextauth_revoked_users ("userId", before, expires) VALUES (?, ?, ?)`, fmt.Sprint("old", i), end, end); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeJWT(ctx, "live", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeUserJWTs(ctx, "live", now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.DeleteExpired(ctx, now); err != nil {
		t.Fatalf("DeleteExpired = %v", err)
	}
	for _, table := range []string{"nextauth_revoked_sessions", "nextauth_revoked_users"} {
		if n := count(t, a.db, table); n != 1 {
			t.Errorf("%d rows left in %s, want the live one", n, table)
		}
	}
	if revoked, err := a.JWTRevoked(ctx, "live", "live", now.Add(-time.Minute)); err != nil || !revoked {
		t.Errorf("JWTRevoked(live) after DeleteExpired = %v, %v, want true", revoked, err)
	}
}

// TestMigrateAddsRevocations upgrades a database of schema version 1 (a
// release without JWT revocation): its data stays, revocation works.
func TestMigrateAddsRevocations(t *testing.T) {
	path := tempDB(t)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := New(db)
	if _, err := db.Exec(`CREATE TABLE nextauth_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	if err := old.apply(t.Context(), 1, migrations()[0]); err != nil {
		t.Fatal(err)
	}
	// The statements need the whole schema: write as version 1 would.
	if _, err := db.Exec(`INSERT INTO users (id, email) VALUES (7, 'v1@example.com');
INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (7, ?, 't')`, time.Now().Add(time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	u := nextauth.User{ID: "7"}
	old.Close()

	a := openTestAdapter(t, path)
	if n := count(t, a.db, "nextauth_migrations"); n != int64(len(migrations())) {
		t.Errorf("%d migration records, want %d", n, len(migrations()))
	}
	if list, err := a.ListSessions(t.Context(), u.ID); err != nil || len(list) != 1 {
		t.Errorf("ListSessions after the upgrade = %v, %v, want the one session", list, err)
	}
	if err := a.RevokeUserJWTs(t.Context(), u.ID, time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if revoked, err := a.JWTRevoked(t.Context(), "sid", u.ID, time.Now().Add(-time.Minute)); err != nil || !revoked {
		t.Errorf("JWTRevoked after the upgrade = %v, %v, want true", revoked, err)
	}
}
