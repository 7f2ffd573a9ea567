package authtest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/nextauth-go/nextauth/authtest"
)

// These tests check the OpenID Provider with independent clients
// (golang.org/x/oauth2 and go-oidc), not with package provider.

const oidcRedirect = "http://127.0.0.1:3000/api/auth/callback/test"

func oauthConfig(p *authtest.OIDCProvider, style oauth2.AuthStyle, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID(), ClientSecret: p.ClientSecret(), RedirectURL: oidcRedirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: p.AuthorizationEndpoint(), TokenURL: p.TokenEndpoint(), AuthStyle: style},
	}
}

// codeFlow signs in with PKCE and a nonce and returns the token.
func codeFlow(t *testing.T, p *authtest.OIDCProvider, conf *oauth2.Config) (*oauth2.Token, string) {
	t.Helper()
	verifier, nonce := oauth2.GenerateVerifier(), "nonce-"+oauth2.GenerateVerifier()
	cb := p.Login(t, conf.AuthCodeURL("the-state", oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != oidcRedirect {
		t.Fatalf("Login() = %s, want a redirect to %s", cb, oidcRedirect)
	}
	if cb.Query().Get("state") != "the-state" || cb.Query().Get("code") == "" {
		t.Fatalf("Login() = %s, want code and state=the-state", cb)
	}
	tok, err := conf.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange() error = %v", err)
	}
	return tok, nonce
}

func TestOIDCProviderCodeFlow(t *testing.T) {
	tests := []struct {
		method string
		style  oauth2.AuthStyle
	}{
		{"client_secret_basic", oauth2.AuthStyleInHeader},
		{"client_secret_post", oauth2.AuthStyleInParams},
		{"none", oauth2.AuthStyleInParams},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			p := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(tt.method), authtest.WithUser("u-1", "ann@example.com", "Ann"))
			conf := oauthConfig(p, tt.style, "openid", "email", "profile")
			if tt.method == "none" {
				conf.ClientSecret = ""
			}
			tok, nonce := codeFlow(t, p, conf)

			ctx := oidc.ClientContext(t.Context(), http.DefaultClient)
			discovered, err := oidc.NewProvider(ctx, p.Issuer())
			if err != nil {
				t.Fatalf("oidc.NewProvider(%s) error = %v", p.Issuer(), err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := discovered.Verifier(&oidc.Config{ClientID: p.ClientID()}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("Verify(id_token) error = %v", err)
			}
			if idt.Nonce != nonce || idt.Subject != "u-1" {
				t.Errorf("id_token nonce, sub = %q, %q; want %q, u-1", idt.Nonce, idt.Subject, nonce)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash check = %v", err)
			}
			var claims struct {
				Email string `json:"email"`
				Name  string `json:"name"`
				AZP   string `json:"azp"`
			}
			if err := idt.Claims(&claims); err != nil || claims.Email != "ann@example.com" || claims.Name != "Ann" || claims.AZP != p.ClientID() {
				t.Errorf("id_token claims = %+v, %v; want ann@example.com, Ann, azp = client", claims, err)
			}
			info, err := discovered.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || info.Subject != "u-1" || info.Email != "ann@example.com" {
				t.Errorf("UserInfo() = %+v, %v; want u-1, ann@example.com", info, err)
			}
			var doc struct {
				Methods []string `json:"token_endpoint_auth_methods_supported"`
			}
			if err := discovered.Claims(&doc); err != nil || len(doc.Methods) != 1 || doc.Methods[0] != tt.method {
				t.Errorf("discovery auth methods = %v, %v; want [%s]", doc.Methods, err, tt.method)
			}
			if p.DiscoveryRequests() != 1 || p.TokenRequests() != 1 || p.UserinfoRequests() != 1 || p.JWKSRequests() != 1 {
				t.Errorf("requests discovery, token, userinfo, jwks = %d, %d, %d, %d; want 1 each",
					p.DiscoveryRequests(), p.TokenRequests(), p.UserinfoRequests(), p.JWKSRequests())
			}
		})
	}
}

func TestOIDCProviderEnforcesAuthMethod(t *testing.T) {
	tests := []struct {
		method string
		style  oauth2.AuthStyle
	}{
		{"client_secret_basic", oauth2.AuthStyleInParams},
		{"client_secret_post", oauth2.AuthStyleInHeader},
		{"none", oauth2.AuthStyleInHeader},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			p := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(tt.method))
			conf := oauthConfig(p, tt.style, "openid")
			verifier := oauth2.GenerateVerifier()
			cb := p.Login(t, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			_, err := conf.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
			var re *oauth2.RetrieveError
			if !asRetrieveError(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
				t.Errorf("Exchange() with the wrong client authentication = %v, want 401 invalid_client", err)
			}
		})
	}
}

func asRetrieveError(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	*re = r
	return ok
}

