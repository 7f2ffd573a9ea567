package adaptertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// The subtests of the optional [nextauth.JWTRevoker]: each skips itself
// when the adapter does not implement it.

// revocationTTL is the lifetime of the short-lived revocation records of
// testJWTRevocationExpiry.
const revocationTTL = time.Second

// revoker returns the adapter as a [nextauth.JWTRevoker], or skips the
// subtest.
func (e *env) revoker() nextauth.JWTRevoker {
	e.t.Helper()
	rv, ok := e.a.(nextauth.JWTRevoker)
	if !ok {
		e.t.Skip("adapter does not implement nextauth.JWTRevoker")
	}
	return rv
}

// checkRevoked checks JWTRevoked(sid, userID, authTime).
func (e *env) checkRevoked(rv nextauth.JWTRevoker, sid, userID string, authTime time.Time, want bool, why string) {
	e.t.Helper()
	call := fmt.Sprintf("%s: JWTRevoked(%s, %q, %s)", why, short(sid), userID, authTime.UTC().Format(time.RFC3339Nano))
	got, err := rv.JWTRevoked(e.ctx, sid, userID, authTime)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
		return
	}
	if got != want {
		e.t.Errorf("%s = %v, want %v", call, got, want)
	}
}

// revokeJWT calls RevokeJWT and stops the subtest on error.
func (e *env) revokeJWT(rv nextauth.JWTRevoker, sid string, expires time.Time) {
	e.t.Helper()
	if err := rv.RevokeJWT(e.ctx, sid, expires); err != nil {
		e.t.Fatalf("RevokeJWT(%s, %v) error = %v", short(sid), expires, err)
	}
}

// revokeUser calls RevokeUserJWTs and stops the subtest on error.
func (e *env) revokeUser(rv nextauth.JWTRevoker, userID string, before time.Time, maxAge time.Duration) {
	e.t.Helper()
	if err := rv.RevokeUserJWTs(e.ctx, userID, before, maxAge); err != nil {
		e.t.Fatalf("RevokeUserJWTs(%q, %v, %v) error = %v", userID, before, maxAge, err)
	}
}

// jwtUser returns a user id as a JWT's "sub" carries it: an adapter user's
// or one the adapter has never seen (JWT sessions need no stored user).
func (e *env) jwtUser(stored bool) string {
	if stored {
		return e.createUser(e.fullUser()).ID
	}
	return e.uniq("jwt-user")
}

func testRevokeJWT(e *env) {
	rv := e.revoker()
	uid, other := e.jwtUser(true), e.jwtUser(false)
	sid, keep := sessionToken(), sessionToken()
	now := ms(0)
	e.checkRevoked(rv, sid, uid, now, false, "before RevokeJWT")

	e.revokeJWT(rv, sid, ms(time.Hour))
	// The sid is revoked whoever holds it and whenever they signed in…
	for _, c := range []struct {
		userID   string
		authTime time.Time
	}{{uid, now}, {uid, ms(-time.Hour)}, {uid, ms(time.Hour)}, {other, now}, {"", now}} {
		e.checkRevoked(rv, sid, c.userID, c.authTime, true, "revoked sid")
	}
	// …and no other sid is, however alike.
	for _, s := range []string{keep, sid[:35], sid + " ", strings.ToUpper(sid), "", "%", "*"} {
		e.checkRevoked(rv, s, uid, now, false, "another sid")
	}

	// Revoking again is harmless.
	e.revokeJWT(rv, sid, ms(2*time.Hour))
	e.checkRevoked(rv, sid, uid, now, true, "revoked twice")
	e.checkRevoked(rv, keep, uid, now, false, "another sid, after revoking twice")

	// An empty sid (a token without one) is never revoked by sid, whether
	// RevokeJWT refuses it or not.
	_ = rv.RevokeJWT(e.ctx, "", ms(time.Hour))
	e.checkRevoked(rv, "", uid, now, false, `after RevokeJWT("")`)
	e.checkRevoked(rv, keep, uid, now, false, `another sid, after RevokeJWT("")`)
}

