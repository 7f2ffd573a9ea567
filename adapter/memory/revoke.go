package memory

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/nextauth-go/nextauth"
)

// userRevocation is a user's "sign out everywhere": sessions signed in
// before before are revoked until expires.
type userRevocation struct {
	before, expires time.Time
}

// ListSessions returns userID's sessions, expired or not, newest expiry
// first, from the adapter's index of sessions by user. An unknown user has
// none.
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	if err := a.lock(ctx); err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	list := make([]nextauth.AdapterSession, 0, len(a.byUser[userID]))
	for token := range a.byUser[userID] {
		list = append(list, a.sessions[token])
	}
	slices.SortFunc(list, func(x, y nextauth.AdapterSession) int { return y.Expires.Compare(x.Expires) })
	return list, nil
}

// DeleteUserSessions deletes userID's sessions and returns how many there
// were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	if err := a.lock(ctx); err != nil {
		return 0, err
	}
	defer a.mu.Unlock()
	return a.deleteUserSessions(userID), nil
}

// deleteUserSessions deletes userID's sessions and their index; a.mu is
// held.
func (a *Adapter) deleteUserSessions(userID string) int64 {
	idx := a.byUser[userID]
	for token := range idx {
		delete(a.sessions, token)
	}
	delete(a.byUser, userID)
	return int64(len(idx))
}

// RevokeJWT revokes the JWT session sid until expires; revoking it again
// keeps the later end, and an expires already past changes nothing. An
// empty sid is an error.
func (a *Adapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	if sid == "" {
		return errors.New("memory: revoke JWT: empty sid")
	}
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	if end, ok := a.revokedSIDs[sid]; expires.After(time.Now()) && (!ok || expires.After(end)) {
		a.revokedSIDs[sid] = expires.UTC()
	}
	return nil
}

// RevokeUserJWTs revokes userID's JWT sessions signed in before before,
// for maxAge from now. Of several live revocations the latest before and
// the latest end count. An empty userID or a maxAge under a millisecond
// is an error.
func (a *Adapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	if userID == "" {
		return errors.New("memory: revoke user JWTs: empty user id")
	}
	if maxAge < time.Millisecond {
		return errors.New("memory: revoke user JWTs: maxAge under a millisecond")
	}
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	now := time.Now()
	r := userRevocation{before: before.UTC(), expires: now.Add(maxAge).UTC()}
	if old, ok := a.revokedUsers[userID]; ok && old.expires.After(now) {
		if old.before.After(r.before) {
			r.before = old.before
		}
		if old.expires.After(r.expires) {
			r.expires = old.expires
		}
	}
	a.revokedUsers[userID] = r
	return nil
}

// JWTRevoked reports whether sid was revoked, or userID's sessions signed
// in before a time after authTime, by a revocation that has not ended.
func (a *Adapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	if err := a.lock(ctx); err != nil {
		return false, err
	}
	defer a.mu.Unlock()
	now := time.Now()
	if end, ok := a.revokedSIDs[sid]; ok && end.After(now) {
		return true, nil
	}
	r, ok := a.revokedUsers[userID]
	return ok && r.expires.After(now) && authTime.Before(r.before), nil
}
