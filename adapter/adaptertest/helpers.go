package adaptertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// env is what one subtest works with.
type env struct {
	t   *testing.T
	a   nextauth.Adapter
	ctx context.Context
	// expiresPrecision is Options.ExpiresPrecision.
	expiresPrecision time.Duration
}

// uniq returns a value unique to this subtest and call: kind, a short form
// of the subtest name, and 16 random hex digits.
func (e *env) uniq(kind string) string {
	name := e.t.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToLower(name)
	if len(name) > 24 {
		name = name[:24]
	}
	return kind + "-" + name + "-" + randHex(8)
}

// email returns a unique, lower-case e-mail address.
func (e *env) email() string {
	return e.uniq("user") + "@example.test"
}

// hashToken returns a unique 64-hex-digit value, shaped like the SHA-256
// hashes NextAuth stores as verification tokens.
func hashToken() string {
	return randHex(32)
}

// sessionToken returns a unique value shaped like NextAuth's session
// tokens (a v4 UUID).
func sessionToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// unknownIDs returns user ids no adapter has issued, in the shapes
// adapters use: serial integers, UUIDs, free text.
func (e *env) unknownIDs() []string {
	return []string{"0", "2147483646", sessionToken(), e.uniq("no-such-user"), ""}
}

// ms returns a time with millisecond precision, in UTC, d from now.
func ms(d time.Duration) time.Time {
	return time.Now().Add(d).Truncate(time.Millisecond).UTC()
}

// ptr returns a pointer to a copy of t.
func ptr(t time.Time) *time.Time { return &t }

// fullUser returns a user with every field set and a unique e-mail.
func (e *env) fullUser() nextauth.User {
	return nextauth.User{
		Name:          nextauth.String("Ada Lovelace"),
		Email:         nextauth.String(e.email()),
		Image:         nextauth.String("https://avatars.example.test/u/" + randHex(4) + ".png?s=96&v=4"),
		EmailVerified: ptr(ms(-48 * time.Hour)),
	}
}

// createUser stores u and checks the returned user; it stops the subtest
// on error.
func (e *env) createUser(u nextauth.User) nextauth.User {
	e.t.Helper()
	got, err := e.a.CreateUser(e.ctx, u)
	if err != nil {
		e.t.Fatalf("CreateUser(%s) error = %v", fmtUser(u), err)
	}
	if got.ID == "" {
		e.t.Fatalf("CreateUser(%s) returned an empty ID", fmtUser(u))
	}
	want := u
	want.ID = got.ID
	e.checkUser(fmt.Sprintf("CreateUser(%s)", fmtUser(u)), got, want)
	return got
}

// account returns an OAuth account of userID with every field set.
func account(userID, provider string) nextauth.Account {
	return nextauth.Account{
		UserID:            userID,
		Type:              "oauth",
		Provider:          provider,
		ProviderAccountID: randHex(6),
		RefreshToken:      "r1." + randHex(24),
		AccessToken:       "gho_" + randHex(18),
		ExpiresAt:         time.Now().Add(time.Hour).Unix(),
		TokenType:         "bearer",
		Scope:             "openid email profile",
		IDToken:           "eyJhbGciOiJSUzI1NiJ9." + randHex(40) + "." + randHex(64),
		SessionState:      "ss-" + randHex(8),
	}
}

// linkAccount links acc and stops the subtest on error.
func (e *env) linkAccount(acc nextauth.Account) {
	e.t.Helper()
	if err := e.a.LinkAccount(e.ctx, acc); err != nil {
		e.t.Fatalf("LinkAccount(%s/%s, user %q) error = %v", acc.Provider, acc.ProviderAccountID, acc.UserID, err)
	}
}

// createSession stores a session and checks the returned one.
func (e *env) createSession(s nextauth.AdapterSession) nextauth.AdapterSession {
	e.t.Helper()
	got, err := e.a.CreateSession(e.ctx, s)
	if err != nil {
		e.t.Fatalf("CreateSession(%s) error = %v", fmtSession(s), err)
	}
	e.checkSession(fmt.Sprintf("CreateSession(%s)", fmtSession(s)), got, s)
	return got
}

// createToken stores a verification token and stops the subtest on error.
func (e *env) createToken(vt nextauth.VerificationToken) {
	e.t.Helper()
	if err := e.a.CreateVerificationToken(e.ctx, vt); err != nil {
		e.t.Fatalf("CreateVerificationToken(%s) error = %v", fmtToken(vt), err)
	}
}

// checkUser reports every field of got that differs from want.
func (e *env) checkUser(call string, got, want nextauth.User) {
	e.t.Helper()
	if got.ID != want.ID {
		e.t.Errorf("%s.ID = %s, want %s", call, short(got.ID), short(want.ID))
	}
	// A field stored as null, absent or "" is NULL, and a NULL reads back
	// as null.
	for _, f := range []struct {
		name      string
		got, want nextauth.NullString
	}{
		{"Name", got.Name, want.Name},
		{"Email", got.Email, want.Email},
		{"Image", got.Image, want.Image},
	} {
		if w := nextauth.NullIfEmpty(f.want.String()); f.got != w {
			e.t.Errorf("%s.%s = %s, want %s", call, f.name, fmtField(f.got), fmtField(w))
		}
	}
	switch {
	case got.EmailVerified == nil && want.EmailVerified == nil:
	case got.EmailVerified == nil:
		e.t.Errorf("%s.EmailVerified = nil, want %v", call, *want.EmailVerified)
	case want.EmailVerified == nil:
		e.t.Errorf("%s.EmailVerified = %v, want nil", call, *got.EmailVerified)
	default:
		e.checkTime(call+".EmailVerified", *got.EmailVerified, *want.EmailVerified)
	}
}

