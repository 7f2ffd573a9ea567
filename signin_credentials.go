package nextauth

import (
	"errors"
	"net/http"
	"strconv"
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
	var raw string
	if field := identifierField(p); field != "" {
		raw = creds[field]
	}
	if len(raw) > maxIdentifierBytes {
		// No account is that long: refused as a wrong password before any
		// bucket, record or Authorize call exists for it.
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	account := credentialAccount(raw)
	rl := h.cfg.CredentialsRateLimit
	client := h.rateClient(s.r)
	// The per-client and per-account limits count failures: their tokens
	// are taken before the password check, so that parallel guesses cannot
	// slip through, and given back when the password was right. Requests
	// counts every attempt, as a ceiling on raw volume.
	taken := s.takenBuf[:0]
	limited := !h.allow(s, "credentials_requests", client, rl.Requests, rl.Window)
	if !limited {
		limited = !h.take(s, &taken, "credentials_client", client, rl.PerClient, rl.Window) ||
			account != "" && !h.take(s, &taken, "credentials_account", strconv.Itoa(len(id))+":"+id+":"+account, rl.PerAccount, rl.Window)
	}
	if limited {
		h.refund(s, taken, rl.Window) // the password was not checked
		h.observe(id, "RateLimited")
		h.redirect(s, failed, http.StatusTooManyRequests)
		return
	}
	// The lockout counts this attempt as a failure before the password is
	// checked, in one atomic step with the decision, so that parallel
	// guesses get exactly MaxFailures checks; a right password clears it.
	lockKey := lockoutKey(id, account)
	if account != "" && !h.lockoutAllows(s, lockKey) {
		// Answered exactly as a wrong password, so the lock reveals nothing
		// (any name can be locked, known or not), and in the same time for
		// a provider whose check time shows (static users' bcrypt).
		h.decoyCheck(s, p, creds)
		h.rateLimited(s, "lockout")
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	user, err := h.callAuthorize(s.ctx, p, creds, s.r)
	if err != nil || user == nil {
		// The failure was counted before the check.
		if err != nil {
			h.logError(s.ctx, "CREDENTIALS_AUTHORIZE_ERROR", err)
			failed = s.errorURL(publicCode(err, CodeCredentialsSignin)) + "&provider=" + jsuri.EncodeURIComponent(id)
		}
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	// The password was right: this attempt is no failure, and the
	// account's failure history is forgotten.
	h.refund(s, taken, rl.Window)
	if account != "" {
		h.clearLockout(s, lockKey)
	}
	acct := &Account{Type: string(TypeCredentials), Provider: id, ProviderAccountID: user.ID}
	if !h.signInAllowed(s, SignInParams{User: user, Account: acct, Credentials: creds}, true) {
		h.observe(id, string(CodeAccessDenied))
		return
	}
	// Under the database strategy the user becomes a user row linked to the
	// credentials account, with a real database session (beyond v4, which
	// writes a JWT that the session route then rejects).
	claims := user.Claims
	user, isNewUser, err := h.sessions.signInUser(s, acct, user)
	if errors.Is(err, errCredentialsNotLinked) {
		// Another user's e-mail: refused as a failed sign-in, nothing written.
		h.logError(s.ctx, "CALLBACK_CREDENTIALS_HANDLER_ERROR", err)
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
	if err == nil {
		// An adapter's user keeps no claims: Authorize's ride along.
		u := *user
		u.Claims = claims
		err = h.sessions.start(s, &u, acct, nil, false)
	}
	if err != nil {
		h.logError(s.ctx, "CALLBACK_CREDENTIALS_HANDLER_ERROR", err)
		h.redirect(s, s.errorURL(publicCode(err, CodeCallback)), 0)
		return
	}
	emit(s.ctx, h, "SIGN_IN", h.cfg.Events.SignIn, SignInEvent{User: *user, Account: acct, IsNewUser: isNewUser})
	h.observe(id, "ok")
	h.redirect(s, s.callback, 0)
}

// credentialAccount is the account a credentials sign-in is for, for rate
// limits and lockout: the submitted value of the provider's identifier
// field (identifierField), trimmed and lower-cased ("" when absent).
func credentialAccount(raw string) string {
	return strings.ToLower(strings.TrimSpace(raw))
}
