package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Token endpoint client authentication methods for
// [OAuthConfig.TokenEndpointAuthMethod] (docs/compatibility.md#token-request).
const (
	// AuthClientSecretBasic sends client_id and client_secret in an HTTP
	// Basic Authorization header, each form-encoded first (RFC 6749 §2.3.1).
	AuthClientSecretBasic = "client_secret_basic"
	// AuthClientSecretPost sends client_id and client_secret in the body.
	AuthClientSecretPost = "client_secret_post"
	// AuthNone sends client_id in the body and no secret (public clients,
	// with PKCE).
	AuthNone = "none"
)

// Defaults of [OAuthConfig].
const (
	// DefaultOAuthTimeout bounds each outgoing request (discovery, JWKS,
	// token, userinfo), as openid-client's 3500 ms.
	DefaultOAuthTimeout = 3500 * time.Millisecond
	// DefaultDiscoveryTTL is how long a discovery document is used before
	// it is fetched again.
	DefaultDiscoveryTTL = time.Hour
	// DefaultIDTokenSigningAlg is the only id_token algorithm accepted
	// unless [OAuthConfig.IDTokenSigningAlg] names another.
	DefaultIDTokenSigningAlg = "RS256"
)

// maxOAuthBody bounds what discovery, token and userinfo endpoints may
// answer.
const maxOAuthBody = 1 << 20

var errOAuthNotHTTP = errors.New("not an absolute http(s) URL")

