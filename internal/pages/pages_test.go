package pages

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// update rewrites the golden files: go test ./internal/pages -update (the flag
// goes after the package, or go test misreads the package list).
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	base = "http://localhost:3111/api/auth"
	csrf = "314a1f2e9c0b4d7a8e6f5c3b2a1d0e9f8c7b6a5d4e3f2a1b0c9d8e7f6a5b4c3d"
)

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return r
}

func github() Provider {
	return Provider{
		ID: "github", Name: "GitHub", Type: "oauth",
		SigninURL: base + "/signin/github", CallbackURL: base + "/callback/github",
		Style: &Style{Logo: "/api/auth/assets/github.svg", LogoDark: "/api/auth/assets/github-dark.svg", Bg: "#24292f", Text: "#fff"},
	}
}

func google() Provider {
	return Provider{ID: "google", Name: "Google", Type: "oauth", SigninURL: base + "/signin/google", CallbackURL: base + "/callback/google"}
}

func email() Provider {
	return Provider{ID: "email", Name: "Email", Type: "email", SigninURL: base + "/signin/email", CallbackURL: base + "/callback/email"}
}

func credentials() Provider {
	return Provider{
		ID: "credentials", Name: "Credentials", Type: "credentials",
		SigninURL: base + "/signin/credentials", CallbackURL: base + "/callback/credentials",
		Fields: []Field{
			{Name: "username", Label: "Username", Placeholder: "jsmith", Required: true},
			{Name: "password", Label: "Password", Type: "password"},
		},
	}
}

func noFields() Provider {
	p := credentials()
	p.ID, p.Name, p.Fields = "nofields", "No Fields", nil
	return p
}

func render(t *testing.T, f func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatalf("render error = %v", err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	r := newRenderer(t)
	signIn := func(d SignInData) func(*bytes.Buffer) error {
		return func(b *bytes.Buffer) error { return r.SignIn(b, d) }
	}
	errorPage := func(d ErrorData) func(*bytes.Buffer) error {
		return func(b *bytes.Buffer) error { _, err := r.Error(b, d); return err }
	}
	tests := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"signin", signIn(SignInData{
			CSRFToken: csrf, CallbackURL: "http://localhost:3111/dashboard", Error: "OAuthCallback",
			Providers: []Provider{github(), email(), credentials()},
		})},
		{"signin-credentials-only", signIn(SignInData{
			CSRFToken: csrf, CallbackURL: "http://localhost:3111",
			Providers: []Provider{credentials()},
		})},
		{"signin-themed", signIn(SignInData{
			Theme:     Theme{ColorScheme: "dark", BrandColor: "#d9480f", Logo: "https://example.com/logo.png", ButtonText: "#ffffff"},
			CSRFToken: csrf, CallbackURL: "http://localhost:3111", Email: "jane@example.com",
			Providers: []Provider{github(), google(), email()},
		})},
		{"signout", func(b *bytes.Buffer) error {
			return r.SignOut(b, SignOutData{BaseURL: base, CSRFToken: csrf})
		}},
		{"verify-request", func(b *bytes.Buffer) error {
			return r.VerifyRequest(b, VerifyRequestData{Origin: "http://localhost:3111", Host: "localhost:3111"})
		}},
		{"error-configuration", errorPage(ErrorData{Error: "configuration"})},
		{"error-accessdenied", errorPage(ErrorData{BaseURL: base, Origin: "http://localhost:3111", Host: "localhost:3111", Error: "AccessDenied"})},
		{"error-verification", errorPage(ErrorData{BaseURL: base, Origin: "http://localhost:3111", Host: "localhost:3111", Error: "Verification"})},
		{"error-unknown", errorPage(ErrorData{BaseURL: base, Origin: "http://localhost:3111", Host: "localhost:3111", Error: "Boom here"})},
		{"error-empty", errorPage(ErrorData{BaseURL: base, Origin: "http://localhost:3111", Host: "localhost:3111"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.render)
			path := filepath.Join("testdata", tt.name+".html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file (run go test -update after checking the change)\ngot:\n%s\nwant:\n%s", tt.name, got, want)
			}
			checkDocument(t, got)
		})
	}
}

