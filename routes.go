package nextauth

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/pages"
)

// getProviders answers GET /providers: the provider map, no cookies.
func (h *Handler) getProviders(s *state) {
	writeJSON(s.w, http.StatusOK, s.site.provJSON)
}

// getCSRF answers GET /csrf.
func (h *Handler) getCSRF(s *state) {
	s.flushCookies()
	noCache(s.w)
	b := make([]byte, 0, 80)
	b = append(b, `{"csrfToken":"`...)
	b = append(b, s.csrfToken...)
	b = append(b, `"}`...)
	writeJSON(s.w, http.StatusOK, b)
}

// postLog answers POST /_log: the browser client's log proxy (core.md
// §14.6). It logs the entry and answers 200 with an empty body.
func (h *Handler) postLog(s *state) {
	level := slog.LevelError
	switch s.body.First("level") {
	case "warn":
		level = slog.LevelWarn
	case "debug":
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{slog.String("code", s.body.First("code")), slog.Bool("client", true)}
	if msg := s.body.First("message"); msg != "" {
		attrs = append(attrs, slog.String("message", truncate(msg, 1000)))
	}
	h.log.LogAttrs(s.ctx, level, "client log", attrs...)
	s.w.Header()["Content-Type"] = nil
	s.w.WriteHeader(http.StatusOK)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// theme converts the configured theme for the page renderer.
func (h *Handler) theme() pages.Theme {
	t := h.cfg.Theme
	return pages.Theme{ColorScheme: t.ColorScheme, BrandColor: t.BrandColor, Logo: t.Logo, ButtonText: t.ButtonText}
}

// page writes a rendered page with the queued cookies.
func (h *Handler) page(s *state, status int, buf *bytes.Buffer) {
	s.flushCookies()
	hd := s.w.Header()
	hd["Content-Type"] = []string{"text/html; charset=utf-8"}
	hd["X-Frame-Options"] = []string{"DENY"}
	hd["X-Content-Type-Options"] = []string{"nosniff"}
	hd["Referrer-Policy"] = []string{"same-origin"}
	s.w.WriteHeader(status)
	_, _ = s.w.Write(buf.Bytes())
}

// getSignIn answers GET /signin[/x]: the application's page or ours.
func (h *Handler) getSignIn(s *state) {
	if p := h.cfg.Pages.SignIn; p != "" {
		target := appendQuery(p, "callbackUrl="+cookie.EncodeURIComponent(s.callback))
		errCode := s.query.First("error")
		if errCode == "" {
			errCode = s.providerID
		}
		if errCode != "" {
			target += "&error=" + cookie.EncodeURIComponent(errCode)
		}
		h.redirect(s, target, 0)
		return
	}
	d := pages.SignInData{
		Theme:       h.theme(),
		CSRFToken:   s.csrfToken,
		CallbackURL: s.callback,
		Email:       s.query.First("email"),
		Error:       s.query.First("error"),
	}
	// The built-in page echoes a raw query callbackUrl (core.md §13.2); it
	// passed the callback URL assertion, so it is an http(s) URL.
	if q := s.query.First("callbackUrl"); q != "" {
		d.CallbackURL = q
	}
	for _, p := range h.providers {
		info := p.Info()
		pp := pages.Provider{
			ID: info.ID, Name: info.Name, Type: string(info.Type),
			SigninURL:   s.site.url.base() + "/signin/" + info.ID,
			CallbackURL: s.site.url.base() + "/callback/" + info.ID,
		}
		if st := info.Style; st != nil {
			pp.Style = &pages.Style{Logo: st.Logo, LogoDark: st.LogoDark, Bg: st.Bg, Text: st.Text, BgDark: st.BgDark, TextDark: st.TextDark}
		}
		if cp, ok := p.(CredentialsProvider); ok {
			for _, f := range cp.Fields() {
				pp.Fields = append(pp.Fields, pages.Field{Name: f.Name, Label: f.Label, Type: f.Type, Placeholder: f.Placeholder, Value: f.Value, Required: f.Required})
			}
		}
		d.Providers = append(d.Providers, pp)
	}
	var buf bytes.Buffer
	if err := h.pages.SignIn(&buf, d); err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	h.page(s, http.StatusOK, &buf)
}

// postSignIn answers POST /signin/:provider (core.md §11.1).
func (h *Handler) postSignIn(s *state) {
	p := h.byID[s.providerID]
	if !s.csrfOK || p == nil {
		h.redirect(s, s.site.url.base()+"/signin?csrf=true", 0)
		return
	}
	switch p := p.(type) {
	case CredentialsProvider:
		// Credentials sign in through POST /callback/:id.
		h.redirect(s, s.site.url.base()+"/signin", 0)
	case EmailProvider:
		h.emailSignIn(s, p)
	case OAuthProvider:
		h.oauthSignIn(s, p)
	default:
		h.redirect(s, s.errorURL(string(CodeSignin)), 0)
	}
}

// getSignOut answers GET /signout: the application's page or ours.
func (h *Handler) getSignOut(s *state) {
	if p := h.cfg.Pages.SignOut; p != "" {
		h.redirect(s, p, 0)
		return
	}
	var buf bytes.Buffer
	if err := h.pages.SignOut(&buf, pages.SignOutData{Theme: h.theme(), BaseURL: s.site.url.base(), CSRFToken: s.csrfToken}); err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	h.page(s, http.StatusOK, &buf)
}

// getVerifyRequest answers GET /verify-request.
func (h *Handler) getVerifyRequest(s *state) {
	if p := h.cfg.Pages.VerifyRequest; p != "" {
		h.redirect(s, p, 0)
		return
	}
	var buf bytes.Buffer
	if err := h.pages.VerifyRequest(&buf, pages.VerifyRequestData{Theme: h.theme(), Origin: s.site.url.origin, Host: s.site.url.host}); err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	h.page(s, http.StatusOK, &buf)
}

// getError answers GET /error (core.md §12.4).
func (h *Handler) getError(s *state) {
	code := s.query.First("error")
	if _, present := s.query["error"]; !present {
		code = s.providerID
	}
	if signinErrorCodes[code] {
		h.redirect(s, s.site.url.base()+"/signin?error="+code, 0)
		return
	}
	if p := h.cfg.Pages.Error; p != "" {
		h.redirect(s, appendQuery(p, "error="+code), 0)
		return
	}
	h.renderError(s, code, 0, true)
}

// renderError renders the built-in error page; status 0 means the code's
// own status. withURLs false renders it without links (configuration errors
// found before the request was set up).
func (h *Handler) renderError(s *state, code string, status int, withURLs bool) {
	d := pages.ErrorData{Theme: h.theme(), Error: code}
	if withURLs {
		d.BaseURL, d.Origin, d.Host = s.site.url.base(), s.site.url.origin, s.site.url.host
	}
	var buf bytes.Buffer
	st, err := h.pages.Error(&buf, d)
	if err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	if status == 0 {
		status = st
	}
	h.page(s, status, &buf)
}

// callback answers GET and POST /callback/:provider.
func (h *Handler) callback(s *state) {
	p := h.byID[s.providerID]
	if p == nil {
		unsupported(s.w, s.r.Method)
		return
	}
	switch p := p.(type) {
	case CredentialsProvider:
		if s.r.Method != http.MethodPost {
			// NextAuth answers 500 here; it is the client's mistake, so 400.
			s.flushCookies()
			textResponse(s.w, http.StatusBadRequest, "Error: Callback for provider type credentials not supported")
			return
		}
		if !s.csrfOK {
			h.redirect(s, s.site.url.base()+"/signin?csrf=true", 0)
			return
		}
		h.credentialsCallback(s, p)
	case EmailProvider:
		h.emailCallback(s, p)
	case OAuthProvider:
		h.oauthCallback(s, p)
	default:
		unsupported(s.w, s.r.Method)
	}
}

// allowed reports whether Config.Allow lets email sign in.
func (h *Handler) allowed(email string) bool {
	a := h.cfg.Allow
	if len(a.Emails) == 0 && len(a.Domains) == 0 {
		return true
	}
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	for _, e := range a.Emails {
		if strings.ToLower(strings.TrimSpace(e)) == email {
			return true
		}
	}
	domain := email[at+1:]
	for _, d := range a.Domains {
		if strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@") == domain {
			return true
		}
	}
	return false
}
