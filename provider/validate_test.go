package provider_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/provider"
)

// newWith calls nextauth.New with a secret, a memory adapter (which email
// providers need) and ps.
func newWith(ps ...nextauth.Provider) error {
	_, err := nextauth.New(nextauth.Config{Secret: "s", Adapter: memory.New(), Providers: ps})
	return err
}

// staticOAuth is a complete OAuth 2.0 configuration without discovery.
func staticOAuth(id string) provider.OAuthConfig {
	return provider.OAuthConfig{
		ID: id, ClientID: "client", ClientSecret: "secret",
		AuthorizationURL: "https://idp.example/authorize",
		TokenURL:         "https://idp.example/token",
		UserinfoURL:      "https://idp.example/userinfo",
	}
}

// oidcDiscovery is a complete OpenID Connect configuration with discovery.
func oidcDiscovery(id string) provider.OAuthConfig {
	return provider.OAuthConfig{ID: id, ClientID: "client", ClientSecret: "secret", Issuer: "https://idp.example"}
}

func noAuthorize(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) {
	return nil, nil
}

func TestNewReportsInvalidProvider(t *testing.T) {
	oauth := func(change func(*provider.OAuthConfig)) nextauth.Provider {
		cfg := staticOAuth("acme")
		change(&cfg)
		return provider.OAuth(cfg)
	}
	oidc := func(change func(*provider.OAuthConfig)) nextauth.Provider {
		cfg := oidcDiscovery("acme")
		change(&cfg)
		return provider.OIDC(cfg)
	}
	yes := true
	tests := []struct {
		name string
		p    nextauth.Provider
		id   string
		want []string // what the message must name besides the id
	}{
		{"no client id", oauth(func(c *provider.OAuthConfig) { c.ClientID = "" }), "acme", []string{"client_id: missing"}},
		{"no client secret", oauth(func(c *provider.OAuthConfig) { c.ClientSecret = "" }), "acme", []string{"client_secret: missing"}},
		{"no client secret, post", oauth(func(c *provider.OAuthConfig) {
			c.ClientSecret, c.TokenEndpointAuthMethod = "", provider.AuthClientSecretPost
		}), "acme", []string{"client_secret: missing"}},
		{"no client secret, oidc", oidc(func(c *provider.OAuthConfig) { c.ClientSecret = "" }), "acme", []string{"client_secret: missing"}},
		{"no endpoints", oauth(func(c *provider.OAuthConfig) { c.AuthorizationURL, c.TokenURL, c.UserinfoURL = "", "", "" }),
			"acme", []string{"issuer: missing", "authorization_url", "token_url"}},
		{"no endpoints, oidc", oidc(func(c *provider.OAuthConfig) { c.Issuer = "" }), "acme", []string{"issuer: missing"}},
		{"no token url", oauth(func(c *provider.OAuthConfig) { c.TokenURL = "" }), "acme", []string{"token_url: missing"}},
		{"no token url, issuer set", oauth(func(c *provider.OAuthConfig) { c.TokenURL, c.Issuer = "", "https://idp.example" }),
			"acme", []string{"token_url: missing"}},
		{"no authorization url", oauth(func(c *provider.OAuthConfig) { c.AuthorizationURL = "" }), "acme", []string{"authorization_url: missing"}},
		{"no userinfo url", oauth(func(c *provider.OAuthConfig) { c.UserinfoURL = "" }), "acme", []string{"userinfo_url: missing"}},
		{"id_token flow without jwks", oauth(func(c *provider.OAuthConfig) { c.IDToken, c.Issuer = &yes, "https://idp.example" }),
			"acme", []string{"jwks_url: missing"}},
		{"id_token flow without issuer", oauth(func(c *provider.OAuthConfig) { c.IDToken, c.JWKSURL = &yes, "https://idp.example/jwks" }),
			"acme", []string{"issuer: missing"}},
		{"unknown check", oauth(func(c *provider.OAuthConfig) { c.Checks = []string{"pkce", "csrf"} }), "acme", []string{`checks: "csrf"`}},
		{"bad issuer", oidc(func(c *provider.OAuthConfig) { c.Issuer = "idp.example" }), "acme", []string{`issuer: "idp.example"`}},
		{"bad well_known", oidc(func(c *provider.OAuthConfig) { c.WellKnown = "file:///etc/passwd" }), "acme", []string{"well_known: "}},
		{"bad authorization url", oauth(func(c *provider.OAuthConfig) { c.AuthorizationURL = "ftp://idp.example/authorize" }),
			"acme", []string{"authorization_url: "}},
		{"relative token url", oauth(func(c *provider.OAuthConfig) { c.TokenURL = "/token" }), "acme", []string{`token_url: "/token"`}},
		{"bad userinfo url", oauth(func(c *provider.OAuthConfig) { c.UserinfoURL = "idp.example/userinfo" }), "acme", []string{"userinfo_url: "}},
		{"bad jwks url", oauth(func(c *provider.OAuthConfig) { c.JWKSURL = "//idp.example/jwks" }), "acme", []string{"jwks_url: "}},
		{"bad auth method", oauth(func(c *provider.OAuthConfig) { c.TokenEndpointAuthMethod = "private_key_jwt" }),
			"acme", []string{"token_endpoint_auth_method: "}},
		{"bad alg", oidc(func(c *provider.OAuthConfig) { c.IDTokenSigningAlg = "none" }), "acme", []string{"id_token_signing_alg: "}},
		{"preset without client id and secret", provider.GitHub(provider.PresetOptions{}),
			"github", []string{"ClientID is required", "AUTH_GITHUB_ID", "ClientSecret is required", "AUTH_GITHUB_SECRET"}},
		{"preset without client secret, own id", provider.Google(provider.PresetOptions{ID: "corp", ClientID: "client"}),
			"corp", []string{"ClientSecret is required"}},
		{"email without sender", provider.Email(provider.EmailConfig{ID: "mail"}), "mail", []string{"server: missing"}},
		{"credentials without authorize", provider.Credentials(provider.CredentialsConfig{ID: "login"}),
			"login", []string{"users or authorize_url: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newWith(tt.p)
			if err == nil {
				t.Fatalf("New(%s) = nil, want an error naming provider %q and %q", tt.name, tt.id, tt.want)
			}
			msg := err.Error()
			for _, w := range append([]string{`provider "` + tt.id + `": `}, tt.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("New(%s) = %q, want an error containing %q", tt.name, msg, w)
				}
			}
		})
	}
}

