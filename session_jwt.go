package nextauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/jwt"
)

// StrategyJWT keeps the session in an encrypted cookie (the default without
// an adapter).
const StrategyJWT SessionStrategy = "jwt"

// Claims that make JWT sessions revocable (set when the Adapter implements
// JWTRevoker): a stable session id and the sign-in time, both kept when
// the token is re-issued.
const (
	claimSID      = "sid"
	claimAuthTime = "auth_time"
)

// oauthClaim is the token claim that holds the provider's tokens when
// Config.RefreshAccessTokens is on.
const oauthClaim = "oauth"

// claimCredentials marks a token minted by a credentials sign-in of this
// server: it names the provider, and the token's sub is that provider's
// user id, not an adapter user's. A marked token is never resolved through
// the adapter, and its revocations are recorded under credentialsSubject
// (docs/compatibility.md#credentials-tokens-under-the-jwt-strategy). Only
// this server sets or clears it: the jwt callback can neither drop nor add
// it.
const claimCredentials = "credentials_provider"

// credentialsProvider returns the provider a token's marker names, if it
// is marked.
func credentialsProvider(c jwt.Claims) (string, bool) {
	p, _ := c[claimCredentials].(string)
	return p, p != ""
}

// keepMarker gives token the marker the token it was made from had:
// provider, or none.
func keepMarker(token jwt.Claims, provider string) {
	switch v, ok := token[claimCredentials]; {
	case provider == "":
		if ok {
			delete(token, claimCredentials)
		}
	case v != provider: // an unchanged marker is not boxed again
		token[claimCredentials] = provider
	}
}

// subjectEscaper keeps a provider id's ":" from running into the user id
// in credentialsSubject.
var subjectEscaper = strings.NewReplacer("%", "%25", ":", "%3A")

// credentialsSubject is the subject under which revocations of a
// credentials provider's user are recorded: "credentials:<provider>:<id>",
// with "%" and ":" of the provider id written "%25" and "%3A", so that it
// cannot be taken for an adapter user's id.
func credentialsSubject(provider, id string) string {
	return "credentials:" + subjectEscaper.Replace(provider) + ":" + id
}

// jwtSessions keeps sessions in the session cookie: a JWE minted at sign-in
// and re-issued on every read (docs/compatibility.md#the-session-endpoint).
// With an Adapter that implements JWTRevoker, each session also carries a
// "sid" and can be revoked before it expires.
type jwtSessions struct {
	h       *Handler
	revoker JWTRevoker // nil: sessions cannot be revoked
}

func newJWTSessions(h *Handler) *jwtSessions {
	j := &jwtSessions{h: h}
	j.revoker, _ = h.cfg.Adapter.(JWTRevoker)
	return j
}

// read decodes the session token of r, applies revocation and access-token
// refresh, runs the jwt and session callbacks and re-issues the token with
// a new expiry.
func (j *jwtSessions) read(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string) {
	h := j.h
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	if chunks.Value == "" {
		return nil, nil
	}
	claims, st := j.check(ctx, chunks.Value)
	switch st {
	case tokenInvalid:
		return nil, chunks.Clean(c.opts)
	case tokenUnchecked:
		return nil, nil
	}
	marker, _ := credentialsProvider(claims)
	refreshed := j.refreshClaims(ctx, claims) && refreshSucceeded(claims)
	token, err := h.callJWT(ctx, JWTParams{Token: claims, Trigger: trigger, Session: data, Refreshed: refreshed})
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, chunks.Clean(c.opts)
	}
	if token != nil {
		keepMarker(token, marker)
		if renew := renewTrigger(trigger, refreshed); renew != "" && len(h.cfg.Claims) > 0 {
			a, _ := accountFromClaim(token)
			h.renewClaims(ctx, token, tokenUser(token), a, renew, data)
		}
	}
	expires := h.now().Add(h.cfg.Session.MaxAge).Truncate(time.Millisecond)
	sess := &Session{User: sessionUser(claims), Expires: expires}
	if len(h.cfg.Session.UserFields) > 0 {
		src := token
		if src == nil {
			src = claims
		}
		h.jwtUserFields(sess.User, src)
	}
	sess, err = h.callSession(ctx, SessionParams{Session: sess, Token: token, Trigger: trigger, NewSession: data})
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, chunks.Clean(c.opts)
	}
	if token == nil {
		// NextAuth returns the session built so far and drops the cookie.
		h.logError(ctx, "JWT_SESSION_ERROR", errors.New("jwt callback returned no token"))
		return sess, chunks.Clean(c.opts)
	}
	encoded, err := h.codec.Encode(token, h.cfg.Session.MaxAge)
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return sess, chunks.Clean(c.opts)
	}
	set := chunks.Write(c.name, encoded, c.opts, expires)
	if sess != nil {
		emit(ctx, h, "SESSION", h.cfg.Events.Session, SessionEvent{Session: sess, Token: token})
	}
	return sess, set
}

