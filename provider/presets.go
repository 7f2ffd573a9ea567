package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// PresetKind says how a preset obtains the user's profile.
type PresetKind string

// Preset kinds. NextAuth v4 has no "oidc" provider type and calls both
// "oauth"; the difference is whether the id_token is validated and used as the
// profile.
const (
	// KindOAuth2 is the authorization-code flow followed by a userinfo
	// request.
	KindOAuth2 PresetKind = "oauth2"
	// KindOIDC validates the token response's id_token and takes the
	// profile from its claims (NextAuth's idToken: true).
	KindOIDC PresetKind = "oidc"
)

// ErrUnknownPreset is returned (wrapped) by [FromPreset] for an id that is
// not a built-in preset.
var ErrUnknownPreset = errors.New("provider: unknown preset")

// MissingOptionError reports a required [PresetOptions] field left empty.
type MissingOptionError struct {
	Preset string // the preset id
	Option string // the PresetOptions field: "ClientID", "ClientSecret", "Issuer", …
}

// Error names the option and the environment variable [FromEnv] reads it
// from.
func (e *MissingOptionError) Error() string {
	msg := "provider: preset " + e.Preset + ": " + e.Option + " is required"
	if suffix := presetEnvSuffix(e.Option); suffix != "" {
		msg += " (env " + PresetEnvVar(e.Preset, suffix) + ")"
	}
	return msg
}

// presetEnvSuffix maps an option to its AUTH_<ID>_<suffix> variable.
func presetEnvSuffix(option string) string {
	switch option {
	case "ClientID":
		return "ID"
	case "ClientSecret":
		return "SECRET"
	case "Issuer":
		return "ISSUER"
	case "TenantID":
		return "TENANT_ID"
	case "PrimaryUserFlow":
		return "PRIMARY_USER_FLOW"
	}
	return ""
}

// PresetInfo describes a built-in provider preset: NextAuth 4.24.15's
// providers/<id> defaults (docs/compatibility.md#presets). URLs and parameter
// values may hold placeholders that [FromPreset] fills in: {issuer} (the
// Issuer option without a trailing "/"), {tenant_id} and {client_id}.
type PresetInfo struct {
	// ID is the provider id, the URL segment of /signin/{id} and
	// /callback/{id}.
	ID string
	// Name is the display name on the sign-in page.
	Name string
	// Kind is how the profile is obtained.
	Kind PresetKind
	// Issuer is the expected issuer (id_token iss, RFC 9207 callback iss)
	// when the preset fixes one and does not use discovery.
	Issuer string
	// WellKnown is the OpenID Connect discovery URL; when set the endpoints
	// come from discovery and the URL fields below are empty.
	WellKnown string
	// AuthorizationURL, TokenURL, UserinfoURL and JWKSURL are the
	// endpoints of presets without discovery. UserinfoURL keeps any query
	// the userinfo request sends.
	AuthorizationURL, TokenURL, UserinfoURL, JWKSURL string
	// AuthorizationParams are the extra authorization-request parameters
	// in order, "scope" included when the preset configures one. Without a
	// scope, "openid" is sent, as NextAuth does
	// (docs/compatibility.md#authorization-request).
	AuthorizationParams [][2]string
	// Checks are the CSRF/replay checks: any of "state", "pkce", "nonce";
	// "none" alone means no check.
	Checks []string
	// TokenEndpointAuthMethod is the client authentication the preset
	// sets; empty means client_secret_basic, which may switch to
	// client_secret_post per discovery
	// (docs/compatibility.md#issuer-client-and-http).
	TokenEndpointAuthMethod string
	// IDTokenSigningAlg is the required id_token alg; empty means RS256.
	IDTokenSigningAlg string
	// TokenParams are extra token-request body fields (Twitter's
	// client_id).
	TokenParams [][2]string
	// Required names the [PresetOptions] fields that must be set.
	Required []string
	// Style is the sign-in button's look; nil means a plain button. Logos
	// are left empty: no third-party images are served.
	Style *nextauth.ProviderStyle
	// Notes are the preset's quirks, for documentation.
	Notes string
}

// Scope returns the preset's configured scope; ok is false when it
// configures none (so "openid" is sent).
func (p PresetInfo) Scope() (scope string, ok bool) {
	return presetParamValue(p.AuthorizationParams, "scope")
}

func presetParamValue(params [][2]string, key string) (string, bool) {
	for _, kv := range params {
		if kv[0] == key {
			return kv[1], true
		}
	}
	return "", false
}

