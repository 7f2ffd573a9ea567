package nextauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/jwt"
)

// scriptedOAuth is a provider whose protocol side is scripted, to test what
// the handler does around it: check cookies, parameters, linking. The real
// protocol is tested against a real OpenID Provider in package provider and
// in oauth_e2e_test.go.
type scriptedOAuth struct {
	id        string
	checks    []string
	dangerous bool
	lastAuth  nextauth.AuthorizationRequest
	lastCB    nextauth.CallbackRequest
	result    func() (*nextauth.OAuthResult, error)
}

func (p *scriptedOAuth) Info() nextauth.ProviderInfo {
	return nextauth.ProviderInfo{ID: p.id, Name: "Scripted", Type: nextauth.TypeOAuth}
}
func (p *scriptedOAuth) Checks() []string                        { return p.checks }
func (p *scriptedOAuth) AllowDangerousEmailAccountLinking() bool { return p.dangerous }
func (p *scriptedOAuth) AuthorizationURL(_ context.Context, r nextauth.AuthorizationRequest) (string, error) {
	p.lastAuth = r
	q := url.Values{"state": {r.State}, "code_challenge": {r.CodeChallenge}, "nonce": {r.Nonce}}
	return "https://idp.example/authorize?" + q.Encode(), nil
}
func (p *scriptedOAuth) Exchange(_ context.Context, r nextauth.CallbackRequest) (*nextauth.OAuthResult, error) {
	p.lastCB = r
	return p.result()
}

func profileResult(id, email string) func() (*nextauth.OAuthResult, error) {
	return func() (*nextauth.OAuthResult, error) {
		return &nextauth.OAuthResult{
			User:    nextauth.User{ID: id, Name: nextauth.String("Pat"), Email: nextauth.String(email)},
			Account: nextauth.Account{ProviderAccountID: id, AccessToken: "at-" + id, TokenType: "bearer", ExpiresAt: 2000000000},
			Profile: map[string]any{"sub": id, "email": email},
		}, nil
	}
}

// startOAuth posts the sign-in and returns the state the provider was given.
func startOAuth(t *testing.T, c *client, id string) nextauth.AuthorizationRequest {
	t.Helper()
	w := c.postForm("/api/auth/signin/"+id+"?login=abc&prompt=consent", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/after"}, "json": {"true"}})
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), `{"url":"https://idp.example/authorize?`) {
		t.Fatalf("POST /signin/%s = %d %s", id, w.Code, w.Body)
	}
	return nextauth.AuthorizationRequest{}
}