func TestOIDCProviderLoginForm(t *testing.T) {
	p := authtest.NewOIDCProvider(t, authtest.WithUser("u-1", "ann@example.com", "Ann"), authtest.WithUser("u-2", "bob@example.com", "Bob"))
	conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid", "email")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := client.Get(conf.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	login, err := res.Request.URL.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || login.Path != "/login" {
		t.Fatalf("GET authorize = %s → %q, want 302 to /login", res.Status, res.Header.Get("Location"))
	}
	page := get(t, client, login.String())
	for _, id := range []string{`id="username"`, `id="password"`, `id="submit"`, `id="deny"`} {
		if !strings.Contains(page, id) {
			t.Errorf("login page lacks %s:\n%s", id, page)
		}
	}
	id := login.Query().Get("authRequestID")
	res, err = client.PostForm(p.Issuer()+"/login", url.Values{"authRequestID": {id}, "username": {"bob@example.com"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="error"`) {
		t.Errorf("POST /login with a wrong password = %s %s, want 200 with the form and an error", res.Status, body)
	}

	cb := p.LoginAs(t, conf.AuthCodeURL("s2"), "u-2", authtest.OIDCPassword)
	tok, err := conf.Exchange(t.Context(), cb.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if sub := idTokenClaims(t, tok)["sub"]; sub != "u-2" {
		t.Errorf("LoginAs(u-2) signed in %v, want u-2", sub)
	}

	denied := p.Deny(t, conf.AuthCodeURL("s3"))
	if q := denied.Query(); q.Get("error") != "access_denied" || q.Get("state") != "s3" || q.Has("code") {
		t.Errorf("Deny() = %s, want error=access_denied&state=s3 without a code", denied)
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func idTokenClaims(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token = %q, want a JWS", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func idTokenHeader(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	head, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestOIDCProviderRedirectURIs(t *testing.T) {
	tests := []struct {
		name     string
		opts     []authtest.OIDCOption
		redirect string
		ok       bool
	}{
		{"loopback accepted by default", nil, "http://localhost:41234/api/auth/callback/x", true},
		{"IPv6 loopback accepted by default", nil, "http://[::1]:3000/cb", true},
		{"other host refused by default", nil, "http://app.example/cb", false},
		{"registered URI", []authtest.OIDCOption{authtest.WithRedirectURI("https://app.example/cb")}, "https://app.example/cb", true},
		{"loopback refused once URIs are registered", []authtest.OIDCOption{authtest.WithRedirectURI("https://app.example/cb")}, "http://127.0.0.1:3000/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := authtest.NewOIDCProvider(t, tt.opts...)
			conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid")
			conf.RedirectURL = tt.redirect
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Get(conf.AuthCodeURL("s"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			toLogin := res.StatusCode == http.StatusFound && strings.HasPrefix(res.Header.Get("Location"), p.Issuer()+"/login")
			if toLogin != tt.ok {
				t.Errorf("authorize with redirect_uri %s = %s %q; want login page %v", tt.redirect, res.Status, res.Header.Get("Location"), tt.ok)
			}
		})
	}
}

func TestOIDCProviderPlainOAuth(t *testing.T) {
	p := authtest.NewOIDCProvider(t)
	tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "email", "profile"))
	if id := tok.Extra("id_token"); id != nil {
		t.Errorf("token response without the openid scope has id_token %v, want none", id)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.UserinfoEndpoint(), nil)
	tok.SetAuthHeader(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var info map[string]any
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil || info["email"] != "jane.doe@example.com" || info["name"] != "Jane Doe" {
		t.Errorf("userinfo = %v, %v; want the default user's email and name", info, err)
	}
}

func TestOIDCProviderIDTokenOptions(t *testing.T) {
	t.Run("mutator", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithIDTokenMutator(func(c map[string]any) { c["nonce"] = "changed"; c["extra"] = "x" }))
		tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
		c := idTokenClaims(t, tok)
		if c["nonce"] != "changed" || c["extra"] != "x" {
			t.Errorf("claims = %v, want the mutator's changes", c)
		}
		keys := oidc.NewRemoteKeySet(t.Context(), p.JWKSURI())
		verifier := oidc.NewVerifier(p.Issuer(), keys, &oidc.Config{ClientID: p.ClientID()})
		if _, err := verifier.Verify(t.Context(), tok.Extra("id_token").(string)); err != nil {
			t.Errorf("mutated id_token does not verify with the JWKS: %v", err)
		}
	})
	t.Run("HS256", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithIDTokenHS256(), authtest.WithClient("c", "short"))
		tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
		if h := idTokenHeader(t, tok); h["alg"] != "HS256" {
			t.Errorf("header = %v, want alg HS256", h)
		}
		raw := tok.Extra("id_token").(string)
		i := strings.LastIndexByte(raw, '.')
		mac := hmac.New(sha256.New, []byte("short"))
		mac.Write([]byte(raw[:i]))
		if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); got != raw[i+1:] {
			t.Errorf("HS256 signature = %s, want HMAC-SHA256 with the client secret %s", raw[i+1:], got)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithUnknownSigningKey())
		tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
		if kid := idTokenHeader(t, tok)["kid"]; kid == p.KeyID() || kid == nil {
			t.Errorf("kid = %v, want one other than the published %s", kid, p.KeyID())
		}
		keys := oidc.NewRemoteKeySet(t.Context(), p.JWKSURI())
		if _, err := keys.VerifySignature(t.Context(), tok.Extra("id_token").(string)); err == nil {
			t.Errorf("id_token signed with the unknown key verifies with the JWKS")
		}
	})
}

func TestOIDCProviderRotateKey(t *testing.T) {
	p := authtest.NewOIDCProvider(t)
	first := p.KeyID()
	p.RotateKey()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(get(t, http.DefaultClient, p.JWKSURI())), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].Kid != p.KeyID() || set.Keys[1].Kid != first || set.Keys[0].Alg != "RS256" || set.Keys[0].Use != "sig" {
		t.Errorf("JWKS = %+v, want [%s %s] RS256 sig", set.Keys, p.KeyID(), first)
	}
	tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
	if kid := idTokenHeader(t, tok)["kid"]; kid != p.KeyID() {
		t.Errorf("id_token kid = %v, want the new key %s", kid, p.KeyID())
	}
}

func TestOIDCProviderFaults(t *testing.T) {
	t.Run("token status", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithTokenStatus(http.StatusInternalServerError))
		conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid")
		cb := p.Login(t, conf.AuthCodeURL("s"))
		_, err := conf.Exchange(t.Context(), cb.Query().Get("code"))
		var re *oauth2.RetrieveError
		if !asRetrieveError(err, &re) || re.Response.StatusCode != 500 {
			t.Errorf("Exchange() = %v, want a 500", err)
		}
	})
	t.Run("token delay", func(t *testing.T) {
		// The token endpoint answers only when the client gives up, so
		// the client's timeout is what ends the exchange (and the
		// server's Close does not wait an hour: the handler returns).
		p := authtest.NewOIDCProvider(t, authtest.WithTokenDelay(time.Hour))
		conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid")
		cb := p.Login(t, conf.AuthCodeURL("s"))
		ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Timeout: 100 * time.Millisecond})
		if _, err := conf.Exchange(ctx, cb.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "Timeout") {
			t.Errorf("Exchange() = %v, want a client timeout", err)
		}
	})
	t.Run("userinfo body", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithUserinfoBody("not json"))
		if got := get(t, http.DefaultClient, p.UserinfoEndpoint()); got != "not json" {
			t.Errorf("userinfo = %q, want %q", got, "not json")
		}
	})
	t.Run("discovery", func(t *testing.T) {
		p := authtest.NewOIDCProvider(t, authtest.WithAuthorizationResponseIss(),
			authtest.WithDiscoveryMutator(func(doc map[string]any) { doc["issuer"] = "https://changed.example" }))
		var doc map[string]any
		if err := json.Unmarshal([]byte(get(t, http.DefaultClient, p.DiscoveryURL())), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["issuer"] != "https://changed.example" || doc["authorization_response_iss_parameter_supported"] != true || doc["jwks_uri"] != p.JWKSURI() {
			t.Errorf("discovery = %v, want the mutated issuer, iss support and the JWKS URI", doc)
		}
		conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid")
		if cb := p.Login(t, conf.AuthCodeURL("s")); cb.Query().Get("iss") != p.Issuer() {
			t.Errorf("authorization response = %s, want iss=%s", cb, p.Issuer())
		}
	})
}

// TestOIDCProviderParallel runs providers side by side: nothing is shared
// between them (the race detector watches).
func TestOIDCProviderParallel(t *testing.T) {
	for i := range 3 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			p := authtest.NewOIDCProvider(t, authtest.WithAutoApprove(), authtest.WithClient("client", "secret-"+string(rune('a'+i))))
			tok, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
			if tok.AccessToken == "" {
				t.Errorf("no access token")
			}
		})
	}
}

func TestOIDCProviderRefreshToken(t *testing.T) {
	p := authtest.NewOIDCProvider(t)
	conf := oauthConfig(p, oauth2.AuthStyleInHeader, "openid", "offline_access")
	tok, _ := codeFlow(t, p, conf)
	if tok.RefreshToken == "" {
		t.Fatalf("token = %+v, want a refresh token for offline_access", tok)
	}
	fresh, err := conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh error = %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Errorf("refreshed token = %+v, want a new access token and a rotated refresh token", fresh)
	}
	if _, ok := fresh.Extra("id_token").(string); !ok {
		t.Errorf("refreshed token has no id_token")
	}
	_, err = conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !asRetrieveError(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("reusing the rotated refresh token = %v, want invalid_grant", err)
	}

	noOffline, _ := codeFlow(t, p, oauthConfig(p, oauth2.AuthStyleInHeader, "openid"))
	if noOffline.RefreshToken != "" {
		t.Errorf("token without offline_access has refresh token %q, want none", noOffline.RefreshToken)
	}
}
