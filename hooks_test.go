package nextauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/provider"
)

// The contract of these tests: user code (callbacks, events, a credentials
// provider's Authorize) runs under one panic recovery. A panicking callback
// gets exactly the answer the same callback returning an error gets; a
// panicking event is logged as <NAME>_EVENT_ERROR and the request completes
// as if the event had done nothing. ServeHTTP never panics.

// hookLog is a JSON log sink safe for concurrent writes.
type hookLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *hookLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *hookLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// codes are the "code" attributes of the logged records, in order.
func (l *hookLog) codes() []string {
	var out []string
	for line := range strings.Lines(l.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if c, ok := rec["code"].(string); ok {
			out = append(out, c)
		}
	}
	return out
}

// hookAnswer is what a client sees of a response.
type hookAnswer struct {
	Status   int
	Location string
	Body     string
	// Cookies are the Set-Cookie names in order; a cookie that is cleared
	// (Max-Age=0 or an empty value) reads "name (cleared)".
	Cookies []string
}

func (a hookAnswer) String() string {
	return fmt.Sprintf("%d Location=%q Body=%q Set-Cookie=%q", a.Status, a.Location, a.Body, a.Cookies)
}

func (a hookAnswer) equal(b hookAnswer) bool {
	return a.Status == b.Status && a.Location == b.Location && a.Body == b.Body && slices.Equal(a.Cookies, b.Cookies)
}

func answerOf(t testing.TB, w *httptest.ResponseRecorder) hookAnswer {
	t.Helper()
	res := w.Result()
	a := hookAnswer{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: w.Body.String()}
	for _, sc := range res.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(sc)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", sc, err)
		}
		name := ck.Name
		if ck.MaxAge < 0 || ck.Value == "" {
			name += " (cleared)"
		}
		a.Cookies = append(a.Cookies, name)
	}
	return a
}

// hookGuard calls the handler directly (no httptest.Server, whose
// connection handling would swallow a panic) and fails the test when
// ServeHTTP panics.
type hookGuard struct {
	t testing.TB
	h http.Handler
}

func (g hookGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.t.Helper()
	defer func() {
		if p := recover(); p != nil {
			g.t.Fatalf("ServeHTTP(%s %s) panicked: %v", r.Method, r.URL, p)
		}
	}()
	g.h.ServeHTTP(w, r)
}

// hookClient is a cookie-keeping client over a fresh handler built from
// base (the scenario's setup), then hook (what the test installs), with a
// fixed clock, deterministic randomness and a captured JSON log.
func hookClient(t *testing.T, base, hook func(*nextauth.Config)) (*client, *hookLog) {
	t.Helper()
	logs := &hookLog{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Now = func() time.Time { return fixedNow }
		c.Rand = zeroRand{}
		if base != nil {
			base(c)
		}
		hook(c)
	})
	return newClient(t, hookGuard{t: t, h: h}), logs
}

// hookScenario drives a fresh handler configured by base+hook and returns
// the answer to the request under test (the last one).
type hookScenario func(t *testing.T, hook func(*nextauth.Config)) (hookAnswer, *hookLog)

// withDatabase uses adapter/memory and database sessions.
func withDatabase(c *nextauth.Config) {
	c.Adapter = memory.New()
	c.Session.Strategy = nextauth.StrategyDatabase
}

// credentialsSignIn: POST /callback/credentials with alice's password, in
// JSON mode (json=true) or redirect mode.
func credentialsSignIn(base func(*nextauth.Config), jsonMode bool) hookScenario {
	return func(t *testing.T, hook func(*nextauth.Config)) (hookAnswer, *hookLog) {
		c, logs := hookClient(t, base, hook)
		v := url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}}
		if jsonMode {
			v.Set("json", "true")
		}
		return answerOf(t, c.postForm("/api/auth/callback/credentials", v)), logs
	}
}

// signedIn signs alice in, then sends the request under test.
func signedIn(base func(*nextauth.Config), req func(c *client) *httptest.ResponseRecorder) hookScenario {
	return func(t *testing.T, hook func(*nextauth.Config)) (hookAnswer, *hookLog) {
		c, logs := hookClient(t, base, hook)
		c.signIn()
		return answerOf(t, req(c)), logs
	}
}

func getSession(c *client) *httptest.ResponseRecorder { return c.get("/api/auth/session") }

// updateSession is the client's update(): POST /session with data.
func updateSession(c *client) *httptest.ResponseRecorder {
	return c.postForm("/api/auth/session", url.Values{"csrfToken": {c.csrf()}, "data": {"x"}})
}

func signOut(c *client) *httptest.ResponseRecorder {
	return c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
}

