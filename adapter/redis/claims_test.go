package redis

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// TestSessionClaims: claims are kept per session, replaced, expire with
// the session (moved by UpdateSession) and are deleted with it by
// DeleteSession, DeleteUserSessions and DeleteUser.
func TestSessionClaims(t *testing.T) {
	ctx := context.Background()
	a, client := newTestAdapter(t, Options{})
	u := mustCreateUser(t, a, "a@example.com")
	now := time.Now()
	session := func(tok string, expires time.Time) {
		t.Helper()
		mustCreateSession(t, a, u.ID, tok, expires)
		if err := a.SetSessionClaims(ctx, tok, map[string]any{"tok": tok}); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(what, tok string) {
		t.Helper()
		if got, err := a.SessionClaims(ctx, tok); err != nil || got != nil {
			t.Errorf("SessionClaims(%s) after %s = %v, %v; want none", tok, what, got, err)
		}
		if n := client.Exists(ctx, a.sessionClaimsPrefix+tok).Val(); n != 0 {
			t.Errorf("claims key of %s still exists after %s", tok, what)
		}
	}
	// sameTTL: the claims key expires when the session key does, to the
	// millisecond (PEXPIRETIME; a script sees one frozen server clock),
	// which is the session's Expires, now+want (give or take the server's
	// own reading of its clock, hence the minute).
	sameTTL := func(tok string, want time.Duration) {
		t.Helper()
		sk, err := client.PExpireTime(ctx, a.sessionPrefix+tok).Result()
		if err != nil {
			t.Fatal(err)
		}
		ck, err := client.PExpireTime(ctx, a.sessionClaimsPrefix+tok).Result()
		if err != nil {
			t.Fatal(err)
		}
		if d := time.UnixMilli(sk.Milliseconds()).Sub(now.Add(want)).Abs(); ck != sk || d > time.Minute {
			t.Errorf("PEXPIRETIME session %v, claims %v; want both at %v", sk, ck, now.Add(want))
		}
	}

	if err := a.SetSessionClaims(ctx, "none", map[string]any{"role": "x"}); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("SetSessionClaims without a session = %v, want ErrNotFound", err)
	}
	gone("SetSessionClaims without a session", "none")

	session("tok", now.Add(time.Hour))
	for _, claims := range []map[string]any{{"role": "user"}, {"role": "admin", "groups": []any{"a"}, "n": 1.5}} {
		if err := a.SetSessionClaims(ctx, "tok", claims); err != nil {
			t.Fatal(err)
		}
		if got, err := a.SessionClaims(ctx, "tok"); err != nil || !reflect.DeepEqual(got, claims) {
			t.Errorf("SessionClaims = %v, %v; want %v", got, err, claims)
		}
	}
	sameTTL("tok", time.Hour)
	if _, err := a.UpdateSession(ctx, "tok", now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sameTTL("tok", 48*time.Hour)
	// Many times over, so that the server's clock ticks to the next
	// millisecond inside some of the scripts: expiries set as relative
	// TTLs by two commands then differed by one millisecond.
	for i := range 300 {
		if err := a.SetSessionClaims(ctx, "tok", map[string]any{"i": float64(i)}); err != nil {
			t.Fatal(err)
		}
		sameTTL("tok", 48*time.Hour)
		if _, err := a.UpdateSession(ctx, "tok", now.Add(48*time.Hour+time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		sameTTL("tok", 48*time.Hour)
		if t.Failed() {
			t.Fatalf("expiries apart after %d updates", i+1)
		}
	}
	if _, err := a.DeleteSession(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	gone("DeleteSession", "tok")

	session("a", now.Add(time.Hour))
	session("b", now.Add(time.Hour))
	if n, err := a.DeleteUserSessions(ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions = %d, %v", n, err)
	}
	gone("DeleteUserSessions", "a")
	gone("DeleteUserSessions", "b")

	session("c", now.Add(time.Hour))
	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	gone("DeleteUser", "c")
}
