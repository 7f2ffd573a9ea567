package nextauth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/provider"
)

// outbox records the sign-in links an e-mail provider sends.
type outbox struct {
	mu   sync.Mutex
	sent []nextauth.VerificationRequest
	fail error
}

func (o *outbox) Send(_ context.Context, r nextauth.VerificationRequest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.sent = append(o.sent, r)
	return nil
}

func (o *outbox) last(t *testing.T) nextauth.VerificationRequest {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		t.Fatal("no sign-in e-mail was sent")
	}
	return o.sent[len(o.sent)-1]
}

// dbConfig adds a memory adapter and an e-mail provider to the test config.
func dbConfig(a nextauth.Adapter, box *outbox, now *time.Time) func(*nextauth.Config) {
	return func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: box}))
		if now != nil {
			c.Now = func() time.Time { return *now }
		}
	}
}

// pathOf strips the origin of an absolute URL of the test handler.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(link, "http://localhost:3111")
	if !ok {
		t.Fatalf("link %q is not on the test origin", link)
	}
	return rest
}

func TestDatabaseStrategyDefault(t *testing.T) {
	a := memory.New()
	box := &outbox{}
	now := fixedNow
	h := newHandler(t, dbConfig(a, box, &now))
	c := newClient(t, h)
	c.signIn()
	token := c.jar["next-auth.session-token"]
	if len(token) != 36 || strings.Count(token, "-") != 4 {
		t.Fatalf("database session cookie = %q, want a UUID", token)
	}
	stored, user, err := a.GetSessionAndUser(context.Background(), token)
	if err != nil || user.Email.String() != "alice@example.com" || !stored.Expires.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("stored session = %+v %+v %v", stored, user, err)
	}
	if u, err := a.GetUserByAccount(context.Background(), "credentials", "1"); err != nil || u.ID != user.ID {
		t.Errorf("credentials account not linked: %+v %v", u, err)
	}

	// Reads within updateAge leave the row alone but slide the cookie.
	now = now.Add(time.Hour)
	w := c.get("/api/auth/session")
	if !strings.Contains(w.Body.String(), `"email":"alice@example.com"`) || !strings.Contains(w.Body.String(), `"expires":"2026-12-27T08:39:23.295Z"`) {
		t.Errorf("GET /session = %s, want the stored expiry", w.Body)
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 1 || sc[0] != "next-auth.session-token="+token+"; Path=/; Expires=Sun, 27 Dec 2026 09:39:23 GMT; HttpOnly; SameSite=Lax" {
		t.Errorf("GET /session cookies = %q", sc)
	}
	if s, _, _ := a.GetSessionAndUser(context.Background(), token); !s.Expires.Equal(fixedNow.Add(30 * 24 * time.Hour)) {
		t.Errorf("session extended before updateAge: %v", s.Expires)
	}
	// After updateAge the row is extended; the body still shows the old expiry.
	now = now.Add(24 * time.Hour)
	w = c.get("/api/auth/session")
	if !strings.Contains(w.Body.String(), `"expires":"2026-12-27T08:39:23.295Z"`) {
		t.Errorf("GET /session after updateAge = %s, want the pre-update expiry", w.Body)
	}
	if s, _, _ := a.GetSessionAndUser(context.Background(), token); !s.Expires.Equal(now.Add(30 * 24 * time.Hour)) {
		t.Errorf("session expiry = %v, want %v", s.Expires, now.Add(30*24*time.Hour))
	}
	// Sign-out deletes the row.
	var signedOut *nextauth.AdapterSession
	h2 := newHandler(t, func(cfg *nextauth.Config) {
		dbConfig(a, box, &now)(cfg)
		cfg.Events.SignOut = func(_ context.Context, e nextauth.SignOutEvent) { signedOut = e.Session }
	})
	c.h = h2
	w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	if w.Body.String() != `{"url":"http://localhost:3111"}` {
		t.Errorf("POST /signout = %s", w.Body)
	}
	if _, _, err := a.GetSessionAndUser(context.Background(), token); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("session after sign-out: %v, want ErrNotFound", err)
	}
	if signedOut == nil || signedOut.SessionToken != token {
		t.Errorf("signOut event session = %+v", signedOut)
	}
}

