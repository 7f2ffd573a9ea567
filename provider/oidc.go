package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/nextauth-go/nextauth"
)

// OIDC returns an OpenID Connect provider: [OAuth] with IDToken defaulting
// to true even without discovery (hand-configured endpoints plus JWKSURL,
// or an HS* IDTokenSigningAlg). With only Issuer set, the discovery
// document is read from {Issuer}/.well-known/openid-configuration.
//
// Its defaults are Auth.js v5's for type "oidc" (oidc_defaults.go), so
// that Issuer, ClientID and ClientSecret are enough for a real OpenID
// Provider to release the user's e-mail address and name:
//   - Scope: DefaultOIDCScope, "openid profile email";
//   - Checks: ["pkce", "state"] (PKCE with S256; nonce when configured);
//   - Profile: sub (or id) → ID, the first non-empty of name, nickname and
//     preferred_username → Name, email → Email, picture → Image;
//   - with that Profile, an id_token that has neither e-mail nor name
//     (nor nickname nor preferred_username) is completed with the
//     userinfo answer (OpenID Connect Core §5.4), when its sub matches.
//
// A sign-in whose user still has neither e-mail nor name succeeds, and is
// logged as a warning (code OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME) naming the
// provider and the scope sent, through [nextauth.CallbackRequest.Logger].
// Each field set explicitly replaces its default.
func OIDC(cfg OAuthConfig) nextauth.Provider {
	return newOAuth(cfg, true)
}

// oidcClockTolerance is openid-client's tolerance for exp and nbf
// (docs/compatibility.md#id-token-validation).
const oidcClockTolerance = 10

// oidcMicrosoftMultiTenant are the discovery URLs whose issuer holds a
// {tenantid} placeholder filled from the id_token's tid (openid-client's AAD
// multi-tenant rule, docs/compatibility.md#issuer-client-and-http).
var oidcMicrosoftMultiTenant = [...]string{
	"https://login.microsoftonline.com/common/.well-known/openid-configuration",
	"https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
	"https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
	"https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration",
}

// oauthMetadata is what openid-client's Issuer holds: endpoints, issuer
// and key set, discovered or configured.
type oauthMetadata struct {
	issuer                string
	authorizationEndpoint string
	tokenEndpoint         string
	userinfoEndpoint      string
	jwksURI               string
	// authMethods is token_endpoint_auth_methods_supported; nil when not
	// advertised.
	authMethods []string
	// issParameterSupported is
	// authorization_response_iss_parameter_supported (RFC 9207).
	issParameterSupported bool
	// microsoftTenant: the expected issuer's {tenantid} is the id_token's
	// tid.
	microsoftTenant bool
	// keys verifies RS/ES/PS/EdDSA id_tokens; nil without a jwks_uri.
	keys oidc.KeySet
}

// oidcDiscovery caches a provider's discovery document. One fetch serves
// every request that needs it meanwhile; the document is fetched again
// after the TTL. A failed fetch is not cached.
type oidcDiscovery struct {
	p               *oauthProvider
	url             string
	microsoftTenant bool

	mu      sync.Mutex
	meta    *oauthMetadata
	expires time.Time
	call    *oidcDiscoveryCall

	// loaded counts the documents loaded, for [oauthProvider.Discoveries];
	// it is incremented with mu held, after meta is set.
	loaded atomic.Uint64
}

// oidcDiscoveryCall is a fetch in flight; done is closed when meta and err
// are set.
type oidcDiscoveryCall struct {
	done chan struct{}
	meta *oauthMetadata
	err  error
}

// newOIDCDiscovery resolves the discovery URL as openid-client does: used
// verbatim when its path holds "/.well-known/", else with
// "/.well-known/openid-configuration" appended to the path.
func newOIDCDiscovery(p *oauthProvider, wellKnown string) (*oidcDiscovery, error) {
	u, err := parseOAuthURL(wellKnown)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(u.path, "/.well-known/") {
		u.path = strings.TrimSuffix(u.path, "/") + "/.well-known/openid-configuration"
	}
	resolved := u.withQuery(u.query)
	d := &oidcDiscovery{p: p, url: resolved}
	for _, prefix := range oidcMicrosoftMultiTenant {
		if strings.HasPrefix(resolved, prefix) {
			d.microsoftTenant = true
		}
	}
	return d, nil
}