func testRevokeUserJWTs(e *env) {
	rv := e.revoker()
	for _, stored := range []bool{true, false} {
		uid, other := e.jwtUser(stored), e.jwtUser(stored)
		before := ms(0)
		why := fmt.Sprintf("user stored: %v", stored)
		e.checkRevoked(rv, sessionToken(), uid, before.Add(-time.Hour), false, why+", before RevokeUserJWTs")

		e.revokeUser(rv, uid, before, time.Hour)
		for _, c := range []struct {
			authTime time.Time
			want     bool
		}{
			{before.Add(-24 * time.Hour), true},
			{before.Add(-time.Millisecond), true},
			{before, false}, // signed in at "before": not before it
			{before.Add(time.Millisecond), false},
			{before.Add(time.Hour), false},
		} {
			e.checkRevoked(rv, sessionToken(), uid, c.authTime, c.want, why)
			e.checkRevoked(rv, "", uid, c.authTime, c.want, why+", token without sid")
		}
		// Other users are not, however alike their ids.
		for _, id := range []string{other, uid + " ", "0" + uid, strings.ToUpper(uid) + "X", ""} {
			e.checkRevoked(rv, sessionToken(), id, before.Add(-time.Hour), false, why+", another user")
		}

		// An earlier "before" does not shorten the revocation; a later one
		// extends it.
		e.revokeUser(rv, uid, before.Add(-30*time.Minute), time.Hour)
		e.checkRevoked(rv, sessionToken(), uid, before.Add(-time.Millisecond), true, why+", after an earlier RevokeUserJWTs")
		e.checkRevoked(rv, sessionToken(), uid, before, false, why+", after an earlier RevokeUserJWTs")
		later := before.Add(time.Minute)
		e.revokeUser(rv, uid, later, time.Hour)
		e.checkRevoked(rv, sessionToken(), uid, later.Add(-time.Millisecond), true, why+", after a later RevokeUserJWTs")
		e.checkRevoked(rv, sessionToken(), uid, later, false, why+", after a later RevokeUserJWTs")
		e.checkRevoked(rv, sessionToken(), other, before.Add(-time.Hour), false, why+", another user, after a later RevokeUserJWTs")
	}

	// An empty user id (a token without "sub") is never revoked by user,
	// whether RevokeUserJWTs refuses it or not.
	_ = rv.RevokeUserJWTs(e.ctx, "", ms(time.Hour), time.Hour)
	e.checkRevoked(rv, sessionToken(), "", ms(0), false, `after RevokeUserJWTs("")`)
}

