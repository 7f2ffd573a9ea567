package nextauth

import (
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// credentialsCallback answers POST /callback/:credentials (CSRF verified;
// docs/compatibility.md#credentials-sign-in): rate limits per client and
// account, lockout, Authorize, the allow list and signIn callback, then the
// session.
func (h *Handler) credentialsCallback(s *state, p CredentialsProvider) {
	id := p.Info().ID
	creds := Credentials(s.body.Flatten())
	failed := s.errorURL(string(CodeCredentialsSignin)) + "&provider=" + jsuri.EncodeURIComponent(id)
	account := credentialAccount(creds)
	rl := h.cfg.CredentialsRateLimit
	ip := h.clientIP(s.r)
	// The per-client and per-account limits count failures: their tokens
	// are taken before the password check, so that parallel guesses cannot
	// slip through, and given back when the password was right. Requests
	// counts every attempt, as a ceiling on raw volume.
	taken := s.takenBuf[:0]
	limited := !h.allow(s, "credentials_requests", "cred:r:"+ip, rl.Requests, rl.Window)
	if !limited {
		limited = !h.take(s, &taken, "credentials_client", "cred:c:"+ip, rl.PerClient, rl.Window) ||
			account != "" && !h.take(s, &taken, "credentials_account", "cred:a:"+id+":"+account, rl.PerAccount, rl.Window)
	}
	if limited {
		h.refund(s, taken, rl.Window) // the password was not checked
		h.observe(id, "RateLimited")
		h.redirect(s, failed, http.StatusTooManyRequests)
		return
	}
	lockKey := lockoutKey(id, account)
	if account != "" && h.lockedOut(s, lockKey) {
		// Answered exactly as a wrong password, so the lock reveals nothing
		// (any name can be locked, known or not); trying again extends it.
		h.recordFailure(s, lockKey)
		if o := h.cfg.Observer; o != nil {
			o.RateLimited("lockout")
		}
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	user, err := h.callAuthorize(s.ctx, p, creds, s.r)
	if err != nil || user == nil {
		if err != nil {
			h.logError(s.ctx, "CREDENTIALS_AUTHORIZE_ERROR", err)
			failed = s.errorURL(publicCode(err, CodeCredentialsSignin)) + "&provider=" + jsuri.EncodeURIComponent(id)
		}
		if account != "" {
			h.recordFailure(s, lockKey)
		}
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	// The password was right: this attempt is no failure, and the
	// account's failure history is forgotten.
	h.refund(s, taken, rl.Window)
	if account != "" {
		if err := h.rates.Reset(s.ctx, lockKey); err != nil {
			h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		}
	}
	acct := &Account{Type: string(TypeCredentials), Provider: id, ProviderAccountID: user.ID}
	if !h.signInAllowed(s, SignInParams{User: user, Account: acct, Credentials: creds}, true) {
		h.observe(id, string(CodeAccessDenied))
		return
	}
	// Under the database strategy the user becomes a user row linked to the
	// credentials account, with a real database session (beyond v4, which
	// writes a JWT that the session route then rejects).
	user, isNewUser, err := h.sessions.signInUser(s, acct, user)
	if err == nil {
		err = h.sessions.start(s, user, acct, nil, false)
	}
	if err != nil {
		h.logError(s.ctx, "CALLBACK_CREDENTIALS_HANDLER_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	}
	emit(s.ctx, h, "SIGN_IN", h.cfg.Events.SignIn, SignInEvent{User: *user, Account: acct, IsNewUser: isNewUser})
	h.observe(id, "ok")
	h.redirect(s, s.callback, 0)
}

// credentialAccount is the account a credentials sign-in is for, for rate
// limits and lockout: the submitted username, else email, trimmed and
// lower-cased ("" when neither was sent).
func credentialAccount(c Credentials) string {
	a := c["username"]
	if a == "" {
		a = c["email"]
	}
	return strings.ToLower(strings.TrimSpace(a))
}
