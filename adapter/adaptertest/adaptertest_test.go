package adaptertest_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/adapter/memory"
)

// The suite is checked the way mutation testing does it: each mutant is
// the memory adapter with one contract violation, and the suite, run in a
// child process, must fail the subtest that guards that rule.

// mutantEnv names the mutant a child process runs the suite against.
const mutantEnv = "ADAPTERTEST_MUTANT"

// mutant embeds a correct adapter; each mutant type overrides one method.
type mutant struct{ *memory.Adapter }

// utcLess returns times in another zone.
type utcLess struct{ mutant }

func (m utcLess) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	u, err := m.Adapter.GetUser(ctx, id)
	if u.EmailVerified != nil {
		t := u.EmailVerified.In(time.FixedZone("X", 3600))
		u.EmailVerified = &t
	}
	return u, err
}

// seconds stores session expiries to the second.
type seconds struct{ mutant }

func (m seconds) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	s.Expires = s.Expires.Truncate(time.Second)
	return m.Adapter.CreateSession(ctx, s)
}

// emptyEmailUnique treats "no e-mail" as an e-mail.
type emptyEmailUnique struct {
	mutant
	noEmail *bool
}

func (m emptyEmailUnique) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if u.Email.String() == "" {
		if *m.noEmail {
			return nextauth.User{}, nextauth.ErrConflict
		}
		*m.noEmail = true
	}
	return m.Adapter.CreateUser(ctx, u)
}

// readThenDelete redeems a token in two steps, letting others in between.
type readThenDelete struct{ mutant }

func (m readThenDelete) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	t, err := m.Adapter.UseVerificationToken(ctx, identifier, token)
	if err != nil {
		return t, err
	}
	// Put it back, wait, delete it again: a SELECT then DELETE.
	if err := m.Adapter.CreateVerificationToken(ctx, t); err != nil {
		return t, err
	}
	time.Sleep(time.Millisecond)
	m.Adapter.UseVerificationToken(ctx, identifier, token)
	return t, nil
}

// keepToken never deletes a used token.
type keepToken struct{ mutant }

func (m keepToken) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	t, err := m.Adapter.UseVerificationToken(ctx, identifier, token)
	if err == nil {
		err = m.Adapter.CreateVerificationToken(ctx, t)
	}
	return t, err
}

// hideExpired answers ErrNotFound for an expired session.
type hideExpired struct{ mutant }

func (m hideExpired) GetSessionAndUser(ctx context.Context, token string) (nextauth.AdapterSession, nextauth.User, error) {
	s, u, err := m.Adapter.GetSessionAndUser(ctx, token)
	if err == nil && s.Expires.Before(time.Now()) {
		return nextauth.AdapterSession{}, nextauth.User{}, nextauth.ErrNotFound
	}
	return s, u, err
}

// partialUpdate keeps fields the update leaves empty.
type partialUpdate struct{ mutant }

func (m partialUpdate) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	if old, err := m.Adapter.GetUser(ctx, u.ID); err == nil {
		if !u.Name.Valid() {
			u.Name = old.Name
		}
		if !u.Email.Valid() {
			u.Email = old.Email
		}
		if u.EmailVerified == nil {
			u.EmailVerified = old.EmailVerified
		}
	}
	return m.Adapter.UpdateUser(ctx, u)
}

// nullAsAbsent reads a NULL name or image as absent, not null.
type nullAsAbsent struct{ mutant }

func (m nullAsAbsent) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	u, err := m.Adapter.GetUser(ctx, id)
	if u.Name.IsNull() {
		u.Name = nextauth.NullString{}
	}
	if u.Image.IsNull() {
		u.Image = nextauth.NullString{}
	}
	return u, err
}

// emptyNotNull stores an empty name as "", not NULL.
type emptyNotNull struct{ mutant }

func (m emptyNotNull) GetSessionAndUser(ctx context.Context, token string) (nextauth.AdapterSession, nextauth.User, error) {
	s, u, err := m.Adapter.GetSessionAndUser(ctx, token)
	if u.Name.IsNull() {
		u.Name = nextauth.String("")
	}
	return s, u, err
}

// plainConflict hides ErrConflict behind an unrelated error.
type plainConflict struct{ mutant }

