package nextauth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/rules"
	"github.com/nextauth-go/nextauth/webhook"
)

// hookCall is one request a hookServer received.
type hookCall struct {
	Path    string
	Headers map[string]string
	Body    string
	JSON    map[string]any
}

// hookServer is a real HTTP hook receiver: it checks every request's
// signature with webhook.Verify (a bad one gets 401 and counts in bad),
// keeps the requests, and answers with answer(path, request).
type hookServer struct {
	*httptest.Server
	secret string
	key    []byte
	mu     sync.Mutex
	calls  []hookCall
	bad    int
	answer func(path string, req map[string]any) (status int, body string)
}

func newHookServer(t *testing.T, answer func(path string, req map[string]any) (int, string)) *hookServer {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	hs := &hookServer{secret: webhook.SecretPrefix + base64.StdEncoding.EncodeToString(raw), answer: answer}
	var err error
	if hs.key, err = webhook.ParseSecret(hs.secret); err != nil {
		t.Fatal(err)
	}
	hs.Server = httptest.NewServer(hs)
	t.Cleanup(hs.Close)
	return hs
}

func (hs *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	jsonErr := json.Unmarshal(body, &req)
	hs.mu.Lock()
	if err := webhook.Verify(hs.key, r.Header, body, time.Now(), 5*time.Minute); err != nil || jsonErr != nil {
		hs.bad++
		hs.mu.Unlock()
		http.Error(w, "bad signature or body", http.StatusUnauthorized)
		return
	}
	hs.calls = append(hs.calls, hookCall{Path: r.URL.Path, Body: string(body), JSON: req, Headers: map[string]string{
		webhook.HeaderID:        r.Header.Get(webhook.HeaderID),
		webhook.HeaderTimestamp: r.Header.Get(webhook.HeaderTimestamp),
		webhook.HeaderSignature: r.Header.Get(webhook.HeaderSignature),
	}})
	answer := hs.answer
	hs.mu.Unlock()
	status, out := answer(r.URL.Path, req)
	if status == 0 {
		// Never answer: the caller's timeout ends the request.
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

// take returns the calls received since the last take.
func (hs *hookServer) take() []hookCall {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	c := hs.calls
	hs.calls = nil
	return c
}

func (hs *hookServer) setAnswer(f func(path string, req map[string]any) (int, string)) {
	hs.mu.Lock()
	hs.answer = f
	hs.mu.Unlock()
}

// verifyWithStandardWebhooks checks the signatures of calls with the npm
// standardwebhooks package, an implementation independent of ours.
func (hs *hookServer) verifyWithStandardWebhooks(t *testing.T, calls []hookCall) {
	t.Helper()
	type req struct {
		Secret  string            `json:"secret"`
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
	}
	reqs := make([]req, len(calls))
	for i, c := range calls {
		reqs[i] = req{Secret: hs.secret, Body: c.Body, Headers: c.Headers}
	}
	var res []struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	nodetest.RunScript(t, "webhook.cjs", reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("standardwebhooks answered %d results for %d calls", len(res), len(reqs))
	}
	for i, r := range res {
		if !r.OK {
			t.Errorf("standardwebhooks refused call %d (%s): %s", i, calls[i].Path, r.Error)
		}
	}
}

// hookSender is a Sender to path on hs.
func (hs *hookServer) sender(path string, timeout time.Duration) *webhook.Sender {
	return &webhook.Sender{URL: hs.URL + path, Key: hs.key, Timeout: timeout}
}

// hookedSignIn posts alice's credentials (JSON mode, as signIn(…,
// {redirect: false}) does) and returns the status and the url answered.
func hookedSignIn(t *testing.T, c *client) (int, string) {
	t.Helper()
	w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}, "json": {"true"}})
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("sign-in answer %q: %v", w.Body, err)
	}
	return w.Code, out.URL
}

