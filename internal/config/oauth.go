package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/pages"
	"github.com/nextauth-go/nextauth/provider"
)

// OAuthClient holds the keys every OAuth provider type has: oauth, oidc
// and the presets. docs/configuration.md documents each.
type OAuthClient struct {
	// ID is the provider id, as in {url}/callback/{id}, the redirect URI
	// to register; default: the type.
	ID string `yaml:"id"`
	// Name is shown on the sign-in page; default: the preset's name, else
	// ID.
	Name string `yaml:"name"`
	// ClientID and ClientSecret are the client's credentials at the
	// authorization server. Nothing shows ClientSecret.
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// Issuer is the authorization server's issuer URL.
	Issuer string `yaml:"issuer"`
	// Scope replaces the type's scope.
	Scope string `yaml:"scope"`
	// AuthorizationParams are more parameters of the authorization
	// request.
	AuthorizationParams Params `yaml:"authorization_params"`
	// Checks are any of pkce, state and nonce, or none alone; nil means the
	// type's default (pkce and state for oidc, state for oauth).
	Checks []string `yaml:"checks"`
	// TokenEndpointAuthMethod is client_secret_basic (default),
	// client_secret_post or none.
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	// AllowDangerousEmailAccountLinking lets this provider sign in to an
	// existing user with the same e-mail address.
	AllowDangerousEmailAccountLinking bool `yaml:"allow_dangerous_email_account_linking"`
	// Timeout bounds each request to the authorization server; 0 means
	// 3.5 s.
	Timeout Duration `yaml:"timeout"`
	// Style is the sign-in button's look.
	Style *Style `yaml:"style"`
}

// OAuth is a provider of type oauth: OAuth 2.0 with explicit endpoints
// (NextAuth's OAuth provider without wellKnown).
type OAuth struct {
	OAuthClient `yaml:",inline"`
	// AuthorizationURL and TokenURL are required; UserinfoURL is required
	// unless the profile comes from the id_token.
	AuthorizationURL string `yaml:"authorization_url"`
	TokenURL         string `yaml:"token_url"`
	UserinfoURL      string `yaml:"userinfo_url"`
	// JWKSURL is the id_token key set.
	JWKSURL string `yaml:"jwks_url"`
	// IDToken makes the profile the id_token's claims; nil means true when
	// the scope holds "openid", as NextAuth infers it.
	IDToken *bool `yaml:"id_token"`
	// IDTokenSigningAlg is the one id_token alg accepted; default RS256.
	IDTokenSigningAlg string `yaml:"id_token_signing_alg"`
	// Profile says where the user's fields are in the profile; nil means
	// sub (or id), name, email and picture (or image).
	Profile *ProfileMap `yaml:"profile"`
}

// OIDC is a provider of type oidc: OpenID Connect with discovery, the
// profile taken from the id_token.
type OIDC struct {
	OAuthClient `yaml:",inline"`
	// WellKnown is the discovery URL; default
	// {issuer}/.well-known/openid-configuration.
	WellKnown string `yaml:"well_known"`
	// IDTokenSigningAlg is the one id_token alg accepted; default RS256.
	IDTokenSigningAlg string `yaml:"id_token_signing_alg"`
	// Profile says where the user's fields are in the id_token's claims;
	// nil means [provider.OIDC]'s mapping: sub, name (else nickname, else
	// preferred_username), email and picture.
	Profile *ProfileMap `yaml:"profile"`
}

// Preset is a provider whose type is a built-in preset id (github,
// google, keycloak, …; [provider.PresetIDs]): the preset's endpoints,
// checks and profile, with these keys merged over them
// ([provider.FromPreset]).
type Preset struct {
	OAuthClient `yaml:",inline"`
	// TenantID is the tenant of azure-ad, azure-ad-b2c and fusionauth.
	TenantID string `yaml:"tenant_id"`
	// PrimaryUserFlow is the user flow of azure-ad-b2c.
	PrimaryUserFlow string `yaml:"primary_user_flow"`
	// Profile maps more profile claims into the session (any key beyond
	// id, name, email and image) and may replace the preset's mapping of
	// those four.
	Profile *ProfileMap `yaml:"profile"`
}