// firstRequest sends the request under test from a fresh client.
func firstRequest(base func(*nextauth.Config), req func(c *client) *httptest.ResponseRecorder) hookScenario {
	return func(t *testing.T, hook func(*nextauth.Config)) (hookAnswer, *hookLog) {
		c, logs := hookClient(t, base, hook)
		return answerOf(t, req(c)), logs
	}
}

// emailLinkOfExistingUser: bob exists in the adapter; he asks for a
// sign-in link and a fresh browser follows it (the request under test).
func emailLinkOfExistingUser(t *testing.T, hook func(*nextauth.Config)) (hookAnswer, *hookLog) {
	a := memory.New()
	if _, err := a.CreateUser(context.Background(), nextauth.User{Name: nextauth.String("Bob"), Email: nextauth.String("bob@example.com")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var links []string
	sender := provider.SenderFunc(func(_ context.Context, r nextauth.VerificationRequest) error {
		mu.Lock()
		defer mu.Unlock()
		links = append(links, r.URL)
		return nil
	})
	base := func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: sender}))
	}
	c, logs := hookClient(t, base, hook)
	w := c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"bob@example.com"}, "json": {"true"}})
	if want := `{"url":"http://localhost:3111/api/auth/verify-request?provider=email&type=email"}`; w.Body.String() != want {
		t.Fatalf("POST /signin/email = %d %s, want %s", w.Code, w.Body, want)
	}
	mu.Lock()
	if len(links) != 1 {
		mu.Unlock()
		t.Fatalf("%d sign-in e-mails sent, want 1", len(links))
	}
	link := links[0]
	mu.Unlock()
	path, ok := strings.CutPrefix(link, "http://localhost:3111")
	if !ok {
		t.Fatalf("link %q is not on the test origin", link)
	}
	browser := newClient(t, c.h)
	return answerOf(t, browser.get(path)), logs
}

const (
	hookErrorURL    = "http://localhost:3111/api/auth/error?error="
	hookServerError = `{"message":"There is a problem with the server configuration. Check the server logs for more information."}`
	hookSessionJSON = `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png"},"expires":"2026-12-27T08:39:23.295Z"}`
	hookSession     = "next-auth.session-token"
	hookCSRF        = "next-auth.csrf-token"
	hookCallbackURL = "next-auth.callback-url"
)

var errBoom = errors.New("boom")

