package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
)

// ServerTables are this package's own tables, on a database whose users,
// accounts and sessions belong to another NextAuth adapter's layout
// (Prisma's, Drizzle's, … served by adapter/sqllayout): the rate-limit
// tables of [ServerTables.RateStore], the JWT revocation tables of
// [nextauth.JWTRevoker] and the session claims table (without a foreign
// key), all named nextauth_*. They are what
// [Adapter.Migrate] creates for them, with nothing of the pg-adapter
// layout: no users, accounts, sessions or verification_token table, no
// nextauth_migrations record.
type ServerTables struct{ a *Adapter }

var _ nextauth.JWTRevoker = (*ServerTables)(nil)

// NewServerTables returns the server tables in pool's database (its
// search_path's first schema). Call [ServerTables.Migrate] before first
// use. The caller owns pool.
func NewServerTables(pool *pgxpool.Pool) *ServerTables { return &ServerTables{a: New(pool)} }

// Migrate creates the server tables that are missing, complete, and is
// safe to call on every start: every statement is CREATE … IF NOT EXISTS
// or ADD COLUMN IF NOT EXISTS, run in one transaction holding the
// migration lock, so instances starting together create them once. It
// never touches another table.
func (s *ServerTables) Migrate(ctx context.Context) (err error) {
	tx, err := s.a.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: server tables: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("postgres: server tables: lock: %w", err)
	}
	for _, step := range []func(context.Context, pgx.Tx) ([]string, error){
		createRateTables, addLockoutColumn, createRevocationTables, createClaimsTable,
	} {
		if _, err := step(ctx, tx); err != nil {
			return fmt.Errorf("postgres: server tables: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: server tables: commit: %w", err)
	}
	return nil
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

// sqlDeleteExpiredServerRows is the part of sqlDeleteExpired on the
// rate-limit tables.
const sqlDeleteExpiredServerRows = `WITH ` + sqlStaleRateRows + ` SELECT 1`

// DeleteExpired deletes what [Adapter.DeleteExpired] deletes of the
// server tables: stale rate-limit rows and the JWT revocations that ended
// before now.
func (s *ServerTables) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := s.a.pool.Exec(ctx, sqlDeleteExpiredServerRows, now); err != nil {
		return wrap("delete expired", err, false)
	}
	return s.a.deleteExpiredRevocations(ctx, now)
}

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
	if _, err := s.a.pool.Exec(ctx, `DELETE FROM nextauth_session_claims WHERE "sessionToken" = $1`, sessionToken); err != nil {
		return wrap("delete session claims", err, false)
	}
	return nil
}

// DeleteOrphanSessionClaims deletes the claims whose session is no longer
// a row of the layout's session table, table, with the token in column
// (both quoted identifiers, from the layout's adapter). The token is
// compared as text, whatever the column's type.
func (s *ServerTables) DeleteOrphanSessionClaims(ctx context.Context, table, column string) error {
	_, err := s.a.pool.Exec(ctx, `DELETE FROM nextauth_session_claims WHERE "sessionToken" NOT IN (SELECT `+
		column+`::text FROM `+table+` WHERE `+column+` IS NOT NULL)`)
	if err != nil {
		return wrap("delete orphan claims", err, false)
	}
	return nil
}
