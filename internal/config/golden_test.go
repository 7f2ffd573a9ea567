package config

import (
	"encoding/json"
	"flag"
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
	"example.yaml":    {"NEXTAUTH_SECRET": "example-secret"},
	"empty.yaml":      {"AUTH_SECRET": "auth-secret"},
	"database.yaml":   {"TEST_SECRET": "test-secret", "DB_PASSWORD": "db-pa55word", "SMTP_PASSWORD": "smtp-pa55word"},
	"dbmistakes.yaml": {"DB_PASSWORD": "db-pa55word", "SMTP_PASSWORD": "smtp-pa55word"},
	"redis.yaml":      {"DB_PASSWORD": "db-pa55word"},
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
				if strings.HasSuffix(name, "_PASSWORD") && strings.Contains(got, value) {
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
	cfg, db, err := f.build(nil)
	if err != nil {
		return "problems:\n" + strings.Join(problemLines(err), "\n") + "\n"
	}
	d := configDump{
		URL: cfg.URL, Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, JWT: cfg.JWT,
		Cookies: cfg.Cookies, Theme: cfg.Theme, Pages: cfg.Pages, Allow: cfg.Allow, EmailRateLimit: cfg.EmailRateLimit, Debug: cfg.Debug,
		Log: f.Log, Warnings: f.Warnings(),
		Session: sessionDump{Strategy: cfg.Session.Strategy, MaxAge: cfg.Session.MaxAge, UpdateAge: cfg.Session.UpdateAge},
	}
	if db != nil {
		d.Database = &databaseDump{Kind: db.kind, Path: db.path, Shown: db.shown,
			CleanupInterval: cleanupInterval(db, f.DatabaseOptions), KeyPrefix: f.DatabaseOptions.KeyPrefix}
	}
	for _, p := range cfg.Providers {
		pd := providerDump{Info: p.Info()}
		if cp, ok := p.(nextauth.CredentialsProvider); ok {
			pd.Fields = cp.Fields()
		}
		if ep, ok := p.(nextauth.EmailProvider); ok {
			pd.MaxAge = ep.MaxAge()
		}
		d.Providers = append(d.Providers, pd)
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return "ok\n" + Summary(cfg) + string(b) + "\n"
}