// OAuthConfig configures [OAuth] and [OIDC]: NextAuth v4's OAuth provider
// options with Go names. The zero value of each field means
// NextAuth's default.
type OAuthConfig struct {
	// ID is the provider id, the URL segment of /signin/:id and
	// /callback/:id. Required.
	ID string
	// Name is shown on the sign-in page; default ID.
	Name string
	// ClientID and ClientSecret are the client's credentials at the
	// authorization server. ClientID is required, and so is ClientSecret
	// unless TokenEndpointAuthMethod is AuthNone.
	ClientID, ClientSecret string

	// Issuer is the expected issuer: the id_token's iss and the RFC 9207
	// callback iss. With no WellKnown and no AuthorizationURL or TokenURL,
	// the discovery document is read from
	// {Issuer}/.well-known/openid-configuration.
	Issuer string
	// WellKnown is the OpenID Connect discovery URL. When the path has no
	// "/.well-known/", "/.well-known/openid-configuration" is appended. With
	// discovery, the endpoints and the issuer come from the document and
	// AuthorizationURL, TokenURL, UserinfoURL and JWKSURL only contribute
	// their query parameters. The document is cached for DiscoveryTTL.
	WellKnown string
	// AuthorizationURL, TokenURL and UserinfoURL are the endpoints when
	// there is no discovery. As in NextAuth, each is reduced to origin and
	// path: the query of AuthorizationURL becomes authorization parameters
	// and the query of UserinfoURL userinfo query parameters; the query of
	// TokenURL is dropped.
	AuthorizationURL, TokenURL, UserinfoURL string
	// JWKSURL is the id_token key set when there is no discovery.
	JWKSURL string

	// AuthorizationParamList are authorization parameters in the order
	// they are sent, applied after those of AuthorizationURL's query.
	AuthorizationParamList [][2]string
	// AuthorizationParams are more authorization parameters, applied after
	// AuthorizationParamList in key order. A parameter named like an
	// earlier one replaces its value and keeps its place.
	AuthorizationParams map[string]string
	// Scope, when not empty, is the scope parameter. With no scope
	// configured anywhere, [OAuth] sends "openid" (openid-client's
	// default) and [OIDC] sends DefaultOIDCScope, "openid profile email"
	// (Auth.js v5's default for type "oidc"); to send an empty scope, set
	// AuthorizationParams["scope"] = "".
	Scope string

	// Checks are the checks to run: "state", "pkce", "nonce" ("none" is
	// ignored; any other name is a configuration problem that Validate
	// reports). nil means ["state"] for [OAuth] and ["pkce", "state"]
	// for [OIDC]; an empty non-nil slice means none.
	Checks []string
	// IDToken selects the OpenID Connect flow: the token response must
	// carry an id_token, which is validated and whose claims are the
	// profile (no userinfo request, except for an [OIDC] provider with the
	// default Profile whose id_token has no e-mail and no name: see
	// [OIDC]). nil infers it as NextAuth does: true with discovery, else
	// true when the scope contains "openid".
	IDToken *bool
	// TokenEndpointAuthMethod is AuthClientSecretBasic (default),
	// AuthClientSecretPost or AuthNone. Left empty with discovery, a server
	// that supports client_secret_post but not client_secret_basic gets
	// client_secret_post (docs/compatibility.md#issuer-client-and-http).
	TokenEndpointAuthMethod string
	// ExtraTokenParams are added to the token request body (Twitter's
	// client_id).
	ExtraTokenParams map[string]string
	// IDTokenSigningAlg is the one id_token "alg" accepted; default RS256.
	// HS256, HS384 and HS512 are keyed by ClientSecret.
	IDTokenSigningAlg string

	// Profile maps the raw profile (userinfo answer or id_token claims;
	// JSON numbers are float64) to the user. Its ID becomes the account id.
	// nil maps sub (or id) → ID, name → Name, email → Email, picture (or
	// image) → Image; for [OIDC], Auth.js v5's mapping: sub (or id) → ID, the
	// first non-empty of name, nickname and preferred_username → Name,
	// email → Email, picture → Image. An error, or a user without ID,
	// sends the user back to the sign-in page ([nextauth.ErrProfile]).
	Profile func(raw map[string]any, tokens Tokens) (nextauth.User, error)
	// ProfileClaims keeps more of the raw profile as the user's claims
	// ([nextauth.User.Claims], which reach the session token): claim name
	// → claim path ([ClaimAt]), e.g. "roles" → "realm_access.roles". A
	// path the profile lacks is left out.
	ProfileClaims map[string]string
	// UserinfoRequest replaces the userinfo request (and, with IDToken, the
	// id_token claims) as the source of the raw profile (NextAuth's
	// userinfo.request). client is the provider's HTTP client.
	UserinfoRequest func(ctx context.Context, client *http.Client, tokens Tokens) (map[string]any, error)

	// HTTPClient sends every request; nil means a new http.Client.
	// Redirects from the discovery, JWKS, token and userinfo endpoints are
	// not followed (an error, as in openid-client); UserinfoRequest gets a
	// client that follows them.
	HTTPClient *http.Client
	// Timeout bounds each request (it replaces HTTPClient's own Timeout);
	// zero means HTTPClient.Timeout if set, else DefaultOAuthTimeout;
	// negative means none.
	Timeout time.Duration
	// DiscoveryTTL is how long a discovery document is reused; zero means
	// DefaultDiscoveryTTL. JSON Web Keys are fetched again when an
	// id_token names a key id that is not known yet, at most once every
	// 30 s (docs/compatibility.md#issuer-client-and-http).
	DiscoveryTTL time.Duration
	// Now is the clock (id_token times, expires_at, discovery TTL, the
	// key set's refetch interval); nil means time.Now.
	Now func() time.Time

	// Style themes the button on the built-in sign-in page.
	Style *nextauth.ProviderStyle
	// AllowDangerousEmailAccountLinking lets this provider sign in to an
	// existing user with the same e-mail address (row 5 of the OAuth table in
	// docs/compatibility.md#account-linking).
	AllowDangerousEmailAccountLinking bool
}

// Tokens is the token set of an OAuth sign-in (openid-client's TokenSet):
// the token response's fields, with expires_in turned into ExpiresAt.
type Tokens struct {
	AccessToken  string
	TokenType    string // as received ("bearer" stays lower-case)
	RefreshToken string
	Scope        string // an array scope is joined with spaces
	IDToken      string
	// ExpiresAt is floor(now) + expires_in in Unix seconds; 0 without
	// expires_in.
	ExpiresAt int64
	// SessionState is the token response's session_state, else (OpenID
	// Connect) the callback's.
	SessionState string
	// Extra holds every other field of the token response as decoded from
	// JSON (refresh_expires_in, not-before-policy, …).
	Extra map[string]any
	// Claims are the validated id_token claims (OpenID Connect flow only).
	Claims map[string]any
}

// OAuth returns an OAuth 2.0 / OpenID Connect provider (NextAuth's OAuth
// provider, docs/compatibility.md#oauth-and-openid-connect). Its Validate
// method reports configuration problems (no client id or secret, no endpoints,
// an unknown check, a malformed URL, an unknown method or algorithm), which
// [nextauth.New] returns as errors. Used without New, a provider with no ID or
// client id, a malformed URL, or an unknown method or algorithm fails every
// AuthorizationURL and Exchange call, which the handler turns into OAuthSignin
// and OAuthCallback errors.
func OAuth(cfg OAuthConfig) nextauth.Provider {
	return newOAuth(cfg, false)
}