// Style is the style key of OAuth providers: the sign-in button's colours
// (CSS colours), merged over the preset's.
type Style struct {
	Bg       string `yaml:"bg"`
	Text     string `yaml:"text"`
	BgDark   string `yaml:"bg_dark"`
	TextDark string `yaml:"text_dark"`
}

// Params are parameter names and values, in the file's order (a mapping
// in YAML). A value may be any scalar: 0 and true are sent as written.
type Params [][2]string

func (p *Params) decodeNode(d *decoder, n *yaml.Node, path string) {
	*p = nil
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of parameter names to values, got %s", describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) || k.Value == "" {
			d.fail(k, path, "a parameter name must be a plain name, got %s", describe(k))
			continue
		}
		key := joinKey(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.fail(k, key, "repeated key (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		d.lines[key] = k.Line
		value := ""
		switch {
		case isNull(val):
		case val.Kind == yaml.ScalarNode:
			value = val.Value
		default:
			d.fail(val, key, "want a string, got %s", describe(val))
			continue
		}
		*p = append(*p, [2]string{k.Value, value})
	}
}

// Token endpoint authentication methods and id_token algorithms accepted.
var (
	authMethods = []string{provider.AuthClientSecretBasic, provider.AuthClientSecretPost, provider.AuthNone}
	signingAlgs = []string{
		"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "EdDSA",
	}
)

// oauthClient checks the keys every OAuth type has and fills in what
// they set of an [provider.OAuthConfig]. defaultMethod is the type's
// token_endpoint_auth_method when the key is not set; base is its button
// style.
func (v *validator) oauthClient(path, id string, c *OAuthClient, defaultMethod string, base *nextauth.ProviderStyle) provider.OAuthConfig {
	cfg := provider.OAuthConfig{
		ID:                                id,
		Name:                              c.Name,
		ClientID:                          c.ClientID,
		ClientSecret:                      c.ClientSecret,
		Issuer:                            c.Issuer,
		Scope:                             c.Scope,
		AuthorizationParamList:            slices.Clone([][2]string(c.AuthorizationParams)),
		Checks:                            slices.Clone(c.Checks),
		TokenEndpointAuthMethod:           c.TokenEndpointAuthMethod,
		AllowDangerousEmailAccountLinking: c.AllowDangerousEmailAccountLinking,
		Timeout:                           v.age(path+".timeout", c.Timeout),
		Style:                             v.style(path+".style", c.Style, base),
		HTTPClient:                        v.f.HTTPClient,
	}
	if c.ClientID == "" {
		v.addf(path+".client_id", "missing: the client id the authorization server gave this app")
	}
	method := cmp.Or(c.TokenEndpointAuthMethod, defaultMethod, provider.AuthClientSecretBasic)
	switch {
	case !slices.Contains(authMethods, method):
		v.addf(path+".token_endpoint_auth_method", "%q: want %s", method, strings.Join(authMethods, ", "))
	case method != provider.AuthNone && c.ClientSecret == "":
		v.addf(path+".client_secret", "missing (a public client without a secret sets token_endpoint_auth_method: none and checks: [pkce, state])")
	}
	if c.Issuer != "" {
		if err := checkHTTPURL(c.Issuer); err != nil {
			v.add(path+".issuer", err)
		}
	}
	for _, kv := range c.AuthorizationParams {
		if kv[0] == "scope" && c.Scope != "" {
			v.addf(path+".authorization_params.scope", "scope is set twice; keep the scope key")
		}
	}
	v.checks(path+".checks", c.Checks)
	return cfg
}

// checks checks a checks list: pkce, state and nonce, each once, or none
// alone.
func (v *validator) checks(path string, checks []string) {
	seen := map[string]bool{}
	for i, c := range checks {
		key := fmt.Sprintf("%s[%d]", path, i)
		switch c {
		case nextauth.CheckPKCE, nextauth.CheckState, nextauth.CheckNonce:
		case "none":
			if len(checks) > 1 {
				v.addf(key, "none must be the only check")
				continue
			}
		default:
			v.addf(key, "%q: want pkce, state, nonce, or none alone", c)
			continue
		}
		if seen[c] {
			v.addf(key, "%q is listed twice", c)
		}
		seen[c] = true
	}
}

