package nextauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

// checkCookieNames are the OAuth check cookies of the test handler.
var checkCookieNames = []string{"next-auth.state", "next-auth.pkce.code_verifier", "next-auth.nonce"}

// startCorpSignIn posts /signin/corp and returns the authorization URL.
func startCorpSignIn(t *testing.T, c *client, op *authtest.OIDCProvider) *url.URL {
	t.Helper()
	w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/home"}, "json": {"true"}})
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.URL, op.AuthorizationEndpoint()) {
		t.Fatalf("POST /signin/corp = %d %s", w.Code, w.Body)
	}
	u, err := url.Parse(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// forgedIDToken is an RS256 id_token for op's client signed with key under
// key id kid, which op does not publish.
func forgedIDToken(t *testing.T, op *authtest.OIDCProvider, key *rsa.PrivateKey, kid, nonce string, now time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := json.Marshal(map[string]any{
		"iss": op.Issuer(), "sub": "victim", "aud": op.ClientID(), "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "email": "victim@example.com",
	})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// clearedCookies are the names a response deletes (Max-Age=0).
func clearedCookies(t *testing.T, w *httptest.ResponseRecorder) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, sc := range w.Result().Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(sc)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", sc, err)
		}
		if c.MaxAge < 0 && c.Value == "" {
			out[c.Name] = true
		}
	}
	return out
}

// TestOIDCForgedKeyIDsFetchKeysOnce replays one sign-in's check cookies on
// 30 callbacks, each carrying an id_token signed with a key id the
// provider never published: the provider's key set is fetched once, not
// 30 times. A real key rotation is still followed once the refetch
// interval (30 s) is over.
func TestOIDCForgedKeyIDsFetchKeysOnce(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-1", "ann@example.com", "Ann"))
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = now
		c.Providers = append(c.Providers, provider.OIDC(provider.OAuthConfig{
			ID: "corp", Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
			Checks: []string{"state", "pkce", "nonce"}, Now: now,
		}))
	})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	attacker := newClient(t, h)
	auth := startCorpSignIn(t, attacker, op)
	cookies := attacker.cookieHeader()
	state, nonce := auth.Query().Get("state"), auth.Query().Get("nonce")
	for i := range 30 {
		q := url.Values{"code": {"bogus"}, "state": {state},
			"id_token": {forgedIDToken(t, op, key, "forged-"+strconv.Itoa(i), nonce, now())}}
		r := httptest.NewRequest(http.MethodGet, "/api/auth/callback/corp?"+q.Encode(), nil)
		r.Header.Set("Cookie", cookies) // replayed, whatever the last answer said
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if loc := w.Header().Get("Location"); loc != "http://localhost:3111/api/auth/error?error=OAuthCallback" {
			t.Fatalf("forged callback %d = %d %q, want the OAuthCallback error", i, w.Code, loc)
		}
	}
	if got := op.JWKSRequests(); got != 1 {
		t.Errorf("key set fetches after 30 forged callbacks = %d, want 1", got)
	}
	if got := op.TokenRequests(); got != 0 {
		t.Errorf("token requests after 30 forged callbacks = %d, want 0", got)
	}

	// The cached keys still serve real sign-ins.
	if got := oauthRoundTrip(t, newClient(t, h), op); got != "http://localhost:3111/home" {
		t.Fatalf("sign-in after the attack = %q", got)
	}
	if got := op.JWKSRequests(); got != 1 {
		t.Errorf("key set fetches after a sign-in with a known key = %d, want 1", got)
	}

	// A rotation is followed once the interval is over.
	op.RotateKey()
	clock.Add(int64(29 * time.Second))
	if got := oauthRoundTrip(t, newClient(t, h), op); got != "http://localhost:3111/api/auth/error?error=OAuthCallback" {
		t.Errorf("sign-in with the new key 29 s after the last fetch = %q, want the OAuthCallback error", got)
	}
	if got := op.JWKSRequests(); got != 1 {
		t.Errorf("key set fetches within the interval = %d, want 1", got)
	}
	clock.Add(int64(time.Second))
	if got := oauthRoundTrip(t, newClient(t, h), op); got != "http://localhost:3111/home" {
		t.Errorf("sign-in with the new key 30 s after the last fetch = %q, want /home", got)
	}
	if got := op.JWKSRequests(); got != 2 {
		t.Errorf("key set fetches after the rotation = %d, want 2", got)
	}
}

