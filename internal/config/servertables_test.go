package config

import (
	"context"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// TestForeignAdapterSessionClaims: on Prisma's layout with the server's
// tables, the adapter keeps a database session's claims, deletes them
// with DeleteSession, and DeleteExpired removes those whose Session row
// went otherwise (DeleteUserSessions here) while keeping a live session's.
func TestForeignAdapterSessionClaims(t *testing.T) {
	for _, tt := range []struct{ kind, fixture string }{
		{KindSQLite, "prisma-sqlite.sql"},
		{KindPostgres, "prisma-postgres.sql"},
		{KindMySQL, "prisma-mysql.sql"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			ctx := context.Background()
			db := newAppDB(t, tt.kind, []string{tt.fixture})
			f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, store, err := f.Open(ctx, nil)
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer store.Close()
			a := cfg.Adapter
			cs, ok := a.(nextauth.SessionClaimsStore)
			if !ok {
				t.Fatalf("Adapter %T is not a SessionClaimsStore", a)
			}
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			other, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("b@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			session := func(tok, userID string) {
				t.Helper()
				if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: tok, UserID: userID, Expires: time.Now().Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				if err := cs.SetSessionClaims(ctx, tok, map[string]any{"role": "user"}); err != nil {
					t.Fatal(err)
				}
			}
			role := func(tok string) any {
				t.Helper()
				got, err := cs.SessionClaims(ctx, tok)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					return nil
				}
				return got["role"]
			}
			session("deleted", u.ID)
			session("orphan", u.ID)
			session("live", other.ID)
			if err := cs.SetSessionClaims(ctx, "live", map[string]any{"role": "admin"}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.DeleteSession(ctx, "deleted"); err != nil {
				t.Fatal(err)
			}
			if r := role("deleted"); r != nil {
				t.Errorf("claims after DeleteSession = %v, want none", r)
			}
			if _, err := a.(nextauth.SessionLister).DeleteUserSessions(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if r := role("orphan"); r != "user" {
				t.Fatalf("claims of a session deleted by DeleteUserSessions = %v, want them until DeleteExpired", r)
			}
			if _, _, err := a.(nextauth.ExpiredDeleter).DeleteExpired(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			if r := role("orphan"); r != nil {
				t.Errorf("orphan claims after DeleteExpired = %v, want none", r)
			}
			if r := role("live"); r != "admin" {
				t.Errorf("live session's claims after DeleteExpired = %v, want role admin", r)
			}
		})
	}
}