func (m plainConflict) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	u, err := m.Adapter.CreateUser(ctx, u)
	if errors.Is(err, nextauth.ErrConflict) {
		err = errors.New("UNIQUE constraint failed: users.email")
	}
	return u, err
}

// lazyDeleteUser deletes nothing.
type lazyDeleteUser struct{ mutant }

func (lazyDeleteUser) DeleteUser(context.Context, string) error { return nil }

// lazyDeleteExpired deletes nothing and says it did.
type lazyDeleteExpired struct{ mutant }

func (lazyDeleteExpired) DeleteExpired(context.Context, time.Time) (int64, int64, error) {
	return 100, 100, nil
}

// canceledNotFound reports a canceled lookup as not found.
type canceledNotFound struct{ mutant }

func (m canceledNotFound) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	if ctx.Err() != nil {
		return nextauth.User{}, nextauth.ErrNotFound
	}
	return m.Adapter.GetUser(ctx, id)
}

// shortScope stores at most 255 bytes of scope (a VARCHAR(255) column).
type shortScope struct{ mutant }

func (m shortScope) LinkAccount(ctx context.Context, a nextauth.Account) error {
	if len(a.Scope) > 255 {
		a.Scope = a.Scope[:255]
	}
	return m.Adapter.LinkAccount(ctx, a)
}

// trimmedEmail ignores spaces around the e-mail asked for.
type trimmedEmail struct{ mutant }

func (m trimmedEmail) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	return m.Adapter.GetUserByEmail(ctx, strings.TrimSpace(email))
}

// firstUserAccount returns the account linked first at a provider, not
// the most recent one.
type firstUserAccount struct {
	mutant
	mu    *sync.Mutex
	first map[[2]string]nextauth.Account // by user ID and provider
}

func (m firstUserAccount) LinkAccount(ctx context.Context, a nextauth.Account) error {
	err := m.Adapter.LinkAccount(ctx, a)
	if err == nil {
		m.mu.Lock()
		k := [2]string{a.UserID, a.Provider}
		if _, ok := m.first[k]; !ok {
			m.first[k] = a
		}
		m.mu.Unlock()
	}
	return err
}

func (m firstUserAccount) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	m.mu.Lock()
	a, ok := m.first[[2]string{userID, provider}]
	m.mu.Unlock()
	if ok {
		if acc, err := m.Adapter.GetAccount(ctx, a.Provider, a.ProviderAccountID); err == nil && acc.UserID == userID {
			return acc, nil
		}
	}
	return m.Adapter.GetUserAccount(ctx, userID, provider)
}

// foldedProvider finds accounts whatever the case of the provider id.
type foldedProvider struct{ mutant }

func (m foldedProvider) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	acc, err := m.Adapter.GetUserAccount(ctx, userID, provider)
	if errors.Is(err, nextauth.ErrNotFound) {
		return m.Adapter.GetUserAccount(ctx, userID, strings.ToLower(provider))
	}
	return acc, err
}

// noSessionState loses session_state on the way out of GetUserAccount.
type noSessionState struct{ mutant }

func (m noSessionState) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	acc, err := m.Adapter.GetUserAccount(ctx, userID, provider)
	acc.SessionState = ""
	return acc, err
}

// cachedUserAccount answers from a cache what the store no longer has.
type cachedUserAccount struct {
	mutant
	mu    *sync.Mutex
	cache map[[2]string]nextauth.Account
}

func (m cachedUserAccount) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	k := [2]string{userID, provider}
	acc, err := m.Adapter.GetUserAccount(ctx, userID, provider)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		m.cache[k] = acc
	} else if c, ok := m.cache[k]; ok {
		return c, nil
	}
	return acc, err
}

// partialAccountUpdate keeps the token fields an update leaves empty.
type partialAccountUpdate struct{ mutant }

func (m partialAccountUpdate) UpdateAccount(ctx context.Context, a nextauth.Account) (nextauth.Account, error) {
	if old, err := m.Adapter.GetAccount(ctx, a.Provider, a.ProviderAccountID); err == nil {
		if a.AccessToken == "" {
			a.AccessToken = old.AccessToken
		}
		if a.RefreshToken == "" {
			a.RefreshToken = old.RefreshToken
		}
		if a.ExpiresAt == 0 {
			a.ExpiresAt = old.ExpiresAt
		}
	}
	return m.Adapter.UpdateAccount(ctx, a)
}