// TestHookCallbackPanicSameAsError runs each request twice on fresh
// handlers, once with the callback returning an error and once with it
// panicking: both must get the NextAuth answer for that error, and log the
// same code.
func TestHookCallbackPanicSameAsError(t *testing.T) {
	onTrigger := func(trigger string, fail func() error) func(context.Context, nextauth.JWTParams) (jwt.Claims, error) {
		return func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.Trigger == trigger {
				return nil, fail()
			}
			return p.Token, nil
		}
	}
	signInCB := func(c *nextauth.Config, fail func() error) {
		c.Callbacks.SignIn = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error) {
			return nextauth.SignInResult{}, fail()
		}
	}
	redirectCB := func(c *nextauth.Config, fail func() error) {
		c.Callbacks.Redirect = func(context.Context, string, string) (string, error) { return "", fail() }
	}
	sessionCB := func(c *nextauth.Config, fail func() error) {
		c.Callbacks.Session = func(context.Context, nextauth.SessionParams) (*nextauth.Session, error) { return nil, fail() }
	}
	authorize := func(c *nextauth.Config, fail func() error) {
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
			Authorize: func(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) { return nil, fail() },
		})}
	}
	tests := []struct {
		name     string
		install  func(c *nextauth.Config, fail func() error)
		run      hookScenario
		want     hookAnswer
		wantCode string // logged in both runs
	}{
		{
			name:     "SignIn/credentials-json",
			install:  signInCB,
			run:      credentialsSignIn(nil, true),
			want:     hookAnswer{Status: 403, Body: `{"url":"` + hookErrorURL + `AccessDenied"}`},
			wantCode: "SIGNIN_CALLBACK_ERROR",
		},
		{
			name:     "SignIn/credentials-redirect",
			install:  signInCB,
			run:      credentialsSignIn(nil, false),
			want:     hookAnswer{Status: 302, Location: hookErrorURL + "AccessDenied"},
			wantCode: "SIGNIN_CALLBACK_ERROR",
		},
		{
			name:     "SignIn/credentials-database",
			install:  signInCB,
			run:      credentialsSignIn(withDatabase, true),
			want:     hookAnswer{Status: 403, Body: `{"url":"` + hookErrorURL + `AccessDenied"}`},
			wantCode: "SIGNIN_CALLBACK_ERROR",
		},
		{
			name:    "Redirect/csrf",
			install: redirectCB,
			run: firstRequest(nil, func(c *client) *httptest.ResponseRecorder {
				return c.get("/api/auth/csrf?callbackUrl=/x")
			}),
			want:     hookAnswer{Status: 500, Body: hookServerError},
			wantCode: "CALLBACK_URL_ERROR",
		},
		{
			name:    "Redirect/credentials-body",
			install: redirectCB,
			run: firstRequest(nil, func(c *client) *httptest.ResponseRecorder {
				// GET /csrf has no callbackUrl and no cookie yet: the
				// callback first runs on the POST.
				return c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}, "callbackUrl": {"/x"}, "json": {"true"}})
			}),
			want:     hookAnswer{Status: 500, Body: hookServerError},
			wantCode: "CALLBACK_URL_ERROR",
		},
		{
			name:     "JWT/sign-in-json",
			install:  func(c *nextauth.Config, fail func() error) { c.Callbacks.JWT = onTrigger(nextauth.TriggerSignIn, fail) },
			run:      credentialsSignIn(nil, true),
			want:     hookAnswer{Status: 200, Body: `{"url":"` + hookErrorURL + `Callback"}`},
			wantCode: "CALLBACK_CREDENTIALS_HANDLER_ERROR",
		},
		{
			name:     "JWT/sign-in-redirect",
			install:  func(c *nextauth.Config, fail func() error) { c.Callbacks.JWT = onTrigger(nextauth.TriggerSignIn, fail) },
			run:      credentialsSignIn(nil, false),
			want:     hookAnswer{Status: 302, Location: hookErrorURL + "Callback"},
			wantCode: "CALLBACK_CREDENTIALS_HANDLER_ERROR",
		},
		{
			name:     "JWT/session-read",
			install:  func(c *nextauth.Config, fail func() error) { c.Callbacks.JWT = onTrigger("", fail) },
			run:      signedIn(nil, getSession),
			want:     hookAnswer{Status: 200, Body: "{}", Cookies: []string{hookSession + " (cleared)"}},
			wantCode: "JWT_SESSION_ERROR",
		},
		{
			name:     "JWT/session-update",
			install:  func(c *nextauth.Config, fail func() error) { c.Callbacks.JWT = onTrigger(nextauth.TriggerUpdate, fail) },
			run:      signedIn(nil, updateSession),
			want:     hookAnswer{Status: 200, Body: "{}", Cookies: []string{hookSession + " (cleared)"}},
			wantCode: "JWT_SESSION_ERROR",
		},
		{
			name:     "Session/jwt",
			install:  sessionCB,
			run:      signedIn(nil, getSession),
			want:     hookAnswer{Status: 200, Body: "{}", Cookies: []string{hookSession + " (cleared)"}},
			wantCode: "JWT_SESSION_ERROR",
		},
		{
			name:     "Session/database",
			install:  sessionCB,
			run:      signedIn(withDatabase, getSession),
			want:     hookAnswer{Status: 200, Body: "{}"},
			wantCode: "SESSION_ERROR",
		},
		{
			name:     "Authorize/json",
			install:  authorize,
			run:      credentialsSignIn(nil, true),
			want:     hookAnswer{Status: 401, Body: `{"url":"` + hookErrorURL + `CredentialsSignin&provider=credentials"}`},
			wantCode: "CREDENTIALS_AUTHORIZE_ERROR",
		},
		{
			name:     "Authorize/redirect",
			install:  authorize,
			run:      credentialsSignIn(nil, false),
			want:     hookAnswer{Status: 302, Location: hookErrorURL + "CredentialsSignin&provider=credentials"},
			wantCode: "CREDENTIALS_AUTHORIZE_ERROR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			returnErr := func() error { return errBoom }
			doPanic := func() error { panic("boom") }

			errAns, errLog := tt.run(t, func(c *nextauth.Config) { tt.install(c, returnErr) })
			if !errAns.equal(tt.want) {
				t.Errorf("answer with the callback returning an error = %v, want %v", errAns, tt.want)
			}
			if codes := errLog.codes(); !slices.Contains(codes, tt.wantCode) {
				t.Errorf("log codes with the callback returning an error = %q, want %s among them", codes, tt.wantCode)
			}

			panicAns, panicLog := tt.run(t, func(c *nextauth.Config) { tt.install(c, doPanic) })
			if !panicAns.equal(errAns) {
				t.Errorf("answer with the callback panicking = %v, want (as with an error) %v", panicAns, errAns)
			}
			if codes := panicLog.codes(); !slices.Contains(codes, tt.wantCode) {
				t.Errorf("log codes with the callback panicking = %q, want %s among them", codes, tt.wantCode)
			}
		})
	}
}

