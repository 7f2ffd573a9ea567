// Package adaptertest is the conformance suite for [nextauth.Adapter]
// implementations. Every adapter's tests call [Run]:
//
//	func TestAdapter(t *testing.T) {
//		adaptertest.Run(t, func(t *testing.T) nextauth.Adapter { return sqlite.New(openDB(t)) })
//	}
//
// The suite checks the contract documented on [nextauth.Adapter]
// (docs/compatibility.md#adapters-and-the-data-model): round trips of every
// field, [nextauth.ErrNotFound] and [nextauth.ErrConflict], single-use
// verification tokens and unique keys under concurrency, and the optional
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater],
// [nextauth.SessionLister] and [nextauth.JWTRevoker] capabilities (skipped
// when the adapter does not implement them). An adapter that also implements
// [AccountGetter] gets its stored accounts compared field by field.
// [RunUserColumns] checks a [nextauth.UserColumnReader] on its own, as it
// needs the database altered beside the adapter.
package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// AccountGetter is an optional capability the suite looks for (Auth.js's
// getAccount; [nextauth.Adapter] itself cannot read an account back). When
// the adapter under test implements it, [Run] checks that every
// [nextauth.Account] field survives LinkAccount and that unlinked or
// cascaded accounts are gone. GetAccount returns [nextauth.ErrNotFound]
// for an account that is not linked.
type AccountGetter interface {
	GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error)
}

// subtestTimeout bounds each subtest's context, so an adapter that honours
// ctx fails a deadlocked call instead of hanging the test binary.
const subtestTimeout = 60 * time.Second

// Run checks an adapter against the [nextauth.Adapter] contract, one
// subtest per behaviour. newAdapter is called once per subtest and must
// return a working adapter; it may share one store between subtests: the
// suite never assumes an empty store, and uses e-mails, tokens and ids that
// are unique per subtest (the subtest name plus a random suffix). Subtests
// run one after another, never in parallel, so DeleteExpired cannot race
// another subtest's expired rows. Subtest names are stable: an adapter with
// a documented limitation may t.Skip one by name inside newAdapter.
//
// Decisions the contract leaves to the suite:
//   - An unknown user id given to LinkAccount or CreateSession must be
//     [nextauth.ErrNotFound] (a store without foreign keys must look the
//     user up first); unknown ids are tried in several shapes ("0", a large
//     number, a UUID, free text), so an adapter with integer or UUID keys
//     must turn a malformed id into ErrNotFound, not a parse error.
//   - "Expired" rows in the expiry subtests expired one minute to one hour
//     before the test ran: a store that expires keys itself (Redis) must
//     keep them at least that long past Expires, because GetSessionAndUser
//     and UseVerificationToken return expired rows as they are.
//   - Times must come back in UTC, within a millisecond of what was stored.
//   - Strings are compared byte for byte: NFC and NFD spellings of the
//     same text are different values, also as e-mails.
//   - Long values: names of 1 KB and session tokens of 2 KB (LongValues,
//     beyond the VARCHAR(255) of @auth/pg-adapter's schema); images of
//     8 KB, verification tokens of 2 KB (LongText) and account tokens of
//     4 KB and more (LinkAccountLongTokens), which are TEXT everywhere.
//   - A call with a canceled context must return promptly; if it returns
//     an error, that error must wrap [context.Canceled] and the call must
//     have had no effect. In-memory adapters may ignore ctx (the subtest
//     logs it).
//   - DeleteUser of an unknown id may return nil or ErrNotFound.
//   - Reusing an (identifier, token) pair in CreateVerificationToken is
//     ErrConflict; the same identifier may hold several tokens.
//   - GetUserAccount of a user with several accounts at one provider
//     returns the most recently linked one still linked. UpdateAccount
//     ignores the UserID and Type it is given, never creates an account,
//     and is atomic: of concurrent updates of one account, the stored
//     tokens are exactly those of one of them, and each call returns the
//     tokens it wrote.
//   - ListSessions and DeleteUserSessions of a user without sessions, or
//     of an unknown id, return nothing (an empty list, 0) and no error.
//     Of concurrent DeleteUserSessions calls, each session is counted by
//     exactly one.
//   - JWT revocations need no stored user: user ids are those of the
//     adapter's users and free text alike, compared byte for byte. A
//     session signed in exactly at "before" is not revoked. Revoking a sid
//     until a past time has no effect; revoking it again keeps the later
//     expiry. Revoking a user again keeps the later "before" and the later
//     end of the record; once a user's record has ended, a new one starts
//     afresh. Revoking an empty sid or user id must not revoke tokens
//     without that claim (refusing it with an error is fine).
//   - The revocation expiry subtest waits about a second of real time for
//     records to end; a store with its own clock (Redis) must expire them
//     within 250ms of their end.
func Run(t *testing.T, newAdapter func(t *testing.T) nextauth.Adapter) {
	t.Helper()
	RunWith(t, Options{}, newAdapter)
}

// Options tunes [RunWith] for stores whose columns keep less than the
// contract asks, as another adapter's tables may (adapter/sqllayout).
type Options struct {
	// ExpiresPrecision is what session and verification-token expiries
	// keep when it is coarser than a millisecond (Drizzle's MySQL
	// TIMESTAMP columns keep whole seconds): they must come back as the
	// time stored truncated to it. 0 means a millisecond, the contract.
	ExpiresPrecision time.Duration
}

