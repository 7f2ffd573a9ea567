package provider

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
)

// oidcTestLog records what a provider logs through
// CallbackRequest.Logger.
type oidcTestLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *oidcTestLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *oidcTestLog) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// records are the records logged, each decoded from JSON.
func (l *oidcTestLog) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// codes are the "code" attributes of the records logged.
func (l *oidcTestLog) codes(t *testing.T) []string {
	var out []string
	for _, r := range l.records(t) {
		c, _ := r["code"].(string)
		out = append(out, c)
	}
	return out
}

// oidcTestSignInLogged is oidcTestSignIn with log as the handler's logger.
func oidcTestSignInLogged(t *testing.T, idp *authtest.OIDCProvider, p nextauth.Provider, log *oidcTestLog) (*nextauth.OAuthResult, error) {
	t.Helper()
	return oidcTestSignIn(t, idp, p, func(r *nextauth.CallbackRequest) { r.Logger = log.logger() })
}

// newcomerConfig is a generic OIDC provider as a newcomer configures it:
// issuer, client id and secret, nothing else.
func newcomerConfig(idp *authtest.OIDCProvider) OAuthConfig {
	return OAuthConfig{ID: "corp", Issuer: idp.Issuer(), ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret()}
}

// TestOIDCDefaultsAuthorizationRequest: the generic OIDC type asks for
// "openid profile email" with PKCE (S256) and state unless configured
// otherwise; OAuth (and so every preset) keeps "openid" and state.
func TestOIDCDefaultsAuthorizationRequest(t *testing.T) {
	idp := authtest.NewOIDCProvider(t)
	base := newcomerConfig(idp)
	tests := []struct {
		name       string
		oidc       bool
		change     func(*OAuthConfig)
		wantChecks []string
		wantScope  string // "-" for no scope parameter
	}{
		{"oidc defaults", true, nil, []string{"pkce", "state"}, "openid profile email"},
		{"oidc explicit scope", true, func(c *OAuthConfig) { c.Scope = "openid" }, []string{"pkce", "state"}, "openid"},
		{"oidc scope in authorization params", true, func(c *OAuthConfig) { c.AuthorizationParams = map[string]string{"scope": "openid email"} }, []string{"pkce", "state"}, "openid email"},
		{"oidc empty scope", true, func(c *OAuthConfig) { c.AuthorizationParams = map[string]string{"scope": ""} }, []string{"pkce", "state"}, ""},
		{"oidc explicit checks", true, func(c *OAuthConfig) { c.Checks = []string{"state"} }, []string{"state"}, "openid profile email"},
		{"oidc nonce", true, func(c *OAuthConfig) { c.Checks = []string{"pkce", "state", "nonce"} }, []string{"pkce", "state", "nonce"}, "openid profile email"},
		{"oidc no checks", true, func(c *OAuthConfig) { c.Checks = []string{} }, nil, "openid profile email"},
		{"oidc none", true, func(c *OAuthConfig) { c.Checks = []string{"none"} }, nil, "openid profile email"},
		{"oauth with discovery", false, nil, []string{"state"}, "openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			if tt.change != nil {
				tt.change(&cfg)
			}
			var p nextauth.OAuthProvider
			if tt.oidc {
				p = OIDC(cfg).(nextauth.OAuthProvider)
			} else {
				p = OAuth(cfg).(nextauth.OAuthProvider)
			}
			if got := p.Checks(); !slices.Equal(got, tt.wantChecks) {
				t.Errorf("Checks() = %q, want %q", got, tt.wantChecks)
			}
			req := nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect}
			for _, c := range tt.wantChecks {
				switch c {
				case nextauth.CheckState:
					req.State = "st"
				case nextauth.CheckPKCE:
					req.CodeChallenge = "cc"
				case nextauth.CheckNonce:
					req.Nonce = "nn"
				}
			}
			raw, err := p.AuthorizationURL(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			scope := "-"
			if q.Has("scope") {
				scope = q.Get("scope")
			}
			if scope != tt.wantScope {
				t.Errorf("scope = %q, want %q (%s)", scope, tt.wantScope, raw)
			}
			if !strings.Contains(raw, "scope="+strings.ReplaceAll(tt.wantScope, " ", "%20")+"&") && tt.wantScope != "-" {
				t.Errorf("scope not encoded with %%20: %s", raw)
			}
			pkce := slices.Contains(tt.wantChecks, "pkce")
			if got := q.Get("code_challenge_method"); (got == "S256") != pkce || (q.Get("code_challenge") == "cc") != pkce {
				t.Errorf("code_challenge_method = %q with pkce %v (%s)", got, pkce, raw)
			}
		})
	}
}

