package provider

// AuthorizationTargets is where a provider made by [OAuth], [OIDC] or a
// preset sends the browser to sign in, as far as it knows without a
// network request. A server that restricts where its pages' forms may lead
// (the binary's Content-Security-Policy form-action: a sign-in button
// POSTs to /signin/:id, which redirects to the authorization endpoint)
// builds that list from it.
//
// A provider returned by this package has two methods for it, outside
// [nextauth.OAuthProvider]; find them with a type assertion:
//
//	type targeted interface {
//		AuthorizationTargets() provider.AuthorizationTargets
//		Discoveries() uint64
//	}
//
// AuthorizationTargets returns the targets now. Discoveries counts the
// discovery documents the provider has loaded successfully (always 0
// without discovery); it is one atomic load, cheap enough to call on every
// request. Whenever it has changed, Endpoint may have: call
// AuthorizationTargets again.
type AuthorizationTargets struct {
	// Endpoint is the authorization endpoint (origin and path): without
	// discovery, the configured AuthorizationURL; with discovery, the one
	// of the last document loaded (kept after it expires, until the next
	// one loads), "" until a document has loaded. "" also for a provider
	// whose configuration is invalid.
	Endpoint string
	// Configured are the URLs, other than Endpoint, that the configuration
	// names for the sign-in step and that are known before any discovery:
	// with discovery, Issuer (when set) and the discovery URL (resolved as
	// it is fetched). Nil without discovery. An authorization endpoint is
	// usually on the origin of one of them, but only Endpoint says so.
	Configured []string
}

// AuthorizationTargets reports the provider's [AuthorizationTargets]. It
// makes no request.
func (p *oauthProvider) AuthorizationTargets() AuthorizationTargets {
	if p.err != nil {
		return AuthorizationTargets{}
	}
	if p.static != nil {
		return AuthorizationTargets{Endpoint: p.static.authorizationEndpoint}
	}
	var t AuthorizationTargets
	if p.cfg.Issuer != "" {
		t.Configured = append(t.Configured, p.cfg.Issuer)
	}
	d := p.discovery
	if d == nil {
		return t
	}
	t.Configured = append(t.Configured, d.url)
	d.mu.Lock()
	if d.meta != nil {
		t.Endpoint = d.meta.authorizationEndpoint
	}
	d.mu.Unlock()
	return t
}

// Discoveries is the number of discovery documents the provider has
// loaded successfully: 0 before the first and without discovery, one more
// after each (the first, and each fetched again after DiscoveryTTL). See
// [AuthorizationTargets].
func (p *oauthProvider) Discoveries() uint64 {
	if p.discovery == nil {
		return 0
	}
	return p.discovery.loaded.Load()
}
