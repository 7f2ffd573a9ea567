package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
)

// envURL names the Redis the tests use, e.g. redis://127.0.0.1:6379/0.
const envURL = "NEXTAUTH_TEST_REDIS_URL"

// testClient connects to the Redis named by envURL. Without it the test is
// skipped, or fails when CI=true.
func testClient(tb testing.TB) *goredis.Client {
	tb.Helper()
	url := os.Getenv(envURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set; it is required when CI=true", envURL)
		}
		tb.Skipf("%s is not set; skipping Redis tests", envURL)
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		tb.Fatalf("%s: %v", envURL, err)
	}
	client := goredis.NewClient(opts)
	tb.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("ping %s: %v", envURL, err)
	}
	return client
}

// uniquePrefix returns a key prefix no other test uses.
func uniquePrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "nextauth-test:" + hex.EncodeToString(b[:]) + ":"
}

// newTestAdapter returns an adapter on its own key prefix (unless opts sets
// one), whose keys are deleted when the test ends.
func newTestAdapter(tb testing.TB, opts Options) (*Adapter, *goredis.Client) {
	tb.Helper()
	client := testClient(tb)
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = uniquePrefix()
	}
	tb.Cleanup(func() { deleteKeys(tb, client, opts.KeyPrefix) })
	return New(client, opts), client
}

// prefixKeys lists the keys starting with prefix (SCAN: tests only).
func prefixKeys(tb testing.TB, client *goredis.Client, prefix string) []string {
	tb.Helper()
	var keys []string
	iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("scan %s*: %v", prefix, err)
	}
	return keys
}

func deleteKeys(tb testing.TB, client *goredis.Client, prefix string) {
	tb.Helper()
	keys := prefixKeys(tb, client, prefix)
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := client.Unlink(context.Background(), keys[:n]...).Err(); err != nil {
			tb.Errorf("unlink: %v", err)
			return
		}
		keys = keys[n:]
	}
}

