package rules_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/rules"
)

func TestCompileForward(t *testing.T) {
	id := nextauth.ForwardIdentity{UserID: "u1", Email: "alice@example.com", Claims: map[string]any{"groups": []any{"admins"}, "level": 3.0}}
	target := nextauth.ForwardTarget{Method: "GET", Host: "grafana.example.com", Path: "/admin/users", URL: "https://grafana.example.com/admin/users"}
	tests := []struct {
		name, src string
		want      bool
		compile   string // a problem when compiling ("" none)
		eval      bool   // an error when evaluating
	}{
		{"group", `"admins" in token.groups`, true, "", false},
		{"not in group", `"ops" in token.groups`, false, "", false},
		{"request", `request.host == "grafana.example.com" && request.path.startsWith("/admin") && request.method == "GET"`, true, "", false},
		{"user", `user.email.endsWith("@example.com") && user.id == "u1"`, true, "", false},
		{"number claim", `token.level >= 3`, true, "", false},
		{"optional claim", `token.?team.orValue("") == ""`, true, "", false},
		{"missing claim", `token.team == "x"`, false, "", true},
		{"dyn not bool", `token.level`, false, "", true},
		{"not bool", `request.path`, false, "the expression is of type string; want bool", false},
		{"undeclared", `tokn.groups`, false, "undeclared reference to 'tokn'", false},
		{"syntax", `"admins" in`, false, "Syntax error", false},
		{"cost", `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, a+b+c+d > 0))))`, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := rules.CompileForward(tt.src, 1000)
			if tt.compile != "" {
				var re *rules.Error
				if !errors.As(err, &re) || re.Key != "allow" || !strings.Contains(re.Msg, tt.compile) {
					t.Fatalf("CompileForward() = %v, want a problem %q at allow", err, tt.compile)
				}
				return
			}
			if err != nil {
				t.Fatalf("CompileForward() = %v", err)
			}
			got, err := f.Allow(context.Background(), id, target)
			if (err != nil) != tt.eval || got != tt.want {
				t.Errorf("Allow() = %v, %v, want %v (error: %v)", got, err, tt.want, tt.eval)
			}
		})
	}
}