// PresetOptions are a user's settings for a preset, merged over its defaults
// the way NextAuth merges provider options
// (docs/compatibility.md#provider-model): a field left at its zero value keeps
// the preset's value.
type PresetOptions struct {
	// ID replaces the provider id (to configure one preset twice).
	ID string
	// Name replaces the display name.
	Name string
	// ClientID and ClientSecret are the OAuth client's credentials. Both
	// are required; the secret may be empty only with
	// TokenEndpointAuthMethod "none".
	ClientID, ClientSecret string
	// Issuer fills {issuer}: required by the presets whose
	// [PresetInfo.Required] lists it (Auth0, Keycloak, Okta, Cognito,
	// FusionAuth, ZITADEL, Authentik, …); for the others it replaces the
	// expected issuer (e.g. GitHub Enterprise).
	Issuer string
	// TenantID fills {tenant_id}: the Microsoft Entra ID tenant (default
	// "common"), the Azure AD B2C tenant name, or the FusionAuth tenant.
	TenantID string
	// PrimaryUserFlow is the Azure AD B2C user flow (with TenantID, when
	// Issuer is not set).
	PrimaryUserFlow string
	// Scope replaces the preset's scope.
	Scope string
	// AuthorizationParams are merged into the preset's: a key the preset
	// has keeps its place with the new value, others follow in key order.
	AuthorizationParams map[string]string
	// Checks, when non-nil, replace the preset's checks.
	Checks []string
	// TokenEndpointAuthMethod replaces the preset's client
	// authentication (client_secret_basic, client_secret_post, none).
	TokenEndpointAuthMethod string
	// IDTokenSigningAlg replaces the required id_token alg.
	IDTokenSigningAlg string
	// Style replaces the button style.
	Style *nextauth.ProviderStyle
	// AllowDangerousEmailAccountLinking lets this provider sign in to an
	// existing user with the same e-mail
	// (docs/compatibility.md#account-linking).
	AllowDangerousEmailAccountLinking bool
	// Profile replaces the preset's profile mapping.
	Profile func(raw map[string]any, tokens Tokens) (nextauth.User, error)
	// HTTPClient sends the provider's requests; nil means
	// [OAuthConfig]'s default.
	HTTPClient *http.Client
	// Configure, when set, may change the final [OAuthConfig] before the
	// provider is built (timeouts, clock, anything not covered above).
	Configure func(*OAuthConfig)
}

// FromPreset returns the built-in preset id configured with opts: an
// [OAuth] provider with the preset's endpoints, parameters, checks and
// profile mapping, opts merged over them (see [PresetOptions]). Missing
// options are reported together, each as a [MissingOptionError]; an unknown
// id gives [ErrUnknownPreset].
func FromPreset(id string, opts PresetOptions) (nextauth.Provider, error) {
	cfg, err := presetConfig(id, opts)
	if err != nil {
		return nil, err
	}
	return OAuth(cfg), nil
}

