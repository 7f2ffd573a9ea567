package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nextauth-go/nextauth"
)

var (
	_ nextauth.SessionLister = (*Adapter)(nil)
	_ nextauth.JWTRevoker    = (*Adapter)(nil)
)

// Statements of [nextauth.SessionLister] and [nextauth.JWTRevoker]. Times
// are compared with the server's clock (Go's time.Now, as DeleteExpired's
// now), passed as a parameter.
const (
	// sqlListSessions: the user's few rows through sessions("userId"),
	// sorted.
	sqlListSessions = `SELECT ` + sessionColumns + ` FROM sessions WHERE "userId" = $1
ORDER BY expires DESC`

	sqlDeleteUserSessions = `DELETE FROM sessions WHERE "userId" = $1`

	// sqlRevokeJWT: revoking again keeps the later end. INSERT … ON
	// CONFLICT is atomic: concurrent calls never conflict.
	sqlRevokeJWT = `INSERT INTO nextauth_revoked_sessions AS r (sid, expires) VALUES ($1, $2)
ON CONFLICT (sid) DO UPDATE SET expires = greatest(r.expires, EXCLUDED.expires)`

	// sqlRevokeUserJWTs: while the stored record lives (expires > $4,
	// now) revoking again keeps the later "before"; an ended record is
	// replaced. Either way the later end is kept.
	sqlRevokeUserJWTs = `INSERT INTO nextauth_revoked_users AS r ("userId", before, expires) VALUES ($1, $2, $3)
ON CONFLICT ("userId") DO UPDATE SET
  before = CASE WHEN r.expires > $4 THEN greatest(r.before, EXCLUDED.before) ELSE EXCLUDED.before END,
  expires = greatest(r.expires, EXCLUDED.expires)`

	// sqlJWTRevoked: the hot path, one statement of two primary key
	// lookups.
	sqlJWTRevoked = `SELECT EXISTS (SELECT 1 FROM nextauth_revoked_sessions WHERE sid = $1 AND expires > $4)
  OR EXISTS (SELECT 1 FROM nextauth_revoked_users WHERE "userId" = $2 AND before > $3 AND expires > $4)`

	// sqlDeleteExpiredRevocations: the ended revocations, through the
	// expires indexes.
	sqlDeleteExpiredRevocations = `WITH s AS (DELETE FROM nextauth_revoked_sessions WHERE expires < $1)
DELETE FROM nextauth_revoked_users WHERE expires < $1`
)

// createRevocationTables is the migration step of the JWT revocation
// tables, tables of this package alone, each only when missing. User ids
// are TEXT without a foreign key: a JWT's user need not be stored. Lookups
// go by primary key; the expires indexes serve DeleteExpired.
func createRevocationTables(ctx context.Context, tx pgx.Tx) ([]string, error) {
	const ddl = `
CREATE TABLE IF NOT EXISTS nextauth_revoked_sessions (
  sid     TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (sid)
);
CREATE INDEX IF NOT EXISTS nextauth_revoked_sessions_expires_idx ON nextauth_revoked_sessions (expires);
CREATE TABLE IF NOT EXISTS nextauth_revoked_users (
  "userId" TEXT NOT NULL,
  before   TIMESTAMPTZ NOT NULL,
  expires  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("userId")
);
CREATE INDEX IF NOT EXISTS nextauth_revoked_users_expires_idx ON nextauth_revoked_users (expires);`
	if _, err := tx.Exec(ctx, ddl, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	return nil, nil
}

// ListSessions returns userID's sessions, expired or not, newest expiry
// first, through the sessions("userId") index. An unknown user, or an id
// that is not a users.id, has none.
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	n, ok := parseID(userID)
	if !ok {
		return nil, nil
	}
	rows, err := a.pool.Query(ctx, sqlListSessions, n)
	if err != nil {
		return nil, wrap("list sessions", err, false)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (nextauth.AdapterSession, error) { return scanSession(r) })
	if err != nil {
		return nil, wrap("list sessions", err, false)
	}
	return list, nil
}

// DeleteUserSessions deletes userID's sessions in one statement and
// returns how many there were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	n, ok := parseID(userID)
	if !ok {
		return 0, nil
	}
	tag, err := a.pool.Exec(ctx, sqlDeleteUserSessions, n)
	if err != nil {
		return 0, wrap("delete user sessions", err, false)
	}
	return tag.RowsAffected(), nil
}

// RevokeJWT revokes the JWT session sid until expires. Revoking it again
// keeps the later end; an expires already past changes nothing. An empty
// sid is an error.
func (a *Adapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	if sid == "" {
		return errors.New("postgres: revoke JWT: empty sid")
	}
	if !expires.After(time.Now()) {
		return nil
	}
	if _, err := a.pool.Exec(ctx, sqlRevokeJWT, sid, expires); err != nil {
		return wrap("revoke JWT", err, false)
	}
	return nil
}

// RevokeUserJWTs revokes userID's JWT sessions signed in before before,
// for maxAge from now. While a revocation lives, revoking again keeps the
// later before and the later end. An empty userID or a maxAge under a
// microsecond is an error.
func (a *Adapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	if userID == "" {
		return errors.New("postgres: revoke user JWTs: empty user id")
	}
	if maxAge < time.Microsecond {
		return errors.New("postgres: revoke user JWTs: maxAge under a microsecond")
	}
	now := time.Now()
	if _, err := a.pool.Exec(ctx, sqlRevokeUserJWTs, userID, before, now.Add(maxAge), now); err != nil {
		return wrap("revoke user JWTs", err, false)
	}
	return nil
}

// JWTRevoked reports, in one statement of two primary key lookups,
// whether sid was revoked or userID's sessions signed in before a time
// after authTime were, by a revocation that has not ended.
func (a *Adapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	var revoked bool
	if err := a.pool.QueryRow(ctx, sqlJWTRevoked, sid, userID, authTime, time.Now()).Scan(&revoked); err != nil {
		return false, wrap("JWT revoked", err, false)
	}
	return revoked, nil
}

// deleteExpiredRevocations deletes the revocations that ended before now,
// for DeleteExpired; without the tables (a schema Migrate did not make) it
// does nothing.
func (a *Adapter) deleteExpiredRevocations(ctx context.Context, now time.Time) error {
	_, err := a.pool.Exec(ctx, sqlDeleteExpiredRevocations, now)
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == codeUndefinedTable {
		return nil
	}
	if err != nil {
		return wrap("delete expired revocations", err, false)
	}
	return nil
}