// TestSignInHook signs alice in through a handler whose signIn callback is
// a SignInHook, for each answer of the hook: allowed, refused (AccessDenied),
// redirected (a path, or another site: refused), and failing (non-2xx, bad
// JSON, no answer in time) with on_error deny and allow. Every request the
// hook got is checked with standardwebhooks and carries the user and the
// account without secrets.
func TestSignInHook(t *testing.T) {
	const denied = "http://localhost:3111/api/auth/error?error=AccessDenied"
	tests := []struct {
		name    string
		status  int // 0: no answer
		answer  string
		onError webhook.OnError
		want    int
		wantURL string
	}{
		{"allow", 200, `{"allow": true}`, "", 200, "http://localhost:3111"},
		{"deny", 200, `{"allow": false}`, "", 403, denied},
		{"redirect to a path", 200, `{"redirect": "/welcome"}`, "", 200, "/welcome"},
		{"redirect on the origin", 200, `{"redirect": "http://localhost:3111/x"}`, "", 200, "http://localhost:3111/x"},
		{"redirect elsewhere", 200, `{"redirect": "https://evil.example/"}`, webhook.Allow, 403, denied},
		{"redirect protocol-relative", 200, `{"redirect": "//evil.example/"}`, webhook.Allow, 403, denied},
		{"no decision", 200, `{}`, "", 403, denied},
		{"500, deny", 500, `{"allow": true}`, "", 403, denied},
		{"bad JSON, deny", 200, `allow`, webhook.Deny, 403, denied},
		{"timeout, deny", 0, "", "", 403, denied},
		{"500, allow", 500, ``, webhook.Allow, 200, "http://localhost:3111"},
		{"timeout, allow", 0, "", webhook.Allow, 200, "http://localhost:3111"},
	}
	var all []hookCall
	hs := newHookServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.setAnswer(func(string, map[string]any) (int, string) { return tt.status, tt.answer })
			hook := &webhook.SignInHook{Sender: hs.sender("/sign-in", 200*time.Millisecond), OnError: tt.onError,
				Origins: []string{"http://localhost:3111"}}
			c := newClient(t, newHandler(t, func(c *nextauth.Config) { c.Callbacks.SignIn = hook.SignIn }))
			status, got := hookedSignIn(t, c)
			if status != tt.want || got != tt.wantURL {
				t.Errorf("sign-in = %d %q, want %d %q", status, got, tt.want, tt.wantURL)
			}
			_, signedIn := c.jar["next-auth.session-token"]
			if signedIn != (tt.want == 200 && !strings.Contains(tt.wantURL, "/x") && !strings.Contains(tt.wantURL, "welcome")) {
				t.Errorf("session cookie set = %v", signedIn)
			}
			calls := hs.take()
			if len(calls) != 1 {
				t.Fatalf("hook got %d calls, want 1", len(calls))
			}
			req := calls[0].JSON
			user, _ := req["user"].(map[string]any)
			account, _ := req["account"].(map[string]any)
			if user["id"] != "1" || user["email"] != "alice@example.com" ||
				account["provider"] != "credentials" || account["type"] != "credentials" || account["providerAccountId"] != "1" {
				t.Errorf("hook request = %s", calls[0].Body)
			}
			if strings.Contains(calls[0].Body, "wonderland") || strings.Contains(calls[0].Body, "csrfToken") {
				t.Errorf("hook request carries the credentials: %s", calls[0].Body)
			}
			all = append(all, calls...)
		})
	}
	if hs.bad != 0 {
		t.Errorf("%d hook requests failed webhook.Verify", hs.bad)
	}
	hs.verifyWithStandardWebhooks(t, all)
}

// tokenHookApp is a handler whose jwt callback is a TokenHook on hs and
// whose session callback shows the token's role in the session's user (as
// session.user_fields does in the binary).
func tokenHookApp(t *testing.T, hs *hookServer, base string, mutate ...func(*nextauth.Config)) *nextauth.Handler {
	t.Helper()
	hook := &webhook.TokenHook{Sender: hs.sender("/token", 2*time.Second)}
	return newHandler(t, func(c *nextauth.Config) {
		if base != "" {
			c.URL = base + "/api/auth"
		}
		c.Claims = append(c.Claims, hook.Claims)
		c.Callbacks.Session = func(_ context.Context, p nextauth.SessionParams) (*nextauth.Session, error) {
			if role, ok := p.Token["role"]; ok {
				p.Session.User.Extra = map[string]any{"role": role}
			}
			return p.Session, nil
		}
		for _, m := range mutate {
			m(c)
		}
	})
}

