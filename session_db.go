package nextauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
)

// StrategyDatabase keeps sessions in the Adapter; the cookie holds an
// opaque token (the default with an adapter).
const StrategyDatabase SessionStrategy = "database"

// dbSessions keeps sessions in the Adapter; the cookie holds a random token
// (docs/compatibility.md#the-session-endpoint). Expired sessions are deleted
// when read, the expiry is extended every Session.UpdateAge, and the
// cookie's expiry slides on every read.
type dbSessions struct {
	h       *Handler
	a       Adapter
	claims  SessionClaimsStore // nil: claims computed at sign-in are not kept
	columns UserColumnReader   // nil: user fields come from stored claims only
}

func newDBSessions(h *Handler) *dbSessions {
	d := &dbSessions{h: h, a: h.cfg.Adapter}
	d.claims, _ = h.cfg.Adapter.(SessionClaimsStore)
	d.columns, _ = h.cfg.Adapter.(UserColumnReader)
	return d
}

func (d *dbSessions) read(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string) {
	h := d.h
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	token := chunks.Value
	if token == "" {
		return nil, nil
	}
	stored, user, st := d.lookup(ctx, token)
	switch st {
	case tokenInvalid:
		return nil, chunks.Clean(c.opts)
	case tokenUnchecked:
		return nil, nil
	}
	now := h.now()
	maxAge, updateAge := h.cfg.Session.MaxAge, h.cfg.Session.UpdateAge
	if due := stored.Expires.Add(-maxAge).Add(updateAge); !due.After(now) {
		if _, err := d.a.UpdateSession(ctx, token, now.Add(maxAge)); err != nil {
			h.logError(ctx, "SESSION_ERROR", err)
			return nil, nil
		}
	}
	sess := &Session{
		User:    &SessionUser{Name: user.Name, Email: user.Email, Image: user.Image},
		Expires: stored.Expires.Truncate(time.Millisecond),
	}
	if trigger == TriggerUpdate && len(h.cfg.Claims) > 0 && d.claims != nil {
		d.renewClaims(ctx, token, &user, nil, TriggerUpdate, data)
	}
	if len(h.cfg.Session.UserFields) > 0 {
		if err := d.userFields(ctx, sess.User, token, &user); err != nil {
			h.logError(ctx, "SESSION_ERROR", err)
			return nil, nil
		}
	}
	sess, err := h.callSession(ctx, SessionParams{Session: sess, User: &user, Trigger: trigger, NewSession: data})
	if err != nil {
		h.logError(ctx, "SESSION_ERROR", err)
		return nil, nil
	}
	set := []string{cookie.Serialize(c.name, token, c.opts, now.Add(maxAge))}
	if sess != nil {
		emit(ctx, h, "SESSION", h.cfg.Events.Session, SessionEvent{Session: sess})
	}
	return sess, set
}

// lookup is the one gate of read and current: the stored session of token
// and its user, unless it is missing or past its expiry (an expired row is
// deleted, as NextAuth does), or the adapter failed (logged).
func (d *dbSessions) lookup(ctx context.Context, token string) (AdapterSession, User, tokenCheck) {
	h := d.h
	stored, user, err := d.a.GetSessionAndUser(ctx, token)
	if errors.Is(err, ErrNotFound) {
		return AdapterSession{}, User{}, tokenInvalid
	}
	if err != nil {
		h.logError(ctx, "SESSION_ERROR", err)
		return AdapterSession{}, User{}, tokenUnchecked
	}
	if stored.Expires.Before(h.now()) {
		if _, err := d.a.DeleteSession(ctx, token); err != nil && !errors.Is(err, ErrNotFound) {
			h.logError(ctx, "SESSION_ERROR", err)
		}
		return AdapterSession{}, User{}, tokenInvalid
	}
	return stored, user, tokenValid
}

// identify looks a session token up as read does, without extending the
// session: the identity is its user.
func (d *dbSessions) identify(ctx context.Context, token string) (ForwardIdentity, bool) {
	stored, user, st := d.lookup(ctx, token)
	if st != tokenValid {
		return ForwardIdentity{}, false
	}
	claims := map[string]any{"id": user.ID}
	for k, v := range map[string]NullString{"name": user.Name, "email": user.Email, "image": user.Image} {
		if v.Valid() {
			claims[k] = v.String()
		}
	}
	return ForwardIdentity{UserID: user.ID, Email: user.Email.String(), Name: user.Name.String(), Claims: claims, Expires: stored.Expires}, true
}