// relinkingUpdate replaces the whole account, UserID and Type included.
type relinkingUpdate struct{ mutant }

func (m relinkingUpdate) UpdateAccount(ctx context.Context, a nextauth.Account) (nextauth.Account, error) {
	if err := m.Adapter.UnlinkAccount(ctx, a.Provider, a.ProviderAccountID); err != nil {
		return nextauth.Account{}, err
	}
	return a, m.Adapter.LinkAccount(ctx, a)
}

// upsertAccount links the account it is asked to update if it is missing.
type upsertAccount struct{ mutant }

func (m upsertAccount) UpdateAccount(ctx context.Context, a nextauth.Account) (nextauth.Account, error) {
	got, err := m.Adapter.UpdateAccount(ctx, a)
	if errors.Is(err, nextauth.ErrNotFound) {
		return a, m.Adapter.LinkAccount(ctx, a)
	}
	return got, err
}

// fieldByField writes one token field at a time, as an adapter issuing
// one command per field would.
type fieldByField struct{ mutant }

func (m fieldByField) UpdateAccount(ctx context.Context, a nextauth.Account) (nextauth.Account, error) {
	setters := []func(dst *nextauth.Account){
		func(dst *nextauth.Account) { dst.RefreshToken = a.RefreshToken },
		func(dst *nextauth.Account) { dst.AccessToken = a.AccessToken },
		func(dst *nextauth.Account) { dst.ExpiresAt = a.ExpiresAt },
		func(dst *nextauth.Account) { dst.TokenType = a.TokenType },
		func(dst *nextauth.Account) { dst.Scope = a.Scope },
		func(dst *nextauth.Account) { dst.IDToken = a.IDToken },
		func(dst *nextauth.Account) { dst.SessionState = a.SessionState },
	}
	var got nextauth.Account
	for _, set := range setters {
		cur, err := m.Adapter.GetAccount(ctx, a.Provider, a.ProviderAccountID)
		if err != nil {
			return nextauth.Account{}, err
		}
		set(&cur)
		if got, err = m.Adapter.UpdateAccount(ctx, cur); err != nil {
			return nextauth.Account{}, err
		}
		time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
	}
	return got, nil
}

// oldestFirst lists sessions in the wrong order.
type oldestFirst struct{ mutant }

func (m oldestFirst) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	list, err := m.Adapter.ListSessions(ctx, userID)
	slices.Reverse(list)
	return list, err
}

// liveSessionsOnly leaves expired sessions out of the list.
type liveSessionsOnly struct{ mutant }

func (m liveSessionsOnly) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	list, err := m.Adapter.ListSessions(ctx, userID)
	return slices.DeleteFunc(list, func(s nextauth.AdapterSession) bool { return s.Expires.Before(time.Now()) }), err
}

// uncountedDelete deletes a user's sessions and says it deleted none.
type uncountedDelete struct{ mutant }

func (m uncountedDelete) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	_, err := m.Adapter.DeleteUserSessions(ctx, userID)
	return 0, err
}

// countThenDelete counts a user's sessions, then deletes them: concurrent
// calls count the same sessions.
type countThenDelete struct{ mutant }

func (m countThenDelete) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	list, err := m.Adapter.ListSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	time.Sleep(time.Millisecond)
	_, err = m.Adapter.DeleteUserSessions(ctx, userID)
	return int64(len(list)), err
}

// foldedSID finds revoked sids whatever their case.
type foldedSID struct{ mutant }

func (m foldedSID) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	return m.Adapter.JWTRevoked(ctx, strings.ToLower(sid), userID, authTime)
}

// inclusiveBefore also revokes sessions signed in exactly at "before".
type inclusiveBefore struct{ mutant }

func (m inclusiveBefore) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	return m.Adapter.RevokeUserJWTs(ctx, userID, before.Add(time.Millisecond), maxAge)
}

// endlessRevocation never lets a revocation end.
type endlessRevocation struct{ mutant }

const century = 100 * 365 * 24 * time.Hour

func (m endlessRevocation) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	return m.Adapter.RevokeJWT(ctx, sid, expires.Add(century))
}

func (m endlessRevocation) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	return m.Adapter.RevokeUserJWTs(ctx, userID, before, maxAge+century)
}

