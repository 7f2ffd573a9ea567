package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenEnv is the environment of each testdata file; others get
// defaultGoldenEnv.
var goldenEnv = map[string]map[string]string{
	"example.yaml":        {"NEXTAUTH_SECRET": "example-secret"},
	"empty.yaml":          {"AUTH_SECRET": "auth-secret"},
	"database.yaml":       {"TEST_SECRET": "test-secret", "DB_PASSWORD": "db-pa55word", "SMTP_PASSWORD": "smtp-pa55word"},
	"dbmistakes.yaml":     {"DB_PASSWORD": "db-pa55word", "SMTP_PASSWORD": "smtp-pa55word"},
	"redis.yaml":          {"DB_PASSWORD": "db-pa55word"},
	"server.yaml":         {"TEST_SECRET": "test-secret", "ADMIN_TOKEN": "admin-t0ken-0123456789abcdefghijklmnop"},
	"servermistakes.yaml": {"ADMIN_TOKEN": "short-admin-t0ken"},
	"oauth.yaml": {
		"TEST_SECRET": "test-secret", "CORP_ID": "corp-client", "CORP_CLIENT_SECRET": "corp-s3cret",
		"ACME_CLIENT_SECRET": "acme-s3cret", "AUTH_GITHUB_ID": "Iv1.github", "AUTH_GITHUB_SECRET": "github-s3cret",
		"KEYCLOAK_CLIENT_SECRET": "keycloak-s3cret", "AZURE_CLIENT_SECRET": "azure-s3cret",
	},
	"oauthmistakes.yaml": {
		"CORP_CLIENT_SECRET": "corp-s3cret", "ACME_CLIENT_SECRET": "acme-s3cret", "AUTH_GITHUB_SECRET": "github-s3cret",
		"KEYCLOAK_CLIENT_SECRET": "keycloak-s3cret", "AZURE_CLIENT_SECRET": "azure-s3cret",
	},
	"envproviders.yaml": {
		"AUTH_GITHUB_ID": "Iv1.github", "AUTH_GITHUB_SECRET": "github-s3cret",
		"AUTH_GOOGLE_ID": "google-client", "AUTH_GOOGLE_SECRET": "google-s3cret",
		"AUTH_KEYCLOAK_ID": "nextauth", "AUTH_KEYCLOAK_SECRET": "keycloak-s3cret", "AUTH_KEYCLOAK_ISSUER": "https://kc.example.com/realms/main",
		"AUTH_GITLAB_ID": "gitlab-client", "AUTH_GITLAB_SECRET": "gitlab-s3cret",
	},
	"envmistakes.yaml": {
		"AUTH_GITHUB_ID":      "Iv1.github",
		"AUTH_DISCORD_SECRET": "discord-s3cret",
		"AUTH_OKTA_ID":        "okta-client", "AUTH_OKTA_SECRET": "okta-s3cret",
		"AUTH_KEYCLOAK_ID": "nextauth", "AUTH_KEYCLOAK_SECRET": "keycloak-s3cret", "AUTH_KEYCLOAK_ISSUER": "kc.example.com/realms/main",
		"AUTH_AZURE_AD_B2C_ID": "b2c-client", "AUTH_AZURE_AD_B2C_SECRET": "b2c-s3cret",
		"AUTH_TWITCH_SECRET": "twitch-s3cret",
		"AUTH_SPOTIFY_ID":    "spotify-client", "AUTH_SPOTIFY_SECRET": "spotify-s3cret",
	},
}

// isSecretVar reports whether the variable name holds a password or a
// client secret, which no output may show. (NEXTAUTH_SECRET, AUTH_SECRET
// and TEST_SECRET are the server's own secret, which the dump holds.)
func isSecretVar(name string) bool {
	return strings.HasSuffix(name, "_PASSWORD") || strings.HasSuffix(name, "_CLIENT_SECRET") || strings.HasSuffix(name, "_TOKEN") ||
		(strings.HasPrefix(name, "AUTH_") && strings.HasSuffix(name, "_SECRET") && name != "AUTH_SECRET")
}