// RunWith is [Run] with options.
func RunWith(t *testing.T, o Options, newAdapter func(t *testing.T) nextauth.Adapter) {
	t.Helper()
	for _, tc := range subtests() {
		t.Run(tc.name, func(t *testing.T) {
			a := newAdapter(t)
			if a == nil {
				t.Fatal("newAdapter returned nil")
			}
			ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
			defer cancel()
			tc.run(&env{t: t, a: a, ctx: ctx, expiresPrecision: o.ExpiresPrecision})
		})
	}
}

// subtest is one behaviour Run checks.
type subtest struct {
	name string
	run  func(e *env)
}

// subtests lists what Run goes through, in order.
func subtests() []subtest {
	return []subtest{
		// Users.
		{"CreateUser", testCreateUser},
		{"CreateUserIgnoresID", testCreateUserIgnoresID},
		{"CreateUserMinimal", testCreateUserMinimal},
		{"CreateUserEmailConflict", testCreateUserEmailConflict},
		{"CreateUserWithoutEmail", testCreateUserWithoutEmail},
		{"NullUserFields", testNullUserFields},
		{"GetUserNotFound", testGetUserNotFound},
		{"GetUserByEmailNotFound", testGetUserByEmailNotFound},
		{"GetUserByEmailExact", testGetUserByEmailExact},
		{"UpdateUser", testUpdateUser},
		{"UpdateUserClearsFields", testUpdateUserClearsFields},
		{"UpdateUserEmailConflict", testUpdateUserEmailConflict},
		{"UpdateUserNotFound", testUpdateUserNotFound},
		{"TimePrecision", testTimePrecision},
		{"Unicode", testUnicode},
		{"LongValues", testLongValues},
		{"LongText", testLongText},
		// Accounts.
		{"LinkAccount", testLinkAccount},
		{"LinkAccountMinimal", testLinkAccountMinimal},
		{"LinkAccountLongTokens", testLinkAccountLongTokens},
		{"LinkAccountSeveral", testLinkAccountSeveral},
		{"LinkAccountConflict", testLinkAccountConflict},
		{"LinkAccountUnknownUser", testLinkAccountUnknownUser},
		{"GetUserByAccountNotFound", testGetUserByAccountNotFound},
		// Sessions.
		{"CreateSession", testCreateSession},
		{"CreateSessionConflict", testCreateSessionConflict},
		{"CreateSessionUnknownUser", testCreateSessionUnknownUser},
		{"GetSessionAndUserNotFound", testGetSessionAndUserNotFound},
		{"GetSessionAndUserExpired", testGetSessionAndUserExpired},
		{"SessionFollowsUserUpdate", testSessionFollowsUserUpdate},
		{"UpdateSession", testUpdateSession},
		{"UpdateSessionNotFound", testUpdateSessionNotFound},
		{"DeleteSession", testDeleteSession},
		{"DeleteSessionNotFound", testDeleteSessionNotFound},
		// Verification tokens.
		{"VerificationToken", testVerificationToken},
		{"VerificationTokenWrongPair", testVerificationTokenWrongPair},
		{"VerificationTokenSeveral", testVerificationTokenSeveral},
		{"VerificationTokenConflict", testVerificationTokenConflict},
		{"VerificationTokenExpired", testVerificationTokenExpired},
		{"VerificationTokenNotFound", testVerificationTokenNotFound},
		// Concurrency.
		{"ConcurrentUseVerificationToken", testConcurrentUseVerificationToken},
		{"ConcurrentCreateUser", testConcurrentCreateUser},
		{"ConcurrentLinkAccount", testConcurrentLinkAccount},
		{"ConcurrentCreateSession", testConcurrentCreateSession},
		// Optional capabilities.
		{"DeleteUser", testDeleteUser},
		{"DeleteUserNotFound", testDeleteUserNotFound},
		{"UnlinkAccount", testUnlinkAccount},
		{"DeleteExpired", testDeleteExpired},
		{"GetUserAccount", testGetUserAccount},
		{"GetUserAccountNotFound", testGetUserAccountNotFound},
		{"GetUserAccountMostRecent", testGetUserAccountMostRecent},
		{"UpdateAccount", testUpdateAccount},
		{"UpdateAccountClearsFields", testUpdateAccountClearsFields},
		{"UpdateAccountNotFound", testUpdateAccountNotFound},
		{"ConcurrentUpdateAccount", testConcurrentUpdateAccount},
		{"GetUserAccountAfterDeleteUser", testGetUserAccountAfterDeleteUser},
		{"ListSessions", testListSessions},
		{"DeleteUserSessions", testDeleteUserSessions},
		{"ConcurrentDeleteUserSessions", testConcurrentDeleteUserSessions},
		{"RevokeJWT", testRevokeJWT},
		{"RevokeUserJWTs", testRevokeUserJWTs},
		{"JWTRevocationExpiry", testJWTRevocationExpiry},
		{"ConcurrentRevokeJWT", testConcurrentRevokeJWT},
		// Context.
		{"CanceledContext", testCanceledContext},
	}
}
