package nextauth_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/provider"
)

// corpProvider is the generic OIDC provider pointed at op.
func corpProvider(op *authtest.OIDCProvider, checks []string, method string) nextauth.Provider {
	return provider.OIDC(provider.OAuthConfig{
		ID: "corp", Name: "Corp SSO",
		Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
		Scope: "openid email profile", Checks: checks, TokenEndpointAuthMethod: method,
	})
}

// oauthRoundTrip signs in through the handler and the real OP: POST
// /signin/corp, log in at the OP, GET the callback it redirects to. It
// returns the callback's redirect.
func oauthRoundTrip(t *testing.T, c *client, op *authtest.OIDCProvider) string {
	t.Helper()
	w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/home"}, "json": {"true"}})
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.URL, op.AuthorizationEndpoint()) {
		t.Fatalf("POST /signin/corp = %d %s", w.Code, w.Body)
	}
	back := op.Login(t, out.URL)
	w = c.get(back.RequestURI())
	return w.Header().Get("Location")
}

func TestOIDCEndToEnd(t *testing.T) {
	for _, method := range []string{provider.AuthClientSecretBasic, provider.AuthClientSecretPost} {
		for _, checks := range [][]string{{"state"}, {"pkce"}, {"nonce"}, {"state", "pkce", "nonce"}, {}} {
			t.Run(method+"/"+strings.Join(checks, "+"), func(t *testing.T) {
				op := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(method), authtest.WithUser("sub-7", "Jane.Doe@Example.com", "Jane Doe"))
				h := newHandler(t, func(c *nextauth.Config) {
					c.Providers = append(c.Providers, corpProvider(op, checks, method))
				})
				c := newClient(t, h)
				if got := oauthRoundTrip(t, c, op); got != "http://localhost:3111/home" {
					t.Fatalf("callback redirect = %q", got)
				}
				w := c.get("/api/auth/session")
				if !strings.Contains(w.Body.String(), `"name":"Jane Doe","email":"jane.doe@example.com"`) {
					t.Errorf("session = %s", w.Body)
				}
			})
		}
	}
}

func TestOIDCFailuresEndToEnd(t *testing.T) {
	const base = "http://localhost:3111/api/auth"
	tests := []struct {
		name string
		opts []authtest.OIDCOption
		want string
	}{
		{"wrong nonce", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["nonce"] = "other" })}, base + "/error?error=OAuthCallback"},
		{"wrong audience", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["aud"] = "someone-else" })}, base + "/error?error=OAuthCallback"},
		{"expired id_token", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })}, base + "/error?error=OAuthCallback"},
		{"unexpected alg", []authtest.OIDCOption{authtest.WithIDTokenHS256()}, base + "/error?error=OAuthCallback"},
		{"unknown key", []authtest.OIDCOption{authtest.WithUnknownSigningKey()}, base + "/error?error=OAuthCallback"},
		{"token endpoint 500", []authtest.OIDCOption{authtest.WithTokenStatus(500)}, base + "/error?error=OAuthCallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := authtest.NewOIDCProvider(t, tt.opts...)
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = append(c.Providers, corpProvider(op, []string{"state", "nonce"}, ""))
			})
			c := newClient(t, h)
			if got := oauthRoundTrip(t, c, op); got != tt.want {
				t.Errorf("callback redirect = %q, want %q", got, tt.want)
			}
			if _, ok := c.jar["next-auth.session-token"]; ok {
				t.Error("signed in after a failed callback")
			}
		})
	}
	t.Run("access denied", func(t *testing.T) {
		op := authtest.NewOIDCProvider(t)
		h := newHandler(t, func(c *nextauth.Config) { c.Providers = append(c.Providers, corpProvider(op, nil, "")) })
		c := newClient(t, h)
		w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
		var out struct{ URL string }
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		back := op.Deny(t, out.URL)
		if got := c.get(back.RequestURI()).Header().Get("Location"); got != base+"/error?error=Callback" {
			t.Errorf("denied callback = %q", got)
		}
	})
	t.Run("identity provider down", func(t *testing.T) {
		op := authtest.NewOIDCProvider(t)
		issuer := op.Issuer()
		h := newHandler(t, func(c *nextauth.Config) {
			c.Providers = append(c.Providers, provider.OIDC(provider.OAuthConfig{ID: "corp", Issuer: issuer + "/nowhere", ClientID: "x", ClientSecret: "y"}))
		})
		c := newClient(t, h)
		w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
		if w.Body.String() != `{"url":"`+base+`/error?error=OAuthSignin"}` {
			t.Errorf("sign-in with discovery failing = %s", w.Body)
		}
	})
}

func TestOIDCDatabaseSessionsAndRefresh(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-9", "max@example.com", "Max"))
	a := memory.New()
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, provider.OIDC(provider.OAuthConfig{
			ID: "corp", Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
			Scope: "openid email profile offline_access", Checks: []string{"state", "pkce"},
		}))
		c.RefreshAccessTokens = true
	})
	c := newClient(t, h)
	if got := oauthRoundTrip(t, c, op); got != "http://localhost:3111/home" {
		t.Fatalf("callback redirect = %q", got)
	}
	u, err := a.GetUserByAccount(context.Background(), "corp", "sub-9")
	if err != nil || u.Email.String() != "max@example.com" {
		t.Fatalf("user = %+v %v", u, err)
	}
	acct, err := a.GetAccount(context.Background(), "corp", "sub-9")
	if err != nil || acct.AccessToken == "" || acct.IDToken == "" || acct.ExpiresAt == 0 {
		t.Fatalf("stored account = %+v %v", acct, err)
	}
	if w := c.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"email":"max@example.com"`) {
		t.Errorf("database session = %s", w.Body)
	}
}

// TestOIDCInBrowser clicks "Sign in with Corp SSO" on the built-in page,
// logs in on the OpenID Provider's form and lands back signed in.
func TestOIDCInBrowser(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-3", "ada@example.com", "Ada"))
	srv := browserApp(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, corpProvider(op, []string{"state", "pkce", "nonce"}, ""))
	})
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/api/auth/signin?callbackUrl=%2F"),
		chromedp.Click(chromedp.CSS(`form[action$="/signin/corp"] button`)),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), authtest.OIDCPassword),
		chromedp.Click(chromedp.ID("submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "authenticated")
	var sess struct{ User map[string]string }
	evalJSON(t, ctx, `NextAuth.getSession()`, &sess)
	if sess.User["email"] != "ada@example.com" || sess.User["name"] != "Ada" {
		t.Errorf("session = %+v", sess)
	}
}