var defaultGoldenEnv = map[string]string{"TEST_SECRET": "test-secret"}

// configDump is the data of a nextauth.Config, for golden files.
type configDump struct {
	URL             string
	Database        *databaseDump
	Secret          string
	PreviousSecrets []string
	Session         sessionDump
	JWT             nextauth.JWTConfig
	Cookies         nextauth.Cookies
	Theme           nextauth.Theme
	Pages           nextauth.Pages
	Allow           nextauth.AllowList
	EmailRateLimit  nextauth.RateLimit
	Debug           bool
	Providers       []providerDump
	Log             Log
	Warnings        []string
	Server          serverDump
}

// serverDump is what hardens and observes the server: nextauth.Config's
// limits and proxies, and the File's admin and metrics keys.
type serverDump struct {
	URLs                 []string
	BasePaths            []string
	TrustProxy           []netip.Prefix
	CORSOrigins          []string
	CredentialsRateLimit nextauth.RateLimit
	Lockout              nextauth.Lockout
	AdminPath            string
	AdminToken           string `json:",omitempty"` // "(set)" when set
	MetricsAddr          string
}

// databaseDump is the checked database: and database_options.
type databaseDump struct {
	Kind, Path, Shown string
	CleanupInterval   time.Duration
	KeyPrefix         string
}

// sessionDump is nextauth.SessionConfig without its func field.
type sessionDump struct {
	Strategy          nextauth.SessionStrategy
	MaxAge, UpdateAge time.Duration
}

type providerDump struct {
	Info   nextauth.ProviderInfo
	Fields []nextauth.CredentialField `json:",omitempty"`
	MaxAge time.Duration              `json:",omitempty"` // email
	OAuth  *oauthDump                 `json:",omitempty"`

	// AllowDangerousEmailAccountLinking of a credentials provider.
	AllowDangerousEmailAccountLinking bool `json:",omitempty"`
}

// oauthDump is what an OAuth provider was built with, its secret masked.
type oauthDump struct {
	Type                              string // oauth, oidc or the preset id
	ClientID                          string
	ClientSecret                      string            `json:",omitempty"` // "(set)" when set
	Issuer                            string            `json:",omitempty"`
	WellKnown                         string            `json:",omitempty"`
	AuthorizationURL                  string            `json:",omitempty"`
	TokenURL                          string            `json:",omitempty"`
	UserinfoURL                       string            `json:",omitempty"`
	JWKSURL                           string            `json:",omitempty"`
	AuthorizationParamList            [][2]string       `json:",omitempty"`
	AuthorizationParams               map[string]string `json:",omitempty"`
	Scope                             string            `json:",omitempty"`
	ConfiguredChecks                  []string          // as given to the provider (nil: its default)
	Checks                            []string          // what the provider runs
	IDToken                           *bool             `json:",omitempty"`
	TokenEndpointAuthMethod           string            `json:",omitempty"`
	ExtraTokenParams                  map[string]string `json:",omitempty"`
	IDTokenSigningAlg                 string            `json:",omitempty"`
	Timeout                           time.Duration     `json:",omitempty"`
	Profile                           string            `json:",omitempty"` // "default", "preset" or the profile key
	AllowDangerousEmailAccountLinking bool              `json:",omitempty"`
}

