package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// readyTimeout bounds a /readyz check.
const readyTimeout = time.Second

// warmTimeout bounds the discovery fetches a new configuration starts.
const warmTimeout = 30 * time.Second

// healthz is the liveness check: the process answers.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok")
}

// oauthProvider is an OAuth provider with its id.
type oauthProvider struct {
	id string
	p  nextauth.OAuthProvider
}

// probeRequest is what the checks ask OAuth providers to build: an
// authorization URL with every check's value set, so that no provider
// refuses it for a missing one. Nothing is sent to the provider but its
// discovery request.
var probeRequest = nextauth.AuthorizationRequest{
	RedirectURI: "http://localhost/readiness-check", State: "readiness-check",
	CodeChallenge: "readiness-check", Nonce: "readiness-check",
}

// authorizationOrigins asks every OAuth provider for an authorization URL
// (loading the discovery documents of OpenID Connect providers, or using
// those already loaded) and returns the origins, by provider id, of those
// that answered, and the errors of the others.
func authorizationOrigins(ctx context.Context, providers []oauthProvider) (map[string]string, map[string]error) {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		origins = map[string]string{}
		errs    = map[string]error{}
	)
	for _, op := range providers {
		wg.Go(func() {
			u, err := op.p.AuthorizationURL(ctx, probeRequest)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[op.id] = err
				return
			}
			origins[op.id] = cspOrigin(u)
		})
	}
	wg.Wait()
	return origins, errs
}

// validSource is a CSP host source we write: scheme://host[:port] of
// harmless characters.
var validSource = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]+)?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// cspOrigin is the origin of an absolute http(s) URL, as a CSP source;
// "" when it has none or it would not be a safe source.
func cspOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if !validSource.MatchString(o) {
		return ""
	}
	return o
}

