package adaptertest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// The subtests of the optional [nextauth.SessionLister]: each skips itself
// when the adapter does not implement it.

// lister returns the adapter as a [nextauth.SessionLister], or skips the
// subtest.
func (e *env) lister() nextauth.SessionLister {
	e.t.Helper()
	sl, ok := e.a.(nextauth.SessionLister)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.SessionLister")
	}
	return sl
}

// newestFirst sorts sessions by expiry, newest first, as ListSessions
// returns them.
func newestFirst(sessions []nextauth.AdapterSession) []nextauth.AdapterSession {
	s := slices.Clone(sessions)
	slices.SortFunc(s, func(a, b nextauth.AdapterSession) int { return b.Expires.Compare(a.Expires) })
	return s
}

// checkList checks that ListSessions(userID) is want, in order, field by
// field.
func (e *env) checkList(sl nextauth.SessionLister, userID string, want []nextauth.AdapterSession, why string) {
	e.t.Helper()
	call := fmt.Sprintf("%s: ListSessions(%q)", why, userID)
	got, err := sl.ListSessions(e.ctx, userID)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
		return
	}
	if len(got) != len(want) {
		e.t.Errorf("%s = %d sessions %s, want %d %s", call, len(got), fmtList(got), len(want), fmtList(want))
		return
	}
	for i := range want {
		e.checkSession(fmt.Sprintf("%s[%d]", call, i), got[i], want[i])
	}
}

// fmtList lists sessions' expiries and tokens, for failures.
func fmtList(sessions []nextauth.AdapterSession) string {
	parts := make([]string, len(sessions))
	for i, s := range sessions {
		parts[i] = s.Expires.UTC().Format(time.RFC3339Nano) + " " + short(s.SessionToken)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// deleteUserSessions calls DeleteUserSessions and checks its count.
func (e *env) deleteUserSessions(sl nextauth.SessionLister, userID string, want int64, why string) {
	e.t.Helper()
	call := fmt.Sprintf("%s: DeleteUserSessions(%q)", why, userID)
	n, err := sl.DeleteUserSessions(e.ctx, userID)
	if err != nil {
		e.t.Fatalf("%s error = %v", call, err)
	}
	if n != want {
		e.t.Errorf("%s = %d, want %d", call, n, want)
	}
}

func testListSessions(e *env) {
	sl := e.lister()
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	// Created in an order that is neither their expiry order nor its
	// reverse; expired ones included.
	var sessions []nextauth.AdapterSession
	for _, d := range []time.Duration{time.Hour, -time.Hour, 30 * 24 * time.Hour, -time.Minute, time.Minute} {
		sessions = append(sessions, e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(d)}))
	}
	other := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: v.ID, Expires: ms(2 * time.Hour)})
	e.checkList(sl, u.ID, newestFirst(sessions), "after CreateSession")
	e.checkList(sl, v.ID, []nextauth.AdapterSession{other}, "another user")

	// UpdateSession moves a session in the order (the expired one to the
	// front); DeleteSession takes one out.
	upd := sessions[1]
	upd.Expires = ms(60 * 24 * time.Hour)
	if _, err := e.a.UpdateSession(e.ctx, upd.SessionToken, upd.Expires); err != nil {
		e.t.Fatalf("UpdateSession(%s) error = %v", short(upd.SessionToken), err)
	}
	sessions[1] = upd
	if _, err := e.a.DeleteSession(e.ctx, sessions[0].SessionToken); err != nil {
		e.t.Fatalf("DeleteSession(%s) error = %v", short(sessions[0].SessionToken), err)
	}
	sessions = sessions[1:]
	e.checkList(sl, u.ID, newestFirst(sessions), "after UpdateSession and DeleteSession")
	e.checkList(sl, v.ID, []nextauth.AdapterSession{other}, "another user, after UpdateSession and DeleteSession")

	// A user without sessions, and users that do not exist, have none.
	none := e.createUser(e.fullUser())
	for _, id := range append(e.unknownIDs(), none.ID) {
		e.checkList(sl, id, nil, "a user without sessions")
	}

	if d, ok := e.a.(nextauth.UserDeleter); ok {
		if err := d.DeleteUser(e.ctx, u.ID); err != nil {
			e.t.Fatalf("DeleteUser(%q) error = %v", u.ID, err)
		}
		e.checkList(sl, u.ID, nil, "after DeleteUser")
		e.checkList(sl, v.ID, []nextauth.AdapterSession{other}, "another user, after DeleteUser")
	}
}

func testDeleteUserSessions(e *env) {
	sl := e.lister()
	u := e.createUser(e.fullUser())
	v := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	var gone []nextauth.AdapterSession
	for _, d := range []time.Duration{time.Hour, -time.Hour, 30 * 24 * time.Hour} {
		gone = append(gone, e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(d)}))
	}
	keep := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: v.ID, Expires: ms(time.Hour)})

	e.deleteUserSessions(sl, u.ID, int64(len(gone)), "three sessions, one expired")
	for _, s := range gone {
		e.checkNoSession(s.SessionToken, "after DeleteUserSessions")
		_, err := e.a.UpdateSession(e.ctx, s.SessionToken, ms(time.Hour))
		e.wantErr(fmt.Sprintf("UpdateSession(%s) after DeleteUserSessions", short(s.SessionToken)), err, nextauth.ErrNotFound)
	}
	e.checkList(sl, u.ID, nil, "after DeleteUserSessions")
	// The user, its account and other users' sessions stay.
	e.getUserEverywhere(u)
	e.checkUserByAccount(acc, u)
	e.checkSessionAndUser(keep, v)
	e.checkList(sl, v.ID, []nextauth.AdapterSession{keep}, "another user, after DeleteUserSessions")

	e.deleteUserSessions(sl, u.ID, 0, "a second time")
	none := e.createUser(e.fullUser())
	for _, id := range append(e.unknownIDs(), none.ID) {
		e.deleteUserSessions(sl, id, 0, "a user without sessions")
	}
	e.checkSessionAndUser(keep, v)

	// The tokens are free again, and the user signs in anew.
	again := gone[0]
	again.Expires = ms(2 * time.Hour)
	again = e.createSession(again)
	e.checkSessionAndUser(again, u)
	e.checkList(sl, u.ID, []nextauth.AdapterSession{again}, "after signing in again")
}

// testConcurrentDeleteUserSessions deletes a user's sessions from several
// goroutines at once: each session is counted by exactly one call.
func testConcurrentDeleteUserSessions(e *env) {
	sl := e.lister()
	const sessions = 5
	for round := range uniqueRounds {
		u := e.createUser(e.fullUser())
		for i := range sessions {
			e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Duration(i+1) * time.Hour)})
		}
		counts := make([]int64, uniqueGoroutine)
		var total int64
		for i, err := range race(uniqueGoroutine, func(i int) error {
			var err error
			counts[i], err = sl.DeleteUserSessions(e.ctx, u.ID)
			return err
		}) {
			if err != nil {
				e.t.Errorf("round %d: DeleteUserSessions(%q) in goroutine %d error = %v", round, u.ID, i, err)
			}
			total += counts[i]
		}
		if total != sessions {
			e.t.Errorf("round %d: DeleteUserSessions(%q) in %d goroutines returned %v, %d in all, want %d in all",
				round, u.ID, uniqueGoroutine, counts, total, sessions)
		}
		e.checkList(sl, u.ID, nil, fmt.Sprintf("round %d, after the race", round))
	}
}
