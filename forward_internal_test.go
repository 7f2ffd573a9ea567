package nextauth

import "testing"

func TestNormalPath(t *testing.T) {
	tests := []struct {
		raw, keep, decoded string
		ok                 bool
	}{
		{"/", "/", "/", true},
		{"", "/", "/", true},
		{"/a/b/", "/a/b", "/a/b", true},
		{"/admin/../public", "/public", "/public", true},
		{"/public/../admin", "/admin", "/admin", true},
		{"//admin", "/admin", "/admin", true},
		{"/a//b///c", "/a/b/c", "/a/b/c", true},
		{"/./admin/.", "/admin", "/admin", true},
		{"/../../admin", "/admin", "/admin", true},
		{"/public/%2e%2e/admin", "/admin", "/admin", true},
		{"/public/%2E%2E/admin", "/admin", "/admin", true},
		{"/public/%252e%252e/admin", "/public/%2e%2e/admin", "/public/%2e%2e/admin", true}, // decoded once only
		{"/admin%2Fx", "/admin%2Fx", "/admin/x", true},
		{"/admin%2fx", "/admin%2Fx", "/admin/x", true},
		{"/public/..%2Fadmin", "/public/..%2Fadmin", "/admin", true},
		{"/a?x=/../admin", "/a", "/a", true},
		{"/a#/../admin", "/a", "/a", true},
		{"/caf%C3%A9", "/café", "/café", true},
		{"/bad%zz", "", "", false},
		{"/bad%2", "", "", false},
		{"/nul%00", "", "", false},
		{"/nl%0a", "", "", false},
	}
	for _, tt := range tests {
		got, ok := normalPath(tt.raw, true)
		if ok != tt.ok || got != tt.keep {
			t.Errorf("normalPath(%q, keep) = %q, %v; want %q, %v", tt.raw, got, ok, tt.keep, tt.ok)
		}
		got, ok = normalPath(tt.raw, false)
		if ok != tt.ok || got != tt.decoded {
			t.Errorf("normalPath(%q, decode) = %q, %v; want %q, %v", tt.raw, got, ok, tt.decoded, tt.ok)
		}
	}
}

func TestNormalHost(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Grafana.Example.COM", "grafana.example.com", true},
		{"grafana.example.com.", "grafana.example.com", true},
		{"grafana.example.com:8443", "grafana.example.com", true},
		{"grafana.example.com.:443", "grafana.example.com", true},
		{"127.0.0.1:80", "127.0.0.1", true},
		{"[::1]:8080", "[::1]", true},
		{"", "", false},
		{".", "", false},
		{"a b", "", false},
		{"evil.com/x", "", false},
		{"a:b", "", false},
		{"[::1", "", false},
	}
	for _, tt := range tests {
		got, ok := normalHost(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalHost(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHostMatches(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"grafana.example.com", "grafana.example.com", true},
		{"grafana.example.com", "xgrafana.example.com", false},
		{"grafana.example.com", "grafana.example.com.evil", false},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "aexample.com", false},
		{"*.example.com", ".example.com", false},
	}
	for _, tt := range tests {
		p, ok := normalHostPattern(tt.pattern)
		if !ok {
			t.Fatalf("normalHostPattern(%q) refused", tt.pattern)
		}
		if got := hostMatches(p, tt.host); got != tt.want {
			t.Errorf("hostMatches(%q, %q) = %v, want %v", tt.pattern, tt.host, got, tt.want)
		}
	}
	for _, bad := range []string{"*", "*.com", "a.*.com", "example.com:443", "https://example.com", "*.", ""} {
		if _, ok := normalHostPattern(bad); ok {
			t.Errorf("normalHostPattern(%q) accepted", bad)
		}
	}
}
