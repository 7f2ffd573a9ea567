package config

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestDev(t *testing.T) {
	tests := []struct {
		name         string
		path, yaml   string
		env          map[string]string
		wantSecret   bool // a secret is generated for this run
		wantDefaults bool // the database, the dev user and console e-mail are added
	}{
		{name: "no file, no secret", wantSecret: true, wantDefaults: true},
		{name: "no file, secret set", env: map[string]string{"NEXTAUTH_SECRET": "s"}, wantDefaults: true},
		{name: "file without secret", path: "c.yaml", yaml: "url: http://x.example\n", wantSecret: true},
		{name: "file with secret", path: "c.yaml", yaml: "secret: s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.path, []byte(tt.yaml), mapEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			before := f.Secret
			// Without KeepSecret, Dev touches no file: the working
			// directory stays empty.
			dir := t.TempDir()
			t.Chdir(dir)
			s, err := f.Dev(DevOptions{Random: rand.Reader})
			if err != nil {
				t.Fatalf("Dev() error = %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("Dev() without KeepSecret wrote %v", entries)
			}
			if s.SecretGenerated != tt.wantSecret || s.SecretFile != "" {
				t.Errorf("Dev() = %+v, want SecretGenerated %v and no SecretFile", s, tt.wantSecret)
			}
			if tt.wantSecret && len(f.Secret) != 44 || !tt.wantSecret && f.Secret != before {
				t.Errorf("after Dev() Secret = %q (was %q)", f.Secret, before)
			}
			if got := s.Username != "" && s.Password != "" && s.ConsoleEmail && s.Database == DevDatabase; got != tt.wantDefaults {
				t.Fatalf("Dev() = %+v, want the defaults: %v", s, tt.wantDefaults)
			}
			cfg, err := f.NextAuth()
			if err != nil {
				t.Fatalf("NextAuth() after Dev() error = %v", err)
			}
			if !tt.wantDefaults {
				if len(cfg.Providers) != 0 || cfg.Adapter != nil {
					t.Errorf("NextAuth() after Dev() has %d providers and adapter %v, want none", len(cfg.Providers), cfg.Adapter)
				}
				return
			}
			if f.Database != DevDatabase || cfg.Session.Strategy != nextauth.StrategyDatabase {
				t.Errorf("after Dev() database %q, strategy %q, want %q, database", f.Database, cfg.Session.Strategy, DevDatabase)
			}
			if len(cfg.Providers) != 2 || cfg.Providers[1].Info().ID != "email" {
				t.Fatalf("NextAuth() after Dev() providers = %d, want credentials and email", len(cfg.Providers))
			}
			p := cfg.Providers[0].(nextauth.CredentialsProvider)
			u, err := p.Authorize(context.Background(), nextauth.Credentials{"username": s.Username, "password": s.Password}, nil)
			if err != nil || u == nil || u.Name != nextauth.String("Dev User") {
				t.Errorf("Authorize(dev, printed password) = %+v, %v, want the dev user", u, err)
			}
			u, err = p.Authorize(context.Background(), nextauth.Credentials{"username": s.Username, "password": s.Password + "x"}, nil)
			if err != nil || u != nil {
				t.Errorf("Authorize(dev, wrong password) = %+v, %v, want nil, nil", u, err)
			}
		})
	}
}

// TestDevKeepsSecret checks that --dev writes its secret beside the SQLite
// file, mode 0600, and reads it back on the next start.
func TestDevKeepsSecret(t *testing.T) {
	t.Chdir(t.TempDir())
	start := func() (DevSetup, string) {
		t.Helper()
		f, err := Parse("", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Dev(DevOptions{KeepSecret: true})
		if err != nil {
			t.Fatalf("Dev() = %v", err)
		}
		return s, f.Secret
	}
	first, secret := start()
	if first.SecretFile != "nextauth.db.secret" || !first.SecretCreated || first.SecretGenerated {
		t.Errorf("first Dev() = %+v, want the secret made and kept in nextauth.db.secret", first)
	}
	info, err := os.Stat("nextauth.db.secret")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("stat nextauth.db.secret = %v, %v, want mode 0600", info, err)
	}
	b, _ := os.ReadFile("nextauth.db.secret")
	if got := strings.TrimSpace(string(b)); got != secret || len(secret) != 44 {
		t.Errorf("nextauth.db.secret holds %q, want the secret %q", got, secret)
	}
	second, again := start()
	if again != secret || second.SecretCreated || second.SecretFile != "nextauth.db.secret" {
		t.Errorf("second Dev() = %+v with secret %q, want %q read back", second, again, secret)
	}
}

func TestDevSecretBesideConfiguredDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "app.db")
	tests := []struct {
		name, database string
		wantFile       string // "" when the secret is not kept
	}{
		{"sqlite file", "sqlite://" + db, db + ".secret"},
		{"sqlite in memory", "sqlite://:memory:", ""},
		{"redis", "redis://127.0.0.1:1/0", ""},
		{"none", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("c.yaml", []byte("database: \""+tt.database+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.Dev(DevOptions{KeepSecret: true})
			if err != nil || s.SecretFile != tt.wantFile || s.SecretGenerated != (tt.wantFile == "") || s.Username != "" {
				t.Errorf("Dev() = %+v, %v, want secret file %q and no dev user", s, err, tt.wantFile)
			}
		})
	}
}

func TestDevSecretFileProblems(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("nextauth.db.secret", []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := Parse("", nil, nil)
	if _, err := f.Dev(DevOptions{KeepSecret: true}); err == nil || !strings.Contains(err.Error(), "nextauth.db.secret is empty; delete it") {
		t.Errorf("Dev() with an empty secret file = %v, want an error saying to delete it", err)
	}
	if err := os.Remove("nextauth.db.secret"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("nextauth.db.secret", 0o700); err != nil {
		t.Fatal(err)
	}
	f, _ = Parse("", nil, nil)
	if _, err := f.Dev(DevOptions{KeepSecret: true}); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Dev() with a directory for the secret file = %v, want an error", err)
	}
}

func TestDevRandomFails(t *testing.T) {
	tests := []struct {
		name, path, yaml string
		keep             bool
	}{
		{name: "dev password"},
		{name: "secret for this run", path: "c.yaml"},
		{name: "kept secret", path: "c.yaml", yaml: "database: sqlite://n.db\n", keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			f, err := Parse(tt.path, []byte(tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Dev(DevOptions{Random: bytes.NewReader(nil), KeepSecret: tt.keep}); !errors.Is(err, io.EOF) {
				t.Errorf("Dev(empty reader) error = %v, want io.EOF", err)
			}
			if _, err := os.Stat("n.db.secret"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stat n.db.secret = %v, want no file written", err)
			}
		})
	}
}
