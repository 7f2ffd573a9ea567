package nextauth

import (
	"context"
	"net/http"
)

// sessionStrategy keeps sessions: in an encrypted cookie (jwtSessions,
// session_jwt.go) or in the Adapter (dbSessions, session_db.go). New picks
// one from the configured strategy; the routes call it and never ask which
// one it is.
type sessionStrategy interface {
	// read returns the session of r (nil for none) and the Set-Cookie values
	// that re-issue, slide or clear its cookie. trigger and data are the
	// client's update() (TriggerUpdate) or empty for a read.
	read(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string)

	// signInUser turns the user a credentials provider authorised into the
	// user to sign in, and reports whether it is new.
	signInUser(s *state, a *Account, u *User) (*User, bool, error)

	// start begins the session of a user who just signed in and queues its
	// cookie.
	start(s *state, u *User, a *Account, profile map[string]any, isNewUser bool) error

	// end ends the session whose cookie value is raw (POST /signout) and
	// returns what the signOut event reports, and whether it fires.
	// Failures are logged; the caller clears the cookie either way.
	end(ctx context.Context, raw string) (SignOutEvent, bool)

	// current is the user already signed in on s, for OAuth account
	// linking, and the database session to keep when the sign-in continues
	// it. raw is the session cookie's value. It accepts exactly the
	// sessions read accepts (one check shared by both: jwtSessions.check,
	// dbSessions.lookup), so that a signed-out, revoked or expired session
	// links nothing.
	current(s *state, raw string) (*User, *AdapterSession)

	// identify is the forward check's read (forward.go): the identity of
	// the session token raw (a cookie's value or a bearer token) after the
	// checks read applies (jwtSessions.check, dbSessions.lookup), with no
	// callback run, no expiry extended and no cookie written.
	identify(ctx context.Context, raw string) (ForwardIdentity, bool)

	// emailSignIn runs before an e-mail sign-in of userID completes.
	emailSignIn(s *state, raw, userID string)

	// revoke ends one session by its id: a database session's token, a JWT
	// session's "sid" claim.
	revoke(ctx context.Context, id string) error
	// revokeSID ends one JWT session by its "sid" claim.
	revokeSID(ctx context.Context, sid string) error
	// revokeUser ends every session of userID and returns how many stored
	// sessions it deleted.
	revokeUser(ctx context.Context, userID string) (int64, error)
	// revokeCredentialsUser ends every session of the user id of the
	// credentials provider, apart from any adapter user with the same id,
	// and returns how many stored sessions it deleted.
	revokeCredentialsUser(ctx context.Context, provider, id string) (int64, error)
	// list returns userID's stored sessions.
	list(ctx context.Context, userID string) ([]AdapterSession, error)

	// accessToken returns providerID's access token for the session of r,
	// refreshed when due (see Handler.AccessToken).
	accessToken(w http.ResponseWriter, r *http.Request, providerID string) (string, error)
}

// tokenCheck is the outcome of checking a session cookie's value as GET
// /session does (jwtSessions.check, dbSessions.lookup).
type tokenCheck int

const (
	tokenValid     tokenCheck = iota
	tokenInvalid              // unknown, undecodable, expired or revoked: clear the cookie
	tokenUnchecked            // the store failed: no session now, keep the cookie
)
