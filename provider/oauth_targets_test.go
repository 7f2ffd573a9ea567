package provider

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// targeted is how a server finds the methods AuthorizationTargets
// documents.
type targeted interface {
	AuthorizationTargets() AuthorizationTargets
	Discoveries() uint64
}

func TestAuthorizationTargetsStatic(t *testing.T) {
	p := OAuth(OAuthConfig{
		ID: "acme", ClientID: "c", ClientSecret: "s", Issuer: "https://issuer.example",
		AuthorizationURL: "http://127.0.0.1:9999/authorize?prompt=login", TokenURL: "http://127.0.0.1:9999/token",
	}).(targeted)
	want := AuthorizationTargets{Endpoint: "http://127.0.0.1:9999/authorize"}
	if got := p.AuthorizationTargets(); !reflect.DeepEqual(got, want) {
		t.Errorf("AuthorizationTargets() = %+v, want %+v", got, want)
	}
	if n := p.Discoveries(); n != 0 {
		t.Errorf("Discoveries() without discovery = %d, want 0", n)
	}

	bad := OAuth(OAuthConfig{ID: "bad", AuthorizationURL: "http://127.0.0.1:9999/authorize", TokenURL: "http://127.0.0.1:9999/token"}).(targeted)
	if got := bad.AuthorizationTargets(); !reflect.DeepEqual(got, AuthorizationTargets{}) {
		t.Errorf("AuthorizationTargets() of a provider without client id = %+v, want none", got)
	}
}

// TestAuthorizationTargetsDiscovery follows a provider whose discovery
// document is down at first, then names an authorization endpoint on
// another origin than the issuer, then, fetched again after the TTL,
// another one.
func TestAuthorizationTargetsDiscovery(t *testing.T) {
	var (
		down     atomic.Bool
		endpoint atomic.Value
	)
	down.Store(true)
	endpoint.Store("https://login.idp.example/oauth2/authorize")
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + issuer + `","authorization_endpoint":"` + endpoint.Load().(string) + `","token_endpoint":"` + issuer + `/token"}`))
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL + "/realms/corp"

	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	p := OIDC(OAuthConfig{
		ID: "corp", ClientID: "c", ClientSecret: "s", Issuer: issuer + "/",
		DiscoveryTTL: time.Minute, Now: func() time.Time { return time.Unix(0, clock.Load()) },
	})
	tp := p.(targeted)
	configured := []string{issuer + "/", issuer + "/.well-known/openid-configuration"}
	check := func(when, wantEndpoint string, wantDiscoveries uint64) {
		t.Helper()
		want := AuthorizationTargets{Endpoint: wantEndpoint, Configured: configured}
		if got := tp.AuthorizationTargets(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: AuthorizationTargets() = %+v, want %+v", when, got, want)
		}
		if n := tp.Discoveries(); n != wantDiscoveries {
			t.Errorf("%s: Discoveries() = %d, want %d", when, n, wantDiscoveries)
		}
	}
	authorize := func() error {
		_, err := p.(nextauth.OAuthProvider).AuthorizationURL(t.Context(), nextauth.AuthorizationRequest{RedirectURI: oauthTestRedirect, State: "s", CodeChallenge: "c"})
		return err
	}

	check("before discovery", "", 0)
	if err := authorize(); err == nil {
		t.Fatal("AuthorizationURL() with discovery down = nil error, want one")
	}
	check("after a failed discovery", "", 0)

	down.Store(false)
	// Readers poll while the document loads (for the race detector).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = tp.Discoveries()
				_ = tp.AuthorizationTargets()
			}
		}
	})
	err := authorize()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("AuthorizationURL() after discovery recovered = %v", err)
	}
	check("after discovery", "https://login.idp.example/oauth2/authorize", 1)
	if err := authorize(); err != nil {
		t.Fatal(err)
	}
	check("from the cache", "https://login.idp.example/oauth2/authorize", 1)

	// Expired and down: the last endpoint known stays.
	clock.Add(int64(2 * time.Minute))
	down.Store(true)
	if err := authorize(); err == nil {
		t.Fatal("AuthorizationURL() with discovery down again = nil error, want one")
	}
	check("expired, fetch failed", "https://login.idp.example/oauth2/authorize", 1)

	down.Store(false)
	endpoint.Store("https://sso.idp.example/authorize")
	if err := authorize(); err != nil {
		t.Fatal(err)
	}
	check("fetched again", "https://sso.idp.example/authorize", 2)
}