func mustCreateUser(t *testing.T, a *Adapter, email string) nextauth.User {
	t.Helper()
	u, err := a.CreateUser(t.Context(), nextauth.User{Name: nextauth.String("Ada"), Email: nextauth.String(email)})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func mustCreateSession(t *testing.T, a *Adapter, userID, token string, expires time.Time) {
	t.Helper()
	if _, err := a.CreateSession(t.Context(), nextauth.AdapterSession{SessionToken: token, UserID: userID, Expires: expires}); err != nil {
		t.Fatalf("CreateSession(%q): %v", token, err)
	}
}

func pttl(t *testing.T, client *goredis.Client, key string) time.Duration {
	t.Helper()
	d, err := client.PTTL(t.Context(), key).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	return d
}

func TestKeyPart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github", "github"},
		{"a:b", "a%3Ab"},
		{"50%", "50%25"},
		{"%3A", "%253A"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := keyPart(tc.in); got != tc.want {
			t.Errorf("keyPart(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("newID() = %q, want a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("newID() repeated %q", id)
		}
		seen[id] = true
	}
}

// TestTTL checks that session and verification-token keys expire at
// Expires, or MinTTL after the write when Expires is past, and that
// UpdateSession moves the expiry of the session and of the user's index.
func TestTTL(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	u := mustCreateUser(t, a, "ttl@example.com")
	now := time.Now()

	// A key's PTTL is want less the time since now (the writes came
	// after it), within a second either way for the rounding of Expires
	// and the server's clock: a bound that widens on a slow machine
	// instead of failing.
	within := func(t *testing.T, key string, want time.Duration) {
		t.Helper()
		got := pttl(t, client, key)
		elapsed := time.Since(now)
		if got > want+time.Second || got < want-elapsed-time.Second {
			t.Errorf("PTTL %s = %v, want %v less at most the %v since the test began (±1s)", key, got, want, elapsed)
		}
	}

	mustCreateSession(t, a, u.ID, "live", now.Add(time.Hour))
	within(t, a.sessionPrefix+"live", time.Hour)
	within(t, a.userSessionsPrefix+u.ID, time.Hour)

	mustCreateSession(t, a, u.ID, "expired", now.Add(-time.Hour))
	within(t, a.sessionPrefix+"expired", DefaultMinTTL)

	if _, err := a.UpdateSession(ctx, "live", now.Add(2*time.Hour)); err != nil {
		t.Fatalf("UpdateSession: %v", err)
	}
	within(t, a.sessionPrefix+"live", 2*time.Hour)
	within(t, a.userSessionsPrefix+u.ID, 2*time.Hour)

	if _, err := a.UpdateSession(ctx, "live", now.Add(-time.Minute)); err != nil {
		t.Fatalf("UpdateSession: %v", err)
	}
	within(t, a.sessionPrefix+"live", DefaultMinTTL)
	within(t, a.userSessionsPrefix+u.ID, DefaultMinTTL)

	for _, tc := range []struct {
		name    string
		expires time.Time
		want    time.Duration
	}{
		{"future", now.Add(24 * time.Hour), 24 * time.Hour},
		{"past", now.Add(-24 * time.Hour), DefaultMinTTL},
	} {
		t.Run("token/"+tc.name, func(t *testing.T) {
			if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "ttl@example.com", Token: tc.name, Expires: tc.expires}); err != nil {
				t.Fatalf("CreateVerificationToken: %v", err)
			}
			within(t, a.tokenKey("ttl@example.com", tc.name), tc.want)
		})
	}

	// Users and accounts do not expire.
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: "1"}); err != nil {
		t.Fatalf("LinkAccount: %v", err)
	}
	for _, key := range []string{a.userPrefix + u.ID, a.emailPrefix + u.Email.String(), a.accountPrefix + "github:1", a.userAccountsPrefix + u.ID} {
		if got := pttl(t, client, key); got != -1 {
			t.Errorf("PTTL %s = %v, want -1 (no expiry)", key, got)
		}
	}
}

// TestEviction checks that Redis drops sessions and tokens once past their
// deadline, that they are then ErrNotFound, and that the session index
// forgets evicted tokens.
func TestEviction(t *testing.T) {
	a, client := newTestAdapter(t, Options{MinTTL: time.Millisecond})
	ctx := t.Context()
	u := mustCreateUser(t, a, "")
	mustCreateSession(t, a, u.ID, "long", time.Now().Add(time.Hour)) // keeps the index alive
	expires := time.Now().Add(300 * time.Millisecond)
	mustCreateSession(t, a, u.ID, "short", expires)
	if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "x", Token: "short", Expires: expires}); err != nil {
		t.Fatalf("CreateVerificationToken: %v", err)
	}
	if _, _, err := a.GetSessionAndUser(ctx, "short"); err != nil {
		t.Fatalf("GetSessionAndUser before expiry: %v", err)
	}
	// Wait until the server's clock, which expires keys, is past the
	// deadline (a millisecond more: Redis keeps a key through its last
	// millisecond).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		now, err := client.Time(ctx).Result()
		if err != nil {
			t.Fatalf("TIME: %v", err)
		}
		if now.After(expires.Add(time.Millisecond)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's clock reads %v, still not past %v", now, expires)
		}
	}

	if _, _, err := a.GetSessionAndUser(ctx, "short"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetSessionAndUser after expiry: err = %v, want ErrNotFound", err)
	}
	if _, err := a.UseVerificationToken(ctx, "x", "short"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("UseVerificationToken after expiry: err = %v, want ErrNotFound", err)
	}
	mustCreateSession(t, a, u.ID, "later", time.Now().Add(2*time.Hour))
	members, err := client.ZRange(ctx, a.userSessionsPrefix+u.ID, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"long", "later"}; !slices.Equal(members, want) {
		t.Errorf("session index = %q, want %q", members, want)
	}
}

