package nextauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
)

const introSecret = "0123456789abcdef0123456789abcdef"

func introspectConfig(c *nextauth.Config) {
	c.Introspect = &nextauth.IntrospectConfig{ClientID: "py-api", ClientSecret: introSecret}
}

// introspect posts token with Basic client credentials (id, secret; ""
// id sends none) and decodes the JSON answer.
func introspect(t *testing.T, h http.Handler, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/auth/introspect", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("introspection set cookies %q", sc)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return w.Code, body
}

func TestIntrospectRouteOnlyWhenConfigured(t *testing.T) {
	h := newHandler(t, nil)
	if w := newClient(t, h).do(http.MethodPost, "/api/auth/introspect", "", ""); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not supported") {
		t.Errorf("POST /introspect without config: %d %q", w.Code, w.Body)
	}
	h = newHandler(t, introspectConfig)
	if w := newClient(t, h).get("/api/auth/introspect"); w.Code != http.StatusBadRequest {
		t.Errorf("GET /introspect: %d, want 400", w.Code)
	}
	for _, cfg := range []nextauth.IntrospectConfig{
		{ClientSecret: "short"},
		{ClientSecret: introSecret, Path: "session"},
		{ClientSecret: introSecret, ClientID: "a:b"},
	} {
		if _, err := nextauth.New(testConfig(func(c *nextauth.Config) { c.Introspect = &cfg })); err == nil || !strings.Contains(err.Error(), "introspect") {
			t.Errorf("New with %+v: %v, want an introspect error", cfg, err)
		}
	}
}

func TestIntrospect(t *testing.T) {
	for _, strategy := range []nextauth.SessionStrategy{nextauth.StrategyJWT, nextauth.StrategyDatabase} {
		t.Run(string(strategy), func(t *testing.T) {
			a := memory.New()
			h := newHandler(t, func(c *nextauth.Config) {
				introspectConfig(c)
				c.Adapter = a
				c.Session.Strategy = strategy
				c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
					p.Token["oauth"] = map[string]any{"access_token": "provider-secret"}
					p.Token["groups"] = []any{"staff"}
					return p.Token, nil
				}
			})
			alice := newClient(t, h)
			alice.signIn()
			tok := alice.jar["next-auth.session-token"]
			form := url.Values{"token": {tok}}

			for _, bad := range []struct{ id, secret string }{{"", ""}, {"py-api", "wrong"}, {"other", introSecret}, {"py-api", introSecret[1:]}} {
				if code, body := introspect(t, h, bad.id, bad.secret, form); code != http.StatusUnauthorized || body["error"] != "invalid_client" {
					t.Errorf("client %q/%q: %d %v, want 401 invalid_client", bad.id, bad.secret, code, body)
				}
			}
			code, body := introspect(t, h, "py-api", introSecret, form)
			if code != http.StatusOK || body["active"] != true || body["email"] != "alice@example.com" || body["name"] != "Alice" || body["sub"] == "" || body["sub"] == nil {
				t.Fatalf("active token: %d %v", code, body)
			}
			exp, _ := body["exp"].(float64)
			if d := time.Until(time.Unix(int64(exp), 0)); d < 29*24*time.Hour || d > 31*24*time.Hour {
				t.Errorf("exp %v is not about 30 days away", body["exp"])
			}
			if strategy == nextauth.StrategyJWT {
				// The token does hold what introspection must hide.
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Cookie", alice.cookieHeader())
				claims, err := h.Token(r)
				if err != nil || claims["oauth"] == nil || claims["credentials_provider"] == nil {
					t.Fatalf("token claims %v (%v) lack oauth or the credentials marker", claims, err)
				}
			}
			if strategy == nextauth.StrategyJWT && (body["groups"] == nil || body["picture"] != "https://img.example/alice.png") {
				t.Errorf("JWT claims missing: %v", body)
			}
			for _, hidden := range []string{"oauth", "credentials_provider", "id"} {
				if _, ok := body[hidden]; ok {
					t.Errorf("introspection shows %q: %v", hidden, body)
				}
			}
			// Client credentials in the form work too.
			f := url.Values{"token": {tok}, "client_id": {"py-api"}, "client_secret": {introSecret}}
			if code, body := introspect(t, h, "", "", f); code != http.StatusOK || body["active"] != true {
				t.Errorf("form client credentials: %d %v", code, body)
			}
			if code, body := introspect(t, h, "py-api", introSecret, url.Values{}); code != http.StatusBadRequest || body["error"] != "invalid_request" {
				t.Errorf("no token: %d %v", code, body)
			}
			if code, body := introspect(t, h, "py-api", introSecret, url.Values{"token": {"garbage"}}); code != http.StatusOK || len(body) != 1 || body["active"] != false {
				t.Errorf("unknown token: %d %v", code, body)
			}
			// Signed out: inactive.
			alice.postForm("/api/auth/signout", url.Values{"csrfToken": {alice.csrf()}})
			if code, body := introspect(t, h, "py-api", introSecret, form); code != http.StatusOK || len(body) != 1 || body["active"] != false {
				t.Errorf("after sign-out: %d %v", code, body)
			}
		})
	}
}

// TestIntrospectRevoked: a session revoked through the admin API is
// inactive at once.
func TestIntrospectRevoked(t *testing.T) {
	a := memory.New()
	h := newHandler(t, func(c *nextauth.Config) {
		introspectConfig(c)
		c.Adapter = a
	})
	alice := newClient(t, h)
	alice.signIn()
	tok := alice.jar["next-auth.session-token"]
	if _, body := introspect(t, h, "py-api", introSecret, url.Values{"token": {tok}}); body["active"] != true {
		t.Fatalf("before revocation: %v", body)
	}
	if err := h.RevokeSession(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if _, body := introspect(t, h, "py-api", introSecret, url.Values{"token": {tok}}); body["active"] != false {
		t.Errorf("after revocation: %v", body)
	}
}

// TestIntrospectFromNode asks from a non-Go client (Node's fetch, in
// testdata/node/introspect.cjs) about an active and a revoked session.
func TestIntrospectFromNode(t *testing.T) {
	a := memory.New()
	h := newHandler(t, func(c *nextauth.Config) {
		introspectConfig(c)
		c.Introspect.ClientID = "py api" // encoded in Basic as py%20api
		c.Adapter = a
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	active, revoked := newClient(t, h), newClient(t, h)
	active.signIn()
	revoked.signIn()
	gone := revoked.jar["next-auth.session-token"]
	if err := h.RevokeSession(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	var res []struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}
	nodetest.RunScript(t, "introspect.cjs", map[string]any{
		"url": srv.URL + "/api/auth/introspect", "clientId": "py api", "clientSecret": introSecret,
		"tokens": []string{active.jar["next-auth.session-token"], gone},
	}, &res)
	if len(res) != 2 {
		t.Fatalf("node answered %v", res)
	}
	if r := res[0]; r.Status != 200 || r.Body["active"] != true || r.Body["email"] != "alice@example.com" || r.Body["sub"] == nil || r.Body["exp"] == nil {
		t.Errorf("active session from node: %+v", r)
	}
	if r := res[1]; r.Status != 200 || r.Body["active"] != false || len(r.Body) != 1 {
		t.Errorf("revoked session from node: %+v", r)
	}
}
