package nextauth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/jwt"
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

// checkValues are the OAuth check values of the sign-in c just started at
// authURL: state and nonce from the URL, the PKCE verifier from its cookie.
func checkValues(t *testing.T, c *client, secret, authURL string) []string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	codec, err := jwt.NewCodec(jwt.Options{Secret: secret, Salt: "next-auth.pkce.code_verifier"})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := codec.Decode(c.jar["next-auth.pkce.code_verifier"])
	verifier, _ := claims["value"].(string)
	if err != nil || verifier == "" || q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge") == "" {
		t.Fatalf("sign-in at %s has no state, nonce or PKCE verifier (%v)", authURL, err)
	}
	return []string{q.Get("state"), q.Get("nonce"), verifier, q.Get("code_challenge")}
}

// startOIDC posts /signin/id and returns the authorization URL.
func startOIDC(t *testing.T, c *client, id string) string {
	t.Helper()
	w := c.postForm("/api/auth/signin/"+id, url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.URL == "" {
		t.Fatalf("POST /signin/%s = %d %s", id, w.Code, w.Body)
	}
	return out.URL
}

// TestSecretsNeverLogged runs every flow with debug logging and scans the
// log for the secret, passwords, every token that crossed the wire and the
// OAuth check values (state, PKCE verifier and challenge, nonce), through
// successful sign-ins, a state mismatch, a nonce mismatch and a failed
// code exchange.
func TestSecretsNeverLogged(t *testing.T) {
	logs := &lockedBuffer{}
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-1", "ann@example.com", "Ann"))
	// op2's id_tokens carry the nonce with something appended: a nonce
	// mismatch whose message could quote both values.
	op2 := authtest.NewOIDCProvider(t, authtest.WithIDTokenMutator(func(c map[string]any) {
		c["nonce"] = fmt.Sprint(c["nonce"]) + "-tampered"
	}))
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
			corpProvider(op, []string{"state", "pkce", "nonce"}, ""),
			provider.OIDC(provider.OAuthConfig{ID: "corp2", Issuer: op2.Issuer(), ClientID: op2.ClientID(),
				ClientSecret: op2.ClientSecret(), Checks: []string{"state", "pkce", "nonce"}}))
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
	// OIDC: a full round trip; its code, tokens, check values and client
	// secret; then its callback replayed with its check cookies, which the
	// provider refuses (the code was used).
	o := newClient(t, h)
	authURL := startOIDC(t, o, "corp")
	secrets = append(secrets, checkValues(t, o, secret, authURL)...)
	checkCookies := o.cookieHeader()
	back := op.Login(t, authURL)
	secrets = append(secrets, back.Query().Get("code"))
	if w := o.get(back.RequestURI()); w.Code != http.StatusFound || strings.Contains(w.Header().Get("Location"), "error") {
		t.Fatalf("OIDC callback = %d %q", w.Code, w.Header().Get("Location"))
	}
	secrets = append(secrets, op.ClientSecret(), secret)
	for n, v := range o.jar {
		if strings.HasPrefix(n, "next-auth.") {
			secrets = append(secrets, v)
		}
	}
	r := httptest.NewRequest(http.MethodGet, back.RequestURI(), nil)
	r.Header.Set("Cookie", checkCookies)
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if loc := rw.Header().Get("Location"); !strings.HasSuffix(loc, "error=OAuthCallback") {
		t.Fatalf("replayed callback = %d %q, want the OAuthCallback error", rw.Code, loc)
	}
	// A state mismatch: the callback's state is another sign-in's.
	sm := newClient(t, h)
	authURL = startOIDC(t, sm, "corp")
	secrets = append(secrets, checkValues(t, sm, secret, authURL)...)
	other := newClient(t, h)
	otherState := checkValues(t, other, secret, startOIDC(t, other, "corp"))[0]
	secrets = append(secrets, otherState)
	if loc := sm.get("/api/auth/callback/corp?code=abc&state=" + otherState).Header().Get("Location"); !strings.HasSuffix(loc, "error=OAuthCallback") {
		t.Fatalf("callback with another state = %q, want the OAuthCallback error", loc)
	}
	// A nonce mismatch.
	nm := newClient(t, h)
	authURL = startOIDC(t, nm, "corp2")
	secrets = append(secrets, checkValues(t, nm, secret, authURL)...)
	back = op2.Login(t, authURL)
	if loc := nm.get(back.RequestURI()).Header().Get("Location"); !strings.HasSuffix(loc, "error=OAuthCallback") {
		t.Fatalf("callback with a tampered nonce = %q, want the OAuthCallback error", loc)
	}
	// Sign-out.
	c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}})

	out := logs.String()
	if !strings.Contains(out, "JWT_SESSION_ERROR") || !strings.Contains(out, "OAUTH_CALLBACK_RESPONSE") ||
		!strings.Contains(out, "state mismatch") || !strings.Contains(out, "nonce mismatch") || !strings.Contains(out, "invalid_grant") {
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