// userRevocations keeps user revocations itself, wrongly in one of three
// ways (its mode).
type userRevocations struct {
	mutant
	mode string // "overwrite", "lostUpdate" or "stale"
	mu   *sync.Mutex
	m    map[string][2]time.Time // user ID → before, end
}

func (m userRevocations) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	now := time.Now()
	m.mu.Lock()
	old, ok := m.m[userID]
	m.mu.Unlock()
	if m.mode == "lostUpdate" {
		// Read, then write: a concurrent call's write is lost.
		time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
	}
	live := ok && old[1].After(now)
	if m.mode == "stale" {
		live = ok // an ended revocation still counts
	}
	r := [2]time.Time{before, now.Add(maxAge)}
	if live && m.mode != "overwrite" {
		r = [2]time.Time{maxTime(old[0], before), maxTime(old[1], r[1])}
	}
	m.mu.Lock()
	m.m[userID] = r
	m.mu.Unlock()
	return nil
}

func (m userRevocations) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	if revoked, err := m.Adapter.JWTRevoked(ctx, sid, "", authTime); revoked || err != nil {
		return revoked, err
	}
	m.mu.Lock()
	r, ok := m.m[userID]
	m.mu.Unlock()
	return ok && r[1].After(time.Now()) && authTime.Before(r[0]), nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// mutants maps a mutant name to its adapter and the subtest that must fail
// ("" for the control, which must pass).
func mutants() map[string]struct {
	newAdapter func() nextauth.Adapter
	fails      string
} {
	m := func() mutant { return mutant{memory.New()} }
	return map[string]struct {
		newAdapter func() nextauth.Adapter
		fails      string
	}{
		"control":           {func() nextauth.Adapter { return memory.New() }, ""},
		"utcLess":           {func() nextauth.Adapter { return utcLess{m()} }, "CreateUser"},
		"seconds":           {func() nextauth.Adapter { return seconds{m()} }, "TimePrecision"},
		"emptyEmailUnique":  {func() nextauth.Adapter { return emptyEmailUnique{m(), new(bool)} }, "CreateUserWithoutEmail"},
		"readThenDelete":    {func() nextauth.Adapter { return readThenDelete{m()} }, "ConcurrentUseVerificationToken"},
		"keepToken":         {func() nextauth.Adapter { return keepToken{m()} }, "VerificationToken"},
		"hideExpired":       {func() nextauth.Adapter { return hideExpired{m()} }, "GetSessionAndUserExpired"},
		"partialUpdate":     {func() nextauth.Adapter { return partialUpdate{m()} }, "UpdateUserClearsFields"},
		"nullAsAbsent":      {func() nextauth.Adapter { return nullAsAbsent{m()} }, "NullUserFields"},
		"emptyNotNull":      {func() nextauth.Adapter { return emptyNotNull{m()} }, "NullUserFields"},
		"plainConflict":     {func() nextauth.Adapter { return plainConflict{m()} }, "CreateUserEmailConflict"},
		"lazyDeleteUser":    {func() nextauth.Adapter { return lazyDeleteUser{m()} }, "DeleteUser"},
		"lazyDeleteExpired": {func() nextauth.Adapter { return lazyDeleteExpired{m()} }, "DeleteExpired"},
		"canceledNotFound":  {func() nextauth.Adapter { return canceledNotFound{m()} }, "CanceledContext"},
		"shortScope":        {func() nextauth.Adapter { return shortScope{m()} }, "LinkAccountLongTokens"},
		"trimmedEmail":      {func() nextauth.Adapter { return trimmedEmail{m()} }, "GetUserByEmailExact"},
		"firstUserAccount": {func() nextauth.Adapter {
			return firstUserAccount{m(), new(sync.Mutex), map[[2]string]nextauth.Account{}}
		}, "GetUserAccountMostRecent"},
		"foldedProvider": {func() nextauth.Adapter { return foldedProvider{m()} }, "GetUserAccountNotFound"},
		"noSessionState": {func() nextauth.Adapter { return noSessionState{m()} }, "GetUserAccount"},
		"cachedUserAccount": {func() nextauth.Adapter {
			return cachedUserAccount{m(), new(sync.Mutex), map[[2]string]nextauth.Account{}}
		}, "GetUserAccountAfterDeleteUser"},
		"partialAccountUpdate": {func() nextauth.Adapter { return partialAccountUpdate{m()} }, "UpdateAccountClearsFields"},
		"relinkingUpdate":      {func() nextauth.Adapter { return relinkingUpdate{m()} }, "UpdateAccount"},
		"upsertAccount":        {func() nextauth.Adapter { return upsertAccount{m()} }, "UpdateAccountNotFound"},
		"fieldByField":         {func() nextauth.Adapter { return fieldByField{m()} }, "ConcurrentUpdateAccount"},
		"oldestFirst":          {func() nextauth.Adapter { return oldestFirst{m()} }, "ListSessions"},
		"liveSessionsOnly":     {func() nextauth.Adapter { return liveSessionsOnly{m()} }, "ListSessions"},
		"uncountedDelete":      {func() nextauth.Adapter { return uncountedDelete{m()} }, "DeleteUserSessions"},
		"countThenDelete":      {func() nextauth.Adapter { return countThenDelete{m()} }, "ConcurrentDeleteUserSessions"},
		"foldedSID":            {func() nextauth.Adapter { return foldedSID{m()} }, "RevokeJWT"},
		"inclusiveBefore":      {func() nextauth.Adapter { return inclusiveBefore{m()} }, "RevokeUserJWTs"},
		"endlessRevocation":    {func() nextauth.Adapter { return endlessRevocation{m()} }, "JWTRevocationExpiry"},
		"overwrittenBefore": {func() nextauth.Adapter {
			return userRevocations{m(), "overwrite", new(sync.Mutex), map[string][2]time.Time{}}
		}, "RevokeUserJWTs"},
		"lostRevocation": {func() nextauth.Adapter {
			return userRevocations{m(), "lostUpdate", new(sync.Mutex), map[string][2]time.Time{}}
		}, "ConcurrentRevokeJWT"},
		"staleRevocation": {func() nextauth.Adapter {
			return userRevocations{m(), "stale", new(sync.Mutex), map[string][2]time.Time{}}
		}, "JWTRevocationExpiry"},
	}
}

