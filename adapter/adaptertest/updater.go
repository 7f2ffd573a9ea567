package adaptertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// The subtests of the optional [nextauth.AccountUpdater]: each skips itself
// when the adapter does not implement it.

// updater returns the adapter as an [nextauth.AccountUpdater], or skips
// the subtest.
func (e *env) updater() nextauth.AccountUpdater {
	e.t.Helper()
	up, ok := e.a.(nextauth.AccountUpdater)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.AccountUpdater")
	}
	return up
}

// checkUserAccount checks that userID's account at want.Provider is want,
// field by field, and that the other read paths agree.
func (e *env) checkUserAccount(up nextauth.AccountUpdater, userID string, want nextauth.Account, why string) {
	e.t.Helper()
	call := why + ": " + fmt.Sprintf("GetUserAccount(%q, %s)", userID, short(want.Provider))
	got, err := up.GetUserAccount(e.ctx, userID, want.Provider)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
		return
	}
	e.checkAccount(call, got, want)
}

// checkNoUserAccount checks that userID has no account at provider.
func (e *env) checkNoUserAccount(up nextauth.AccountUpdater, userID, provider, why string) {
	e.t.Helper()
	_, err := up.GetUserAccount(e.ctx, userID, provider)
	e.wantErr(why+": "+fmt.Sprintf("GetUserAccount(%q, %s)", userID, short(provider)), err, nextauth.ErrNotFound)
}

// updateAccount updates acc's tokens, stops the subtest on error, and
// checks that the returned account is want.
func (e *env) updateAccount(up nextauth.AccountUpdater, acc, want nextauth.Account) {
	e.t.Helper()
	call := fmt.Sprintf("UpdateAccount(%s/%s)", short(acc.Provider), short(acc.ProviderAccountID))
	got, err := up.UpdateAccount(e.ctx, acc)
	if err != nil {
		e.t.Fatalf("%s error = %v", call, err)
	}
	e.checkAccount(call, got, want)
}

// withTokens is acc with the token fields of tokens.
func withTokens(acc, tokens nextauth.Account) nextauth.Account {
	acc.RefreshToken, acc.AccessToken, acc.ExpiresAt = tokens.RefreshToken, tokens.AccessToken, tokens.ExpiresAt
	acc.TokenType, acc.Scope, acc.IDToken, acc.SessionState = tokens.TokenType, tokens.Scope, tokens.IDToken, tokens.SessionState
	return acc
}

// longTokens is acc with token values longer than any VARCHAR(255).
func longTokens(acc nextauth.Account) nextauth.Account {
	acc.AccessToken = "eyJ0eXAiOiJKV1QifQ." + strings.Repeat("A", 4096) + "." + randHex(128)
	acc.RefreshToken = "0.AR" + strings.Repeat("r", 5000) + randHex(8)
	acc.IDToken = "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("B", 6000) + "." + randHex(256)
	acc.Scope = strings.Repeat("https://graph.microsoft.test/User.Read ", 120)
	acc.SessionState = strings.Repeat("s", 4096) + randHex(8)
	acc.ExpiresAt = 1<<53 - 1 // the largest integer a JS number holds exactly
	return acc
}

func testGetUserAccount(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	oidc := account(u.ID, "google")
	oidc.Type = "oidc"
	minimal := nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "twitter", ProviderAccountID: randHex(6)}
	accs := []nextauth.Account{
		account(u.ID, "github"),
		account(v.ID, "github"), // another user at the same provider
		oidc,
		minimal, // empty token fields stay empty
		longTokens(account(u.ID, "azure-ad")),
		account(u.ID, "prov "+unicodeValues()[2]+" a:b%"), // key separators and escapes
	}
	for _, acc := range accs {
		e.linkAccount(acc)
	}
	for _, acc := range accs {
		e.checkUserAccount(up, acc.UserID, acc, "after LinkAccount")
	}
}

