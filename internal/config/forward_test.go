package config

import (
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestForwardKeys(t *testing.T) {
	const file = `url: https://auth.example.com
secret: s3cret-s3cret-s3cret-s3cret
trust_proxy: [127.0.0.1]
redirect_hosts: ["*.example.com"]
forward:
  path: check
  headers:
    X-Auth-Request-Role: role
  default: allow
  rules:
    - host: docs.example.com
      public: true
    - host: app.example.com
      path: /admin
      allow_emails: [ops@example.com]
      allow_domains: [example.com]
`
	f, err := Parse("forward.yaml", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	fw := cfg.Forward
	if fw == nil || fw.Path != "check" || fw.Default != nextauth.ForwardAllowSignedIn || fw.Headers["X-Auth-Request-Role"] != "role" || len(fw.Rules) != 2 {
		t.Fatalf("Forward = %+v", fw)
	}
	if r := fw.Rules[1]; r.Host != "app.example.com" || r.Path != "/admin" || r.Public || r.AllowEmails[0] != "ops@example.com" || r.AllowDomains[0] != "example.com" {
		t.Errorf("rule = %+v", r)
	}
	if !fw.Rules[0].Public || len(cfg.RedirectHosts) != 1 || cfg.RedirectHosts[0] != "*.example.com" {
		t.Errorf("public rule or redirect hosts wrong: %+v %v", fw.Rules[0], cfg.RedirectHosts)
	}
	if _, err := nextauth.New(cfg); err != nil {
		t.Errorf("nextauth.New: %v", err)
	}
	if cfg.Introspect != nil {
		t.Errorf("no introspect key: Introspect = %+v", cfg.Introspect)
	}

	f, err = Parse("introspect.yaml", []byte("secret: s3cret-s3cret-s3cret-s3cret\nintrospect:\n  client_id: py-api\n  client_secret: 0123456789abcdef0123456789abcdef\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	if i := cfg.Introspect; i == nil || i.ClientID != "py-api" || i.ClientSecret != "0123456789abcdef0123456789abcdef" || i.Path != "" {
		t.Errorf("Introspect = %+v", i)
	}

	f, err = Parse("none.yaml", []byte("secret: s3cret-s3cret-s3cret-s3cret\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _ := f.NextAuth(); cfg.Forward != nil {
		t.Errorf("no forward key: Forward = %+v", cfg.Forward)
	}
}

func TestForwardProblems(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"forward:\n  rules:\n    - host: a.example.com\n      allow: '\"admins\" in tokn.groups'\n", `f.yaml:5:27: forward.rules[0].allow: undeclared reference to 'tokn'`},
		{"forward:\n  rules:\n    - host: a.example.com\n      allow: 'request.path'\n", `forward.rules[0].allow: the expression is of type string; want bool`},
		{"forward:\n  default: maybe\n", `forward.default: "maybe": want deny or allow`},
		{"forward:\n  headers: [X-Role]\n", "forward.headers: want a mapping"},
		{"forward:\n  headers:\n    X-Role: [a]\n", "forward.headers.X-Role: want a header name and a claim name"},
		{"forward:\n  rules:\n    - hots: a\n", "forward.rules[0].hots: unknown key"},
		{"introspect:\n  client_id: py\n", "introspect.client_secret: missing"},
		{"introspect:\n  client_secret: short\n", "introspect.client_secret: too short"},
	}
	for _, tt := range tests {
		f, err := Parse("f.yaml", []byte("secret: s3cret-s3cret-s3cret-s3cret\n"+tt.yaml), nil)
		if err == nil {
			_, err = f.NextAuth()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
