package provider

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
)

// These tests sign in against a real OpenID Provider (zitadel's op, in
// package authtest), driving its login form with an HTTP client and
// calling AuthorizationURL and Exchange as the handler does.

// oidcTestRandom is a check value as openid-client makes them.
func oidcTestRandom(t *testing.T) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// oidcTestCallbackKeys are the callback parameters the handler keeps.
var oidcTestCallbackKeys = []string{"access_token", "code", "error", "error_description", "error_uri",
	"expires_in", "id_token", "iss", "response", "session_state", "state", "token_type"}

// oidcTestSignIn runs one sign-in: check values, AuthorizationURL, the
// provider's login, then Exchange with the callback parameters (changed by
// tamper first, when given).
func oidcTestSignIn(t *testing.T, idp *authtest.OIDCProvider, p nextauth.Provider, tamper func(*nextauth.CallbackRequest)) (*nextauth.OAuthResult, error) {
	t.Helper()
	return oidcTestSignInWith(t, p, func(authURL string) *url.URL { return idp.Login(t, authURL) }, tamper)
}

func oidcTestSignInWith(t *testing.T, p nextauth.Provider, login func(authURL string) *url.URL, tamper func(*nextauth.CallbackRequest)) (*nextauth.OAuthResult, error) {
	t.Helper()
	op := p.(nextauth.OAuthProvider)
	redirect := "http://localhost:3000/api/auth/callback/" + op.Info().ID
	areq := nextauth.AuthorizationRequest{RedirectURI: redirect}
	creq := nextauth.CallbackRequest{RedirectURI: redirect, Params: map[string]string{}}
	for _, c := range op.Checks() {
		v := oidcTestRandom(t)
		switch c {
		case nextauth.CheckState:
			areq.State, creq.State = v, v
		case nextauth.CheckPKCE:
			sum := sha256.Sum256([]byte(v))
			areq.CodeChallenge, creq.CodeVerifier = base64.RawURLEncoding.EncodeToString(sum[:]), v
		case nextauth.CheckNonce:
			areq.Nonce, creq.Nonce = v, v
		}
	}
	authURL, err := op.AuthorizationURL(t.Context(), areq)
	if err != nil {
		t.Fatalf("AuthorizationURL() error = %v", err)
	}
	cb := login(authURL)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != redirect {
		t.Fatalf("the provider redirected to %s, want %s", cb, redirect)
	}
	q := cb.Query()
	for _, k := range oidcTestCallbackKeys {
		if q.Has(k) {
			creq.Params[k] = q.Get(k)
		}
	}
	if tamper != nil {
		tamper(&creq)
	}
	return op.Exchange(t.Context(), creq)
}

func oidcTestConfig(idp *authtest.OIDCProvider) OAuthConfig {
	return OAuthConfig{
		ID: "idp", Name: "Test IdP", ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
		Issuer: idp.Issuer(), Scope: "openid email profile",
	}
}

func TestOIDCSignIn(t *testing.T) {
	checkSets := [][]string{{}, {"state"}, {"pkce"}, {"nonce"}, {"state", "pkce", "nonce"}}
	for _, method := range []string{AuthClientSecretBasic, AuthClientSecretPost} {
		idp := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(method),
			authtest.WithUser("sub-1", "Jane.Doe@Example.COM", "Jane Doe"))
		for _, checks := range checkSets {
			t.Run(fmt.Sprintf("%s/%v", method, checks), func(t *testing.T) {
				cfg := oidcTestConfig(idp)
				cfg.Checks = checks
				cfg.TokenEndpointAuthMethod = method
				res, err := oidcTestSignIn(t, idp, OIDC(cfg), nil)
				if err != nil {
					t.Fatalf("sign-in error = %v", err)
				}
				if want := (nextauth.User{ID: "sub-1", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane.doe@example.com")}); !reflect.DeepEqual(res.User, want) {
					t.Errorf("user = %+v, want %+v", res.User, want)
				}
				a := res.Account
				if a.Type != "oauth" || a.Provider != "idp" || a.ProviderAccountID != "sub-1" || a.AccessToken == "" ||
					a.TokenType != "Bearer" || a.IDToken == "" || a.Scope != "openid email profile" || a.ExpiresAt < time.Now().Unix()+3000 {
					t.Errorf("account = %+v, want oauth/idp/sub-1 with access and id tokens, Bearer, scope and a future expires_at", a)
				}
				if res.Profile["iss"] != idp.Issuer() || res.Profile["email_verified"] != true {
					t.Errorf("profile = %v, want the id_token claims", res.Profile)
				}
				if hasNonce := res.Profile["nonce"] != nil; hasNonce != (len(checks) > 0 && strings.Contains(fmt.Sprint(checks), "nonce")) {
					t.Errorf("id_token nonce present = %v with checks %v", hasNonce, checks)
				}
			})
		}
	}
}

