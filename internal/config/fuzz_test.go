package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no config text makes Parse or NextAuth panic, and
// that Parse always returns a File.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "a: &x [*x]\n", "providers: &p [{type: credentials, fields: *p}]\n", "${", "$${X}", "secret: ${A:-}\n"} {
		f.Add([]byte(s))
	}
	env := mapEnv(map[string]string{"A": "a: b", "TEST_SECRET": "s"})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _ := Parse("f.yaml", data, env)
		if file == nil {
			t.Fatalf("Parse(%q) = nil File", data)
		}
		// Valid hashes would make each run build a bcrypt hash at cost 10
		// (package provider's timing guard); the checks around them stay.
		for _, p := range file.Providers {
			if p.Credentials != nil {
				for i := range p.Credentials.Users {
					p.Credentials.Users[i].PasswordHash = "not-a-hash"
				}
			}
		}
		_, _ = file.NextAuth()
	})
}

// FuzzDatabasePassword checks that no password, however odd, shows in what
// parseDatabase says about a URL holding it.
func FuzzDatabasePassword(f *testing.F) {
	for _, pw := range []string{"hunter22", "pa ss", "p@ss/word", "p%zzw", "a:b@c", "pw?x#y"} {
		f.Add("postgres", pw)
		f.Add("redis", pw)
		f.Add("mysql", pw)
	}
	f.Fuzz(func(t *testing.T, scheme, pw string) {
		raw := scheme + "://user:" + pw + "@db.example:5432/0"
		db, err := parseDatabase(raw, "")
		// Only passwords that cannot occur in the rest of the message by
		// chance are checked.
		if len(pw) < 6 || strings.Contains(raw[:len(scheme)+len("://user:")], pw) || strings.Contains(fmt.Sprintf("%q", scheme), pw) {
			return // the scheme, as written or quoted in a message, holds it
		}
		if strings.Contains(db.shown, pw) {
			t.Errorf("parseDatabase(%q) shows it as %q", raw, db.shown)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("parseDatabase(%q) error = %q", raw, err)
		}
	})
}
