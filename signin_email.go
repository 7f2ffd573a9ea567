package nextauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/csrf"
	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// hashVerificationToken is how e-mail tokens are stored: the lower-case hex
// SHA-256 of token+secret (docs/compatibility.md#e-mail-sign-in), the same construction as the
// CSRF hash.
func hashVerificationToken(token, secret string) string { return csrf.Hash(token, secret) }

// maxEmailLength bounds an e-mail address in bytes, after normalising: the
// 64-byte local part, "@" and 255-byte domain of RFC 5321 §4.5.3.1. A
// longer address is refused before anything is stored
// (docs/compatibility.md#e-mail-sign-in).
const maxEmailLength = 320

// errEmailTooLong is logged when an address is over maxEmailLength.
var errEmailTooLong = fmt.Errorf("nextauth: e-mail address longer than %d bytes", maxEmailLength)

// emailSignIn answers POST /signin/:email (CSRF verified): it sends a
// sign-in link (docs/compatibility.md#e-mail-sign-in).
func (h *Handler) emailSignIn(s *state, p EmailProvider) {
	info := p.Info()
	raw, _ := s.body.String("email")
	if strings.TrimSpace(raw) == "" {
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), 0)
		return
	}
	email, err := p.NormalizeIdentifier(raw)
	if err == nil && len(email) > maxEmailLength {
		// Checked on what any normaliser returns, before a rate bucket, a
		// token row or a mail exists for it.
		err = errEmailTooLong
	}
	if err != nil {
		h.logError(s.ctx, "SIGNIN_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), 0)
		return
	}
	if !h.allowEmailSend(s, email) {
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), http.StatusTooManyRequests)
		return
	}
	a := h.cfg.Adapter
	user, err := a.GetUserByEmail(s.ctx, email)
	if errors.Is(err, ErrNotFound) {
		user, err = User{ID: email, Email: String(email)}, nil
	}
	if err != nil {
		h.logError(s.ctx, "SIGNIN_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), 0)
		return
	}
	account := &Account{ProviderAccountID: email, UserID: email, Type: string(TypeEmail), Provider: info.ID}
	if !h.signInAllowed(s, SignInParams{User: &user, Account: account, VerificationRequest: true}, false) {
		return
	}
	token, err := h.newVerificationToken(p)
	if err != nil {
		h.logError(s.ctx, "SIGNIN_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), 0)
		return
	}
	maxAge := p.MaxAge()
	if maxAge <= 0 {
		maxAge = defaultEmailMaxAge
	}
	expires := h.now().Add(maxAge)
	link := s.site.url.base() + "/callback/" + info.ID + "?callbackUrl=" + jsuri.FormEscape(s.callback) +
		"&token=" + jsuri.FormEscape(token) + "&email=" + jsuri.FormEscape(email)
	// The token is stored before the mail goes out, so a link that arrives
	// always works; a failed send leaves only an unusable row behind.
	err = a.CreateVerificationToken(s.ctx, VerificationToken{Identifier: email, Token: hashVerificationToken(token, h.cfg.Secret), Expires: expires})
	if err == nil {
		err = p.SendVerificationRequest(s.ctx, VerificationRequest{Identifier: email, URL: link, Token: token, Expires: expires, Provider: info, Theme: h.cfg.Theme})
	}
	if err != nil {
		h.logError(s.ctx, "SIGNIN_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeEmailSignin)), 0)
		return
	}
	h.redirect(s, s.site.url.base()+"/verify-request?provider="+jsuri.FormEscape(info.ID)+"&type=email", 0)
}

// allowEmailSend applies the per-address and per-client limits.
func (h *Handler) allowEmailSend(s *state, email string) bool {
	rl := h.cfg.EmailRateLimit
	return h.allow(s, "email_account", "email:a:"+email, rl.PerAccount, rl.Window) &&
		h.allow(s, "email_client", h.rateClient(s.r), rl.PerClient, rl.Window)
}

// newVerificationToken is the provider's token or 32 random bytes in hex.
func (h *Handler) newVerificationToken(p EmailProvider) (string, error) {
	if g, ok := p.(TokenGenerator); ok {
		return g.GenerateVerificationToken()
	}
	var b [32]byte
	rnd := h.cfg.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("nextauth: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// emailCallback answers GET or POST /callback/:email, the magic link
// (docs/compatibility.md#e-mail-sign-in).
func (h *Handler) emailCallback(s *state, p EmailProvider) {
	info := p.Info()
	token := s.query.First("token")
	if token == "" {
		h.redirect(s, s.errorURL("configuration"), 0)
		return
	}
	identifier := s.query.First("email")
	invite, err := h.useVerificationToken(s.ctx, identifier, token)
	switch {
	case errors.Is(err, ErrNotFound):
		h.observe(info.ID, string(CodeVerification))
		h.redirect(s, s.errorURL(string(CodeVerification)), 0)
		return
	case err != nil:
		h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	case invite.Expires.Before(h.now()):
		h.redirect(s, s.errorURL(string(CodeVerification)), 0)
		return
	}
	email := invite.Identifier
	a := h.cfg.Adapter
	existing, err := a.GetUserByEmail(s.ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	}
	profile := existing
	if !found {
		profile = User{ID: email, Email: String(email)}
	}
	account := &Account{ProviderAccountID: email, Type: string(TypeEmail), Provider: info.ID}
	if !h.signInAllowed(s, SignInParams{User: &profile, Account: account}, false) {
		return
	}
	now := h.now().UTC()
	var user User
	isNewUser := !found
	if found {
		h.sessions.emailSignIn(s, s.sessionCookie(), existing.ID)
		existing.EmailVerified = &now
		if user, err = a.UpdateUser(s.ctx, existing); err != nil {
			h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", err)
			h.redirect(s, s.errorURL(string(CodeCallback)), 0)
			return
		}
		emit(s.ctx, h, "UPDATE_USER", h.cfg.Events.UpdateUser, user)
	} else {
		user, err = a.CreateUser(s.ctx, User{Email: String(email), EmailVerified: &now})
		if err != nil {
			h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", &Error{Code: CodeEmailCreateAccount, Err: err})
			h.redirect(s, s.errorURL(string(CodeEmailCreateAccount)), 0)
			return
		}
		emit(s.ctx, h, "CREATE_USER", h.cfg.Events.CreateUser, user)
	}
	account.UserID = user.ID
	if err := h.sessions.start(s, &user, account, nil, isNewUser); err != nil {
		h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", err)
		h.redirect(s, s.errorURL(publicCode(err, CodeCallback)), 0)
		return
	}
	emit(s.ctx, h, "SIGN_IN", h.cfg.Events.SignIn, SignInEvent{User: user, Account: account, IsNewUser: isNewUser})
	h.observe(info.ID, "ok")
	if isNewUser && h.cfg.Pages.NewUser != "" {
		h.redirect(s, appendQuery(h.cfg.Pages.NewUser, "callbackUrl="+jsuri.EncodeURIComponent(s.callback)), 0)
		return
	}
	h.redirect(s, s.callback, 0)
}

// useVerificationToken redeems a link's token, trying its hash under the
// current secret, then under each previous one.
func (h *Handler) useVerificationToken(ctx context.Context, identifier, token string) (VerificationToken, error) {
	if identifier == "" || len(identifier) > maxEmailLength {
		// Adapters match on the identifier; a link without email= cannot
		// be redeemed (as with NextAuth's SQL adapters), nor one whose
		// address is longer than any stored.
		return VerificationToken{}, ErrNotFound
	}
	for _, secret := range h.secrets {
		v, err := h.cfg.Adapter.UseVerificationToken(ctx, identifier, hashVerificationToken(token, secret))
		if !errors.Is(err, ErrNotFound) {
			return v, err
		}
	}
	return VerificationToken{}, ErrNotFound
}