// roleHook is a token hook's logic: at sign-in the role is "viewer" (and
// it tries to change protected claims); on update it accepts the roles
// "viewer" and "editor" and refuses anything else with {"claims": {}}.
func roleHook(_ string, req map[string]any) (int, string) {
	switch req["trigger"] {
	case "signIn", "signUp":
		return 200, `{"claims": {"role": "viewer", "sub": "evil", "exp": 1, "credentials_provider": null, "picture": null}}`
	case "update":
		data, _ := req["session"].(map[string]any)
		if r := data["role"]; r == "viewer" || r == "editor" {
			return 200, `{"claims": {"role": "` + r.(string) + `"}}`
		}
		return 200, `{"claims": {}}`
	}
	return 500, `{}`
}

// TestTokenHook checks the token hook end to end over HTTP: the claims it
// gives at sign-in are in the JWT as the real next-auth/jwt decodes it,
// protected claims are not changed; a plain GET /session does not call it;
// POST /session (update(), as the client sends it) calls it with the
// client's data, and the session has the role it accepted, keeps the role
// it refused, and keeps it again when the hook fails.
func TestTokenHook(t *testing.T) {
	hs := newHookServer(t, roleHook)
	c := newClient(t, tokenHookApp(t, hs, ""))
	if status, _ := hookedSignIn(t, c); status != 200 {
		t.Fatalf("sign-in status %d", status)
	}
	calls := hs.take()
	if len(calls) != 1 || calls[0].JSON["trigger"] != "signIn" {
		t.Fatalf("hook calls at sign-in = %+v", calls)
	}
	tok, _ := calls[0].JSON["token"].(map[string]any)
	acct, _ := calls[0].JSON["account"].(map[string]any)
	if tok["sub"] != "1" || tok["email"] != "alice@example.com" || acct["provider"] != "credentials" {
		t.Errorf("token hook request at sign-in = %s", calls[0].Body)
	}
	if _, ok := tok["credentials_provider"]; ok {
		t.Errorf("token hook saw the credentials marker: %s", calls[0].Body)
	}
	all := calls

	claims := func() map[string]any {
		t.Helper()
		res := nodetest.RunJWT(t, map[string]any{"op": "getToken", "cookies": map[string]string{"next-auth.session-token": c.jar["next-auth.session-token"]}, "secret": testSecret})
		m, _ := res["claims"].(map[string]any)
		if res["ok"] != true || m == nil {
			t.Fatalf("next-auth/jwt getToken = %v", res)
		}
		return m
	}
	got := claims()
	if got["role"] != "viewer" || got["sub"] != "1" || got["email"] != "alice@example.com" {
		t.Errorf("JWT claims after sign-in = %v, want role viewer, sub 1", got)
	}
	if _, ok := got["picture"]; ok {
		t.Errorf("JWT claims after sign-in = %v: the hook's null did not remove picture", got)
	}
	if exp, _ := got["exp"].(float64); exp < float64(time.Now().Unix()) {
		t.Errorf("JWT exp = %v: the hook changed it", got["exp"])
	}
	// The marker is kept (credentials tokens are never resolved through an
	// adapter): the hook's null did not remove it.
	if got["credentials_provider"] != "credentials" {
		t.Errorf("JWT claims = %v: the credentials marker is gone", got)
	}

	session := func(w *httptest.ResponseRecorder) map[string]any { return sessionUserOf(t, w) }
	update := func(data string) map[string]any { return updateSessionData(t, c, data) }
	if u := session(c.get("/api/auth/session")); u["role"] != "viewer" {
		t.Errorf("GET /session user = %v, want role viewer", u)
	}
	if calls := hs.take(); len(calls) != 0 {
		t.Errorf("GET /session called the token hook: %+v", calls)
	}

	if u := update(`{"role":"editor"}`); u["role"] != "editor" {
		t.Errorf("update({role: editor}) user = %v, want role editor", u)
	}
	calls = hs.take()
	if len(calls) != 1 || calls[0].JSON["trigger"] != "update" {
		t.Fatalf("hook calls on update = %+v", calls)
	}
	if data, _ := calls[0].JSON["session"].(map[string]any); data["role"] != "editor" {
		t.Errorf("update request = %s, want session.role editor", calls[0].Body)
	}
	all = append(all, calls...)
	if u := update(`{"role":"admin"}`); u["role"] != "editor" {
		t.Errorf("update({role: admin}) user = %v, want the role kept (editor)", u)
	}
	if u := session(c.get("/api/auth/session")); u["role"] != "editor" {
		t.Errorf("GET /session after a refused update = %v, want role editor", u)
	}
	hs.setAnswer(func(string, map[string]any) (int, string) { return 503, `` })
	if u := update(`{"role":"viewer"}`); u["role"] != "editor" || u["email"] != "alice@example.com" {
		t.Errorf("update with the hook down = %v, want the session as it was", u)
	}
	if got := claims(); got["role"] != "editor" || got["sub"] != "1" {
		t.Errorf("JWT claims after the updates = %v, want role editor", got)
	}
	all = append(all, hs.take()...)
	if hs.bad != 0 {
		t.Errorf("%d hook requests failed webhook.Verify", hs.bad)
	}
	hs.verifyWithStandardWebhooks(t, all)
}

