package nextauth

import (
	"strings"
	"testing"
)

func TestParseBaseURL(t *testing.T) {
	// docs/compatibility.md#urls-and-the-base-path table.
	tests := []struct{ in, origin, path string }{
		{"", "http://localhost:3000", "/api/auth"},
		{"http://localhost:3000/", "http://localhost:3000", "/api/auth"},
		{"https://ex.com/api/auth/", "https://ex.com", "/api/auth"},
		{"ex.com", "https://ex.com", "/api/auth"},
		{"https://ex.com/custom/path", "https://ex.com", "/custom/path"},
		{"https://ex.com:8443/base?x=1", "https://ex.com:8443", "/base"},
		{"http://Ex.COM:80/api/auth", "http://ex.com", "/api/auth"},
		{"https://example.com/myapp/api/authentication", "https://example.com", "/myapp/api/authentication"},
	}
	for _, tt := range tests {
		u, err := parseBaseURL(tt.in)
		if err != nil || u.origin != tt.origin || u.path != tt.path || u.base() != tt.origin+tt.path {
			t.Errorf("parseBaseURL(%q) = %+v, %v; want origin %q path %q", tt.in, u, err, tt.origin, tt.path)
		}
	}
	for _, bad := range []string{"ftp://x", "http://", "https://%zz"} {
		if u, err := parseBaseURL(bad); err == nil {
			t.Errorf("parseBaseURL(%q) = %+v, want an error", bad, u)
		}
	}
}

func TestDefaultRedirect(t *testing.T) {
	const base = "http://localhost:3000"
	tests := []struct{ in, want string }{
		{"/dash", base + "/dash"},
		{"//evil.com", base + "//evil.com"},
		{"/\\evil.com", base + "/\\evil.com"},
		{"http://localhost:3000/x?y=1", "http://localhost:3000/x?y=1"},
		{"http://LOCALHOST:3000/x", "http://LOCALHOST:3000/x"},
		{"http://localhost:80/x", base},
		{"https://localhost:3000/x", base},
		{"https://evil.example/", base},
		{"http://localhost:3000@evil.com/", base},
		{"http://localhost:3000\\@evil.com/", base},
		{"javascript:alert(1)", base},
		{"data:text/html,hi", base},
		{"foo", base},
		{"", base},
		{" http://localhost:3000/x", base},
		{"http://localhost:3000\n.evil.com/", base},
	}
	for _, tt := range tests {
		if got := defaultRedirect(tt.in, base); got != tt.want {
			t.Errorf("defaultRedirect(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidCallbackURL(t *testing.T) {
	base, _ := parseBaseURL("http://localhost:3000/api/auth")
	tests := []struct {
		in   string
		want bool
	}{
		{"http://localhost:3000", true},
		{"http:/", false},
		{"http:", false},
		{"/dash", true},
		{"http://x.example/a", true},
		{"HTTPS://x.example/a", true},
		{"javascript:alert(1)", false},
		{"ftp://x", false},
		{"foo", false},
		{"//", true},
		{"http://", false},
	}
	for _, tt := range tests {
		if got := validCallbackURL(tt.in, base); got != tt.want {
			t.Errorf("validCallbackURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzDefaultRedirect checks the open-redirect rule: whatever comes in, the
// result is the site itself or a URL whose origin is the site's.
func FuzzDefaultRedirect(f *testing.F) {
	for _, s := range []string{"/dash", "//evil.com", "https://evil.example/", "http://localhost:3000@evil.com",
		"http://localhost:3000/x", "javascript:alert(1)", "\\\\evil.com", "http:evil.com", "/%2F%2Fevil.com", "http://[::1]:3000/"} {
		f.Add(s)
	}
	const base = "http://localhost:3000"
	f.Fuzz(func(t *testing.T, in string) {
		got := defaultRedirect(in, base)
		switch {
		case got == base:
		case strings.HasPrefix(got, base+"/"):
		case urlOrigin(got) == base && got == in:
		default:
			t.Fatalf("defaultRedirect(%q) = %q leaves %s", in, got, base)
		}
		// What the browser would resolve must stay on the site too: a
		// string starting with the base and then "/" cannot change host.
		if got != base && !strings.HasPrefix(got, base+"/") && !strings.HasPrefix(strings.ToLower(got), base) {
			t.Fatalf("defaultRedirect(%q) = %q", in, got)
		}
	})
}
