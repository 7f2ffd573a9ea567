package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// The expected authorization URLs below were produced by the real
// openid-client 5.7.1 (client.authorizationUrl) on the parameters
// NextAuth 4.24.15 assembles, and next-auth's parseProviders for the
// string-endpoint case.

const oauthTestRedirect = "http://localhost:3111/api/auth/callback/x"

func TestOAuthAuthorizationURLMatchesOpenIDClient(t *testing.T) {
	tests := []struct {
		name     string
		cfg      OAuthConfig
		endpoint string // a discovered endpoint (its query is kept); "" = cfg.AuthorizationURL
		req      nextauth.AuthorizationRequest
		want     string
	}{
		{
			name: "github",
			cfg:  OAuthConfig{AuthorizationURL: "https://github.com/login/oauth/authorize", Scope: "read:user user:email"},
			req:  nextauth.AuthorizationRequest{Params: [][2]string{{"login", "abc"}}, State: "S"},
			want: "https://github.com/login/oauth/authorize?client_id=id&scope=read%3Auser%20user%3Aemail&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx&login=abc&state=S",
		},
		{
			name:     "endpoint query kept, host lower-cased, default port dropped, WHATWG escaping",
			cfg:      OAuthConfig{AuthorizationParams: map[string]string{"scope": ""}},
			endpoint: "https://Example.COM:443/a/b?foo=1&client_id=zzz&foo=2&x=a+b%20c",
			req:      nextauth.AuthorizationRequest{Params: [][2]string{{"weird", "A-Z*-._~!'()/:?#[]@ +&=é😀"}}, State: "s"},
			want:     "https://example.com/a/b?foo=1&client_id=id&foo=2&x=a%20b%20c&scope=&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx&weird=A-Z*-._%7E%21%27%28%29%2F%3A%3F%23%5B%5D%40%20%2B%26%3D%C3%A9%F0%9F%98%80&state=s",
		},
		{
			name: "request params override defaults in place; checks last",
			cfg:  OAuthConfig{AuthorizationURL: "https://x.example/auth", AuthorizationParamList: [][2]string{{"prompt", "consent"}, {"scope", "openid email"}}},
			req: nextauth.AuthorizationRequest{
				Params:        [][2]string{{"response_type", "code id_token"}, {"redirect_uri", "http://a/b"}, {"scope", "x y"}},
				CodeChallenge: "c", Nonce: "n",
			},
			want: "https://x.example/auth?client_id=id&scope=x%20y&response_type=code%20id_token&redirect_uri=http%3A%2F%2Fa%2Fb&prompt=consent&code_challenge=c&code_challenge_method=S256&nonce=n",
		},
		{
			name:     "bare query name, scope defaults to openid",
			endpoint: "http://127.0.0.1:8080/auth?a",
			want:     "http://127.0.0.1:8080/auth?a=&client_id=id&scope=openid&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx",
		},
		{
			name:     "integer keys first, repeated names joined, resource repeated",
			cfg:      OAuthConfig{AuthorizationParamList: [][2]string{{"audience", "api"}, {"7", "seven"}}},
			endpoint: "https://x.example/auth?resource=old&z=1",
			req: nextauth.AuthorizationRequest{
				Params: [][2]string{{"2", "b"}, {"10", "a"}, {"x", "1"}, {"resource", "r1"}, {"x", "2"}, {"resource", "r2"}, {"01", "lead"}},
				State:  "s", CodeChallenge: "c", Nonce: "n",
			},
			want: "https://x.example/auth?z=1&2=b&7=seven&10=a&client_id=id&scope=openid&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx&audience=api&x=1%2C2&resource=r1&resource=r2&01=lead&state=s&code_challenge=c&code_challenge_method=S256&nonce=n",
		},
		{
			name:     "every + of the href becomes %20, fragment kept",
			endpoint: "https://x.example/a+b/auth#frag",
			req:      nextauth.AuthorizationRequest{Params: [][2]string{{"q", "1+1=2"}}},
			want:     "https://x.example/a%20b/auth?client_id=id&scope=openid&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx&q=1%2B1%3D2#frag",
		},
		{
			name: "string endpoint: query becomes params (last value, first place), user params merged",
			cfg: OAuthConfig{
				AuthorizationURL:    "https://Discord.com:443/api/oauth2/authorize?scope=identify+email&x=1&x=2&empty",
				AuthorizationParams: map[string]string{"prompt": "none"},
			},
			req:  nextauth.AuthorizationRequest{State: "S"},
			want: "https://discord.com/api/oauth2/authorize?client_id=id&scope=identify%20email&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx&x=2&empty=&prompt=none&state=S",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.ID, cfg.ClientID, cfg.Checks = "x", "id", []string{}
			if cfg.AuthorizationURL == "" {
				cfg.AuthorizationURL = "https://unused.example/auth"
			}
			p := newOAuth(cfg, false)
			req := tt.req
			req.RedirectURI = oauthTestRedirect
			var got string
			var err error
			if tt.endpoint != "" {
				got, err = p.buildAuthorizationURL(tt.endpoint, req)
			} else {
				got, err = p.AuthorizationURL(t.Context(), req)
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AuthorizationURL() = %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func TestOAuthAuthorizationURLRequiresCheckValues(t *testing.T) {
	p := OAuth(OAuthConfig{ID: "x", ClientID: "id", AuthorizationURL: "https://x.example/a", Checks: []string{"state", "pkce", "nonce"}}).(nextauth.OAuthProvider)
	full := nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect, State: "s", CodeChallenge: "c", Nonce: "n"}
	if _, err := p.AuthorizationURL(t.Context(), full); err != nil {
		t.Fatalf("AuthorizationURL(all checks) = %v, want nil", err)
	}
	for _, drop := range []func(*nextauth.AuthorizationRequest){
		func(r *nextauth.AuthorizationRequest) { r.State = "" },
		func(r *nextauth.AuthorizationRequest) { r.CodeChallenge = "" },
		func(r *nextauth.AuthorizationRequest) { r.Nonce = "" },
	} {
		req := full
		drop(&req)
		if _, err := p.AuthorizationURL(t.Context(), req); err == nil {
			t.Errorf("AuthorizationURL(%+v) = nil error, want one for the missing check value", req)
		}
	}
}

func TestOAuthNormalisation(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name        string
		cfg         OAuthConfig
		wantIDToken bool
		wantChecks  []string
		wantWK      string // resolved discovery URL, "" = none
	}{
		{"plain oauth", OAuthConfig{AuthorizationURL: "https://a.example/auth", TokenURL: "https://a.example/token"}, false, []string{"state"}, ""},
		{"openid in scope", OAuthConfig{AuthorizationURL: "https://a.example/auth", Scope: "openid profile"}, true, []string{"state"}, ""},
		{"openid in URL query", OAuthConfig{AuthorizationURL: "https://a.example/auth?scope=openid"}, true, []string{"state"}, ""},
		{"explicit false beats scope", OAuthConfig{AuthorizationURL: "https://a.example/auth", Scope: "openid", IDToken: &no}, false, []string{"state"}, ""},
		{"issuer only → discovery", OAuthConfig{Issuer: "https://idp.example/realms/x/"}, true, []string{"state"},
			"https://idp.example/realms/x/.well-known/openid-configuration"},
		{"wellKnown path kept with query", OAuthConfig{WellKnown: "https://login.example/t/v2.0/.well-known/openid-configuration?appid=1"}, true, []string{"state"},
			"https://login.example/t/v2.0/.well-known/openid-configuration?appid=1"},
		// As in v4, the inference reads the configured string.
		{"wellKnown without .well-known", OAuthConfig{WellKnown: "https://idp.example/base"}, false, []string{"state"},
			"https://idp.example/base/.well-known/openid-configuration"},
		{"wellKnown not openid-configuration", OAuthConfig{WellKnown: "https://idp.example/.well-known/oauth-authorization-server"}, false, []string{"state"},
			"https://idp.example/.well-known/oauth-authorization-server"},
		{"explicit true", OAuthConfig{AuthorizationURL: "https://a.example/auth", IDToken: &yes}, true, []string{"state"}, ""},
		{"checks filtered and deduplicated", OAuthConfig{AuthorizationURL: "https://a.example/auth", Checks: []string{"pkce", "none", "state", "pkce"}}, false, []string{"pkce", "state"}, ""},
		{"no checks", OAuthConfig{AuthorizationURL: "https://a.example/auth", Checks: []string{}}, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.ID, cfg.ClientID = "x", "id"
			p := newOAuth(cfg, false)
			if p.err != nil {
				t.Fatalf("OAuth(%+v) error = %v", cfg, p.err)
			}
			if p.idToken != tt.wantIDToken {
				t.Errorf("idToken = %v, want %v", p.idToken, tt.wantIDToken)
			}
			if got := p.Checks(); !reflect.DeepEqual(got, tt.wantChecks) {
				t.Errorf("Checks() = %q, want %q", got, tt.wantChecks)
			}
			var wk string
			if p.discovery != nil {
				wk = p.discovery.url
			}
			if wk != tt.wantWK {
				t.Errorf("discovery URL = %q, want %q", wk, tt.wantWK)
			}
		})
	}
	if p := newOAuth(OAuthConfig{ID: "x", ClientID: "id", AuthorizationURL: "https://a.example/auth"}, true); !p.idToken {
		t.Errorf("OIDC(no discovery).idToken = false, want true")
	}
}

func TestOAuthInfo(t *testing.T) {
	style := &nextauth.ProviderStyle{Bg: "#000"}
	p := OAuth(OAuthConfig{ID: "acme", ClientID: "id", Style: style, AllowDangerousEmailAccountLinking: true}).(nextauth.OAuthProvider)
	if got, want := p.Info(), (nextauth.ProviderInfo{ID: "acme", Name: "acme", Type: nextauth.TypeOAuth, Style: style}); got != want {
		t.Errorf("Info() = %+v, want %+v", got, want)
	}
	if !p.AllowDangerousEmailAccountLinking() {
		t.Errorf("AllowDangerousEmailAccountLinking() = false, want true")
	}
	checks := p.Checks()
	checks[0] = "mutated"
	if got := p.Checks(); got[0] != "state" {
		t.Errorf("Checks() after mutating a returned slice = %q, want [state]", got)
	}
}

func TestOAuthConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  OAuthConfig
		want string
	}{
		{"no id", OAuthConfig{ClientID: "id", AuthorizationURL: "https://a.example/a"}, "needs an ID"},
		{"no client id", OAuthConfig{ID: "x", AuthorizationURL: "https://a.example/a"}, "client_id is required"},
		{"bad URL", OAuthConfig{ID: "x", ClientID: "id", AuthorizationURL: "ftp://a.example/a"}, "authorization URL"},
		{"relative token URL", OAuthConfig{ID: "x", ClientID: "id", TokenURL: "/token"}, "token URL"},
		{"bad auth method", OAuthConfig{ID: "x", ClientID: "id", TokenEndpointAuthMethod: "private_key_jwt"}, "token_endpoint_auth_method"},
		{"bad alg", OAuthConfig{ID: "x", ClientID: "id", IDTokenSigningAlg: "none"}, "signing alg"},
		{"bad discovery URL", OAuthConfig{ID: "x", ClientID: "id", WellKnown: "not a url"}, "discovery URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := OAuth(tt.cfg).(nextauth.OAuthProvider)
			_, err := p.AuthorizationURL(t.Context(), nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect, State: "s"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AuthorizationURL() error = %v, want one containing %q", err, tt.want)
			}
			_, err = p.Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, State: "s", Params: map[string]string{"code": "c", "state": "s"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Exchange() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOAuthFormRoundTrip(t *testing.T) {
	tests := []struct {
		in   [][2]string
		want string
	}{
		{[][2]string{{"a b", "c+d"}}, "a+b=c%2Bd"},
		{[][2]string{{"k", "*-._~!'()"}}, "k=*-._%7E%21%27%28%29"},
		{[][2]string{{"é", "\x00\xff"}}, "%C3%A9=%00%EF%BF%BD"},
		{[][2]string{{"", ""}}, "="},
	}
	for _, tt := range tests {
		if got := oauthFormSerialize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("oauthFormSerialize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	parse := []struct {
		in   string
		want [][2]string
	}{
		{"?a=1&&b&c=%zz&d=%41+%42", [][2]string{{"a", "1"}, {"b", ""}, {"c", "%zz"}, {"d", "A B"}}},
		{"x=%FF", [][2]string{{"x", "\uFFFD"}}},
		// As Node: one U+FFFD for each maximal ill-formed subpart.
		{"x=%FF%FE&y=%E2%82&\xed\xa0\x80", [][2]string{{"x", "\uFFFD\uFFFD"}, {"y", "\uFFFD"}, {"\uFFFD\uFFFD\uFFFD", ""}}},
		{"=v&k==", [][2]string{{"", "v"}, {"k", "="}}},
	}
	for _, tt := range parse {
		if got := oauthFormParse(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("oauthFormParse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzOAuthFormParse checks that parsing an attacker's query never panics
// and that serialising what was parsed parses back to the same pairs.
func FuzzOAuthFormParse(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "%", "%%41", "a+b=c%20d", "&&=&", "\xff=\xfe", "x=%F0%9F%98%80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pairs := oauthFormParse(s)
		again := oauthFormParse(oauthFormSerialize(pairs))
		if len(pairs) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(again, pairs) {
			t.Errorf("oauthFormParse(oauthFormSerialize(%q)) = %q, want %q", pairs, again, pairs)
		}
	})
}

func TestOAuthTokens(t *testing.T) {
	fields := map[string]any{
		"access_token": "at", "token_type": "bearer", "refresh_token": "rt", "id_token": "",
		"scope": []any{"a", "b"}, "expires_in": "3600", "session_state": "ss",
		"refresh_expires_in": float64(1800), "not-before-policy": float64(0),
	}
	got := oauthTokens(fields, 1000)
	want := &Tokens{
		AccessToken: "at", TokenType: "bearer", RefreshToken: "rt", Scope: "a b", ExpiresAt: 4600, SessionState: "ss",
		Extra: map[string]any{"refresh_expires_in": float64(1800), "not-before-policy": float64(0)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("oauthTokens() = %+v, want %+v", got, want)
	}
	for _, tt := range []struct {
		fields map[string]any
		want   int64
	}{
		{map[string]any{"expires_in": 59.9}, 1059},
		{map[string]any{"expires_in": "soon"}, 0},
		{map[string]any{"expires_in": nil}, 0},
		{map[string]any{"expires_at": float64(5)}, 5},
		{map[string]any{}, 0},
	} {
		if got := oauthTokens(tt.fields, 1000).ExpiresAt; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("oauthTokens(%v).ExpiresAt = %d, want %d", tt.fields, got, tt.want)
		}
	}
}

func TestOAuthCheckCallback(t *testing.T) {
	m := &oauthMetadata{issuer: "https://idp.example"}
	mIss := &oauthMetadata{issuer: "https://idp.example", issParameterSupported: true}
	noIssuer := &oauthMetadata{}
	tests := []struct {
		name    string
		checks  []string
		idToken bool
		meta    *oauthMetadata
		params  map[string]string
		state   string
		want    string // "" = ok
	}{
		{"state ok", []string{"state"}, false, m, map[string]string{"code": "c", "state": "s"}, "s", ""},
		{"no checks, no state", []string{}, false, m, map[string]string{"code": "c"}, "", ""},
		{"state sent but check off", []string{}, false, m, map[string]string{"code": "c", "state": "s"}, "", "checks.state argument is missing"},
		{"state missing", []string{"state"}, false, m, map[string]string{"code": "c"}, "s", "state missing from the response"},
		{"state mismatch", []string{"state"}, false, m, map[string]string{"code": "c", "state": "t"}, "s", "state mismatch"},
		{"check on, no cookie value", []string{"state"}, false, m, map[string]string{"code": "c", "state": "s"}, "", "no state value"},
		{"iss ok", []string{}, false, m, map[string]string{"code": "c", "iss": "https://idp.example"}, "", ""},
		{"iss mismatch", []string{}, false, m, map[string]string{"code": "c", "iss": "https://evil.example"}, "", "iss mismatch"},
		{"empty iss is a mismatch", []string{}, false, m, map[string]string{"code": "c", "iss": ""}, "", "iss mismatch"},
		{"iss without issuer", []string{}, false, noIssuer, map[string]string{"code": "c", "iss": "https://idp.example"}, "", "issuer must be configured"},
		{"iss required", []string{}, false, mIss, map[string]string{"code": "c"}, "", "iss missing"},
		{"iss not required with id_token", []string{}, true, mIss, map[string]string{"code": "c", "id_token": "x"}, "", ""},
		{"id_token in oauth callback", []string{}, false, m, map[string]string{"code": "c", "id_token": "x"}, "", "id_token detected"},
		{"JARM", []string{}, false, m, map[string]string{"response": "jwt"}, "", "JARM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOAuth(OAuthConfig{ID: "x", ClientID: "id", Checks: tt.checks, AuthorizationURL: "https://a.example/a"}, false)
			p.idToken = tt.idToken
			err := p.checkCallback(tt.meta, nextauth.CallbackRequest{Params: tt.params, State: tt.state})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkCallback(%v) = %v, want nil", tt.params, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkCallback(%v) = %v, want an error containing %q", tt.params, err, tt.want)
			}
		})
	}
}

// FuzzOAuthCheckCallback feeds attacker-controlled callback parameters to
// the state and iss validation: it must not panic, and whatever passes
// must carry exactly the expected state and, when present, the issuer.
func FuzzOAuthCheckCallback(f *testing.F) {
	f.Add("s", "s", "", false, "")
	f.Add("", "s", "https://idp.example", true, "")
	f.Add("s\x00", "s", "https://idp.example/", false, "tok")
	f.Fuzz(func(t *testing.T, gotState, wantState, iss string, sendIss bool, idToken string) {
		checks := []string{}
		if wantState != "" {
			checks = []string{"state"}
		}
		p := newOAuth(OAuthConfig{ID: "x", ClientID: "id", Checks: checks, AuthorizationURL: "https://a.example/a"}, false)
		params := map[string]string{"code": "c"}
		if gotState != "" {
			params["state"] = gotState
		}
		if sendIss {
			params["iss"] = iss
		}
		if idToken != "" {
			params["id_token"] = idToken
		}
		m := &oauthMetadata{issuer: "https://idp.example", issParameterSupported: true}
		err := p.checkCallback(m, nextauth.CallbackRequest{Params: params, State: wantState})
		if err != nil {
			return
		}
		if gotState != wantState {
			t.Errorf("checkCallback accepted state %q, want %q", gotState, wantState)
		}
		if !sendIss || iss != m.issuer {
			t.Errorf("checkCallback accepted iss %q (sent %v), want %q", iss, sendIss, m.issuer)
		}
		if idToken != "" {
			t.Errorf("checkCallback accepted an id_token in a plain OAuth callback")
		}
	})
}

// oauthTestServer records the last request of a fake endpoint and answers
// status, contentType and body.
type oauthTestServer struct {
	*httptest.Server
	mu   sync.Mutex
	req  *http.Request
	body string
}

func newOAuthTestServer(t *testing.T, status int, contentType, body string) *oauthTestServer {
	s := &oauthTestServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.req, s.body = r, string(b)
		s.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *oauthTestServer) last() (*http.Request, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.req, s.body
}

func TestOAuthTokenRequestWire(t *testing.T) {
	const secret = "s3cr:t %~!*'()é"
	tests := []struct {
		name       string
		method     string
		checks     []string
		extra      map[string]string
		wantAuth   string
		wantBody   string
		wantAccept string
	}{
		{
			name: "basic", method: "", checks: []string{"state"},
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("my+client:s3cr%3At+%25~!*'()%C3%A9")),
			wantBody: "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx",
		},
		{
			name: "post with pkce and extra params", method: AuthClientSecretPost, checks: []string{"pkce"}, extra: map[string]string{"b": "2", "a": "1"},
			wantBody: "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx" +
				"&code_verifier=verifier&a=1&b=2&client_id=my+client&client_secret=s3cr%3At+%25%7E%21*%27%28%29%C3%A9",
		},
		{
			name: "none", method: AuthNone, checks: []string{"pkce"},
			wantBody: "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2Flocalhost%3A3111%2Fapi%2Fauth%2Fcallback%2Fx" +
				"&code_verifier=verifier&client_id=my+client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := newOAuthTestServer(t, 200, "application/json", `{"access_token":"at","token_type":"bearer"}`)
			ui := newOAuthTestServer(t, 200, "application/json", `{"id":42,"email":"A@B.example"}`)
			p := OAuth(OAuthConfig{
				ID: "x", ClientID: "my client", ClientSecret: secret, Checks: tt.checks,
				AuthorizationURL: "https://a.example/auth", TokenURL: tok.URL + "/token?dropped=1", UserinfoURL: ui.URL + "/me?fields=a,b",
				TokenEndpointAuthMethod: tt.method, ExtraTokenParams: tt.extra,
			}).(nextauth.OAuthProvider)
			req := nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, Params: map[string]string{"code": "the code"}}
			if len(tt.checks) > 0 && tt.checks[0] == "state" {
				req.State, req.Params["state"] = "st", "st"
			} else {
				req.CodeVerifier = "verifier"
			}
			res, err := p.Exchange(t.Context(), req)
			if err != nil {
				t.Fatalf("Exchange() error = %v", err)
			}
			r, body := tok.last()
			if got := r.Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("token Authorization = %q, want %q", got, tt.wantAuth)
			}
			if body != tt.wantBody {
				t.Errorf("token body = %q\nwant %q", body, tt.wantBody)
			}
			if r.URL.RawQuery != "" || r.Method != http.MethodPost {
				t.Errorf("token request = %s ?%s, want POST without query", r.Method, r.URL.RawQuery)
			}
			if got := r.Header.Get("Content-Type") + "|" + r.Header.Get("Accept"); got != "application/x-www-form-urlencoded|application/json" {
				t.Errorf("token Content-Type|Accept = %q", got)
			}
			r, _ = ui.last()
			if got := r.Header.Get("Authorization"); got != "bearer at" {
				t.Errorf("userinfo Authorization = %q, want the raw token_type %q", got, "bearer at")
			}
			if r.URL.RawQuery != "fields=a%2Cb" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("userinfo query, Accept = %q, %q; want fields=a%%2Cb, application/json", r.URL.RawQuery, r.Header.Get("Accept"))
			}
			if res.User.ID != "42" || res.User.Email != nextauth.String("a@b.example") || res.Account.ProviderAccountID != "42" {
				t.Errorf("Exchange() user = %+v, account = %+v; want id 42, email a@b.example", res.User, res.Account)
			}
		})
	}
}

func TestOAuthTokenResponseErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string
	}{
		{"500 text", 500, "text/plain", "boom", "expected 200 OK, got: 500 Internal Server Error"},
		{"400 oauth error", 400, "application/json", `{"error":"invalid_grant","error_description":"code expired"}`, "invalid_grant (400 Bad Request): code expired"},
		{"201", 201, "application/json", `{"access_token":"at"}`, "expected 200 OK, got: 201 Created"},
		{"form body", 200, "application/x-www-form-urlencoded", "access_token=at&token_type=bearer", "not JSON"},
		{"array", 200, "application/json", `["at"]`, "not JSON"},
		{"null", 200, "application/json", `null`, "not a JSON object"},
		{"trailing data", 200, "application/json", `{"access_token":"at"} {}`, "data after"},
		{"id_token in oauth flow", 200, "application/json", `{"access_token":"at","id_token":"x.y.z"}`, "id_token detected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := newOAuthTestServer(t, tt.status, tt.contentType, tt.body)
			p := OAuth(OAuthConfig{ID: "x", ClientID: "id", Checks: []string{}, AuthorizationURL: "https://a.example/a", TokenURL: tok.URL, UserinfoURL: tok.URL}).(nextauth.OAuthProvider)
			_, err := p.Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, Params: map[string]string{"code": "c"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Exchange() error = %v, want one containing %q", err, tt.want)
			}
			if errors.Is(err, nextauth.ErrProfile) {
				t.Errorf("Exchange() error %v is ErrProfile, want an OAuthCallback failure", err)
			}
		})
	}
}

