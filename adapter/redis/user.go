package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth"
)

// newID returns a random (version 4) UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// checkEmail rejects e-mails that JSON cannot carry byte for byte, which
// would leave the e-mail index out of step with the stored user.
func checkEmail(email string) error {
	if !utf8.ValidString(email) {
		return errors.New("e-mail is not valid UTF-8")
	}
	return nil
}

// userKeys returns the keys a user script starts from: the user and, if u
// has an e-mail, its index entry.
func (a *Adapter) userKeys(u nextauth.User) []string {
	if u.Email.String() == "" {
		return []string{a.userPrefix + u.ID}
	}
	return []string{a.userPrefix + u.ID, a.emailPrefix + u.Email.String()}
}

// storedUser is u as it reads back: each of name, e-mail and image a
// non-empty value or null, EmailVerified to the millisecond.
func storedUser(u nextauth.User) nextauth.User {
	u.Name = nextauth.NullIfEmpty(u.Name.String())
	u.Email = nextauth.NullIfEmpty(u.Email.String())
	u.Image = nextauth.NullIfEmpty(u.Image.String())
	if u.EmailVerified != nil {
		t := truncate(*u.EmailVerified)
		u.EmailVerified = &t
	}
	return u
}

// CreateUser stores u under a new random UUID (u.ID is ignored). An e-mail
// already used by another user is [nextauth.ErrConflict]. Dates are kept to
// the millisecond.
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if err := checkEmail(u.Email.String()); err != nil {
		return nextauth.User{}, wrap("create user", err)
	}
	u = storedUser(u)
	for range 3 { // a fresh UUID taken twice in a row is not chance
		u.ID = newID()
		data, err := encodeUser(u)
		if err != nil {
			return nextauth.User{}, wrap("create user", err)
		}
		err = a.runStatus(ctx, a.scripts.createUser, a.userKeys(u), u.ID, data)
		if errors.Is(err, nextauth.ErrNotFound) { // the id is taken
			continue
		}
		if errors.Is(err, nextauth.ErrConflict) {
			return nextauth.User{}, fmt.Errorf("redis: create user: e-mail already used: %w", err)
		}
		if err != nil {
			return nextauth.User{}, wrap("create user", err)
		}
		return u, nil
	}
	return nextauth.User{}, errors.New("redis: create user: no free user id")
}

// GetUser returns the user with id.
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	s, err := a.get(ctx, a.userPrefix+id)
	if err != nil {
		return nextauth.User{}, wrap("get user", err)
	}
	u, err := decodeUser(s)
	return u, wrap("get user", err)
}

// GetUserByEmail returns the user with exactly this e-mail (compared byte
// for byte), in one round trip.
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	if email == "" {
		return nextauth.User{}, wrap("get user by e-mail", nextauth.ErrNotFound)
	}
	v, err := a.run(ctx, a.scripts.getUserByEmail, []string{a.emailPrefix + email}, a.userPrefix)
	if err != nil {
		return nextauth.User{}, wrap("get user by e-mail", err)
	}
	u, err := decodeUser(replyString(v))
	return u, wrap("get user by e-mail", err)
}

// GetUserByAccount returns the user linked to the provider account, in one
// round trip.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	key := a.accountPrefix + accountID(provider, providerAccountID)
	v, err := a.run(ctx, a.scripts.getUserByAccount, []string{key}, a.userPrefix)
	if err != nil {
		return nextauth.User{}, wrap("get user by account", err)
	}
	u, err := decodeUser(replyString(v))
	return u, wrap("get user by account", err)
}

// updateTries bounds UpdateUser's attempts while the stored user keeps
// changing between its read and its write.
const updateTries = 8

// UpdateUser replaces the name, e-mail, image and EmailVerified of the user
// with u.ID and returns the stored user; members the application added to
// the stored user are kept as they are. Taking an e-mail used by another
// user is [nextauth.ErrConflict].
func (a *Adapter) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if err := checkEmail(u.Email.String()); err != nil {
		return nextauth.User{}, wrap("update user", err)
	}
	u = storedUser(u)
	data, err := encodeUser(u)
	if err != nil {
		return nextauth.User{}, wrap("update user", err)
	}
	// The new record is made from the stored one (its app members), and
	// the script writes it only if the stored one is still that one.
	for range updateTries {
		old, err := a.get(ctx, a.userPrefix+u.ID)
		if err != nil {
			return nextauth.User{}, wrap("update user", err)
		}
		merged, err := withAppMembers(data, old)
		if err != nil {
			return nextauth.User{}, wrap("update user", err)
		}
		err = a.runStatus(ctx, a.scripts.updateUser, a.userKeys(u), u.ID, merged, a.emailPrefix, old)
		if errors.Is(err, errChanged) {
			continue
		}
		if errors.Is(err, nextauth.ErrConflict) {
			return nextauth.User{}, fmt.Errorf("redis: update user: e-mail already used: %w", err)
		}
		if err != nil {
			return nextauth.User{}, wrap("update user", err)
		}
		return u, nil
	}
	return nextauth.User{}, wrap("update user", errChanged)
}

