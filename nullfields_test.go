package nextauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

// TestSessionNullUserFields: GET /session and the session token carry a
// user's null fields as null and leave absent ones out, as next-auth
// 4.24.15 does. Observed on the real NextAuth (JWT strategy, an adapter
// whose NULL columns are null):
//
//	e-mail user:  {"user":{"name":null,"email":"nulltest-15987@example.com","image":null},"expires":…}
//	              token {"name":null,"email":"nulltest-15987@example.com","picture":null,"sub":"1000",…}
//	credentials:  authorize() → {id: "1", name: "Alice", email: "alice@example.com"}
//	              {"user":{"name":"Alice","email":"alice@example.com"},"expires":…}
//	              token {"name":"Alice","email":"alice@example.com","sub":"1",…}
func TestSessionNullUserFields(t *testing.T) {
	// The remote authorize_url answers name null and no image.
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"id":"7","name":null,"email":"remote@example.com"}`))
	}))
	defer remote.Close()
	credentials := func(c *nextauth.Config) {
		c.Providers = []nextauth.Provider{
			provider.Credentials(provider.CredentialsConfig{
				Authorize: func(_ context.Context, cr nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
					switch cr["username"] {
					case "alice": // the reference's authorize()
						return &nextauth.User{ID: "1", Name: nextauth.String("Alice"), Email: nextauth.String("alice@example.com")}, nil
					case "mail-only":
						return &nextauth.User{ID: "2", Email: nextauth.String("only@example.com")}, nil
					}
					return nil, nil
				},
			}),
			provider.Credentials(provider.CredentialsConfig{ID: "remote", Authorize: provider.RemoteAuthorize(remote.URL, nil)}),
		}
	}
	credentialsSignIn := func(providerID, username string) func(t *testing.T, c *client) {
		return func(t *testing.T, c *client) {
			w := c.postForm("/api/auth/callback/"+providerID, url.Values{"csrfToken": {c.csrf()}, "username": {username}, "password": {"p"}, "json": {"true"}})
			if w.Code != http.StatusOK {
				t.Fatalf("credentials sign-in = %d %s", w.Code, w.Body)
			}
		}
	}

	box := &outbox{}
	emailSignIn := func(t *testing.T, c *client) {
		c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"bob@example.com"}})
		if w := c.get(pathOf(t, box.last(t).URL)); w.Code != http.StatusFound {
			t.Fatalf("magic link = %d %s", w.Code, w.Body)
		}
	}

	// The OP's user has no picture claim.
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-5", "jane@example.com", "Jane Doe"))
	oidc := func(c *nextauth.Config) { c.Providers = append(c.Providers, corpProvider(op, []string{"state"}, "")) }
	oidcSignIn := func(t *testing.T, c *client) {
		if got := oauthRoundTrip(t, c, op); got != "http://localhost:3111/home" {
			t.Fatalf("callback redirect = %q", got)
		}
	}
	withAdapter := func(strategy nextauth.SessionStrategy) func(*nextauth.Config) {
		return func(c *nextauth.Config) {
			c.Adapter = memory.New()
			c.Session.Strategy = strategy
		}
	}

	tests := []struct {
		name   string
		config []func(*nextauth.Config)
		signIn func(t *testing.T, c *client)
		user   string         // the "user" member of GET /session
		claims map[string]any // name, email and picture claims of the JWT (nil: database session)
	}{
		{
			name:   "e-mail user, database session",
			config: []func(*nextauth.Config){dbConfig(memory.New(), box, nil)},
			signIn: emailSignIn,
			user:   `{"name":null,"email":"bob@example.com","image":null}`,
		},
		{
			name:   "e-mail user, JWT session with an adapter",
			config: []func(*nextauth.Config){dbConfig(memory.New(), box, nil), func(c *nextauth.Config) { c.Session.Strategy = nextauth.StrategyJWT }},
			signIn: emailSignIn,
			user:   `{"name":null,"email":"bob@example.com","image":null}`,
			claims: map[string]any{"name": nil, "email": "bob@example.com", "picture": nil},
		},
		{
			name:   "credentials, name and e-mail",
			config: []func(*nextauth.Config){credentials},
			signIn: credentialsSignIn("credentials", "alice"),
			user:   `{"name":"Alice","email":"alice@example.com"}`,
			claims: map[string]any{"name": "Alice", "email": "alice@example.com"},
		},
		{
			name:   "credentials, id and e-mail only",
			config: []func(*nextauth.Config){credentials},
			signIn: credentialsSignIn("credentials", "mail-only"),
			user:   `{"email":"only@example.com"}`,
			claims: map[string]any{"email": "only@example.com"},
		},
		{
			name:   "remote authorize_url, name null, no image",
			config: []func(*nextauth.Config){credentials},
			signIn: credentialsSignIn("remote", "anyone"),
			user:   `{"name":null,"email":"remote@example.com"}`,
			claims: map[string]any{"name": nil, "email": "remote@example.com"},
		},
		{
			name:   "OIDC without picture, no adapter",
			config: []func(*nextauth.Config){oidc},
			signIn: oidcSignIn,
			user:   `{"name":"Jane Doe","email":"jane@example.com"}`,
			claims: map[string]any{"name": "Jane Doe", "email": "jane@example.com"},
		},
		{
			name:   "OIDC without picture, JWT session with an adapter",
			config: []func(*nextauth.Config){oidc, withAdapter(nextauth.StrategyJWT)},
			signIn: oidcSignIn,
			user:   `{"name":"Jane Doe","email":"jane@example.com","image":null}`,
			claims: map[string]any{"name": "Jane Doe", "email": "jane@example.com", "picture": nil},
		},
		{
			name:   "OIDC without picture, database session",
			config: []func(*nextauth.Config){oidc, withAdapter(nextauth.StrategyDatabase)},
			signIn: oidcSignIn,
			user:   `{"name":"Jane Doe","email":"jane@example.com","image":null}`,
		},
	}
	expires := regexp.MustCompile(`^\{"user":(.*),"expires":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, func(c *nextauth.Config) {
				for _, f := range tt.config {
					f(c)
				}
			})
			c := newClient(t, h)
			tt.signIn(t, c)
			body := c.get("/api/auth/session").Body.String()
			if m := expires.FindStringSubmatch(body); m == nil || m[1] != tt.user {
				t.Errorf("GET /session = %s, want user %s", body, tt.user)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", c.cookieHeader())
			claims, err := h.Token(r)
			if tt.claims == nil {
				if err == nil {
					t.Errorf("Token of a database session = %v, want ErrNoSession", claims)
				}
				return
			}
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			for _, k := range []string{"name", "email", "picture"} {
				got, has := claims[k]
				want, wantHas := tt.claims[k]
				if has != wantHas || got != want {
					t.Errorf("claim %s = %#v (present %v), want %#v (present %v)", k, got, has, want, wantHas)
				}
			}
		})
	}
}

