package nextauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/jwt"
)

// oauthClaim is the token claim that holds the provider's tokens when
// Config.RefreshAccessTokens is on (JWT strategy).
const oauthClaim = "oauth"

// RefreshError is the value of the "error" member of the "oauth" claim
// after a failed refresh, as in NextAuth's refresh-token recipe.
const RefreshError = "RefreshAccessTokenError"

// refreshSkew renews an access token this long before it expires.
const refreshSkew = 30 * time.Second

// refreshResultTTL is how long a refresh result is kept for requests that
// still carry the refresh token it replaced (a rotated token is single use).
const refreshResultTTL = time.Minute

// ErrNoAccessToken is returned by [Handler.AccessToken] when the session has
// no token of that provider.
var ErrNoAccessToken = errors.New("nextauth: no access token for this provider")

// refreshGroup runs one refresh per key at a time and remembers each result
// for refreshResultTTL, so that concurrent requests holding the same
// refresh token share one rotation instead of losing the new token.
type refreshGroup struct {
	mu    sync.Mutex
	calls map[string]*refreshCall
}

type refreshCall struct {
	done     chan struct{}
	acct     Account
	err      error
	finished time.Time
}

func (g *refreshGroup) do(key string, now time.Time, f func() (Account, error)) (Account, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*refreshCall{}
	}
	for k, c := range g.calls {
		if !c.finished.IsZero() && now.Sub(c.finished) > refreshResultTTL {
			delete(g.calls, k)
		}
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.acct, c.err
	}
	c := &refreshCall{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()

	c.acct, c.err = f()
	g.mu.Lock()
	c.finished = now
	if c.err != nil {
		delete(g.calls, key) // a failure may be retried at once
	}
	g.mu.Unlock()
	close(c.done)
	return c.acct, c.err
}

// refresher returns the provider's TokenRefresher.
func (h *Handler) refresher(providerID string) (TokenRefresher, bool) {
	tr, ok := h.byID[providerID].(TokenRefresher)
	return tr, ok
}

// refreshAccount renews a's tokens if they expire within refreshSkew; key
// identifies the refresh for deduplication. It reports whether it changed
// anything.
func (h *Handler) refreshAccount(ctx context.Context, a *Account, key string) (bool, error) {
	now := h.now()
	if a.ExpiresAt == 0 || time.Unix(a.ExpiresAt, 0).After(now.Add(refreshSkew)) {
		return false, nil
	}
	if a.RefreshToken == "" {
		return false, errors.New("access token expired and there is no refresh token")
	}
	tr, ok := h.refresher(a.Provider)
	if !ok {
		return false, fmt.Errorf("provider %q cannot refresh tokens", a.Provider)
	}
	fresh, err := h.refreshes.do(key, now, func() (Account, error) {
		return tr.RefreshToken(context.WithoutCancel(ctx), a.RefreshToken)
	})
	if err != nil {
		return false, err
	}
	a.AccessToken = fresh.AccessToken
	if fresh.RefreshToken != "" {
		a.RefreshToken = fresh.RefreshToken
	}
	a.ExpiresAt = fresh.ExpiresAt
	if fresh.TokenType != "" {
		a.TokenType = fresh.TokenType
	}
	if fresh.Scope != "" {
		a.Scope = fresh.Scope
	}
	if fresh.IDToken != "" {
		a.IDToken = fresh.IDToken
	}
	return true, nil
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

// refreshClaims renews the tokens in the "oauth" claim when due (JWT
// strategy); a failed refresh is recorded as error: RefreshAccessTokenError
// in the claim, and the session goes on. It reports whether c changed.
func (h *Handler) refreshClaims(ctx context.Context, c jwt.Claims) bool {
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

// AccessToken returns a valid access token of providerID for the session of
// r, refreshing it first when it has expired (or is about to) and
// [Config.RefreshAccessTokens] is on. Under the JWT strategy a refresh
// re-issues the session cookie on w (w may be nil to skip that, at the cost
// of refreshing again next time); under the database strategy the account
// is updated in the adapter (which must implement [AccountUpdater]).
// Concurrent calls for the same session share one refresh, so a rotated
// refresh token is not lost.
func (h *Handler) AccessToken(w http.ResponseWriter, r *http.Request, providerID string) (string, error) {
	ctx := r.Context()
	if h.database() {
		sess, _, err := h.sessionOfRequest(ctx, r)
		if err != nil {
			return "", err
		}
		au, ok := h.cfg.Adapter.(AccountUpdater)
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
			}
		}
		if acct.AccessToken == "" {
			return "", ErrNoAccessToken
		}
		return acct.AccessToken, nil
	}
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	if chunks.Value == "" {
		return "", ErrNoSession
	}
	claims, err := h.codec.Decode(chunks.Value)
	if err != nil {
		return "", ErrNoSession
	}
	if h.refreshClaims(ctx, claims) && w != nil {
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

// sessionOfRequest returns the unexpired database session of r.
func (h *Handler) sessionOfRequest(ctx context.Context, r *http.Request) (AdapterSession, User, error) {
	token := cookie.ReadChunks(r, h.siteFor(r).cookies.sessionToken.name).Value
	if token == "" {
		return AdapterSession{}, User{}, ErrNoSession
	}
	sess, u, err := h.cfg.Adapter.GetSessionAndUser(ctx, token)
	if errors.Is(err, ErrNotFound) || (err == nil && sess.Expires.Before(h.now())) {
		return AdapterSession{}, User{}, ErrNoSession
	}
	return sess, u, err
}