// TestExpiredReadable checks the MinTTL rule: an entry written already
// expired can be read and used, and comes back with its past Expires.
func TestExpiredReadable(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	ctx := t.Context()
	u := mustCreateUser(t, a, "")
	past := time.Now().Add(-time.Hour).Truncate(time.Millisecond).UTC()
	mustCreateSession(t, a, u.ID, "old", past)
	s, _, err := a.GetSessionAndUser(ctx, "old")
	if err != nil || !s.Expires.Equal(past) {
		t.Errorf("GetSessionAndUser(old) = %v, %v; want Expires %v", s.Expires, err, past)
	}
	if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "i", Token: "old", Expires: past}); err != nil {
		t.Fatal(err)
	}
	vt, err := a.UseVerificationToken(ctx, "i", "old")
	if err != nil || !vt.Expires.Equal(past) {
		t.Errorf("UseVerificationToken(old) = %v, %v; want Expires %v", vt.Expires, err, past)
	}
}

// TestDeleteUserCascade checks that DeleteUser removes every key of the
// user and nothing of another user.
func TestDeleteUserCascade(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	gone := mustCreateUser(t, a, "gone@example.com")
	kept := mustCreateUser(t, a, "kept@example.com")
	for _, acc := range []nextauth.Account{
		{UserID: gone.ID, Type: "oauth", Provider: "github", ProviderAccountID: "g1"},
		{UserID: gone.ID, Type: "oidc", Provider: "a:b", ProviderAccountID: "g2"},
		{UserID: kept.ID, Type: "oauth", Provider: "github", ProviderAccountID: "k1"},
	} {
		if err := a.LinkAccount(ctx, acc); err != nil {
			t.Fatalf("LinkAccount(%v): %v", acc, err)
		}
	}
	future := time.Now().Add(time.Hour)
	for _, tok := range []string{"g-s1", "g-s2", "g-s3"} {
		mustCreateSession(t, a, gone.ID, tok, future)
	}
	mustCreateSession(t, a, kept.ID, "k-s1", future)
	before := len(prefixKeys(t, client, a.prefix))

	if err := a.DeleteUser(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}

	// user, e-mail, 2 accounts, account index, 3 sessions, session index.
	after := len(prefixKeys(t, client, a.prefix))
	if before-after != 9 {
		t.Errorf("DeleteUser removed %d keys, want 9", before-after)
	}
	if _, err := a.GetUser(ctx, gone.ID); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUser(deleted) err = %v, want ErrNotFound", err)
	}
	if _, err := a.GetUserByEmail(ctx, "gone@example.com"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUserByEmail(deleted) err = %v, want ErrNotFound", err)
	}
	for _, acc := range [][2]string{{"github", "g1"}, {"a:b", "g2"}} {
		if _, err := a.GetUserByAccount(ctx, acc[0], acc[1]); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("GetUserByAccount(%q) err = %v, want ErrNotFound", acc, err)
		}
	}
	for _, tok := range []string{"g-s1", "g-s2", "g-s3"} {
		if _, _, err := a.GetSessionAndUser(ctx, tok); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("GetSessionAndUser(%q) err = %v, want ErrNotFound", tok, err)
		}
	}
	if got, err := a.GetUserByAccount(ctx, "github", "k1"); err != nil || got.ID != kept.ID {
		t.Errorf("GetUserByAccount(k1) = %q, %v; want %q", got.ID, err, kept.ID)
	}
	if _, got, err := a.GetSessionAndUser(ctx, "k-s1"); err != nil || got.ID != kept.ID {
		t.Errorf("GetSessionAndUser(k-s1) user = %q, %v; want %q", got.ID, err, kept.ID)
	}
	if _, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("gone@example.com")}); err != nil {
		t.Errorf("CreateUser with the deleted user's e-mail: %v", err)
	}
	if err := a.DeleteUser(ctx, gone.ID); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("DeleteUser again: err = %v, want ErrNotFound", err)
	}
}

