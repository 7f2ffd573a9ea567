package adaptertest

import (
	"fmt"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// checkUserByAccount checks that acc's provider account finds want, and,
// if the adapter is an [AccountGetter], that acc was stored as given.
func (e *env) checkUserByAccount(acc nextauth.Account, want nextauth.User) {
	e.t.Helper()
	call := fmt.Sprintf("GetUserByAccount(%s, %s)", short(acc.Provider), short(acc.ProviderAccountID))
	got, err := e.a.GetUserByAccount(e.ctx, acc.Provider, acc.ProviderAccountID)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
	} else {
		e.checkUser(call, got, want)
	}
	if g, ok := e.a.(AccountGetter); ok {
		call := fmt.Sprintf("GetAccount(%s, %s)", short(acc.Provider), short(acc.ProviderAccountID))
		got, err := g.GetAccount(e.ctx, acc.Provider, acc.ProviderAccountID)
		if err != nil {
			e.t.Errorf("%s error = %v", call, err)
		} else {
			e.checkAccount(call, got, acc)
		}
	}
}

// checkNoAccount checks that acc's provider account is not linked.
func (e *env) checkNoAccount(acc nextauth.Account, why string) {
	e.t.Helper()
	_, err := e.a.GetUserByAccount(e.ctx, acc.Provider, acc.ProviderAccountID)
	e.wantErr(fmt.Sprintf("GetUserByAccount(%s, %s) %s", short(acc.Provider), short(acc.ProviderAccountID), why), err, nextauth.ErrNotFound)
	if g, ok := e.a.(AccountGetter); ok {
		_, err := g.GetAccount(e.ctx, acc.Provider, acc.ProviderAccountID)
		e.wantErr(fmt.Sprintf("GetAccount(%s, %s) %s", short(acc.Provider), short(acc.ProviderAccountID), why), err, nextauth.ErrNotFound)
	}
}

func testLinkAccount(e *env) {
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	e.checkUserByAccount(acc, u)

	// An OIDC account with a numeric-looking id.
	oidc := account(u.ID, "google")
	oidc.Type = "oidc"
	oidc.ProviderAccountID = "1" + strings.Repeat("0", 4) + randHex(6)
	e.linkAccount(oidc)
	e.checkUserByAccount(oidc, u)
}

func testLinkAccountMinimal(e *env) {
	u := e.createUser(nextauth.User{Email: nextauth.String(e.email())})
	// Empty token fields (and ExpiresAt 0) mean NULL and stay empty.
	acc := nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "twitter", ProviderAccountID: randHex(6)}
	e.linkAccount(acc)
	e.checkUserByAccount(acc, u)
}

func testLinkAccountLongTokens(e *env) {
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "azure-ad")
	acc.Type = "oidc"
	acc.AccessToken = "eyJ0eXAiOiJKV1QifQ." + strings.Repeat("A", 4096) + "." + randHex(128)
	acc.RefreshToken = "0.AR" + strings.Repeat("r", 5000)
	acc.IDToken = "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("B", 6000) + "." + randHex(256)
	acc.Scope = strings.Repeat("https://graph.microsoft.test/User.Read ", 120)
	acc.SessionState = strings.Repeat("s", 4096)
	acc.ExpiresAt = 1<<53 - 1 // the largest integer a JS number holds exactly
	e.linkAccount(acc)
	e.checkUserByAccount(acc, u)
}

func testLinkAccountSeveral(e *env) {
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	// One user, several providers; and the same provider account id at
	// two providers belongs to two different users.
	id := randHex(6)
	a1 := account(u.ID, "github")
	a1.ProviderAccountID = id
	a2 := account(u.ID, "gitlab")
	a3 := account(v.ID, "discord")
	a3.ProviderAccountID = id
	for _, acc := range []nextauth.Account{a1, a2, a3} {
		e.linkAccount(acc)
	}
	e.checkUserByAccount(a1, u)
	e.checkUserByAccount(a2, u)
	e.checkUserByAccount(a3, v)
	// The same id at a provider it was not linked at is not found.
	e.checkNoAccount(nextauth.Account{Provider: "gitlab", ProviderAccountID: id}, "at another provider")
}

func testLinkAccountConflict(e *env) {
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	for _, dup := range []nextauth.Account{acc, {UserID: v.ID, Type: "oauth", Provider: acc.Provider, ProviderAccountID: acc.ProviderAccountID}} {
		err := e.a.LinkAccount(e.ctx, dup)
		e.wantErr(fmt.Sprintf("LinkAccount(%s/%s) again, to user %q", dup.Provider, dup.ProviderAccountID, dup.UserID), err, nextauth.ErrConflict)
	}
	// The first link is untouched.
	e.checkUserByAccount(acc, u)
}

func testLinkAccountUnknownUser(e *env) {
	for _, id := range e.unknownIDs() {
		acc := account(id, "github")
		err := e.a.LinkAccount(e.ctx, acc)
		e.wantErr(fmt.Sprintf("LinkAccount(user %q)", id), err, nextauth.ErrNotFound)
		e.checkNoAccount(acc, "after linking it to an unknown user")
	}
}

func testGetUserByAccountNotFound(e *env) {
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	for _, c := range []struct{ provider, id string }{
		{"github", randHex(6)},
		{"github", ""},
		{"", acc.ProviderAccountID},
		{"gitlab", acc.ProviderAccountID},
		{"github", acc.ProviderAccountID[:len(acc.ProviderAccountID)-1]},
		{"GitHub", acc.ProviderAccountID},
		{"github", "%"},
	} {
		_, err := e.a.GetUserByAccount(e.ctx, c.provider, c.id)
		e.wantErr(fmt.Sprintf("GetUserByAccount(%q, %q)", c.provider, c.id), err, nextauth.ErrNotFound)
	}
}