func dumpOAuth(b builtOAuth, p nextauth.OAuthProvider) *oauthDump {
	c := b.Config
	d := &oauthDump{
		Type: b.Type, ClientID: c.ClientID, Issuer: c.Issuer, WellKnown: c.WellKnown,
		AuthorizationURL: c.AuthorizationURL, TokenURL: c.TokenURL, UserinfoURL: c.UserinfoURL, JWKSURL: c.JWKSURL,
		AuthorizationParamList: c.AuthorizationParamList, AuthorizationParams: c.AuthorizationParams, Scope: c.Scope,
		ConfiguredChecks: c.Checks, Checks: p.Checks(), IDToken: c.IDToken, TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		ExtraTokenParams: c.ExtraTokenParams, IDTokenSigningAlg: c.IDTokenSigningAlg, Timeout: c.Timeout,
		AllowDangerousEmailAccountLinking: c.AllowDangerousEmailAccountLinking, Profile: "default",
	}
	if c.ClientSecret != "" {
		d.ClientSecret = "(set)"
	}
	switch {
	case b.Profile != nil:
		d.Profile = fmt.Sprintf("%+v", *b.Profile)
	case c.Profile != nil:
		d.Profile = "preset"
	}
	return d
}

// TestGolden loads each testdata/*.yaml and compares what it gives — the
// config, or every problem — with testdata/*.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			env := goldenEnv[filepath.Base(path)]
			if env == nil {
				env = defaultGoldenEnv
			}
			got := goldenOutput(t, path, env)
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("Load(%s) gives:\n%s\nwant (%s):\n%s", path, got, golden, want)
			}
			for name, value := range env {
				if isSecretVar(name) && strings.Contains(got, value) {
					t.Errorf("Load(%s) output shows $%s (%q); want it masked", path, name, value)
				}
			}
		})
	}
}

func goldenOutput(t *testing.T, path string, env map[string]string) string {
	f, err := Load(path, mapEnv(env))
	if f == nil {
		t.Fatalf("Load(%s) = nil, %v", path, err)
	}
	b, err := f.build(nil)
	cfg, db := b.cfg, b.db
	if err != nil {
		return "problems:\n" + strings.Join(problemLines(err), "\n") + "\n"
	}
	d := configDump{
		URL: cfg.URL, Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, JWT: cfg.JWT,
		Cookies: cfg.Cookies, Theme: cfg.Theme, Pages: cfg.Pages, Allow: cfg.Allow, EmailRateLimit: cfg.EmailRateLimit, Debug: cfg.Debug,
		Log: f.Log, Warnings: f.Warnings(),
		Session: sessionDump{Strategy: cfg.Session.Strategy, MaxAge: cfg.Session.MaxAge, UpdateAge: cfg.Session.UpdateAge},
		Server: serverDump{
			URLs: cfg.URLs, BasePaths: f.BasePaths(), TrustProxy: cfg.TrustProxy, CORSOrigins: cfg.CORSOrigins,
			CredentialsRateLimit: cfg.CredentialsRateLimit, Lockout: cfg.Lockout,
			AdminPath: f.AdminPath(), MetricsAddr: f.MetricsAddr,
		},
	}
	if f.Admin.Token != "" {
		d.Server.AdminToken = "(set)"
	}
	if db != nil {
		d.Database = &databaseDump{Kind: db.kind, Path: db.path, Shown: db.shown,
			CleanupInterval: cleanupInterval(db, f.DatabaseOptions), KeyPrefix: f.DatabaseOptions.KeyPrefix}
	}
	for _, p := range cfg.Providers {
		pd := providerDump{Info: p.Info()}
		if cp, ok := p.(nextauth.CredentialsProvider); ok {
			pd.Fields = cp.Fields()
			if l, ok := p.(nextauth.EmailAccountLinker); ok {
				pd.AllowDangerousEmailAccountLinking = l.AllowDangerousEmailAccountLinking()
			}
		}
		if ep, ok := p.(nextauth.EmailProvider); ok {
			pd.MaxAge = ep.MaxAge()
		}
		if op, ok := p.(nextauth.OAuthProvider); ok {
			built, found := b.oauth[pd.Info.ID]
			if !found {
				t.Fatalf("Load(%s): OAuth provider %q was not recorded", path, pd.Info.ID)
			}
			pd.OAuth = dumpOAuth(built, op)
		}
		d.Providers = append(d.Providers, pd)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return "ok\n" + f.Summary(cfg) + string(out) + "\n"
}