// TestAccountKeysDistinct checks that ":" in a provider id cannot make two
// provider accounts share a key.
// TestInvalidEmail checks that an e-mail JSON cannot store byte for byte
// is refused rather than indexed under a key the stored user would not
// match.
func TestInvalidEmail(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	if _, err := a.CreateUser(t.Context(), nextauth.User{Email: nextauth.String("\xff@example.com")}); err == nil {
		t.Error("CreateUser with an invalid UTF-8 e-mail succeeded, want an error")
	}
	u := mustCreateUser(t, a, "valid@example.com")
	u.Email = nextauth.String("\xff@example.com")
	if _, err := a.UpdateUser(t.Context(), u); err == nil {
		t.Error("UpdateUser with an invalid UTF-8 e-mail succeeded, want an error")
	}
	if got, err := a.GetUserByEmail(t.Context(), "valid@example.com"); err != nil || got.ID != u.ID {
		t.Errorf("GetUserByEmail(valid) = %q, %v; want %q", got.ID, err, u.ID)
	}
}

func TestAccountKeysDistinct(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	ctx := t.Context()
	u1 := mustCreateUser(t, a, "")
	u2 := mustCreateUser(t, a, "")
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u1.ID, Type: "oauth", Provider: "a:b", ProviderAccountID: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u2.ID, Type: "oauth", Provider: "a", ProviderAccountID: "b:c"}); err != nil {
		t.Fatalf("LinkAccount(a, b:c) after (a:b, c): %v", err)
	}
	if got, err := a.GetUserByAccount(ctx, "a", "b:c"); err != nil || got.ID != u2.ID {
		t.Errorf("GetUserByAccount(a, b:c) = %q, %v; want %q", got.ID, err, u2.ID)
	}
	if err := a.UnlinkAccount(ctx, "a:b", "c"); err != nil {
		t.Fatalf("UnlinkAccount: %v", err)
	}
	if got, err := a.GetUserByAccount(ctx, "a", "b:c"); err != nil || got.ID != u2.ID {
		t.Errorf("after unlinking (a:b, c): GetUserByAccount(a, b:c) = %q, %v; want %q", got.ID, err, u2.ID)
	}
}

// TestUpdateUserEmailIndex checks that changing or clearing an e-mail moves
// the index and frees the old e-mail.
func TestUpdateUserEmailIndex(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	u := mustCreateUser(t, a, "old@example.com")
	u.Email = nextauth.String("new@example.com")
	if _, err := a.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if _, err := a.GetUserByEmail(ctx, "old@example.com"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUserByEmail(old) err = %v, want ErrNotFound", err)
	}
	if got, err := a.GetUserByEmail(ctx, "new@example.com"); err != nil || got.ID != u.ID {
		t.Errorf("GetUserByEmail(new) = %q, %v; want %q", got.ID, err, u.ID)
	}
	other := mustCreateUser(t, a, "old@example.com")
	u.Email = nextauth.Null()
	if _, err := a.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser(no e-mail): %v", err)
	}
	if n := client.Exists(ctx, a.emailPrefix+"new@example.com").Val(); n != 0 {
		t.Errorf("e-mail index of a cleared e-mail still exists")
	}
	other.Email = nextauth.String("new@example.com")
	if _, err := a.UpdateUser(ctx, other); err != nil {
		t.Errorf("UpdateUser to a freed e-mail: %v", err)
	}
}

