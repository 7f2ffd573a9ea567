package config

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

// TestOIDCNewcomerYAML: the README's type oidc, with issuer, client_id and
// client_secret only, asks a real OpenID Provider for "openid profile
// email" with PKCE and state, and signs the user in with e-mail and name.
func TestOIDCNewcomerYAML(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-y", "Yara@Example.com", "Yara Yaml"))
	f, err := Parse("t.yaml", []byte(`secret: s
providers:
  - type: oidc
    id: corp
    issuer: `+op.Issuer()+`
    client_id: `+op.ClientID()+`
    client_secret: `+op.ClientSecret()+`
`), mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatal(err)
	}
	var p nextauth.OAuthProvider
	for _, pr := range cfg.Providers {
		if pr.Info().ID == "corp" {
			p = pr.(nextauth.OAuthProvider)
		}
	}
	if p == nil {
		t.Fatal("no provider corp")
	}
	if got := p.Checks(); !slices.Equal(got, []string{"pkce", "state"}) {
		t.Errorf("Checks() = %q, want [pkce state]", got)
	}
	const redirect = "http://localhost:3000/api/auth/callback/corp"
	verifier := "a-code-verifier-of-a-good-length-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	authURL, err := p.AuthorizationURL(t.Context(), nextauth.AuthorizationRequest{
		RedirectURI: redirect, State: "st", CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if q := u.Query(); q.Get("scope") != provider.DefaultOIDCScope || q.Get("code_challenge_method") != "S256" || q.Get("state") != "st" {
		t.Errorf("authorization URL %s: want scope %q, S256 PKCE and state", authURL, provider.DefaultOIDCScope)
	}
	back := op.Login(t, authURL)
	params := map[string]string{}
	for k := range back.Query() {
		params[k] = back.Query().Get(k)
	}
	res, err := p.Exchange(t.Context(), nextauth.CallbackRequest{RedirectURI: redirect, Params: params, State: "st", CodeVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Email.String() != "yara@example.com" || res.User.Name.String() != "Yara Yaml" {
		t.Errorf("user = %+v, want e-mail and name", res.User)
	}
}