func TestOAuthUserinfoSignIn(t *testing.T) {
	checkSets := [][]string{{}, {"state"}, {"pkce"}, {"state", "pkce"}}
	for _, method := range []string{AuthClientSecretBasic, AuthClientSecretPost} {
		idp := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(method))
		for _, checks := range checkSets {
			t.Run(fmt.Sprintf("%s/%v", method, checks), func(t *testing.T) {
				p := OAuth(OAuthConfig{
					ID: "plain", ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
					AuthorizationURL: idp.AuthorizationEndpoint(), TokenURL: idp.TokenEndpoint(), UserinfoURL: idp.UserinfoEndpoint(),
					Scope: "email profile", Checks: checks, TokenEndpointAuthMethod: method,
				})
				before := idp.UserinfoRequests()
				res, err := oidcTestSignIn(t, idp, p, nil)
				if err != nil {
					t.Fatalf("sign-in error = %v", err)
				}
				if got := idp.UserinfoRequests() - before; got != 1 {
					t.Errorf("userinfo requests = %d, want 1", got)
				}
				if want := (nextauth.User{ID: "authtest-user", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane.doe@example.com")}); !reflect.DeepEqual(res.User, want) {
					t.Errorf("user = %+v, want %+v", res.User, want)
				}
				if res.Account.IDToken != "" || res.Account.AccessToken == "" {
					t.Errorf("account = %+v, want an access token and no id_token", res.Account)
				}
			})
		}
	}
}

func TestOIDCAuthMethodSelection(t *testing.T) {
	post := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(AuthClientSecretPost))
	cfg := oidcTestConfig(post)
	if _, err := oidcTestSignIn(t, post, OIDC(cfg), nil); err != nil {
		t.Errorf("sign-in with the method unset against a post-only provider = %v, want the switch to client_secret_post", err)
	}
	cfg.TokenEndpointAuthMethod = AuthClientSecretBasic
	if _, err := oidcTestSignIn(t, post, OIDC(cfg), nil); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("explicit client_secret_basic against a post-only provider = %v, want invalid_client (no switch)", err)
	}

	public := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(AuthNone))
	cfg = oidcTestConfig(public)
	cfg.ClientSecret = ""
	cfg.TokenEndpointAuthMethod = AuthNone
	cfg.Checks = []string{"pkce", "state"}
	if _, err := oidcTestSignIn(t, public, OIDC(cfg), nil); err != nil {
		t.Errorf("public client with PKCE = %v, want success", err)
	}
}

