package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCheckWarnsOfNoIdentifier: a credentials provider whose fields name
// no account (fields: []) and that sets no identifier_field has no
// per-account rate limit or lockout; check says so (and still passes),
// and says nothing once identifier_field is set.
func TestCheckWarnsOfNoIdentifier(t *testing.T) {
	const warning = "providers[0].identifier_field: missing: without a field naming the account"
	for _, tt := range []struct {
		name, provider string
		warned         bool
	}{
		{"fields: []", "{type: credentials, fields: [], authorize_url: \"http://127.0.0.1:1/authorize\"}", true},
		{"fields: [] with identifier_field", "{type: credentials, fields: [], identifier_field: login, authorize_url: \"http://127.0.0.1:1/authorize\"}", false},
		{"default fields", "{type: credentials, authorize_url: \"http://127.0.0.1:1/authorize\"}", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, "secret: s\nproviders:\n  - "+tt.provider+"\n")
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), []string{"check", "--config", path}, envOf(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
				t.Fatalf("check = %v, want warnings only\n%s", err, stderr.String())
			}
			if got := strings.Contains(stderr.String(), "warning: config: "+path+":3: "+warning); got != tt.warned {
				t.Errorf("check stderr = %q, want the warning %q: %v", stderr.String(), warning, tt.warned)
			}
			if !strings.HasPrefix(stdout.String(), "ok\n") {
				t.Errorf("check stdout = %q, want ok", stdout.String())
			}
		})
	}
}