// get returns the cached document or waits for a fetch (its own or one
// already in flight). ctx only bounds the wait: the fetch itself runs to
// completion (bounded by the client timeout) so that the other waiters get
// its result.
func (d *oidcDiscovery) get(ctx context.Context) (*oauthMetadata, error) {
	d.mu.Lock()
	if d.meta != nil && d.p.cfg.Now().Before(d.expires) {
		m := d.meta
		d.mu.Unlock()
		return m, nil
	}
	call := d.call
	if call == nil {
		call = &oidcDiscoveryCall{done: make(chan struct{})}
		d.call = call
		prev := d.meta
		go d.fetch(context.WithoutCancel(ctx), call, prev)
	}
	d.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("provider: %s: discovery: %w", d.p.cfg.ID, ctx.Err())
	case <-call.done:
		return call.meta, call.err
	}
}

func (d *oidcDiscovery) fetch(ctx context.Context, call *oidcDiscoveryCall, prev *oauthMetadata) {
	meta, err := d.load(ctx, prev)
	d.mu.Lock()
	if err == nil {
		d.meta = meta
		d.expires = d.p.cfg.Now().Add(d.p.ttl)
		d.loaded.Add(1)
	}
	d.call = nil
	d.mu.Unlock()
	call.meta, call.err = meta, err
	close(call.done)
}

// oidcDocument is the part of a discovery document we read.
type oidcDocument struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
}

// load fetches and parses the document: GET, Accept: application/json,
// 200 and a JSON object required. A key set whose jwks_uri did not change
// is kept, with the keys it has already fetched.
func (d *oidcDiscovery) load(ctx context.Context, prev *oauthMetadata) (*oauthMetadata, error) {
	id := d.p.cfg.ID
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return nil, fmt.Errorf("provider: %s: discovery: %w", id, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := d.p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("provider: %s: discovery: %w", id, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxOAuthBody))
	if err != nil {
		return nil, fmt.Errorf("provider: %s: discovery: %w", id, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("provider: %s: discovery: expected 200 OK, got: %s", id, res.Status)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("provider: %s: discovery: answer is not a JSON object", id)
	}
	var doc oidcDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("provider: %s: discovery: %w", id, err)
	}
	m := &oauthMetadata{
		issuer:                doc.Issuer,
		authorizationEndpoint: doc.AuthorizationEndpoint,
		tokenEndpoint:         doc.TokenEndpoint,
		userinfoEndpoint:      doc.UserinfoEndpoint,
		jwksURI:               doc.JWKSURI,
		authMethods:           doc.TokenEndpointAuthMethodsSupported,
		issParameterSupported: doc.IssParameterSupported,
		microsoftTenant:       d.microsoftTenant,
	}
	if m.authMethods == nil {
		// openid-client's default under the discovered metadata.
		m.authMethods = []string{AuthClientSecretBasic}
	}
	if m.jwksURI != "" {
		if prev != nil && prev.jwksURI == m.jwksURI {
			m.keys = prev.keys
		} else {
			m.keys = oidcRemoteKeys(d.p.client, m.jwksURI, d.p.cfg.Now)
		}
	}
	return m, nil
}

// oidcKeyRefetchInterval is the least time between two fetches of a
// provider's key set (docs/compatibility.md#issuer-client-and-http).
const oidcKeyRefetchInterval = 30 * time.Second

// oidcRemoteKeys is go-oidc's remote key set: keys are cached and fetched
// again when a token names a key id that is not in the cache (key
// rotation), or whose signature the cached keys do not verify. Its
// requests use client (and so its timeout) through oidcKeyThrottle, so
// that the key set is fetched at most once per oidcKeyRefetchInterval
// whatever tokens arrive: a forged id_token costs no outbound request, and
// a real rotation is followed within the interval.
func oidcRemoteKeys(client *http.Client, jwksURI string, now func() time.Time) oidc.KeySet {
	throttled := *client
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	throttled.Transport = &oidcKeyThrottle{next: next, now: now, interval: oidcKeyRefetchInterval}
	return oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), &throttled), jwksURI)
}

// errKeysThrottled refuses a key-set fetch within oidcKeyRefetchInterval of
// the previous one.
var errKeysThrottled = errors.New("provider: key set fetched less than 30s ago; not fetched again yet")