func TestOIDCCallbackTampering(t *testing.T) {
	idp := authtest.NewOIDCProvider(t)
	cfg := oidcTestConfig(idp)
	cfg.Checks = []string{"state", "pkce", "nonce"}
	p := OIDC(cfg)
	tests := []struct {
		name   string
		tamper func(*nextauth.CallbackRequest)
		want   string
	}{
		{"state missing", func(r *nextauth.CallbackRequest) { delete(r.Params, "state") }, "state missing from the response"},
		{"state mismatch", func(r *nextauth.CallbackRequest) { r.Params["state"] = "forged" }, "state mismatch"},
		{"state cookie missing", func(r *nextauth.CallbackRequest) { r.State = "" }, "no state value"},
		{"wrong PKCE verifier", func(r *nextauth.CallbackRequest) { r.CodeVerifier = "wrong-verifier-wrong-verifier-wrong-verifier" }, "invalid_grant"},
		{"wrong nonce", func(r *nextauth.CallbackRequest) { r.Nonce = "other" }, "nonce mismatch"},
		{"redirect_uri changed", func(r *nextauth.CallbackRequest) { r.RedirectURI += "x" }, "invalid_grant"},
		{"code forged", func(r *nextauth.CallbackRequest) { r.Params["code"] = "forged" }, "invalid_grant"},
		{"no code", func(r *nextauth.CallbackRequest) { delete(r.Params, "code") }, "code missing"},
		{"foreign iss", func(r *nextauth.CallbackRequest) { r.Params["iss"] = "https://evil.example" }, "iss mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oidcTestSignIn(t, idp, p, tt.tamper)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Exchange() error = %v, want one containing %q", err, tt.want)
			}
			if errors.Is(err, nextauth.ErrProfile) {
				t.Errorf("Exchange() error = %v is ErrProfile, want an OAuthCallback failure", err)
			}
		})
	}

	t.Run("code reuse", func(t *testing.T) {
		var saved nextauth.CallbackRequest
		if _, err := oidcTestSignIn(t, idp, p, func(r *nextauth.CallbackRequest) { saved = *r }); err != nil {
			t.Fatalf("first exchange = %v", err)
		}
		if _, err := p.(nextauth.OAuthProvider).Exchange(t.Context(), saved); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("second exchange of the same code = %v, want invalid_grant", err)
		}
	})

	t.Run("provider error", func(t *testing.T) {
		_, err := oidcTestSignInWith(t, p, func(u string) *url.URL { return idp.Deny(t, u) }, nil)
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Errorf("Exchange(denied) = %v, want access_denied", err)
		}
	})
}

func TestOIDCAuthorizationResponseIss(t *testing.T) {
	idp := authtest.NewOIDCProvider(t, authtest.WithAuthorizationResponseIss())
	p := OIDC(oidcTestConfig(idp))
	if _, err := oidcTestSignIn(t, idp, p, nil); err != nil {
		t.Errorf("sign-in with RFC 9207 iss = %v, want success", err)
	}
	_, err := oidcTestSignIn(t, idp, p, func(r *nextauth.CallbackRequest) { delete(r.Params, "iss") })
	if err == nil || !strings.Contains(err.Error(), "iss missing") {
		t.Errorf("sign-in without iss from a provider that advertises it = %v, want iss missing", err)
	}
}

