package nextauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/jwt"
)

func sessionOf(h http.Handler, cookies string) string {
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", cookies)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Body.String()
}

func TestRevocableJWTSessions(t *testing.T) {
	a := memory.New()
	now := time.Now()
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Session.Strategy = nextauth.StrategyJWT
		c.Now = func() time.Time { return now }
	})
	laptop, phone := newClient(t, h), newClient(t, h)
	laptop.signIn()
	phone.signIn()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", laptop.cookieHeader())
	claims, err := h.Token(r)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := claims["sid"].(string)
	if len(sid) != 36 || claims["auth_time"] == nil {
		t.Fatalf("token claims %v lack sid and auth_time", claims)
	}
	// The sid survives the re-issue on every read.
	copied := laptop.cookieHeader()
	laptop.get("/api/auth/session")
	r.Header.Set("Cookie", laptop.cookieHeader())
	if again, _ := h.Token(r); again["sid"] != sid {
		t.Errorf("sid changed on refresh: %v → %v", sid, again["sid"])
	}
	// Signing out revokes the session: a copy of the cookie is dead too.
	laptop.postForm("/api/auth/signout", url.Values{"csrfToken": {laptop.csrf()}})
	if got := sessionOf(h, copied); got != "{}" {
		t.Errorf("copied cookie after sign-out = %s, want {}", got)
	}
	if got := sessionOf(h, phone.cookieHeader()); !strings.Contains(got, "alice@example.com") {
		t.Errorf("the other device was signed out too: %s", got)
	}
	// Sign out everywhere of adapter user "1": Alice signed in by
	// credentials, so her tokens (marked) are not reached.
	now = now.Add(2 * time.Second)
	if _, err := h.SignOutEverywhere(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	if got := sessionOf(h, phone.cookieHeader()); !strings.Contains(got, "alice@example.com") {
		t.Errorf("credentials user 1 after adapter user 1's sign-out everywhere = %s, want the session", got)
	}
	// A token minted by Node (no sid, no marker) before the revocation is
	// refused by its iat.
	old, _ := jwt.NewCodec(jwt.Options{Secret: testSecret, Now: func() time.Time { return now.Add(-time.Minute) }})
	tok, _ := old.Encode(jwt.Claims{"sub": "1", "email": "alice@example.com"}, time.Hour)
	if got := sessionOf(h, "next-auth.session-token="+tok); got != "{}" {
		t.Errorf("older token without sid = %s, want {}", got)
	}
	// Sign out everywhere of the credentials user "1".
	if _, err := h.SignOutEverywhereCredentials(context.Background(), "credentials", "1"); err != nil {
		t.Fatal(err)
	}
	if got := sessionOf(h, phone.cookieHeader()); got != "{}" {
		t.Errorf("phone after sign-out everywhere = %s", got)
	}
	// Signing in again afterwards works.
	now = now.Add(2 * time.Second)
	fresh := newClient(t, h)
	fresh.signIn()
	if got := sessionOf(h, fresh.cookieHeader()); !strings.Contains(got, "alice@example.com") {
		t.Errorf("new sign-in after sign-out everywhere = %s", got)
	}
	// RevokeSession by sid.
	r.Header.Set("Cookie", fresh.cookieHeader())
	c2, _ := h.Token(r)
	if err := h.RevokeSession(context.Background(), c2["sid"].(string)); err != nil {
		t.Fatal(err)
	}
	if got := sessionOf(h, fresh.cookieHeader()); got != "{}" {
		t.Errorf("after RevokeSession = %s", got)
	}
}