func testGetUserAccountNotFound(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	colon := account(u.ID, "a:b")
	for _, a := range []nextauth.Account{acc, colon} {
		e.linkAccount(a)
	}
	none := e.createUser(e.fullUser()) // a user without accounts
	cases := []struct{ userID, provider string }{
		{none.ID, "github"},
		{u.ID, "gitlab"},
		{u.ID, "git"}, // a prefix of a linked provider
		{u.ID, "github "},
		{u.ID, "GitHub"},
		{u.ID, "a"}, // the part of "a:b" before the separator
		{u.ID, ""},
		{u.ID, "%"},
		{u.ID, "*"},
		{u.ID, acc.ProviderAccountID},
	}
	for _, id := range e.unknownIDs() {
		cases = append(cases, struct{ userID, provider string }{id, "github"})
	}
	for _, c := range cases {
		e.checkNoUserAccount(up, c.userID, c.provider, "never linked")
	}
	e.checkUserAccount(up, u.ID, acc, "after the failed lookups")
	e.checkUserAccount(up, u.ID, colon, "after the failed lookups")

	if ul, ok := e.a.(nextauth.AccountUnlinker); ok {
		if err := ul.UnlinkAccount(e.ctx, acc.Provider, acc.ProviderAccountID); err != nil {
			e.t.Fatalf("UnlinkAccount(%s/%s) error = %v", acc.Provider, acc.ProviderAccountID, err)
		}
		e.checkNoUserAccount(up, u.ID, acc.Provider, "after UnlinkAccount")
		e.checkUserAccount(up, u.ID, colon, "after unlinking another account")
	}
}

// testGetUserAccountMostRecent links several accounts of one user at one
// provider, in an order that is neither that of their ids nor its reverse,
// and expects the one linked last.
func testGetUserAccountMostRecent(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	other := e.createUser(e.fullUser())
	var accs []nextauth.Account
	for i, prefix := range []string{"m", "a", "z", "k"} {
		acc := account(u.ID, "github")
		acc.ProviderAccountID = prefix + "-" + randHex(6)
		e.linkAccount(acc)
		accs = append(accs, acc)
		// Later links of another user, or at another provider, change nothing.
		e.linkAccount(account(other.ID, "github"))
		e.linkAccount(account(u.ID, "gitlab"))
		e.checkUserAccount(up, u.ID, acc, fmt.Sprintf("after linking %d accounts at github", i+1))
	}
	if ul, ok := e.a.(nextauth.AccountUnlinker); ok {
		last := accs[len(accs)-1]
		if err := ul.UnlinkAccount(e.ctx, last.Provider, last.ProviderAccountID); err != nil {
			e.t.Fatalf("UnlinkAccount(%s/%s) error = %v", last.Provider, last.ProviderAccountID, err)
		}
		e.checkUserAccount(up, u.ID, accs[len(accs)-2], "after unlinking the most recent")
	}
}

func testUpdateAccount(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	keep := account(u.ID, "google")
	sameID := account(v.ID, "gitlab")
	sameID.ProviderAccountID = acc.ProviderAccountID
	for _, a := range []nextauth.Account{acc, keep, sameID} {
		e.linkAccount(a)
	}

	// New token values, and a UserID and Type that must be ignored.
	upd := account(v.ID, acc.Provider)
	upd.ProviderAccountID = acc.ProviderAccountID
	upd.Type = "oidc"
	want := withTokens(acc, upd)
	e.updateAccount(up, upd, want)
	e.checkUserAccount(up, u.ID, want, "after UpdateAccount")
	e.checkUserByAccount(want, u)
	e.checkNoUserAccount(up, v.ID, acc.Provider, "after an UpdateAccount naming v")
	// Other accounts are untouched.
	e.checkUserAccount(up, u.ID, keep, "another account of the user, after UpdateAccount")
	e.checkUserAccount(up, v.ID, sameID, "the same id at another provider, after UpdateAccount")

	// Long values, and a second update.
	upd = longTokens(want)
	want = upd
	e.updateAccount(up, upd, want)
	e.checkUserAccount(up, u.ID, want, "after a second UpdateAccount")
	e.checkUserByAccount(want, u)
}