// TestSessionJSONNullFields: Session's JSON writes a null user field as
// null and leaves an absent one out, in NextAuth's order name, email,
// image, and reads them back the same way.
func TestSessionJSONNullFields(t *testing.T) {
	expires := fixedNow
	tests := []struct {
		user *nextauth.SessionUser
		json string
	}{
		{&nextauth.SessionUser{Name: nextauth.Null(), Email: nextauth.String("u@x.io"), Image: nextauth.Null()},
			`{"user":{"name":null,"email":"u@x.io","image":null},"expires":"2026-11-27T08:39:23.295Z"}`},
		{&nextauth.SessionUser{Email: nextauth.String("u@x.io")},
			`{"user":{"email":"u@x.io"},"expires":"2026-11-27T08:39:23.295Z"}`},
		{&nextauth.SessionUser{Name: nextauth.String(""), Image: nextauth.String("http://img")},
			`{"user":{"name":"","image":"http://img"},"expires":"2026-11-27T08:39:23.295Z"}`},
		{&nextauth.SessionUser{Name: nextauth.Null(), Extra: map[string]any{"id": "1"}},
			`{"user":{"name":null,"id":"1"},"expires":"2026-11-27T08:39:23.295Z"}`},
		{&nextauth.SessionUser{},
			`{"user":{},"expires":"2026-11-27T08:39:23.295Z"}`},
	}
	for _, tt := range tests {
		s := &nextauth.Session{User: tt.user, Expires: expires}
		got, err := json.Marshal(s)
		if err != nil || string(got) != tt.json {
			t.Errorf("Marshal = %s, %v; want %s", got, err, tt.json)
		}
		var back nextauth.Session
		if err := json.Unmarshal([]byte(tt.json), &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", tt.json, err)
		}
		u := back.User
		if u == nil || u.Name != tt.user.Name || u.Email != tt.user.Email || u.Image != tt.user.Image {
			t.Errorf("Unmarshal(%s).User = %+v, want %+v", tt.json, u, tt.user)
		}
	}
}

// TestOAuthNullEmail: NextAuth lower-cases an OAuth profile's e-mail with
// profile.email?.toLowerCase(), which turns a null e-mail into undefined:
// the token and session leave it out, while a null image stays. With an
// adapter the created user's NULL e-mail is null again.
func TestOAuthNullEmail(t *testing.T) {
	for _, tt := range []struct {
		name    string
		adapter bool
		user    string
	}{
		{"no adapter", false, `{"name":"Gee","image":null}`},
		{"adapter, JWT session", true, `{"name":"Gee","email":null,"image":null}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &scriptedOAuth{id: "gh", checks: []string{"pkce"}, result: func() (*nextauth.OAuthResult, error) {
				return &nextauth.OAuthResult{
					User:    nextauth.User{ID: "g1", Name: nextauth.String("Gee"), Email: nextauth.Null(), Image: nextauth.Null()},
					Account: nextauth.Account{ProviderAccountID: "g1", AccessToken: "at", TokenType: "bearer"},
					Profile: map[string]any{"id": "g1", "login": "Gee", "email": nil},
				}, nil
			}}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Providers = append(c.Providers, p)
				if tt.adapter {
					c.Adapter = memory.New()
					c.Session.Strategy = nextauth.StrategyJWT
				}
			})
			c := newClient(t, h)
			startOAuth(t, c, "gh")
			if w := c.get("/api/auth/callback/gh?code=c"); w.Code != http.StatusFound || w.Header().Get("Location") != "http://localhost:3111/after" {
				t.Fatalf("callback = %d %q", w.Code, w.Header().Get("Location"))
			}
			body := c.get("/api/auth/session").Body.String()
			if !strings.HasPrefix(body, `{"user":`+tt.user+`,"expires":"`) {
				t.Errorf("GET /session = %s, want user %s", body, tt.user)
			}
		})
	}
}