// TestMutantChild runs the suite against the mutant named in the
// environment; without one it is skipped (it only runs as a child of
// TestMutants).
func TestMutantChild(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("runs only as a child process of TestMutants")
	}
	mu, ok := mutants()[name]
	if !ok {
		t.Fatalf("unknown mutant %q", name)
	}
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter { return mu.newAdapter() })
}

func TestMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	for name, mu := range mutants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutantChild$", "-test.v")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			failed := "--- FAIL: TestMutantChild/" + mu.fails + " "
			switch {
			case mu.fails == "" && err != nil:
				t.Errorf("suite against the unmodified adapter failed: %v\n%s", err, out)
			case mu.fails != "" && err == nil:
				t.Errorf("suite against mutant %s passed, want subtest %s to fail\n%s", name, mu.fails, out)
			case mu.fails != "" && !strings.Contains(string(out), failed):
				t.Errorf("suite against mutant %s: no %q in output\n%s", name, strings.TrimSpace(failed), out)
			}
		})
	}
}

// wholeSeconds keeps session and verification-token expiries to the
// second, as Drizzle's MySQL TIMESTAMP columns do.
type wholeSeconds struct{ *memory.Adapter }

func (w wholeSeconds) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	s.Expires = s.Expires.Truncate(time.Second)
	return w.Adapter.CreateSession(ctx, s)
}

func (w wholeSeconds) UpdateSession(ctx context.Context, token string, expires time.Time) (nextauth.AdapterSession, error) {
	return w.Adapter.UpdateSession(ctx, token, expires.Truncate(time.Second))
}

func (w wholeSeconds) CreateVerificationToken(ctx context.Context, vt nextauth.VerificationToken) error {
	vt.Expires = vt.Expires.Truncate(time.Second)
	return w.Adapter.CreateVerificationToken(ctx, vt)
}

// TestExpiresPrecision: with Options.ExpiresPrecision a store that keeps
// expiries to the second passes (without it, the seconds mutant fails).
func TestExpiresPrecision(t *testing.T) {
	a := wholeSeconds{memory.New()}
	adaptertest.RunWith(t, adaptertest.Options{ExpiresPrecision: time.Second}, func(*testing.T) nextauth.Adapter { return a })
}