// csp is the Content-Security-Policy of the HTML pages. The pages have
// no script; their styles are inline and their images (logos) are the
// server's, data: URLs or https. form-action lists 'self', the origins of
// the public URLs and of the application's own pages, and those of every
// OAuth provider (providerSources): Chrome applies form-action to the
// redirects that follow a form POST, and the sign-in buttons POST to
// /signin/:id, which redirects to the provider. While a provider's
// authorization endpoint is unknown (discovery not loaded yet), https:
// stands for it.
func csp(formOrigins []string, providers []providerSources) string {
	sources := slices.Clone(formOrigins)
	unknown := false
	for _, p := range providers {
		sources = append(sources, p.origins...)
		unknown = unknown || !p.known
	}
	if unknown {
		sources = append(sources, "https:")
	}
	slices.Sort(sources)
	sources = slices.Compact(sources)
	formAction := strings.Join(append([]string{"'self'"}, sources...), " ")
	return "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// formOrigins are the origins the pages' forms may end up at besides the
// providers': those of the public URLs, and of the application's own
// pages given as absolute URLs (a failed sign-in may redirect there).
func formOrigins(cfg nextauth.Config) []string {
	base := cfg.URL
	if base == "" {
		base = nextauth.DefaultURL
	}
	var out []string
	for _, u := range append([]string{base}, cfg.URLs...) {
		if !strings.Contains(u, "://") {
			u = "https://" + u
		}
		if o := cspOrigin(u); o != "" {
			out = append(out, o)
		}
	}
	p := cfg.Pages
	for _, u := range []string{p.SignIn, p.SignOut, p.Error, p.VerifyRequest, p.NewUser} {
		if o := cspOrigin(u); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// targeted is an OAuth provider of package provider (OAuth, OIDC, the
// presets): it tells where it sends the browser without a request, and
// counts the discovery documents it has loaded (see
// provider.AuthorizationTargets).
type targeted interface {
	AuthorizationTargets() provider.AuthorizationTargets
	Discoveries() uint64
}

// providerSources are one OAuth provider's form-action sources: the
// origins its sign-in may redirect the browser to, and whether its
// authorization endpoint's origin is among them (else https: stands for
// it).
type providerSources struct {
	origins []string
	known   bool
}

// sourcesOf are op's sources. A provider that reports its targets gives
// them from the configuration, so from the start, without discovery: the
// origin of its authorization_url, or, with discovery, those of its issuer
// and discovery URL, joined by the authorization endpoint's once a
// discovery document has loaded (the endpoint may be on another origin).
// Any other provider gives the origin learnt from the authorization URL
// it built for /readyz or the warm-up (learned, by provider id).
func sourcesOf(op oauthProvider, learned map[string]string) providerSources {
	var s providerSources
	if tp, ok := op.p.(targeted); ok {
		t := tp.AuthorizationTargets()
		for _, u := range t.Configured {
			if o := cspOrigin(u); o != "" {
				s.origins = append(s.origins, o)
			}
		}
		// An endpoint we cannot write is unknown: https: stands for it.
		if o := cspOrigin(t.Endpoint); o != "" {
			s.origins = append(s.origins, o)
			s.known = true
		}
		return s
	}
	if o := learned[op.id]; o != "" {
		s.origins, s.known = []string{o}, true
	}
	return s
}

// pagePolicy is the CSP of the HTML pages, built when the generation is
// made and rebuilt after every discovery document a provider loads
// (whatever made it load: a sign-in, a callback, /readyz, the warm-up, or
// the document's TTL), and after /readyz and the warm-up.
//
// A rebuild after a discovery happens on the next page served: each page
// compares the providers' discovery counts, summed, with those the policy
// was built at, one atomic load per provider.
type pagePolicy struct {
	mu  sync.Mutex // one rebuild at a time
	cur atomic.Pointer[builtPolicy]
}

// builtPolicy is a policy and what it was built from.
type builtPolicy struct {
	policy string
	// discoveries is the sum of the providers' discovery counts, read
	// before their targets: a discovery that ends while the policy is
	// built only makes the next page build it again.
	discoveries uint64
	// learned are the origins learnt from authorization URLs, by provider
	// id, for the providers that do not report their targets.
	learned map[string]string
}

// pageCSP is the current CSP of the HTML pages.
func (g *generation) pageCSP() string {
	if b := g.csp.cur.Load(); b != nil && b.discoveries == g.discoveries() {
		return b.policy
	}
	return g.updateCSP(nil)
}

// discoveries sums the discovery documents the providers have loaded.
// Each count only grows, so the sum changes whenever one does.
func (g *generation) discoveries() uint64 {
	var n uint64
	for _, op := range g.oauth {
		if tp, ok := op.p.(targeted); ok {
			n += tp.Discoveries()
		}
	}
	return n
}

// updateCSP builds the pages' CSP again, stores it and returns it.
// learned replaces the origins learnt from authorization URLs; nil keeps
// those learnt before (and then a policy already up to date is kept).
func (g *generation) updateCSP(learned map[string]string) string {
	g.csp.mu.Lock()
	defer g.csp.mu.Unlock()
	n := g.discoveries()
	if learned == nil {
		if b := g.csp.cur.Load(); b != nil {
			if b.discoveries == n {
				return b.policy
			}
			learned = b.learned
		}
	}
	sources := make([]providerSources, 0, len(g.oauth))
	for _, op := range g.oauth {
		sources = append(sources, sourcesOf(op, learned))
	}
	b := &builtPolicy{policy: csp(g.formOrigins, sources), discoveries: n, learned: learned}
	g.csp.cur.Store(b)
	return b.policy
}

// refreshCSP learns the providers' authorization endpoints, within ctx
// (loading the discovery documents not loaded yet), and rebuilds the
// pages' CSP. It returns the providers that did not answer.
func (g *generation) refreshCSP(ctx context.Context) map[string]error {
	origins, errs := authorizationOrigins(ctx, g.oauth)
	for id, o := range origins {
		if o == "" {
			delete(origins, id) // an endpoint we cannot write: https: stands for it
		}
	}
	g.updateCSP(origins)
	return errs
}

// warm loads the OpenID Connect discovery documents of a new
// configuration, so that the CSP names their endpoints and the first
// sign-in does not wait.
func (g *generation) warm() {
	if len(g.oauth) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
	defer cancel()
	for id, err := range g.refreshCSP(ctx) {
		g.log.LogAttrs(ctx, slog.LevelWarn, "provider not ready", slog.String("provider", id), slog.String("err", err.Error()))
	}
}

// readyz answers 200 only when the database answers within readyTimeout
// and every OAuth provider can build its authorization URL, which for an
// OpenID Connect provider means its discovery document has loaded
// (fetched now if need be). Otherwise 503, naming what is not ready; the
// causes are logged when readiness is lost, not on every check.
func (g *generation) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	var dbErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		dbErr = g.db.store.Ping(ctx)
	}()
	provErrs := g.refreshCSP(ctx)
	<-done

	var b strings.Builder
	var attrs []slog.Attr
	if dbErr != nil {
		b.WriteString("database: not ready\n")
		attrs = append(attrs, slog.String("database", dbErr.Error()))
	}
	ids := make([]string, 0, len(provErrs))
	for id := range provErrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString("provider " + id + ": not ready\n")
		attrs = append(attrs, slog.String("provider_"+id, provErrs[id].Error()))
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	if b.Len() > 0 {
		if !g.notReady.Swap(true) {
			g.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", attrs...)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, b.String())
		return
	}
	if g.notReady.Swap(false) {
		g.log.LogAttrs(r.Context(), slog.LevelInfo, "ready again")
	}
	_, _ = io.WriteString(w, "ok")
}
