package config

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

func TestProfileMap(t *testing.T) {
	raw := func(s string) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name    string
		m       ProfileMap
		raw     string
		want    nextauth.User
		wantErr string // part of the error; "" for none
	}{
		{"defaults", ProfileMap{}, `{"sub":"u1","name":"Ann","email":"a@x.example","picture":"/a.png"}`,
			nextauth.User{ID: "u1", Name: nextauth.String("Ann"), Email: nextauth.String("a@x.example"), Image: nextauth.String("/a.png")}, ""},
		{"default fallbacks id and image", ProfileMap{}, `{"id":42,"image":"/i.png"}`,
			nextauth.User{ID: "42", Image: nextauth.String("/i.png")}, ""},
		{"default id missing", ProfileMap{}, `{"name":"Ann"}`, nextauth.User{}, "no claim sub or id"},
		{"top-level claims", ProfileMap{ID: "user_id", Name: "login", Email: "mail", Image: "avatar"},
			`{"user_id":"7","login":"ann","mail":"a@x.example","avatar":"/a.png","name":"ignored"}`,
			nextauth.User{ID: "7", Name: nextauth.String("ann"), Email: nextauth.String("a@x.example"), Image: nextauth.String("/a.png")}, ""},
		{"nested", ProfileMap{ID: "data.id", Name: "data.attributes.full_name", Email: "data.attributes.email", Image: "data.attributes.image_url"},
			`{"data":{"id":"p1","attributes":{"full_name":"Ann Lee","email":"a@x.example","image_url":"/a.png"}}}`,
			nextauth.User{ID: "p1", Name: nextauth.String("Ann Lee"), Email: nextauth.String("a@x.example"), Image: nextauth.String("/a.png")}, ""},
		{"number id in decimal", ProfileMap{ID: "id"}, `{"id":12345678901}`, nextauth.User{ID: "12345678901"}, ""},
		{"nested number id", ProfileMap{ID: "user.id"}, `{"user":{"id":1e6}}`, nextauth.User{ID: "1000000"}, ""},
		{"fractional number", ProfileMap{ID: "id"}, `{"id":1.5}`, nextauth.User{ID: "1.5"}, ""},
		{"number name", ProfileMap{Name: "n"}, `{"sub":"s","n":7}`, nextauth.User{ID: "s", Name: nextauth.String("7")}, ""},
		{"list index", ProfileMap{Email: "emails.1.value"}, `{"sub":"s","emails":[{"value":"a@x.example"},{"value":"b@x.example"}]}`,
			nextauth.User{ID: "s", Email: nextauth.String("b@x.example")}, ""},
		{"list index out of range", ProfileMap{Email: "emails.2"}, `{"sub":"s","emails":["a"]}`, nextauth.User{ID: "s"}, ""},
		{"dotted claim name whole", ProfileMap{Name: "https://example.com/name"}, `{"sub":"s","https://example.com/name":"Ann"}`,
			nextauth.User{ID: "s", Name: nextauth.String("Ann")}, ""},
		{"dotted claim name inside", ProfileMap{Name: "ext.https://example.com/name"}, `{"sub":"s","ext":{"https://example.com/name":"Ann"}}`,
			nextauth.User{ID: "s", Name: nextauth.String("Ann")}, ""},
		{"missing optional fields", ProfileMap{ID: "id", Name: "a.b", Email: "nope", Image: "x.y.z"}, `{"id":"1","a":{}}`,
			nextauth.User{ID: "1"}, ""},
		{"other kinds absent, null null", ProfileMap{ID: "id", Name: "obj", Email: "flag", Image: "null"}, `{"id":"1","obj":{"a":1},"flag":true,"null":null}`,
			nextauth.User{ID: "1", Image: nextauth.Null()}, ""},
		{"default null claims", ProfileMap{}, `{"sub":"s","name":null,"picture":null}`,
			nextauth.User{ID: "s", Name: nextauth.Null(), Image: nextauth.Null()}, ""},
		{"default image after a null picture", ProfileMap{}, `{"sub":"s","picture":null,"image":"/i.png"}`,
			nextauth.User{ID: "s", Image: nextauth.String("/i.png")}, ""},
		{"nested null", ProfileMap{Email: "data.email"}, `{"sub":"s","data":{"email":null}}`,
			nextauth.User{ID: "s", Email: nextauth.Null()}, ""},
		{"missing id", ProfileMap{ID: "data.id"}, `{"data":{}}`, nextauth.User{}, `profile: id: no claim "data.id" in the profile`},
		{"path through a string", ProfileMap{ID: "data.id"}, `{"data":"x"}`, nextauth.User{}, `no claim "data.id"`},
		{"object id", ProfileMap{ID: "data"}, `{"data":{"id":1}}`, nextauth.User{}, `claim "data" is an object, want a string or a number`},
		{"bool id", ProfileMap{ID: "ok"}, `{"ok":true}`, nextauth.User{}, `claim "ok" is true or false`},
		{"null id", ProfileMap{ID: "id"}, `{"id":null}`, nextauth.User{}, `claim "id" is null`},
		{"empty id", ProfileMap{ID: "id"}, `{"id":""}`, nextauth.User{}, `claim "id" is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.Profile(raw(tt.raw), provider.Tokens{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%+v.Profile(%s) = %+v, %v, want error with %q", tt.m, tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%+v.Profile(%s) = %+v, %v, want %+v", tt.m, tt.raw, got, err, tt.want)
			}
		})
	}
}

// TestProfileErrorsHideValues checks that a profile error names the
// claim, never the profile's values (which are personal data).
func TestProfileErrorsHideValues(t *testing.T) {
	raw := map[string]any{"data": map[string]any{"id": map[string]any{"secret": "private-value"}}, "email": "private@x.example"}
	_, err := ProfileMap{ID: "data.id"}.Profile(raw, provider.Tokens{})
	if err == nil || strings.Contains(err.Error(), "private") {
		t.Errorf("Profile() = %v, want an error without the profile's values", err)
	}
}

// builtOAuthOf parses yaml (with a secret prepended) and returns how each
// OAuth provider was built.
func builtOAuthOf(t *testing.T, yaml string, env map[string]string) (nextauth.Config, map[string]builtOAuth) {
	t.Helper()
	f, err := Parse("t.yaml", []byte("secret: s\n"+yaml), mapEnv(env))
	if err != nil {
		t.Fatalf("Parse(%q): %v", yaml, err)
	}
	b, err := f.build(nil)
	if err != nil {
		t.Fatalf("NextAuth() of %q: %v", yaml, err)
	}
	return b.cfg, b.oauth
}

// TestOAuthAuthorizationURL checks that the keys reach the provider: the
// authorization URL it builds, offline, carries them.
func TestOAuthAuthorizationURL(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantBase  string
		wantQuery url.Values
	}{
		{
			"oauth", `providers:
- type: oauth
  id: acme
  authorization_url: https://acme.example/authorize?audience=api
  token_url: https://acme.example/token
  userinfo_url: https://acme.example/me
  client_id: acme-client
  client_secret: shh
  scope: read:user
  authorization_params: {prompt: consent, max_age: 0}
  checks: [state, pkce]
`,
			"https://acme.example/authorize",
			url.Values{
				"audience": {"api"}, "client_id": {"acme-client"}, "scope": {"read:user"}, "response_type": {"code"},
				"redirect_uri": {"http://localhost:3000/api/auth/callback/acme"}, "prompt": {"consent"}, "max_age": {"0"},
				"state": {"st"}, "code_challenge": {"cc"}, "code_challenge_method": {"S256"},
			},
		},
		{
			"preset", `providers:
- type: github
  client_id: gh-client
  client_secret: shh
  scope: read:user
  authorization_params: {allow_signup: "false"}
`,
			"https://github.com/login/oauth/authorize",
			url.Values{
				"client_id": {"gh-client"}, "scope": {"read:user"}, "response_type": {"code"},
				"redirect_uri": {"http://localhost:3000/api/auth/callback/github"}, "allow_signup": {"false"}, "state": {"st"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := builtOAuthOf(t, tt.yaml, nil)
			p := cfg.Providers[0].(nextauth.OAuthProvider)
			id := p.Info().ID
			req := nextauth.AuthorizationRequest{RedirectURI: "http://localhost:3000/api/auth/callback/" + id, State: "st"}
			for _, c := range p.Checks() {
				if c == nextauth.CheckPKCE {
					req.CodeChallenge = "cc"
				}
			}
			got, err := p.AuthorizationURL(context.Background(), req)
			if err != nil {
				t.Fatalf("AuthorizationURL() = %v", err)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if base := u.Scheme + "://" + u.Host + u.Path; base != tt.wantBase {
				t.Errorf("AuthorizationURL() = %s, want it at %s", got, tt.wantBase)
			}
			if q := u.Query(); !reflect.DeepEqual(q, tt.wantQuery) {
				t.Errorf("AuthorizationURL() query = %v, want %v", q, tt.wantQuery)
			}
		})
	}
}

func TestOAuthDefaults(t *testing.T) {
	_, built := builtOAuthOf(t, `providers:
- {type: oidc, issuer: "https://idp.example", client_id: c, client_secret: s}
- {type: oauth, authorization_url: "https://a.example/a", token_url: "https://a.example/t", userinfo_url: "https://a.example/u", client_id: c, client_secret: s}
- {type: google, client_id: c, client_secret: s}
`, nil)
	// The id defaults to the type; the provider defaults the name to the
	// id and a preset's to its own. Timeout 0 and nil checks leave the
	// provider's defaults (3.5 s, and state or the preset's).
	tests := []struct {
		id         string
		wantType   string
		wantName   string
		wantChecks []string
	}{
		{"oidc", TypeOIDC, "", nil},
		{"oauth", TypeOAuth, "", nil},
		{"google", "google", "Google", []string{"pkce", "state"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			b, ok := built[tt.id]
			if !ok {
				t.Fatalf("no provider %q built", tt.id)
			}
			if b.Type != tt.wantType || b.Config.Name != tt.wantName || b.Config.Timeout != 0 || !reflect.DeepEqual(b.Config.Checks, tt.wantChecks) {
				t.Errorf("provider %q: type %q, name %q, timeout %v, checks %q; want %q, %q, 0, %q",
					tt.id, b.Type, b.Config.Name, b.Config.Timeout, b.Config.Checks, tt.wantType, tt.wantName, tt.wantChecks)
			}
		})
	}
	if got := built["oidc"].Config.IDToken; got != nil {
		t.Errorf("oidc IDToken = %v, want nil (provider.OIDC's id_token flow)", *got)
	}
}

func TestAutoConfigured(t *testing.T) {
	env := map[string]string{
		"AUTH_GITHUB_ID": "gh", "AUTH_GITHUB_SECRET": "gh-s",
		"AUTH_GITLAB_ID": "gl", "AUTH_GITLAB_SECRET": "gl-s",
		"AUTH_DISCORD_ID": "dc", "AUTH_DISCORD_SECRET": "dc-s",
	}
	tests := []struct {
		name string
		yaml string
		want []string // ids of the providers, in order
	}{
		{"no file", "", []string{"discord", "github", "gitlab"}},
		{"file has the preset", "providers: [{type: github, client_id: x, client_secret: y}]\n", []string{"github", "discord", "gitlab"}},
		{"file has the preset under another id", "providers: [{type: github, id: gh-work, client_id: x, client_secret: y}]\n", []string{"gh-work", "discord", "gitlab"}},
		{"file has the id with another type", "providers: [{type: credentials, id: gitlab, authorize_url: \"http://127.0.0.1:1/\"}]\n", []string{"gitlab", "discord", "github"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, built := builtOAuthOf(t, tt.yaml, env)
			var got []string
			for _, p := range cfg.Providers {
				got = append(got, p.Info().ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("providers = %q, want %q", got, tt.want)
			}
			if b, ok := built["discord"]; !ok || b.Config.ClientID != "dc" || b.Config.ClientSecret != "dc-s" {
				t.Errorf("discord built with %+v, want the environment's client", b.Config)
			}
		})
	}
}

// TestSecretsNeverShown checks that no problem, warning or summary shows
// a client secret, wherever it is written.
func TestSecretsNeverShown(t *testing.T) {
	const secret = "S3CRET-value-42"
	oidc := "providers:\n- type: oidc\n  id: corp\n  issuer: https://idp.example\n  client_id: c\n"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
	}{
		{"valid", oidc + "  client_secret: ${CORP_SECRET}\n", map[string]string{"CORP_SECRET": secret}},
		{"next to problems", oidc + "  client_secret: ${CORP_SECRET}\n  checks: [csrf]\n  timeout: soon\n", map[string]string{"CORP_SECRET": secret}},
		{"secret breaks the YAML", oidc + "  client_secret: ${CORP_SECRET}\n", map[string]string{"CORP_SECRET": secret + ": [x"}},
		{"secret starts a flow", oidc + "  client_secret: ${CORP_SECRET}\n", map[string]string{"CORP_SECRET": "[" + secret}},
		{"secret as a mapping", oidc + "  client_secret: {" + secret + ": x}\n", nil},
		{"secret as a list", oidc + "  client_secret: [" + secret + "]\n", nil},
		{"secret in another type", "providers:\n- {type: credentials, authorize_url: \"http://127.0.0.1:1/\", client_secret: " + secret + "}\n", nil},
		{"preset with problems", "providers:\n- {type: keycloak, client_id: c, client_secret: " + secret + "}\n", nil},
		{"env preset", "", map[string]string{"AUTH_GITHUB_ID": "gh", "AUTH_GITHUB_SECRET": secret}},
		{"half-configured env preset", "", map[string]string{"AUTH_KEYCLOAK_ID": "kc", "AUTH_KEYCLOAK_SECRET": secret}},
		{"env secret alone", "", map[string]string{"AUTH_GITHUB_SECRET": secret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), mapEnv(tt.env))
			var shown []string
			if err != nil {
				shown = append(shown, err.Error())
			}
			cfg, err := f.NextAuth()
			if err != nil {
				shown = append(shown, err.Error())
			} else {
				shown = append(shown, f.Summary(cfg))
			}
			shown = append(shown, f.Warnings()...)
			for _, s := range shown {
				if strings.Contains(s, secret) {
					t.Errorf("output shows the client secret:\n%s", s)
				}
			}
		})
	}
}
