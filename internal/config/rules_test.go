package config

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

// TestRuleProblems: a broken CEL expression is reported with its key path
// and the line and column in the file, whatever the YAML style.
func TestRuleProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"plain", "secret: s\nclaims:\n  role: profil.groups\n",
			[]string{"config: t.yaml:3:9: claims.role: undeclared reference to 'profil'"}},
		{"quoted", "secret: s\nclaims:\n  role: '\"admins\" in profile.grups || x'\n",
			[]string{"config: t.yaml:3:39: claims.role: undeclared reference to 'x' (expression line 1, column 30)"}},
		{"block", "secret: s\nclaims:\n  role: |\n    \"a\" in profile.groups\n      ? \"admin\" : usr\n",
			[]string{"config: t.yaml:5:19: claims.role: undeclared reference to 'usr'"}},
		{"syntax", "secret: s\nallow:\n  expression: 'account.provider =='\n",
			[]string{"config: t.yaml:3:"}},
		{"allow must be bool", "secret: s\nallow:\n  expression: '\"x\" + account.provider'\n",
			[]string{"config: t.yaml:3:16: allow.expression: the expression is of type string; want bool"}},
		{"protected claim", "secret: s\nclaims:\n  sub: '\"x\"'\n",
			[]string{`config: t.yaml:3: claims.sub: "sub" is a claim the server keeps to itself`}},
		{"not a string", "secret: s\nclaims:\n  role: [a]\n",
			[]string{"config: t.yaml:3: claims.role: want a CEL expression (a string), got a list"}},
		{"user fields", "secret: s\nsession:\n  user_fields: [id, email, exp, id]\n", []string{
			`config: t.yaml:3: session.user_fields[1]: "email" is always in the session's user`,
			`config: t.yaml:3: session.user_fields[2]: "exp" is a claim the server keeps to itself`,
			`config: t.yaml:3: session.user_fields[3]: "id" is listed twice`,
		}},
		{"static user claims", "secret: s\nproviders:\n- type: credentials\n  users:\n  - username: a\n    password_hash: '" + aliceHash + "'\n    claims: {sub: x, role: admin}\n",
			[]string{`config: t.yaml:7: providers[0].users[0].claims.sub: "sub" is a claim the server keeps to itself`}},
		{"profile claim", "secret: s\nproviders:\n- type: oidc\n  issuer: https://op.example\n  client_id: c\n  client_secret: x\n  profile:\n    roles: realm_access..roles\n    exp: exp\n", []string{
			`config: t.yaml:8: providers[0].profile.roles: "realm_access..roles" is not a claim path`,
			`config: t.yaml:9: providers[0].profile.exp: "exp" is a claim the server keeps to itself`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte(tt.yaml), nil)
			_, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("NextAuth() of %q = %d problems:\n%s\nwant %d:\n%s", tt.yaml, len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("NextAuth() of %q: problem %d = %q, want %q", tt.yaml, i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRulesBuilt: claims and allow.expression become Config.Claims and
// the SignIn callback; user_fields reaches the session config.
func TestRulesBuilt(t *testing.T) {
	f, _ := Parse("t.yaml", []byte("secret: s\nsession: {user_fields: [id, role]}\nclaims:\n  role: '\"admins\" in profile.?groups.orValue([]) ? \"admin\" : \"user\"'\nallow:\n  expression: account.provider == \"x\"\n"), nil)
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Session.UserFields, []string{"id", "role"}) {
		t.Errorf("UserFields = %v", cfg.Session.UserFields)
	}
	if len(cfg.Claims) != 1 || cfg.Callbacks.SignIn == nil {
		t.Fatalf("Claims = %d funcs, SignIn = %v; want 1 and a callback", len(cfg.Claims), cfg.Callbacks.SignIn != nil)
	}
	got, err := cfg.Claims[0](context.Background(), nextauth.ClaimsParams{User: &nextauth.User{ID: "1"}, Account: &nextauth.Account{Provider: "x"}, Profile: map[string]any{"groups": []any{"admins"}}})
	if err != nil || got["role"] != "admin" {
		t.Errorf("claims = %v, %v; want role admin", got, err)
	}
	res, err := cfg.Callbacks.SignIn(context.Background(), nextauth.SignInParams{User: &nextauth.User{ID: "1"}, Account: &nextauth.Account{Provider: "y"}})
	if err != nil || !res.Deny {
		t.Errorf("SignIn(provider y) = %+v, %v; want Deny", res, err)
	}
}

// TestClaimsFromProviders: a static user's claims and an authorize_url
// answer's other members become the user's claims.
func TestClaimsFromProviders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id":"9","name":"Bo","role":"editor","teams":["x"]}`))
	}))
	defer srv.Close()
	yaml := "secret: s\nproviders:\n- type: credentials\n  users:\n  - username: ann\n    password_hash: '" + aliceHash + "'\n    claims:\n      role: admin\n      level: 3\n      tags: [a, b]\n" +
		"- type: credentials\n  id: remote\n  authorize_url: " + srv.URL + "\n"
	f, err := Parse("t.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		i     int
		creds nextauth.Credentials
		want  map[string]any
	}{
		{0, nextauth.Credentials{"username": "ann", "password": "alice-pw"}, map[string]any{"role": "admin", "level": 3.0, "tags": []any{"a", "b"}}},
		{1, nextauth.Credentials{"username": "bo", "password": "x"}, map[string]any{"role": "editor", "teams": []any{"x"}}},
	} {
		u, err := cfg.Providers[tt.i].(nextauth.CredentialsProvider).Authorize(context.Background(), tt.creds, nil)
		if err != nil || u == nil {
			t.Fatalf("provider %d: Authorize = %v, %v", tt.i, u, err)
		}
		if !reflect.DeepEqual(u.Claims, tt.want) {
			t.Errorf("provider %d: claims = %#v, want %#v", tt.i, u.Claims, tt.want)
		}
	}
}
