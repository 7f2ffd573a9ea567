// Package memory is an in-process [nextauth.Adapter] for tests, examples
// and single-instance demos: everything lives in maps behind one mutex and
// is lost when the process exits.
package memory

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Adapter is an in-memory [nextauth.Adapter] that also implements
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater],
// [nextauth.SessionLister] and [nextauth.JWTRevoker], plus GetAccount
// (adaptertest.AccountGetter).
// It is safe for concurrent use. Values are copied in and out: nothing a
// caller holds shares memory with the store. User ids are decimal counters
// ("1", "2", …) in creation order. Times are kept to the nanosecond and
// returned in UTC. Every method first returns ctx.Err() if ctx is done.
//
// Create one with [New]; the zero value is not usable.
type Adapter struct {
	mu       sync.Mutex
	lastID   uint64
	lastLink uint64                   // counts LinkAccount calls, to order accounts
	users    map[string]nextauth.User // by ID
	byEmail  map[string]string        // e-mail → user ID, for users with one
	accounts map[accountKey]linkedAccount
	sessions map[string]nextauth.AdapterSession // by token
	byUser   map[string]map[string]struct{}     // user ID → its session tokens
	tokens   map[tokenKey]nextauth.VerificationToken

	revokedSIDs  map[string]time.Time      // sid → end of its revocation
	revokedUsers map[string]userRevocation // by user ID
}

type accountKey struct{ provider, providerAccountID string }

// linkedAccount is a stored account and when it was linked (a value of
// Adapter.lastLink).
type linkedAccount struct {
	nextauth.Account
	seq uint64
}

type tokenKey struct{ identifier, token string }

// New returns an empty adapter.
func New() *Adapter {
	return &Adapter{
		users:    make(map[string]nextauth.User),
		byEmail:  make(map[string]string),
		accounts: make(map[accountKey]linkedAccount),
		sessions: make(map[string]nextauth.AdapterSession),
		byUser:   make(map[string]map[string]struct{}),
		tokens:   make(map[tokenKey]nextauth.VerificationToken),

		revokedSIDs:  make(map[string]time.Time),
		revokedUsers: make(map[string]userRevocation),
	}
}

var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.ExpiredDeleter  = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ nextauth.SessionLister   = (*Adapter)(nil)
	_ nextauth.JWTRevoker      = (*Adapter)(nil)
)

// lock takes the mutex unless ctx is already done.
func (a *Adapter) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	a.mu.Lock()
	return nil
}

func notFound(what string, key ...any) error {
	return fmt.Errorf("memory: %s %q: %w", what, fmt.Sprint(key...), nextauth.ErrNotFound)
}

func conflict(what string, key ...any) error {
	return fmt.Errorf("memory: %s %q: %w", what, fmt.Sprint(key...), nextauth.ErrConflict)
}

// cloneUser returns u with its own EmailVerified, times in UTC, and each
// of name, e-mail and image either a non-empty value or null, as a NULL
// column would be.
func cloneUser(u nextauth.User) nextauth.User {
	u.Name = nextauth.NullIfEmpty(u.Name.String())
	u.Email = nextauth.NullIfEmpty(u.Email.String())
	u.Image = nextauth.NullIfEmpty(u.Image.String())
	if u.EmailVerified != nil {
		t := u.EmailVerified.UTC()
		u.EmailVerified = &t
	}
	return u
}

// CreateUser stores u under a new ID (u.ID is ignored). An e-mail another
// user has is [nextauth.ErrConflict]; users without e-mail never conflict.
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, err
	}
	defer a.mu.Unlock()
	email := u.Email.String()
	if _, ok := a.byEmail[email]; ok && email != "" {
		return nextauth.User{}, conflict("e-mail", email)
	}
	a.lastID++
	u = cloneUser(u)
	u.ID = strconv.FormatUint(a.lastID, 10)
	a.users[u.ID] = u
	if email != "" {
		a.byEmail[email] = u.ID
	}
	return cloneUser(u), nil
}

// GetUser returns the user with id.
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, err
	}
	defer a.mu.Unlock()
	u, ok := a.users[id]
	if !ok {
		return nextauth.User{}, notFound("user", id)
	}
	return cloneUser(u), nil
}