// oauthProvider implements [nextauth.OAuthProvider].
type oauthProvider struct {
	cfg OAuthConfig
	// oidc: made by [OIDC], the generic OpenID Connect type, with Auth.js
	// v5's defaults for it (oidc_defaults.go); presets and [OAuth] keep
	// NextAuth v4's.
	oidc bool
	// scope is the scope sent when none is configured.
	scope      string
	checks     []string
	idToken    bool
	alg        string
	authMethod string // explicit method, "" = default with auto-switch
	ttl        time.Duration
	// client sends openid-client's requests (discovery, JWKS, token,
	// userinfo): timeout, no redirects. fetchClient, given to
	// UserinfoRequest, follows redirects as fetch() does.
	client, fetchClient *http.Client

	// authParams are the configured authorization parameters in order.
	authParams [][2]string
	// userinfoParams are appended to the userinfo endpoint's query.
	userinfoParams [][2]string

	// static is the metadata without discovery; discovery the cache with.
	static    *oauthMetadata
	discovery *oidcDiscovery

	// err is a configuration problem, returned by every call.
	err error
	// invalid are the configuration problems [oauthProvider.Validate]
	// reports, each naming its config key.
	invalid []error
}

var (
	_ nextauth.OAuthProvider  = (*oauthProvider)(nil)
	_ nextauth.TokenRefresher = (*oauthProvider)(nil)
)

func newOAuth(cfg OAuthConfig, oidcDefault bool) *oauthProvider {
	p := &oauthProvider{cfg: cfg, oidc: oidcDefault, scope: "openid"}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("provider: %s: "+format, append([]any{cfg.ID}, args...)...))
	}
	if cfg.ID == "" {
		fail("an OAuth provider needs an ID")
	}
	if p.cfg.Name == "" {
		p.cfg.Name = cfg.ID
	}
	if cfg.ClientID == "" {
		fail("client_id is required")
	}
	if p.cfg.Now == nil {
		p.cfg.Now = time.Now
	}

	p.checks = []string{nextauth.CheckState}
	if oidcDefault {
		p.checks = slices.Clone(oidcDefaultChecks)
	}
	if cfg.Checks != nil {
		p.checks = nil
		for _, c := range cfg.Checks {
			switch c {
			case nextauth.CheckState, nextauth.CheckPKCE, nextauth.CheckNonce:
				if !slices.Contains(p.checks, c) {
					p.checks = append(p.checks, c)
				}
			}
		}
	}

	switch cfg.TokenEndpointAuthMethod {
	case "", AuthClientSecretBasic, AuthClientSecretPost, AuthNone:
		p.authMethod = cfg.TokenEndpointAuthMethod
	default:
		fail("unsupported token_endpoint_auth_method %q", cfg.TokenEndpointAuthMethod)
	}
	p.alg = cfg.IDTokenSigningAlg
	if p.alg == "" {
		p.alg = DefaultIDTokenSigningAlg
	}
	if oidcHashFor(p.alg) == nil {
		fail("unsupported id_token signing alg %q", p.alg)
	}

	p.ttl = cfg.DiscoveryTTL
	if p.ttl <= 0 {
		p.ttl = DefaultDiscoveryTTL
	}
	p.fetchClient = oauthHTTPClient(cfg.HTTPClient, cfg.Timeout)
	p.client = oauthNoRedirects(p.fetchClient)

	// Endpoints given as strings: origin + pathname, the query as params
	// (docs/compatibility.md#provider-model, step 1).
	var authURL, tokenURL, userinfoURL string
	for _, e := range []struct {
		name, raw string
		base      *string
		params    *[][2]string
	}{
		{"authorization", cfg.AuthorizationURL, &authURL, &p.authParams},
		{"token", cfg.TokenURL, &tokenURL, nil},
		{"userinfo", cfg.UserinfoURL, &userinfoURL, &p.userinfoParams},
	} {
		if e.raw == "" {
			continue
		}
		u, err := parseOAuthURL(e.raw)
		if err != nil {
			fail("%s URL: %w", e.name, err)
			continue
		}
		*e.base = u.base()
		if e.params != nil {
			for _, kv := range oauthFormParse(u.query) {
				*e.params = oauthSetParam(*e.params, kv[0], kv[1])
			}
		}
	}
	for _, kv := range cfg.AuthorizationParamList {
		p.authParams = oauthSetParam(p.authParams, kv[0], kv[1])
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.AuthorizationParams)) {
		p.authParams = oauthSetParam(p.authParams, k, cfg.AuthorizationParams[k])
	}
	if cfg.Scope != "" {
		p.authParams = oauthSetParam(p.authParams, "scope", cfg.Scope)
	}
	if oidcDefault {
		p.scope = DefaultOIDCScope
	}

	wellKnown := cfg.WellKnown
	if wellKnown == "" && cfg.Issuer != "" && cfg.AuthorizationURL == "" && cfg.TokenURL == "" {
		wellKnown = strings.TrimRight(cfg.Issuer, "/") + "/.well-known/openid-configuration"
	}

	switch {
	case cfg.IDToken != nil:
		p.idToken = *cfg.IDToken
	case oidcDefault:
		p.idToken = true
	case wellKnown != "":
		p.idToken = strings.Contains(wellKnown, "openid-configuration")
	default:
		for _, kv := range p.authParams {
			if kv[0] == "scope" && strings.Contains(kv[1], "openid") {
				p.idToken = true
			}
		}
	}

	if wellKnown != "" {
		d, err := newOIDCDiscovery(p, wellKnown)
		if err != nil {
			fail("discovery URL: %w", err)
		}
		p.discovery = d
	} else {
		m := &oauthMetadata{
			issuer:                cfg.Issuer,
			authorizationEndpoint: authURL,
			tokenEndpoint:         tokenURL,
			userinfoEndpoint:      userinfoURL,
		}
		if cfg.JWKSURL != "" {
			if _, err := parseOAuthURL(cfg.JWKSURL); err != nil {
				fail("JWKS URL: %w", err)
			} else {
				m.jwksURI = cfg.JWKSURL
				m.keys = oidcRemoteKeys(p.client, cfg.JWKSURL, p.cfg.Now)
			}
		}
		p.static = m
	}
	p.err = errors.Join(errs...)
	p.invalid = validateOAuth(cfg, wellKnown != "", p.idToken)
	return p
}

