// Package pages renders NextAuth v4's built-in pages: sign-in, sign-out,
// verify-request and error (docs/compatibility.md#built-in-pages).
//
// The pages keep NextAuth's document structure, class names, form actions and
// methods, input names and ids, button ids, titles and theme custom
// properties, so that theme overrides and scripted browsers written against
// NextAuth keep working. The stylesheet and the wording are our own. Pages
// carry no JavaScript and load nothing from elsewhere: they work offline and
// under a CSP such as "default-src 'none'; style-src 'unsafe-inline';
// img-src 'self' data:; form-action 'self'".
//
// Every value is escaped by html/template. Colours from the theme and from
// provider styles are written into CSS only if [ValidColor] accepts them;
// other values are dropped. Image URLs with a scheme other than http, https or
// data:image/… are dropped too.
package pages

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
)

//go:embed templates
var files embed.FS

// Theme is NextAuth's `theme` option.
type Theme struct {
	ColorScheme string // "auto", "light" or "dark"; "" and unknown values mean "auto"
	BrandColor  string // CSS colour of buttons and accents (--brand-color)
	Logo        string // URL of an image shown at the top of the card
	ButtonText  string // CSS colour of button text (--button-text-color)
}

// Style is an OAuth provider button's look (NextAuth's provider `style`).
// BgDark defaults to Bg, TextDark to Text and LogoDark to Logo. Logo URLs are
// used as given: the caller resolves them (NextAuth prefixes logos starting
// with "/" with its own host; serve them from the base path instead).
type Style struct {
	Logo, LogoDark, Bg, Text, BgDark, TextDark string
}

// Field is one input of a credentials provider's form (an entry of
// NextAuth's `credentials` option). Type "" means "text" and Label "" means
// Name.
type Field struct {
	Name, Label, Type, Placeholder, Value string
	Required                              bool
}

// Provider is a provider as the sign-in page lists it.
type Provider struct {
	ID, Name string
	Type     string // "oauth", "email" or "credentials"; other types are not rendered
	// SigninURL is where oauth and email forms post ({base}/signin/{id}).
	SigninURL string
	// CallbackURL is where the credentials form posts ({base}/callback/{id}).
	CallbackURL string
	Style       *Style  // oauth only; nil means a plain button
	Fields      []Field // credentials only; a credentials provider without Fields is not rendered
}

// SignInData is what the sign-in page shows
// (docs/compatibility.md#sign-in-page). The caller applies NextAuth's query
// overrides (callbackUrl, csrfToken, email, error).
type SignInData struct {
	Theme       Theme
	CSRFToken   string
	CallbackURL string // hidden input on oauth forms only; omitted when empty
	Email       string // pre-filled value of the email inputs
	Error       string // ?error= code; when set, SignInErrorMessage(Error) is shown
	Providers   []Provider
}

// SignOutData is what the sign-out page shows
// (docs/compatibility.md#sign-out-verify-request-and-error-pages). The form
// posts csrfToken to BaseURL+"/signout"; with an empty BaseURL it has no
// action and so posts back to the page's own URL, which is that same endpoint.
type SignOutData struct {
	Theme     Theme
	BaseURL   string
	CSRFToken string
}

// VerifyRequestData is what the verify-request page shows
// (docs/compatibility.md#sign-out-verify-request-and-error-pages): a link to
// Origin showing Host.
type VerifyRequestData struct {
	Theme  Theme
	Origin string
	Host   string
}

// ErrorData is what the error page shows
// (docs/compatibility.md#sign-out-verify-request-and-error-pages). Error is
// the ?error= code as given (any case). URLs may be empty, as when a
// configuration error is rendered: links that need them are then left out.
type ErrorData struct {
	Theme   Theme
	BaseURL string
	Origin  string
	Host    string
	Error   string
}

// Renderer renders the pages. It is safe for concurrent use.
type Renderer struct {
	t   *template.Template
	css template.CSS
}

