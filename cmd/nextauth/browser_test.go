package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/browsertest"
)

// TestOIDCInBrowserUnderCSP signs in with an OpenID Connect provider in
// headless Chromium through the server, whose pages carry the CSP: the
// sign-in button POSTs to /signin/corp, which redirects to the provider,
// and Chrome checks that redirect against form-action. A CSP without the
// provider's origin must stop it, which shows the check is real.
func TestOIDCInBrowserUnderCSP(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-3", "ada@example.com", "Ada"))
	addr := freeAddr(t)
	base := "http://" + addr
	path := writeOIDCConfig(t, base, op.Issuer(), op.ClientID(), op.ClientSecret())
	s := startServer(t, nil, "--config", path, "--addr", addr)
	client := &http.Client{Timeout: 30 * time.Second}
	// Ready means discovery has loaded, and the CSP names the provider.
	waitFor(t, "/readyz", func() bool { status, _ := get(t, client, base+"/readyz"); return status == http.StatusOK })
	res, err := client.Get(base + "/api/auth/signin")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	policy := res.Header.Get("Content-Security-Policy")
	if got, want := formAction(policy), []string{"'self'", base, op.Issuer()}; !sameSet(got, want) {
		t.Fatalf("the sign-in page's CSP = %q, want form-action %q", policy, want)
	}

	signIn := func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(base+"/api/auth/signin?callbackUrl=%2Fapi%2Fauth%2Fsession"),
			chromedp.Click(chromedp.CSS(`form[action$="/signin/corp"] button`)),
		)
	}

	t.Run("blocked without the provider's origin", func(t *testing.T) {
		// Only the https: stand-in for an unknown endpoint: the provider
		// here is http, so Chrome must refuse the redirect.
		g := s.svc.cur.Load()
		// The warm-up rebuilds the CSP when it ends, which may be after
		// /readyz answered: let it end first, or it could put back the
		// provider's origin in the middle of this check.
		select {
		case <-g.warmed:
		case <-time.After(60 * time.Second):
			t.Fatal("the warm-up did not end")
		}
		saved := g.csp.cur.Load()
		blocked := *saved // built at the same discovery count: kept
		blocked.policy = csp(g.formOrigins, []providerSources{{}})
		g.csp.cur.Store(&blocked)
		defer g.csp.cur.Store(saved)
		ctx := browsertest.New(t)
		// Chrome reports the refusal in its log: that report, not a pause,
		// shows the redirect was checked and not followed. Subscribed
		// before the click, so that it cannot be missed.
		messages := chromedp.Console(ctx)
		if err := signIn(ctx); err != nil {
			t.Fatal(err)
		}
		for m, err := range messages {
			if err != nil {
				t.Fatalf("no CSP report from Chrome (%v): the form-action check did not run", err)
			}
			if m.Source == "security" && strings.Contains(m.Text, "form-action") && strings.Contains(m.Text, "blocked") {
				break
			}
		}
		// The navigation ended with the refusal: the browser is not at
		// the provider, and will not get there.
		href, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(href, op.Issuer()) {
			t.Errorf("the browser reached the provider (%s) under form-action without its origin; the CSP check is not real", href)
		}
	})

	ctx := browsertest.New(t)
	if err := signIn(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), authtest.OIDCPassword),
		chromedp.Click(chromedp.ID("submit")),
	); err != nil {
		t.Fatalf("at the provider's login form: %v\nserver log:\n%s", err, s.stderr)
	}
	want := base + "/api/auth/session"
	var href string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if l, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			if href = l; href == want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser at %q, want %q\nserver log:\n%s", href, want, s.stderr)
		}
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"email":"ada@example.com"`) || !strings.Contains(body, `"name":"Ada"`) {
		t.Errorf("GET /api/auth/session in the browser = %s, want Ada's session", body)
	}
}

// formAction is the sources of a policy's form-action directive.
func formAction(policy string) []string {
	for d := range strings.SplitSeq(policy, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "form-action" {
			return f[1:]
		}
	}
	return nil
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// writeOIDCConfig writes the config of the browser tests: the server at
// base with one OpenID Connect provider "corp" (pkce, state and nonce).
func writeOIDCConfig(t *testing.T, base, issuer, clientID, clientSecret string) string {
	t.Helper()
	return writeConfig(t, `url: `+base+`/api/auth
secret: s
providers:
  - type: oidc
    id: corp
    name: Corp SSO
    issuer: "`+issuer+`"
    client_id: "`+clientID+`"
    client_secret: "`+clientSecret+`"
    scope: openid email profile
    checks: [pkce, state, nonce]
`)
}
