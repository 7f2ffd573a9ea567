package config

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestDev(t *testing.T) {
	tests := []struct {
		name       string
		path, yaml string
		env        map[string]string
		wantSecret bool // a secret is generated
		wantUser   bool // the dev user is added
	}{
		{name: "no file, no secret", wantSecret: true, wantUser: true},
		{name: "no file, secret set", env: map[string]string{"NEXTAUTH_SECRET": "s"}, wantUser: true},
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
			s, err := f.Dev(DevOptions{Random: rand.Reader})
			if err != nil {
				t.Fatalf("Dev() error = %v", err)
			}
			if s.SecretGenerated != tt.wantSecret {
				t.Errorf("Dev().SecretGenerated = %v, want %v", s.SecretGenerated, tt.wantSecret)
			}
			if tt.wantSecret && len(f.Secret) != 44 || !tt.wantSecret && f.Secret != before {
				t.Errorf("after Dev() Secret = %q (was %q)", f.Secret, before)
			}
			if got := s.Username != "" && s.Password != ""; got != tt.wantUser {
				t.Fatalf("Dev() = %+v, want a user: %v", s, tt.wantUser)
			}
			cfg, err := f.NextAuth()
			if err != nil {
				t.Fatalf("NextAuth() after Dev() error = %v", err)
			}
			if !tt.wantUser {
				if len(cfg.Providers) != 0 {
					t.Errorf("NextAuth() after Dev() has %d providers, want 0", len(cfg.Providers))
				}
				return
			}
			p := cfg.Providers[0].(nextauth.CredentialsProvider)
			u, err := p.Authorize(context.Background(), nextauth.Credentials{"username": s.Username, "password": s.Password}, nil)
			if err != nil || u == nil || u.Name != "Dev User" {
				t.Errorf("Authorize(dev, printed password) = %+v, %v, want the dev user", u, err)
			}
			u, err = p.Authorize(context.Background(), nextauth.Credentials{"username": s.Username, "password": s.Password + "x"}, nil)
			if err != nil || u != nil {
				t.Errorf("Authorize(dev, wrong password) = %+v, %v, want nil, nil", u, err)
			}
		})
	}
}

func TestDevRandomFails(t *testing.T) {
	f, err := Parse("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Dev(DevOptions{Random: bytes.NewReader(nil)}); !errors.Is(err, io.EOF) {
		t.Errorf("Dev(empty reader) error = %v, want io.EOF", err)
	}
}
