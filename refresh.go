package nextauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RefreshError is the value of the "error" member of the "oauth" claim
// after a failed refresh, as in NextAuth's refresh-token recipe.
const RefreshError = "RefreshAccessTokenError"

// refreshSkew renews an access token this long before it expires.
const refreshSkew = 30 * time.Second

// refreshResultTTL is how long a refresh result is kept for requests that
// still carry the refresh token it replaced (a rotated token is single use).
const refreshResultTTL = time.Minute

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
