package nextauth

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by [Adapter] methods when the user, account,
// session or verification token asked for does not exist. Adapters never
// return a zero value with a nil error for "not found".
var ErrNotFound = errors.New("nextauth: not found")

// ErrConflict is returned by [Adapter] methods that would break a
// uniqueness rule: a second user with the same e-mail, a provider account
// linked twice, a session token or verification token reused.
var ErrConflict = errors.New("nextauth: conflict")

// AdapterSession is a database session (NextAuth's AdapterSession).
type AdapterSession struct {
	SessionToken string
	UserID       string
	Expires      time.Time
}

// VerificationToken is an e-mail sign-in token as stored: Token is the
// SHA-256 hash of the token in the link, never the token itself.
type VerificationToken struct {
	Identifier string
	Token      string
	Expires    time.Time
}

// Adapter stores users, accounts, sessions and verification tokens
// (NextAuth's Adapter, docs/compatibility.md#adapters-and-the-data-model). Implementations are in adapter/...;
// adapter/adaptertest checks any implementation against this contract.
//
// Conventions: ctx comes first; "not found" is [ErrNotFound]; a broken
// uniqueness rule is [ErrConflict] (wrapped is fine). A user's Name, Email
// and Image are stored as NULL when they are null, absent or "" (not
// [NullString.Valid], or empty), and a NULL is read back as [Null] (so a
// session shows it as null, as NextAuth's SQL adapters do); a nil
// EmailVerified means never verified. Times are stored to at least
// millisecond precision and returned in UTC.
type Adapter interface {
	// CreateUser stores a new user and returns it with its new ID (u.ID is
	// ignored). An e-mail already used by another user is ErrConflict.
	CreateUser(ctx context.Context, u User) (User, error)
	// GetUser returns the user with id.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail returns the user with exactly this e-mail.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// GetUserByAccount returns the user linked to the provider account.
	GetUserByAccount(ctx context.Context, provider, providerAccountID string) (User, error)
	// UpdateUser replaces the name, e-mail, image and EmailVerified of the
	// user with u.ID and returns the stored user.
	UpdateUser(ctx context.Context, u User) (User, error)
	// LinkAccount stores a provider account of user a.UserID. Linking the
	// same provider account twice is ErrConflict; an unknown user is
	// ErrNotFound.
	LinkAccount(ctx context.Context, a Account) error

	// CreateSession stores a database session; an unknown user is
	// ErrNotFound, a reused token ErrConflict.
	CreateSession(ctx context.Context, s AdapterSession) (AdapterSession, error)
	// GetSessionAndUser returns the session with token and its user, expired
	// or not (the caller checks Expires).
	GetSessionAndUser(ctx context.Context, sessionToken string) (AdapterSession, User, error)
	// UpdateSession sets a session's expiry and returns the stored session.
	UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (AdapterSession, error)
	// DeleteSession deletes a session and returns what was deleted.
	DeleteSession(ctx context.Context, sessionToken string) (AdapterSession, error)

	// CreateVerificationToken stores an e-mail sign-in token.
	CreateVerificationToken(ctx context.Context, t VerificationToken) error
	// UseVerificationToken deletes the token with this identifier and
	// (hashed) token and returns it, expired or not: a token can be used
	// once, and of two concurrent calls exactly one gets it.
	UseVerificationToken(ctx context.Context, identifier, token string) (VerificationToken, error)
}

// UserDeleter is an [Adapter] that can delete users; deleting a user
// deletes its accounts and sessions.
type UserDeleter interface {
	DeleteUser(ctx context.Context, id string) error
}

// AccountUnlinker is an [Adapter] that can remove a provider account.
type AccountUnlinker interface {
	UnlinkAccount(ctx context.Context, provider, providerAccountID string) error
}

// ExpiredDeleter is an [Adapter] that can delete expired sessions and
// verification tokens in bulk (SQL stores; Redis expires keys by itself).
// The server binary calls it periodically.
type ExpiredDeleter interface {
	DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error)
}

// AccountUpdater is an [Adapter] that can read and update a user's provider
// account, which refreshing access tokens under the database strategy needs
// ([Config.RefreshAccessTokens]).
type AccountUpdater interface {
	// GetUserAccount returns userID's account at provider (the most
	// recently linked one if there are several).
	GetUserAccount(ctx context.Context, userID, provider string) (Account, error)
	// UpdateAccount replaces the token fields (RefreshToken, AccessToken,
	// ExpiresAt, TokenType, Scope, IDToken, SessionState) of the account
	// (a.Provider, a.ProviderAccountID) and returns the stored account.
	UpdateAccount(ctx context.Context, a Account) (Account, error)
}

// SessionLister is an [Adapter] that can list and delete a user's database
// sessions ("sign out everywhere", an admin's session list).
type SessionLister interface {
	// ListSessions returns userID's sessions, expired or not, newest expiry
	// first.
	ListSessions(ctx context.Context, userID string) ([]AdapterSession, error)
	// DeleteUserSessions deletes all of userID's sessions and returns how
	// many there were.
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
}

// JWTRevoker is an [Adapter] that remembers revoked JWT sessions, so that
// the handler can refuse them although their tokens still decode. Each JWT
// session carries a stable "sid" claim and its sign-in time "auth_time";
// both survive the token's re-issue on every read.
type JWTRevoker interface {
	// RevokeJWT revokes the session sid until expires (after which its
	// token is dead anyway).
	RevokeJWT(ctx context.Context, sid string, expires time.Time) error
	// RevokeUserJWTs revokes every session of userID signed in before
	// before ("sign out everywhere"); the record is kept for maxAge.
	RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error
	// JWTRevoked reports whether the session sid of userID, signed in at
	// authTime, was revoked, in one round trip.
	JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error)
}
