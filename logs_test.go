package nextauth_test

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNeverLogged runs every flow with debug logging and scans the
// log for the secret, passwords and every token that crossed the wire.
func TestSecretsNeverLogged(t *testing.T) {
	logs := &lockedBuffer{}
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-1", "ann@example.com", "Ann"))
	box := &outbox{}
	const secret = "a-very-secret-value-0123456789abcdef"
	h := newHandler(t, func(c *nextauth.Config) {
		c.Secret = secret
		c.Debug = true
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Adapter = memory.New()
		c.Session.Strategy = nextauth.StrategyJWT
		c.Providers = append(c.Providers,
			provider.Email(provider.EmailConfig{Sender: box}),
			corpProvider(op, []string{"state", "pkce", "nonce"}, ""))
	})
	var secrets []string
	c := newClient(t, h)
	// Credentials: a failure and a success.
	csrf := c.csrf()
	secrets = append(secrets, csrf, "wonderland", "not-the-password")
	c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {csrf}, "username": {"alice"}, "password": {"not-the-password"}})
	c.signIn()
	c.get("/api/auth/session")
	secrets = append(secrets, c.jar["next-auth.session-token"])
	// A tampered session token is logged as an error, not echoed.
	bad := newClient(t, h)
	bad.jar["next-auth.session-token"] = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..tampered-token-value"
	bad.order = append(bad.order, "next-auth.session-token")
	bad.get("/api/auth/session")
	secrets = append(secrets, "tampered-token-value")
	// E-mail: send and redeem.
	m := newClient(t, h)
	m.postForm("/api/auth/signin/email", url.Values{"csrfToken": {m.csrf()}, "email": {"mail@example.com"}})
	link := box.last(t)
	secrets = append(secrets, link.Token)
	m.get(pathOf(t, link.URL))
	// OIDC: a full round trip; its code, tokens and client secret.
	o := newClient(t, h)
	oauthRoundTrip(t, o, op)
	secrets = append(secrets, op.ClientSecret(), secret)
	for n, v := range o.jar {
		if strings.HasPrefix(n, "next-auth.") {
			secrets = append(secrets, v)
		}
	}
	// Sign-out.
	c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}})

	out := logs.String()
	if !strings.Contains(out, "JWT_SESSION_ERROR") || !strings.Contains(out, "OAUTH_CALLBACK_RESPONSE") {
		t.Fatalf("the log does not show the flows ran (%d bytes):\n%.2000s", len(out), out)
	}
	for _, s := range secrets {
		if len(s) < 8 {
			continue
		}
		if strings.Contains(out, s) {
			t.Errorf("log contains a secret value %.12q…", s)
		}
	}
}