// style checks s's colours and merges them over base.
func (v *validator) style(path string, s *Style, base *nextauth.ProviderStyle) *nextauth.ProviderStyle {
	if s == nil {
		if base == nil {
			return nil
		}
		out := *base
		return &out
	}
	var out nextauth.ProviderStyle
	if base != nil {
		out = *base
	}
	for _, c := range [...]struct {
		key, value string
		dst        *string
	}{
		{"bg", s.Bg, &out.Bg}, {"text", s.Text, &out.Text}, {"bg_dark", s.BgDark, &out.BgDark}, {"text_dark", s.TextDark, &out.TextDark},
	} {
		if c.value == "" {
			continue
		}
		if !pages.ValidColor(c.value) {
			v.addf(path+"."+c.key, "%q is not a CSS colour (e.g. #24292f, rgb(36 41 47) or black)", c.value)
			continue
		}
		*c.dst = c.value
	}
	return &out
}

// idTokenAlg checks id_token_signing_alg.
func (v *validator) idTokenAlg(path, alg string) {
	if alg != "" && !slices.Contains(signingAlgs, alg) {
		v.addf(path, "%q: want one of %s", alg, strings.Join(signingAlgs, ", "))
	}
}

// url checks an optional absolute http(s) URL.
func (v *validator) url(path, u string) {
	if u == "" {
		return
	}
	if err := checkHTTPURL(u); err != nil {
		v.add(path, err)
	}
}

// oidc checks and builds a provider of type oidc; nil when it has
// problems.
func (v *validator) oidc(path, id string, o *OIDC) nextauth.Provider {
	before := len(v.problems)
	cfg := v.oauthClient(path, id, &o.OAuthClient, "", nil)
	cfg.WellKnown = o.WellKnown
	cfg.IDTokenSigningAlg = o.IDTokenSigningAlg
	if o.Issuer == "" && o.WellKnown == "" {
		v.addf(path+".issuer", "missing: an oidc provider needs issuer (its discovery document is {issuer}/.well-known/openid-configuration) or well_known")
	}
	v.url(path+".well_known", o.WellKnown)
	v.idTokenAlg(path+".id_token_signing_alg", o.IDTokenSigningAlg)
	if o.Profile != nil {
		v.profile(path+".profile", o.Profile)
		if o.Profile.mapsFields() {
			cfg.Profile = o.Profile.Profile
		}
		cfg.ProfileClaims = o.Profile.Claims
	}
	if len(v.problems) > before {
		return nil
	}
	v.built[id] = builtOAuth{Type: TypeOIDC, Config: cfg, Profile: o.Profile}
	return provider.OIDC(cfg)
}

// oauth checks and builds a provider of type oauth; nil when it has
// problems.
func (v *validator) oauth(path, id string, o *OAuth) nextauth.Provider {
	before := len(v.problems)
	cfg := v.oauthClient(path, id, &o.OAuthClient, "", nil)
	cfg.AuthorizationURL, cfg.TokenURL, cfg.UserinfoURL, cfg.JWKSURL = o.AuthorizationURL, o.TokenURL, o.UserinfoURL, o.JWKSURL
	cfg.IDToken = o.IDToken
	cfg.IDTokenSigningAlg = o.IDTokenSigningAlg
	for _, u := range [...]struct{ key, value string }{
		{"authorization_url", o.AuthorizationURL}, {"token_url", o.TokenURL},
	} {
		if u.value == "" {
			v.addf(path+"."+u.key, "missing: an oauth provider needs authorization_url and token_url (for discovery, use type: oidc)")
		}
	}
	for _, u := range [...]struct{ key, value string }{
		{"authorization_url", o.AuthorizationURL}, {"token_url", o.TokenURL},
		{"userinfo_url", o.UserinfoURL}, {"jwks_url", o.JWKSURL},
	} {
		v.url(path+"."+u.key, u.value)
	}
	v.idTokenAlg(path+".id_token_signing_alg", o.IDTokenSigningAlg)
	if idTokenFlow(o) {
		if o.Issuer == "" {
			v.addf(path+".issuer", "missing: the id_token flow checks the id_token's iss against issuer")
		}
		if o.JWKSURL == "" && !strings.HasPrefix(o.IDTokenSigningAlg, "HS") {
			v.addf(path+".jwks_url", "missing: the id_token flow needs the key set the id_token is signed with (or id_token_signing_alg HS256, keyed by the client secret)")
		}
	} else if o.UserinfoURL == "" {
		v.addf(path+".userinfo_url", "missing: the profile comes from userinfo_url unless id_token: true")
	}
	if o.Profile != nil {
		v.profile(path+".profile", o.Profile)
		if o.Profile.mapsFields() {
			cfg.Profile = o.Profile.Profile
		}
		cfg.ProfileClaims = o.Profile.Claims
	}
	if len(v.problems) > before {
		return nil
	}
	v.built[id] = builtOAuth{Type: TypeOAuth, Config: cfg, Profile: o.Profile}
	return provider.OAuth(cfg)
}