// TestHookEventPanicIsLogged fires each event once doing nothing and once
// panicking: the answers must be the same and the panic logged as
// <NAME>_EVENT_ERROR.
func TestHookEventPanicIsLogged(t *testing.T) {
	tests := []struct {
		name     string
		install  func(c *nextauth.Config, fire func())
		run      hookScenario
		want     hookAnswer // the answer with a no-op event
		wantCode string
	}{
		{
			name: "SignIn/credentials-jwt",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.SignIn = func(context.Context, nextauth.SignInEvent) { fire() }
			},
			run:      credentialsSignIn(nil, true),
			want:     hookAnswer{Status: 200, Body: `{"url":"http://localhost:3111"}`, Cookies: []string{hookSession}},
			wantCode: "SIGN_IN_EVENT_ERROR",
		},
		{
			name: "Session/jwt",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.Session = func(context.Context, nextauth.SessionEvent) { fire() }
			},
			run:      signedIn(nil, getSession),
			want:     hookAnswer{Status: 200, Body: hookSessionJSON, Cookies: []string{hookSession}},
			wantCode: "SESSION_EVENT_ERROR",
		},
		{
			name: "Session/database",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.Session = func(context.Context, nextauth.SessionEvent) { fire() }
			},
			run:      signedIn(withDatabase, getSession),
			want:     hookAnswer{Status: 200, Body: hookSessionJSON, Cookies: []string{hookSession}},
			wantCode: "SESSION_EVENT_ERROR",
		},
		{
			name: "SignOut/jwt",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.SignOut = func(context.Context, nextauth.SignOutEvent) { fire() }
			},
			run:      signedIn(nil, signOut),
			want:     hookAnswer{Status: 200, Body: `{"url":"http://localhost:3111"}`, Cookies: []string{hookSession + " (cleared)"}},
			wantCode: "SIGN_OUT_EVENT_ERROR",
		},
		{
			name: "SignOut/database",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.SignOut = func(context.Context, nextauth.SignOutEvent) { fire() }
			},
			run:      signedIn(withDatabase, signOut),
			want:     hookAnswer{Status: 200, Body: `{"url":"http://localhost:3111"}`, Cookies: []string{hookSession + " (cleared)"}},
			wantCode: "SIGN_OUT_EVENT_ERROR",
		},
		{
			name: "CreateUser/credentials-database",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.CreateUser = func(context.Context, nextauth.User) { fire() }
			},
			run:      credentialsSignIn(withDatabase, true),
			want:     hookAnswer{Status: 200, Body: `{"url":"http://localhost:3111"}`, Cookies: []string{hookSession}},
			wantCode: "CREATE_USER_EVENT_ERROR",
		},
		{
			name: "LinkAccount/credentials-database",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.LinkAccount = func(context.Context, nextauth.LinkAccountEvent) { fire() }
			},
			run:      credentialsSignIn(withDatabase, true),
			want:     hookAnswer{Status: 200, Body: `{"url":"http://localhost:3111"}`, Cookies: []string{hookSession}},
			wantCode: "LINK_ACCOUNT_EVENT_ERROR",
		},
		{
			name: "UpdateUser/email-existing-user",
			install: func(c *nextauth.Config, fire func()) {
				c.Events.UpdateUser = func(context.Context, nextauth.User) { fire() }
			},
			run:      emailLinkOfExistingUser,
			want:     hookAnswer{Status: 302, Location: "http://localhost:3111", Cookies: []string{hookCSRF, hookCallbackURL, hookSession}},
			wantCode: "UPDATE_USER_EVENT_ERROR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var noopCalls, panicCalls int
			noop := func() { noopCalls++ }
			doPanic := func() { panicCalls++; panic("boom") }

			noopAns, noopLog := tt.run(t, func(c *nextauth.Config) { tt.install(c, noop) })
			if noopCalls == 0 {
				t.Fatalf("the scenario did not fire the event")
			}
			if !noopAns.equal(tt.want) {
				t.Errorf("answer with a no-op event = %v, want %v", noopAns, tt.want)
			}
			if codes := noopLog.codes(); slices.Contains(codes, tt.wantCode) {
				t.Errorf("log codes with a no-op event = %q, want no %s", codes, tt.wantCode)
			}

			panicAns, panicLog := tt.run(t, func(c *nextauth.Config) { tt.install(c, doPanic) })
			if panicCalls != noopCalls {
				t.Errorf("event calls with a panicking event = %d, want %d (as with a no-op)", panicCalls, noopCalls)
			}
			if !panicAns.equal(noopAns) {
				t.Errorf("answer with a panicking event = %v, want (as with a no-op) %v", panicAns, noopAns)
			}
			if codes := panicLog.codes(); !slices.Contains(codes, tt.wantCode) {
				t.Errorf("log codes with a panicking event = %q, want %s among them", codes, tt.wantCode)
			}
		})
	}
}