// renewTrigger is the trigger under which a session read runs the claims
// functions again: update on update(), refresh after an access-token
// refresh, none on a plain read.
func renewTrigger(trigger string, refreshed bool) string {
	switch {
	case trigger == TriggerUpdate:
		return TriggerUpdate
	case refreshed:
		return TriggerRefresh
	}
	return ""
}

// check decodes a session token and applies every check of GET /session
// before the callbacks: the codec's (the secret, then the previous ones;
// exp with its tolerance) and revocation. read, current and accessToken
// all go through it, so that a token one of them refuses is refused by
// all.
func (j *jwtSessions) check(ctx context.Context, raw string) (jwt.Claims, tokenCheck) {
	h := j.h
	claims, err := h.codec.Decode(raw)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "invalid session token", slog.String("code", "JWT_SESSION_ERROR"), slog.String("err", err.Error()))
		return nil, tokenInvalid
	}
	revoked, err := j.revoked(ctx, claims)
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, tokenUnchecked
	}
	if revoked {
		return nil, tokenInvalid
	}
	return claims, tokenValid
}

// identify decodes and checks a token as read does; its claims are the
// identity (sub, email, name).
func (j *jwtSessions) identify(ctx context.Context, raw string) (ForwardIdentity, bool) {
	claims, st := j.check(ctx, raw)
	if st != tokenValid {
		return ForwardIdentity{}, false
	}
	sub, _ := claims["sub"].(string)
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	exp, _ := claims["exp"].(float64)
	return ForwardIdentity{UserID: sub, Email: email, Name: name, Claims: claims, Expires: time.Unix(int64(exp), 0)}, true
}

// sessionUser is the default session user taken from token claims: a null
// claim is null, a missing one absent.
func sessionUser(c jwt.Claims) *SessionUser {
	name, hasName := c["name"]
	email, hasEmail := c["email"]
	picture, hasPicture := c["picture"]
	return &SessionUser{
		Name:  NullStringOf(name, hasName),
		Email: NullStringOf(email, hasEmail),
		Image: NullStringOf(picture, hasPicture),
	}
}

// signInUser keeps the user Authorize returned: the token carries it.
func (j *jwtSessions) signInUser(_ *state, _ *Account, u *User) (*User, bool, error) {
	return u, false, nil
}

// defaultToken is the token NextAuth builds at sign-in
// (docs/compatibility.md#session-tokens-jwt): name, email, picture, sub; a
// null field is a null claim, an absent one no claim.
func defaultToken(u *User) jwt.Claims {
	t := jwt.Claims{}
	for _, f := range [...]struct {
		k string
		v NullString
	}{{"name", u.Name}, {"email", u.Email}, {"picture", u.Image}} {
		if v, ok := f.v.Claim(); ok {
			t[f.k] = v
		}
	}
	t["sub"] = u.ID
	return t
}