// TestOAuthFailedCallbackClearsCheckCookies: a callback that fails once the
// check cookies were read deletes them (Max-Age=0), so that the browser
// does not keep a state, verifier or nonce for another try.
func TestOAuthFailedCallbackClearsCheckCookies(t *testing.T) {
	const failed = "http://localhost:3111/api/auth/error?error=OAuthCallback"
	tests := []struct {
		name string
		opts []authtest.OIDCOption
		// callback makes the callback's query from the authorization URL
		// (nil: log in at the provider).
		callback func(t *testing.T, op *authtest.OIDCProvider, auth *url.URL) string
		drop     string // a check cookie the browser lost
		want     []string
	}{
		{"state mismatch", nil, func(_ *testing.T, _ *authtest.OIDCProvider, _ *url.URL) string {
			return "code=abc&state=not-the-state"
		}, "", checkCookieNames},
		{"pkce cookie missing", nil, nil, "next-auth.pkce.code_verifier", []string{"next-auth.state", "next-auth.nonce"}},
		{"token endpoint fails", []authtest.OIDCOption{authtest.WithTokenStatus(500)}, nil, "", checkCookieNames},
		{"wrong nonce", []authtest.OIDCOption{authtest.WithIDTokenMutator(func(c map[string]any) { c["nonce"] = "other" })}, nil, "", checkCookieNames},
		{"forged id_token", nil, func(t *testing.T, op *authtest.OIDCProvider, auth *url.URL) string {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			return url.Values{"code": {"abc"}, "state": {auth.Query().Get("state")},
				"id_token": {forgedIDToken(t, op, key, "forged", auth.Query().Get("nonce"), time.Now())}}.Encode()
		}, "", checkCookieNames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := authtest.NewOIDCProvider(t, tt.opts...)
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = append(c.Providers, corpProvider(op, []string{"state", "pkce", "nonce"}, ""))
			})
			c := newClient(t, h)
			auth := startCorpSignIn(t, c, op)
			for _, n := range checkCookieNames {
				if c.jar[n] == "" {
					t.Fatalf("no %s cookie after POST /signin/corp", n)
				}
			}
			var query string
			if tt.callback != nil {
				query = tt.callback(t, op, auth)
			} else {
				query = op.Login(t, auth.String()).RawQuery
			}
			delete(c.jar, tt.drop)
			w := c.get("/api/auth/callback/corp?" + query)
			if loc := w.Header().Get("Location"); loc != failed {
				t.Fatalf("callback = %d %q, want %s", w.Code, loc, failed)
			}
			got := clearedCookies(t, w)
			for _, n := range checkCookieNames {
				if want := contains(tt.want, n); got[n] != want {
					t.Errorf("%s deleted = %v, want %v (Set-Cookie %q)", n, got[n], want, w.Result().Header.Values("Set-Cookie"))
				}
			}
			for _, n := range tt.want {
				if _, ok := c.jar[n]; ok {
					t.Errorf("the browser still holds %s", n)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestOAuthProviderErrorsDoNotLogCheckValues: a provider whose error quotes
// the check values it was given (a custom one, or an authorization server's
// error_description) does not get them into the log; the error stays
// recognisable (errors.Is) for the handler.
func TestOAuthProviderErrorsDoNotLogCheckValues(t *testing.T) {
	for _, profileErr := range []bool{false, true} {
		t.Run(fmt.Sprintf("ErrProfile=%v", profileErr), func(t *testing.T) {
			logs := &lockedBuffer{}
			p := &scriptedOAuth{id: "scripted", checks: []string{"state", "pkce", "nonce"}}
			p.result = func() (*nextauth.OAuthResult, error) {
				r := p.lastCB
				sum := sha256.Sum256([]byte(r.CodeVerifier))
				err := fmt.Errorf("invalid_grant: state %s, code_verifier %s (challenge %s), nonce %s", r.State, r.CodeVerifier,
					base64.RawURLEncoding.EncodeToString(sum[:]), r.Nonce)
				if profileErr {
					err = fmt.Errorf("%w: %w", nextauth.ErrProfile, err)
				}
				return nil, err
			}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
				c.Providers = append(c.Providers, p)
			})
			c := newClient(t, h)
			startOAuth(t, c, "scripted")
			a := p.lastAuth
			w := c.get("/api/auth/callback/scripted?code=abc&state=" + url.QueryEscape(a.State))
			want := "http://localhost:3111/api/auth/error?error=OAuthCallback"
			if profileErr {
				want = "http://localhost:3111/api/auth/signin"
			}
			if loc := w.Header().Get("Location"); loc != want {
				t.Fatalf("callback = %d %q, want %s", w.Code, loc, want)
			}
			out := logs.String()
			if !strings.Contains(out, "invalid_grant: state [check value]") {
				t.Errorf("log = %s, want the provider's error with its check values cut out", out)
			}
			for _, v := range []string{a.State, p.lastCB.CodeVerifier, a.CodeChallenge, a.Nonce} {
				if v == "" || strings.Contains(out, v) {
					t.Errorf("log holds check value %.12q… (or it is empty)", v)
				}
			}
		})
	}
}
