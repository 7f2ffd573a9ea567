package config

import (
	"reflect"
	"strings"
	"testing"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestExpand(t *testing.T) {
	env := mapEnv(map[string]string{"A": "alpha", "B": "", "SECRET": "s3cr3t"})
	tests := []struct {
		name      string
		in        string
		want      string
		wantUnset []UnsetVar
		wantErrs  []string
	}{
		{name: "no references", in: "url: http://x\n", want: "url: http://x\n"},
		{name: "set", in: "secret: ${SECRET}\n", want: "secret: s3cr3t\n"},
		{name: "two on a line", in: "a: ${A}-${A}\n", want: "a: alpha-alpha\n"},
		{name: "default unused", in: "a: ${A:-d}\n", want: "a: alpha\n"},
		{name: "default for unset", in: "a: ${NOPE:-fallback value}\n", want: "a: fallback value\n"},
		{name: "default for empty", in: "b: ${B:-d}\n", want: "b: d\n"},
		{name: "empty default", in: "b: ${NOPE:-}\n", want: "b: \n"},
		{name: "default with colon", in: "u: ${NOPE:-http://localhost:3000}\n", want: "u: http://localhost:3000\n"},
		{
			name: "unset without default is recorded", in: "x: 1\nsecret: ${NOPE}\n", want: "x: 1\nsecret: \n",
			wantUnset: []UnsetVar{{Name: "NOPE", Line: 2}},
		},
		{
			name: "empty without default is recorded", in: "b: ${B}", want: "b: ",
			wantUnset: []UnsetVar{{Name: "B", Line: 1}},
		},
		{name: "bcrypt hash untouched", in: `h: "$2a$10$abc/def"` + "\n", want: `h: "$2a$10$abc/def"` + "\n"},
		{name: "lone dollar", in: "p: a$b$\n", want: "p: a$b$\n"},
		{name: "escaped", in: "p: $${A}\n", want: "p: ${A}\n"},
		{name: "comment line untouched", in: "  # ${NOPE}\na: ${A}\n", want: "  # ${NOPE}\na: alpha\n"},
		{name: "no final newline", in: "a: ${A}", want: "a: alpha"},
		{
			name: "unterminated", in: "a: 1\nurl: ${A\n", want: "a: 1\nurl: ${A\n",
			wantErrs: []string{"config: f.yaml:2: unterminated ${"},
		},
		{
			name: "ends on its own line", in: "a: ${A\n}\n", want: "a: ${A\n}\n",
			wantErrs: []string{"config: f.yaml:1: unterminated ${"},
		},
		{
			name: "bad name", in: "a: ${1A}\nb: ${}\n", want: "a: \nb: \n",
			wantErrs: []string{`config: f.yaml:1: ${1A}: "1A" is not a variable name`, `config: f.yaml:2: ${}: "" is not a variable name`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unset, errs := expand("f.yaml", tt.in, env)
			if got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !reflect.DeepEqual(unset, tt.wantUnset) {
				t.Errorf("expand(%q) unset = %v, want %v", tt.in, unset, tt.wantUnset)
			}
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("expand(%q) errors = %v, want %d: %q", tt.in, errs, len(tt.wantErrs), tt.wantErrs)
			}
			for i, err := range errs {
				if !strings.HasPrefix(err.Error(), tt.wantErrs[i]) {
					t.Errorf("expand(%q) error %d = %q, want prefix %q", tt.in, i, err, tt.wantErrs[i])
				}
			}
		})
	}
}

func TestValidVarName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"A", true}, {"_a1", true}, {"NEXTAUTH_SECRET", true}, {"", false}, {"1A", false}, {"A-B", false}, {"A B", false}, {"Ä", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validVarName(tt.in); got != tt.want {
				t.Errorf("validVarName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