// testJWTRevocationExpiry checks that revocation records end: a sid's at
// the expiry given (the later one when revoked twice), a user's maxAge
// after it was written (the later end when revoked twice).
func testJWTRevocationExpiry(e *env) {
	rv := e.revoker()
	old := ms(-time.Hour) // a sign-in before every "before" below

	// Revoked until a time already past: nothing to revoke.
	past := sessionToken()
	e.revokeJWT(rv, past, ms(-time.Minute))
	e.checkRevoked(rv, past, e.jwtUser(false), old, false, "sid revoked until a past time")

	start := time.Now()
	end := start.Add(revocationTTL).Truncate(time.Millisecond)
	shortSID, extSID, keptSID := sessionToken(), sessionToken(), sessionToken()
	e.revokeJWT(rv, shortSID, end)
	e.revokeJWT(rv, extSID, end)
	e.revokeJWT(rv, extSID, ms(time.Hour)) // extended
	e.revokeJWT(rv, keptSID, ms(time.Hour))
	e.revokeJWT(rv, keptSID, end) // not shortened
	shortUser, extUser, keptUser, staleUser := e.jwtUser(false), e.jwtUser(true), e.jwtUser(false), e.jwtUser(false)
	t0 := ms(0)
	e.revokeUser(rv, shortUser, t0, revocationTTL)
	e.revokeUser(rv, extUser, t0, revocationTTL)
	e.revokeUser(rv, extUser, t0, time.Hour)
	e.revokeUser(rv, keptUser, t0, time.Hour)
	e.revokeUser(rv, keptUser, t0, revocationTTL)
	e.revokeUser(rv, staleUser, t0, revocationTTL)
	written := time.Now()

	uid := e.jwtUser(false)
	if time.Since(start) < revocationTTL/2 {
		for _, sid := range []string{shortSID, extSID, keptSID} {
			e.checkRevoked(rv, sid, uid, old, true, "short-lived sid revocation, at once")
		}
		for _, u := range []string{shortUser, extUser, keptUser, staleUser} {
			e.checkRevoked(rv, sessionToken(), u, old, true, "short-lived user revocation, at once")
		}
	} else {
		e.t.Logf("writing the revocations took %v; not checking them before they end", time.Since(start))
	}

	// Wait for the short-lived records to end (with a margin for the
	// store's clock and its expiry resolution).
	time.Sleep(time.Until(written.Add(revocationTTL + 250*time.Millisecond)))
	e.checkRevoked(rv, shortSID, uid, old, false, "sid revocation, after it ended")
	e.checkRevoked(rv, extSID, uid, old, true, "sid revocation extended, after its first end")
	e.checkRevoked(rv, keptSID, uid, old, true, "sid revoked for longer, then shorter")
	e.checkRevoked(rv, sessionToken(), shortUser, old, false, "user revocation, after it ended")
	e.checkRevoked(rv, sessionToken(), extUser, old, true, "user revocation extended, after its first end")
	e.checkRevoked(rv, sessionToken(), keptUser, old, true, "user revoked for longer, then shorter")

	// An ended user revocation leaves nothing behind: a new, earlier
	// "before" is not raised to the old one.
	e.revokeUser(rv, staleUser, t0.Add(-time.Hour), time.Hour)
	e.checkRevoked(rv, sessionToken(), staleUser, t0.Add(-30*time.Minute), false, "user revoked again after the end of a later revocation")
	e.checkRevoked(rv, sessionToken(), staleUser, t0.Add(-2*time.Hour), true, "user revoked again after the end of a later revocation")

	// Deleting expired rows keeps the live revocations.
	if de, ok := e.a.(nextauth.ExpiredDeleter); ok {
		if _, _, err := de.DeleteExpired(e.ctx, time.Now()); err != nil {
			e.t.Fatalf("DeleteExpired error = %v", err)
		}
		e.checkRevoked(rv, shortSID, uid, old, false, "after DeleteExpired")
		e.checkRevoked(rv, extSID, uid, old, true, "after DeleteExpired")
		e.checkRevoked(rv, keptSID, uid, old, true, "after DeleteExpired")
		e.checkRevoked(rv, sessionToken(), shortUser, old, false, "after DeleteExpired")
		e.checkRevoked(rv, sessionToken(), extUser, old, true, "after DeleteExpired")
		e.checkRevoked(rv, sessionToken(), keptUser, old, true, "after DeleteExpired")
	}
}

// testConcurrentRevokeJWT revokes one sid, and one user's sessions, from
// several goroutines at once: every call succeeds, and what is stored is
// the longest sid revocation and the latest "before".
func testConcurrentRevokeJWT(e *env) {
	rv := e.revoker()
	for round := range uniqueRounds {
		sid := sessionToken()
		for i, err := range race(tokenGoroutines, func(i int) error {
			return rv.RevokeJWT(e.ctx, sid, ms(time.Duration(i+1)*time.Hour))
		}) {
			if err != nil {
				e.t.Errorf("round %d: RevokeJWT(%s) in goroutine %d error = %v", round, short(sid), i, err)
			}
		}
		e.checkRevoked(rv, sid, e.jwtUser(false), ms(0), true, fmt.Sprintf("round %d, after the race", round))

		uid := e.jwtUser(false)
		base := ms(-time.Hour)
		befores := make([]time.Time, tokenGoroutines)
		for i := range befores {
			befores[i] = base.Add(time.Duration(i*7%tokenGoroutines) * time.Minute)
		}
		latest := base.Add(time.Duration(tokenGoroutines-1) * time.Minute)
		for i, err := range race(tokenGoroutines, func(i int) error {
			return rv.RevokeUserJWTs(e.ctx, uid, befores[i], time.Hour)
		}) {
			if err != nil {
				e.t.Errorf("round %d: RevokeUserJWTs(%q, %v) in goroutine %d error = %v", round, uid, befores[i], i, err)
			}
		}
		why := fmt.Sprintf("round %d, after racing RevokeUserJWTs", round)
		e.checkRevoked(rv, sessionToken(), uid, latest.Add(-time.Millisecond), true, why)
		e.checkRevoked(rv, sessionToken(), uid, latest, false, why)
	}
}
