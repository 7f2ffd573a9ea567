package nextauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/form"
	"github.com/nextauth-go/nextauth/internal/jsuri"
	"github.com/nextauth-go/nextauth/jwt"
)

// Check names of [OAuthProvider.Checks].
const (
	CheckState = "state"
	CheckPKCE  = "pkce"
	CheckNonce = "nonce"
)

// callbackParamKeys are the callback parameters NextAuth keeps (docs/compatibility.md#oauth-and-openid-connect).
var callbackParamKeys = [...]string{"access_token", "code", "error", "error_description", "error_uri",
	"expires_in", "id_token", "iss", "response", "session_state", "state", "token_type"}

// checkCookieMaxAge is the default lifetime of the OAuth check cookies, in
// seconds.
const checkCookieMaxAge = 900

// checkCookie is one OAuth check cookie with the codec keyed by its name.
type checkCookie struct {
	def   cookieDef
	codec *jwt.Codec
}

// newCheckCookies builds the codecs of the state, PKCE and nonce cookies:
// each is encrypted with a key salted with its own name (4.24.5+).
func (h *Handler) newCheckCookies(cs cookieSet) (map[string]checkCookie, error) {
	out := map[string]checkCookie{}
	for name, def := range map[string]cookieDef{CheckState: cs.state, CheckPKCE: cs.pkce, CheckNonce: cs.nonce} {
		codec, err := jwt.NewCodec(jwt.Options{Secret: h.cfg.Secret, PreviousSecrets: h.cfg.PreviousSecrets, Salt: def.name, Now: h.cfg.Now, Rand: h.cfg.Rand})
		if err != nil {
			return nil, err
		}
		out[name] = checkCookie{def: def, codec: codec}
	}
	return out, nil
}

// checksInOrder returns the provider's checks in the order NextAuth
// handles them whatever order they were configured in: state, then pkce,
// then nonce (its check cookies are set and cleared in that order).
func checksInOrder(checks []string) []string {
	if len(checks) < 2 {
		return checks
	}
	out := make([]string, 0, len(checks))
	for _, c := range [...]string{CheckState, CheckPKCE, CheckNonce} {
		if slices.Contains(checks, c) {
			out = append(out, c)
		}
	}
	return out
}