// GetUserByEmail returns the user whose e-mail is byte for byte email.
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, err
	}
	defer a.mu.Unlock()
	id, ok := a.byEmail[email]
	if !ok || email == "" {
		return nextauth.User{}, notFound("user with e-mail", email)
	}
	return cloneUser(a.users[id]), nil
}

// GetUserByAccount returns the user linked to the provider account.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, err
	}
	defer a.mu.Unlock()
	acc, ok := a.accounts[accountKey{provider, providerAccountID}]
	if !ok {
		return nextauth.User{}, notFound("account", provider, "/", providerAccountID)
	}
	return cloneUser(a.users[acc.UserID]), nil
}

// UpdateUser replaces the name, e-mail, image and EmailVerified of the
// user with u.ID. An e-mail another user has is [nextauth.ErrConflict].
func (a *Adapter) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, err
	}
	defer a.mu.Unlock()
	old, ok := a.users[u.ID]
	if !ok {
		return nextauth.User{}, notFound("user", u.ID)
	}
	email := u.Email.String()
	if id, ok := a.byEmail[email]; ok && email != "" && id != u.ID {
		return nextauth.User{}, conflict("e-mail", email)
	}
	if old.Email.String() != "" {
		delete(a.byEmail, old.Email.String())
	}
	u = cloneUser(u)
	a.users[u.ID] = u
	if email != "" {
		a.byEmail[email] = u.ID
	}
	return cloneUser(u), nil
}

// LinkAccount stores a provider account of user acc.UserID.
func (a *Adapter) LinkAccount(ctx context.Context, acc nextauth.Account) error {
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	if _, ok := a.users[acc.UserID]; !ok {
		return notFound("user", acc.UserID)
	}
	k := accountKey{acc.Provider, acc.ProviderAccountID}
	if _, ok := a.accounts[k]; ok {
		return conflict("account", acc.Provider, "/", acc.ProviderAccountID)
	}
	a.lastLink++
	a.accounts[k] = linkedAccount{acc, a.lastLink}
	return nil
}

// GetAccount returns the linked provider account, as LinkAccount stored
// it (Auth.js's getAccount; adaptertest.AccountGetter).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.Account{}, err
	}
	defer a.mu.Unlock()
	acc, ok := a.accounts[accountKey{provider, providerAccountID}]
	if !ok {
		return nextauth.Account{}, notFound("account", provider, "/", providerAccountID)
	}
	return acc.Account, nil
}

// GetUserAccount returns userID's account at provider; of several, the
// one linked last. It looks at every stored account: the adapter is meant
// for tests and demos, not for many users.
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.Account{}, err
	}
	defer a.mu.Unlock()
	var found linkedAccount
	for _, acc := range a.accounts {
		if acc.UserID == userID && acc.Provider == provider && acc.seq > found.seq {
			found = acc
		}
	}
	if found.seq == 0 {
		return nextauth.Account{}, notFound("account of user", userID, " at ", provider)
	}
	return found.Account, nil
}

// UpdateAccount replaces the token fields of the account (acc.Provider,
// acc.ProviderAccountID), keeping its UserID and Type, and returns the
// stored account.
func (a *Adapter) UpdateAccount(ctx context.Context, acc nextauth.Account) (nextauth.Account, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.Account{}, err
	}
	defer a.mu.Unlock()
	k := accountKey{acc.Provider, acc.ProviderAccountID}
	stored, ok := a.accounts[k]
	if !ok {
		return nextauth.Account{}, notFound("account", acc.Provider, "/", acc.ProviderAccountID)
	}
	s := &stored.Account
	s.RefreshToken, s.AccessToken, s.ExpiresAt = acc.RefreshToken, acc.AccessToken, acc.ExpiresAt
	s.TokenType, s.Scope, s.IDToken, s.SessionState = acc.TokenType, acc.Scope, acc.IDToken, acc.SessionState
	a.accounts[k] = stored
	return stored.Account, nil
}

// UnlinkAccount removes the provider account; the user stays.
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	k := accountKey{provider, providerAccountID}
	if _, ok := a.accounts[k]; !ok {
		return notFound("account", provider, "/", providerAccountID)
	}
	delete(a.accounts, k)
	return nil
}

