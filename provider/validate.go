package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// Configuration checks. [nextauth.New] calls each provider's Validate and
// reports what it returns, so that a broken provider fails at start rather
// than at sign-in. Each problem is its own error, joined with errors.Join,
// and reads "key: what is wrong", the key named as in the YAML config
// (client_id, token_url, …); New adds the provider id.

// Validate reports the problems of the provider's configuration: a
// missing client_id or client_secret, no endpoints, an unknown check, a
// URL that is not an absolute http(s) URL, an unsupported
// token_endpoint_auth_method or id_token_signing_alg. A missing ID is
// left to [nextauth.New], which reports it itself.
func (p *oauthProvider) Validate() error { return errors.Join(p.invalid...) }

// validateOAuth returns the problems of cfg as [oauthProvider.Validate]
// reports them. discovery is whether the endpoints come from a discovery
// document; idToken whether the profile comes from a validated id_token.
func validateOAuth(cfg OAuthConfig, discovery, idToken bool) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf(key+": "+format, args...))
	}

	if cfg.ClientID == "" {
		bad("client_id", "missing: the client id the authorization server gave this app")
	}
	switch cfg.TokenEndpointAuthMethod {
	case AuthNone:
	case "", AuthClientSecretBasic, AuthClientSecretPost:
		if cfg.ClientSecret == "" {
			bad("client_secret", "missing (a public client without a secret sets token_endpoint_auth_method: %s, with the pkce check)", AuthNone)
		}
	default:
		bad("token_endpoint_auth_method", "%q: want %s, %s or %s", cfg.TokenEndpointAuthMethod, AuthClientSecretBasic, AuthClientSecretPost, AuthNone)
	}
	if alg := cfg.IDTokenSigningAlg; alg != "" && oidcHashFor(alg) == nil {
		bad("id_token_signing_alg", "%q is not supported: want RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, HS256, HS384, HS512 or EdDSA", alg)
	}

	for _, c := range cfg.Checks {
		switch c {
		case nextauth.CheckState, nextauth.CheckPKCE, nextauth.CheckNonce, "none":
		default:
			bad("checks", "%q is not a check: want state, pkce, nonce, or none", c)
		}
	}

	for _, u := range [...]struct{ key, value string }{
		{"issuer", cfg.Issuer}, {"well_known", cfg.WellKnown},
		{"authorization_url", cfg.AuthorizationURL}, {"token_url", cfg.TokenURL},
		{"userinfo_url", cfg.UserinfoURL}, {"jwks_url", cfg.JWKSURL},
	} {
		if u.value == "" {
			continue
		}
		if _, err := parseOAuthURL(u.value); err != nil {
			bad(u.key, "%q is not an absolute http(s) URL", u.value)
		}
	}

	if discovery {
		return errs
	}
	// Endpoints configured by hand: what each sign-in needs.
	switch {
	case cfg.AuthorizationURL == "" && cfg.TokenURL == "":
		bad("issuer", "missing: set issuer (or well_known) for OpenID Connect discovery, or authorization_url and token_url")
		return errs // what follows would only repeat it
	case cfg.TokenURL == "":
		bad("token_url", "missing: authorization_url is set, so the endpoints are not discovered and token_url is needed too")
	case cfg.AuthorizationURL == "":
		bad("authorization_url", "missing: token_url is set, so the endpoints are not discovered and authorization_url is needed too")
	}
	if idToken {
		if cfg.Issuer == "" {
			bad("issuer", "missing: the id_token flow checks the id_token's iss against issuer")
		}
		if cfg.JWKSURL == "" && !strings.HasPrefix(cfg.IDTokenSigningAlg, "HS") {
			bad("jwks_url", "missing: the id_token flow needs the key set the id_token is signed with (or id_token_signing_alg HS256, keyed by the client secret)")
		}
	} else if cfg.UserinfoURL == "" && cfg.UserinfoRequest == nil {
		bad("userinfo_url", "missing: the profile comes from userinfo_url unless the id_token flow is on (id_token: true)")
	}
	return errs
}

// Validate reports why the preset could not be configured.
func (p *presetError) Validate() error { return p.err }

// Validate reports the missing Sender.
func (e *emailNoSender) Validate() error {
	return errors.New("server: missing: an email provider needs a Sender to deliver its links (in Go, EmailConfig.Sender: SMTPSender, FileSender, ConsoleSender or your own)")
}

// Validate reports the missing Authorize func.
func (c *credentialsNoAuthorize) Validate() error {
	return errors.New("users or authorize_url: missing: a credentials provider needs one to check what users type (in Go, CredentialsConfig.Authorize: StaticUsers, RemoteAuthorize or your own)")
}