func TestOAuthCheckCookies(t *testing.T) {
	p := &scriptedOAuth{id: "idp", checks: []string{"state", "pkce", "nonce"}, result: profileResult("u1", "pat@example.com")}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, p)
		c.Now = func() time.Time { return fixedNow }
	})
	c := newClient(t, h)
	w := c.postForm("/api/auth/signin/idp?login=abc&prompt=consent", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	if len(p.lastAuth.Params) != 2 || p.lastAuth.Params[0] != [2]string{"login", "abc"} || p.lastAuth.RedirectURI != "http://localhost:3111/api/auth/callback/idp" {
		t.Errorf("authorization request = %+v", p.lastAuth)
	}
	sc := strings.Join(w.Header().Values("Set-Cookie"), "\n")
	for _, want := range []string{
		"; Max-Age=900; Path=/; Expires=Fri, 27 Nov 2026 08:54:23 GMT; HttpOnly; SameSite=Lax", // state, pkce
	} {
		if strings.Count(sc, want) != 2 {
			t.Errorf("check cookies:\n%s\nwant two with %q", sc, want)
		}
	}
	if !strings.Contains(sc, "next-auth.nonce=") || !strings.Contains(sc, "; Path=/; Expires=Fri, 27 Nov 2026 08:54:23 GMT; HttpOnly; SameSite=Lax") {
		t.Errorf("nonce cookie missing or with Max-Age:\n%s", sc)
	}
	// The cookies decrypt with keys salted by their names and bind the provider.
	for name, want := range map[string]string{"next-auth.state": p.lastAuth.State, "next-auth.nonce": p.lastAuth.Nonce} {
		codec, _ := jwt.NewCodec(jwt.Options{Secret: testSecret, Salt: name, Now: func() time.Time { return fixedNow }})
		claims, err := codec.Decode(c.jar[name])
		if err != nil || claims["value"] != want || claims["provider"] != "idp" || len(want) != 43 {
			t.Errorf("%s = %v, %v; want value %q provider idp", name, claims, err, want)
		}
	}
	codec, _ := jwt.NewCodec(jwt.Options{Secret: testSecret, Salt: "next-auth.pkce.code_verifier", Now: func() time.Time { return fixedNow }})
	claims, _ := codec.Decode(c.jar["next-auth.pkce.code_verifier"])
	sum := sha256.Sum256([]byte(claims["value"].(string)))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != p.lastAuth.CodeChallenge {
		t.Errorf("code_challenge %q is not S256 of the stored verifier", p.lastAuth.CodeChallenge)
	}

	// The callback gets the values back and clears the cookies.
	w = c.get("/api/auth/callback/idp?code=c1&state=" + p.lastAuth.State + "&iss=x&junk=1")
	if p.lastCB.State != p.lastAuth.State || p.lastCB.Nonce != p.lastAuth.Nonce || p.lastCB.CodeVerifier != claims["value"] {
		t.Errorf("callback request = %+v", p.lastCB)
	}
	if p.lastCB.Params["code"] != "c1" || p.lastCB.Params["iss"] != "x" || p.lastCB.Params["junk"] != "" || len(p.lastCB.Params) != 3 {
		t.Errorf("callback params = %v, want code, state, iss only", p.lastCB.Params)
	}
	for _, n := range []string{"next-auth.state", "next-auth.pkce.code_verifier", "next-auth.nonce"} {
		if _, ok := c.jar[n]; ok {
			t.Errorf("%s not cleared after the callback", n)
		}
	}
	if w.Code != 302 || w.Header().Get("Location") != "http://localhost:3111" {
		t.Errorf("callback = %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := c.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"email":"pat@example.com"`) {
		t.Errorf("session = %s", w.Body)
	}
	// Without an adapter the token's sub is the provider's account id.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", c.cookieHeader())
	if claims, err := h.Token(r); err != nil || claims["sub"] != "u1" {
		t.Errorf("token = %v, %v", claims, err)
	}
}

func TestOAuthCallbackFailures(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	other := &scriptedOAuth{id: "other", checks: []string{"state"}, result: profileResult("x", "")}
	tests := []struct {
		name   string
		result func() (*nextauth.OAuthResult, error)
		tamper func(c *client)
		query  string
		want   string
	}{
		{"provider error", nil, nil, "?error=access_denied&error_description=no", base + "/error?error=Callback"},
		{"missing state cookie", nil, func(c *client) { delete(c.jar, "next-auth.state") }, "?code=x", base + "/error?error=OAuthCallback"},
		{"garbage state cookie", nil, func(c *client) { c.jar["next-auth.state"] = "garbage" }, "?code=x", base + "/error?error=OAuthCallback"},
		{"state cookie of another provider", nil, func(c *client) {
			oc := newClient(t, c.h)
			oc.postForm("/api/auth/signin/other", url.Values{"csrfToken": {oc.csrf()}})
			c.jar["next-auth.state"] = oc.jar["next-auth.state"]
		}, "?code=x", base + "/error?error=OAuthCallback"},
		{"exchange fails", func() (*nextauth.OAuthResult, error) { return nil, errors.New("token endpoint said 500") }, nil, "?code=x", base + "/error?error=OAuthCallback"},
		{"profile without id", func() (*nextauth.OAuthResult, error) { return nil, nextauth.ErrProfile }, nil, "?code=x", base + "/signin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &scriptedOAuth{id: "idp", checks: []string{"state"}, result: tt.result}
			if p.result == nil {
				p.result = profileResult("u1", "")
			}
			h := newHandler(t, func(c *nextauth.Config) { c.Providers = append(c.Providers, p, other) })
			c := newClient(t, h)
			startOAuth(t, c, "idp")
			if tt.tamper != nil {
				tt.tamper(c)
			}
			w := c.get("/api/auth/callback/idp" + tt.query)
			if w.Code != 302 || w.Header().Get("Location") != tt.want {
				t.Errorf("callback = %d %q, want %q", w.Code, w.Header().Get("Location"), tt.want)
			}
			if _, ok := c.jar["next-auth.session-token"]; ok {
				t.Error("signed in after a failed callback")
			}
		})
	}
}

func TestOAuthFormPost(t *testing.T) {
	p := &scriptedOAuth{id: "apple", checks: []string{"pkce"}, result: profileResult("a1", "")}
	h := newHandler(t, func(c *nextauth.Config) { c.Providers = append(c.Providers, p) })
	c := newClient(t, h)
	startOAuth(t, c, "apple")
	w := c.postForm("/api/auth/callback/apple", url.Values{"code": {"fp"}, "state": {"s"}, "user": {`{"name":{}}`}})
	if p.lastCB.Params["code"] != "fp" || p.lastCB.Params["user"] != "" || w.Code != 302 {
		t.Errorf("form_post callback = %d, params %v", w.Code, p.lastCB.Params)
	}
}