// idTokenFlow reports whether an oauth provider takes the profile from
// the id_token: id_token, else (as [provider.OAuth] infers it) whether
// the configured scope mentions openid: the scope key, else the last
// scope of authorization_params, else that of authorization_url's query.
func idTokenFlow(o *OAuth) bool {
	if o.IDToken != nil {
		return *o.IDToken
	}
	scope, set := o.Scope, o.Scope != ""
	for _, kv := range o.AuthorizationParams {
		if kv[0] == "scope" && !set {
			scope, set = kv[1], true
		}
	}
	if u, err := url.Parse(o.AuthorizationURL); err == nil && !set {
		if s := u.Query()["scope"]; len(s) > 0 {
			scope = s[len(s)-1]
		}
	}
	return strings.Contains(scope, "openid")
}

// preset checks and builds a provider whose type is a preset id; nil
// when it has problems.
func (v *validator) preset(path, typ, id string, p *Preset) nextauth.Provider {
	info, _ := provider.Preset(typ)
	before := len(v.problems)
	cfg := v.oauthClient(path, id, &p.OAuthClient, info.TokenEndpointAuthMethod, info.Style)
	for _, k := range [...]struct{ key, value, suffix string }{
		{"tenant_id", p.TenantID, envTenantID}, {"primary_user_flow", p.PrimaryUserFlow, envPrimaryUserFlow},
	} {
		if k.value != "" && !presetReads(typ, k.suffix) {
			v.addf(path+"."+k.key, "the %s preset has no %s", typ, k.key)
		}
	}
	if p.Profile != nil {
		v.profile(path+".profile", p.Profile)
	}
	if len(v.problems) > before {
		return nil
	}
	timeout := cfg.Timeout
	var params map[string]string
	if len(p.AuthorizationParams) > 0 {
		params = make(map[string]string, len(p.AuthorizationParams))
		for _, kv := range p.AuthorizationParams {
			params[kv[0]] = kv[1]
		}
	}
	built, err := provider.FromPreset(typ, provider.PresetOptions{
		ID:                                p.ID,
		Name:                              p.Name,
		ClientID:                          p.ClientID,
		ClientSecret:                      p.ClientSecret,
		Issuer:                            p.Issuer,
		TenantID:                          p.TenantID,
		PrimaryUserFlow:                   p.PrimaryUserFlow,
		Scope:                             p.Scope,
		AuthorizationParams:               params,
		Checks:                            cfg.Checks,
		TokenEndpointAuthMethod:           p.TokenEndpointAuthMethod,
		Style:                             cfg.Style,
		AllowDangerousEmailAccountLinking: p.AllowDangerousEmailAccountLinking,
		HTTPClient:                        v.f.HTTPClient,
		Configure: func(c *provider.OAuthConfig) {
			if timeout != 0 {
				c.Timeout = timeout
			}
			if p.Profile != nil {
				if p.Profile.mapsFields() {
					c.Profile = p.Profile.Profile
				}
				c.ProfileClaims = p.Profile.Claims
			}
			v.built[id] = builtOAuth{Type: typ, Config: *c, Profile: p.Profile}
		},
	})
	if err != nil {
		v.presetError(typ, err, func(option string, err error) {
			if key := optionKey(option); key != "" {
				v.add(path+"."+key, err)
			} else {
				v.add(path, err)
			}
		})
		return nil
	}
	return built
}