// TestTokenHookSignInFailure: with on_error deny (the default) a token
// hook that fails at sign-in fails the sign-in (no session, error
// Callback); with allow the sign-in goes on without the hook's claims.
func TestTokenHookSignInFailure(t *testing.T) {
	hs := newHookServer(t, func(string, map[string]any) (int, string) { return 200, `not json` })
	for _, tt := range []struct{ onError webhook.OnError }{{""}, {webhook.Allow}} {
		hook := &webhook.TokenHook{Sender: hs.sender("/token", 2*time.Second), OnError: tt.onError}
		c := newClient(t, newHandler(t, func(c *nextauth.Config) { c.Claims = append(c.Claims, hook.Claims) }))
		status, u := hookedSignIn(t, c)
		_, signedIn := c.jar["next-auth.session-token"]
		if tt.onError == webhook.Allow {
			if status != 200 || !signedIn || u != "http://localhost:3111" {
				t.Errorf("on_error allow: sign-in = %d %q, session %v; want signed in", status, u, signedIn)
			}
		} else if signedIn || !strings.HasSuffix(u, "/api/auth/error?error=Callback") {
			t.Errorf("on_error deny: sign-in = %d %q, session %v; want error=Callback and no session", status, u, signedIn)
		}
	}
}

// TestMergeClaims: a hook's answer sets and removes claims, never the
// protected ones (TestProtectedClaims pins their list).
func TestMergeClaims(t *testing.T) {
	tok := jwt.Claims{"sub": "1", "role": "a", "gone": true}
	ignored := nextauth.MergeClaims(tok, map[string]any{"sub": "2", "role": "b", "gone": nil, "sid": "x"})
	if tok["sub"] != "1" || tok["role"] != "b" || tok["sid"] != nil || len(tok) != 2 || strings.Join(ignored, ",") != "sid,sub" {
		t.Errorf("MergeClaims: token %v, ignored %v", tok, ignored)
	}
}