func TestDatabaseSessionExpiredAndUnknown(t *testing.T) {
	a := memory.New()
	now := fixedNow
	h := newHandler(t, dbConfig(a, &outbox{}, &now))
	c := newClient(t, h)
	c.signIn()
	token := c.jar["next-auth.session-token"]
	now = now.Add(31 * 24 * time.Hour)
	w := c.get("/api/auth/session")
	if w.Body.String() != "{}" || !strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), "\n"), "next-auth.session-token=; Max-Age=0") {
		t.Errorf("expired session: %s %q", w.Body, w.Header().Values("Set-Cookie"))
	}
	if _, _, err := a.GetSessionAndUser(context.Background(), token); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("expired session not deleted: %v", err)
	}
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", "next-auth.session-token=00000000-0000-4000-8000-000000000000")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Body.String() != "{}" || !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), "next-auth.session-token=; Max-Age=0") {
		t.Errorf("unknown session: %s %q", rec.Body, rec.Header().Values("Set-Cookie"))
	}
}

func TestEmailSignIn(t *testing.T) {
	a := memory.New()
	box := &outbox{}
	now := fixedNow
	var newUsers, updates int
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(a, box, &now)(c)
		c.Pages.NewUser = "/welcome"
		c.Events.CreateUser = func(context.Context, nextauth.User) { newUsers++ }
		c.Events.UpdateUser = func(context.Context, nextauth.User) { updates++ }
	})
	c := newClient(t, h)
	w := c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"  Bob@Example.COM "}, "callbackUrl": {"/inbox"}, "json": {"true"}})
	if w.Body.String() != `{"url":"http://localhost:3111/api/auth/verify-request?provider=email&type=email"}` {
		t.Fatalf("POST /signin/email = %d %s", w.Code, w.Body)
	}
	req := box.last(t)
	if req.Identifier != "bob@example.com" || len(req.Token) != 64 || !req.Expires.Equal(now.Add(24*time.Hour)) {
		t.Errorf("verification request = %+v", req)
	}
	wantLink := "http://localhost:3111/api/auth/callback/email?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Finbox&token=" + req.Token + "&email=bob%40example.com"
	if req.URL != wantLink {
		t.Errorf("link = %s\nwant   %s", req.URL, wantLink)
	}
	// The token is stored hashed only.
	if _, err := a.UseVerificationToken(context.Background(), "bob@example.com", req.Token); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("raw token found in the store: %v", err)
	}

	// Following the link signs in a new user and goes to pages.newUser.
	browser := newClient(t, h)
	w = browser.get(pathOf(t, req.URL))
	if w.Code != 302 || w.Header().Get("Location") != "/welcome?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Finbox" {
		t.Fatalf("magic link = %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := browser.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"email":"bob@example.com"`) {
		t.Errorf("session after magic link = %s", w.Body)
	}
	u, err := a.GetUserByEmail(context.Background(), "bob@example.com")
	if err != nil || u.EmailVerified == nil || !u.EmailVerified.Equal(now) || newUsers != 1 {
		t.Errorf("user = %+v, %v, createUser events %d", u, err, newUsers)
	}
	// The link works once.
	w = newClient(t, h).get(pathOf(t, req.URL))
	if w.Header().Get("Location") != "http://localhost:3111/api/auth/error?error=Verification" {
		t.Errorf("second use of the link = %d %q", w.Code, w.Header().Get("Location"))
	}
	// A second sign-in of the same user updates it and goes to callbackUrl.
	c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"bob@example.com"}})
	now = now.Add(time.Hour)
	w = newClient(t, h).get(pathOf(t, box.last(t).URL))
	if w.Header().Get("Location") != "http://localhost:3111/inbox" || updates != 1 { // callbackUrl from the callback-url cookie
		t.Errorf("returning user = %q, updateUser events %d", w.Header().Get("Location"), updates)
	}
}

