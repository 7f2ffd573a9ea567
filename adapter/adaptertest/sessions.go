package adaptertest

import (
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// checkSessionAndUser reads s back and compares it and its user.
func (e *env) checkSessionAndUser(s nextauth.AdapterSession, u nextauth.User) {
	e.t.Helper()
	call := fmt.Sprintf("GetSessionAndUser(%s)", short(s.SessionToken))
	gs, gu, err := e.a.GetSessionAndUser(e.ctx, s.SessionToken)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
		return
	}
	e.checkSession(call, gs, s)
	e.checkUser(call, gu, u)
}

// checkNoSession checks that the session with token is gone.
func (e *env) checkNoSession(token, why string) {
	e.t.Helper()
	_, _, err := e.a.GetSessionAndUser(e.ctx, token)
	e.wantErr(fmt.Sprintf("GetSessionAndUser(%s) %s", short(token), why), err, nextauth.ErrNotFound)
}

func testCreateSession(e *env) {
	u := e.createUser(e.fullUser())
	s1 := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(30 * 24 * time.Hour)})
	s2 := e.createSession(nextauth.AdapterSession{SessionToken: randHex(32), UserID: u.ID, Expires: ms(time.Hour)})
	e.checkSessionAndUser(s1, u)
	e.checkSessionAndUser(s2, u)
	// A user without e-mail or name has sessions too.
	v := e.createUser(nextauth.User{})
	s3 := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: v.ID, Expires: ms(time.Hour)})
	e.checkSessionAndUser(s3, v)
}

func testCreateSessionConflict(e *env) {
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	for _, dup := range []nextauth.AdapterSession{
		s,
		{SessionToken: s.SessionToken, UserID: v.ID, Expires: ms(2 * time.Hour)},
	} {
		_, err := e.a.CreateSession(e.ctx, dup)
		e.wantErr(fmt.Sprintf("CreateSession(%s) again", fmtSession(dup)), err, nextauth.ErrConflict)
	}
	e.checkSessionAndUser(s, u)
}

func testCreateSessionUnknownUser(e *env) {
	for _, id := range e.unknownIDs() {
		s := nextauth.AdapterSession{SessionToken: sessionToken(), UserID: id, Expires: ms(time.Hour)}
		_, err := e.a.CreateSession(e.ctx, s)
		e.wantErr(fmt.Sprintf("CreateSession(user %q)", id), err, nextauth.ErrNotFound)
		e.checkNoSession(s.SessionToken, "after creating it for an unknown user")
	}
}

func testGetSessionAndUserNotFound(e *env) {
	u := e.createUser(e.fullUser())
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	for _, token := range []string{sessionToken(), "", s.SessionToken[:35], s.SessionToken + " ", "%", "*"} {
		e.checkNoSession(token, "of an unknown token")
	}
}

func testGetSessionAndUserExpired(e *env) {
	u := e.createUser(e.fullUser())
	for _, ago := range []time.Duration{time.Minute, time.Hour} {
		s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(-ago)})
		// Returned as it is: the caller checks Expires and deletes it.
		e.checkSessionAndUser(s, u)
		got, err := e.a.DeleteSession(e.ctx, s.SessionToken)
		if err != nil {
			e.t.Errorf("DeleteSession(expired %s) error = %v", short(s.SessionToken), err)
		} else {
			e.checkSession("DeleteSession(expired)", got, s)
		}
	}
}

func testSessionFollowsUserUpdate(e *env) {
	u := e.createUser(e.fullUser())
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	upd := u
	upd.Name = nextauth.String("Renamed")
	upd.Email = nextauth.String(e.email())
	upd.EmailVerified = nil
	if _, err := e.a.UpdateUser(e.ctx, upd); err != nil {
		e.t.Fatalf("UpdateUser(%s) error = %v", fmtUser(upd), err)
	}
	e.checkSessionAndUser(s, upd)
}

func testUpdateSession(e *env) {
	u := e.createUser(e.fullUser())
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	other := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	for _, expires := range []time.Time{
		ms(30 * 24 * time.Hour), // the usual refresh
		ms(-time.Minute),        // backwards, into the past
		ms(time.Hour).Add(123 * time.Microsecond).In(time.Local), // sub-ms, other zone
	} {
		want := s
		want.Expires = expires
		call := fmt.Sprintf("UpdateSession(%s, %v)", short(s.SessionToken), expires)
		got, err := e.a.UpdateSession(e.ctx, s.SessionToken, expires)
		if err != nil {
			e.t.Fatalf("%s error = %v", call, err)
		}
		e.checkSession(call, got, want)
		e.checkSessionAndUser(want, u)
	}
	// Other sessions keep their expiry.
	e.checkSessionAndUser(other, u)
}

func testUpdateSessionNotFound(e *env) {
	for _, token := range []string{sessionToken(), ""} {
		_, err := e.a.UpdateSession(e.ctx, token, ms(time.Hour))
		e.wantErr(fmt.Sprintf("UpdateSession(%q)", token), err, nextauth.ErrNotFound)
		e.checkNoSession(token, "after UpdateSession of an unknown token")
	}
}

func testDeleteSession(e *env) {
	u := e.createUser(e.fullUser())
	s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	keep := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
	got, err := e.a.DeleteSession(e.ctx, s.SessionToken)
	if err != nil {
		e.t.Fatalf("DeleteSession(%q) error = %v", s.SessionToken, err)
	}
	e.checkSession(fmt.Sprintf("DeleteSession(%q)", s.SessionToken), got, s)
	e.checkNoSession(s.SessionToken, "after DeleteSession")
	_, err = e.a.DeleteSession(e.ctx, s.SessionToken)
	e.wantErr(fmt.Sprintf("DeleteSession(%q) a second time", s.SessionToken), err, nextauth.ErrNotFound)
	_, err = e.a.UpdateSession(e.ctx, s.SessionToken, ms(time.Hour))
	e.wantErr(fmt.Sprintf("UpdateSession(%q) after DeleteSession", s.SessionToken), err, nextauth.ErrNotFound)
	// The user and their other sessions stay.
	e.getUserEverywhere(u)
	e.checkSessionAndUser(keep, u)
	// The token can be used again.
	again := e.createSession(nextauth.AdapterSession{SessionToken: s.SessionToken, UserID: u.ID, Expires: ms(2 * time.Hour)})
	e.checkSessionAndUser(again, u)
}

func testDeleteSessionNotFound(e *env) {
	for _, token := range []string{sessionToken(), ""} {
		_, err := e.a.DeleteSession(e.ctx, token)
		e.wantErr(fmt.Sprintf("DeleteSession(%q)", token), err, nextauth.ErrNotFound)
	}
}
