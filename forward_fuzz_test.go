package nextauth

import (
	"strings"
	"testing"
)

// FuzzForwardTarget feeds the forward check's parsers what a client can
// put in X-Forwarded-Uri, X-Original-URL and X-Forwarded-Host: a path
// that passes normalisation has no empty, "." or ".." segment and no
// control character, decoding %2F never makes a path shorter in segments
// than keeping it, and a host that passes is lower case, without port or
// trailing dot, and matches its own one-label wildcard only when it has a
// label to spare.
func FuzzForwardTarget(f *testing.F) {
	for _, s := range []string{
		"/", "/admin", "/admin/../public", "//admin", "/%2e%2e/admin", "/a%2Fb", "/%", "/%zz", "/a/./b?x=1#y",
		"/ADMIN", "/admin%00", "/public/..%2Fadmin", "/%252e%252e/",
	} {
		f.Add(s, "app.example.com")
	}
	f.Add("/", "APP.Example.COM.:8443")
	f.Add("/", "[::1]:80")
	f.Add("/", "a..b:")
	f.Fuzz(func(t *testing.T, raw, host string) {
		for _, keep := range []bool{true, false} {
			p, ok := normalPath(raw, keep)
			if !ok {
				continue
			}
			if !strings.HasPrefix(p, "/") {
				t.Fatalf("normalPath(%q, %v) = %q: not absolute", raw, keep, p)
			}
			if p != "/" {
				for _, seg := range strings.Split(p[1:], "/") {
					if seg == "" || seg == "." || seg == ".." {
						t.Fatalf("normalPath(%q, %v) = %q: segment %q left", raw, keep, p, seg)
					}
				}
			}
			for i := 0; i < len(p); i++ {
				if p[i] < 0x20 || p[i] == 0x7f {
					t.Fatalf("normalPath(%q, %v) = %q: control character", raw, keep, p)
				}
			}
			if !pathUnder("/", p) || !pathUnder(p, p) {
				t.Fatalf("pathUnder fails on %q", p)
			}
		}
		h, ok := normalHost(host)
		if !ok {
			return
		}
		if h != strings.ToLower(h) || strings.HasSuffix(h, ".") || h == "" {
			t.Fatalf("normalHost(%q) = %q", host, h)
		}
		if !strings.HasPrefix(h, "[") && strings.Contains(h, ":") {
			t.Fatalf("normalHost(%q) = %q: port left", host, h)
		}
		if !hostMatches(h, h) {
			t.Fatalf("hostMatches(%q, itself) = false", h)
		}
		if hostMatches("*."+h, h) {
			t.Fatalf("hostMatches(*.%s, %s): the wildcard matched the apex", h, h)
		}
	})
}