// presetConfig is the [OAuthConfig] FromPreset builds.
func presetConfig(id string, opts PresetOptions) (OAuthConfig, error) {
	r, err := resolvePreset(id, opts)
	if err != nil {
		return OAuthConfig{}, err
	}
	info := r.info
	idToken := info.Kind == KindOIDC
	cfg := OAuthConfig{
		ID:                                info.ID,
		Name:                              info.Name,
		ClientID:                          opts.ClientID,
		ClientSecret:                      opts.ClientSecret,
		Issuer:                            info.Issuer,
		WellKnown:                         info.WellKnown,
		AuthorizationURL:                  info.AuthorizationURL,
		TokenURL:                          info.TokenURL,
		UserinfoURL:                       info.UserinfoURL,
		JWKSURL:                           info.JWKSURL,
		AuthorizationParamList:            info.AuthorizationParams,
		Checks:                            info.Checks,
		IDToken:                           &idToken,
		TokenEndpointAuthMethod:           info.TokenEndpointAuthMethod,
		IDTokenSigningAlg:                 info.IDTokenSigningAlg,
		Style:                             info.Style,
		AllowDangerousEmailAccountLinking: opts.AllowDangerousEmailAccountLinking,
		HTTPClient:                        opts.HTTPClient,
	}
	if len(info.TokenParams) > 0 {
		cfg.ExtraTokenParams = make(map[string]string, len(info.TokenParams))
		for _, kv := range info.TokenParams {
			cfg.ExtraTokenParams[kv[0]] = kv[1]
		}
	}
	if profile := r.profile; profile != nil {
		cfg.Profile = func(raw map[string]any, _ Tokens) (nextauth.User, error) { return profile(raw) }
	}
	if opts.Profile != nil {
		cfg.Profile = opts.Profile
	}
	if fetch := r.fetch; fetch != nil {
		cfg.UserinfoRequest = func(ctx context.Context, c *http.Client, t Tokens) (map[string]any, error) {
			return fetch(ctx, c, t.AccessToken)
		}
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	return cfg, nil
}

// GitHub returns the "github" preset ([FromPreset]). A configuration error
// (no ClientID or ClientSecret) is reported by the provider's Validate
// method, so [nextauth.New] returns it; call FromPreset to get it at once.
func GitHub(opts PresetOptions) nextauth.Provider { return presetOrError("github", opts) }

// Google returns the "google" preset ([FromPreset]); configuration errors
// are reported as by [GitHub].
func Google(opts PresetOptions) nextauth.Provider { return presetOrError("google", opts) }

func presetOrError(id string, opts PresetOptions) nextauth.Provider {
	p, err := FromPreset(id, opts)
	if err == nil {
		return p
	}
	info := nextauth.ProviderInfo{ID: id, Type: nextauth.TypeOAuth}
	if pi, ok := Preset(id); ok {
		info.Name, info.Style = pi.Name, pi.Style
	}
	if opts.ID != "" {
		info.ID = opts.ID
	}
	if opts.Name != "" {
		info.Name = opts.Name
	}
	return &presetError{info: info, err: err}
}

// presetError is a preset that could not be configured: its Validate
// returns err, so [nextauth.New] fails; used without New, it fails every
// sign-in with err.
type presetError struct {
	info nextauth.ProviderInfo
	err  error
}

var _ nextauth.OAuthProvider = (*presetError)(nil)

func (p *presetError) Info() nextauth.ProviderInfo { return p.info }
func (p *presetError) Checks() []string            { return []string{nextauth.CheckState} }
func (p *presetError) AuthorizationURL(context.Context, nextauth.AuthorizationRequest) (string, error) {
	return "", p.err
}
func (p *presetError) Exchange(context.Context, nextauth.CallbackRequest) (*nextauth.OAuthResult, error) {
	return nil, p.err
}
func (p *presetError) AllowDangerousEmailAccountLinking() bool { return false }

// PresetIDs returns the ids of every built-in preset, sorted.
func PresetIDs() []string {
	table := presetTable()
	ids := make([]string, len(table))
	for i, p := range table {
		ids[i] = p.id
	}
	sort.Strings(ids)
	return ids
}

// Preset returns the built-in preset id, its URLs still holding their
// placeholders.
func Preset(id string) (PresetInfo, bool) {
	p, ok := lookupPreset(id)
	if !ok {
		return PresetInfo{}, false
	}
	return p.info(), true
}

func lookupPreset(id string) (preset, bool) {
	for _, p := range presetTable() {
		if p.id == id {
			return p, true
		}
	}
	return preset{}, false
}

func (p preset) info() PresetInfo {
	info := PresetInfo{
		ID:                      p.id,
		Name:                    p.name,
		Kind:                    p.kind,
		Issuer:                  p.issuer,
		WellKnown:               p.wellKnown,
		AuthorizationURL:        p.authURL,
		TokenURL:                p.tokenURL,
		UserinfoURL:             p.userinfoURL,
		JWKSURL:                 p.jwksURL,
		AuthorizationParams:     slices.Clone(p.params),
		Checks:                  slices.Clone(p.checks),
		TokenEndpointAuthMethod: p.authMethod,
		IDTokenSigningAlg:       p.idTokenAlg,
		TokenParams:             slices.Clone(p.tokenParams),
		Required:                []string{"ClientID", "ClientSecret"},
		Notes:                   p.doc,
	}
	if info.Checks == nil {
		info.Checks = []string{"state"}
	}
	if p.needIssuer {
		info.Required = append(info.Required, "Issuer")
	}
	if p.style != nil {
		s := *p.style
		info.Style = &s
	}
	return info
}

// resolvedPreset is a preset with the user's options applied.
type resolvedPreset struct {
	info    PresetInfo // placeholders filled, options merged; ID is the final id
	profile presetProfile
	fetch   presetFetch // nil = userinfo GET (or id_token claims)
}

// resolvePreset merges opts over preset id and checks the required
// options, reporting every missing one.
func resolvePreset(id string, opts PresetOptions) (resolvedPreset, error) {
	p, ok := lookupPreset(id)
	if !ok {
		return resolvedPreset{}, fmt.Errorf("%w %q", ErrUnknownPreset, id)
	}
	info := p.info()
	if opts.TokenEndpointAuthMethod != "" {
		info.TokenEndpointAuthMethod = opts.TokenEndpointAuthMethod
	}
	var errs []error
	missing := func(option string) {
		errs = append(errs, &MissingOptionError{Preset: id, Option: option})
	}
	if opts.ClientID == "" {
		missing("ClientID")
	}
	if opts.ClientSecret == "" && info.TokenEndpointAuthMethod != AuthNone {
		missing("ClientSecret")
	}
	if p.needIssuer && opts.Issuer == "" {
		missing("Issuer")
	}
	if !p.tenant && opts.TenantID != "" {
		errs = append(errs, fmt.Errorf("provider: preset %s: TenantID is not used by this preset", id))
	}

	issuer := opts.Issuer
	if issuer == "" {
		issuer = p.defaultIssuer
	}
	tenant := opts.TenantID
	if tenant == "" {
		tenant = p.defaultTenant
	}
	fill := strings.NewReplacer(
		"{issuer}", strings.TrimRight(issuer, "/"),
		"{tenant_id}", tenant,
		"{client_id}", opts.ClientID,
	).Replace
	info.WellKnown = fill(info.WellKnown)
	info.AuthorizationURL = fill(info.AuthorizationURL)
	info.TokenURL = fill(info.TokenURL)
	info.UserinfoURL = fill(info.UserinfoURL)
	info.JWKSURL = fill(info.JWKSURL)
	for _, params := range [][][2]string{info.AuthorizationParams, info.TokenParams} {
		for i := range params {
			params[i][1] = fill(params[i][1])
		}
	}
	if p.adjust != nil {
		if err := p.adjust(&info, opts); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return resolvedPreset{}, err
	}

	if opts.ID != "" {
		info.ID = opts.ID
	}
	if opts.Name != "" {
		info.Name = opts.Name
	}
	if opts.Scope != "" {
		info.AuthorizationParams = presetSetParam(info.AuthorizationParams, "scope", opts.Scope)
	}
	keys := make([]string, 0, len(opts.AuthorizationParams))
	for k := range opts.AuthorizationParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		info.AuthorizationParams = presetSetParam(info.AuthorizationParams, k, opts.AuthorizationParams[k])
	}
	if opts.Checks != nil {
		info.Checks = slices.Clone(opts.Checks)
	}
	if opts.IDTokenSigningAlg != "" {
		info.IDTokenSigningAlg = opts.IDTokenSigningAlg
	}
	if opts.Style != nil {
		s := *opts.Style
		info.Style = &s
	}
	if opts.Issuer != "" {
		info.Issuer = opts.Issuer // NextAuth's merge: the user's issuer wins
	}
	r := resolvedPreset{info: info, profile: p.profile}
	if p.fetch != nil {
		r.fetch = p.fetch(r.info, opts)
	}
	return r, nil
}

