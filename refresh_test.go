package nextauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
)

// rotatingOAuth is a scripted provider whose refresh tokens are single use:
// each refresh returns a new one, and reusing an old one fails, as
// providers with refresh-token rotation do.
type rotatingOAuth struct {
	scriptedOAuth
	mu       sync.Mutex
	now      func() time.Time
	current  string
	calls    atomic.Int32
	failNext bool
}

func (p *rotatingOAuth) RefreshToken(_ context.Context, rt string) (nextauth.Account, error) {
	p.calls.Add(1)
	time.Sleep(20 * time.Millisecond) // let concurrent callers pile up
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failNext {
		return nextauth.Account{}, errors.New("invalid_grant")
	}
	if rt != p.current {
		return nextauth.Account{}, fmt.Errorf("invalid_grant: refresh token %q was already used", rt)
	}
	n := p.calls.Load()
	p.current = fmt.Sprintf("rt-%d", n)
	return nextauth.Account{AccessToken: fmt.Sprintf("at-%d", n), RefreshToken: p.current, ExpiresAt: p.now().Add(time.Hour).Unix()}, nil
}

func newRotating(now *time.Time) *rotatingOAuth {
	p := &rotatingOAuth{scriptedOAuth: scriptedOAuth{id: "idp", checks: []string{"state"}}, now: func() time.Time { return *now }, current: "rt-0"}
	p.result = func() (*nextauth.OAuthResult, error) {
		return &nextauth.OAuthResult{
			User:    nextauth.User{ID: "u1", Email: nextauth.String("pat@example.com")},
			Account: nextauth.Account{ProviderAccountID: "u1", AccessToken: "at-0", RefreshToken: "rt-0", ExpiresAt: now.Add(10 * time.Minute).Unix()},
		}, nil
	}
	return p
}

func oauthSignIn(t *testing.T, c *client, p *rotatingOAuth) {
	t.Helper()
	startOAuth(t, c, p.id)
	if w := c.get("/api/auth/callback/" + p.id + "?code=x&state=" + p.lastAuth.State); w.Code != 302 {
		t.Fatalf("callback = %d", w.Code)
	}
}

func TestRefreshAccessTokensJWT(t *testing.T) {
	now := time.Now()
	p := newRotating(&now)
	h := newHandler(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, p)
		c.RefreshAccessTokens = true
		c.Now = func() time.Time { return now }
	})
	c := newClient(t, h)
	oauthSignIn(t, c, p)
	req := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/auth/session", nil)
		r.Header.Set("Cookie", c.cookieHeader())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	accessToken := func(ck string) (string, error) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", ck)
		return h.AccessToken(nil, r, "idp")
	}
	if at, err := accessToken(c.cookieHeader()); at != "at-0" || err != nil {
		t.Fatalf("AccessToken before expiry = %q, %v", at, err)
	}
	if p.calls.Load() != 0 {
		t.Fatalf("refreshed a token that had not expired")
	}

	// The token expires; eight concurrent session reads carrying the same
	// cookie share one refresh, and all of them get the rotated tokens.
	now = now.Add(15 * time.Minute)
	var wg sync.WaitGroup
	cookies := make([]string, 8)
	for i := range cookies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := req()
			for _, sc := range w.Header().Values("Set-Cookie") {
				if v, ok := strings.CutPrefix(sc, "next-auth.session-token="); ok {
					cookies[i], _, _ = strings.Cut(v, ";")
				}
			}
		}()
	}
	wg.Wait()
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes for 8 concurrent reads, want 1", n)
	}
	for i, ck := range cookies {
		if at, err := accessToken("next-auth.session-token=" + ck); at != "at-1" || err != nil {
			t.Errorf("reader %d: access token %q, %v; want at-1", i, at, err)
		}
	}
	// A failing refresh marks the token and keeps the session.
	c.jar["next-auth.session-token"] = cookies[0]
	now = now.Add(2 * time.Hour)
	p.failNext = true
	if w := req(); !strings.Contains(w.Body.String(), `"email":"pat@example.com"`) {
		t.Errorf("session after a failed refresh = %s", w.Body)
	}
	if _, err := accessToken(c.cookieHeader()); err == nil {
		t.Errorf("AccessToken after a failed refresh succeeded")
	}
}

func TestRefreshAccessTokensOffByDefault(t *testing.T) {
	now := time.Now()
	p := newRotating(&now)
	h := newHandler(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, p)
		c.Now = func() time.Time { return now }
	})
	c := newClient(t, h)
	oauthSignIn(t, c, p)
	now = now.Add(time.Hour)
	c.get("/api/auth/session")
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", c.cookieHeader())
	if _, err := h.AccessToken(nil, r, "idp"); !errors.Is(err, nextauth.ErrNoAccessToken) || p.calls.Load() != 0 {
		t.Errorf("without RefreshAccessTokens: AccessToken error %v, %d refreshes; want ErrNoAccessToken and none", err, p.calls.Load())
	}
}

func TestRefreshAccessTokensDatabase(t *testing.T) {
	now := time.Now()
	p := newRotating(&now)
	a := memory.New()
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, p)
		c.RefreshAccessTokens = true
		c.Now = func() time.Time { return now }
	})
	c := newClient(t, h)
	oauthSignIn(t, c, p)
	accessToken := func() (string, error) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", c.cookieHeader())
		return h.AccessToken(nil, r, "idp")
	}
	if at, err := accessToken(); at != "at-0" || err != nil {
		t.Fatalf("AccessToken = %q, %v", at, err)
	}
	now = now.Add(15 * time.Minute)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = accessToken()
		}()
	}
	wg.Wait()
	for i, at := range got {
		if at != "at-1" {
			t.Errorf("caller %d got %q, want at-1", i, at)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("%d refreshes for 8 concurrent callers, want 1", n)
	}
	acct, err := a.GetAccount(context.Background(), "idp", "u1")
	if err != nil || acct.AccessToken != "at-1" || acct.RefreshToken != "rt-1" {
		t.Errorf("stored account after refresh = %+v %v", acct, err)
	}
	// Later, the stored (rotated) refresh token is used.
	now = now.Add(2 * time.Hour)
	if at, err := accessToken(); at != "at-2" || err != nil {
		t.Errorf("second refresh = %q, %v", at, err)
	}
}