// errCredentialsNotLinked refuses a credentials sign-in under the database
// strategy whose e-mail address belongs to an existing user that the
// credentials account is not linked to, unless the provider allows
// dangerous e-mail account linking
// (docs/compatibility.md#credentials-with-database-sessions).
// The browser sees CredentialsSignin.
var errCredentialsNotLinked = errors.New("nextauth: another user already has this e-mail address; the credentials provider does not allow dangerous e-mail account linking")

// signInUser finds or creates the adapter user behind a credentials
// sign-in, so that it gets a real database session (beyond v4, which
// writes a JWT that the session route then rejects): the user linked to
// (provider, authorize()'s id), else a new user, to which the credentials
// account is linked. An existing user with the same e-mail is linked to
// only when the provider allows dangerous e-mail account linking
// ([EmailAccountLinker]); otherwise the sign-in is refused with
// errCredentialsNotLinked before anything is written.
func (d *dbSessions) signInUser(s *state, account *Account, u *User) (*User, bool, error) {
	h := d.h
	found, err := d.a.GetUserByAccount(s.ctx, account.Provider, account.ProviderAccountID)
	if err == nil {
		account.UserID = found.ID
		return &found, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	email := u.Email.String()
	dangerous := false
	if l, ok := h.byID[account.Provider].(EmailAccountLinker); ok {
		dangerous = l.AllowDangerousEmailAccountLinking()
	}
	created := false
	err = ErrNotFound
	if email != "" {
		found, err = d.a.GetUserByEmail(s.ctx, email)
		if err == nil && !dangerous {
			return nil, false, errCredentialsNotLinked
		}
	}
	if errors.Is(err, ErrNotFound) {
		found, err = d.a.CreateUser(s.ctx, User{Name: u.Name, Email: u.Email, Image: u.Image})
		switch {
		case err == nil:
			created = true
			emit(s.ctx, h, "CREATE_USER", h.cfg.Events.CreateUser, found)
		case errors.Is(err, ErrConflict) && email != "":
			// Someone took the e-mail meanwhile: a concurrent first
			// sign-in of this account (linked by now, or refused below
			// until it is) or another user.
			if linked, lerr := d.a.GetUserByAccount(s.ctx, account.Provider, account.ProviderAccountID); lerr == nil {
				account.UserID = linked.ID
				return &linked, false, nil
			}
			if !dangerous {
				return nil, false, errCredentialsNotLinked
			}
			found, err = d.a.GetUserByEmail(s.ctx, email)
		}
	}
	if err != nil {
		return nil, false, err
	}
	link := *account
	link.UserID = found.ID
	if err := d.a.LinkAccount(s.ctx, link); errors.Is(err, ErrConflict) {
		// Linked concurrently: sign in to the user it is linked to.
		linked, err := d.a.GetUserByAccount(s.ctx, account.Provider, account.ProviderAccountID)
		if err != nil {
			return nil, false, err
		}
		account.UserID = linked.ID
		return &linked, created && linked.ID == found.ID, nil
	} else if err != nil {
		return nil, false, err
	}
	emit(s.ctx, h, "LINK_ACCOUNT", h.cfg.Events.LinkAccount, LinkAccountEvent{User: found, Account: link})
	account.UserID = found.ID
	return &found, created, nil
}

// start stores a new session for u and queues its cookie (not chunked;
// Expires = the session's expiry).
func (d *dbSessions) start(s *state, u *User, a *Account, profile map[string]any, isNewUser bool) error {
	h := d.h
	var custom map[string]any
	if len(u.Claims) > 0 || len(h.cfg.Claims) > 0 {
		// The claims a token would carry, computed on NextAuth's default
		// token of the user row; what is beyond it is kept beside the
		// session.
		claims := defaultToken(u)
		if err := h.signInClaims(s.ctx, claims, u, a, profile, isNewUser); err != nil {
			return err
		}
		custom = customClaims(claims)
	}
	token, err := d.newToken()
	if err != nil {
		return err
	}
	stored, err := d.a.CreateSession(s.ctx, AdapterSession{SessionToken: token, UserID: u.ID, Expires: h.now().Add(h.cfg.Session.MaxAge)})
	if err != nil {
		return err
	}
	if len(custom) > 0 && d.claims != nil {
		if err := d.claims.SetSessionClaims(s.ctx, stored.SessionToken, custom); err != nil {
			// The session exists but lacks its claims: end it rather
			// than serve it without them.
			if _, derr := d.a.DeleteSession(s.ctx, stored.SessionToken); derr != nil && !errors.Is(derr, ErrNotFound) {
				h.logError(s.ctx, "SESSION_ERROR", derr)
			}
			return err
		}
	}
	c := s.site.cookies.sessionToken
	chunks := cookie.ReadChunks(s.r, c.name)
	s.addCookies(chunks.Write(c.name, stored.SessionToken, c.opts, stored.Expires)...)
	return nil
}

// newToken makes a session token: a random UUID v4 unless
// Session.GenerateSessionToken says otherwise.
func (d *dbSessions) newToken() (string, error) {
	if g := d.h.cfg.Session.GenerateSessionToken; g != nil {
		return g()
	}
	return uuid4(d.h.cfg.Rand)
}

// uuid4 is a random RFC 4122 version 4 UUID in lower-case hex.
func uuid4(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("nextauth: random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&0xf])
	}
	return string(out), nil
}

// end deletes the session; the signOut event reports it (or nothing, when
// it was already gone).
func (d *dbSessions) end(ctx context.Context, raw string) (SignOutEvent, bool) {
	deleted, err := d.a.DeleteSession(ctx, raw)
	var ev SignOutEvent
	switch {
	case err == nil:
		ev.Session = &deleted
	case errors.Is(err, ErrNotFound):
	default:
		d.h.log.LogAttrs(ctx, slog.LevelError, "sign-out failed", slog.String("code", "SIGNOUT_ERROR"), slog.String("err", err.Error()))
	}
	return ev, true
}

// current is the user of a session that GET /session would accept
// (lookup): unlike NextAuth, an expired session that has not been deleted
// yet is nobody's (docs/compatibility.md#account-linking).
func (d *dbSessions) current(s *state, raw string) (*User, *AdapterSession) {
	sess, u, st := d.lookup(s.ctx, raw)
	if st != tokenValid {
		return nil, nil
	}
	return &u, &sess
}

// emailSignIn deletes the request's session when it belongs to another
// user than the one signing in by e-mail
// (docs/compatibility.md#account-linking).
func (d *dbSessions) emailSignIn(s *state, raw, userID string) {
	if raw == "" {
		return
	}
	current, _, err := d.a.GetSessionAndUser(s.ctx, raw)
	if err != nil || current.UserID == userID {
		return
	}
	if _, err := d.a.DeleteSession(s.ctx, raw); err != nil && !errors.Is(err, ErrNotFound) {
		d.h.logError(s.ctx, "CALLBACK_EMAIL_ERROR", err)
	}
}

func (d *dbSessions) revoke(ctx context.Context, token string) error {
	_, err := d.a.DeleteSession(ctx, token)
	return err
}

// revokeSID is not supported: database sessions have no sid.
func (d *dbSessions) revokeSID(context.Context, string) error { return ErrNotSupported }

func (d *dbSessions) revokeUser(ctx context.Context, userID string) (int64, error) {
	sl, ok := d.a.(SessionLister)
	if !ok {
		return 0, ErrNotSupported
	}
	return sl.DeleteUserSessions(ctx, userID)
}

// revokeCredentialsUser deletes the sessions of the user the credentials
// account (provider, id) is linked to; none when it is linked to nobody.
func (d *dbSessions) revokeCredentialsUser(ctx context.Context, provider, id string) (int64, error) {
	if _, ok := d.a.(SessionLister); !ok {
		return 0, ErrNotSupported
	}
	u, err := d.a.GetUserByAccount(ctx, provider, id)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return d.revokeUser(ctx, u.ID)
}

func (d *dbSessions) list(ctx context.Context, userID string) ([]AdapterSession, error) {
	sl, ok := d.a.(SessionLister)
	if !ok {
		return nil, ErrNotSupported
	}
	return sl.ListSessions(ctx, userID)
}

// accessToken reads the user's account from the adapter (which must
// implement AccountUpdater) and stores a refreshed token back.
func (d *dbSessions) accessToken(_ http.ResponseWriter, r *http.Request, providerID string) (string, error) {
	h := d.h
	ctx := r.Context()
	token := cookie.ReadChunks(r, h.siteFor(r).cookies.sessionToken.name).Value
	if token == "" {
		return "", ErrNoSession
	}
	sess, user, err := d.a.GetSessionAndUser(ctx, token)
	if errors.Is(err, ErrNotFound) || (err == nil && sess.Expires.Before(h.now())) {
		return "", ErrNoSession
	}
	if err != nil {
		return "", err
	}
	au, ok := d.a.(AccountUpdater)
	if !ok {
		return "", errors.New("nextauth: the adapter does not implement AccountUpdater")
	}
	acct, err := au.GetUserAccount(ctx, sess.UserID, providerID)
	if errors.Is(err, ErrNotFound) {
		return "", ErrNoAccessToken
	}
	if err != nil {
		return "", err
	}
	if h.cfg.RefreshAccessTokens {
		changed, err := h.refreshAccount(ctx, &acct, "db:"+acct.Provider+":"+acct.ProviderAccountID)
		if err != nil {
			return "", fmt.Errorf("nextauth: refreshing the access token: %w", err)
		}
		if changed {
			if acct, err = au.UpdateAccount(ctx, acct); err != nil {
				return "", err
			}
			if len(h.cfg.Claims) > 0 && d.claims != nil && acct.AccessToken != "" {
				d.renewClaims(ctx, token, &user, &acct, TriggerRefresh, nil)
			}
		}
	}
	if acct.AccessToken == "" {
		return "", ErrNoAccessToken
	}
	return acct.AccessToken, nil
}

// renewClaims runs the claims functions again for the session
// sessionToken of user (see Handler.renewClaims) over the claims stored
// beside it, and stores them back when they changed. Name, email and
// image stay the user row's. A store that fails is logged and the session
// goes on with its claims as they were.
func (d *dbSessions) renewClaims(ctx context.Context, sessionToken string, user *User, a *Account, trigger string, data any) {
	h := d.h
	stored, err := d.claims.SessionClaims(ctx, sessionToken)
	if err != nil {
		h.logError(ctx, "SESSION_ERROR", fmt.Errorf("reading the session's claims on %s: %w", trigger, err))
		return
	}
	token := defaultToken(user)
	maps.Copy(token, stored)
	u := *user
	u.Claims = stored
	h.renewClaims(ctx, token, &u, a, trigger, data)
	custom := customClaims(token)
	if len(custom) == 0 && len(stored) == 0 || reflect.DeepEqual(custom, stored) {
		return
	}
	if custom == nil {
		custom = map[string]any{}
	}
	if err := d.claims.SetSessionClaims(ctx, sessionToken, custom); err != nil {
		h.logError(ctx, "SESSION_ERROR", fmt.Errorf("storing the session's claims on %s: %w", trigger, err))
	}
}

// userFields copies Session.UserFields into u: id is the user row's id;
// any other field the session's stored claim of that name, else the user
// row's column of that name; a field with neither is left out.
func (d *dbSessions) userFields(ctx context.Context, u *SessionUser, token string, user *User) error {
	fields := d.h.cfg.Session.UserFields
	var claims map[string]any
	var rest []string
	for _, f := range fields {
		if f != "id" {
			rest = append(rest, f)
		}
	}
	if len(rest) > 0 && d.claims != nil {
		var err error
		if claims, err = d.claims.SessionClaims(ctx, token); err != nil {
			return err
		}
	}
	var missing []string
	for _, f := range rest {
		if _, ok := claims[f]; !ok {
			missing = append(missing, f)
		}
	}
	var columns map[string]any
	if len(missing) > 0 && d.columns != nil {
		var err error
		if columns, err = d.columns.UserColumns(ctx, user.ID, missing); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	u.Extra = make(map[string]any, len(fields))
	for _, f := range fields {
		if f == "id" {
			u.Extra[f] = user.ID
			continue
		}
		if v, ok := claims[f]; ok {
			u.Extra[f] = v
		} else if v, ok := columns[f]; ok {
			u.Extra[f] = v
		}
	}
	return nil
}