// oauthNoRedirects makes a client answer redirects as responses:
// openid-client does not follow them, so a redirect from discovery, JWKS,
// token or userinfo endpoints is an "expected 200 OK" error.
func oauthNoRedirects(c *http.Client) *http.Client {
	out := *c
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// oauthHTTPClient copies c (or a new client) with the request timeout.
func oauthHTTPClient(c *http.Client, timeout time.Duration) *http.Client {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	switch {
	case timeout > 0:
		out.Timeout = timeout
	case timeout < 0:
		out.Timeout = 0
	case out.Timeout == 0:
		out.Timeout = DefaultOAuthTimeout
	}
	return out
}

// Info reports the provider as type "oauth" (OpenID Connect included, as
// in NextAuth v4).
func (p *oauthProvider) Info() nextauth.ProviderInfo {
	return nextauth.ProviderInfo{ID: p.cfg.ID, Name: p.cfg.Name, Type: nextauth.TypeOAuth, Style: p.cfg.Style}
}

// Checks returns the configured checks in order (by default state only,
// and pkce then state for [OIDC]).
func (p *oauthProvider) Checks() []string { return slices.Clone(p.checks) }

// AllowDangerousEmailAccountLinking reports the configuration flag.
func (p *oauthProvider) AllowDangerousEmailAccountLinking() bool {
	return p.cfg.AllowDangerousEmailAccountLinking
}

// metadata returns the endpoints and keys: the static ones, or the cached
// discovery document (fetched when missing or older than the TTL).
func (p *oauthProvider) metadata(ctx context.Context) (*oauthMetadata, error) {
	if p.static != nil {
		return p.static, nil
	}
	return p.discovery.get(ctx)
}

// hasCheck reports whether check is configured.
func (p *oauthProvider) hasCheck(check string) bool { return slices.Contains(p.checks, check) }

// AuthorizationURL builds the authorization URL exactly as openid-client does
// (docs/compatibility.md#authorization-request): the endpoint's own query
// first, then client_id, scope (default "openid"; DefaultOIDCScope for
// [OIDC]), response_type=code, redirect_uri, the configured parameters,
// the sign-in request's parameters and the check values, each replacing a
// same-named earlier one in place; WHATWG form encoding with spaces as %20.
func (p *oauthProvider) AuthorizationURL(ctx context.Context, req nextauth.AuthorizationRequest) (string, error) {
	if p.err != nil {
		return "", p.err
	}
	m, err := p.metadata(ctx)
	if err != nil {
		return "", err
	}
	if m.authorizationEndpoint == "" {
		return "", fmt.Errorf("provider: %s: no authorization endpoint", p.cfg.ID)
	}
	for _, c := range []struct{ check, value string }{
		{nextauth.CheckState, req.State}, {nextauth.CheckPKCE, req.CodeChallenge}, {nextauth.CheckNonce, req.Nonce},
	} {
		if p.hasCheck(c.check) && c.value == "" {
			return "", fmt.Errorf("provider: %s: the %s check is on but the request has no value for it", p.cfg.ID, c.check)
		}
	}
	return p.buildAuthorizationURL(m.authorizationEndpoint, req)
}

// buildAuthorizationURL is openid-client's authorizationUrl on NextAuth's
// parameters.
func (p *oauthProvider) buildAuthorizationURL(authorizationEndpoint string, req nextauth.AuthorizationRequest) (string, error) {
	endpoint, err := parseOAuthURL(authorizationEndpoint)
	if err != nil {
		return "", fmt.Errorf("provider: %s: authorization endpoint: %w", p.cfg.ID, err)
	}

	obj := oauthObject{
		{key: "client_id", values: []string{p.cfg.ClientID}},
		{key: "scope", values: []string{p.scope}},
		{key: "response_type", values: []string{"code"}},
		{key: "redirect_uri", values: []string{req.RedirectURI}},
	}
	for _, kv := range p.authParams {
		obj.set(kv[0], kv[1])
	}
	// The sign-in request's query as Next.js parses it: a repeated name
	// becomes an array, which openid-client sends comma-joined, except
	// resource, which it sends repeated.
	var query oauthObject
	for _, kv := range req.Params {
		query.add(kv[0], kv[1])
	}
	for _, e := range query {
		obj.setAll(e.key, e.values)
	}
	if req.State != "" {
		obj.set("state", req.State)
	}
	if req.CodeChallenge != "" {
		obj.set("code_challenge", req.CodeChallenge)
		obj.set("code_challenge_method", "S256")
	}
	if req.Nonce != "" {
		obj.set("nonce", req.Nonce)
	}

	target := oauthFormParse(endpoint.query)
	for _, e := range obj.jsOrder() {
		if e.key == "resource" && len(e.values) > 1 {
			target = slices.DeleteFunc(target, func(kv [2]string) bool { return kv[0] == e.key })
			for _, v := range e.values {
				target = append(target, [2]string{e.key, v})
			}
			continue
		}
		target = oauthSetParam(target, e.key, strings.Join(e.values, ","))
	}
	href := endpoint.withQuery(oauthFormSerialize(target))
	return strings.ReplaceAll(href, "+", "%20"), nil
}

// oauthObject is a JavaScript object of string or string-array values:
// keys in insertion order (see jsOrder for integer keys).
type oauthObject []oauthEntry

type oauthEntry struct {
	key    string
	values []string // one value, or an array
}

// set assigns a string value: a new key goes last, an existing one keeps
// its place.
func (o *oauthObject) set(k, v string) { o.setAll(k, []string{v}) }

func (o *oauthObject) setAll(k string, vs []string) {
	for i := range *o {
		if (*o)[i].key == k {
			(*o)[i].values = vs
			return
		}
	}
	*o = append(*o, oauthEntry{key: k, values: vs})
}

// add appends v to k's values (Next.js query parsing of repeated names).
func (o *oauthObject) add(k, v string) {
	for i := range *o {
		if (*o)[i].key == k {
			(*o)[i].values = append((*o)[i].values, v)
			return
		}
	}
	*o = append(*o, oauthEntry{key: k, values: []string{v}})
}

// jsOrder is the order Object.entries yields: array-index keys ("0",
// "42", below 2^32-1) first in numeric order, then the others in insertion
// order.
func (o oauthObject) jsOrder() oauthObject {
	out := slices.Clone(o)
	slices.SortStableFunc(out, func(a, b oauthEntry) int {
		ai, aok := oauthArrayIndex(a.key)
		bi, bok := oauthArrayIndex(b.key)
		switch {
		case aok && bok:
			return cmp.Compare(ai, bi)
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	return out
}

// oauthArrayIndex reports whether k is a canonical array index.
func oauthArrayIndex(k string) (uint64, bool) {
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == 1<<32-1 || strconv.FormatUint(n, 10) != k {
		return 0, false
	}
	return n, true
}
