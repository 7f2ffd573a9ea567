package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

// TestCredentialsIdentifierField: identifier_field reaches the provider;
// static users are counted by username and checked in the same time when
// locked (CredentialsDecoy); a remote check is not.
func TestCredentialsIdentifierField(t *testing.T) {
	const hash = `"$2a$04$cpHSnJKqhbZbipbMSzpC9OG911BflUEQUhdrgtUbwygU0Yeo/PgUe"`
	tests := []struct {
		name       string
		provider   string
		identifier string // what the provider reports
		decoy      bool
	}{
		{"remote, default", "{type: credentials, authorize_url: http://127.0.0.1:1/a}", "", false},
		{"remote, configured", "{type: credentials, authorize_url: http://127.0.0.1:1/a, identifier_field: login, fields: [{name: login}, {name: pw, type: password}]}", "login", false},
		{"remote, fields: [] configured", "{type: credentials, authorize_url: http://127.0.0.1:1/a, identifier_field: login, fields: []}", "login", false},
		{"static users", "{type: credentials, users: [{username: alice, password_hash: " + hash + "}]}", "username", true},
		{"static users, fields: []", "{type: credentials, fields: [], users: [{username: alice, password_hash: " + hash + "}]}", "username", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\nproviders:\n  - "+tt.provider+"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := f.NextAuth()
			if err != nil {
				t.Fatal(err)
			}
			p := cfg.Providers[0]
			if got := p.(nextauth.CredentialsIdentifier).IdentifierField(); got != tt.identifier {
				t.Errorf("IdentifierField() = %q, want %q", got, tt.identifier)
			}
			if _, decoy := p.(nextauth.CredentialsDecoy); decoy != tt.decoy {
				t.Errorf("a CredentialsDecoy: %v, want %v", decoy, tt.decoy)
			}
			if w := f.Warnings(); len(w) != 0 {
				t.Errorf("Warnings() = %q, want none", w)
			}
		})
	}
}

// TestCredentialsIdentifierFieldProblems: an identifier_field that names no
// field, a password, or (with static users) anything but username.
func TestCredentialsIdentifierFieldProblems(t *testing.T) {
	const hash = `"$2a$04$cpHSnJKqhbZbipbMSzpC9OG911BflUEQUhdrgtUbwygU0Yeo/PgUe"`
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"not a field", "  - {type: credentials, authorize_url: http://127.0.0.1:1/a, identifier_field: email}\n", []string{
			`config: t.yaml:3: providers[0].identifier_field: "email" is not one of the fields`,
		}},
		{"password", "  - {type: credentials, authorize_url: http://127.0.0.1:1/a, identifier_field: password}\n", []string{
			`config: t.yaml:3: providers[0].identifier_field: "password" is a password field: name the field that identifies the account (a user name, an e-mail address)`,
		}},
		{"static users", "  - {type: credentials, identifier_field: password, users: [{username: a, password_hash: " + hash + "}]}\n", []string{
			`config: t.yaml:3: providers[0].identifier_field: "password" is a password field: name the field that identifies the account (a user name, an e-mail address)`,
			`config: t.yaml:3: providers[0].identifier_field: "password": static users sign in with their username; leave identifier_field out or set it to username`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\nproviders:\n"+tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.NextAuth()
			if got := problemLines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCredentialsIdentifierWarning: a credentials provider whose fields
// name no account (fields: [], or only passwords) and that sets no
// identifier_field has no per-account protection, which check warns of.
func TestCredentialsIdentifierWarning(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`secret: s
providers:
  - type: credentials
    fields: []
    authorize_url: http://127.0.0.1:1/a
  - {type: credentials, id: pin, fields: [{name: pin, type: password}], authorize_url: http://127.0.0.1:1/a}
  - {type: credentials, id: set, fields: [], identifier_field: login, authorize_url: http://127.0.0.1:1/a}
  - {type: credentials, id: other, fields: [{name: login}], authorize_url: http://127.0.0.1:1/a}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	const why = ".identifier_field: missing: without a field naming the account (fields lists no user name or other text field), " +
		"this provider has no per-account rate limit and no lockout; set identifier_field to the field your users sign in with"
	want := []string{"config: c.yaml:4: providers[0]" + why, "config: c.yaml:6: providers[1]" + why}
	if got := f.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := f.NextAuth(); err != nil {
		t.Errorf("NextAuth() = %v, want warnings only", err)
	}
}

// TestRateLimitIPv6Prefix: rate_limit.ipv6_prefix is Config.ClientIPv6Prefix,
// 1 to 128 (0 or absent: the default).
func TestRateLimitIPv6Prefix(t *testing.T) {
	for _, tt := range []struct {
		yaml    string
		want    int
		problem string
	}{
		{"", 0, ""},
		{"rate_limit: {ipv6_prefix: 56}\n", 56, ""},
		{"rate_limit: {ipv6_prefix: 128}\n", 128, ""},
		{"rate_limit: {ipv6_prefix: 129}\n", 0, "config: t.yaml:2: rate_limit.ipv6_prefix: 129: want 1 to 128 (64: a client's usual IPv6 network; 128: each address)"},
		{"rate_limit: {ipv6_prefix: -1}\n", 0, "config: t.yaml:2: rate_limit.ipv6_prefix: -1: want 1 to 128 (64: a client's usual IPv6 network; 128: each address)"},
	} {
		f, err := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := f.NextAuth()
		if tt.problem != "" {
			if got := problemLines(err); !reflect.DeepEqual(got, []string{tt.problem}) {
				t.Errorf("%q: problems %q, want %q", tt.yaml, got, tt.problem)
			}
			continue
		}
		if err != nil || cfg.ClientIPv6Prefix != tt.want {
			t.Errorf("%q: ClientIPv6Prefix = %d, %v, want %d", tt.yaml, cfg.ClientIPv6Prefix, err, tt.want)
		}
		if _, err := nextauth.New(cfg); err != nil {
			t.Errorf("%q: nextauth.New: %v", tt.yaml, err)
		}
	}
}