// DeleteUser deletes the user with id and its accounts and sessions. An
// unknown id is [nextauth.ErrNotFound].
func (a *Adapter) DeleteUser(ctx context.Context, id string) error {
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	u, ok := a.users[id]
	if !ok {
		return notFound("user", id)
	}
	delete(a.users, id)
	if u.Email.String() != "" {
		delete(a.byEmail, u.Email.String())
	}
	for k, acc := range a.accounts {
		if acc.UserID == id {
			delete(a.accounts, k)
		}
	}
	a.deleteUserSessions(id)
	return nil
}

// CreateSession stores s for user s.UserID.
func (a *Adapter) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, err
	}
	defer a.mu.Unlock()
	if _, ok := a.users[s.UserID]; !ok {
		return nextauth.AdapterSession{}, notFound("user", s.UserID)
	}
	if _, ok := a.sessions[s.SessionToken]; ok {
		return nextauth.AdapterSession{}, conflict("session", s.SessionToken)
	}
	s.Expires = s.Expires.UTC()
	a.sessions[s.SessionToken] = s
	if a.byUser[s.UserID] == nil {
		a.byUser[s.UserID] = make(map[string]struct{})
	}
	a.byUser[s.UserID][s.SessionToken] = struct{}{}
	return s, nil
}

// GetSessionAndUser returns the session with token and its user, expired
// or not.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, err
	}
	defer a.mu.Unlock()
	s, ok := a.sessions[sessionToken]
	if !ok {
		return nextauth.AdapterSession{}, nextauth.User{}, notFound("session", sessionToken)
	}
	return s, cloneUser(a.users[s.UserID]), nil
}

// UpdateSession sets the session's expiry.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, err
	}
	defer a.mu.Unlock()
	s, ok := a.sessions[sessionToken]
	if !ok {
		return nextauth.AdapterSession{}, notFound("session", sessionToken)
	}
	s.Expires = expires.UTC()
	a.sessions[sessionToken] = s
	return s, nil
}

// DeleteSession deletes the session and returns it.
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, err
	}
	defer a.mu.Unlock()
	s, ok := a.sessions[sessionToken]
	if !ok {
		return nextauth.AdapterSession{}, notFound("session", sessionToken)
	}
	a.deleteSession(s)
	return s, nil
}

// deleteSession deletes s and its entry in the user's index.
func (a *Adapter) deleteSession(s nextauth.AdapterSession) {
	delete(a.sessions, s.SessionToken)
	if idx := a.byUser[s.UserID]; idx != nil {
		delete(idx, s.SessionToken)
		if len(idx) == 0 {
			delete(a.byUser, s.UserID)
		}
	}
}

// CreateVerificationToken stores t; an (identifier, token) pair already
// stored is [nextauth.ErrConflict].
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	if err := a.lock(ctx); err != nil {
		return err
	}
	defer a.mu.Unlock()
	k := tokenKey{t.Identifier, t.Token}
	if _, ok := a.tokens[k]; ok {
		return conflict("verification token for", t.Identifier)
	}
	t.Expires = t.Expires.UTC()
	a.tokens[k] = t
	return nil
}

// UseVerificationToken deletes the token and returns it, expired or not.
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	if err := a.lock(ctx); err != nil {
		return nextauth.VerificationToken{}, err
	}
	defer a.mu.Unlock()
	k := tokenKey{identifier, token}
	t, ok := a.tokens[k]
	if !ok {
		return nextauth.VerificationToken{}, notFound("verification token for", identifier)
	}
	delete(a.tokens, k)
	return t, nil
}

// DeleteExpired deletes the sessions and verification tokens whose expiry
// is before now and says how many of each it deleted. It also forgets the
// JWT revocations that ended before now (not counted).
func (a *Adapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	if err := a.lock(ctx); err != nil {
		return 0, 0, err
	}
	defer a.mu.Unlock()
	for _, s := range a.sessions {
		if s.Expires.Before(now) {
			a.deleteSession(s)
			sessions++
		}
	}
	for k, t := range a.tokens {
		if t.Expires.Before(now) {
			delete(a.tokens, k)
			tokens++
		}
	}
	for sid, end := range a.revokedSIDs {
		if end.Before(now) {
			delete(a.revokedSIDs, sid)
		}
	}
	for id, r := range a.revokedUsers {
		if r.expires.Before(now) {
			delete(a.revokedUsers, id)
		}
	}
	return sessions, tokens, nil
}