// withoutCSS removes our stylesheet from page, leaving "<style></style>", so
// that checks see only the markup and the theme snippets.
func withoutCSS(r *Renderer, page string) string {
	return strings.Replace(page, string(r.css), "", 1)
}

var styleElement = regexp.MustCompile(`(?s)<style>.*?</style>`)

// checkDocument checks what every page must hold: the document wrapper of
// docs/compatibility.md#built-in-pages on one line, and nothing that loads or
// runs anything.
func checkDocument(t *testing.T, page string) {
	t.Helper()
	for _, want := range []string{
		`<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1.0">`,
		`<div class="page">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.HasSuffix(page, `</div></body></html>`) {
		t.Errorf("page does not end with the document wrapper: …%s", page[max(0, len(page)-60):])
	}
	if outside := styleElement.ReplaceAllString(page, ""); strings.Contains(outside, "\n") {
		t.Errorf("page has a newline outside <style>: %q", outside)
	}
	lower := strings.ToLower(page)
	for _, bad := range []string{"<script", "<link", "<iframe", "<object", "<embed", "javascript:", "url(", "@import"} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if m := eventAttr.FindString(lower); m != "" {
		t.Errorf("page has an event handler attribute %q", m)
	}
}

var eventAttr = regexp.MustCompile(`\son[a-z]+="`)

func TestStylesheet(t *testing.T) {
	r := newRenderer(t)
	css := string(r.css)
	for _, want := range []string{
		"--brand-color", "--button-text-color",
		"--provider-bg", "--provider-dark-bg", "--provider-color", "--provider-dark-color",
		"--provider-bg-hover", "--provider-dark-bg-hover",
		".__next-auth-theme-auto", ".__next-auth-theme-light", ".__next-auth-theme-dark",
		"prefers-color-scheme:dark", ":focus-visible",
		".page", ".signin", ".signout", ".verify-request", ".error", ".card", ".provider",
		".button", ".section-header", ".logo", ".site", ".message",
		"#provider-logo", "#provider-logo-dark",
	} {
		if !strings.Contains(css, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
	for _, bad := range []string{"<", "/*", "\n", "url(", "@import", "http"} {
		if strings.Contains(css, bad) {
			t.Errorf("stylesheet contains %q", bad)
		}
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Errorf("stylesheet braces unbalanced: %d { vs %d }", strings.Count(css, "{"), strings.Count(css, "}"))
	}
}

func TestMinifyCSS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a {\n  color: red;\n}\n", "a{color:red}"},
		{"/* c */ a , b { x: 1 ; y: 2; }", "a,b{x:1;y:2}"},
		{"@media (prefers-color-scheme: dark) {\n  .x .y { font: 1em \"Segoe UI\", Arial; }\n}", "@media (prefers-color-scheme:dark){.x .y{font:1em \"Segoe UI\",Arial}}"},
		{"a{b:c} /* unterminated", "a{b:c}"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := minifyCSS(tt.in); got != tt.want {
				t.Errorf("minifyCSS(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name    string
		data    SignInData
		want    []string
		notWant []string
	}{
		{
			name: "oauth form",
			data: SignInData{CSRFToken: "tok", CallbackURL: "http://localhost:3111/x", Providers: []Provider{github()}},
			want: []string{
				`<title>Sign In</title>`,
				`<body class="__next-auth-theme-auto"><div class="page"><div class="signin"><div class="card"><div class="provider">`,
				`<form action="http://localhost:3111/api/auth/signin/github" method="POST"><input type="hidden" name="csrfToken" value="tok" /><input type="hidden" name="callbackUrl" value="http://localhost:3111/x" /><button type="submit" class="button" style="`,
				`style="--provider-bg: #24292f; --provider-dark-bg: #24292f; --provider-color: #fff; --provider-dark-color: #fff; --provider-bg-hover: rgba(36, 41, 47, 0.8); --provider-dark-bg-hover: rgba(36, 41, 47, 0.8);"`,
				`<img loading="lazy" height="24" width="24" id="provider-logo" src="/api/auth/assets/github.svg" alt="" />`,
				`<img loading="lazy" height="24" width="24" id="provider-logo-dark" src="/api/auth/assets/github-dark.svg" alt="" />`,
				`<span>Sign in with GitHub</span></button></form></div></div></div>`,
			},
			notWant: []string{`<div class="error">`, `<hr />`},
		},
		{
			name:    "oauth without style or callbackUrl",
			data:    SignInData{CSRFToken: "tok", Providers: []Provider{google()}},
			want:    []string{`<input type="hidden" name="csrfToken" value="tok" /><button type="submit" class="button"><span>Sign in with Google</span></button></form>`},
			notWant: []string{`name="callbackUrl"`, `style=`, `<img`},
		},
		{
			name: "logo dark defaults to logo",
			data: SignInData{Providers: []Provider{{ID: "x", Name: "X", Type: "oauth", SigninURL: "/s", Style: &Style{Logo: "/x.svg"}}}},
			want: []string{
				`id="provider-logo" src="/x.svg"`,
				`id="provider-logo-dark" src="/x.svg"`,
				`<button type="submit" class="button"><img`,
			},
		},
		{
			name: "email form",
			data: SignInData{CSRFToken: "tok", CallbackURL: "http://localhost:3111/x", Email: "a@b.c", Providers: []Provider{email()}},
			want: []string{
				`<div class="provider"><form action="http://localhost:3111/api/auth/signin/email" method="POST"><input type="hidden" name="csrfToken" value="tok" /><label class="section-header" for="input-email-for-email-provider">Email</label><input id="input-email-for-email-provider" autoFocus type="email" name="email" value="a@b.c" placeholder="email@example.com" required /><button id="submitButton" type="submit">Sign in with Email</button></form></div>`,
			},
			notWant: []string{`name="callbackUrl"`},
		},
		{
			name:    "email without pre-filled value",
			data:    SignInData{Providers: []Provider{email()}},
			want:    []string{`type="email" name="email" placeholder="email@example.com" required />`},
			notWant: []string{`value="" placeholder`, ` value placeholder`},
		},
		{
			name: "credentials form",
			data: SignInData{CSRFToken: "tok", CallbackURL: "http://localhost:3111/x", Providers: []Provider{credentials()}},
			want: []string{
				`<div class="provider"><form action="http://localhost:3111/api/auth/callback/credentials" method="POST"><input type="hidden" name="csrfToken" value="tok" />`,
				`<div><label class="section-header" for="input-username-for-credentials-provider">Username</label><input name="username" id="input-username-for-credentials-provider" type="text" placeholder="jsmith" required /></div>`,
				`<div><label class="section-header" for="input-password-for-credentials-provider">Password</label><input name="password" id="input-password-for-credentials-provider" type="password" placeholder /></div>`,
				`<button type="submit">Sign in with Credentials</button></form></div>`,
			},
			notWant: []string{`name="callbackUrl"`, `submitButton`},
		},
		{
			name: "credentials field defaults and value",
			data: SignInData{Providers: []Provider{{ID: "c", Name: "C", Type: "credentials", CallbackURL: "/cb", Fields: []Field{{Name: "otp", Value: "123"}}}}},
			want: []string{`<label class="section-header" for="input-otp-for-c-provider">otp</label><input name="otp" id="input-otp-for-c-provider" type="text" placeholder value="123" /></div>`},
		},
		{
			name:    "credentials provider without fields is skipped",
			data:    SignInData{Providers: []Provider{noFields(), google()}},
			want:    []string{`Sign in with Google`},
			notWant: []string{`No Fields`, `nofields`, `<hr />`},
		},
		{
			name:    "unknown provider type is skipped",
			data:    SignInData{Providers: []Provider{{ID: "w", Name: "WebAuthn", Type: "webauthn", SigninURL: "/w"}}},
			want:    []string{`<div class="card"></div>`},
			notWant: []string{`WebAuthn`, `class="provider"`},
		},
		{
			name: "error block",
			data: SignInData{Error: "CredentialsSignin", Providers: []Provider{credentials()}},
			want: []string{`<div class="card"><div class="error"><p>` + SignInErrorMessage("CredentialsSignin") + `</p></div><div class="provider">`},
		},
		{
			name: "brand, button text and logo",
			data: SignInData{Theme: Theme{ColorScheme: "light", BrandColor: "#123456", ButtonText: "white", Logo: "/logo.png"}},
			want: []string{
				`<body class="__next-auth-theme-light">`,
				"<div class=\"signin\"><style>\n        :root {\n          --brand-color: #123456\n        }\n      </style><style>\n        :root {\n          --button-text-color: white\n        }\n      </style><div class=\"card\"><img src=\"/logo.png\" alt=\"Logo\" class=\"logo\" />",
			},
		},
		{
			name:    "unknown colour scheme is auto",
			data:    SignInData{Theme: Theme{ColorScheme: "sepia"}},
			want:    []string{`<body class="__next-auth-theme-auto">`},
			notWant: []string{"sepia"},
		},
		{
			name: "dark scheme",
			data: SignInData{Theme: Theme{ColorScheme: "dark"}},
			want: []string{`<body class="__next-auth-theme-dark">`},
		},
		{
			name:    "hostile brand colour and button text are dropped",
			data:    SignInData{Theme: Theme{BrandColor: "red;}</style><script>alert(1)</script>", ButtonText: "#fff;background:url(//evil)"}},
			want:    []string{`<div class="signin"><div class="card">`},
			notWant: []string{"<script", "alert", "--brand-color: ", "--button-text-color: ", "evil"},
		},
		{
			name:    "hostile provider colours are dropped",
			data:    SignInData{Providers: []Provider{{ID: "x", Name: "X", Type: "oauth", SigninURL: "/s", Style: &Style{Bg: `red" onmouseover="alert(1)`, Text: "x;}"}}}},
			want:    []string{`<button type="submit" class="button"><span>Sign in with X</span>`},
			notWant: []string{"onmouseover", "alert", "style="},
		},
		{
			name:    "unsafe logo URLs are dropped",
			data:    SignInData{Theme: Theme{Logo: "javascript:alert(1)"}, Providers: []Provider{{ID: "x", Name: "X", Type: "oauth", SigninURL: "/s", Style: &Style{Logo: "JavaScript:alert(1)", LogoDark: "vbscript:x"}}}},
			want:    []string{`<div class="card"><div class="provider">`, `class="button"><span>`},
			notWant: []string{"alert", "vbscript", "<img", "ZgotmplZ"},
		},
		{
			name: "data image logo is kept",
			data: SignInData{Theme: Theme{Logo: "data:image/svg+xml;base64,PHN2Zy8+"}},
			want: []string{`<img src="data:image/svg&#43;xml;base64,PHN2Zy8&#43;" alt="Logo" class="logo" />`}, // "+" is escaped as an HTML entity
		},
		{
			name: "injection in names, ids, values, error and callbackUrl is escaped",
			data: SignInData{
				CSRFToken:   `"><script>alert(1)</script>`,
				CallbackURL: `http://x/"><script>alert(2)</script>`,
				Email:       `a"><script>alert(3)</script>`,
				Error:       `<script>alert(4)</script>`,
				Providers: []Provider{
					{ID: `g"><script>`, Name: `<script>alert(5)</script>`, Type: "oauth", SigninURL: `javascript:alert(6)`},
					{ID: `e"x`, Name: `<b>E</b>`, Type: "email", SigninURL: "/s"},
					{ID: "c", Name: "C", Type: "credentials", CallbackURL: "/cb", Fields: []Field{{Name: `u"><script>`, Label: `<i>L</i>`, Type: `text" autofocus onfocus="alert(7)`, Placeholder: `"><script>`, Value: `"><script>`}}},
				},
			},
			want: []string{
				`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
				`name="callbackUrl" value="http://x/&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"`,
				`Sign in with &lt;script&gt;alert(5)&lt;/script&gt;`,
				`Sign in with &lt;b&gt;E&lt;/b&gt;`,
				`&lt;i&gt;L&lt;/i&gt;</label>`,
				`action="#ZgotmplZ"`,
				`<div class="error"><p>` + SignInErrorMessage("x") + `</p></div>`,
				`for="input-email-for-e&#34;x-provider"`,
			},
			notWant: []string{"<script", "<b>", "<i>", `" onfocus`, `" autofocus`, "alert(4)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, func(b *bytes.Buffer) error { return r.SignIn(b, tt.data) })
			checkDocument(t, got)
			body := withoutCSS(r, got)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("SignIn lacks\n%s\nin\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("SignIn contains %q in\n%s", w, body)
				}
			}
		})
	}
}

// providerShape summarises the provider list of a sign-in page: "[" starts a
// provider, "hr" is a separator and "form" a provider's form.
func providerShape(page string) string {
	tok := regexp.MustCompile(`<div class="provider">|<hr />|<form `)
	var parts []string
	for _, m := range tok.FindAllString(page, -1) {
		switch m {
		case `<div class="provider">`:
			parts = append(parts, "[")
		case `<hr />`:
			parts = append(parts, "hr")
		default:
			parts = append(parts, "form")
		}
	}
	return strings.Join(parts, " ")
}

func TestSeparators(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name      string
		providers []Provider
		want      string
	}{
		{"none", nil, ""},
		{"oauth", []Provider{github()}, "[ form"},
		{"oauth oauth", []Provider{github(), google()}, "[ form [ form"},
		{"email", []Provider{email()}, "[ form"},
		{"oauth email", []Provider{github(), email()}, "[ form [ hr form"},
		{"email oauth", []Provider{email(), github()}, "[ form hr [ form"},
		{"oauth email credentials", []Provider{github(), email(), credentials()}, "[ form [ hr form hr [ form"},
		{"credentials email", []Provider{credentials(), email()}, "[ form hr [ form"},
		{"email oauth credentials", []Provider{email(), github(), credentials()}, "[ form hr [ form [ hr form"},
		{"oauth credentials oauth", []Provider{github(), credentials(), google()}, "[ form [ hr form hr [ form"},
		{"skipped credentials do not count as last", []Provider{email(), noFields()}, "[ form"},
		{"skipped credentials do not count as previous", []Provider{github(), noFields(), email()}, "[ form [ hr form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := providerShape(render(t, func(b *bytes.Buffer) error {
				return r.SignIn(b, SignInData{Providers: tt.providers})
			}))
			if got != tt.want {
				t.Errorf("provider shape = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignInErrorMessage(t *testing.T) {
	retry := SignInErrorMessage("Callback")
	fallback := SignInErrorMessage("anything")
	tests := []struct {
		code string
		want string // "" means: its own message, neither retry nor fallback
	}{
		{"Signin", retry},
		{"OAuthSignin", retry},
		{"OAuthCallback", retry},
		{"OAuthCreateAccount", retry},
		{"EmailCreateAccount", retry},
		{"Callback", retry},
		{"OAuthAccountNotLinked", ""},
		{"EmailSignin", ""},
		{"CredentialsSignin", ""},
		{"SessionRequired", ""},
		{"oauthsignin", fallback}, // case-sensitive, as in NextAuth
		{"AccessDenied", fallback},
		{"Configuration", fallback},
		{"", fallback},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got := SignInErrorMessage(tt.code)
			if got == "" {
				t.Fatalf("SignInErrorMessage(%q) is empty", tt.code)
			}
			if tt.want != "" {
				if got != tt.want {
					t.Errorf("SignInErrorMessage(%q) = %q, want %q", tt.code, got, tt.want)
				}
				return
			}
			if got == retry || got == fallback {
				t.Errorf("SignInErrorMessage(%q) = %q, want a message of its own", tt.code, got)
			}
			if other, ok := seen[got]; ok {
				t.Errorf("SignInErrorMessage(%q) = SignInErrorMessage(%q) = %q", tt.code, other, got)
			}
			seen[got] = tt.code
		})
	}
	if retry == fallback {
		t.Errorf("retry and fallback messages are the same: %q", retry)
	}
}

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{"Configuration", http.StatusInternalServerError},
		{"configuration", http.StatusInternalServerError},
		{"CONFIGURATION", http.StatusInternalServerError},
		{"AccessDenied", http.StatusForbidden},
		{"accessdenied", http.StatusForbidden},
		{"Verification", http.StatusForbidden},
		{"verification", http.StatusForbidden},
		{"", http.StatusOK},
		{"default", http.StatusOK},
		{"OAuthCallback", http.StatusOK},
		{"Boom here", http.StatusOK},
		{"access denied", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := ErrorStatus(tt.code); got != tt.want {
				t.Errorf("ErrorStatus(%q) = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
}

func TestErrorPage(t *testing.T) {
	r := newRenderer(t)
	const origin, host = "http://localhost:3111", "localhost:3111"
	signinButton := `<a class="button" href="` + base + `/signin">Sign in</a>`
	tests := []struct {
		name       string
		data       ErrorData
		wantStatus int
		want       []string
		notWant    []string
	}{
		{
			name:       "configuration without URLs",
			data:       ErrorData{Error: "configuration"},
			wantStatus: 500,
			want:       []string{`<title>Error</title>`, `<div class="page"><div class="error"><div class="card"><h1>Server error</h1><div class="message"><div><p>`},
			notWant:    []string{`<a `, `href=`},
		},
		{
			name:       "Configuration with theme",
			data:       ErrorData{Error: "Configuration", Theme: Theme{ColorScheme: "dark", BrandColor: "#abcdef", ButtonText: "#000", Logo: "/l.png"}},
			wantStatus: 500,
			want: []string{
				`<body class="__next-auth-theme-dark">`,
				"<div class=\"error\"><style>\n        :root {\n          --brand-color: #abcdef\n        }\n      </style><div class=\"card\"><img src=\"/l.png\" alt=\"Logo\" class=\"logo\" /><h1>Server error</h1>",
			},
			notWant: []string{"--button-text-color: "}, // only the brand colour, as in NextAuth
		},
		{
			name:       "AccessDenied",
			data:       ErrorData{BaseURL: base, Origin: origin, Host: host, Error: "AccessDenied"},
			wantStatus: 403,
			want:       []string{`<h1>Access Denied</h1><div class="message"><div><p>`, `</p><p>` + signinButton + `</p></div></div></div></div></div></body>`},
			notWant:    []string{`class="site"`},
		},
		{
			name:       "accessdenied without base URL has no link",
			data:       ErrorData{Error: "accessdenied"},
			wantStatus: 403,
			want:       []string{`<h1>Access Denied</h1>`},
			notWant:    []string{`<a `},
		},
		{
			name:       "Verification",
			data:       ErrorData{BaseURL: base, Origin: origin, Host: host, Error: "Verification"},
			wantStatus: 403,
			want:       []string{`<h1>Unable to sign in</h1><div class="message"><div><p>`, `</p></div></div>` + signinButton + `</div></div></div></body>`},
		},
		{
			name:       "unknown code",
			data:       ErrorData{BaseURL: base, Origin: origin, Host: host, Error: "OAuthCallback"},
			wantStatus: 200,
			want:       []string{`<h1>Error</h1><div class="message"><p><a class="site" href="http://localhost:3111">localhost:3111</a></p></div></div></div>`},
			notWant:    []string{`class="button"`},
		},
		{
			name:       "empty code",
			data:       ErrorData{BaseURL: base, Origin: origin, Host: host},
			wantStatus: 200,
			want:       []string{`<h1>Error</h1><div class="message"><p><a class="site" href="http://localhost:3111">localhost:3111</a></p></div>`},
		},
		{
			name:       "default without URLs",
			data:       ErrorData{Error: "x"},
			wantStatus: 200,
			want:       []string{`<h1>Error</h1><div class="message"></div></div>`},
			notWant:    []string{`<a `},
		},
		{
			name:       "injection in code, origin and host",
			data:       ErrorData{BaseURL: `/a"><script>`, Origin: "javascript:alert(1)", Host: "<script>alert(2)</script>", Error: "<script>alert(3)</script>"},
			wantStatus: 200,
			want:       []string{`href="#ZgotmplZ">&lt;script&gt;alert(2)&lt;/script&gt;</a>`},
			notWant:    []string{"<script", "alert(3)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			status, err := r.Error(&b, tt.data)
			if err != nil {
				t.Fatalf("Error() error = %v", err)
			}
			if status != tt.wantStatus {
				t.Errorf("Error() status = %d, want %d", status, tt.wantStatus)
			}
			checkDocument(t, b.String())
			got := withoutCSS(r, b.String())
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Error page lacks\n%s\nin\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("Error page contains %q", w)
				}
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name    string
		data    SignOutData
		want    []string
		notWant []string
	}{
		{
			name: "form",
			data: SignOutData{BaseURL: base, CSRFToken: "tok"},
			want: []string{
				`<title>Sign Out</title>`,
				`<div class="page"><div class="signout"><div class="card"><h1>`,
				`<form action="http://localhost:3111/api/auth/signout" method="POST"><input type="hidden" name="csrfToken" value="tok" /><button id="submitButton" type="submit">Sign out</button></form></div></div></div></body></html>`,
			},
		},
		{
			name:    "no base URL posts to the page itself",
			data:    SignOutData{CSRFToken: "tok"},
			want:    []string{`<form method="POST"><input type="hidden" name="csrfToken" value="tok" />`},
			notWant: []string{`action=`},
		},
		{
			name: "theme",
			data: SignOutData{Theme: Theme{BrandColor: "rgb(1, 2, 3)", ButtonText: "#000"}},
			want: []string{"<div class=\"signout\"><style>\n        :root {\n          --brand-color: rgb(1, 2, 3)\n        }\n      </style><style>\n        :root {\n          --button-text-color: #000\n        }\n      </style><div class=\"card\"><h1>"},
		},
		{
			name:    "injection",
			data:    SignOutData{BaseURL: `javascript:alert(1)//`, CSRFToken: `"><script>`},
			want:    []string{`action="#ZgotmplZ"`, `value="&#34;&gt;&lt;script&gt;"`},
			notWant: []string{"<script", "alert"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, func(b *bytes.Buffer) error { return r.SignOut(b, tt.data) })
			checkDocument(t, page)
			got := withoutCSS(r, page)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("SignOut lacks\n%s\nin\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("SignOut contains %q", w)
				}
			}
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name    string
		data    VerifyRequestData
		want    []string
		notWant []string
	}{
		{
			name: "link to site",
			data: VerifyRequestData{Origin: "http://localhost:3111", Host: "localhost:3111"},
			want: []string{
				`<title>Verify Request</title>`,
				`<div class="page"><div class="verify-request"><div class="card"><h1>Check your email</h1><p>`,
				`</p><p><a class="site" href="http://localhost:3111">localhost:3111</a></p></div></div></div></body></html>`,
			},
		},
		{
			name:    "no origin or host",
			data:    VerifyRequestData{},
			want:    []string{`<h1>Check your email</h1><p>`},
			notWant: []string{`<a `},
		},
		{
			name:    "brand colour only",
			data:    VerifyRequestData{Theme: Theme{BrandColor: "#111", ButtonText: "#222"}},
			want:    []string{"--brand-color: #111"},
			notWant: []string{"--button-text-color: "},
		},
		{
			name:    "injection",
			data:    VerifyRequestData{Origin: "javascript:alert(1)", Host: "<script>"},
			want:    []string{`<a class="site" href="#ZgotmplZ">&lt;script&gt;</a>`},
			notWant: []string{"<script", "alert"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, func(b *bytes.Buffer) error { return r.VerifyRequest(b, tt.data) })
			checkDocument(t, page)
			got := withoutCSS(r, page)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("VerifyRequest lacks\n%s\nin\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("VerifyRequest contains %q", w)
				}
			}
		})
	}
}

func TestSafeImageURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"/img/github.svg", "/img/github.svg"},
		{"img/x.png", "img/x.png"},
		{"//cdn.example/x.png", "//cdn.example/x.png"},
		{"https://example.com/x.png", "https://example.com/x.png"},
		{"HTTP://example.com/x.png", "HTTP://example.com/x.png"},
		{"/a:b.png", "/a:b.png"},
		{"data:image/png;base64,AAAA", "data:image/png;base64,AAAA"},
		{"data:text/html,<script>", ""},
		{"data:image/", ""},
		{"javascript:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"vbscript:x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(safeImageURL(tt.in)); got != tt.want {
				t.Errorf("safeImageURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestConcurrent renders pages from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	r := newRenderer(t)
	var want bytes.Buffer
	d := SignInData{CSRFToken: csrf, Providers: []Provider{github(), email(), credentials()}}
	if err := r.SignIn(&want, d); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 16 {
		wg.Go(func() {
			for range 20 {
				var b bytes.Buffer
				if err := r.SignIn(&b, d); err != nil {
					errs <- err.Error()
					return
				}
				if b.String() != want.String() {
					errs <- "concurrent render differs"
					return
				}
				if _, err := r.Error(&b, ErrorData{Error: "Verification"}); err != nil {
					errs <- err.Error()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func BenchmarkSignIn(b *testing.B) {
	r := newRenderer(b)
	d := SignInData{CSRFToken: csrf, CallbackURL: "http://localhost:3111", Providers: []Provider{github(), google(), email(), credentials()}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.SignIn(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
}