// TestConcurrentUseVerificationToken: of 16 concurrent callers exactly one
// gets the token, every round.
func TestConcurrentUseVerificationToken(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	ctx := t.Context()
	for round := range 20 {
		token := fmt.Sprintf("tok-%d", round)
		if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "race@example.com", Token: token, Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wins, misses atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 16 {
			wg.Go(func() {
				<-start
				_, err := a.UseVerificationToken(ctx, "race@example.com", token)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, nextauth.ErrNotFound):
					misses.Add(1)
				default:
					t.Errorf("UseVerificationToken: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || misses.Load() != 15 {
			t.Fatalf("round %d: %d winners, %d not found; want 1 and 15", round, wins.Load(), misses.Load())
		}
	}
}

// TestConcurrentUniqueness: 16 concurrent creations of one e-mail, one
// provider account and one session token each succeed exactly once.
func TestConcurrentUniqueness(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	ctx := t.Context()
	owner := mustCreateUser(t, a, "")
	tests := []struct {
		name string
		call func() error
	}{
		{"CreateUser", func() error {
			_, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("same@example.com")})
			return err
		}},
		{"LinkAccount", func() error {
			return a.LinkAccount(ctx, nextauth.Account{UserID: owner.ID, Type: "oauth", Provider: "github", ProviderAccountID: "42"})
		}},
		{"CreateSession", func() error {
			_, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "same", UserID: owner.ID, Expires: time.Now().Add(time.Hour)})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ok, conflict atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 16 {
				wg.Go(func() {
					<-start
					err := tc.call()
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, nextauth.ErrConflict):
						conflict.Add(1)
					default:
						t.Errorf("%s: %v", tc.name, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if ok.Load() != 1 || conflict.Load() != 15 {
				t.Errorf("%s: %d succeeded, %d conflicts; want 1 and 15", tc.name, ok.Load(), conflict.Load())
			}
		})
	}
}

// TestPrefixIsolation: two adapters on one Redis with different prefixes
// see nothing of each other, and write only under their prefix.
func TestPrefixIsolation(t *testing.T) {
	a1, client := newTestAdapter(t, Options{})
	a2, _ := newTestAdapter(t, Options{})
	ctx := t.Context()
	u1 := mustCreateUser(t, a1, "shared@example.com")
	mustCreateSession(t, a1, u1.ID, "shared-token", time.Now().Add(time.Hour))
	if err := a1.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "shared@example.com", Token: "t", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	if _, err := a2.GetUser(ctx, u1.ID); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("other prefix: GetUser err = %v, want ErrNotFound", err)
	}
	if _, err := a2.GetUserByEmail(ctx, "shared@example.com"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("other prefix: GetUserByEmail err = %v, want ErrNotFound", err)
	}
	if _, _, err := a2.GetSessionAndUser(ctx, "shared-token"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("other prefix: GetSessionAndUser err = %v, want ErrNotFound", err)
	}
	if _, err := a2.UseVerificationToken(ctx, "shared@example.com", "t"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("other prefix: UseVerificationToken err = %v, want ErrNotFound", err)
	}
	u2 := mustCreateUser(t, a2, "shared@example.com")
	mustCreateSession(t, a2, u2.ID, "shared-token", time.Now().Add(time.Hour))
	if _, got, err := a1.GetSessionAndUser(ctx, "shared-token"); err != nil || got.ID != u1.ID {
		t.Errorf("first prefix: GetSessionAndUser user = %q, %v; want %q", got.ID, err, u1.ID)
	}
	if _, err := a1.UseVerificationToken(ctx, "shared@example.com", "t"); err != nil {
		t.Errorf("first prefix: UseVerificationToken: %v", err)
	}

	// Every key a1 wrote is under its prefix: user, e-mail, session,
	// session index (the token was used).
	if got := prefixKeys(t, client, a1.prefix); len(got) != 4 {
		t.Errorf("keys under %q = %q, want 4", a1.prefix, got)
	}
}