// TestOAuthAccountLinking walks NextAuth's decision table (docs/compatibility.md#account-linking).
func TestOAuthAccountLinking(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	ctx := context.Background()
	type step struct {
		provider, id, email string
		want                string // redirect
	}
	a := memory.New()
	gh := &scriptedOAuth{id: "gh", checks: []string{"state"}}
	gl := &scriptedOAuth{id: "gl", checks: []string{"state"}}
	danger := &scriptedOAuth{id: "danger", checks: []string{"state"}, dangerous: true}
	var created, linked int
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, gh, gl, danger)
		c.Pages.NewUser = "/welcome"
		c.Events.CreateUser = func(context.Context, nextauth.User) { created++ }
		c.Events.LinkAccount = func(context.Context, nextauth.LinkAccountEvent) { linked++ }
	})
	byID := map[string]*scriptedOAuth{"gh": gh, "gl": gl, "danger": danger}
	run := func(c *client, s step) {
		t.Helper()
		p := byID[s.provider]
		p.result = profileResult(s.id, s.email)
		startOAuth(t, c, s.provider)
		w := c.get("/api/auth/callback/" + s.provider + "?code=x&state=" + p.lastAuth.State)
		if got := w.Header().Get("Location"); got != s.want {
			t.Fatalf("%s %s: callback = %d %q, want %q", s.provider, s.id, w.Code, got, s.want)
		}
	}
	// Row 7: new user, new account → created, linked, pages.newUser.
	alice := newClient(t, h)
	run(alice, step{"gh", "gh-1", "Pat@Example.com", "/welcome?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Fafter"})
	u, err := a.GetUserByAccount(ctx, "gh", "gh-1")
	if err != nil || u.Email.String() != "pat@example.com" || created != 1 || linked != 1 {
		t.Fatalf("row 7: user %+v %v, created %d linked %d", u, err, created, linked)
	}
	// Row 3: known account, signed out → same user, not new.
	bob := newClient(t, h)
	run(bob, step{"gh", "gh-1", "pat@example.com", "http://localhost:3111/after"})
	// Row 1: signed in as that user, same account again → keeps the session.
	before := alice.jar["next-auth.session-token"]
	run(alice, step{"gh", "gh-1", "pat@example.com", "http://localhost:3111/after"})
	if alice.jar["next-auth.session-token"] != before {
		t.Errorf("row 1: session token changed")
	}
	// Row 4: signed in, new account of another provider → linked to the current user.
	run(alice, step{"gl", "gl-9", "someone-else@example.com", "http://localhost:3111/after"})
	if u2, err := a.GetUserByAccount(ctx, "gl", "gl-9"); err != nil || u2.ID != u.ID {
		t.Errorf("row 4: gl-9 linked to %+v %v, want user %s", u2, err, u.ID)
	}
	// Row 6: signed out, new account whose e-mail exists → OAuthAccountNotLinked.
	carol := newClient(t, h)
	run(carol, step{"gl", "gl-10", "pat@example.com", base + "/error?error=OAuthAccountNotLinked"})
	// Row 5: the same with allowDangerousEmailAccountLinking → linked, isNewUser.
	run(carol, step{"danger", "d-1", "pat@example.com", "/welcome?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Fafter"})
	if u3, err := a.GetUserByAccount(ctx, "danger", "d-1"); err != nil || u3.ID != u.ID {
		t.Errorf("row 5: d-1 linked to %+v %v", u3, err)
	}
	// Row 2: signed in as another user, account of the first → OAuthAccountNotLinked.
	dave := newClient(t, h)
	run(dave, step{"gh", "gh-2", "dave@example.com", "/welcome?callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Fafter"})
	run(dave, step{"gl", "gl-9", "", base + "/error?error=OAuthAccountNotLinked"})
	// Tokens are stored on the account.
	if acc, err := a.GetAccount(ctx, "gh", "gh-1"); err != nil || acc.AccessToken != "at-gh-1" || acc.ExpiresAt != 2000000000 || acc.Type != "oauth" {
		t.Errorf("stored account = %+v %v", acc, err)
	}
}

func TestOAuthExpiredCheckCookie(t *testing.T) {
	now := time.Now()
	p := &scriptedOAuth{id: "idp", checks: []string{"state"}, result: profileResult("u1", "")}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, p)
		c.Now = func() time.Time { return now }
	})
	c := newClient(t, h)
	startOAuth(t, c, "idp")
	now = now.Add(15*time.Minute + 16*time.Second) // past the cookie's 900 s and the 15 s tolerance
	w := c.get("/api/auth/callback/idp?code=x&state=" + p.lastAuth.State)
	if got := w.Header().Get("Location"); got != "http://localhost:3111/api/auth/error?error=OAuthCallback" {
		t.Errorf("callback with an expired state cookie = %q", got)
	}
}