func TestAdminEndpoint(t *testing.T) {
	a := memory.New()
	h := newHandler(t, func(c *nextauth.Config) { c.Adapter = a })
	admin := http.StripPrefix("/admin", h.AdminHandler("0123456789abcdef0123456789abcdef"))
	do := func(method, path, token string) (int, string) {
		r := httptest.NewRequest(method, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	const tok = "0123456789abcdef0123456789abcdef"
	one, two := newClient(t, h), newClient(t, h)
	one.signIn()
	two.signIn()
	u, _ := a.GetUserByEmail(context.Background(), "alice@example.com")
	if code, _ := do("GET", "/admin/users/"+u.ID+"/sessions", ""); code != 401 {
		t.Errorf("without token = %d", code)
	}
	if code, _ := do("GET", "/admin/users/"+u.ID+"/sessions", "wrong"); code != 401 {
		t.Errorf("wrong token = %d", code)
	}
	code, body := do("GET", "/admin/users/"+u.ID+"/sessions", tok)
	var list struct {
		Sessions []struct{ Fingerprint, Expires string }
	}
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list.Sessions) != 2 {
		t.Fatalf("list = %d %s", code, body)
	}
	if strings.Contains(body, one.jar["next-auth.session-token"]) {
		t.Error("the admin list reveals session tokens")
	}
	// A fingerprint is the hex of the first 12 bytes of the token's SHA-256.
	sum := sha256.Sum256([]byte(one.jar["next-auth.session-token"]))
	want := hex.EncodeToString(sum[:12])
	if code, body := do("DELETE", "/admin/users/"+u.ID+"/sessions/"+want, tok); code != 200 {
		t.Errorf("delete one = %d %s", code, body)
	}
	if got := sessionOf(h, one.cookieHeader()); got != "{}" {
		t.Errorf("deleted session still reads: %s", got)
	}
	if got := sessionOf(h, two.cookieHeader()); !strings.Contains(got, "alice") {
		t.Errorf("other session gone: %s", got)
	}
	if code, body := do("DELETE", "/admin/users/"+u.ID+"/sessions", tok); code != 200 || body != `{"deleted":1}` {
		t.Errorf("sign out everywhere = %d %s", code, body)
	}
	if got := sessionOf(h, two.cookieHeader()); got != "{}" {
		t.Errorf("after sign out everywhere: %s", got)
	}
	if code, _ := do("DELETE", "/admin/users/"+u.ID+"/sessions/nope", tok); code != 404 {
		t.Errorf("unknown fingerprint = %d", code)
	}
	if _, err := h.ListSessions(context.Background(), u.ID); err != nil {
		t.Errorf("ListSessions: %v", err)
	}
}

// TestAdminHandlerEmptyToken: an AdminHandler made with an empty token
// refuses every request with 401, whatever Authorization it carries
// (none, an empty bearer token, anything else), on every route, and
// changes nothing. A library user who passes an unset variable is
// protected without the binary's config check.
func TestAdminHandlerEmptyToken(t *testing.T) {
	for _, strategy := range []nextauth.SessionStrategy{nextauth.StrategyDatabase, nextauth.StrategyJWT} {
		t.Run(string(strategy), func(t *testing.T) {
			a := memory.New()
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = a
				c.Session.Strategy = strategy
			})
			c := newClient(t, h)
			c.signIn()
			before := sessionOf(h, c.cookieHeader())
			if !strings.Contains(before, "alice@example.com") {
				t.Fatalf("session after sign-in = %s", before)
			}
			// The real names of what the routes act on: a refusal must not
			// depend on the user or session being unknown.
			userID, sid, print := "1", "unknown", "unknown"
			if strategy == nextauth.StrategyDatabase {
				u, err := a.GetUserByEmail(context.Background(), "alice@example.com")
				if err != nil {
					t.Fatal(err)
				}
				userID = u.ID
				sum := sha256.Sum256([]byte(c.jar["next-auth.session-token"]))
				print = hex.EncodeToString(sum[:12])
			} else {
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Cookie", c.cookieHeader())
				claims, err := h.Token(r)
				if err != nil {
					t.Fatal(err)
				}
				sid, _ = claims["sid"].(string)
			}

			admin := h.AdminHandler("")
			routes := []struct{ method, path string }{
				{"GET", "/users/" + userID + "/sessions"},
				{"DELETE", "/users/" + userID + "/sessions"},
				{"DELETE", "/users/" + userID + "/sessions/" + print},
				{"DELETE", "/sessions/" + sid},
				{"GET", "/"},
				{"GET", "/nope"},
				{"POST", "/users/" + userID + "/sessions"},
			}
			authorizations := []struct {
				name  string
				value *string // nil: no header
			}{
				{"no header", nil},
				{"empty header", ptr("")},
				{"Bearer and a space", ptr("Bearer ")},
				{"Bearer alone", ptr("Bearer")},
				{"Bearer and spaces", ptr("Bearer   ")},
				{"a bearer token", ptr("Bearer 0123456789abcdef0123456789abcdef")},
				{"Basic", ptr("Basic YWRtaW46")},
			}
			for _, rt := range routes {
				for _, au := range authorizations {
					r := httptest.NewRequest(rt.method, rt.path, nil)
					if au.value != nil {
						r.Header["Authorization"] = []string{*au.value}
					}
					w := httptest.NewRecorder()
					admin.ServeHTTP(w, r)
					if w.Code != http.StatusUnauthorized || w.Body.String() != `{"error":"unauthorized"}` ||
						w.Header().Get("WWW-Authenticate") != `Bearer realm="nextauth-admin"` {
						t.Errorf("%s %s with %s = %d %q (WWW-Authenticate %q), want 401 {\"error\":\"unauthorized\"}",
							rt.method, rt.path, au.name, w.Code, w.Body, w.Header().Get("WWW-Authenticate"))
					}
				}
			}

			// Nothing was revoked or deleted.
			if got := sessionOf(h, c.cookieHeader()); !strings.Contains(got, "alice@example.com") {
				t.Errorf("session after the refused admin requests = %s, want it alive", got)
			}
			if strategy == nextauth.StrategyDatabase {
				if list, err := h.ListSessions(context.Background(), userID); err != nil || len(list) != 1 {
					t.Errorf("ListSessions after the refused admin requests = %d sessions, %v; want 1", len(list), err)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