func TestOIDCIDTokenValidation(t *testing.T) {
	// The times put in an id_token count from when the provider makes it,
	// and the client checks them on that same clock (cfg.Now below):
	// however long the sign-ins take, "2 s past exp" stays 2 s past.
	var minted atomic.Int64 // Unix seconds the last id_token was made at
	at := func(offset int64) float64 {
		m := time.Now().Unix()
		minted.Store(m)
		return float64(m + offset)
	}
	tests := []struct {
		name    string
		opts    []authtest.OIDCOption
		alg     string
		wantErr string // "" = success
	}{
		{"wrong nonce", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["nonce"] = "other" })}, "", "nonce mismatch"},
		{"nonce removed", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { delete(c, "nonce") })}, "", "nonce mismatch"},
		{"wrong audience", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["aud"] = "someone-else" })}, "", "audience"},
		{"two audiences, no azp", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) {
			c["aud"] = []any{c["azp"], "other"}
			delete(c, "azp")
		})}, "", "azp"},
		{"azp mismatch", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["azp"] = "other" })}, "", "azp mismatch"},
		{"wrong issuer", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["iss"] = "https://evil.example" })}, "", "unexpected iss"},
		{"expired", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["exp"] = at(-60) })}, "", "JWT expired"},
		{"expired within tolerance", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["exp"] = at(-2) })}, "", ""},
		{"not yet valid", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["nbf"] = at(120) })}, "", "not active yet"},
		{"nbf within tolerance", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["nbf"] = at(2) })}, "", ""},
		{"no iat", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { delete(c, "iat") })}, "", "iat"},
		{"wrong at_hash", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" })}, "", "at_hash mismatch"},
		{"unexpected alg HS256", []authtest.OIDCOption{authtest.WithIDTokenHS256()}, "", "malformed jwt"},
		{"HS256 when configured", []authtest.OIDCOption{authtest.WithIDTokenHS256(), authtest.WithClient("line-client", "short-secret")}, "HS256", ""},
		{"RS256 when HS256 configured", nil, "HS256", "malformed jwt"},
		{"unknown key", []authtest.OIDCOption{authtest.WithUnknownSigningKey()}, "", "failed to verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := authtest.NewOIDCProvider(t, tt.opts...)
			cfg := oidcTestConfig(idp)
			cfg.Checks = []string{"state", "nonce"}
			cfg.IDTokenSigningAlg = tt.alg
			minted.Store(0)
			cfg.Now = func() time.Time {
				if m := minted.Load(); m != 0 {
					return time.Unix(m, 0)
				}
				return time.Now()
			}
			_, err := oidcTestSignIn(t, idp, OIDC(cfg), nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("sign-in error = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("sign-in error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestOIDCEndpointFaults(t *testing.T) {
	tests := []struct {
		name    string
		opts    []authtest.OIDCOption
		idToken bool
		want    string
	}{
		{"token 500", []authtest.OIDCOption{authtest.WithTokenStatus(500)}, true, "expected 200 OK, got: 500 Internal Server Error"},
		{"token timeout", []authtest.OIDCOption{authtest.WithTokenDelay(time.Hour)}, true, "Client.Timeout exceeded"}, // answers only when the client gives up
		{"token form-encoded", []authtest.OIDCOption{authtest.WithTokenResponse(200, "application/x-www-form-urlencoded", "access_token=x")}, true, "not JSON"},
		{"userinfo not JSON", []authtest.OIDCOption{authtest.WithUserinfoBody("not json")}, false, "userinfo: answer is not JSON"},
		{"userinfo JSON array", []authtest.OIDCOption{authtest.WithUserinfoBody("[]")}, false, "userinfo: answer is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := authtest.NewOIDCProvider(t, tt.opts...)
			cfg := oidcTestConfig(idp)
			// Short enough for the test, long enough for discovery on a
			// loaded machine. The token endpoint of the timeout case
			// never answers, so only this timeout can end the sign-in:
			// the error says it did, no stopwatch needed.
			cfg.Timeout = 2 * time.Second
			if !tt.idToken {
				cfg = OAuthConfig{ID: "plain", ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(), Timeout: cfg.Timeout,
					AuthorizationURL: idp.AuthorizationEndpoint(), TokenURL: idp.TokenEndpoint(), UserinfoURL: idp.UserinfoEndpoint(), Scope: "email"}
			}
			_, err := oidcTestSignIn(t, idp, OAuth(cfg), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("sign-in error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOIDCDiscoveryCache(t *testing.T) {
	idp := authtest.NewOIDCProvider(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	cfg := oidcTestConfig(idp)
	cfg.DiscoveryTTL = 10 * time.Minute
	cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	p := OIDC(cfg)

	// Concurrent first use: one fetch.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := p.(nextauth.OAuthProvider).AuthorizationURL(t.Context(), nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect, State: "s", CodeChallenge: "c"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AuthorizationURL() error = %v", err)
		}
	}
	if got := idp.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests after 16 concurrent calls = %d, want 1", got)
	}

	for i := range 3 {
		if _, err := oidcTestSignIn(t, idp, p, nil); err != nil {
			t.Fatalf("sign-in %d error = %v", i, err)
		}
	}
	if got := idp.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests after 3 sign-ins = %d, want 1", got)
	}
	if got := idp.JWKSRequests(); got != 1 {
		t.Errorf("JWKS requests after 3 sign-ins = %d, want 1", got)
	}

	clock.Add(int64(10*time.Minute + time.Second))
	if _, err := oidcTestSignIn(t, idp, p, nil); err != nil {
		t.Fatalf("sign-in after the TTL error = %v", err)
	}
	if got := idp.DiscoveryRequests(); got != 2 {
		t.Errorf("discovery requests after the TTL = %d, want 2", got)
	}
	if got := idp.JWKSRequests(); got != 1 {
		t.Errorf("JWKS requests after the rediscovery = %d, want 1 (same jwks_uri, keys kept)", got)
	}
}

func TestOIDCKeyRotation(t *testing.T) {
	idp := authtest.NewOIDCProvider(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	cfg := oidcTestConfig(idp)
	cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	p := OIDC(cfg)
	if _, err := oidcTestSignIn(t, idp, p, nil); err != nil {
		t.Fatalf("sign-in before rotation = %v", err)
	}
	old := idp.KeyID()
	idp.RotateKey()
	if idp.KeyID() == old {
		t.Fatalf("RotateKey() kept key id %s", old)
	}
	// Within oidcKeyRefetchInterval of the first fetch the key set is not
	// fetched again: the new key is unknown until the interval is over.
	clock.Add(int64(oidcKeyRefetchInterval - time.Second))
	if _, err := oidcTestSignIn(t, idp, p, nil); err == nil || !strings.Contains(err.Error(), "failed to verify signature") {
		t.Fatalf("sign-in with the new key within the interval = %v, want a signature failure", err)
	}
	if got := idp.JWKSRequests(); got != 1 {
		t.Errorf("JWKS requests within the interval = %d, want 1", got)
	}
	clock.Add(int64(time.Second))
	res, err := oidcTestSignIn(t, idp, p, nil)
	if err != nil {
		t.Fatalf("sign-in after rotation and the interval = %v", err)
	}
	if got := idp.JWKSRequests(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2 (refetched for the new kid)", got)
	}
	if got := idp.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests = %d, want 1", got)
	}
	header, _, _ := strings.Cut(res.Account.IDToken, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(header)
	var h struct{ Kid string }
	if err := json.Unmarshal(raw, &h); err != nil || h.Kid != idp.KeyID() {
		t.Errorf("id_token kid = %q (%v), want the new key %q", h.Kid, err, idp.KeyID())
	}
}

func TestOIDCDiscoveryFailure(t *testing.T) {
	idp := authtest.NewOIDCProvider(t)
	var fail atomic.Bool
	fail.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		res, err := http.Get(idp.DiscoveryURL())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		io.Copy(w, res.Body)
	}))
	t.Cleanup(front.Close)
	cfg := oidcTestConfig(idp)
	cfg.WellKnown = front.URL + "/.well-known/openid-configuration"
	p := OIDC(cfg).(nextauth.OAuthProvider)
	req := nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect, State: "s", CodeChallenge: "c"}
	if _, err := p.AuthorizationURL(t.Context(), req); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("AuthorizationURL() with discovery down = %v, want a 503 error", err)
	}
	if _, err := p.Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, State: "s", Params: map[string]string{"code": "c", "state": "s"}}); err == nil {
		t.Errorf("Exchange() with discovery down = nil error, want one")
	}
	fail.Store(false)
	if _, err := p.AuthorizationURL(t.Context(), req); err != nil {
		t.Errorf("AuthorizationURL() after discovery recovered = %v, want success (failures are not cached)", err)
	}

	redirect := newOAuthTestServer(t, http.StatusFound, "text/plain", "")
	cfg.WellKnown = redirect.URL
	if _, err := OIDC(cfg).(nextauth.OAuthProvider).AuthorizationURL(t.Context(), req); err == nil || !strings.Contains(err.Error(), "302 Found") {
		t.Errorf("AuthorizationURL() with a redirecting discovery URL = %v, want a 302 error (redirects are not followed)", err)
	}

	notJSON := newOAuthTestServer(t, 200, "application/json", "[1]")
	cfg.WellKnown = notJSON.URL
	if _, err := OIDC(cfg).(nextauth.OAuthProvider).AuthorizationURL(t.Context(), req); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("AuthorizationURL() with a non-object discovery document = %v, want an error", err)
	}
}