// countHook counts the commands a client sends.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *countHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestGetSessionAndUserOneRoundTrip checks that GET /session's adapter call
// is a single command once the script is cached by the server.
func TestGetSessionAndUserOneRoundTrip(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	u := mustCreateUser(t, a, "")
	mustCreateSession(t, a, u.ID, "rt", time.Now().Add(time.Hour))
	if _, _, err := a.GetSessionAndUser(t.Context(), "rt"); err != nil { // loads the script
		t.Fatal(err)
	}
	hook := &countHook{}
	client.AddHook(hook)
	for _, token := range []string{"rt", "missing"} {
		hook.n.Store(0)
		_, _, _ = a.GetSessionAndUser(t.Context(), token)
		if n := hook.n.Load(); n != 1 {
			t.Errorf("GetSessionAndUser(%q) sent %d commands, want 1", token, n)
		}
	}
}

func TestConnect(t *testing.T) {
	testClient(t) // skip or fail like the other tests
	url := os.Getenv(envURL)
	a, err := Connect(t.Context(), url, Options{KeyPrefix: uniquePrefix()})
	if err != nil {
		t.Fatalf("Connect(%s): %v", envURL, err)
	}
	if _, err := a.GetUser(t.Context(), "nobody"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetUser err = %v, want ErrNotFound", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := a.GetUser(t.Context(), "nobody"); !errors.Is(err, goredis.ErrClosed) {
		t.Errorf("GetUser after Close: err = %v, want %v", err, goredis.ErrClosed)
	}

	// New leaves the caller's client open.
	client := testClient(t)
	if err := New(client, Options{}).Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Errorf("client after Adapter.Close: %v, want it open", err)
	}

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	for _, bad := range []string{"http://" + addr, "redis://" + addr + "/0?max_retries=-1"} {
		if a, err := Connect(t.Context(), bad, Options{}); err == nil || !strings.HasPrefix(err.Error(), "redis: ") {
			if a != nil {
				_ = a.Close()
			}
			t.Errorf("Connect(%q) err = %v, want a redis: error", bad, err)
		}
	}
}

// storedJSON reads key and decodes it with numbers kept exact.
func storedJSON(t *testing.T, client *goredis.Client, key string) map[string]any {
	t.Helper()
	s, err := client.Get(t.Context(), key).Result()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	return decodeJSON(t, s)
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return m
}