// start runs the jwt callback for a sign-in and sets the session cookie(s):
// the token lives JWT.MaxAge, the cookie Session.MaxAge.
func (j *jwtSessions) start(s *state, u *User, a *Account, profile map[string]any, isNewUser bool) error {
	h := j.h
	trigger := TriggerSignIn
	if isNewUser {
		trigger = TriggerSignUp
	}
	claims := defaultToken(u)
	marker := ""
	if a != nil && a.Type == string(TypeCredentials) {
		marker = a.Provider
		claims[claimCredentials] = marker
	}
	if j.revoker != nil {
		sid, err := uuid4(h.cfg.Rand)
		if err != nil {
			return err
		}
		claims[claimSID] = sid
		claims[claimAuthTime] = float64(h.now().Unix())
	}
	if h.cfg.RefreshAccessTokens && a != nil && a.Type == string(TypeOAuth) && a.AccessToken != "" {
		claims[oauthClaim] = oauthTokenClaim(a)
	}
	if err := h.signInClaims(s.ctx, claims, u, a, profile, isNewUser); err != nil {
		return err
	}
	token, err := h.callJWT(s.ctx, JWTParams{Token: claims, User: u, Account: a, Profile: profile, IsNewUser: isNewUser, Trigger: trigger})
	if err != nil {
		return err
	}
	if token == nil {
		return errors.New("jwt callback returned no token")
	}
	keepMarker(token, marker)
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

// end revokes the token's sid, so that a copied token dies with the
// signed-out one.
func (j *jwtSessions) end(ctx context.Context, raw string) (SignOutEvent, bool) {
	h := j.h
	claims, err := h.codec.Decode(raw)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "sign-out with an invalid session token", slog.String("code", "SIGNOUT_ERROR"), slog.String("err", err.Error()))
		return SignOutEvent{}, false
	}
	if sid, _ := claims[claimSID].(string); j.revoker != nil && sid != "" {
		exp, _ := claims["exp"].(float64)
		if err := j.revoker.RevokeJWT(ctx, sid, time.Unix(int64(exp), 0).Add(jwt.ClockTolerance)); err != nil {
			h.logError(ctx, "SIGNOUT_ERROR", err)
		}
	}
	return SignOutEvent{Token: claims}, true
}

// current is the adapter user named by the sub of a token that GET
// /session would accept (check). A token of a credentials sign-in
// (claimCredentials) names no adapter user: nobody is signed in.
func (j *jwtSessions) current(s *state, raw string) (*User, *AdapterSession) {
	claims, st := j.check(s.ctx, raw)
	if st != tokenValid {
		return nil, nil
	}
	if _, marked := credentialsProvider(claims); marked {
		return nil, nil
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, nil
	}
	u, err := j.h.cfg.Adapter.GetUser(s.ctx, sub)
	if err != nil {
		return nil, nil
	}
	return &u, nil
}

// emailSignIn has nothing to do: the new token replaces the old one.
func (j *jwtSessions) emailSignIn(*state, string, string) {}

// revoked reports whether a decoded JWT session has been revoked. Tokens
// minted elsewhere (no sid) are checked against "sign out everywhere" by
// their iat. The user of a marked token is its credentialsSubject.
func (j *jwtSessions) revoked(ctx context.Context, c jwt.Claims) (bool, error) {
	if j.revoker == nil {
		return false, nil
	}
	sid, _ := c[claimSID].(string)
	sub, _ := c["sub"].(string)
	if p, ok := credentialsProvider(c); ok && sub != "" {
		sub = credentialsSubject(p, sub)
	}
	at, ok := c[claimAuthTime].(float64)
	if !ok {
		at, _ = c["iat"].(float64)
	}
	return j.revoker.JWTRevoked(ctx, sid, sub, time.Unix(int64(at), 0))
}

// maxLife is the longest a token can live: minted with JWT.MaxAge,
// re-issued with Session.MaxAge.
func (j *jwtSessions) maxLife() time.Duration {
	return max(j.h.cfg.Session.MaxAge, j.h.cfg.JWT.MaxAge) + jwt.ClockTolerance
}

func (j *jwtSessions) revoke(ctx context.Context, id string) error { return j.revokeSID(ctx, id) }

func (j *jwtSessions) revokeSID(ctx context.Context, sid string) error {
	if j.revoker == nil {
		return ErrNotSupported
	}
	return j.revoker.RevokeJWT(ctx, sid, j.h.now().Add(j.maxLife()))
}

// revokeUser refuses, from now on, every token of userID signed in before
// now. No stored session is deleted.
func (j *jwtSessions) revokeUser(ctx context.Context, userID string) (int64, error) {
	if j.revoker == nil {
		return 0, ErrNotSupported
	}
	return 0, j.revoker.RevokeUserJWTs(ctx, userID, j.h.now().Add(time.Second), j.maxLife())
}