// New parses the embedded templates and stylesheet once, and checks every
// page renders.
func New() (*Renderer, error) {
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	t := template.New("pages")
	for _, name := range names {
		src, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("pages: %w", err)
		}
		if _, err := t.New(name).Parse(compact(string(src))); err != nil {
			return nil, fmt.Errorf("pages: %w", err)
		}
	}
	r := &Renderer{t: t, css: template.CSS(minifyCSS(string(css)))}
	// Render each page once: html/template escapes a template on its first
	// execution, so this finds escaping errors now and keeps that work off
	// the first request.
	err = r.SignIn(io.Discard, SignInData{})
	if err == nil {
		err = r.SignOut(io.Discard, SignOutData{})
	}
	if err == nil {
		err = r.VerifyRequest(io.Discard, VerifyRequestData{})
	}
	if err == nil {
		_, err = r.Error(io.Discard, ErrorData{})
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SignIn renders the sign-in page (docs/compatibility.md#sign-in-page), served
// with status 200.
func (r *Renderer) SignIn(w io.Writer, d SignInData) error {
	v := signInView{
		chrome:      r.chrome("Sign In", d.Theme, true),
		CSRFToken:   d.CSRFToken,
		CallbackURL: d.CallbackURL,
		Email:       d.Email,
		Providers:   providerViews(d.Providers),
	}
	if d.Error != "" {
		v.Error = SignInErrorMessage(d.Error)
	}
	return r.execute(w, "signin", v)
}

// SignOut renders the sign-out page
// (docs/compatibility.md#sign-out-verify-request-and-error-pages), served with
// status 200.
func (r *Renderer) SignOut(w io.Writer, d SignOutData) error {
	v := signOutView{chrome: r.chrome("Sign Out", d.Theme, true), CSRFToken: d.CSRFToken}
	if d.BaseURL != "" {
		v.Action = d.BaseURL + "/signout"
	}
	return r.execute(w, "signout", v)
}

// VerifyRequest renders the page shown after a sign-in e-mail was sent
// (docs/compatibility.md#sign-out-verify-request-and-error-pages), served with
// status 200.
func (r *Renderer) VerifyRequest(w io.Writer, d VerifyRequestData) error {
	v := verifyRequestView{chrome: r.chrome("Verify Request", d.Theme, false), Origin: d.Origin, Host: d.Host}
	return r.execute(w, "verify-request", v)
}

// Error renders the error page for d.Error and returns the HTTP status to
// serve it with, [ErrorStatus](d.Error) (docs/compatibility.md#get-error). The
// status is returned even when writing fails.
func (r *Renderer) Error(w io.Writer, d ErrorData) (status int, err error) {
	key := errorKey(d.Error)
	v := errorView{
		chrome:  r.chrome("Error", d.Theme, false),
		Key:     key,
		Heading: errorHeading(key),
		Origin:  d.Origin,
		Host:    d.Host,
	}
	if d.BaseURL != "" {
		v.SigninURL = d.BaseURL + "/signin"
	}
	return ErrorStatus(d.Error), r.execute(w, "error", v)
}

func (r *Renderer) execute(w io.Writer, name string, v any) error {
	if err := r.t.ExecuteTemplate(w, name, v); err != nil {
		return fmt.Errorf("pages: render %s: %w", name, err)
	}
	return nil
}

// chrome is what every page's wrapper needs.
type chrome struct {
	CSS        template.CSS
	Title      string
	Scheme     string
	Brand      template.CSS // contents of the brand <style> element, or ""
	ButtonText template.CSS // contents of the button text <style> element, or ""
	Logo       template.URL
}

func (r *Renderer) chrome(title string, th Theme, buttonText bool) chrome {
	c := chrome{CSS: r.css, Title: title, Scheme: "auto", Logo: safeImageURL(th.Logo)}
	switch th.ColorScheme {
	case "light", "dark":
		c.Scheme = th.ColorScheme
	}
	c.Brand = rootVar("--brand-color", cleanColor(th.BrandColor))
	if buttonText {
		c.ButtonText = rootVar("--button-text-color", cleanColor(th.ButtonText))
	}
	return c
}

// rootVar is the body of NextAuth's theme <style> element setting one custom
// property on :root (same bytes; docs/compatibility.md#built-in-pages), or ""
// if value is empty. value must be a cleanColor result.
func rootVar(name, value string) template.CSS {
	if value == "" {
		return ""
	}
	return template.CSS("\n        :root {\n          " + name + ": " + value + "\n        }\n      ")
}

type signInView struct {
	chrome
	CSRFToken, CallbackURL, Email, Error string
	Providers                            []providerView
}

type providerView struct {
	ID, Name, Type         string
	SigninURL, CallbackURL string
	Style                  template.CSS
	Logo, LogoDark         template.URL
	Fields                 []Field
	HRBefore, HRAfter      bool
}

type signOutView struct {
	chrome
	Action, CSRFToken string
}

type verifyRequestView struct {
	chrome
	Origin, Host string
}

type errorView struct {
	chrome
	Key, Heading            string
	SigninURL, Origin, Host string
}

// providerViews picks the providers NextAuth renders (oauth, email, and
// credentials with fields) and places the <hr /> separators: before an email
// or credentials provider that follows an oauth one, and after an email or
// credentials provider that is not last (docs/compatibility.md#sign-in-page).
func providerViews(ps []Provider) []providerView {
	var out []providerView
	for _, p := range ps {
		switch p.Type {
		case "oauth", "email":
		case "credentials":
			if len(p.Fields) == 0 {
				continue
			}
		default:
			continue
		}
		v := providerView{ID: p.ID, Name: p.Name, Type: p.Type, SigninURL: p.SigninURL, CallbackURL: p.CallbackURL}
		switch p.Type {
		case "oauth":
			if p.Style != nil {
				v.Style = buttonStyle(*p.Style)
				v.Logo = safeImageURL(p.Style.Logo)
				dark := p.Style.LogoDark
				if dark == "" {
					dark = p.Style.Logo
				}
				v.LogoDark = safeImageURL(dark)
			}
		case "credentials":
			v.Fields = make([]Field, len(p.Fields))
			for i, f := range p.Fields {
				if f.Type == "" {
					f.Type = "text"
				}
				if f.Label == "" {
					f.Label = f.Name
				}
				v.Fields[i] = f
			}
		}
		out = append(out, v)
	}
	for i := range out {
		if out[i].Type == "oauth" {
			continue
		}
		out[i].HRBefore = i > 0 && out[i-1].Type == "oauth"
		out[i].HRAfter = i < len(out)-1
	}
	return out
}

// buttonStyle is the style attribute of an oauth provider's button: the
// --provider-* custom properties in NextAuth's order, each "name: value;",
// joined by a space, empty and invalid colours left out
// (docs/compatibility.md#sign-in-page).
func buttonStyle(s Style) template.CSS {
	bg, text := cleanColor(s.Bg), cleanColor(s.Text)
	bgDark, textDark := cleanColor(s.BgDark), cleanColor(s.TextDark)
	if bgDark == "" {
		bgDark = bg
	}
	if textDark == "" {
		textDark = text
	}
	decls := [...][2]string{
		{"--provider-bg", bg},
		{"--provider-dark-bg", bgDark},
		{"--provider-color", text},
		{"--provider-dark-color", textDark},
		{"--provider-bg-hover", hoverColor(bg)},
		{"--provider-dark-bg-hover", hoverColor(bgDark)},
	}
	var b strings.Builder
	for _, d := range decls {
		if d[1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[0] + ": " + d[1] + ";")
	}
	return template.CSS(b.String())
}

// safeImageURL returns u for use as an image source if it is relative or
// uses http, https or a data:image/ URL, and "" otherwise. html/template
// would replace a data URL; images cannot run scripts, so it is allowed.
func safeImageURL(u string) template.URL {
	u = strings.TrimSpace(u)
	scheme, _, found := strings.Cut(u, ":")
	if !found || strings.ContainsAny(scheme, "/?#") {
		return template.URL(u) // relative reference
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
		return template.URL(u)
	case "data":
		if len(u) > len("data:image/") && strings.EqualFold(u[:len("data:image/")], "data:image/") {
			return template.URL(u)
		}
	}
	return ""
}

// compact joins the template's lines, each trimmed, without a separator, so
// that pages come out on one line like NextAuth's.
func compact(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	for line := range strings.Lines(src) {
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

// minifyCSS drops comments and the whitespace a stylesheet does not need.
// It knows only our stylesheet: no strings containing ": ", braces, or
// comment markers.
func minifyCSS(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			break
		}
		s = s[i+2+j+2:]
	}
	s = strings.Join(strings.Fields(b.String()), " ")
	for _, p := range []string{"{", "}", ";", ","} {
		s = strings.ReplaceAll(s, " "+p, p)
		s = strings.ReplaceAll(s, p+" ", p)
	}
	s = strings.ReplaceAll(s, ": ", ":")
	return strings.ReplaceAll(s, ";}", "}")
}
