package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// ServerTables are this package's own tables, on a database whose users,
// accounts and sessions belong to another NextAuth adapter's layout
// (Prisma's, Drizzle's, … served by adapter/sqllayout): the rate-limit
// tables of [ServerTables.RateStore], the JWT revocation tables of
// [nextauth.JWTRevoker] and the session claims table, all named nextauth_*, as [Adapter.Migrate]
// creates them, with nothing of the default layout: no users, accounts,
// sessions or verification_token table, no nextauth_migrations record.
type ServerTables struct{ a *Adapter }

var _ nextauth.JWTRevoker = (*ServerTables)(nil)

// NewServerTables returns the server tables in db's database. Call
// [ServerTables.Migrate] before first use. The caller owns db.
func NewServerTables(db *sql.DB) *ServerTables { return &ServerTables{a: New(db)} }

// Migrate creates the server tables that are missing, complete, and is
// safe to call on every start: under the lock [Adapter.Migrate] takes, it
// runs the steps of Migrate that make them, each idempotent. It never
// touches another table.
func (s *ServerTables) Migrate(ctx context.Context) error {
	return locked(ctx, s.a.db, "server tables", func(ctx context.Context, conn *sql.Conn) error {
		steps := migrations()
		for _, v := range serverSteps {
			if err := steps[v-1].apply(ctx, conn); err != nil {
				return fmt.Errorf("mysql: server tables: step %d: %w", v, err)
			}
		}
		return nil
	})
}

// RateStore returns the [nextauth.RateStore] of [Adapter.RateStore] on
// the server tables: every server of a fleet shares one limit.
func (s *ServerTables) RateStore() nextauth.RateStore { return s.a.RateStore() }

// RevokeJWT is [Adapter.RevokeJWT].
func (s *ServerTables) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	return s.a.RevokeJWT(ctx, sid, expires)
}

// RevokeUserJWTs is [Adapter.RevokeUserJWTs].
func (s *ServerTables) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	return s.a.RevokeUserJWTs(ctx, userID, before, maxAge)
}

// JWTRevoked is [Adapter.JWTRevoked].
func (s *ServerTables) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	return s.a.JWTRevoked(ctx, sid, userID, authTime)
}

// DeleteExpired deletes what [Adapter.DeleteExpired] deletes of the
// server tables: stale rate-limit rows and the JWT revocations that ended
// before now.
func (s *ServerTables) DeleteExpired(ctx context.Context, now time.Time) error {
	return s.a.deleteExpiredServerRows(ctx, dbTime(now))
}

// SetSessionClaims is [Adapter.SetSessionClaims], for the sessions of the
// layout beside the tables.
func (s *ServerTables) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	return setSessionClaims(ctx, s.a.db, sessionToken, claims)
}

// SessionClaims is [Adapter.SessionClaims].
func (s *ServerTables) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	return sessionClaims(ctx, s.a.db, sessionToken)
}

// DeleteSessionClaims deletes the claims of the session sessionToken, if
// any.
func (s *ServerTables) DeleteSessionClaims(ctx context.Context, sessionToken string) error {
	if err := execClaims(ctx, s.a.db, sqlDeleteSessionClaims, []byte(sessionToken)); err != nil {
		return wrap(ctx, "delete session claims", err)
	}
	return nil
}

// DeleteOrphanSessionClaims deletes the claims whose session is no longer
// a row of the layout's session table, table, with the token in column
// (both quoted identifiers, from the layout's adapter).
func (s *ServerTables) DeleteOrphanSessionClaims(ctx context.Context, table, column string) error {
	return deleteOrphanClaims(ctx, s.a.db, table, column)
}
