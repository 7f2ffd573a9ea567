package nextauth_test

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/config"
)

// TestClaimsFromOpenIDProvider: the binary's YAML maps the groups claim
// of a real OpenID Provider (zitadel's op) to role with a CEL rule, keeps
// groups through a profile: claim path, and user_fields shows both in
// GET /session; a user outside admins gets role user, and an allow rule
// refuses a user without groups.
func TestClaimsFromOpenIDProvider(t *testing.T) {
	for _, tt := range []struct {
		name, sub string
		groups    []string
		want      map[string]any // GET /session's user; nil: AccessDenied
	}{
		{"admin", "sub-ada", []string{"staff", "admins"}, map[string]any{"id": "sub-ada", "role": "admin", "groups": []any{"staff", "admins"}, "first_group": "staff"}},
		{"user", "sub-bo", []string{"staff"}, map[string]any{"id": "sub-bo", "role": "user", "groups": []any{"staff"}, "first_group": "staff"}},
		{"no groups", "sub-cy", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			op := authtest.NewOIDCProvider(t, authtest.WithUser(tt.sub, tt.sub+"@example.com", "U "+tt.sub), authtest.WithGroups(tt.groups...))
			yaml := `
url: http://localhost:3111/api/auth
secret: ` + testSecret + `
session:
  user_fields: [id, role, groups, first_group]
claims:
  role: '"admins" in profile.groups ? "admin" : "user"'
allow:
  expression: has(profile.groups)
providers:
- type: oidc
  id: corp
  issuer: ` + op.Issuer() + `
  client_id: ` + op.ClientID() + `
  client_secret: ` + op.ClientSecret() + `
  profile:
    groups: groups
    first_group: groups.0
`
			loc, user, body := signInThroughYAML(t, yaml, op, "/home")
			if tt.want == nil {
				if loc != "http://localhost:3111/api/auth/error?error=AccessDenied" {
					t.Errorf("callback redirect = %q, want AccessDenied", loc)
				}
				return
			}
			if loc != "http://localhost:3111/home" {
				t.Fatalf("callback redirect = %q", loc)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(user[k], v) {
					t.Errorf("session user %s = %#v, want %#v (session %s)", k, user[k], v, body)
				}
			}
		})
	}
}

// TestPresetProfileClaims: a preset provider (keycloak) takes a profile:
// key too, so a Keycloak realm role reaches the session: the real OpenID
// Provider sends realm_access.roles, profile: maps it to roles, a CEL rule
// reads it as user.roles, and user_fields shows both; the preset's own
// mapping of the four fields stays.
func TestPresetProfileClaims(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-kc", "kc@example.com", "Kay"),
		authtest.WithClaims(map[string]any{"realm_access": map[string]any{"roles": []string{"offline_access", "admin"}}}))
	yaml := `
url: http://localhost:3111/api/auth
secret: ` + testSecret + `
session:
  user_fields: [id, roles, role]
claims:
  role: '"admin" in user.?roles.orValue([]) ? "admin" : "user"'
providers:
- type: keycloak
  id: corp
  issuer: ` + op.Issuer() + `
  client_id: ` + op.ClientID() + `
  client_secret: ` + op.ClientSecret() + `
  profile:
    roles: realm_access.roles
`
	loc, user, body := signInThroughYAML(t, yaml, op, "")
	if loc != "http://localhost:3111" {
		t.Fatalf("callback redirect = %q", loc)
	}
	want := map[string]any{"id": "sub-kc", "roles": []any{"offline_access", "admin"}, "role": "admin", "name": "Kay", "email": "kc@example.com"}
	for k, v := range want {
		if !reflect.DeepEqual(user[k], v) {
			t.Errorf("session user %s = %#v, want %#v (session %s)", k, user[k], v, body)
		}
	}
}

// signInThroughYAML builds the server the YAML configures and signs in
// through its provider corp at op (callbackUrl, if set): the callback's
// redirect, then GET /session's user and body.
func signInThroughYAML(t *testing.T, yaml string, op *authtest.OIDCProvider, callbackURL string) (string, map[string]any, string) {
	t.Helper()
	f, err := config.Parse("nextauth.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(tlog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, err := nextauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, h)
	form := url.Values{"csrfToken": {c.csrf()}, "json": {"true"}}
	if callbackURL != "" {
		form.Set("callbackUrl", callbackURL)
	}
	w := c.postForm("/api/auth/signin/corp", form)
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.URL, op.Issuer()) {
		t.Fatalf("POST /signin/corp = %d %s", w.Code, w.Body)
	}
	back := op.Login(t, out.URL)
	loc := c.get(back.RequestURI()).Header().Get("Location")
	body := c.get("/api/auth/session").Body.String()
	var sess struct{ User map[string]any }
	if err := json.Unmarshal([]byte(body), &sess); err != nil {
		t.Fatalf("session %s: %v", body, err)
	}
	return loc, sess.User, body
}