// TestEmailSignInOverAnotherUsersSession: a browser signed in as Alice
// (a database session) follows Bob's e-mail link: Alice's session row is
// deleted, not left behind for whoever holds its token, and the browser
// ends signed in as Bob. Alice's session in another browser is not the
// request's and stays.
func TestEmailSignInOverAnotherUsersSession(t *testing.T) {
	ctx := context.Background()
	a := memory.New()
	box := &outbox{}
	now := fixedNow
	h := newHandler(t, dbConfig(a, box, &now))
	bob, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String("Bob"), Email: nextauth.String("bob@example.com")})
	if err != nil {
		t.Fatal(err)
	}

	browser, other := newClient(t, h), newClient(t, h)
	browser.signIn()
	other.signIn()
	alices, otherAlices := browser.jar["next-auth.session-token"], other.jar["next-auth.session-token"]
	session, alice, err := a.GetSessionAndUser(ctx, alices)
	if err != nil || alice.Email.String() != "alice@example.com" || session.UserID != alice.ID {
		t.Fatalf("Alice's session = %+v, %+v, %v", session, alice, err)
	}

	// In the same browser, an e-mail link for Bob is asked for and followed.
	w := browser.postForm("/api/auth/signin/email", url.Values{"csrfToken": {browser.csrf()}, "email": {"bob@example.com"}, "callbackUrl": {"/inbox"}, "json": {"true"}})
	if w.Body.String() != `{"url":"http://localhost:3111/api/auth/verify-request?provider=email&type=email"}` {
		t.Fatalf("POST /signin/email = %d %s", w.Code, w.Body)
	}
	w = browser.get(pathOf(t, box.last(t).URL))
	if w.Code != 302 || w.Header().Get("Location") != "http://localhost:3111/inbox" {
		t.Fatalf("Bob's link = %d %q, want a redirect to /inbox", w.Code, w.Header().Get("Location"))
	}

	if _, _, err := a.GetSessionAndUser(ctx, alices); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("Alice's session after Bob's e-mail sign-in in her browser: GetSessionAndUser error = %v, want ErrNotFound (deleted)", err)
	}
	bobs := browser.jar["next-auth.session-token"]
	if bobs == "" || bobs == alices {
		t.Fatalf("session cookie after Bob's sign-in = %q, want a new session (Alice's was %q)", bobs, alices)
	}
	if s, u, err := a.GetSessionAndUser(ctx, bobs); err != nil || u.ID != bob.ID || s.UserID != bob.ID {
		t.Errorf("the browser's session = %+v of %+v, %v; want Bob's (%s)", s, u, err, bob.ID)
	}
	if got := browser.get("/api/auth/session").Body.String(); !strings.Contains(got, `"email":"bob@example.com"`) || strings.Contains(got, "alice") {
		t.Errorf("GET /session in the browser = %s, want Bob's session", got)
	}
	if _, u, err := a.GetSessionAndUser(ctx, otherAlices); err != nil || u.ID != alice.ID {
		t.Errorf("Alice's session in another browser = %+v, %v; want it kept", u, err)
	}
}