// setParam sets key in params, in place when present, else at the end.
func presetSetParam(params [][2]string, key, value string) [][2]string {
	for i := range params {
		if params[i][0] == key {
			params[i][1] = value
			return params
		}
	}
	return append(params, [2]string{key, value})
}

// adjustAzureADB2C builds the B2C issuer from TenantID and PrimaryUserFlow
// when Issuer is not set.
func adjustAzureADB2C(p *PresetInfo, o PresetOptions) error {
	if o.Issuer != "" {
		return nil
	}
	var errs []error
	for _, f := range [...][2]string{{"TenantID", o.TenantID}, {"PrimaryUserFlow", o.PrimaryUserFlow}} {
		if f[1] == "" {
			errs = append(errs, &MissingOptionError{Preset: "azure-ad-b2c", Option: f[0]})
		}
	}
	if len(errs) > 0 {
		// Issuer alone would do too; name it first.
		return errors.Join(append([]error{&MissingOptionError{Preset: "azure-ad-b2c", Option: "Issuer"}}, errs...)...)
	}
	issuer := "https://" + o.TenantID + ".b2clogin.com/" + o.TenantID + ".onmicrosoft.com/" + o.PrimaryUserFlow + "/v2.0"
	p.WellKnown = issuer + "/.well-known/openid-configuration"
	return nil
}

// adjustFusionAuth adds the tenant to discovery and to the authorization
// request when TenantID is set.
func adjustFusionAuth(p *PresetInfo, o PresetOptions) error {
	if o.TenantID != "" {
		p.WellKnown += "?tenantId=" + o.TenantID
		p.AuthorizationParams = append(p.AuthorizationParams, [2]string{"tenantId", o.TenantID})
	}
	return nil
}
