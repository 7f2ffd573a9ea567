package nodetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth/internal/nodetest"
)

func TestDir(t *testing.T) {
	dir := nodetest.Dir(t)
	if !filepath.IsAbs(dir) {
		t.Errorf("Dir() = %q, want an absolute path", dir)
	}
	for _, f := range []string{"package.json", "package-lock.json", ".npmrc", "jwt.cjs", "build-client.mjs"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("Dir() = %q: %v", dir, err)
		}
	}
}

// TestLockHasNoRegistryURLs guards the committed lock file: it must name no
// download addresses (the fixture's .npmrc sets omit-lockfile-registry-resolved).
func TestLockHasNoRegistryURLs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(nodetest.Dir(t), "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`"resolved"`, "registry"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("package-lock.json contains %q", bad)
		}
	}
}

func TestRunJWTRoundTrip(t *testing.T) {
	claims := map[string]any{"name": "Zoë", "n": 1.5, "nested": map[string]any{"a": []any{"x", nil}}}
	enc := nodetest.RunJWT(t, map[string]any{"op": "encode", "token": claims, "secret": "s3cret", "maxAge": 60})
	tok, _ := enc["token"].(string)
	if enc["ok"] != true || strings.Count(tok, ".") != 4 {
		t.Fatalf("encode = %v, want ok and a compact JWE", enc)
	}
	dec := nodetest.RunJWT(t, map[string]any{"op": "decode", "token": tok, "secret": "s3cret"})
	got, _ := dec["claims"].(map[string]any)
	if dec["ok"] != true || got == nil {
		t.Fatalf("decode = %v, want ok", dec)
	}
	for _, k := range []string{"iat", "exp", "jti"} {
		if _, ok := got[k]; !ok {
			t.Errorf("decoded claims lack %q: %v", k, got)
		}
	}
	if got["name"] != "Zoë" || got["n"] != 1.5 {
		t.Errorf("decoded claims = %v, want name Zoë and n 1.5", got)
	}
}

func TestRunJWTBatchErrors(t *testing.T) {
	res := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "decode", "token": "not-a-jwe", "secret": "s"},
		map[string]any{"op": "getToken", "cookies": map[string]string{}, "headers": map[string]string{}, "secret": "s"},
		map[string]any{"op": "nope"},
	})
	if res[0]["ok"] != false || res[0]["error"] != "JWEInvalid" {
		t.Errorf("decode(garbage) = %v, want error JWEInvalid", res[0])
	}
	if res[1]["ok"] != true || res[1]["claims"] != nil {
		t.Errorf("getToken(no cookie) = %v, want ok with null claims", res[1])
	}
	if res[2]["ok"] != false || res[2]["error"] != "UnknownOp" {
		t.Errorf("unknown op = %v, want error UnknownOp", res[2])
	}
}

func TestClientBundle(t *testing.T) {
	p := nodetest.ClientBundle(t)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10_000 {
		t.Errorf("bundle %s has %d bytes, want a full React + next-auth/react build", p, len(b))
	}
	for _, want := range []string{"NextAuth", "/api/auth", "__update"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("bundle %s lacks %q", p, want)
		}
	}
	if strings.Contains(string(b), "process.env") {
		t.Errorf("bundle %s still reads process.env, which a browser lacks", p)
	}
	if p2 := nodetest.ClientBundle(t); p2 != p {
		t.Errorf("second ClientBundle() = %q, want %q", p2, p)
	}
}
