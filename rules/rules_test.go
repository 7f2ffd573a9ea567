package rules

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestClaims(t *testing.T) {
	user := &nextauth.User{ID: "u1", Name: nextauth.String("Ann"), Email: nextauth.String("ann@example.com"), Claims: map[string]any{"dept": "ops"}}
	account := &nextauth.Account{Provider: "oidc", Type: "oauth", ProviderAccountID: "p1"}
	profile := map[string]any{"groups": []any{"admins", "staff"}, "realm_access": map[string]any{"roles": []any{"a", "b"}}, "age": 42.0}
	token := map[string]any{"sub": "u1", "email": "ann@example.com"}
	tests := []struct {
		name, expr string
		want       any
	}{
		{"group to role", `"admins" in profile.groups ? "admin" : "user"`, "admin"},
		{"nested", `profile.realm_access.roles`, []any{"a", "b"}},
		{"optional default", `profile.?teams.orValue([])`, []any{}},
		{"user claim", `user.dept + "/" + user.id`, "ops/u1"},
		{"account", `account.provider + ":" + account.type`, "oidc:oauth"},
		{"token", `token.email.lowerAscii()`, "ann@example.com"},
		{"number", `profile.age > 18`, true},
		{"int", `1 + 2`, int64(3)},
		{"null removes", `null`, nil},
		{"map", `{"a": [1, "x"]}`, map[string]any{"a": []any{int64(1), "x"}}},
		{"filter", `profile.groups.filter(g, g.startsWith("ad"))`, []any{"admins"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compile(Config{Claims: map[string]string{"c": tt.expr}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Claims(context.Background(), nextauth.ClaimsParams{User: user, Account: account, Profile: profile, Token: token})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got["c"], tt.want) {
				t.Errorf("claims.c = %#v, want %#v", got["c"], tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"undeclared", Config{Claims: map[string]string{"role": `profil.groups`}}, []string{"rules: claims.role: line 1, column 1: undeclared reference to 'profil'"}},
		{"syntax", Config{Claims: map[string]string{"role": "1 +\n  (2"}}, []string{"rules: claims.role: line 2, column"}},
		{"allow not bool", Config{Allow: `"yes"`}, []string{"rules: allow: line 1, column 1: the expression is of type string; want bool"}},
		{"protected", Config{Claims: map[string]string{"sub": `"x"`}}, []string{`rules: claims.sub: "sub" is a claim the server keeps to itself`}},
		{"all at once", Config{Claims: map[string]string{"a": `x`, "b": `y`}, Allow: `z`}, []string{"claims.a:", "claims.b:", "allow:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.cfg)
			if err == nil {
				t.Fatal("Compile = nil error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Compile error = %q, want it to contain %q", err, w)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not a *rules.Error", err)
			}
		})
	}
}

func TestAllow(t *testing.T) {
	r, err := Compile(Config{Allow: `account.provider == "github" && profile.login in ["alice", "bob"]`})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		login string
		want  bool
	}{{"alice", true}, {"mallory", false}} {
		res, err := r.SignIn(context.Background(), nextauth.SignInParams{User: &nextauth.User{ID: "1"}, Account: &nextauth.Account{Provider: "github"}, Profile: map[string]any{"login": tt.login}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Deny == tt.want {
			t.Errorf("SignIn(%s).Deny = %v, want %v", tt.login, res.Deny, !tt.want)
		}
	}
	// A missing key is an evaluation error, which denies.
	if _, err := r.SignIn(context.Background(), nextauth.SignInParams{User: &nextauth.User{}, Account: &nextauth.Account{Provider: "github"}}); err == nil {
		t.Error("SignIn without profile.login: no error")
	}
}

func TestCostLimit(t *testing.T) {
	r, err := Compile(Config{Claims: map[string]string{"c": `profile.xs.map(a, profile.xs.map(b, a + b)).size()`}, CostLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]any, 200)
	for i := range xs {
		xs[i] = float64(i)
	}
	_, err = r.Claims(context.Background(), nextauth.ClaimsParams{User: &nextauth.User{}, Account: &nextauth.Account{}, Profile: map[string]any{"xs": xs}})
	if err == nil || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("Claims over the cost limit = %v, want a cost error", err)
	}
}

// BenchmarkTwoRules evaluates a claims rule and the allow rule, as one
// sign-in does.
func BenchmarkTwoRules(b *testing.B) {
	r, err := Compile(Config{
		Claims: map[string]string{"role": `"admins" in user.groups ? "admin" : "user"`},
		Allow:  `user.email.endsWith("@example.com") && account.provider == "credentials"`,
	})
	if err != nil {
		b.Fatal(err)
	}
	u := &nextauth.User{ID: "1", Email: nextauth.String("a@example.com"), Claims: map[string]any{"groups": []any{"admins", "staff"}}}
	a := &nextauth.Account{Provider: "credentials", Type: "credentials"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := r.Allow(ctx, nextauth.SignInParams{User: u, Account: a}); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if _, err := r.Claims(ctx, nextauth.ClaimsParams{User: u, Account: a, Token: map[string]any{"sub": "1"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestClaimsRenew: on update and refresh only the rules that read token
// are evaluated (user, account and profile do not change then); at
// sign-in every rule is.
func TestClaimsRenew(t *testing.T) {
	r, err := Compile(Config{Claims: map[string]string{
		"badge":  `has(token.role) && token.role == "editor" ? "pen" : "none"`,
		"both":   `token.sub + "/" + profile.?login.orValue("-")`,
		"group":  `"admins" in profile.?groups.orValue([]) ? "admin" : "user"`,
		"static": `"x"`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	token := map[string]any{"sub": "u1", "role": "editor"}
	profile := map[string]any{"login": "ann", "groups": []any{"admins"}}
	tests := []struct {
		trigger string
		profile map[string]any
		want    map[string]any
	}{
		{nextauth.TriggerSignIn, profile, map[string]any{"badge": "pen", "both": "u1/ann", "group": "admin", "static": "x"}},
		{nextauth.TriggerSignUp, profile, map[string]any{"badge": "pen", "both": "u1/ann", "group": "admin", "static": "x"}},
		{nextauth.TriggerUpdate, nil, map[string]any{"badge": "pen", "both": "u1/-"}},
		{nextauth.TriggerRefresh, nil, map[string]any{"badge": "pen", "both": "u1/-"}},
	}
	for _, tt := range tests {
		got, err := r.Claims(context.Background(), nextauth.ClaimsParams{Token: token, Profile: tt.profile, Trigger: tt.trigger})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Claims = %v, %v; want %v", tt.trigger, got, err, tt.want)
		}
	}
	only, err := Compile(Config{Claims: map[string]string{"group": `"admins" in profile.?groups.orValue([]) ? "admin" : "user"`}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := only.Claims(context.Background(), nextauth.ClaimsParams{Token: token, Trigger: nextauth.TriggerUpdate}); err != nil || len(got) != 0 {
		t.Errorf("update with no rule reading token: Claims = %v, %v; want nothing", got, err)
	}
}
