package nextauth

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsuri"
	"github.com/nextauth-go/nextauth/internal/pages"
)

// getSignIn answers GET /signin[/x]: the application's page or ours.
func (h *Handler) getSignIn(s *state) {
	if p := h.cfg.Pages.SignIn; p != "" {
		target := appendQuery(p, "callbackUrl="+jsuri.EncodeURIComponent(s.callback))
		errCode := s.query.First("error")
		if errCode == "" {
			errCode = s.providerID
		}
		if errCode != "" {
			target += "&error=" + jsuri.EncodeURIComponent(errCode)
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
	// The built-in page echoes a raw query callbackUrl (docs/compatibility.md#sign-in-page); it
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

// postSignIn answers POST /signin/:provider (docs/compatibility.md#routes).
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

// signInAllowed applies Config.Allow and Callbacks.SignIn (docs/compatibility.md#callbacks-and-events).
// When it returns false it has already answered. credentials selects the
// 403 status NextAuth uses for a credentials refusal in JSON mode.
func (h *Handler) signInAllowed(s *state, p SignInParams, credentials bool) bool {
	denyStatus := 0
	if credentials {
		denyStatus = http.StatusForbidden
	}
	if !h.allowed(p.User.Email.String()) {
		h.denyByAllowList(s, "e-mail address not listed", denyStatus)
		return false
	}
	res, err := h.callSignIn(s.ctx, p)
	switch {
	case err != nil:
		h.logError(s.ctx, "SIGNIN_CALLBACK_ERROR", err)
		h.redirect(s, s.errorURL(publicCode(err, CodeAccessDenied)), denyStatus)
		return false
	case res.Redirect != "":
		h.redirect(s, res.Redirect, 0)
		return false
	case res.Deny:
		h.redirect(s, s.errorURL(string(CodeAccessDenied)), denyStatus)
		return false
	}
	return true
}

// denyByAllowList answers a sign-in the allow list refuses: AccessDenied
// (with status, 0 for NextAuth's default).
func (h *Handler) denyByAllowList(s *state, reason string, status int) {
	h.log.LogAttrs(s.ctx, slog.LevelInfo, "sign-in refused by allow list", slog.String("code", string(CodeAccessDenied)), slog.String("reason", reason))
	h.redirect(s, s.errorURL(string(CodeAccessDenied)), status)
}

// allowListRestricts reports whether Config.Allow lists anything, i.e.
// whether it refuses anyone.
func (h *Handler) allowListRestricts() bool {
	return len(h.cfg.Allow.Emails) != 0 || len(h.cfg.Allow.Domains) != 0
}

// allowed reports whether Config.Allow lets email sign in.
func (h *Handler) allowed(email string) bool {
	a := h.cfg.Allow
	if !h.allowListRestricts() {
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