func TestEmailSignInErrors(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	now := fixedNow
	a := memory.New()
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(a, box, &now)(c)
		c.EmailRateLimit = nextauth.RateLimit{PerAccount: 2, PerClient: 100}
	})
	c := newClient(t, h)
	post := func(email string) *httptest.ResponseRecorder {
		return c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {email}, "json": {"true"}})
	}
	for _, tt := range []struct{ email, url string }{
		{"", base + "/error?error=EmailSignin"},
		{"not-an-address", base + "/error?error=EmailSignin"},
		{`"a"@b.com`, base + "/error?error=EmailSignin"},
		{"a@b@c.com", base + "/error?error=EmailSignin"},
		{"a@localhost", base + "/error?error=EmailSignin"},
	} {
		if w := post(tt.email); w.Body.String() != `{"url":"`+tt.url+`"}` {
			t.Errorf("POST /signin/email %q = %s, want %s", tt.email, w.Body, tt.url)
		}
	}
	// Per-address limit: two a minute, then 429 EmailSignin.
	post("limit@example.com")
	post("LIMIT@example.com")
	if w := post("limit@example.com"); w.Code != 429 || !strings.Contains(w.Body.String(), "error=EmailSignin") {
		t.Errorf("third e-mail in a minute = %d %s, want 429 EmailSignin", w.Code, w.Body)
	}
	now = now.Add(time.Minute)
	if w := post("limit@example.com"); w.Code != 200 || !strings.Contains(w.Body.String(), "verify-request") {
		t.Errorf("e-mail after the window = %d %s", w.Code, w.Body)
	}
	// A failing sender is EmailSignin.
	box.fail = errors.New("smtp down")
	if w := post("down@example.com"); !strings.Contains(w.Body.String(), "error=EmailSignin") {
		t.Errorf("failing sender = %s", w.Body)
	}
	box.fail = nil
	// Callback errors.
	link := func(q string) string {
		return newClient(t, h).get("/api/auth/callback/email" + q).Header().Get("Location")
	}
	if got := link(""); got != base+"/error?error=configuration" {
		t.Errorf("callback without token = %q", got)
	}
	if got := link("?token=nope&email=x%40example.com"); got != base+"/error?error=Verification" {
		t.Errorf("callback with an unknown token = %q", got)
	}
	post("late@example.com")
	late := box.last(t)
	now = now.Add(25 * time.Hour)
	if got := link(strings.TrimPrefix(late.URL, base+"/callback/email")); got != base+"/error?error=Verification" {
		t.Errorf("expired link = %q", got)
	}
	// CSRF is required to send.
	if w := c.postForm("/api/auth/signin/email", url.Values{"email": {"x@example.com"}, "json": {"true"}}); !strings.Contains(w.Body.String(), "signin?csrf=true") {
		t.Errorf("POST /signin/email without csrf = %s", w.Body)
	}
}

func TestEmailLinkUnderRotatedSecret(t *testing.T) {
	a := memory.New()
	box := &outbox{}
	old := newHandler(t, func(c *nextauth.Config) { dbConfig(a, box, nil)(c); c.Secret = "old" })
	c := newClient(t, old)
	c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"rot@example.com"}})
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(a, box, nil)(c)
		c.Secret = "new"
		c.PreviousSecrets = []string{"old"}
	})
	w := newClient(t, h).get(pathOf(t, box.last(t).URL))
	if w.Header().Get("Location") != "http://localhost:3111" {
		t.Errorf("link from before the rotation = %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestEmailNeedsAdapter(t *testing.T) {
	_, err := nextauth.New(testConfig(func(c *nextauth.Config) {
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: &outbox{}}))
	}))
	if err == nil || !strings.Contains(err.Error(), "EMAIL_REQUIRES_ADAPTER_ERROR") {
		t.Errorf("New with email and no adapter = %v", err)
	}
	_, err = nextauth.New(testConfig(func(c *nextauth.Config) { c.Session.Strategy = nextauth.StrategyDatabase }))
	if err == nil || !strings.Contains(err.Error(), "needs an Adapter") {
		t.Errorf("New with database strategy and no adapter = %v", err)
	}
}

func TestJWTStrategyWithAdapter(t *testing.T) {
	a := memory.New()
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(a, box, nil)(c)
		c.Session.Strategy = nextauth.StrategyJWT
	})
	c := newClient(t, h)
	c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"jwt@example.com"}})
	browser := newClient(t, h)
	browser.get(pathOf(t, box.last(t).URL))
	claims, err := h.Token(httptest.NewRequest("GET", "/", nil).WithContext(context.Background()))
	if err == nil {
		t.Fatalf("Token without cookie = %v", claims)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", browser.cookieHeader())
	claims, err = h.Token(r)
	u, _ := a.GetUserByEmail(context.Background(), "jwt@example.com")
	if err != nil || claims["sub"] != u.ID || claims["email"] != "jwt@example.com" {
		t.Errorf("JWT after e-mail sign-in = %v, %v; want sub %q", claims, err, u.ID)
	}
}