// checkSession reports every field of got that differs from want.
func (e *env) checkSession(call string, got, want nextauth.AdapterSession) {
	e.t.Helper()
	if got.SessionToken != want.SessionToken {
		e.t.Errorf("%s.SessionToken = %s, want %s", call, short(got.SessionToken), short(want.SessionToken))
	}
	if got.UserID != want.UserID {
		e.t.Errorf("%s.UserID = %q, want %q", call, got.UserID, want.UserID)
	}
	e.checkTime(call+".Expires", got.Expires, e.expires(want.Expires))
}

// expires is an expiry t as the store keeps it: truncated to
// Options.ExpiresPrecision when that is coarser than a millisecond.
func (e *env) expires(t time.Time) time.Time {
	if e.expiresPrecision > time.Millisecond {
		return t.Truncate(e.expiresPrecision)
	}
	return t
}

// checkToken reports every field of got that differs from want.
func (e *env) checkToken(call string, got, want nextauth.VerificationToken) {
	e.t.Helper()
	if got.Identifier != want.Identifier {
		e.t.Errorf("%s.Identifier = %s, want %s", call, short(got.Identifier), short(want.Identifier))
	}
	if got.Token != want.Token {
		e.t.Errorf("%s.Token = %s, want %s", call, short(got.Token), short(want.Token))
	}
	e.checkTime(call+".Expires", got.Expires, e.expires(want.Expires))
}

// checkAccount reports every field of got that differs from want.
func (e *env) checkAccount(call string, got, want nextauth.Account) {
	e.t.Helper()
	for _, f := range []struct{ name, got, want string }{
		{"UserID", got.UserID, want.UserID},
		{"Type", got.Type, want.Type},
		{"Provider", got.Provider, want.Provider},
		{"ProviderAccountID", got.ProviderAccountID, want.ProviderAccountID},
		{"RefreshToken", got.RefreshToken, want.RefreshToken},
		{"AccessToken", got.AccessToken, want.AccessToken},
		{"TokenType", got.TokenType, want.TokenType},
		{"Scope", got.Scope, want.Scope},
		{"IDToken", got.IDToken, want.IDToken},
		{"SessionState", got.SessionState, want.SessionState},
	} {
		if f.got != f.want {
			e.t.Errorf("%s.%s = %s, want %s", call, f.name, short(f.got), short(f.want))
		}
	}
	if got.ExpiresAt != want.ExpiresAt {
		e.t.Errorf("%s.ExpiresAt = %d, want %d", call, got.ExpiresAt, want.ExpiresAt)
	}
}

// checkTime reports a time that is not in UTC or more than a millisecond
// away from want.
func (e *env) checkTime(what string, got, want time.Time) {
	e.t.Helper()
	if d := got.Sub(want); d <= -time.Millisecond || d >= time.Millisecond {
		e.t.Errorf("%s = %s, want %s (±1ms)", what, got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
	if got.Location() != time.UTC {
		e.t.Errorf("%s = %s, location %q, want UTC", what, got.Format(time.RFC3339Nano), got.Location())
	}
}

// wantErr reports err unless it wraps target.
func (e *env) wantErr(call string, err, target error) {
	e.t.Helper()
	if !errors.Is(err, target) {
		e.t.Errorf("%s error = %v, want %v", call, err, target)
	}
}

// exactlyOne runs f in n goroutines released at once and checks that
// exactly one returns nil and all others an error wrapping loser. It
// returns the index of the winner, or -1.
func (e *env) exactlyOne(call string, n int, loser error, f func(i int) error) int {
	e.t.Helper()
	winner, wins := -1, 0
	for i, err := range race(n, f) {
		switch {
		case err == nil:
			winner = i
			wins++
		case !errors.Is(err, loser):
			e.t.Errorf("%s in goroutine %d of %d: error = %v, want nil or %v", call, i, n, err, loser)
		}
	}
	if wins != 1 {
		e.t.Errorf("%s in %d goroutines: %d succeeded, want exactly 1", call, n, wins)
		return -1
	}
	return winner
}

// race runs f(0) … f(n-1) in n goroutines released at once and returns
// their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// short quotes s, abbreviating long values so failures stay readable.
func short(s string) string {
	if len(s) <= 80 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…(%d bytes)", s[:60], len(s))
}

func fmtUser(u nextauth.User) string {
	return fmt.Sprintf("{Name: %s, Email: %s}", fmtField(u.Name), fmtField(u.Email))
}

// fmtField shows a user field: a value (shortened), null or absent.
func fmtField(n nextauth.NullString) string {
	switch {
	case n.IsNull():
		return "null"
	case n.IsZero():
		return "absent"
	}
	return short(n.String())
}

func fmtSession(s nextauth.AdapterSession) string {
	return fmt.Sprintf("{SessionToken: %s, UserID: %q}", short(s.SessionToken), s.UserID)
}

func fmtToken(vt nextauth.VerificationToken) string {
	return fmt.Sprintf("{Identifier: %s, Token: %s}", short(vt.Identifier), short(vt.Token))
}