// revokeCredentialsUser refuses, from now on, every token of the
// credentials user id of provider signed in before now: the tokens marked
// with provider whose sub is id.
func (j *jwtSessions) revokeCredentialsUser(ctx context.Context, provider, id string) (int64, error) {
	return j.revokeUser(ctx, credentialsSubject(provider, id))
}

// list is not supported: JWT sessions are not stored anywhere.
func (j *jwtSessions) list(context.Context, string) ([]AdapterSession, error) {
	return nil, ErrNotSupported
}

// accessToken reads the provider's tokens from the "oauth" claim; a refresh
// re-issues the session cookie on w (when w is not nil).
func (j *jwtSessions) accessToken(w http.ResponseWriter, r *http.Request, providerID string) (string, error) {
	h := j.h
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	if chunks.Value == "" {
		return "", ErrNoSession
	}
	claims, st := j.check(r.Context(), chunks.Value)
	if st != tokenValid {
		return "", ErrNoSession
	}
	if j.refreshClaims(r.Context(), claims) && w != nil {
		encoded, err := h.codec.Encode(claims, h.cfg.Session.MaxAge)
		if err != nil {
			return "", err
		}
		for _, sc := range chunks.Write(c.name, encoded, c.opts, h.now().Add(h.cfg.Session.MaxAge)) {
			w.Header().Add("Set-Cookie", sc)
		}
	}
	a, ok := accountFromClaim(claims)
	if !ok || a.Provider != providerID || a.AccessToken == "" {
		return "", ErrNoAccessToken
	}
	if m := claims[oauthClaim].(map[string]any); m["error"] == RefreshError {
		return "", fmt.Errorf("nextauth: %s", RefreshError)
	}
	return a.AccessToken, nil
}

// refreshClaims renews the tokens in the "oauth" claim when due; a failed
// refresh is recorded as error: RefreshAccessTokenError in the claim, and
// the session goes on. It reports whether c changed.
func (j *jwtSessions) refreshClaims(ctx context.Context, c jwt.Claims) bool {
	h := j.h
	if !h.cfg.RefreshAccessTokens {
		return false
	}
	a, ok := accountFromClaim(c)
	if !ok {
		return false
	}
	changed, err := h.refreshAccount(ctx, a, "jwt:"+a.Provider+":"+a.RefreshToken)
	if err != nil {
		h.logError(ctx, "REFRESH_ACCESS_TOKEN_ERROR", err)
		m := c[oauthClaim].(map[string]any)
		if m["error"] == RefreshError {
			return false
		}
		m["error"] = RefreshError
		return true
	}
	if changed {
		c[oauthClaim] = oauthTokenClaim(a)
	}
	return changed
}

// refreshSucceeded reports whether the "oauth" claim of c, just changed by
// refreshClaims, holds renewed tokens rather than a recorded failure.
func refreshSucceeded(c jwt.Claims) bool {
	m, _ := c[oauthClaim].(map[string]any)
	return m != nil && m["error"] == nil
}

// oauthTokenClaim is what the "oauth" claim carries.
func oauthTokenClaim(a *Account) map[string]any {
	m := map[string]any{"provider": a.Provider, "access_token": a.AccessToken}
	if a.RefreshToken != "" {
		m["refresh_token"] = a.RefreshToken
	}
	if a.ExpiresAt != 0 {
		m["expires_at"] = float64(a.ExpiresAt)
	}
	if a.TokenType != "" {
		m["token_type"] = a.TokenType
	}
	return m
}

// accountFromClaim reads the "oauth" claim back.
func accountFromClaim(c jwt.Claims) (*Account, bool) {
	m, ok := c[oauthClaim].(map[string]any)
	if !ok {
		return nil, false
	}
	a := &Account{Type: string(TypeOAuth)}
	a.Provider, _ = m["provider"].(string)
	a.AccessToken, _ = m["access_token"].(string)
	a.RefreshToken, _ = m["refresh_token"].(string)
	a.TokenType, _ = m["token_type"].(string)
	if exp, ok := m["expires_at"].(float64); ok {
		a.ExpiresAt = int64(exp)
	}
	return a, a.Provider != ""
}