func testUpdateAccountClearsFields(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	full := account(u.ID, "github")
	e.linkAccount(full)
	cleared := nextauth.Account{UserID: u.ID, Type: full.Type, Provider: full.Provider, ProviderAccountID: full.ProviderAccountID}
	e.updateAccount(up, cleared, cleared)
	e.checkUserAccount(up, u.ID, cleared, "after clearing every token field")
	e.checkUserByAccount(cleared, u)

	// And back: an account linked without tokens gets them.
	minimal := nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "twitter", ProviderAccountID: randHex(6)}
	e.linkAccount(minimal)
	filled := withTokens(minimal, account(u.ID, minimal.Provider))
	e.updateAccount(up, filled, filled)
	e.checkUserAccount(up, u.ID, filled, "after filling every token field")
}

func testUpdateAccountNotFound(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	for _, c := range []struct{ provider, id string }{
		{"github", randHex(6)},
		{"gitlab", acc.ProviderAccountID},
		{"GitHub", acc.ProviderAccountID},
		{"github", acc.ProviderAccountID[:len(acc.ProviderAccountID)-1]},
		{"github", ""},
		{"github", "%"},
		{"", ""},
	} {
		// A known user: an adapter that inserts what it cannot update
		// would succeed.
		upd := account(u.ID, c.provider)
		upd.ProviderAccountID = c.id
		_, err := up.UpdateAccount(e.ctx, upd)
		e.wantErr(fmt.Sprintf("UpdateAccount(%q, %q)", c.provider, c.id), err, nextauth.ErrNotFound)
		e.checkNoAccount(upd, "after UpdateAccount of an unknown account")
	}
	e.checkUserAccount(up, u.ID, acc, "after the failed updates")

	if ul, ok := e.a.(nextauth.AccountUnlinker); ok {
		if err := ul.UnlinkAccount(e.ctx, acc.Provider, acc.ProviderAccountID); err != nil {
			e.t.Fatalf("UnlinkAccount(%s/%s) error = %v", acc.Provider, acc.ProviderAccountID, err)
		}
		_, err := up.UpdateAccount(e.ctx, acc)
		e.wantErr(fmt.Sprintf("UpdateAccount(%s/%s) after UnlinkAccount", acc.Provider, acc.ProviderAccountID), err, nextauth.ErrNotFound)
		e.checkNoAccount(acc, "after UpdateAccount of an unlinked account")
	}
}

// testConcurrentUpdateAccount has goroutines write different tokens to one
// account at once: each write succeeds and returns what it wrote, and the
// account ends up as exactly one of them wrote it, not a mix.
func testConcurrentUpdateAccount(e *env) {
	up := e.updater()
	u := e.createUser(e.fullUser())
	for round := range uniqueRounds {
		acc := account(u.ID, "github")
		e.linkAccount(acc)
		writes := make([]nextauth.Account, uniqueGoroutine)
		for i := range writes {
			w := account(u.ID, acc.Provider) // random tokens…
			w.ProviderAccountID = acc.ProviderAccountID
			w.TokenType = fmt.Sprint("bearer-", i) // …and no field shared by two writes
			w.Scope = fmt.Sprint("scope-", i)
			w.ExpiresAt = acc.ExpiresAt + int64(i) + 1
			writes[i] = w
		}
		got := make([]nextauth.Account, len(writes))
		errs := race(len(writes), func(i int) error {
			var err error
			got[i], err = up.UpdateAccount(e.ctx, writes[i])
			return err
		})
		for i, err := range errs {
			call := fmt.Sprintf("round %d, goroutine %d of %d: UpdateAccount", round, i, len(writes))
			if err != nil {
				e.t.Errorf("%s error = %v", call, err)
			} else {
				e.checkAccount(call, got[i], writes[i])
			}
		}
		stored, err := up.GetUserAccount(e.ctx, u.ID, acc.Provider)
		if err != nil {
			e.t.Fatalf("round %d: GetUserAccount after the race: error = %v", round, err)
		}
		winner := -1
		for i, w := range writes {
			if stored == w {
				winner = i
			}
		}
		if winner < 0 {
			e.t.Errorf("round %d: after %d concurrent UpdateAccount calls the account is none of the written values: %s",
				round, len(writes), mixedFields(stored, writes))
			continue
		}
		e.checkUserByAccount(writes[winner], u)
	}
}