// TestValidateMessage pins the format of one problem as New reports it.
func TestValidateMessage(t *testing.T) {
	cfg := staticOAuth("acme")
	cfg.ClientID = ""
	err := newWith(provider.OAuth(cfg))
	want := `nextauth: config: provider "acme": client_id: missing: the client id the authorization server gave this app`
	if err == nil || err.Error() != want {
		t.Errorf("New(OAuth without ClientID) = %v, want %s", err, want)
	}
}

func TestNewAcceptsValidProvider(t *testing.T) {
	yes := true
	change := func(cfg provider.OAuthConfig, f func(*provider.OAuthConfig)) provider.OAuthConfig {
		f(&cfg)
		return cfg
	}
	github, err := provider.FromPreset("github", provider.PresetOptions{ClientID: "client", ClientSecret: "secret"})
	if err != nil {
		t.Fatalf("FromPreset(github) = %v, want no error", err)
	}
	tests := []struct {
		name string
		p    nextauth.Provider
	}{
		{"oauth", provider.OAuth(staticOAuth("acme"))},
		{"oauth, public client", provider.OAuth(change(staticOAuth("acme"), func(c *provider.OAuthConfig) {
			c.ClientSecret, c.TokenEndpointAuthMethod, c.Checks = "", provider.AuthNone, []string{"pkce", "state"}
		}))},
		{"oauth, checks none", provider.OAuth(change(staticOAuth("acme"), func(c *provider.OAuthConfig) { c.Checks = []string{"none"} }))},
		{"oauth, no checks", provider.OAuth(change(staticOAuth("acme"), func(c *provider.OAuthConfig) { c.Checks = []string{} }))},
		{"oauth, userinfo request", provider.OAuth(change(staticOAuth("acme"), func(c *provider.OAuthConfig) {
			c.UserinfoURL = ""
			c.UserinfoRequest = func(context.Context, *http.Client, provider.Tokens) (map[string]any, error) { return nil, nil }
		}))},
		{"oauth, id_token flow", provider.OAuth(change(staticOAuth("acme"), func(c *provider.OAuthConfig) {
			c.IDToken, c.UserinfoURL, c.Issuer, c.JWKSURL = &yes, "", "https://idp.example", "https://idp.example/jwks"
		}))},
		{"oidc, HS256 without jwks", provider.OIDC(change(staticOAuth("acme"), func(c *provider.OAuthConfig) {
			c.UserinfoURL, c.Issuer, c.IDTokenSigningAlg = "", "https://idp.example", "HS256"
		}))},
		{"oidc, issuer", provider.OIDC(oidcDiscovery("acme"))},
		{"oidc, well_known only", provider.OIDC(change(oidcDiscovery("acme"), func(c *provider.OAuthConfig) {
			c.Issuer, c.WellKnown = "", "https://idp.example/.well-known/openid-configuration"
		}))},
		{"oauth, issuer only", provider.OAuth(oidcDiscovery("acme"))},
		{"preset", github},
		{"preset constructor", provider.Google(provider.PresetOptions{ClientID: "client", ClientSecret: "secret"})},
		{"email", provider.Email(provider.EmailConfig{Sender: nopSender})},
		{"credentials", provider.Credentials(provider.CredentialsConfig{Authorize: noAuthorize})},
		{"credentials, remote", provider.Credentials(provider.CredentialsConfig{Authorize: provider.RemoteAuthorize("https://app.example/check", nil)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := newWith(tt.p); err != nil {
				t.Errorf("New(%s) = %v, want nil", tt.name, err)
			}
		})
	}
}

// TestNewAcceptsEveryPreset checks that each built-in preset, given the
// options it requires, passes New's checks.
func TestNewAcceptsEveryPreset(t *testing.T) {
	for _, id := range provider.PresetIDs() {
		t.Run(id, func(t *testing.T) {
			info, _ := provider.Preset(id)
			opts := provider.PresetOptions{ClientID: "client", ClientSecret: "secret"}
			for _, r := range info.Required {
				if r == "Issuer" {
					opts.Issuer = "https://idp.example/realm"
				}
			}
			if id == "azure-ad-b2c" { // its issuer is built from these
				opts.TenantID, opts.PrimaryUserFlow = "contoso", "B2C_1_signin"
			}
			p, err := provider.FromPreset(id, opts)
			if err != nil {
				t.Fatalf("FromPreset(%q) = %v, want no error", id, err)
			}
			if err := newWith(p); err != nil {
				t.Errorf("New(FromPreset(%q)) = %v, want nil", id, err)
			}
		})
	}
}

func TestNewReportsEveryInvalidProvider(t *testing.T) {
	noClient := staticOAuth("acme")
	noClient.ClientID = ""
	badIssuer := oidcDiscovery("corp")
	badIssuer.Issuer = "corp.example"
	err := newWith(
		provider.OAuth(noClient),
		provider.OIDC(badIssuer),
		provider.OAuth(staticOAuth("fine")),
		provider.GitHub(provider.PresetOptions{ClientID: "client"}),
		provider.Email(provider.EmailConfig{ID: "mail"}),
		provider.Credentials(provider.CredentialsConfig{ID: "login"}),
	)
	if err == nil {
		t.Fatal("New(five invalid providers) = nil, want an error naming each")
	}
	msg := err.Error()
	for _, w := range []string{
		`provider "acme": client_id: missing`,
		`provider "corp": issuer: "corp.example"`,
		`provider "github": provider: preset github: ClientSecret is required`,
		`provider "mail": server: missing`,
		`provider "login": users or authorize_url: missing`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("New(five invalid providers) = %q, want an error containing %q", msg, w)
		}
	}
	if strings.Contains(msg, `"fine"`) {
		t.Errorf("New(five invalid providers) = %q, want nothing about the valid provider \"fine\"", msg)
	}
}