// TestOIDCNewcomerSignIn: issuer, client id and secret alone give the
// user's e-mail address and name, with PKCE and state, and no warning.
func TestOIDCNewcomerSignIn(t *testing.T) {
	idp := authtest.NewOIDCProvider(t, authtest.WithUser("sub-5", "Grace@Example.com", "Grace Hopper"))
	var log oidcTestLog
	res, err := oidcTestSignInLogged(t, idp, OIDC(newcomerConfig(idp)), &log)
	if err != nil {
		t.Fatal(err)
	}
	if want := (nextauth.User{ID: "sub-5", Name: nextauth.String("Grace Hopper"), Email: nextauth.String("grace@example.com")}); !reflect.DeepEqual(res.User, want) {
		t.Errorf("user = %+v, want %+v", res.User, want)
	}
	if res.Account.Scope != DefaultOIDCScope {
		t.Errorf("granted scope = %q, want %q", res.Account.Scope, DefaultOIDCScope)
	}
	if got := idp.UserinfoRequests(); got != 0 {
		t.Errorf("userinfo requests = %d, want 0 (the id_token has the claims)", got)
	}
	if got := log.codes(t); len(got) != 0 {
		t.Errorf("logged %q, want nothing", got)
	}
}

// TestOIDCDefaultProfile is Auth.js v5's mapping: name falls back to
// nickname, then preferred_username; image is picture.
func TestOIDCDefaultProfile(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]any
		want nextauth.User
	}{
		{"all claims", map[string]any{"sub": "s", "name": "N", "nickname": "nick", "preferred_username": "pu", "email": "e@x", "picture": "https://p/x.png"},
			nextauth.User{ID: "s", Name: nextauth.String("N"), Email: nextauth.String("e@x"), Image: nextauth.String("https://p/x.png")}},
		{"nickname", map[string]any{"sub": "s", "nickname": "nick", "preferred_username": "pu"}, nextauth.User{ID: "s", Name: nextauth.String("nick")}},
		{"preferred_username", map[string]any{"sub": "s", "preferred_username": "pu"}, nextauth.User{ID: "s", Name: nextauth.String("pu")}},
		{"empty name falls back", map[string]any{"sub": "s", "name": "", "nickname": "", "preferred_username": "pu"}, nextauth.User{ID: "s", Name: nextauth.String("pu")}},
		{"non-string name falls back", map[string]any{"sub": "s", "name": map[string]any{"x": 1}, "nickname": "nick"}, nextauth.User{ID: "s", Name: nextauth.String("nick")}},
		{"image is picture only", map[string]any{"sub": "s", "image": "https://p/i.png"}, nextauth.User{ID: "s"}},
		{"id without sub", map[string]any{"id": float64(42)}, nextauth.User{ID: "42"}},
		{"nothing", map[string]any{"sub": "s"}, nextauth.User{ID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oidcDefaultProfile(tt.raw, Tokens{})
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("oidcDefaultProfile(%v) = %+v, %v; want %+v", tt.raw, got, err, tt.want)
			}
		})
	}

	// Through a real sign-in: the OpenID Provider sends no name.
	for _, tt := range []struct {
		name     string
		mutate   func(map[string]any)
		wantName string
	}{
		{"nickname", func(c map[string]any) { delete(c, "name"); c["nickname"] = "amazing-grace" }, "amazing-grace"},
		{"preferred_username", func(c map[string]any) { delete(c, "name"); c["preferred_username"] = "ghopper" }, "ghopper"},
	} {
		t.Run("sign-in/"+tt.name, func(t *testing.T) {
			idp := authtest.NewOIDCProvider(t, authtest.WithUser("sub-6", "grace@example.com", "Grace Hopper"), authtest.WithIDTokenMutator(tt.mutate))
			res, err := oidcTestSignIn(t, idp, OIDC(newcomerConfig(idp)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := (nextauth.User{ID: "sub-6", Name: nextauth.String(tt.wantName), Email: nextauth.String("grace@example.com")}); !reflect.DeepEqual(res.User, want) {
				t.Errorf("user = %+v, want %+v", res.User, want)
			}
		})
	}
}

// TestOIDCWarnsWithoutEmailOrName: a sign-in whose profile yields neither
// e-mail nor name still succeeds, and logs one warning naming the
// provider and the scope sent. OAuth providers (presets) do not warn.
func TestOIDCWarnsWithoutEmailOrName(t *testing.T) {
	idp := authtest.NewOIDCProvider(t, authtest.WithUser("sub-8", "ann@example.com", "Ann"))

	t.Run("scope openid", func(t *testing.T) {
		cfg := newcomerConfig(idp)
		cfg.Scope = "openid" // what the generic type sent before
		var log oidcTestLog
		res, err := oidcTestSignInLogged(t, idp, OIDC(cfg), &log)
		if err != nil {
			t.Fatal(err)
		}
		if want := (nextauth.User{ID: "sub-8"}); !reflect.DeepEqual(res.User, want) {
			t.Errorf("user = %+v, want %+v", res.User, want)
		}
		recs := log.records(t)
		var warn map[string]any
		for _, r := range recs {
			if r["code"] == "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME" {
				warn = r
			}
		}
		if warn == nil {
			t.Fatalf("logged %v, want an OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME warning", recs)
		}
		if warn["level"] != "WARN" || warn["provider"] != "corp" || warn["scope"] != "openid" || warn["granted_scope"] != "openid" {
			t.Errorf("warning = %v, want level WARN, provider corp, scope and granted_scope openid", warn)
		}
		if claims, _ := warn["claims"].([]any); !slices.Contains(claims, any("sub")) || slices.Contains(claims, any("ann@example.com")) {
			t.Errorf("warning claims = %v, want the claim names", warn["claims"])
		}
		if msg, _ := warn["msg"].(string); !strings.Contains(msg, "scope") {
			t.Errorf("warning message = %q, want a hint at the scope", msg)
		}
	})

	t.Run("custom profile", func(t *testing.T) {
		cfg := newcomerConfig(idp)
		cfg.Profile = func(raw map[string]any, _ Tokens) (nextauth.User, error) {
			return nextauth.User{ID: raw["sub"].(string)}, nil
		}
		var log oidcTestLog
		if _, err := oidcTestSignInLogged(t, idp, OIDC(cfg), &log); err != nil {
			t.Fatal(err)
		}
		if got := log.codes(t); !slices.Equal(got, []string{"OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"}) {
			t.Errorf("logged %q, want one OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME", got)
		}
	})

	t.Run("oauth does not warn", func(t *testing.T) {
		cfg := newcomerConfig(idp)
		cfg.Scope = "openid"
		var log oidcTestLog
		res, err := oidcTestSignInLogged(t, idp, OAuth(cfg), &log)
		if err != nil {
			t.Fatal(err)
		}
		if res.User.Email.String() != "" || res.User.Name.String() != "" {
			t.Errorf("user = %+v, want neither e-mail nor name", res.User)
		}
		if got := log.codes(t); len(got) != 0 {
			t.Errorf("logged %q, want nothing", got)
		}
	})
}

// TestOIDCUserinfoFallback: an id_token without e-mail and name is
// completed from the userinfo endpoint (OpenID Connect Core §5.4), only
// when the subjects match and only with the default mapping.
func TestOIDCUserinfoFallback(t *testing.T) {
	thin := authtest.WithIDTokenMutator(func(c map[string]any) {
		for _, k := range []string{"email", "email_verified", "name", "preferred_username", "picture"} {
			delete(c, k)
		}
	})

	t.Run("completed", func(t *testing.T) {
		idp := authtest.NewOIDCProvider(t, authtest.WithUser("sub-2", "Lin@Example.com", "Lin"), thin)
		var log oidcTestLog
		res, err := oidcTestSignInLogged(t, idp, OIDC(newcomerConfig(idp)), &log)
		if err != nil {
			t.Fatal(err)
		}
		if want := (nextauth.User{ID: "sub-2", Name: nextauth.String("Lin"), Email: nextauth.String("lin@example.com")}); !reflect.DeepEqual(res.User, want) {
			t.Errorf("user = %+v, want %+v", res.User, want)
		}
		if got := idp.UserinfoRequests(); got != 1 {
			t.Errorf("userinfo requests = %d, want 1", got)
		}
		if res.Profile["iss"] != idp.Issuer() || res.Profile["email_verified"] != true {
			t.Errorf("profile = %v, want the id_token claims and the userinfo ones", res.Profile)
		}
		if got := log.codes(t); len(got) != 0 {
			t.Errorf("logged %q, want nothing", got)
		}
	})

	t.Run("another subject", func(t *testing.T) {
		idp := authtest.NewOIDCProvider(t, authtest.WithUser("sub-2", "lin@example.com", "Lin"), thin,
			authtest.WithUserinfoBody(`{"sub":"someone-else","email":"mallory@example.com","name":"Mallory"}`))
		var log oidcTestLog
		res, err := oidcTestSignInLogged(t, idp, OIDC(newcomerConfig(idp)), &log)
		if err != nil {
			t.Fatal(err)
		}
		if want := (nextauth.User{ID: "sub-2"}); !reflect.DeepEqual(res.User, want) {
			t.Errorf("user = %+v, want %+v (userinfo of another subject ignored)", res.User, want)
		}
		if got := log.codes(t); !slices.Equal(got, []string{"OIDC_USERINFO_ERROR", "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"}) {
			t.Errorf("logged %q, want OIDC_USERINFO_ERROR then OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME", got)
		}
	})

	t.Run("userinfo fails", func(t *testing.T) {
		idp := authtest.NewOIDCProvider(t, thin, authtest.WithUserinfoBody(`not json`))
		var log oidcTestLog
		res, err := oidcTestSignInLogged(t, idp, OIDC(newcomerConfig(idp)), &log)
		if err != nil {
			t.Fatalf("sign-in error = %v, want the sign-in to go on", err)
		}
		if res.User.ID == "" || res.User.Email.String() != "" {
			t.Errorf("user = %+v, want the id_token's subject only", res.User)
		}
		if got := log.codes(t); !slices.Equal(got, []string{"OIDC_USERINFO_ERROR", "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"}) {
			t.Errorf("logged %q", got)
		}
	})

	t.Run("explicit profile", func(t *testing.T) {
		idp := authtest.NewOIDCProvider(t, thin)
		cfg := newcomerConfig(idp)
		cfg.Profile = oidcDefaultProfile
		res, err := oidcTestSignIn(t, idp, OIDC(cfg), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := idp.UserinfoRequests(); got != 0 || res.User.Email.String() != "" {
			t.Errorf("userinfo requests = %d, user %+v; want none with a configured Profile", got, res.User)
		}
	})
}

// TestOIDCDefaultsDoNotReachPresets: every preset is built with OAuth, so
// none gets the generic OIDC type's scope, checks or mapping.
func TestOIDCDefaultsDoNotReachPresets(t *testing.T) {
	n := 0
	for _, id := range PresetIDs() {
		var p nextauth.Provider
		for _, opts := range []PresetOptions{
			{ClientID: "c", ClientSecret: "s"},
			{ClientID: "c", ClientSecret: "s", Issuer: "https://idp.example/realms/x"},
			{ClientID: "c", ClientSecret: "s", Issuer: "https://idp.example/realms/x", TenantID: "t", PrimaryUserFlow: "f"},
		} {
			if built, err := FromPreset(id, opts); err == nil {
				p = built
				break
			}
		}
		op, ok := p.(*oauthProvider)
		if !ok {
			continue
		}
		n++
		if op.oidc || op.scope != "openid" {
			t.Errorf("preset %s: oidc %v, default scope %q; want NextAuth v4's defaults", id, op.oidc, op.scope)
		}
		if reflect.DeepEqual(op.checks, oidcDefaultChecks) && op.cfg.Checks == nil {
			t.Errorf("preset %s got the generic OIDC checks", id)
		}
	}
	if n != len(PresetIDs()) {
		t.Errorf("checked %d presets of %d", n, len(PresetIDs()))
	}
}

// TestOIDCNewcomerHydra signs in at Ory Hydra, configured on our side
// with its issuer, a client id and a secret only.
func TestOIDCNewcomerHydra(t *testing.T) {
	hy := authtest.NewHydra(t, authtest.WithHydraUser("hydra-sub-1", "Marie.Curie@Example.com", "Marie Curie"))
	id, secret := hy.NewClient(t, "http://localhost:3000/api/auth/callback/corp")
	p := OIDC(OAuthConfig{ID: "corp", Issuer: hy.Issuer(), ClientID: id, ClientSecret: secret})
	var log oidcTestLog
	res, err := oidcTestSignInWith(t, p, func(authURL string) *url.URL {
		u, _ := url.Parse(authURL)
		if q := u.Query(); q.Get("scope") != DefaultOIDCScope || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" {
			t.Errorf("authorization URL %s: want scope %q, S256 PKCE and state", authURL, DefaultOIDCScope)
		}
		return hy.Login(t, authURL)
	}, func(r *nextauth.CallbackRequest) { r.Logger = log.logger() })
	if err != nil {
		t.Fatalf("sign-in error = %v", err)
	}
	if want := (nextauth.User{ID: "hydra-sub-1", Name: nextauth.String("Marie Curie"), Email: nextauth.String("marie.curie@example.com")}); !reflect.DeepEqual(res.User, want) {
		t.Errorf("user = %+v, want %+v", res.User, want)
	}
	if res.Profile["iss"] != hy.Issuer() {
		t.Errorf("profile = %v, want the id_token claims", res.Profile)
	}
	if got := log.codes(t); len(got) != 0 {
		t.Errorf("logged %q, want nothing", got)
	}

	// What the generic type asked for before: scope openid. Hydra releases
	// no claim, the id_token and userinfo have only sub, and the sign-in
	// is logged.
	p = OIDC(OAuthConfig{ID: "corp", Issuer: hy.Issuer(), ClientID: id, ClientSecret: secret, Scope: "openid"})
	var narrow oidcTestLog
	res, err = oidcTestSignInWith(t, p, func(authURL string) *url.URL { return hy.Login(t, authURL) },
		func(r *nextauth.CallbackRequest) { r.Logger = narrow.logger() })
	if err != nil {
		t.Fatalf("sign-in with scope openid: error = %v", err)
	}
	if want := (nextauth.User{ID: "hydra-sub-1"}); !reflect.DeepEqual(res.User, want) {
		t.Errorf("user with scope openid = %+v, want %+v", res.User, want)
	}
	if got := narrow.codes(t); !slices.Equal(got, []string{"OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"}) {
		t.Errorf("logged %q, want OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME", got)
	}
}