// oidcTestRewrite sends requests for host to target instead (query kept).
type oidcTestRewrite struct {
	host   string
	target *url.URL
}

func (r oidcTestRewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.host {
		req = req.Clone(req.Context())
		u := *r.target
		u.RawQuery = req.URL.RawQuery
		req.URL, req.Host = &u, ""
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestOIDCMicrosoftMultiTenant(t *testing.T) {
	const tid = "9188040d-6c67-4c5b-b112-36a304b66dad"
	var idp *authtest.OIDCProvider
	idp = authtest.NewOIDCProvider(t,
		authtest.WithDiscoveryMutator(func(doc map[string]any) { doc["issuer"] = idp.Issuer() + "/{tenantid}/v2.0" }),
		authtest.WithIDTokenMutator(func(c map[string]any) {
			c["tid"] = tid
			c["iss"] = idp.Issuer() + "/" + tid + "/v2.0"
		}),
	)
	target, _ := url.Parse(idp.DiscoveryURL())
	client := &http.Client{Transport: oidcTestRewrite{host: "login.microsoftonline.com", target: target}}
	cfg := oidcTestConfig(idp)
	cfg.Issuer = ""
	cfg.HTTPClient = client

	cfg.WellKnown = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration?appid=" + idp.ClientID()
	if _, err := oidcTestSignIn(t, idp, OIDC(cfg), nil); err != nil {
		t.Errorf("multi-tenant sign-in = %v, want {tenantid} replaced by tid", err)
	}

	cfg.WellKnown = "https://login.microsoftonline.com/" + tid + "/v2.0/.well-known/openid-configuration"
	if _, err := oidcTestSignIn(t, idp, OIDC(cfg), nil); err == nil || !strings.Contains(err.Error(), "unexpected iss") {
		t.Errorf("single-tenant URL with a {tenantid} issuer = %v, want an iss error", err)
	}
}

func TestOIDCCheckClaims(t *testing.T) {
	const now = 1_700_000_000
	m := &oauthMetadata{issuer: "https://idp.example"}
	valid := func() map[string]any {
		return map[string]any{"iss": "https://idp.example", "sub": "u", "aud": "cid", "exp": float64(now + 60), "iat": float64(now), "nonce": "n"}
	}
	tests := []struct {
		name   string
		change func(map[string]any)
		meta   *oauthMetadata
		want   string
	}{
		{"valid", func(map[string]any) {}, m, ""},
		{"aud array with azp", func(c map[string]any) { c["aud"] = []any{"cid", "x"}; c["azp"] = "cid" }, m, ""},
		{"exp at tolerance edge", func(c map[string]any) { c["exp"] = float64(now - 10) }, m, "JWT expired"},
		{"exp inside tolerance", func(c map[string]any) { c["exp"] = float64(now - 9) }, m, ""},
		{"nbf at edge", func(c map[string]any) { c["nbf"] = float64(now + 10) }, m, ""},
		{"nbf past edge", func(c map[string]any) { c["nbf"] = float64(now + 11) }, m, "not active yet"},
		{"exp string", func(c map[string]any) { c["exp"] = "soon" }, m, "numeric"},
		{"iss number", func(c map[string]any) { c["iss"] = float64(1) }, m, "iss claim must be a string"},
		{"sub missing", func(c map[string]any) { delete(c, "sub") }, m, "sub"},
		{"aud number", func(c map[string]any) { c["aud"] = float64(1) }, m, "aud claim"},
		{"aud other", func(c map[string]any) { c["aud"] = []any{"x"} }, m, "aud is missing the client_id"},
		{"nonce missing", func(c map[string]any) { delete(c, "nonce") }, m, "nonce mismatch"},
		{"nonce not string", func(c map[string]any) { c["nonce"] = float64(1) }, m, "nonce mismatch"},
		{"no issuer configured", func(map[string]any) {}, &oauthMetadata{}, "issuer must be configured"},
		{"tenant substitution", func(c map[string]any) { c["iss"] = "https://login.example/t1/v2.0"; c["tid"] = "t1" },
			&oauthMetadata{issuer: "https://login.example/{tenantid}/v2.0", microsoftTenant: true}, ""},
		{"tenant without tid", func(c map[string]any) { c["iss"] = "https://login.example/t1/v2.0" },
			&oauthMetadata{issuer: "https://login.example/{tenantid}/v2.0", microsoftTenant: true}, "unexpected iss"},
		{"tenant rule off", func(c map[string]any) { c["iss"] = "https://login.example/t1/v2.0"; c["tid"] = "t1" },
			&oauthMetadata{issuer: "https://login.example/{tenantid}/v2.0"}, "unexpected iss"},
		{"at_hash ok", func(c map[string]any) { c["at_hash"] = oidcTestAtHash("at") }, m, ""},
		{"at_hash wrong", func(c map[string]any) { c["at_hash"] = oidcTestAtHash("other") }, m, "at_hash mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(c)
			err := oidcCheckClaims(c, tt.meta, "cid", now, oidcIDTokenCheck{nonce: "n", accessToken: "at"}, "RS256")
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("oidcCheckClaims(%v) = %v, want nil", c, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("oidcCheckClaims(%v) = %v, want an error containing %q", c, err, tt.want)
			}
		})
	}
}

func oidcTestAtHash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// FuzzOIDCCheckClaims runs the id_token claim rules on arbitrary JSON
// payloads: no panic, and an accepted payload has the issuer, the client
// in aud, a live exp and the nonce.
func FuzzOIDCCheckClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://idp.example","sub":"u","aud":"cid","exp":1700000060,"iat":1700000000,"nonce":"n"}`,
		`{"iss":"https://idp.example","sub":"u","aud":["cid","x"],"azp":"cid","exp":1e300,"iat":0,"nonce":"n","nbf":-1}`,
		`{"aud":[1,null,{}],"exp":"x"}`, `[]`, `null`, `{"nonce":null}`,
	} {
		f.Add([]byte(s))
	}
	const now = 1_700_000_000
	m := &oauthMetadata{issuer: "https://idp.example"}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var claims map[string]any
		if json.Unmarshal(payload, &claims) != nil {
			return
		}
		if err := oidcCheckClaims(claims, m, "cid", now, oidcIDTokenCheck{nonce: "n", accessToken: "at"}, "RS256"); err != nil {
			return
		}
		exp, _ := claims["exp"].(float64)
		if claims["iss"] != m.issuer || claims["nonce"] != "n" || exp <= now-oidcClockTolerance {
			t.Errorf("oidcCheckClaims accepted %s", payload)
		}
		switch aud := claims["aud"].(type) {
		case string:
			if aud != "cid" {
				t.Errorf("oidcCheckClaims accepted aud %q", aud)
			}
		case []any:
			found := false
			for _, a := range aud {
				found = found || a == "cid"
			}
			if !found || len(aud) > 1 && claims["azp"] != "cid" {
				t.Errorf("oidcCheckClaims accepted aud %v, azp %v", aud, claims["azp"])
			}
		default:
			t.Errorf("oidcCheckClaims accepted aud %v", aud)
		}
	})
}

