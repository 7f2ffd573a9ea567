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
	"time"

	"github.com/nextauth-go/nextauth"
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
// the public URLs and of the application's own pages, and the origin of
// every OAuth provider's authorization endpoint: Chrome applies
// form-action to the redirects that follow a form POST, and the sign-in
// buttons POST to /signin/:id, which redirects to the provider. While an
// endpoint is unknown (discovery not loaded yet), https: stands for it.
func csp(formOrigins []string, providerOrigins map[string]string, providers int) string {
	sources := slices.Clone(formOrigins)
	for _, o := range providerOrigins {
		sources = append(sources, o)
	}
	if len(providerOrigins) < providers {
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

// refreshCSP learns the providers' authorization endpoints, within ctx,
// and rewrites the pages' CSP with those it learnt. It returns the
// providers that did not answer.
func (g *generation) refreshCSP(ctx context.Context) map[string]error {
	origins, errs := authorizationOrigins(ctx, g.oauth)
	for id, o := range origins {
		if o == "" {
			delete(origins, id) // an endpoint we cannot write: https: stands for it
		}
	}
	policy := csp(g.formOrigins, origins, len(g.oauth))
	g.csp.Store(&policy)
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
