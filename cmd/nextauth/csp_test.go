package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// fakeDiscovery answers discovery requests without a network: down (a
// refused connection) or a document naming issuer and an authorization
// endpoint.
type fakeDiscovery struct {
	down     atomic.Bool
	issuer   string
	endpoint atomic.Value // string
	requests atomic.Int64
}

func (f *fakeDiscovery) RoundTrip(r *http.Request) (*http.Response, error) {
	f.requests.Add(1)
	if f.down.Load() {
		return nil, errors.New("connect: connection refused")
	}
	body := `{"issuer":"` + f.issuer + `","authorization_endpoint":"` + f.endpoint.Load().(string) +
		`","token_endpoint":"` + f.issuer + `/token"}`
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Request: r,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
}

// policyOf is a generation serving providers (with the default url,
// http://localhost:3000), as finish makes it.
func policyOf(t *testing.T, providers ...nextauth.Provider) *generation {
	t.Helper()
	g := &generation{formOrigins: formOrigins(nextauth.Config{}), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, p := range providers {
		if err := p.(interface{ Validate() error }).Validate(); err != nil {
			t.Fatal(err)
		}
		g.oauth = append(g.oauth, oauthProvider{id: p.Info().ID, p: p.(nextauth.OAuthProvider)})
	}
	g.updateCSP(nil)
	return g
}

// signIn is what POST /signin/:id asks the provider, which loads its
// discovery document if need be.
func signIn(p nextauth.Provider) error {
	_, err := p.(nextauth.OAuthProvider).AuthorizationURL(context.Background(), probeRequest)
	return err
}

func wantFormAction(t *testing.T, g *generation, when string, want ...string) {
	t.Helper()
	policy := g.pageCSP()
	if got := formAction(policy); !sameSet(got, want) {
		t.Errorf("%s: form-action %q, want %q (policy %q)", when, got, want, policy)
	}
	if !strings.HasPrefix(policy, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; form-action ") ||
		!strings.HasSuffix(policy, "; frame-ancestors 'none'; base-uri 'none'") {
		t.Errorf("%s: policy %q, want the pages' policy", when, policy)
	}
}

// TestPagePolicy checks the pages' form-action as the binary builds it
// from real providers: origins from the configuration at once, the
// authorization endpoint's after every discovery document loaded (by
// whatever loads it), and https: only while an endpoint is unknown.
func TestPagePolicy(t *testing.T) {
	const self = "http://localhost:3000"

	t.Run("explicit authorization_url", func(t *testing.T) {
		g := policyOf(t,
			provider.OAuth(provider.OAuthConfig{ID: "acme", ClientID: "c", ClientSecret: "s",
				AuthorizationURL: "http://127.0.0.1:9999/authorize?prompt=login", TokenURL: "http://127.0.0.1:9999/token", UserinfoURL: "http://127.0.0.1:9999/me"}),
			mustPreset(t, "github"))
		wantFormAction(t, g, "from the configuration", "'self'", self, "http://127.0.0.1:9999", "https://github.com")
	})

	t.Run("issuer configured, provider down", func(t *testing.T) {
		idp := &fakeDiscovery{issuer: "http://10.1.2.3:8080/realms/corp"}
		idp.down.Store(true)
		p := provider.OIDC(provider.OAuthConfig{ID: "corp", ClientID: "c", ClientSecret: "s",
			Issuer: idp.issuer, HTTPClient: &http.Client{Transport: idp}})
		g := policyOf(t, p)
		// The issuer's origin from the start; https: for an endpoint that
		// discovery may put elsewhere.
		wantFormAction(t, g, "before discovery", "'self'", self, "http://10.1.2.3:8080", "https:")
		if errs := g.refreshCSP(t.Context()); errs["corp"] == nil {
			t.Fatalf("refreshCSP() with the provider down = %v, want its error", errs)
		}
		wantFormAction(t, g, "after a failed /readyz", "'self'", self, "http://10.1.2.3:8080", "https:")
	})

	t.Run("discovery reveals another origin", func(t *testing.T) {
		idp := &fakeDiscovery{issuer: "http://10.1.2.3:8080/realms/corp"}
		idp.endpoint.Store("http://login.corp.internal:8443/oauth2/authorize")
		idp.down.Store(true)
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		p := provider.OIDC(provider.OAuthConfig{ID: "corp", ClientID: "c", ClientSecret: "s",
			Issuer: idp.issuer, HTTPClient: &http.Client{Transport: idp},
			DiscoveryTTL: time.Minute, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		static := provider.OAuth(provider.OAuthConfig{ID: "acme", ClientID: "c", ClientSecret: "s",
			AuthorizationURL: "https://acme.example/authorize", TokenURL: "https://acme.example/token", UserinfoURL: "https://acme.example/me"})
		g := policyOf(t, p, static)
		wantFormAction(t, g, "before discovery", "'self'", self, "http://10.1.2.3:8080", "https://acme.example", "https:")
		if err := signIn(p); err == nil {
			t.Fatal("sign-in with the provider down = nil error, want one")
		}
		wantFormAction(t, g, "after a failed discovery", "'self'", self, "http://10.1.2.3:8080", "https://acme.example", "https:")

		// The provider comes up; a sign-in (not /readyz) loads the
		// document, while pages are being served.
		idp.down.Store(false)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						_ = g.pageCSP()
					}
				}
			})
		}
		err := signIn(p)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatalf("sign-in with the provider up = %v", err)
		}
		wantFormAction(t, g, "after discovery", "'self'", self, "http://10.1.2.3:8080", "http://login.corp.internal:8443", "https://acme.example")

		// The document is fetched again after its TTL and names another
		// endpoint: the next page has it, and not the old one.
		idp.endpoint.Store("http://sso.corp.internal/authorize")
		clock.Add(int64(2 * time.Minute))
		if err := signIn(p); err != nil {
			t.Fatal(err)
		}
		if n := idp.requests.Load(); n != 3 {
			t.Fatalf("discovery requests = %d, want 3 (down, up, after the TTL)", n)
		}
		wantFormAction(t, g, "after the document changed", "'self'", self, "http://10.1.2.3:8080", "http://sso.corp.internal", "https://acme.example")
	})

	t.Run("https fallback", func(t *testing.T) {
		// An https provider not loaded yet, and one that does not report
		// its targets and has not answered: https: stands for both, and
		// nothing wider.
		idp := &fakeDiscovery{issuer: "https://idp.example"}
		idp.down.Store(true)
		p := provider.OIDC(provider.OAuthConfig{ID: "corp", ClientID: "c", ClientSecret: "s",
			Issuer: idp.issuer, HTTPClient: &http.Client{Transport: idp}})
		g := policyOf(t, p)
		g.oauth = append(g.oauth, oauthProvider{id: "other", p: fakeOAuth{err: errors.New("down")}})
		g.updateCSP(nil)
		wantFormAction(t, g, "before discovery", "'self'", self, "https://idp.example", "https:")
		var logs bytes.Buffer
		g.log = slog.New(slog.NewTextHandler(&logs, nil))
		g.warm()
		if !strings.Contains(logs.String(), "provider=corp") || !strings.Contains(logs.String(), "provider=other") {
			t.Errorf("warm-up logged %q, want both providers not ready", logs.String())
		}
		wantFormAction(t, g, "after a failed warm-up", "'self'", self, "https://idp.example", "https:")
	})
}

func mustPreset(t *testing.T, id string) nextauth.Provider {
	t.Helper()
	p, err := provider.FromPreset(id, provider.PresetOptions{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