// TestTokenHookRealClient: the unchanged next-auth/react client in
// Chromium signs in, calls update({role: "editor"}), which the token hook
// accepts, and the page's useSession shows the new role; update({role:
// "admin"}) is refused by the hook and the session keeps its role.
func TestTokenHookRealClient(t *testing.T) {
	hs := newHookServer(t, roleHook)
	hook := &webhook.TokenHook{Sender: hs.sender("/token", 5*time.Second)}
	srv := browserApp(t, func(c *nextauth.Config) {
		c.Claims = append(c.Claims, hook.Claims)
		c.Callbacks.Session = func(_ context.Context, p nextauth.SessionParams) (*nextauth.Session, error) {
			if role, ok := p.Token["role"]; ok {
				p.Session.User.Extra = map[string]any{"role": role}
			}
			return p.Session, nil
		}
	})
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ctx, "unauthenticated")
	var res struct {
		Error *string
		OK    bool
	}
	evalJSON(t, ctx, `NextAuth.signIn("credentials", {redirect: false, username: "alice", password: "wonderland"})`, &res)
	if !res.OK || res.Error != nil {
		t.Fatalf("signIn = %+v", res)
	}
	waitStatus(t, ctx, "authenticated")
	waitSession := func(role string) {
		t.Helper()
		expr := `JSON.parse(document.getElementById("session").textContent || "{}")?.user?.role === "` + role + `"`
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("session").textContent`))
			t.Fatalf("useSession does not show role %s: %v (page shows %s)", role, err, shown)
		}
	}
	waitSession("viewer")

	var sess struct{ User map[string]any }
	evalJSON(t, ctx, `NextAuth.update({role: "editor"})`, &sess)
	if sess.User["role"] != "editor" {
		t.Errorf("update({role: editor}) = %+v, want role editor", sess)
	}
	waitSession("editor")

	evalJSON(t, ctx, `NextAuth.update({role: "admin"})`, &sess)
	if sess.User["role"] != "editor" {
		t.Errorf("update({role: admin}) = %+v, want role editor kept", sess)
	}
	evalJSON(t, ctx, `NextAuth.getSession()`, &sess)
	if sess.User["role"] != "editor" {
		t.Errorf("getSession() after a refused update = %+v, want role editor", sess)
	}
	waitSession("editor")

	var updates []string
	calls := hs.take()
	for _, c := range calls {
		if c.JSON["trigger"] == "update" {
			d, _ := c.JSON["session"].(map[string]any)
			r, _ := d["role"].(string)
			updates = append(updates, r)
		}
	}
	if strings.Join(updates, ",") != "editor,admin" {
		t.Errorf("hook got updates %v, want [editor admin]", updates)
	}
	hs.verifyWithStandardWebhooks(t, calls)
}

// TestTokenHookRefresh: a session read that renews the provider's access
// token calls the token hook with trigger refresh (the provider tokens
// shown only with IncludeTokens); plain reads and a failed refresh do not
// call it.
func TestTokenHookRefresh(t *testing.T) {
	for _, withTokens := range []bool{false, true} {
		t.Run(map[bool]string{false: "no tokens", true: "include tokens"}[withTokens], func(t *testing.T) {
			hs := newHookServer(t, func(_ string, req map[string]any) (int, string) {
				return 200, `{"claims": {"refreshes": "` + req["trigger"].(string) + `"}}`
			})
			now := time.Now()
			p := newRotating(&now)
			hook := &webhook.TokenHook{Sender: hs.sender("/token", 5*time.Second), IncludeTokens: withTokens}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = append(c.Providers, p)
				c.RefreshAccessTokens = true
				c.Now = func() time.Time { return now }
				c.Claims = append(c.Claims, hook.Claims)
			})
			c := newClient(t, h)
			oauthSignIn(t, c, p)
			signIn := hs.take()
			if len(signIn) != 1 || signIn[0].JSON["trigger"] != "signUp" && signIn[0].JSON["trigger"] != "signIn" {
				t.Fatalf("hook calls at sign-in = %+v", signIn)
			}
			_, oauthShown := signIn[0].JSON["token"].(map[string]any)["oauth"]
			acct, _ := signIn[0].JSON["account"].(map[string]any)
			if oauthShown != withTokens || (acct["access_token"] == "at-0") != withTokens {
				t.Errorf("sign-in request (tokens %v) = %s", withTokens, signIn[0].Body)
			}
			c.get("/api/auth/session")
			if calls := hs.take(); len(calls) != 0 {
				t.Errorf("a plain read called the hook: %+v", calls)
			}
			now = now.Add(15 * time.Minute)
			c.get("/api/auth/session")
			calls := hs.take()
			if len(calls) != 1 || calls[0].JSON["trigger"] != "refresh" {
				t.Fatalf("hook calls on the refreshing read = %+v", calls)
			}
			oauth, oauthShown := calls[0].JSON["token"].(map[string]any)["oauth"].(map[string]any)
			if oauthShown != withTokens || (withTokens && oauth["access_token"] != "at-1") {
				t.Errorf("refresh request (tokens %v) = %s", withTokens, calls[0].Body)
			}
			now = now.Add(2 * time.Hour)
			p.failNext = true
			c.get("/api/auth/session")
			if calls := hs.take(); len(calls) != 0 {
				t.Errorf("a failed refresh called the hook: %+v", calls)
			}
		})
	}
}

// TestTokenHookStrategies: under database sessions the token hook works as
// under JWT ones, its claims stored beside the session: the claims it
// gives at sign-in show in GET /session through user_fields; update()
// calls it with the client's data and stores the role it accepts, keeps
// the one it refuses and keeps the claims when it fails. A claims rule
// that reads token, after the hook, is evaluated again on update and sees
// the hook's answer; a rule that does not read token is not. On SQLite,
// PostgreSQL, MySQL and Redis, and under JWT sessions for comparison.
func TestTokenHookStrategies(t *testing.T) {
	r := mustRules(t, rules.Config{Claims: map[string]string{
		"badge": `has(token.role) && token.role == "editor" ? "pen" : "none"`,
		"tier":  `user.email.endsWith("@example.com") ? "gold" : "basic"`,
	}})
	stores := append(claimsStores(), claimsStore{name: "jwt"})
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			var a nextauth.Adapter
			if st.open != nil {
				a, _ = st.open(t)
			}
			hs := newHookServer(t, roleHook)
			hook := &webhook.TokenHook{Sender: hs.sender("/token", 5*time.Second)}
			c := newClient(t, newHandler(t, func(c *nextauth.Config) {
				c.Adapter = a
				c.Claims = []nextauth.ClaimsFunc{hook.Claims, r.Claims}
				c.Session.UserFields = []string{"id", "role", "badge", "tier"}
			}))
			if status, _ := hookedSignIn(t, c); status != 200 {
				t.Fatalf("sign-in status %d", status)
			}
			calls := hs.take()
			if len(calls) != 1 || calls[0].JSON["trigger"] != "signIn" && calls[0].JSON["trigger"] != "signUp" {
				t.Fatalf("hook calls at sign-in = %+v", calls)
			}
			u := nextauth.User{ID: "1"} // the credentials user, under JWT sessions
			if a != nil {
				var err error
				if u, err = a.GetUserByEmail(context.Background(), "alice@example.com"); err != nil {
					t.Fatal(err)
				}
			}
			if tok, _ := calls[0].JSON["token"].(map[string]any); tok["sub"] != u.ID {
				t.Errorf("token hook request at sign-in = %s, want sub %s", calls[0].Body, u.ID)
			}
			all := calls
			session := func(w *httptest.ResponseRecorder) map[string]any { return sessionUserOf(t, w) }
			update := func(data string) map[string]any { return updateSessionData(t, c, data) }
			want := func(label string, got map[string]any, role, badge string) {
				t.Helper()
				if got["id"] != u.ID || got["role"] != role || got["badge"] != badge || got["tier"] != "gold" || got["email"] != "alice@example.com" {
					t.Errorf("%s: user = %v, want id %s, role %s, badge %s, tier gold", label, got, u.ID, role, badge)
				}
			}
			want("GET /session after sign-in", session(c.get("/api/auth/session")), "viewer", "none")
			if calls := hs.take(); len(calls) != 0 {
				t.Errorf("GET /session called the token hook: %+v", calls)
			}

			want("update({role: editor})", update(`{"role":"editor"}`), "editor", "pen")
			calls = hs.take()
			if len(calls) != 1 || calls[0].JSON["trigger"] != "update" {
				t.Fatalf("hook calls on update = %+v", calls)
			}
			if data, _ := calls[0].JSON["session"].(map[string]any); data["role"] != "editor" {
				t.Errorf("update request = %s, want session.role editor", calls[0].Body)
			}
			if tok, _ := calls[0].JSON["token"].(map[string]any); tok["role"] != "viewer" || tok["sub"] != u.ID {
				t.Errorf("update request = %s, want the stored claims (role viewer) and sub", calls[0].Body)
			}
			all = append(all, calls...)
			want("GET /session after the update", session(c.get("/api/auth/session")), "editor", "pen")
			want("update({role: admin})", update(`{"role":"admin"}`), "editor", "pen")
			hs.setAnswer(func(string, map[string]any) (int, string) { return 503, `` })
			want("update with the hook down", update(`{"role":"viewer"}`), "editor", "pen")
			want("GET /session at the end", session(c.get("/api/auth/session")), "editor", "pen")
			all = append(all, hs.take()...)
			if hs.bad != 0 {
				t.Errorf("%d hook requests failed webhook.Verify", hs.bad)
			}
			hs.verifyWithStandardWebhooks(t, all)
		})
	}
}

// sessionUserOf is the user of a /session answer, which must be a session.
func sessionUserOf(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var s struct{ User map[string]any }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &s) != nil {
		t.Fatalf("session answer %d %s", w.Code, w.Body)
	}
	return s.User
}

// updateSessionData is the client's update(data): POST /session with the
// CSRF token and data (JSON); the session's user.
func updateSessionData(t *testing.T, c *client, data string) map[string]any {
	t.Helper()
	body := `{"csrfToken":"` + c.csrf() + `","data":` + data + `}`
	return sessionUserOf(t, c.do(http.MethodPost, "/api/auth/session", "application/json", body))
}