// TestUpdateAccountRecord checks the JSON UpdateAccount's script writes: the
// stored identity fields, re-encoded by Lua, and the token fields as Go
// encodes them (expires_at to the last digit, empty fields left out), so
// that it reads exactly like what LinkAccount stores.
func TestUpdateAccountRecord(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	u := mustCreateUser(t, a, "")
	odd := "a/b <&> \u2028 é 👩🏽‍💻 \"q\" \\ \x01 \x7f"
	acc := nextauth.Account{UserID: u.ID, Type: "oauth " + odd, Provider: "p:" + odd, ProviderAccountID: "id:" + odd}
	if err := a.LinkAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	key := a.accountPrefix + accountID(acc.Provider, acc.ProviderAccountID)
	for _, tc := range []struct {
		name string
		acc  nextauth.Account
	}{
		{"full", nextauth.Account{RefreshToken: "r " + odd, AccessToken: "a", ExpiresAt: 1<<53 - 1, TokenType: "bearer",
			Scope: "openid " + odd, IDToken: "i", SessionState: "s"}},
		{"partial", nextauth.Account{AccessToken: "only", ExpiresAt: 1}},
		{"cleared", nextauth.Account{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upd := tc.acc
			upd.UserID, upd.Type = "someone else", "oidc" // ignored
			upd.Provider, upd.ProviderAccountID = acc.Provider, acc.ProviderAccountID
			want := upd
			want.UserID, want.Type = acc.UserID, acc.Type
			got, err := a.UpdateAccount(ctx, upd)
			if err != nil {
				t.Fatalf("UpdateAccount: %v", err)
			}
			if got != want {
				t.Errorf("UpdateAccount = %+v, want %+v", got, want)
			}
			wantJSON, err := encodeAccount(want)
			if err != nil {
				t.Fatal(err)
			}
			if stored, w := storedJSON(t, client, key), decodeJSON(t, wantJSON); !reflect.DeepEqual(stored, w) {
				t.Errorf("stored account JSON = %v, want %v", stored, w)
			}
			if got, err := a.GetUserAccount(ctx, u.ID, acc.Provider); err != nil || got != want {
				t.Errorf("GetUserAccount = %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

// TestLegacyAccountIndex checks that a user's account index written as a
// plain set (before it was ordered) is read, then upgraded in place by the
// next link or unlink, and still removed with its user.
func TestLegacyAccountIndex(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	ctx := t.Context()
	// legacy stores an account of user as earlier versions did.
	legacy := func(user nextauth.User, provider, id string) nextauth.Account {
		t.Helper()
		acc := nextauth.Account{UserID: user.ID, Type: "oauth", Provider: provider, ProviderAccountID: id, AccessToken: "at-" + id}
		data, err := encodeAccount(acc)
		if err != nil {
			t.Fatal(err)
		}
		member := accountID(provider, id)
		if err := client.Set(ctx, a.accountPrefix+member, data, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := client.SAdd(ctx, a.userAccountsPrefix+user.ID, member).Err(); err != nil {
			t.Fatal(err)
		}
		return acc
	}
	indexType := func(user nextauth.User) string {
		t.Helper()
		typ, err := client.Type(ctx, a.userAccountsPrefix+user.ID).Result()
		if err != nil {
			t.Fatal(err)
		}
		return typ
	}
	check := func(why string, want nextauth.Account) {
		t.Helper()
		got, err := a.GetUserAccount(ctx, want.UserID, want.Provider)
		if err != nil || got != want {
			t.Errorf("%s: GetUserAccount(%q, %q) = %+v, %v; want %+v", why, want.UserID, want.Provider, got, err, want)
		}
	}

	u := mustCreateUser(t, a, "")
	legacy(u, "github", "1")
	old := legacy(u, "github", "2")
	colon := legacy(u, "a:b", "3")
	// Read as it is; of two at one provider, a fixed one.
	check("set index", old)
	check("set index", colon)
	if typ := indexType(u); typ != "set" {
		t.Errorf("index after reads is a %s, want the set left alone", typ)
	}
	// A link upgrades it, and the new account is the most recent.
	fresh := nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: "0", AccessToken: "at-0"}
	if err := a.LinkAccount(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	scores, err := client.ZRangeWithScores(ctx, a.userAccountsPrefix+u.ID, 0, -1).Result()
	if err != nil {
		t.Fatalf("index after LinkAccount: %v", err)
	}
	want := []goredis.Z{{Score: 0, Member: "a%3Ab:3"}, {Score: 0, Member: "github:1"}, {Score: 0, Member: "github:2"}, {Score: 1, Member: "github:0"}}
	if !reflect.DeepEqual(scores, want) {
		t.Errorf("index after LinkAccount = %v, want %v", scores, want)
	}
	check("after LinkAccount", fresh)
	if err := a.UnlinkAccount(ctx, fresh.Provider, fresh.ProviderAccountID); err != nil {
		t.Fatal(err)
	}
	check("after unlinking the new account", old)

	// An unlink upgrades a set index too.
	v := mustCreateUser(t, a, "")
	kept := legacy(v, "github", "4")
	legacy(v, "github", "5")
	if err := a.UnlinkAccount(ctx, "github", "5"); err != nil {
		t.Fatal(err)
	}
	if typ := indexType(v); typ != "zset" {
		t.Errorf("index after UnlinkAccount is a %s, want zset", typ)
	}
	check("after UnlinkAccount", kept)

	// DeleteUser reads a set index too.
	w := mustCreateUser(t, a, "")
	gone := legacy(w, "github", "6")
	if err := a.DeleteUser(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{a.userAccountsPrefix + w.ID, a.accountPrefix + accountID(gone.Provider, gone.ProviderAccountID)} {
		if n := client.Exists(ctx, key).Val(); n != 0 {
			t.Errorf("%s exists after DeleteUser", key)
		}
	}
}
