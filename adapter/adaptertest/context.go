package adaptertest

import (
	"context"
	"errors"
	"time"

	"github.com/nextauth-go/nextauth"
)

// canceledWait is how long a call with a canceled context may take.
const canceledWait = 10 * time.Second

// canceledCall is one adapter call made with a canceled context.
type canceledCall struct {
	name string
	call func(ctx context.Context) error
	// unchanged checks, with a live context, that a call that failed had
	// no effect.
	unchanged func()
}

func testCanceledContext(e *env) {
	// Fixtures, one per destructive call so that an adapter ignoring ctx
	// does not spoil the next check.
	u := e.createUser(e.fullUser())
	acc := account(u.ID, "github")
	e.linkAccount(acc)
	newSession := func(d time.Duration) nextauth.AdapterSession {
		return e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(d)})
	}
	s, sUpd, sDel, sExp := newSession(time.Hour), newSession(time.Hour), newSession(time.Hour), newSession(-time.Hour)
	vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: hashToken(), Expires: ms(time.Hour)}
	e.createToken(vt)

	newEmail := e.email()
	newAcc := account(u.ID, "gitlab")
	newS := nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)}
	newVT := nextauth.VerificationToken{Identifier: u.Email.String(), Token: hashToken(), Expires: ms(time.Hour)}
	renamed := u
	renamed.Name = nextauth.String("Canceled Rename")

	calls := []canceledCall{
		{"CreateUser", func(ctx context.Context) error {
			_, err := e.a.CreateUser(ctx, nextauth.User{Email: nextauth.String(newEmail)})
			return err
		}, func() {
			_, err := e.a.GetUserByEmail(e.ctx, newEmail)
			e.wantErr("GetUserByEmail of the user whose CreateUser failed", err, nextauth.ErrNotFound)
		}},
		{"GetUser", func(ctx context.Context) error { _, err := e.a.GetUser(ctx, u.ID); return err }, nil},
		{"GetUserByEmail", func(ctx context.Context) error { _, err := e.a.GetUserByEmail(ctx, u.Email.String()); return err }, nil},
		{"GetUserByAccount", func(ctx context.Context) error {
			_, err := e.a.GetUserByAccount(ctx, acc.Provider, acc.ProviderAccountID)
			return err
		}, nil},
		{"UpdateUser", func(ctx context.Context) error { _, err := e.a.UpdateUser(ctx, renamed); return err }, func() {
			e.getUserEverywhere(u)
		}},
		{"LinkAccount", func(ctx context.Context) error { return e.a.LinkAccount(ctx, newAcc) }, func() {
			e.checkNoAccount(newAcc, "after a failed LinkAccount")
		}},
		{"CreateSession", func(ctx context.Context) error { _, err := e.a.CreateSession(ctx, newS); return err }, func() {
			e.checkNoSession(newS.SessionToken, "after a failed CreateSession")
		}},
		{"GetSessionAndUser", func(ctx context.Context) error {
			_, _, err := e.a.GetSessionAndUser(ctx, s.SessionToken)
			return err
		}, nil},
		{"UpdateSession", func(ctx context.Context) error {
			_, err := e.a.UpdateSession(ctx, sUpd.SessionToken, ms(48*time.Hour))
			return err
		}, func() { e.checkSessionAndUser(sUpd, u) }},
		{"DeleteSession", func(ctx context.Context) error {
			_, err := e.a.DeleteSession(ctx, sDel.SessionToken)
			return err
		}, func() { e.checkSessionAndUser(sDel, u) }},
		{"CreateVerificationToken", func(ctx context.Context) error { return e.a.CreateVerificationToken(ctx, newVT) }, func() {
			e.noToken(newVT.Identifier, newVT.Token, "after a failed CreateVerificationToken")
		}},
		{"UseVerificationToken", func(ctx context.Context) error {
			_, err := e.a.UseVerificationToken(ctx, vt.Identifier, vt.Token)
			return err
		}, func() { e.useToken(vt, "after a failed UseVerificationToken") }},
	}
	if up, ok := e.a.(nextauth.AccountUpdater); ok {
		// Its own account, so that an UpdateAccount ignoring ctx does not
		// spoil the checks of acc.
		updAcc := account(u.ID, "google")
		e.linkAccount(updAcc)
		newTokens := withTokens(updAcc, account(u.ID, updAcc.Provider))
		calls = append(calls,
			canceledCall{"GetUserAccount", func(ctx context.Context) error {
				_, err := up.GetUserAccount(ctx, u.ID, acc.Provider)
				return err
			}, nil},
			canceledCall{"UpdateAccount", func(ctx context.Context) error {
				_, err := up.UpdateAccount(ctx, newTokens)
				return err
			}, func() { e.checkUserAccount(up, u.ID, updAcc, "after a failed UpdateAccount") }})
	}
	if ul, ok := e.a.(nextauth.AccountUnlinker); ok {
		calls = append(calls, canceledCall{"UnlinkAccount", func(ctx context.Context) error {
			return ul.UnlinkAccount(ctx, acc.Provider, acc.ProviderAccountID)
		}, func() { e.checkUserByAccount(acc, u) }})
	}
	if de, ok := e.a.(nextauth.ExpiredDeleter); ok {
		calls = append(calls, canceledCall{"DeleteExpired", func(ctx context.Context) error {
			_, _, err := de.DeleteExpired(ctx, time.Now())
			return err
		}, func() { e.checkSessionAndUser(sExp, u) }})
	}
	if sl, ok := e.a.(nextauth.SessionLister); ok {
		// Its own user, so that a DeleteUserSessions ignoring ctx does
		// not spoil the checks of u's sessions.
		w := e.createUser(e.fullUser())
		ws := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: w.ID, Expires: ms(time.Hour)})
		calls = append(calls,
			canceledCall{"ListSessions", func(ctx context.Context) error {
				_, err := sl.ListSessions(ctx, w.ID)
				return err
			}, nil},
			canceledCall{"DeleteUserSessions", func(ctx context.Context) error {
				_, err := sl.DeleteUserSessions(ctx, w.ID)
				return err
			}, func() { e.checkSessionAndUser(ws, w) }})
	}
	if rv, ok := e.a.(nextauth.JWTRevoker); ok {
		sid, uid, old := sessionToken(), e.uniq("jwt-user"), ms(-time.Hour)
		calls = append(calls,
			canceledCall{"RevokeJWT", func(ctx context.Context) error {
				return rv.RevokeJWT(ctx, sid, ms(time.Hour))
			}, func() { e.checkRevoked(rv, sid, uid, old, false, "after a failed RevokeJWT") }},
			canceledCall{"RevokeUserJWTs", func(ctx context.Context) error {
				return rv.RevokeUserJWTs(ctx, uid, ms(0), time.Hour)
			}, func() { e.checkRevoked(rv, sessionToken(), uid, old, false, "after a failed RevokeUserJWTs") }},
			canceledCall{"JWTRevoked", func(ctx context.Context) error {
				_, err := rv.JWTRevoked(ctx, sid, uid, old)
				return err
			}, nil})
	}
	if d, ok := e.a.(nextauth.UserDeleter); ok {
		// Last: if it is not canceled, it deletes the fixtures.
		calls = append(calls, canceledCall{"DeleteUser", func(ctx context.Context) error { return d.DeleteUser(ctx, u.ID) }, func() {
			e.getUserEverywhere(u)
			e.checkSessionAndUser(s, u)
		}})
	}

	canceled, cancel := context.WithCancel(e.ctx)
	cancel()
	var ignored []string
	for _, c := range calls {
		done := make(chan error, 1)
		go func() { done <- c.call(canceled) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(canceledWait):
			e.t.Errorf("%s with a canceled context did not return within %v", c.name, canceledWait)
			continue
		}
		switch {
		case err == nil:
			ignored = append(ignored, c.name)
		case !errors.Is(err, context.Canceled):
			e.t.Errorf("%s with a canceled context: error = %v, want nil or one wrapping context.Canceled", c.name, err)
		case c.unchanged != nil:
			c.unchanged()
		}
	}
	if len(ignored) > 0 {
		e.t.Logf("these calls ignored the canceled context (allowed for in-memory adapters): %v", ignored)
	}
}
