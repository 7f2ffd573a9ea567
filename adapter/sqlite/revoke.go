package sqlite

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/nextauth-go/nextauth"
)

// ListSessions returns userID's sessions, expired or not, newest expiry
// first, through the sessions("userId") index. An unknown user, or an id
// that is not the decimal form of an integer key, has none.
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	const op = "list sessions"
	key, ok := parseID(userID)
	if !ok {
		return nil, nil
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := st.listSessions.QueryContext(ctx, key)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	defer rows.Close()
	var list []nextauth.AdapterSession
	for rows.Next() {
		var (
			token   string
			expires int64
		)
		if err := rows.Scan(&token, &expires); err != nil {
			return nil, wrap(ctx, op, err)
		}
		list = append(list, nextauth.AdapterSession{SessionToken: token, UserID: strconv.FormatInt(key, 10), Expires: fromMillis(expires)})
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	slices.SortStableFunc(list, func(x, y nextauth.AdapterSession) int { return y.Expires.Compare(x.Expires) })
	return list, nil
}

// DeleteUserSessions deletes userID's sessions in one statement and
// returns how many there were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	const op = "delete user sessions"
	key, ok := parseID(userID)
	if !ok {
		return 0, nil
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.lock(ctx); err != nil {
		return 0, wrap(ctx, op, err)
	}
	defer a.unlock()
	res, err := st.deleteUserSessions.ExecContext(ctx, key)
	if err != nil {
		return 0, wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap(ctx, op, err)
	}
	return n, nil
}

// RevokeJWT revokes the JWT session sid until expires (to the
// millisecond). Revoking it again keeps the later end; an expires already
// past changes nothing. An empty sid is an error.
func (a *Adapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	const op = "revoke JWT"
	if sid == "" {
		return errors.New("sqlite: revoke JWT: empty sid")
	}
	if !expires.After(time.Now()) {
		return nil
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	if _, err := st.revokeJWT.ExecContext(ctx, sid, expires.UnixMilli()); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// RevokeUserJWTs revokes userID's JWT sessions signed in before before
// (to the millisecond), for maxAge from now. While a revocation lives,
// revoking again keeps the later before and the later end. An empty userID
// or a maxAge under a millisecond is an error.
func (a *Adapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	const op = "revoke user JWTs"
	if userID == "" {
		return errors.New("sqlite: revoke user JWTs: empty user id")
	}
	if maxAge < time.Millisecond {
		return errors.New("sqlite: revoke user JWTs: maxAge under a millisecond")
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	now := time.Now()
	if _, err := st.revokeUserJWTs.ExecContext(ctx, userID, before.UnixMilli(), now.Add(maxAge).UnixMilli(), now.UnixMilli()); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// JWTRevoked reports, in one query of two primary key lookups, whether
// sid was revoked or userID's sessions signed in before a time after
// authTime were, by a revocation that has not ended.
func (a *Adapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	const op = "JWT revoked"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return false, err
	}
	var revoked bool
	err = st.jwtRevoked.QueryRowContext(ctx, sid, userID, authTime.UnixMilli(), time.Now().UnixMilli()).Scan(&revoked)
	if err != nil {
		return false, wrap(ctx, op, err)
	}
	return revoked, nil
}
