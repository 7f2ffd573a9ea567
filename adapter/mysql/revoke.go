package mysql

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Statements of [nextauth.SessionLister] and [nextauth.JWTRevoker]. Times
// are compared with the server's clock (Go's time.Now, as DeleteExpired's
// now), passed as a parameter; sids and user ids are keyed by their
// SHA-256.
const (
	sqlListSessions       = "SELECT `sessionToken`, expires FROM sessions WHERE `userId` = ? ORDER BY expires DESC"
	sqlDeleteUserSessions = "DELETE FROM sessions WHERE `userId` = ?"

	// sqlRevokeJWT: revoking again keeps the later end.
	sqlRevokeJWT = "INSERT INTO nextauth_revoked_sessions (sid_hash, expires) VALUES (?, ?)" +
		" ON DUPLICATE KEY UPDATE expires = GREATEST(expires, VALUES(expires))"
	// sqlRevokeUserJWTs: while the stored record lives (expires > now)
	// revoking again keeps the later "before"; an ended record is
	// replaced. Either way the later end is kept. MySQL assigns left to
	// right, so before reads the old expires.
	sqlRevokeUserJWTs = "INSERT INTO nextauth_revoked_users (user_hash, `before`, expires) VALUES (?, ?, ?)" +
		" ON DUPLICATE KEY UPDATE `before` = IF(expires > ?, GREATEST(`before`, VALUES(`before`)), VALUES(`before`))," +
		" expires = GREATEST(expires, VALUES(expires))"
	// sqlJWTRevoked: two primary key lookups in one statement.
	sqlJWTRevoked = "SELECT EXISTS (SELECT 1 FROM nextauth_revoked_sessions WHERE sid_hash = ? AND expires > ?)" +
		" OR EXISTS (SELECT 1 FROM nextauth_revoked_users WHERE user_hash = ? AND `before` > ? AND expires > ?)"

	sqlDeleteExpiredRevokedSessions = "DELETE FROM nextauth_revoked_sessions WHERE expires < ? LIMIT " + batch
	sqlDeleteExpiredRevokedUsers    = "DELETE FROM nextauth_revoked_users WHERE expires < ? LIMIT " + batch
)

// ListSessions returns userID's sessions, expired or not, newest expiry
// first, through the sessions(userId) index. An unknown user, or an id
// that is not a users.id, has none.
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	n, ok := parseID(userID)
	if !ok {
		return nil, nil
	}
	rows, err := a.db.QueryContext(ctx, sqlListSessions, n)
	if err != nil {
		return nil, wrap(ctx, "list sessions", err)
	}
	defer rows.Close()
	var list []nextauth.AdapterSession
	for rows.Next() {
		var (
			token   string
			expires timeValue
		)
		if err := rows.Scan(&token, &expires); err != nil {
			return nil, wrap(ctx, "list sessions", err)
		}
		list = append(list, nextauth.AdapterSession{SessionToken: token, UserID: strconv.FormatInt(int64(n), 10), Expires: expires.t})
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, "list sessions", err)
	}
	return list, nil
}

// DeleteUserSessions deletes userID's sessions and their claims in one
// transaction and returns how many sessions there were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	n, ok := parseID(userID)
	if !ok {
		return 0, nil
	}
	var k int64
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		if err := execClaims(ctx, tx, sqlDeleteUserClaims, n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, sqlDeleteUserSessions, n)
		if err != nil {
			return err
		}
		k, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, wrap(ctx, "delete user sessions", err)
	}
	return k, nil
}

// RevokeJWT revokes the JWT session sid until expires. Revoking it again
// keeps the later end; an expires already past changes nothing. An empty
// sid is an error.
func (a *Adapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	if sid == "" {
		return errors.New("mysql: revoke JWT: empty sid")
	}
	if !expires.After(time.Now()) {
		return nil
	}
	if _, err := a.db.ExecContext(ctx, sqlRevokeJWT, keyHash(sid), dbTime(expires)); err != nil {
		return wrap(ctx, "revoke JWT", err)
	}
	return nil
}

// RevokeUserJWTs revokes userID's JWT sessions signed in before before,
// for maxAge from now. While a revocation lives, revoking again keeps the
// later before and the later end. An empty userID or a maxAge under a
// microsecond is an error.
func (a *Adapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	if userID == "" {
		return errors.New("mysql: revoke user JWTs: empty user id")
	}
	if maxAge < time.Microsecond {
		return errors.New("mysql: revoke user JWTs: maxAge under a microsecond")
	}
	now := time.Now()
	_, err := a.db.ExecContext(ctx, sqlRevokeUserJWTs, keyHash(userID), dbTime(before), dbTime(now.Add(maxAge)), dbTime(now))
	if err != nil {
		return wrap(ctx, "revoke user JWTs", err)
	}
	return nil
}

// JWTRevoked reports, in one statement of two primary key lookups,
// whether sid was revoked or userID's sessions signed in before a time
// after authTime were, by a revocation that has not ended.
func (a *Adapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	now := dbTime(time.Now())
	var revoked bool
	err := a.db.QueryRowContext(ctx, sqlJWTRevoked, keyHash(sid), now, keyHash(userID), dbTime(authTime), now).Scan(&revoked)
	if err != nil {
		return false, wrap(ctx, "JWT revoked", err)
	}
	return revoked, nil
}