// UserColumns returns the members named in names of userID's stored user
// (the JSON object at user:<id>), as JSON values
// ([nextauth.UserColumnReader]): members the application wrote beside the
// adapter's own (a role), read live. A member the record does not have is
// left out, except the adapter's own (id, name, email, image,
// emailVerified), which are null when not set, as a column of the SQL
// adapters' users table is. An unknown user is [nextauth.ErrNotFound].
func (a *Adapter) UserColumns(ctx context.Context, userID string, names []string) (map[string]any, error) {
	s, err := a.get(ctx, a.userPrefix+userID)
	if err != nil {
		return nil, wrap("user columns", err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(s), &rec); err != nil {
		return nil, fmt.Errorf("redis: user columns: decode user: %w", err)
	}
	var out map[string]any
	for _, n := range names {
		v, ok := rec[n]
		if ownMembers[n] {
			if v == "" {
				v = nil // read as GetUser reads it
			}
			ok = true
		}
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(names))
		}
		out[n] = v
	}
	return out, nil
}

var _ nextauth.UserColumnReader = (*Adapter)(nil)

// DeleteUser deletes the user with id, its e-mail index entry, its
// accounts and its sessions with their claims, atomically. An unknown id is
// [nextauth.ErrNotFound].
func (a *Adapter) DeleteUser(ctx context.Context, id string) error {
	keys := []string{a.userPrefix + id, a.userAccountsPrefix + id, a.userSessionsPrefix + id}
	return wrap("delete user", a.runStatus(ctx, a.scripts.deleteUser, keys,
		id, a.emailPrefix, a.accountPrefix, a.sessionPrefix, a.sessionClaimsPrefix))
}

// LinkAccount stores a provider account of user acc.UserID. Linking the
// same (Provider, ProviderAccountID) twice is [nextauth.ErrConflict]; an
// unknown user is [nextauth.ErrNotFound].
func (a *Adapter) LinkAccount(ctx context.Context, acc nextauth.Account) error {
	data, err := encodeAccount(acc)
	if err != nil {
		return wrap("link account", err)
	}
	id := accountID(acc.Provider, acc.ProviderAccountID)
	keys := []string{a.userPrefix + acc.UserID, a.accountPrefix + id, a.userAccountsPrefix + acc.UserID}
	err = a.runStatus(ctx, a.scripts.linkAccount, keys, data, id)
	if errors.Is(err, nextauth.ErrConflict) {
		return fmt.Errorf("redis: link account: already linked: %w", err)
	}
	return wrap("link account", err)
}

// GetAccount returns the stored provider account (Auth.js's getAccount;
// the [nextauth.Adapter] contract has no such method).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	s, err := a.get(ctx, a.accountPrefix+accountID(provider, providerAccountID))
	if err != nil {
		return nextauth.Account{}, wrap("get account", err)
	}
	acc, err := decodeAccount(s)
	if err != nil {
		return nextauth.Account{}, wrap("get account", err)
	}
	acc.Provider, acc.ProviderAccountID = provider, providerAccountID // the key matched byte for byte
	return acc, nil
}

// GetUserAccount returns userID's account at provider, in one round trip
// that reads the user's account index, not every account. Of several
// accounts at one provider it returns the most recently linked (accounts
// linked before this package ordered its index count as linked earlier
// than any since, in no known order among themselves).
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	prefix := keyPart(provider) + ":"
	v, err := a.run(ctx, a.scripts.getUserAccount, []string{a.userAccountsPrefix + userID},
		a.accountPrefix, prefix, userID)
	if err != nil {
		return nextauth.Account{}, wrap("get user account", err)
	}
	pair, ok := v.([]any)
	if !ok || len(pair) != 2 {
		return nextauth.Account{}, fmt.Errorf("redis: get user account: unexpected script reply %T", v)
	}
	member, _ := pair[0].(string)
	acc, err := decodeAccount(replyString(pair[1]))
	if err != nil {
		return nextauth.Account{}, wrap("get user account", err)
	}
	// The key and the user id matched byte for byte.
	acc.UserID, acc.Provider, acc.ProviderAccountID = userID, provider, strings.TrimPrefix(member, prefix)
	return acc, nil
}

// UpdateAccount replaces the token fields of the account (acc.Provider,
// acc.ProviderAccountID) in one script, keeping its UserID and Type, and
// returns the stored account. An account that is not linked is
// [nextauth.ErrNotFound].
func (a *Adapter) UpdateAccount(ctx context.Context, acc nextauth.Account) (nextauth.Account, error) {
	tokens, err := encodeAccountTokens(acc)
	if err != nil {
		return nextauth.Account{}, wrap("update account", err)
	}
	key := a.accountPrefix + accountID(acc.Provider, acc.ProviderAccountID)
	v, err := a.run(ctx, a.scripts.updateAccount, []string{key}, tokens)
	if err != nil {
		return nextauth.Account{}, wrap("update account", err)
	}
	got, err := decodeAccount(replyString(v))
	if err != nil {
		return nextauth.Account{}, wrap("update account", err)
	}
	got.Provider, got.ProviderAccountID = acc.Provider, acc.ProviderAccountID // the key matched byte for byte
	return got, nil
}

// UnlinkAccount removes a provider account; one that is not linked is
// [nextauth.ErrNotFound].
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	id := accountID(provider, providerAccountID)
	return wrap("unlink account", a.runStatus(ctx, a.scripts.unlinkAccount,
		[]string{a.accountPrefix + id}, a.userAccountsPrefix, id))
}