// oidcKeyThrottle lets one request through per interval, the first at once;
// the others fail with errKeysThrottled without reaching the network. The
// key set's client does not follow redirects, so one fetch is one request.
// A failed fetch counts too: a provider that is down is not asked again at
// every callback.
type oidcKeyThrottle struct {
	next     http.RoundTripper
	now      func() time.Time
	interval time.Duration

	mu   sync.Mutex
	last time.Time // when the last request went out; zero before the first
}

// RoundTrip implements http.RoundTripper.
func (t *oidcKeyThrottle) RoundTrip(r *http.Request) (*http.Response, error) {
	now := t.now()
	t.mu.Lock()
	// A clock set back (since < 0) does not hold fetches back until it
	// catches up.
	if since := now.Sub(t.last); !t.last.IsZero() && since >= 0 && since < t.interval {
		t.mu.Unlock()
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, errKeysThrottled
	}
	t.last = now
	t.mu.Unlock()
	return t.next.RoundTrip(r)
}

// tokenAuthMethod is the client authentication to use with m: the configured
// one, else client_secret_basic, switched to client_secret_post when the
// server advertises post but not basic
// (docs/compatibility.md#issuer-client-and-http).
func (p *oauthProvider) tokenAuthMethod(m *oauthMetadata) string {
	if p.authMethod != "" {
		return p.authMethod
	}
	if m.authMethods != nil && !slices.Contains(m.authMethods, AuthClientSecretBasic) &&
		slices.Contains(m.authMethods, AuthClientSecretPost) {
		return AuthClientSecretPost
	}
	return AuthClientSecretBasic
}

// oidcHashFor is the hash of a JWS algorithm (the at_hash, c_hash and
// s_hash size); nil for algorithms we do not accept.
func oidcHashFor(alg string) func() hash.Hash {
	switch alg {
	case "RS256", "PS256", "ES256", "HS256":
		return sha256.New
	case "RS384", "PS384", "ES384", "HS384":
		return sha512.New384
	case "RS512", "PS512", "ES512", "HS512", "EdDSA":
		return sha512.New
	}
	return nil
}

// oidcIDTokenCheck is what an id_token is checked against.
type oidcIDTokenCheck struct {
	// nonce is the nonce check's value ("" when the check is off).
	nonce string
	// skipNonce: no nonce rule at all (refreshed id_tokens).
	skipNonce bool
	// accessToken, code and state are the values whose hashes the token
	// may carry (at_hash, c_hash, s_hash).
	accessToken, code, state string
}

// verifyIDToken validates an id_token as openid-client's validateIdToken does
// (docs/compatibility.md#id-token-validation) and returns its claims: go-oidc
// checks the signature with exactly the configured alg (HS* keyed by the
// client secret) and the audience; the issuer ({tenantid} substituted for
// Microsoft multi-tenant discovery), required claims, times with 10 s
// tolerance, azp, nonce and the hash claims are checked here.
func (p *oauthProvider) verifyIDToken(ctx context.Context, m *oauthMetadata, raw string, want oidcIDTokenCheck) (map[string]any, error) {
	keys := m.keys
	if strings.HasPrefix(p.alg, "HS") {
		keys = oidcHMACKeys{secret: []byte(p.cfg.ClientSecret), alg: p.alg}
	}
	if keys == nil {
		return nil, errors.New("no jwks_uri to verify the id_token with")
	}
	verifier := oidc.NewVerifier(m.issuer, keys, &oidc.Config{
		ClientID:             p.cfg.ClientID,
		SupportedSigningAlgs: []string{p.alg},
		// Expiry and issuer are checked below with openid-client's rules
		// (10 s tolerance both ways; Microsoft's {tenantid}).
		SkipExpiryCheck: true,
		SkipIssuerCheck: true,
	})
	tok, err := verifier.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		return nil, fmt.Errorf("id_token: %w", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("id_token: %w", err)
	}
	now := p.cfg.Now()
	if err := oidcCheckClaims(claims, m, p.cfg.ClientID, now.Unix(), want, p.alg); err != nil {
		return nil, fmt.Errorf("id_token: %w", err)
	}
	return claims, nil
}

