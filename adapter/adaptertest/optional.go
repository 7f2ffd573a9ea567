package adaptertest

import (
	"errors"
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

func testDeleteUser(e *env) {
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
	}
	s1 := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	s2 := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(-time.Hour)})
	keepS := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: keep.ID, Expires: ms(time.Hour)})

	if err := d.DeleteUser(e.ctx, u.ID); err != nil {
		e.t.Fatalf("DeleteUser(%q) error = %v", u.ID, err)
	}
	// The user, its accounts and its sessions are gone…
	_, err := e.a.GetUser(e.ctx, u.ID)
	e.wantErr(fmt.Sprintf("GetUser(%q) after DeleteUser", u.ID), err, nextauth.ErrNotFound)
	_, err = e.a.GetUserByEmail(e.ctx, u.Email.String())
	e.wantErr(fmt.Sprintf("GetUserByEmail(%q) after DeleteUser", u.Email), err, nextauth.ErrNotFound)
	e.checkNoAccount(acc1, "after DeleteUser")
	e.checkNoAccount(acc2, "after DeleteUser")
	e.checkNoSession(s1.SessionToken, "after DeleteUser")
	e.checkNoSession(s2.SessionToken, "after DeleteUser")
	_, err = e.a.UpdateSession(e.ctx, s1.SessionToken, ms(time.Hour))
	e.wantErr(fmt.Sprintf("UpdateSession(%q) after DeleteUser", s1.SessionToken), err, nextauth.ErrNotFound)
	_, err = e.a.UpdateUser(e.ctx, u)
	e.wantErr(fmt.Sprintf("UpdateUser(%q) after DeleteUser", u.ID), err, nextauth.ErrNotFound)
	// …nothing else is…
	e.getUserEverywhere(keep)
	e.checkUserByAccount(keepAcc, keep)
	e.checkSessionAndUser(keepS, keep)
	// …and the e-mail, provider accounts and session tokens are free again.
	v := e.createUser(nextauth.User{Email: u.Email})
	acc1.UserID = v.ID
	e.linkAccount(acc1)
	e.checkUserByAccount(acc1, v)
	s1.UserID = v.ID
	e.createSession(s1)
	e.checkSessionAndUser(s1, v)
}

func testDeleteUserNotFound(e *env) {
	d, ok := e.a.(nextauth.UserDeleter)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.UserDeleter")
	}
	u := e.createUser(e.fullUser())
	if err := d.DeleteUser(e.ctx, u.ID); err != nil {
		e.t.Fatalf("DeleteUser(%q) error = %v", u.ID, err)
	}
	for _, id := range append(e.unknownIDs(), u.ID) {
		if err := d.DeleteUser(e.ctx, id); err != nil && !errors.Is(err, nextauth.ErrNotFound) {
			e.t.Errorf("DeleteUser(%q) of an unknown user: error = %v, want nil or %v", id, err, nextauth.ErrNotFound)
		}
	}
}

func testUnlinkAccount(e *env) {
	ul, ok := e.a.(nextauth.AccountUnlinker)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.AccountUnlinker")
	}
	u := e.createUser(e.fullUser())
	acc, keep := account(u.ID, "github"), account(u.ID, "google")
	e.linkAccount(acc)
	e.linkAccount(keep)
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})

	call := fmt.Sprintf("UnlinkAccount(%q, %q)", acc.Provider, acc.ProviderAccountID)
	if err := ul.UnlinkAccount(e.ctx, acc.Provider, acc.ProviderAccountID); err != nil {
		e.t.Fatalf("%s error = %v", call, err)
	}
	e.checkNoAccount(acc, "after UnlinkAccount")
	e.wantErr(call+" a second time", ul.UnlinkAccount(e.ctx, acc.Provider, acc.ProviderAccountID), nextauth.ErrNotFound)
	// The user, its other account and its session stay.
	e.getUserEverywhere(u)
	e.checkUserByAccount(keep, u)
	e.checkSessionAndUser(s, u)
	// The account can be linked again, to anyone.
	v := e.createUser(e.fullUser())
	acc.UserID = v.ID
	e.linkAccount(acc)
	e.checkUserByAccount(acc, v)

	for _, c := range []struct{ provider, id string }{{"github", randHex(6)}, {"gitlab", keep.ProviderAccountID}, {"", ""}} {
		err := ul.UnlinkAccount(e.ctx, c.provider, c.id)
		e.wantErr(fmt.Sprintf("UnlinkAccount(%q, %q) of an unknown account", c.provider, c.id), err, nextauth.ErrNotFound)
	}
	e.checkUserByAccount(keep, u)
}

func testDeleteExpired(e *env) {
	de, ok := e.a.(nextauth.ExpiredDeleter)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.ExpiredDeleter")
	}
	now := ms(0)
	u := e.createUser(e.fullUser())
	var expired, alive []nextauth.AdapterSession
	for _, d := range []time.Duration{-time.Hour, -time.Minute, -time.Second} {
		expired = append(expired, e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: now.Add(d)}))
	}
	for _, d := range []time.Duration{time.Second, time.Hour} {
		alive = append(alive, e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: now.Add(d)}))
	}
	var expiredT, aliveT []nextauth.VerificationToken
	for _, d := range []time.Duration{-time.Hour, -time.Second} {
		vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: hashToken(), Expires: now.Add(d)}
		e.createToken(vt)
		expiredT = append(expiredT, vt)
	}
	for _, d := range []time.Duration{time.Second, time.Hour} {
		vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: hashToken(), Expires: now.Add(d)}
		e.createToken(vt)
		aliveT = append(aliveT, vt)
	}

	sessions, tokens, err := de.DeleteExpired(e.ctx, now)
	if err != nil {
		e.t.Fatalf("DeleteExpired(%v) error = %v", now, err)
	}
	if sessions < int64(len(expired)) {
		e.t.Errorf("DeleteExpired(%v) sessions = %d, want ≥ %d", now, sessions, len(expired))
	}
	if tokens < int64(len(expiredT)) {
		e.t.Errorf("DeleteExpired(%v) tokens = %d, want ≥ %d", now, tokens, len(expiredT))
	}
	for _, s := range expired {
		e.checkNoSession(s.SessionToken, fmt.Sprintf("(expired %v) after DeleteExpired", s.Expires))
	}
	for _, vt := range expiredT {
		e.noToken(vt.Identifier, vt.Token, fmt.Sprintf("(expired %v) after DeleteExpired", vt.Expires))
	}
	for _, s := range alive {
		e.checkSessionAndUser(s, u)
	}
	for _, vt := range aliveT {
		e.useToken(vt, "after DeleteExpired")
	}
	// Users and accounts are not touched.
	e.getUserEverywhere(u)
}