func TestOAuthUserinfoErrors(t *testing.T) {
	tests := []struct {
		name   string
		tokens string
		status int
		body   string
		want   string
	}{
		{"non-JSON", `{"access_token":"at"}`, 200, "not json", "not JSON"},
		{"401", `{"access_token":"at"}`, 401, `{"error":"invalid_token"}`, "invalid_token (401 Unauthorized)"},
		{"no access token", `{"token_type":"bearer"}`, 200, `{"id":"1"}`, "access_token not present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := newOAuthTestServer(t, 200, "application/json", tt.tokens)
			ui := newOAuthTestServer(t, tt.status, "application/json", tt.body)
			p := OAuth(OAuthConfig{ID: "x", ClientID: "id", Checks: []string{}, AuthorizationURL: "https://a.example/a", TokenURL: tok.URL, UserinfoURL: ui.URL}).(nextauth.OAuthProvider)
			_, err := p.Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, Params: map[string]string{"code": "c"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Exchange() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOAuthProfileMapping(t *testing.T) {
	tok := newOAuthTestServer(t, 200, "application/json", `{"access_token":"at","token_type":"Bearer","expires_in":60,"scope":"read"}`)
	ui := newOAuthTestServer(t, 200, "application/json", `{"id":12345678901,"name":"Ann","email":"Ann@Example.COM","image":"https://img.example/a"}`)
	now := time.Unix(1_700_000_000, 900_000_000)
	base := OAuthConfig{ID: "x", Name: "Example", ClientID: "id", Checks: []string{}, AuthorizationURL: "https://a.example/a",
		TokenURL: tok.URL, UserinfoURL: ui.URL, Now: func() time.Time { return now }}
	exchange := func(cfg OAuthConfig) (*nextauth.OAuthResult, error) {
		return OAuth(cfg).(nextauth.OAuthProvider).Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: oauthTestRedirect, Params: map[string]string{"code": "c"}})
	}

	res, err := exchange(base)
	if err != nil {
		t.Fatalf("Exchange() error = %v", err)
	}
	wantUser := nextauth.User{ID: "12345678901", Name: nextauth.String("Ann"), Email: nextauth.String("ann@example.com"), Image: nextauth.String("https://img.example/a")}
	if !reflect.DeepEqual(res.User, wantUser) {
		t.Errorf("default profile = %+v, want %+v", res.User, wantUser)
	}
	wantAccount := nextauth.Account{Type: "oauth", Provider: "x", ProviderAccountID: "12345678901", AccessToken: "at", TokenType: "Bearer", Scope: "read", ExpiresAt: 1_700_000_060}
	if res.Account != wantAccount {
		t.Errorf("account = %+v, want %+v", res.Account, wantAccount)
	}
	if res.Profile["name"] != "Ann" {
		t.Errorf("raw profile = %v, want the userinfo answer", res.Profile)
	}

	custom := base
	custom.UserinfoRequest = func(_ context.Context, c *http.Client, tokens Tokens) (map[string]any, error) {
		if c == nil || tokens.AccessToken != "at" {
			t.Errorf("UserinfoRequest(client %v, tokens %+v), want a client and the tokens", c, tokens)
		}
		return map[string]any{"login": "octo"}, nil
	}
	custom.Profile = func(raw map[string]any, tokens Tokens) (nextauth.User, error) {
		return nextauth.User{ID: raw["login"].(string) + "-" + tokens.Scope, Email: nextauth.String("MiXeD@X.example")}, nil
	}
	res, err = exchange(custom)
	if err != nil || res.User.ID != "octo-read" || res.User.Email != nextauth.String("mixed@x.example") {
		t.Errorf("custom profile = %+v, %v; want id octo-read, email mixed@x.example", res, err)
	}

	for name, profile := range map[string]func(map[string]any, Tokens) (nextauth.User, error){
		"no id": func(map[string]any, Tokens) (nextauth.User, error) {
			return nextauth.User{Name: nextauth.String("x")}, nil
		},
		"error": func(map[string]any, Tokens) (nextauth.User, error) { return nextauth.User{}, errors.New("boom") },
	} {
		cfg := base
		cfg.Profile = profile
		if _, err := exchange(cfg); !errors.Is(err, nextauth.ErrProfile) {
			t.Errorf("Exchange(profile %s) error = %v, want ErrProfile", name, err)
		}
	}

	failing := base
	failing.UserinfoRequest = func(context.Context, *http.Client, Tokens) (map[string]any, error) { return nil, errors.New("down") }
	if _, err := exchange(failing); err == nil || errors.Is(err, nextauth.ErrProfile) {
		t.Errorf("Exchange(failing UserinfoRequest) error = %v, want a non-profile error", err)
	}
}

func TestOAuthCallbackErrorParam(t *testing.T) {
	p := OAuth(OAuthConfig{ID: "x", ClientID: "id", AuthorizationURL: "https://a.example/a", TokenURL: "http://127.0.0.1:1/t"}).(nextauth.OAuthProvider)
	_, err := p.Exchange(t.Context(), nextauth.CallbackRequest{Params: map[string]string{"error": "access_denied", "error_description": "no", "state": "s"}, State: "s"})
	if err == nil || !strings.Contains(err.Error(), `"access_denied": no`) {
		t.Errorf("Exchange(error=access_denied) = %v, want the provider's error", err)
	}
	// An empty error is no error: the exchange goes on (and fails later,
	// at the unreachable token endpoint).
	_, err = p.Exchange(t.Context(), nextauth.CallbackRequest{Params: map[string]string{"error": "", "code": "c", "state": "s"}, State: "s"})
	if err == nil || strings.Contains(err.Error(), "authorization server returned") {
		t.Errorf("Exchange(error=\"\") = %v, want the token request to be tried", err)
	}
}

func TestOAuthTimeoutDefault(t *testing.T) {
	tests := []struct {
		client  *http.Client
		timeout time.Duration
		want    time.Duration
	}{
		{nil, 0, DefaultOAuthTimeout},
		{&http.Client{Timeout: time.Second}, 0, time.Second},
		{&http.Client{Timeout: time.Second}, 2 * time.Second, 2 * time.Second},
		{nil, -1, 0},
	}
	for _, tt := range tests {
		if got := oauthHTTPClient(tt.client, tt.timeout).Timeout; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("oauthHTTPClient(%v, %v).Timeout = %v, want %v", tt.client, tt.timeout, got, tt.want)
		}
	}
	c := &http.Client{}
	if oauthHTTPClient(c, time.Second); c.Timeout != 0 {
		t.Errorf("oauthHTTPClient changed the caller's client: Timeout = %v", c.Timeout)
	}
}

func TestParseOAuthURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://A.example:443", "https://a.example/"},
		{"http://a.example:80/x?y=1", "http://a.example/x"},
		{"http://a.example:8080/x%20y", "http://a.example:8080/x%20y"},
		{"http://[::1]:3000/cb", "http://[::1]:3000/cb"},
	}
	for _, tt := range tests {
		u, err := parseOAuthURL(tt.in)
		if err != nil || u.base() != tt.want {
			t.Errorf("parseOAuthURL(%q).base() = %q, %v; want %q", tt.in, u.base(), err, tt.want)
		}
	}
	for _, bad := range []string{"", "/relative", "mailto:a@b", "https://", "://x"} {
		if _, err := parseOAuthURL(bad); err == nil {
			t.Errorf("parseOAuthURL(%q) = nil error, want one", bad)
		}
	}
}

