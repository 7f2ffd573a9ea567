package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// freeAddr is a loopback address with a port nothing listens on now, for
// a server whose url must be known before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestOIDCSignIn starts the server with a type: oidc provider pointing at
// a real OpenID Provider and signs in through the HTTP API, as a browser
// with next-auth/react would: CSRF token, POST /signin/corp, the
// provider's login form, the callback, then /session.
func TestOIDCSignIn(t *testing.T) {
	const clientSecret = "corp-client-s3cret-value"
	op := authtest.NewOIDCProvider(t,
		authtest.WithClient("corp-client", clientSecret),
		authtest.WithAuthMethod("client_secret_post"),
		authtest.WithUser("user-42", "ann@example.com", "Ann Example"),
	)
	addr := freeAddr(t)
	base := "http://" + addr
	path := writeConfig(t, `url: `+base+`/api/auth
providers:
  - type: oidc
    id: corp
    name: Corp SSO
    issuer: ${CORP_ISSUER}
    client_id: ${CORP_ID}
    client_secret: ${CORP_SECRET}
    scope: openid email profile
    checks: [pkce, state, nonce]
    token_endpoint_auth_method: client_secret_post
`)
	env := map[string]string{"NEXTAUTH_SECRET": "test-secret", "CORP_ISSUER": op.Issuer(), "CORP_ID": op.ClientID(), "CORP_SECRET": clientSecret}
	s := startServer(t, env, "--config", path, "--addr", addr)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	if _, body := get(t, client, base+"/api/auth/providers"); !strings.Contains(body, `"corp":{"id":"corp","name":"Corp SSO","type":"oauth"`) {
		t.Errorf("GET /api/auth/providers = %s, want corp", body)
	}
	_, body := get(t, client, base+"/api/auth/csrf")
	var csrf struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal([]byte(body), &csrf); err != nil || csrf.CSRFToken == "" {
		t.Fatalf("GET /api/auth/csrf = %q, want a token", body)
	}

	// POST /signin/corp: the answer points at the provider.
	res, err := client.PostForm(base+"/api/auth/signin/corp", url.Values{
		"csrfToken": {csrf.CSRFToken}, "callbackUrl": {base + "/welcome"}, "json": {"true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var signIn struct {
		URL string `json:"url"`
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if err := json.Unmarshal(b, &signIn); res.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(signIn.URL, op.AuthorizationEndpoint()+"?") {
		t.Fatalf("POST /api/auth/signin/corp = %d %s, want {\"url\": %s?…}", res.StatusCode, b, op.AuthorizationEndpoint())
	}
	q := mustParse(t, signIn.URL).Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(k) == "" {
			t.Errorf("authorization URL %s has no %s, want checks pkce, state and nonce", signIn.URL, k)
		}
	}
	if got, want := q.Get("redirect_uri"), base+"/api/auth/callback/corp"; got != want {
		t.Errorf("authorization URL redirect_uri = %q, want %q", got, want)
	}

	// The user signs in on the provider's form, which sends the browser
	// back to the callback.
	callback := op.Login(t, signIn.URL)
	if got, want := callback.Scheme+"://"+callback.Host+callback.Path, base+"/api/auth/callback/corp"; got != want {
		t.Fatalf("the provider redirected to %s, want %s", callback, want)
	}
	res, err = client.Get(callback.String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != base+"/welcome" {
		t.Fatalf("GET %s = %d, Location %q, body %s; want 302 to %s/welcome\nserver log:\n%s", callback.Path, res.StatusCode, loc, b, base, s.stderr)
	}

	_, body = get(t, client, base+"/api/auth/session")
	var session struct {
		User struct{ Name, Email string }
	}
	if err := json.Unmarshal([]byte(body), &session); err != nil || session.User.Name != "Ann Example" || session.User.Email != "ann@example.com" {
		t.Errorf("GET /api/auth/session = %s, want the provider's user Ann Example <ann@example.com>", body)
	}
	if n := op.TokenRequests(); n != 1 {
		t.Errorf("the provider got %d token requests, want 1", n)
	}

	if err := s.stop(); err != nil {
		t.Errorf("run() after cancel = %v, want nil", err)
	}
	for name, out := range map[string]string{"stdout": s.stdout.String(), "stderr": s.stderr.String()} {
		if strings.Contains(out, clientSecret) {
			t.Errorf("%s shows the client secret:\n%s", name, out)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCheckProviders(t *testing.T) {
	const secret = "gh-s3cret-value"
	oidc := writeConfig(t, `secret: s
providers:
  - {type: oidc, id: corp, name: Corp SSO, issuer: "https://idp.example.com", client_id: c, client_secret: "${CORP_SECRET}"}
  - {type: github, client_id: "${AUTH_GITHUB_ID}", client_secret: "${AUTH_GITHUB_SECRET}"}
`)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantStdout string
		wantErr    []string // parts of the error; nil for success
	}{
		{
			name: "file providers", args: []string{"--config", oidc},
			env: map[string]string{"CORP_SECRET": secret, "AUTH_GITHUB_ID": "gh", "AUTH_GITHUB_SECRET": secret},
			wantStdout: "ok\nurl: http://localhost:3000/api/auth (default)\ndatabase: none\nsessions: jwt\nproviders:\n" +
				"  corp (oauth, \"Corp SSO\")\n  github (oauth, \"GitHub\")\n",
		},
		{
			name: "auto-configured", env: map[string]string{"NEXTAUTH_SECRET": "s", "AUTH_GITHUB_ID": "gh", "AUTH_GITHUB_SECRET": secret},
			wantStdout: "ok\nurl: http://localhost:3000/api/auth (default)\ndatabase: none\nsessions: jwt\nproviders:\n" +
				"  github (oauth, \"GitHub\") from the environment: AUTH_GITHUB_ID, AUTH_GITHUB_SECRET\n",
		},
		{
			name: "half-configured", env: map[string]string{"NEXTAUTH_SECRET": "s", "AUTH_GITHUB_ID": "gh", "AUTH_KEYCLOAK_ID": "kc", "AUTH_KEYCLOAK_SECRET": secret},
			wantErr: []string{"2 problems in the environment", "AUTH_GITHUB_SECRET: not set, but AUTH_GITHUB_ID is", "AUTH_KEYCLOAK_ISSUER: not set"},
		},
		{
			name: "oidc without issuer", args: []string{"--config", writeConfig(t, "secret: s\nproviders: [{type: oidc, client_id: c, client_secret: "+secret+"}]\n")},
			wantErr: []string{"1 problem in", ":2: providers[0].issuer: missing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"check"}, tt.args...), envOf(tt.env), strings.NewReader(""), &stdout, &stderr)
			if out := stdout.String() + stderr.String() + errString(err); strings.Contains(out, secret) {
				t.Errorf("check %q shows the client secret:\n%s", tt.args, out)
			}
			if tt.wantErr == nil {
				if err != nil || stdout.String() != tt.wantStdout {
					t.Errorf("check %q = %v, stdout %q, want nil, %q", tt.args, err, stdout.String(), tt.wantStdout)
				}
				return
			}
			if err == nil {
				t.Fatalf("check %q = nil, want problems %q", tt.args, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("check %q = %q, want it to contain %q", tt.args, err, want)
				}
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestServeLogsAutoConfigured checks that the server names the providers
// the environment added, and not their secrets.
func TestServeLogsAutoConfigured(t *testing.T) {
	const secret = "gh-s3cret-value"
	s := startServer(t, map[string]string{"NEXTAUTH_SECRET": "s", "AUTH_GITHUB_ID": "gh", "AUTH_GITHUB_SECRET": secret})
	client := &http.Client{Timeout: 30 * time.Second}
	if _, body := get(t, client, s.base+"/api/auth/providers"); !strings.Contains(body, `"github":{"id":"github","name":"GitHub","type":"oauth"`) {
		t.Errorf("GET /api/auth/providers = %s, want github", body)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	log := s.stderr.String()
	if !strings.Contains(log, `msg="provider configured from the environment" provider=github variables="AUTH_GITHUB_ID, AUTH_GITHUB_SECRET"`) {
		t.Errorf("stderr = %q, want the auto-configured provider logged", log)
	}
	if strings.Contains(log+s.stdout.String(), secret) {
		t.Errorf("output shows the client secret:\n%s", log)
	}
}