// Environment variable suffixes of preset options (AUTH_<ID>_<suffix>).
const (
	envClientID        = "ID"
	envClientSecret    = "SECRET"
	envIssuer          = "ISSUER"
	envTenantID        = "TENANT_ID"
	envPrimaryUserFlow = "PRIMARY_USER_FLOW"
)

// optionKey is the key of a [provider.PresetOptions] field; "" for
// others.
func optionKey(option string) string {
	switch option {
	case "ClientID":
		return "client_id"
	case "ClientSecret":
		return "client_secret"
	case "Issuer":
		return "issuer"
	case "TenantID":
		return "tenant_id"
	case "PrimaryUserFlow":
		return "primary_user_flow"
	}
	return ""
}

// optionEnvSuffix is the variable suffix of a [provider.PresetOptions]
// field; "" for others.
func optionEnvSuffix(option string) string {
	switch option {
	case "ClientID":
		return envClientID
	case "ClientSecret":
		return envClientSecret
	case "Issuer":
		return envIssuer
	case "TenantID":
		return envTenantID
	case "PrimaryUserFlow":
		return envPrimaryUserFlow
	}
	return ""
}

// presetError splits what [provider.FromPreset] reports into one report
// per problem: each missing option (option set) or another error (option
// ""). When azure-ad-b2c lacks its issuer, which tenant_id and
// primary_user_flow can stand for, that is one report on Issuer.
func (v *validator) presetError(typ string, err error, report func(option string, err error)) {
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = flatten(joined.Unwrap())
	} else {
		errs = []error{err}
	}
	var missing []string
	for _, e := range errs {
		var m *provider.MissingOptionError
		if errors.As(e, &m) {
			missing = append(missing, m.Option)
			continue
		}
		report("", errors.New(strings.TrimPrefix(strings.TrimPrefix(e.Error(), "provider: "), "preset "+typ+": ")))
	}
	if slices.Contains(missing, "PrimaryUserFlow") && slices.Contains(missing, "Issuer") {
		report("Issuer", fmt.Errorf("missing: the %s preset needs issuer, or tenant_id and primary_user_flow", typ))
		missing = slices.DeleteFunc(missing, func(o string) bool { return o == "Issuer" || o == "TenantID" || o == "PrimaryUserFlow" })
	}
	for _, o := range missing {
		report(o, fmt.Errorf("missing: the %s preset needs it", typ))
	}
}

// flatten expands joined errors inside errs.
func flatten(errs []error) []error {
	var out []error
	for _, e := range errs {
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			out = append(out, flatten(joined.Unwrap())...)
			continue
		}
		out = append(out, e)
	}
	return out
}

// presetReads reports whether preset id takes the option read from
// AUTH_<ID>_<suffix>: [provider.PresetsFromEnv] reads TENANT_ID and
// PRIMARY_USER_FLOW only for the presets that use them.
func presetReads(id, suffix string) bool {
	vars := map[string]bool{provider.PresetEnvVar(id, envClientID): true, provider.PresetEnvVar(id, suffix): true}
	for _, e := range provider.PresetsFromEnv(func(name string) string {
		if vars[name] {
			return "x"
		}
		return ""
	}) {
		if e.Preset == id {
			return e.Options.TenantID != "" || e.Options.PrimaryUserFlow != ""
		}
	}
	return false
}

// builtOAuth is an OAuth provider as built, for tests and golden files.
type builtOAuth struct {
	// Type is the config type: oauth, oidc or the preset id.
	Type string
	// Config is what the provider was built with.
	Config provider.OAuthConfig
	// Profile is the profile key (oauth and oidc).
	Profile *ProfileMap
}
