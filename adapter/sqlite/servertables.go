package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// ServerTables are this package's own tables, in an SQLite file whose
// users, accounts and sessions belong to another NextAuth adapter's layout
// (Prisma's, Drizzle's, … served by adapter/sqllayout): the JWT
// revocation tables of [nextauth.JWTRevoker], nextauth_revoked_sessions
// and nextauth_revoked_users, as [Adapter.Migrate] creates them, with
// nothing of the default layout. Rate limits stay in the process, as with
// [Adapter]: an SQLite file serves one server.
type ServerTables struct{ a *Adapter }

var _ nextauth.JWTRevoker = (*ServerTables)(nil)

// NewServerTables returns the server tables in db. Call
// [ServerTables.Migrate] before first use. The caller owns db; Close
// releases the prepared statements.
func NewServerTables(db *sql.DB) *ServerTables {
	a := New(db)
	a.serverOnly = true
	return &ServerTables{a: a}
}

// Migrate creates the server tables that are missing, and is safe to call
// on every start (CREATE … IF NOT EXISTS). It never touches another table.
func (s *ServerTables) Migrate(ctx context.Context) error {
	if err := s.a.lock(ctx); err != nil {
		return fmt.Errorf("sqlite: server tables: %w", err)
	}
	defer s.a.unlock()
	if _, err := s.a.db.ExecContext(ctx, ddlRevocations); err != nil {
		return fmt.Errorf("sqlite: server tables: %w", err)
	}
	return nil
}

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

// DeleteExpired deletes the JWT revocations that ended before now.
func (s *ServerTables) DeleteExpired(ctx context.Context, now time.Time) error {
	_, _, err := s.a.DeleteExpired(ctx, now)
	return err
}

// Close releases the prepared statements.
func (s *ServerTables) Close() error { return s.a.Close() }
