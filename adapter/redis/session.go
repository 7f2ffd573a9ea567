package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// CreateSession stores a database session whose key expires at s.Expires
// (or [Options.MinTTL] from now, if later). An unknown user is
// [nextauth.ErrNotFound], a reused token [nextauth.ErrConflict].
func (a *Adapter) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	s.Expires = truncate(s.Expires)
	data, err := encodeSession(s)
	if err != nil {
		return nextauth.AdapterSession{}, wrap("create session", err)
	}
	keys := []string{a.userPrefix + s.UserID, a.sessionPrefix + s.SessionToken, a.userSessionsPrefix + s.UserID}
	err = a.runStatus(ctx, a.scripts.createSession, keys, data, s.SessionToken, s.Expires.UnixMilli(), a.minTTL)
	if errors.Is(err, nextauth.ErrConflict) {
		return nextauth.AdapterSession{}, fmt.Errorf("redis: create session: token already used: %w", err)
	}
	if err != nil {
		return nextauth.AdapterSession{}, wrap("create session", err)
	}
	return s, nil
}

// GetSessionAndUser returns the session with sessionToken and its user in
// one round trip, expired or not; a session Redis has already evicted (see
// the package documentation) is [nextauth.ErrNotFound], like one whose user
// is gone. The cost does not depend on how many sessions are stored.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	v, err := a.run(ctx, a.scripts.getSessionAndUser, []string{a.sessionPrefix + sessionToken}, a.userPrefix)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap("get session and user", err)
	}
	pair, ok := v.([]any)
	if !ok || len(pair) != 2 {
		return nextauth.AdapterSession{}, nextauth.User{}, fmt.Errorf("redis: get session and user: unexpected script reply %T", v)
	}
	ss, _ := pair[0].(string)
	us, _ := pair[1].(string)
	s, err := decodeSession(ss)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap("get session and user", err)
	}
	u, err := decodeUser(us)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap("get session and user", err)
	}
	s.SessionToken = sessionToken // the key matched byte for byte
	return s, u, nil
}

// UpdateSession sets a session's Expires and moves its key's expiry with
// it (to expires, or [Options.MinTTL] from now if later), and the expiry
// of its claims.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	expires = truncate(expires)
	v, err := a.run(ctx, a.scripts.updateSession, []string{a.sessionPrefix + sessionToken, a.sessionClaimsPrefix + sessionToken},
		formatTime(expires), expires.UnixMilli(), a.minTTL, a.userSessionsPrefix, sessionToken)
	if err != nil {
		return nextauth.AdapterSession{}, wrap("update session", err)
	}
	s, err := decodeSession(replyString(v))
	if err != nil {
		return nextauth.AdapterSession{}, wrap("update session", err)
	}
	s.SessionToken = sessionToken
	return s, nil
}

// DeleteSession deletes a session and its claims and returns it; an unknown (or evicted)
// session is [nextauth.ErrNotFound].
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	v, err := a.run(ctx, a.scripts.deleteSession, []string{a.sessionPrefix + sessionToken, a.sessionClaimsPrefix + sessionToken},
		a.userSessionsPrefix, sessionToken)
	if err != nil {
		return nextauth.AdapterSession{}, wrap("delete session", err)
	}
	s, err := decodeSession(replyString(v))
	if err != nil {
		return nextauth.AdapterSession{}, wrap("delete session", err)
	}
	s.SessionToken = sessionToken
	return s, nil
}

// CreateVerificationToken stores an e-mail sign-in token whose key expires
// at t.Expires (or [Options.MinTTL] from now, if later). Reusing an
// (Identifier, Token) pair is [nextauth.ErrConflict]; one identifier may
// hold several tokens.
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	t.Expires = truncate(t.Expires)
	data, err := encodeToken(t)
	if err != nil {
		return wrap("create verification token", err)
	}
	err = a.runStatus(ctx, a.scripts.createVerificationToken, []string{a.tokenKey(t.Identifier, t.Token)},
		data, t.Expires.UnixMilli(), a.minTTL)
	if errors.Is(err, nextauth.ErrConflict) {
		return fmt.Errorf("redis: create verification token: already exists: %w", err)
	}
	return wrap("create verification token", err)
}

// UseVerificationToken deletes the token and returns it, expired or not
// (until Redis evicts it): of concurrent callers exactly one gets it, the
// others get [nextauth.ErrNotFound].
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	v, err := a.run(ctx, a.scripts.useVerificationToken, []string{a.tokenKey(identifier, token)})
	if err != nil {
		return nextauth.VerificationToken{}, wrap("use verification token", err)
	}
	t, err := decodeToken(replyString(v))
	if err != nil {
		return nextauth.VerificationToken{}, wrap("use verification token", err)
	}
	t.Identifier, t.Token = identifier, token // the key matched byte for byte
	return t, nil
}

func (a *Adapter) tokenKey(identifier, token string) string {
	return a.tokenPrefix + keyPart(identifier) + ":" + token
}