func TestOIDCHMACKeys(t *testing.T) {
	sign := func(alg, secret, payload string) string {
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `"}`))
		in := head + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
		return in + "." + base64.RawURLEncoding.EncodeToString(oidcTestHMAC(alg, secret, in))
	}
	k := oidcHMACKeys{secret: []byte("short"), alg: "HS256"}
	good := sign("HS256", "short", `{"a":1}`)
	if got, err := k.VerifySignature(t.Context(), good); err != nil || string(got) != `{"a":1}` {
		t.Errorf("VerifySignature(good) = %q, %v; want the payload", got, err)
	}
	for name, jwt := range map[string]string{
		"other secret": sign("HS256", "other", `{"a":1}`),
		"other alg":    sign("HS512", "short", `{"a":1}`),
		"two parts":    "a.b",
		"bad base64":   "!!.!!.!!",
		"altered":      strings.Replace(good, ".", ".e30", 1),
	} {
		if _, err := k.VerifySignature(t.Context(), jwt); err == nil {
			t.Errorf("VerifySignature(%s) = nil error, want one", name)
		}
	}
}

func oidcTestHMAC(alg, secret, in string) []byte {
	h := oidcHashFor(alg)
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(in))
	return mac.Sum(nil)
}

func TestOAuthRefreshToken(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		oidc    bool
		scope   string
		wantIDT bool
	}{
		{"oidc basic", AuthClientSecretBasic, true, "openid email offline_access", true},
		{"oidc post", AuthClientSecretPost, true, "openid email offline_access", true},
		{"plain oauth", AuthClientSecretBasic, false, "email offline_access", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := authtest.NewOIDCProvider(t, authtest.WithAuthMethod(tt.method))
			cfg := oidcTestConfig(idp)
			cfg.Scope, cfg.Checks = tt.scope, []string{"state", "nonce"}
			if !tt.oidc {
				cfg = OAuthConfig{ID: "plain", ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(), Scope: tt.scope,
					AuthorizationURL: idp.AuthorizationEndpoint(), TokenURL: idp.TokenEndpoint(), UserinfoURL: idp.UserinfoEndpoint()}
			}
			p := OAuth(cfg)
			res, err := oidcTestSignIn(t, idp, p, nil)
			if err != nil {
				t.Fatalf("sign-in error = %v", err)
			}
			first := res.Account
			if first.RefreshToken == "" {
				t.Fatalf("account = %+v, want a refresh token for offline_access", first)
			}
			tr, ok := p.(nextauth.TokenRefresher)
			if !ok {
				t.Fatalf("%T is not a TokenRefresher", p)
			}
			got, err := tr.RefreshToken(t.Context(), first.RefreshToken)
			if err != nil {
				t.Fatalf("RefreshToken() error = %v", err)
			}
			if got.AccessToken == "" || got.AccessToken == first.AccessToken || got.RefreshToken == "" || got.RefreshToken == first.RefreshToken ||
				got.ExpiresAt < time.Now().Unix()+3000 || got.Provider != cfg.ID || (got.IDToken != "") != tt.wantIDT {
				t.Errorf("RefreshToken() = %+v, want new access and refresh tokens, a future expires_at, id_token %v", got, tt.wantIDT)
			}
			if _, err := tr.RefreshToken(t.Context(), first.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Errorf("RefreshToken(rotated token) = %v, want invalid_grant", err)
			}
			if _, err := tr.RefreshToken(t.Context(), got.RefreshToken); err != nil {
				t.Errorf("RefreshToken(new token) = %v, want success", err)
			}
		})
	}

	t.Run("refreshed id_token validated", func(t *testing.T) {
		// Only the refreshed id_token lacks a nonce: it alone gets a foreign aud.
		idp := authtest.NewOIDCProvider(t, authtest.WithIDTokenMutator(func(c map[string]any) {
			if _, ok := c["nonce"]; !ok {
				c["aud"] = "someone-else"
			}
		}))
		cfg := oidcTestConfig(idp)
		cfg.Scope, cfg.Checks = "openid offline_access", []string{"nonce"}
		p := OIDC(cfg)
		res, err := oidcTestSignIn(t, idp, p, nil)
		if err != nil {
			t.Fatalf("sign-in error = %v", err)
		}
		if _, err := p.(nextauth.TokenRefresher).RefreshToken(t.Context(), res.Account.RefreshToken); err == nil || !strings.Contains(err.Error(), "audience") {
			t.Errorf("RefreshToken() with a foreign aud = %v, want an audience error", err)
		}
	})

	if _, err := OAuth(OAuthConfig{ID: "x", ClientID: "id", TokenURL: "https://a.example/t"}).(nextauth.TokenRefresher).RefreshToken(t.Context(), ""); err == nil {
		t.Errorf("RefreshToken(\"\") = nil error, want one")
	}
}
