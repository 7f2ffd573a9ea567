package nextauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/jwt"
)

// credentialsCallback signs in with a credentials provider (flows.md §6.2).
func (h *Handler) credentialsCallback(s *state, p CredentialsProvider) {
	id := p.Info().ID
	creds := Credentials(s.body.Flatten())
	failed := s.errorURL(string(CodeCredentialsSignin)) + "&provider=" + cookie.EncodeURIComponent(id)
	account := credentialAccount(creds)
	rl := h.cfg.CredentialsRateLimit
	if !h.allow(s, "credentials_client", "cred:c:"+h.clientIP(s.r), rl.PerClient, rl.Window) ||
		(account != "" && !h.allow(s, "credentials_account", "cred:a:"+id+":"+account, rl.PerAccount, rl.Window)) {
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
	user, err := h.authorize(s, p, creds)
	if err != nil || user == nil {
		if err != nil {
			h.logError(s.ctx, "CREDENTIALS_AUTHORIZE_ERROR", err)
			failed = s.errorURL(publicCode(err, CodeCredentialsSignin)) + "&provider=" + cookie.EncodeURIComponent(id)
		}
		if account != "" {
			h.recordFailure(s, lockKey)
		}
		h.observe(id, string(CodeCredentialsSignin))
		h.redirect(s, failed, http.StatusUnauthorized)
		return
	}
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
	isNewUser := false
	if h.database() {
		// Beyond v4: a real database session, for a user row linked to the
		// credentials account (v4 writes a JWT the session route rejects).
		dbUser, created, err := h.credentialsUser(s, acct, user)
		if err != nil {
			h.logError(s.ctx, "CALLBACK_CREDENTIALS_HANDLER_ERROR", err)
			h.redirect(s, s.errorURL(string(CodeCallback)), 0)
			return
		}
		user, isNewUser = &dbUser, created
		acct.UserID = dbUser.ID
	}
	if err := h.finishSignIn(s, user, acct, nil, false); err != nil {
		h.logError(s.ctx, "CALLBACK_CREDENTIALS_HANDLER_ERROR", err)
		h.redirect(s, s.errorURL(string(CodeCallback)), 0)
		return
	}
	h.emitSignIn(s.ctx, SignInEvent{User: *user, Account: acct, IsNewUser: isNewUser})
	h.observe(id, "ok")
	h.redirect(s, s.callback, 0)
}

// credentialsUser finds or creates the adapter user behind a credentials
// sign-in: the user linked to (provider, authorize()'s id), else the user
// with the same e-mail (the app's own Authorize vouches for it), else a
// new user; the credentials account is linked to it.
func (h *Handler) credentialsUser(s *state, account *Account, u *User) (User, bool, error) {
	a := h.cfg.Adapter
	found, err := a.GetUserByAccount(s.ctx, account.Provider, account.ProviderAccountID)
	if err == nil {
		return found, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return User{}, false, err
	}
	created := false
	if u.Email != "" {
		found, err = a.GetUserByEmail(s.ctx, u.Email)
	} else {
		err = ErrNotFound
	}
	if errors.Is(err, ErrNotFound) {
		found, err = a.CreateUser(s.ctx, User{Name: u.Name, Email: u.Email, Image: u.Image})
		if errors.Is(err, ErrConflict) && u.Email != "" {
			found, err = a.GetUserByEmail(s.ctx, u.Email) // created concurrently
		} else if err == nil {
			created = true
			h.emitCreateUser(s.ctx, found)
		}
	}
	if err != nil {
		return User{}, false, err
	}
	link := *account
	link.UserID = found.ID
	if err := a.LinkAccount(s.ctx, link); err != nil && !errors.Is(err, ErrConflict) {
		return User{}, false, err
	}
	if f := h.cfg.Events.LinkAccount; f != nil {
		h.event(s.ctx, "LINK_ACCOUNT", func() { f(s.ctx, LinkAccountEvent{User: found, Account: link}) })
	}
	return found, created, nil
}

// finishSignIn starts the session of a signed-in user: a JWT cookie or a
// database session.
func (h *Handler) finishSignIn(s *state, u *User, a *Account, profile map[string]any, isNewUser bool) error {
	if h.database() {
		return h.createDBSession(s, u.ID)
	}
	return h.issueJWT(s, u, a, profile, isNewUser)
}

func (h *Handler) emitCreateUser(ctx context.Context, u User) {
	if f := h.cfg.Events.CreateUser; f != nil {
		h.event(ctx, "CREATE_USER", func() { f(ctx, u) })
	}
}

// authorize calls the provider, turning a panic into an error.
func (h *Handler) authorize(s *state, p CredentialsProvider, creds Credentials) (user *User, err error) {
	defer func() {
		if r := recover(); r != nil {
			user, err = nil, fmt.Errorf("authorize panicked: %v", r)
		}
	}()
	return p.Authorize(s.ctx, creds, s.r)
}

// signInAllowed applies Config.Allow and Callbacks.SignIn (flows.md §7.3).
// When it returns false it has already answered. credentials selects the
// 403 status NextAuth uses for a credentials refusal in JSON mode.
func (h *Handler) signInAllowed(s *state, p SignInParams, credentials bool) bool {
	denyStatus := 0
	if credentials {
		denyStatus = http.StatusForbidden
	}
	if !h.allowed(p.User.Email) {
		h.log.LogAttrs(s.ctx, slog.LevelInfo, "sign-in refused by allow list", slog.String("code", string(CodeAccessDenied)))
		h.redirect(s, s.errorURL(string(CodeAccessDenied)), denyStatus)
		return false
	}
	if h.cfg.Callbacks.SignIn == nil {
		return true
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

func (h *Handler) callSignIn(ctx context.Context, p SignInParams) (res SignInResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("signIn callback panicked: %v", r)
		}
	}()
	return h.cfg.Callbacks.SignIn(ctx, p)
}

// defaultToken is the token NextAuth builds at sign-in (flows.md §7.1).
func defaultToken(u *User) jwt.Claims {
	t := jwt.Claims{}
	if u.Name != "" {
		t["name"] = u.Name
	}
	if u.Email != "" {
		t["email"] = u.Email
	}
	if u.Image != "" {
		t["picture"] = u.Image
	}
	t["sub"] = u.ID
	return t
}

// issueJWT runs the jwt callback for a sign-in and sets the session
// cookie(s): the token lives JWT.MaxAge, the cookie Session.MaxAge.
func (h *Handler) issueJWT(s *state, u *User, a *Account, profile map[string]any, isNewUser bool) error {
	trigger := TriggerSignIn
	if isNewUser {
		trigger = TriggerSignUp
	}
	claims := defaultToken(u)
	if err := h.addSessionID(claims); err != nil {
		return err
	}
	if h.cfg.RefreshAccessTokens && a != nil && a.Type == string(TypeOAuth) && a.AccessToken != "" {
		claims[oauthClaim] = oauthTokenClaim(a)
	}
	token, err := h.jwtCallback(s.ctx, JWTParams{Token: claims, User: u, Account: a, Profile: profile, IsNewUser: isNewUser, Trigger: trigger})
	if err != nil {
		return err
	}
	if token == nil {
		return errors.New("jwt callback returned no token")
	}
	encoded, err := h.codec.Encode(token, h.cfg.JWT.MaxAge)
	if err != nil {
		return err
	}
	c := s.site.cookies.sessionToken
	chunks := cookie.ReadChunks(s.r, c.name)
	set := chunks.Write(c.name, encoded, c.opts, h.now().Add(h.cfg.Session.MaxAge))
	if len(set) > 1 || len(encoded) > cookie.ChunkSize {
		h.debug(s.ctx, "CHUNKING_SESSION_COOKIE", slog.Int("valueSize", len(encoded)))
	}
	s.addCookies(set...)
	return nil
}

// jwtCallback runs Callbacks.JWT or returns the token unchanged.
func (h *Handler) jwtCallback(ctx context.Context, p JWTParams) (tok jwt.Claims, err error) {
	if h.cfg.Callbacks.JWT == nil {
		return p.Token, nil
	}
	defer func() {
		if r := recover(); r != nil {
			tok, err = nil, fmt.Errorf("jwt callback panicked: %v", r)
		}
	}()
	return h.cfg.Callbacks.JWT(ctx, p)
}

// emitSignIn fires Events.SignIn.
func (h *Handler) emitSignIn(ctx context.Context, e SignInEvent) {
	if f := h.cfg.Events.SignIn; f != nil {
		h.event(ctx, "SIGN_IN", func() { f(ctx, e) })
	}
}

// event runs an event handler; a panic is logged as <NAME>_EVENT_ERROR.
func (h *Handler) event(ctx context.Context, name string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			h.logError(ctx, name+"_EVENT_ERROR", fmt.Errorf("%v", r))
		}
	}()
	f()
}

// publicCode is what the browser sees of an error returned by a callback or
// provider: the code of an [*Error] in its chain, else fallback. NextAuth
// puts a thrown error's message in the URL; Go errors often carry internals,
// so only an explicit *Error is shown (the cause is logged either way).
func publicCode(err error, fallback ErrorCode) string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return cookie.EncodeURIComponent(string(e.Code))
	}
	return string(fallback)
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

// observe reports a sign-in outcome to Config.Observer.
func (h *Handler) observe(provider, outcome string) {
	if o := h.cfg.Observer; o != nil {
		o.SignIn(provider, outcome)
	}
}
