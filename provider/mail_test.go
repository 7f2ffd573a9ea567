package provider_test

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// update rewrites the golden files of this package's tests (go test -update).
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// exampleLink is a magic link as the handler builds it.
const exampleLink = "http://localhost:3000/api/auth/callback/email?callbackUrl=http%3A%2F%2Flocalhost%3A3000%2Fdashboard&token=4e0c3f2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e&email=alice%40example.com"

func exampleRequest() nextauth.VerificationRequest {
	return nextauth.VerificationRequest{
		Identifier: "alice@example.com",
		URL:        exampleLink,
		Token:      "4e0c3f2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
		Expires:    time.Date(2025, 1, 2, 3, 4, 5, 678e6, time.UTC),
		Provider:   nextauth.ProviderInfo{ID: "email", Name: "Email", Type: nextauth.TypeEmail},
	}
}

// golden compares got with testdata/email/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "email", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n got: %q\nwant: %q", name, got, want)
	}
}

func TestMessageGolden(t *testing.T) {
	tests := []struct {
		name  string
		theme nextauth.Theme
	}{
		{"default", nextauth.Theme{}},
		{"themed", nextauth.Theme{BrandColor: "#ff5500", ButtonText: "rgb(0, 0, 0)", ColorScheme: "dark", Logo: "https://example.com/logo.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := exampleRequest()
			req.Theme = tt.theme
			subject, text, html := provider.Message(req)
			if want := "Sign in to localhost:3000"; subject != want {
				t.Errorf("Message() subject = %q, want %q", subject, want)
			}
			if want := "Sign in to localhost:3000\n" + exampleLink + "\n\n"; text != want {
				t.Errorf("Message() text = %q, want %q", text, want)
			}
			if tt.name == "default" {
				golden(t, "message.txt", text)
			}
			golden(t, "message-"+tt.name+".html", html)
		})
	}
}

var (
	hrefPattern   = regexp.MustCompile(`<a href="([^"]*)"`)
	strongPattern = regexp.MustCompile(`<strong>(.*?)</strong>`)
	stylePattern  = regexp.MustCompile(`<a [^>]*style="([^"]*)"`)
)

// TestMessageHTML checks what the HTML part must say, whatever its layout.
func TestMessageHTML(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		theme      nextauth.Theme
		wantHost   string // subject and text host
		wantStrong string // the heading's host, as HTML
		wantColors []string
		wantHref   string // default url
	}{
		{
			name: "default colours", url: exampleLink,
			wantHost: "localhost:3000", wantStrong: "localhost:3000",
			wantColors: []string{"color: #fff;", "background-color: #346df1;", "border: 1px solid #346df1;"},
		},
		{
			name: "dots get zero-width spaces", url: "https://auth.example.com/api/auth/callback/email?token=t&email=a%40b.c",
			wantHost: "auth.example.com", wantStrong: "auth&#8203;.example&#8203;.com",
			wantColors: []string{"color: #fff;"},
		},
		{
			name: "theme colours", url: exampleLink, theme: nextauth.Theme{BrandColor: " hsl(120, 50%, 40%) ", ButtonText: "black"},
			wantHost: "localhost:3000", wantStrong: "localhost:3000",
			wantColors: []string{"color: black;", "background-color: hsl(120, 50%, 40%);"},
		},
		{
			name: "unsafe theme colours fall back", url: exampleLink,
			theme:    nextauth.Theme{BrandColor: `red;background:url(https://evil.example/x)`, ButtonText: `#fff" onclick="alert(1)`},
			wantHost: "localhost:3000", wantStrong: "localhost:3000",
			wantColors: []string{"color: #fff;", "background-color: #346df1;"},
		},
		{
			name: "default https port dropped", url: "https://Example.COM:443/api/auth/callback/email?token=t",
			wantHost: "example.com", wantStrong: "example&#8203;.com",
		},
		{
			name: "default http port dropped", url: "http://example.com:80/cb?token=t",
			wantHost: "example.com", wantStrong: "example&#8203;.com",
		},
		{
			name: "other port kept", url: "https://example.com:8443/cb?token=t",
			wantHost: "example.com:8443", wantStrong: "example&#8203;.com:8443",
		},
		{
			name: "IPv6", url: "http://[::1]:3000/cb?token=t",
			wantHost: "[::1]:3000", wantStrong: "[::1]:3000",
		},
		{
			name: "markup in the link is escaped", url: `http://x.example/cb?token=a"><script>alert(1)</script>&email=b`,
			wantHost: "x.example", wantStrong: "x&#8203;.example",
			wantHref: "http://x.example/cb?token=a%22%3e%3cscript%3ealert%281%29%3c/script%3e&email=b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := exampleRequest()
			req.URL, req.Theme = tt.url, tt.theme
			subject, text, body := provider.Message(req)
			if want := "Sign in to " + tt.wantHost; subject != want {
				t.Errorf("Message() subject = %q, want %q", subject, want)
			}
			if want := "Sign in to " + tt.wantHost + "\n" + tt.url + "\n\n"; text != want {
				t.Errorf("Message() text = %q, want %q", text, want)
			}
			if m := strongPattern.FindStringSubmatch(body); m == nil || m[1] != tt.wantStrong {
				t.Errorf("Message() heading host = %q, want %q", m, tt.wantStrong)
			}
			wantHref := tt.wantHref
			if wantHref == "" {
				wantHref = tt.url
			}
			m := hrefPattern.FindStringSubmatch(body)
			if m == nil || html.UnescapeString(m[1]) != wantHref {
				t.Errorf("Message() button href = %q, want %q", m, wantHref)
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("Message() HTML holds an unescaped <script>")
			}
			style := stylePattern.FindStringSubmatch(body)
			for _, c := range tt.wantColors {
				if style == nil || !strings.Contains(style[1], c) {
					t.Errorf("Message() button style = %q, want it to contain %q", style, c)
				}
			}
			for _, s := range []string{">Sign in</a>", "If you did not request this email you can safely ignore it.", "#f9f9f9", "max-width: 600px"} {
				if !strings.Contains(body, s) {
					t.Errorf("Message() HTML lacks %q", s)
				}
			}
			if strings.Contains(body, "alice@example.com") || strings.Contains(body, "evil.example") || strings.Contains(body, "onclick") {
				t.Errorf("Message() HTML holds the recipient or a rejected theme value:\n%s", body)
			}
		})
	}
}