// randomCheck is 32 random bytes in base64url, as openid-client makes them.
func randomCheck(rnd io.Reader) (string, error) {
	var b [32]byte
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("nextauth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// oauthSignIn answers POST /signin/:oauth (CSRF verified): check cookies and
// a redirect to the authorization server (docs/compatibility.md#oauth-and-openid-connect).
func (h *Handler) oauthSignIn(s *state, p OAuthProvider) {
	info := p.Info()
	req := AuthorizationRequest{RedirectURI: s.site.url.base() + "/callback/" + info.ID, Params: form.ParseQueryPairs(s.r.URL.RawQuery)}
	var set []string
	for _, check := range checksInOrder(p.Checks()) {
		cc, ok := s.site.checks[check]
		if !ok {
			continue
		}
		value, err := randomCheck(h.cfg.Rand)
		if err == nil {
			var c string
			c, err = h.checkCookieValue(cc, info.ID, value)
			set = append(set, c)
		}
		if err != nil {
			h.logError(s.ctx, "SIGNIN_OAUTH_ERROR", err)
			h.redirect(s, s.errorURL(string(CodeOAuthSignin)), 0)
			return
		}
		switch check {
		case CheckState:
			req.State = value
		case CheckPKCE:
			sum := sha256.Sum256([]byte(value))
			req.CodeChallenge = base64.RawURLEncoding.EncodeToString(sum[:])
		case CheckNonce:
			req.Nonce = value
		}
		h.debug(s.ctx, "CREATE_"+map[string]string{CheckState: "STATE", CheckPKCE: "PKCECODEVERIFIER", CheckNonce: "NONCE"}[check])
	}
	target, err := p.AuthorizationURL(s.ctx, req)
	if err != nil {
		h.logError(s.ctx, "SIGNIN_OAUTH_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeOAuthSignin)), 0)
		return
	}
	h.debug(s.ctx, "GET_AUTHORIZATION_URL", slog.String("provider", info.ID))
	s.addCookies(set...)
	h.redirect(s, target, 0)
}

// checkCookieValue encrypts {value, provider} for a check cookie and
// serialises it (Max-Age from the cookie options, default 900 s, except the
// nonce cookie which, as in NextAuth, only gets Expires).
func (h *Handler) checkCookieValue(cc checkCookie, providerID, value string) (string, error) {
	maxAge := cc.def.opts.MaxAge
	if maxAge <= 0 {
		maxAge = checkCookieMaxAge
	}
	tok, err := cc.codec.Encode(jwt.Claims{"value": value, "provider": providerID}, time.Duration(maxAge)*time.Second)
	if err != nil {
		return "", err
	}
	return cookie.Serialize(cc.def.name, tok, cc.def.opts, h.now().Add(time.Duration(maxAge)*time.Second)), nil
}

// readCheck decodes a check cookie of the callback request; it must exist,
// hold a value and belong to this provider (4.24.15).
func (h *Handler) readCheck(r *http.Request, cc checkCookie, providerID string) (string, error) {
	raw, ok := cookie.Get(r, cc.def.name)
	if !ok || raw == "" {
		return "", fmt.Errorf("%s cookie was missing", cc.def.name)
	}
	claims, err := cc.codec.Decode(raw)
	if err != nil {
		return "", fmt.Errorf("%s value could not be parsed: %w", cc.def.name, err)
	}
	value, _ := claims["value"].(string)
	if value == "" {
		return "", fmt.Errorf("%s value could not be parsed", cc.def.name)
	}
	if p, _ := claims["provider"].(string); p != providerID {
		return "", fmt.Errorf("%s cookie was created for a different provider than the one handling the callback", cc.def.name)
	}
	return value, nil
}

// oauthCallback answers GET or POST /callback/:oauth (docs/compatibility.md#oauth-and-openid-connect).
func (h *Handler) oauthCallback(s *state, p OAuthProvider) {
	info := p.Info()
	src := s.query
	if s.r.Method == http.MethodPost {
		src = s.body
	}
	if e := s.body.First("error"); e != "" || s.query.First("error") != "" {
		if e == "" {
			e = s.query.First("error")
		}
		h.log.LogAttrs(s.ctx, slog.LevelError, "provider returned an error", slog.String("code", "OAUTH_CALLBACK_HANDLER_ERROR"),
			slog.String("provider", info.ID), slog.String("error", truncate(e, 200)), slog.String("error_description", truncate(src.First("error_description"), 500)))
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	}
	req := CallbackRequest{RedirectURI: s.site.url.base() + "/callback/" + info.ID, Params: map[string]string{}, Logger: h.log}
	checks := checksInOrder(p.Checks())
	// The check cookies end here whatever the outcome: NextAuth deletes
	// them only after a successful exchange, this server also on every
	// failure from here on (docs/compatibility.md#callback-algorithm).
	h.clearCheckCookies(s, checks)
	for _, check := range checks {
		cc, ok := s.site.checks[check]
		if !ok {
			continue
		}
		value, err := h.readCheck(s.r, cc, info.ID)
		if err != nil {
			h.oauthCallbackFailed(s, info.ID, err)
			return
		}
		switch check {
		case CheckState:
			req.State = value
		case CheckPKCE:
			req.CodeVerifier = value
		case CheckNonce:
			req.Nonce = value
		}
	}
	for _, k := range callbackParamKeys {
		if v, ok := src.String(k); ok {
			req.Params[k] = v
		}
	}
	res, err := p.Exchange(s.ctx, req)
	if err != nil {
		err = withoutChecks(err, &req)
	}
	if errors.Is(err, ErrProfile) {
		h.logError(s.ctx, "OAUTH_PARSE_PROFILE_ERROR", err)
		h.redirect(s, s.site.url.base()+"/signin", 0)
		return
	}
	if err != nil {
		h.oauthCallbackFailed(s, info.ID, err)
		return
	}
	h.debug(s.ctx, "OAUTH_CALLBACK_RESPONSE", slog.String("provider", info.ID))
	// NextAuth: profile.email = profile.email?.toLowerCase(), so a null
	// e-mail becomes undefined.
	if res.User.Email.Valid() {
		res.User.Email = String(strings.ToLower(res.User.Email.String()))
	} else {
		res.User.Email = NullString{}
	}
	if len(res.User.Email.String()) > maxEmailLength {
		// Beyond NextAuth: refused before any row is looked up or written.
		h.oauthCallbackFailed(s, info.ID, errEmailTooLong)
		return
	}
	unverified := res.User.Email.String() != "" && emailUnverified(res.Profile)
	account := res.Account
	account.Type, account.Provider = string(TypeOAuth), info.ID
	if account.ProviderAccountID == "" {
		account.ProviderAccountID = res.User.ID
	}
	profileUser := res.User
	if h.cfg.Adapter != nil {
		if u, err := h.cfg.Adapter.GetUserByAccount(s.ctx, info.ID, account.ProviderAccountID); err == nil {
			profileUser = u
		}
	}
	if unverified && strings.EqualFold(profileUser.Email.String(), res.User.Email.String()) && h.allowListRestricts() {
		// An e-mail address the provider says is not verified does not
		// satisfy the allow list (docs/compatibility.md#account-linking).
		h.denyByAllowList(s, "e-mail address not verified by the provider", 0)
		return
	}
	if !h.signInAllowed(s, SignInParams{User: &profileUser, Account: &account, Profile: res.Profile}, false) {
		return
	}
	user, existing, isNewUser, err := h.linkOAuth(s, p, &res.User, &account, unverified)
	switch {
	case errors.Is(err, errAccountNotLinked):
		h.logError(s.ctx, "OAUTH_CALLBACK_HANDLER_ERROR", err)
		h.observe(info.ID, string(CodeOAuthAccountNotLinked))
		h.redirect(s, s.errorURL(string(CodeOAuthAccountNotLinked)), 0)
		return
	case errors.As(err, new(*Error)):
		h.logError(s.ctx, "OAUTH_CALLBACK_HANDLER_ERROR", err)
		h.redirect(s, s.errorURL(publicCode(err, CodeCallback)), 0)
		return
	case err != nil:
		h.logError(s.ctx, "OAUTH_CALLBACK_HANDLER_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	}
	if existing != nil {
		c := s.site.cookies.sessionToken
		s.addCookies(cookie.ReadChunks(s.r, c.name).Write(c.name, existing.SessionToken, c.opts, existing.Expires)...)
	} else {
		// The user may be the adapter's, which keeps no claims: the
		// provider's ride along.
		user.Claims = res.User.Claims
		if err := h.sessions.start(s, &user, &account, res.Profile, isNewUser); err != nil {
			h.logError(s.ctx, "OAUTH_CALLBACK_HANDLER_ERROR", err)
			h.redirect(s, s.errorURL(publicCode(err, CodeCallback)), 0)
			return
		}
	}
	emit(s.ctx, h, "SIGN_IN", h.cfg.Events.SignIn, SignInEvent{User: user, Account: &account, Profile: res.Profile, IsNewUser: isNewUser})
	h.observe(info.ID, "ok")
	if isNewUser && h.cfg.Pages.NewUser != "" {
		h.redirect(s, appendQuery(h.cfg.Pages.NewUser, "callbackUrl="+jsuri.EncodeURIComponent(s.callback)), 0)
		return
	}
	h.redirect(s, s.callback, 0)
}

// clearCheckCookies queues the deletion (Max-Age=0) of each of checks'
// cookies that the request carries.
func (h *Handler) clearCheckCookies(s *state, checks []string) {
	for _, check := range checks {
		cc, ok := s.site.checks[check]
		if !ok {
			continue
		}
		if _, present := cookie.Get(s.r, cc.def.name); present {
			s.addCookies(cookie.Delete(cc.def.name, cc.def.opts))
		}
	}
}

// withoutChecks returns err with the check values of req (state, PKCE
// verifier and its challenge, nonce) cut out of its message: errors are
// logged, check values never are (docs/compatibility.md#logging), and a
// provider's error may quote one.
func withoutChecks(err error, req *CallbackRequest) error {
	msg := err.Error()
	values := [4]string{req.State, req.CodeVerifier, "", req.Nonce}
	if req.CodeVerifier != "" {
		sum := sha256.Sum256([]byte(req.CodeVerifier))
		values[2] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	for _, v := range values {
		if v != "" {
			msg = strings.ReplaceAll(msg, v, "[check value]")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose message had values cut out; errors.Is
// and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// oauthCallbackFailed logs a failed OAuth callback (err must hold no check
// value) and redirects to the OAuthCallback error.
func (h *Handler) oauthCallbackFailed(s *state, providerID string, err error) {
	h.log.LogAttrs(s.ctx, slog.LevelError, "oauth callback failed", slog.String("code", "OAUTH_CALLBACK_ERROR"),
		slog.String("provider", providerID), slog.String("err", err.Error()))
	h.observe(providerID, string(CodeOAuthCallback))
	h.redirect(s, s.errorURL(string(CodeOAuthCallback)), 0)
}

// linkOAuth is NextAuth's callbackHandler for OAuth (docs/compatibility.md#account-linking). It
// returns the user to sign in, the database session to keep (rows 1 and
// 4 under the database strategy), and whether the user is new. Without an
// adapter the profile is the user. An e-mail the provider says is not
// verified (unverified) never links to an existing user (rows 5 and 6).
func (h *Handler) linkOAuth(s *state, p OAuthProvider, profile *User, account *Account, unverified bool) (User, *AdapterSession, bool, error) {
	a := h.cfg.Adapter
	if a == nil {
		return *profile, nil, false, nil
	}
	var current *User
	var session *AdapterSession
	if raw := s.sessionCookie(); raw != "" {
		current, session = h.sessions.current(s, raw)
	}
	linked, err := a.GetUserByAccount(s.ctx, account.Provider, account.ProviderAccountID)
	switch {
	case err == nil:
		account.UserID = linked.ID
		if current == nil {
			return linked, nil, false, nil
		}
		if current.ID != linked.ID {
			return User{}, nil, false, fmt.Errorf("%w: the account is already associated with another user", errAccountNotLinked)
		}
		return linked, session, false, nil
	case !errors.Is(err, ErrNotFound):
		return User{}, nil, false, err
	}
	if current != nil {
		// Signed in already: the new account joins the current user.
		if err := h.linkAccount(s, *current, account, profile); err != nil {
			return User{}, nil, false, err
		}
		return *current, session, false, nil
	}
	if profile.Email.String() != "" {
		byEmail, err := a.GetUserByEmail(s.ctx, profile.Email.String())
		switch {
		case err == nil:
			if unverified {
				return User{}, nil, false, fmt.Errorf("%w: another account already exists with the same e-mail address, which the provider says is not verified", errAccountNotLinked)
			}
			if !p.AllowDangerousEmailAccountLinking() {
				return User{}, nil, false, fmt.Errorf("%w: another account already exists with the same e-mail address", errAccountNotLinked)
			}
			if err := h.linkAccount(s, byEmail, account, profile); err != nil {
				return User{}, nil, false, err
			}
			return byEmail, nil, true, nil // isNewUser true, as v4
		case !errors.Is(err, ErrNotFound):
			return User{}, nil, false, err
		}
	}
	email := profile.Email
	if unverified {
		// Beyond NextAuth: an address nobody proved to own is not stored,
		// or a later e-mail sign-in of its real owner (or a provider
		// allowed to link by e-mail) would reach this user
		// (docs/compatibility.md#account-linking).
		email = Null()
	}
	created, err := a.CreateUser(s.ctx, User{Name: profile.Name, Email: email, Image: profile.Image})
	if err != nil {
		return User{}, nil, false, &Error{Code: CodeOAuthCreateAccount, Err: err}
	}
	emit(s.ctx, h, "CREATE_USER", h.cfg.Events.CreateUser, created)
	if err := h.linkAccount(s, created, account, profile); err != nil {
		return User{}, nil, false, err
	}
	return created, nil, true, nil
}

// emailUnverified reports whether an OAuth profile says its e-mail address
// is not verified: an email_verified claim that is false, or the string
// "false" (Apple and Amazon Cognito send strings). A profile without the
// claim, as most OAuth 2 providers send, counts as verified, as in NextAuth.
func emailUnverified(profile map[string]any) bool {
	switch v := profile["email_verified"].(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(strings.TrimSpace(v), "false")
	}
	return false
}

// linkAccount stores account for user and fires linkAccount.
func (h *Handler) linkAccount(s *state, user User, account *Account, profile *User) error {
	account.UserID = user.ID
	if err := h.cfg.Adapter.LinkAccount(s.ctx, *account); err != nil {
		return err
	}
	emit(s.ctx, h, "LINK_ACCOUNT", h.cfg.Events.LinkAccount, LinkAccountEvent{User: user, Account: *account, Profile: profileMap(profile)})
	return nil
}

// profileMap is the profile as NextAuth passes it to events: a null field is
// nil, an absent one left out.
func profileMap(u *User) map[string]any {
	m := map[string]any{"id": u.ID}
	for _, f := range [...]struct {
		k string
		v NullString
	}{{"name", u.Name}, {"email", u.Email}, {"image", u.Image}} {
		if v, ok := f.v.Claim(); ok {
			m[f.k] = v
		}
	}
	return m
}