// oidcCheckClaims applies the claim rules go-oidc leaves to its caller.
// now is in Unix seconds.
func oidcCheckClaims(claims map[string]any, m *oauthMetadata, clientID string, now int64, want oidcIDTokenCheck, alg string) error {
	for _, name := range [...]string{"iss", "sub", "aud", "exp", "iat"} {
		if _, ok := claims[name]; !ok {
			return fmt.Errorf("missing required JWT property %s", name)
		}
	}
	iss, ok := claims["iss"].(string)
	if !ok {
		return errors.New("JWT iss claim must be a string")
	}
	if _, ok := claims["sub"].(string); !ok {
		return errors.New("JWT sub claim must be a string")
	}
	expected := m.issuer
	if expected == "" {
		return errors.New("issuer must be configured to validate the id_token")
	}
	if m.microsoftTenant {
		if tid, ok := claims["tid"].(string); ok {
			expected = strings.Replace(expected, "{tenantid}", tid, 1)
		}
	}
	if iss != expected {
		return fmt.Errorf("unexpected iss value, expected %s, got: %s", expected, iss)
	}

	var times [3]float64 // exp, iat, nbf
	for i, name := range [...]string{"exp", "iat", "nbf"} {
		v, present := claims[name]
		if !present {
			continue
		}
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("JWT %s claim must be a JSON numeric value", name)
		}
		times[i] = f
	}
	if times[0] <= float64(now-oidcClockTolerance) {
		return fmt.Errorf("JWT expired, now %d, exp %v", now, times[0])
	}
	if _, present := claims["nbf"]; present && times[2] > float64(now+oidcClockTolerance) {
		return fmt.Errorf("JWT not active yet, now %d, nbf %v", now, times[2])
	}

	var aud []string
	switch v := claims["aud"].(type) {
	case string:
		aud = []string{v}
	case []any:
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return errors.New("JWT aud claim must be a string or an array of strings")
			}
			aud = append(aud, s)
		}
	default:
		return errors.New("JWT aud claim must be a string or an array of strings")
	}
	if !slices.Contains(aud, clientID) {
		return fmt.Errorf("aud is missing the client_id, expected %s to be included in %v", clientID, aud)
	}
	azp, hasAzp := claims["azp"]
	if hasAzp && azp != clientID {
		return fmt.Errorf("azp mismatch, got: %v", azp)
	}
	if len(aud) > 1 && !hasAzp {
		return errors.New("missing required JWT property azp")
	}

	nonce, hasNonce := claims["nonce"]
	if !want.skipNonce && (want.nonce != "" || hasNonce) {
		if s, _ := nonce.(string); !hasNonce || s != want.nonce {
			// Without the values: errors are logged, check values never
			// are (docs/compatibility.md#logging).
			return errors.New("nonce mismatch")
		}
	}

	for _, h := range []struct{ claim, value string }{
		{"at_hash", want.accessToken}, {"c_hash", want.code}, {"s_hash", want.state},
	} {
		v, present := claims[h.claim]
		if !present || h.value == "" {
			continue
		}
		s, _ := v.(string)
		if !oidcHashMatches(alg, h.value, s) {
			return fmt.Errorf("%s mismatch", h.claim)
		}
	}
	return nil
}

// oidcHashMatches checks an at_hash-style claim: base64url of the left
// half of the alg's hash of value.
func oidcHashMatches(alg, value, claim string) bool {
	newHash := oidcHashFor(alg)
	if newHash == nil {
		return false
	}
	h := newHash()
	h.Write([]byte(value))
	sum := h.Sum(nil)
	want := base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	return subtle.ConstantTimeCompare([]byte(want), []byte(claim)) == 1
}

// oidcHMACKeys verifies HS256/384/512 id_tokens with the client secret as
// key, as openid-client does. It checks the MAC itself because go-jose
// refuses secrets shorter than the hash, which providers such as LINE
// issue.
type oidcHMACKeys struct {
	secret []byte
	alg    string
}

// VerifySignature implements oidc.KeySet.
func (k oidcHMACKeys) VerifySignature(_ context.Context, jwt string) ([]byte, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, errors.New("id_token is not a compact JWS")
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("id_token header: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		return nil, fmt.Errorf("id_token header: %w", err)
	}
	if h.Alg != k.alg {
		return nil, fmt.Errorf("unexpected JWT alg received, expected %s, got: %s", k.alg, h.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("id_token signature: %w", err)
	}
	mac := hmac.New(oidcHashFor(k.alg), k.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(mac.Sum(nil), sig) {
		return nil, errors.New("failed to validate JWT signature")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("id_token payload: %w", err)
	}
	return payload, nil
}
