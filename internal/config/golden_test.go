package config

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenEnv is the environment of each testdata file; others get
// defaultGoldenEnv.
var goldenEnv = map[string]map[string]string{
	"example.yaml": {"NEXTAUTH_SECRET": "example-secret"},
	"empty.yaml":   {"AUTH_SECRET": "auth-secret"},
}

var defaultGoldenEnv = map[string]string{"TEST_SECRET": "test-secret"}

// configDump is the data of a nextauth.Config, for golden files.
type configDump struct {
	URL             string
	Secret          string
	PreviousSecrets []string
	Session         nextauth.SessionConfig
	JWT             nextauth.JWTConfig
	Cookies         nextauth.Cookies
	Theme           nextauth.Theme
	Pages           nextauth.Pages
	Allow           nextauth.AllowList
	Debug           bool
	Providers       []providerDump
	Log             Log
	Warnings        []string
}

type providerDump struct {
	Info   nextauth.ProviderInfo
	Fields []nextauth.CredentialField
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
		})
	}
}

func goldenOutput(t *testing.T, path string, env map[string]string) string {
	f, err := Load(path, mapEnv(env))
	if f == nil {
		t.Fatalf("Load(%s) = nil, %v", path, err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		return "problems:\n" + strings.Join(problemLines(err), "\n") + "\n"
	}
	d := configDump{
		URL: cfg.URL, Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, Session: cfg.Session, JWT: cfg.JWT,
		Cookies: cfg.Cookies, Theme: cfg.Theme, Pages: cfg.Pages, Allow: cfg.Allow, Debug: cfg.Debug,
		Log: f.Log, Warnings: f.Warnings(),
	}
	for _, p := range cfg.Providers {
		pd := providerDump{Info: p.Info()}
		if cp, ok := p.(nextauth.CredentialsProvider); ok {
			pd.Fields = cp.Fields()
		}
		d.Providers = append(d.Providers, pd)
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return "ok\n" + Summary(cfg) + string(b) + "\n"
}
