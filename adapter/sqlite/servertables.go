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
// and nextauth_revoked_users, as [Adapter.Migrate] creates them, and
// nextauth_session_claims without the default layout's foreign key to its
// sessions, with nothing of the default layout. Rate limits stay in the process, as with
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
	if _, err := s.a.db.ExecContext(ctx, ddlRevocations+ddlServerClaims); err != nil {
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

// ddlServerClaims is nextauth_session_claims beside another layout's
// sessions: no foreign key (the layout's session table has another name
// and keys); the claims of a session are deleted with it by the server
// (DeleteSessionClaims) and those of sessions gone otherwise by
// DeleteOrphanSessionClaims.
const ddlServerClaims = `
CREATE TABLE IF NOT EXISTS nextauth_session_claims (
	"sessionToken" TEXT PRIMARY KEY,
	claims         TEXT NOT NULL
) STRICT;`

// SetSessionClaims is [Adapter.SetSessionClaims], for the sessions of the
// layout beside the tables.
func (s *ServerTables) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	return s.a.SetSessionClaims(ctx, sessionToken, claims)
}

// SessionClaims is [Adapter.SessionClaims].
func (s *ServerTables) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	return s.a.SessionClaims(ctx, sessionToken)
}

// DeleteSessionClaims deletes the claims of the session sessionToken, if
// any.
func (s *ServerTables) DeleteSessionClaims(ctx context.Context, sessionToken string) error {
	return s.exec(ctx, "delete session claims", `DELETE FROM nextauth_session_claims WHERE "sessionToken" = ?`, sessionToken)
}

// DeleteOrphanSessionClaims deletes the claims whose session is no longer
// a row of the layout's session table, table, with the token in column
// (both quoted identifiers, from the layout's adapter).
func (s *ServerTables) DeleteOrphanSessionClaims(ctx context.Context, table, column string) error {
	return s.exec(ctx, "delete orphan claims", `DELETE FROM nextauth_session_claims WHERE "sessionToken" NOT IN (SELECT `+
		column+` FROM `+table+` WHERE `+column+` IS NOT NULL)`)
}

// exec runs a write under the adapter's write lock.
func (s *ServerTables) exec(ctx context.Context, op, q string, args ...any) error {
	if err := s.a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer s.a.unlock()
	if _, err := s.a.db.ExecContext(ctx, q, args...); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}