// mixedFields says which write each token field of stored came from.
func mixedFields(stored nextauth.Account, writes []nextauth.Account) string {
	origin := func(match func(w nextauth.Account) bool) string {
		for i, w := range writes {
			if match(w) {
				return fmt.Sprint(i)
			}
		}
		return "none"
	}
	return fmt.Sprintf("RefreshToken from write %s, AccessToken %s, ExpiresAt %s, TokenType %s, Scope %s, IDToken %s, SessionState %s",
		origin(func(w nextauth.Account) bool { return w.RefreshToken == stored.RefreshToken }),
		origin(func(w nextauth.Account) bool { return w.AccessToken == stored.AccessToken }),
		origin(func(w nextauth.Account) bool { return w.ExpiresAt == stored.ExpiresAt }),
		origin(func(w nextauth.Account) bool { return w.TokenType == stored.TokenType }),
		origin(func(w nextauth.Account) bool { return w.Scope == stored.Scope }),
		origin(func(w nextauth.Account) bool { return w.IDToken == stored.IDToken }),
		origin(func(w nextauth.Account) bool { return w.SessionState == stored.SessionState }))
}

// testGetUserAccountAfterDeleteUser checks that DeleteUser takes the
// user's accounts with it, for GetUserAccount and UpdateAccount too.
func testGetUserAccountAfterDeleteUser(e *env) {
	up := e.updater()
	d, ok := e.a.(nextauth.UserDeleter)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.UserDeleter")
	}
	u := e.createUser(e.fullUser())
	keep := e.createUser(e.fullUser())
	acc1, acc2 := account(u.ID, "github"), account(u.ID, "google")
	keepAcc := account(keep.ID, "github")
	for _, acc := range []nextauth.Account{acc1, acc2, keepAcc} {
		e.linkAccount(acc)
		e.checkUserAccount(up, acc.UserID, acc, "before DeleteUser")
	}
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})

	if err := d.DeleteUser(e.ctx, u.ID); err != nil {
		e.t.Fatalf("DeleteUser(%q) error = %v", u.ID, err)
	}
	e.checkNoSession(s.SessionToken, "after DeleteUser")
	for _, acc := range []nextauth.Account{acc1, acc2} {
		e.checkNoUserAccount(up, u.ID, acc.Provider, "after DeleteUser")
		_, err := up.UpdateAccount(e.ctx, acc)
		e.wantErr(fmt.Sprintf("UpdateAccount(%s/%s) after DeleteUser", acc.Provider, acc.ProviderAccountID), err, nextauth.ErrNotFound)
		e.checkNoAccount(acc, "after UpdateAccount of a deleted user's account")
	}
	e.checkUserAccount(up, keep.ID, keepAcc, "another user's account, after DeleteUser")

	// The provider account, linked again, belongs to its new user only.
	v := e.createUser(e.fullUser())
	acc1.UserID = v.ID
	e.linkAccount(acc1)
	e.checkUserAccount(up, v.ID, acc1, "after linking it again")
	e.checkNoUserAccount(up, u.ID, acc1.Provider, "after linking it to another user")
}
