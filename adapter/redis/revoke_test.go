package redis

import (
	"strconv"
	"testing"
	"time"
)

// TestRevocationKeys checks the revocation keys: where they live, what
// they hold and when they expire.
func TestRevocationKeys(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	end := time.Now().Add(time.Hour)
	if err := a.RevokeJWT(ctx, "s1", end); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Millisecond)
	if err := a.RevokeUserJWTs(ctx, "u1", before, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	sidKey, userKey := a.prefix+"revoked-sid:s1", a.prefix+"revoked-user:u1"
	if d := pttl(t, client, sidKey); d < 59*time.Minute || d > time.Hour {
		t.Errorf("PTTL %s = %v, want about 1h (the end given)", sidKey, d)
	}
	if d := pttl(t, client, userKey); d < 119*time.Minute || d > 2*time.Hour {
		t.Errorf("PTTL %s = %v, want about 2h (maxAge)", userKey, d)
	}
	if v, err := client.Get(ctx, userKey).Result(); err != nil || v != strconv.FormatInt(before.UnixMilli(), 10) {
		t.Errorf("GET %s = %q, %v, want %d (before, Unix ms)", userKey, v, err, before.UnixMilli())
	}
	if got := prefixKeys(t, client, a.prefix); len(got) != 2 {
		t.Errorf("keys under %q = %q, want the 2 revocation keys", a.prefix, got)
	}
	// A revocation ending in the past writes nothing.
	if err := a.RevokeJWT(ctx, "s2", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, a.prefix+"revoked-sid:s2").Result(); err != nil || n != 0 {
		t.Errorf("EXISTS revoked-sid:s2 (revoked until a past time) = %d, %v, want 0", n, err)
	}
	for _, err := range []error{
		a.RevokeJWT(ctx, "", end),
		a.RevokeUserJWTs(ctx, "", before, time.Hour),
		a.RevokeUserJWTs(ctx, "u2", before, 0),
	} {
		if err == nil {
			t.Error("RevokeJWT(\"\") / RevokeUserJWTs(\"\") / RevokeUserJWTs(maxAge 0) = nil error, want an error")
		}
	}
}

// TestJWTRevokedOneRoundTrip checks that the check made on every request
// with a JWT session is one command, revoked or not.
func TestJWTRevokedOneRoundTrip(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	if err := a.RevokeJWT(ctx, "gone", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeUserJWTs(ctx, "u", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	hook := &countHook{}
	client.AddHook(hook)
	for _, c := range []struct {
		sid, user string
		want      bool
	}{{"gone", "v", true}, {"live", "u", true}, {"live", "v", false}, {"", "u", true}, {"gone", "", true}} {
		hook.n.Store(0)
		revoked, err := a.JWTRevoked(ctx, c.sid, c.user, time.Now().Add(-time.Minute))
		if err != nil || revoked != c.want {
			t.Errorf("JWTRevoked(%q, %q) = %v, %v, want %v", c.sid, c.user, revoked, err, c.want)
		}
		if n := hook.n.Load(); n != 1 {
			t.Errorf("JWTRevoked(%q, %q) sent %d commands, want 1", c.sid, c.user, n)
		}
	}
}

// TestListSessionsEvicted: a session Redis evicted (its key gone, its
// index member not yet pruned) is neither listed nor counted.
func TestListSessionsEvicted(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	u := mustCreateUser(t, a, "")
	mustCreateSession(t, a, u.ID, "kept", time.Now().Add(time.Hour))
	mustCreateSession(t, a, u.ID, "evicted", time.Now().Add(2*time.Hour))
	if err := client.Del(ctx, a.sessionPrefix+"evicted").Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := client.ZCard(ctx, a.userSessionsPrefix+u.ID).Result(); err != nil || n != 2 {
		t.Fatalf("ZCARD of the index = %d, %v, want 2 (the evicted member still there)", n, err)
	}
	list, err := a.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].SessionToken != "kept" {
		t.Errorf("ListSessions = %v, %v, want the kept session only", list, err)
	}
	if n, err := a.DeleteUserSessions(ctx, u.ID); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions = %d, %v, want 1", n, err)
	}
	if got := prefixKeys(t, client, a.sessionPrefix); len(got) != 0 {
		t.Errorf("session keys after DeleteUserSessions = %q, want none", got)
	}
	if n, err := client.Exists(ctx, a.userSessionsPrefix+u.ID).Result(); err != nil || n != 0 {
		t.Errorf("EXISTS index after DeleteUserSessions = %d, %v, want 0", n, err)
	}
}