// TestOAuthDefaultProfileNull: a null claim is a null field, a missing one
// an absent field; picture falls back to image.
func TestOAuthDefaultProfileNull(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want nextauth.User
	}{
		{`{"sub":"1","name":"Ann","email":"a@x.example","picture":"p"}`,
			nextauth.User{ID: "1", Name: nextauth.String("Ann"), Email: nextauth.String("a@x.example"), Image: nextauth.String("p")}},
		{`{"sub":"1","name":null,"email":"a@x.example"}`,
			nextauth.User{ID: "1", Name: nextauth.Null(), Email: nextauth.String("a@x.example")}},
		{`{"id":2,"email":null,"picture":null,"image":"i"}`,
			nextauth.User{ID: "2", Email: nextauth.Null(), Image: nextauth.String("i")}},
		{`{"sub":"1","picture":null}`, nextauth.User{ID: "1", Image: nextauth.Null()}},
		{`{"sub":"1","name":{"first":"A"},"image":true}`, nextauth.User{ID: "1"}},
	} {
		var raw map[string]any
		if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
			t.Fatal(err)
		}
		got, err := oauthDefaultProfile(raw, Tokens{})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			t.Errorf("oauthDefaultProfile(%s) = %s, %v; want %s", tt.raw, gj, err, wj)
		}
	}
}
