package nextauth_test

// Account-takeover paths through OAuth account linking and credentials
// sign-in, attacked end to end through the handler on every store: a dead
// session (signed out, revoked, expired) must not be "the signed-in user"
// at an OAuth callback; a credentials user's id must not be taken for an
// adapter user's; a credentials sign-in must not attach to whichever user
// has its e-mail address.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/provider"
)

// takeoverOAuth signs c in at the OpenID Provider op as the user with
// e-mail login (provider "corp"), through the handler: POST /signin/corp,
// the OP's login form, GET /callback/corp with c's cookies. It returns
// the callback's redirect.
func takeoverOAuth(t *testing.T, c *client, op *authtest.OIDCProvider, login string) string {
	t.Helper()
	back := op.LoginAs(t, attackOAuthStart(t, c, op), login, authtest.OIDCPassword)
	return c.get(back.RequestURI()).Header().Get("Location")
}

// takeoverEmailSignIn signs c in by e-mail as addr (box receives the link)
// and returns the adapter user.
func takeoverEmailSignIn(t *testing.T, c *client, store nextauth.Adapter, box *outbox, addr string) nextauth.User {
	t.Helper()
	w := c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {addr}, "json": {"true"}})
	if !strings.Contains(w.Body.String(), "/verify-request?") {
		t.Fatalf("POST /signin/email %s = %d %s", addr, w.Code, w.Body)
	}
	if w := c.get(pathOf(t, box.last(t).URL)); w.Code != http.StatusFound || strings.Contains(w.Header().Get("Location"), "error") {
		t.Fatalf("e-mail link of %s = %d %q", addr, w.Code, w.Header().Get("Location"))
	}
	u, err := store.GetUserByEmail(context.Background(), addr)
	if err != nil {
		t.Fatalf("user %s after the e-mail sign-in: %v", addr, err)
	}
	return u
}

// tokenOf decodes c's session token with the handler.
func tokenOf(t *testing.T, h *nextauth.Handler, c *client) jwt.Claims {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", c.cookieHeader())
	claims, err := h.Token(r)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return claims
}

// TestAttackDeadSessionLinksOAuth: a victim signs in; an attacker keeps a
// copy of the session cookie; the session dies (sign-out, the admin
// API's RevokeSession and SignOutEverywhere, a database session past its
// expiry not swept yet); the attacker then completes an OAuth sign-in of
// an IdP account of their own with that cookie. The account must not be
// linked to the victim: nobody is signed in, so it gets a new user (and
// the attacker a session of that user). The controls, a live session and
// a live token under a previous secret, do link (row 4 of the linking
// table): the check refuses exactly what GET /session refuses.
func TestAttackDeadSessionLinksOAuth(t *testing.T) {
	ctx := context.Background()
	type scenario struct {
		name   string
		linked bool // a control: the account joins the victim
		// kill ends the victim's session; h is the handler it was made on.
		// It may return another handler for the attacker's requests.
		kill func(t *testing.T, h *nextauth.Handler, victim *client, victimID string, now *time.Time) *nextauth.Handler
	}
	signOut := func(t *testing.T, h *nextauth.Handler, victim *client, _ string, _ *time.Time) *nextauth.Handler {
		if w := victim.postForm("/api/auth/signout", url.Values{"csrfToken": {victim.csrf()}, "json": {"true"}}); w.Code != http.StatusOK {
			t.Fatalf("POST /signout = %d %s", w.Code, w.Body)
		}
		return h
	}
	everywhere := func(t *testing.T, h *nextauth.Handler, _ *client, victimID string, _ *time.Time) *nextauth.Handler {
		if _, err := h.SignOutEverywhere(ctx, victimID); err != nil {
			t.Fatal(err)
		}
		return h
	}
	live := func(_ *testing.T, h *nextauth.Handler, _ *client, _ string, _ *time.Time) *nextauth.Handler { return h }
	database := []scenario{
		{"live session (control)", true, live},
		{"signed out", false, signOut},
		{"RevokeSession", false, func(t *testing.T, h *nextauth.Handler, victim *client, _ string, _ *time.Time) *nextauth.Handler {
			if err := h.RevokeSession(ctx, victim.jar["next-auth.session-token"]); err != nil {
				t.Fatal(err)
			}
			return h
		}},
		{"SignOutEverywhere", false, everywhere},
		{"past its expiry, not swept", false, func(_ *testing.T, h *nextauth.Handler, _ *client, _ string, now *time.Time) *nextauth.Handler {
			*now = now.Add(30*24*time.Hour + time.Minute)
			return h
		}},
	}
	// rotated is a handler on the same store whose secret is new, the test
	// handler's now a previous one.
	var rotated func() *nextauth.Handler
	jwtScenarios := []scenario{
		{"live token (control)", true, live},
		{"live token under a previous secret (control)", true, func(*testing.T, *nextauth.Handler, *client, string, *time.Time) *nextauth.Handler {
			return rotated()
		}},
		{"signed out", false, signOut},
		{"signed out, then the secret rotated", false, func(t *testing.T, h *nextauth.Handler, victim *client, id string, now *time.Time) *nextauth.Handler {
			signOut(t, h, victim, id, now)
			return rotated()
		}},
		{"RevokeSession", false, func(t *testing.T, h *nextauth.Handler, victim *client, _ string, _ *time.Time) *nextauth.Handler {
			sid, _ := tokenOf(t, h, victim)["sid"].(string)
			if err := h.RevokeSession(ctx, sid); err != nil {
				t.Fatal(err)
			}
			return h
		}},
		{"SignOutEverywhere", false, everywhere},
	}

	for _, st := range adapterStores() {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			var users []authtest.OIDCOption
			logins := map[string]string{}
			for _, s := range [...]struct {
				strategy  string
				scenarios []scenario
			}{{"database", database}, {"jwt", jwtScenarios}} {
				for i, sc := range s.scenarios {
					sub := s.strategy + "-" + string(rune('a'+i))
					logins[s.strategy+"/"+sc.name] = sub
					users = append(users, authtest.WithUser(sub, "mallory-"+sub+"@evil.example", "Mallory"))
				}
			}
			op := authtest.NewOIDCProvider(t, users...)
			run := func(t *testing.T, strategy nextauth.SessionStrategy, sc scenario) {
				now := time.Now().Truncate(time.Second)
				box := &outbox{}
				mutate := func(secret string, previous ...string) func(*nextauth.Config) {
					return func(c *nextauth.Config) {
						c.Adapter = store
						c.Session.Strategy = strategy
						c.Secret, c.PreviousSecrets = secret, previous
						c.Now = func() time.Time { return now }
						c.Providers = append(c.Providers, corpProvider(op, []string{"state", "pkce"}, ""), provider.Email(provider.EmailConfig{Sender: box}))
					}
				}
				h := newHandler(t, mutate(testSecret))
				rotated = func() *nextauth.Handler { return newHandler(t, mutate("rotated secret", testSecret)) }
				victim := newClient(t, h)
				var victimID string
				if strategy == nextauth.StrategyDatabase {
					victim.signIn() // alice, by credentials: a database session of her adapter user
					u, err := store.GetUserByAccount(ctx, "credentials", "1")
					if err != nil {
						t.Fatal(err)
					}
					victimID = u.ID
				} else {
					// A JWT naming an adapter user: an e-mail sign-in.
					sub := logins[string(strategy)+"/"+sc.name]
					victimID = takeoverEmailSignIn(t, victim, store, box, "victim-"+sub+"@example.com").ID
					if got := tokenOf(t, h, victim)["sub"]; got != victimID {
						t.Fatalf("victim's token sub = %v, want %s", got, victimID)
					}
				}
				attacker := attackCloneClient(t, victim) // the stolen cookie
				attacker.h = sc.kill(t, h, victim, victimID, &now)

				sub := logins[string(strategy)+"/"+sc.name]
				loc := takeoverOAuth(t, attacker, op, "mallory-"+sub+"@evil.example")
				got, err := store.GetUserByAccount(ctx, "corp", sub)
				if err != nil {
					t.Fatalf("callback = %q; the IdP account is not stored: %v", loc, err)
				}
				if sc.linked {
					if got.ID != victimID || loc != attackOrigin+"/home" {
						t.Errorf("control: callback = %q, account linked to user %s; want /home and the victim %s", loc, got.ID, victimID)
					}
					return
				}
				if got.ID == victimID {
					t.Fatalf("the attacker's IdP account was linked to the victim (user %s) through a dead session", victimID)
				}
				if loc != attackOrigin+"/home" || got.Email.String() != "mallory-"+sub+"@evil.example" {
					t.Errorf("callback = %q, account of user %+v; want /home and a new user with the IdP's e-mail", loc, got)
				}
				if body := attacker.get("/api/auth/session").Body.String(); !strings.Contains(body, "mallory-"+sub) {
					t.Errorf("the attacker's session = %s, want the new user's", body)
				}
			}
			for _, sc := range database {
				t.Run("database/"+sc.name, func(t *testing.T) { run(t, nextauth.StrategyDatabase, sc) })
			}
			for _, sc := range jwtScenarios {
				t.Run("jwt/"+sc.name, func(t *testing.T) { run(t, nextauth.StrategyJWT, sc) })
			}
		})
	}
}

// takeoverCredentials is a credentials provider id whose Authorize signs
// in users[username] with the password "pw".
func takeoverCredentials(id string, dangerous bool, users map[string]*nextauth.User) nextauth.Provider {
	return provider.Credentials(provider.CredentialsConfig{
		ID:                                id,
		AllowDangerousEmailAccountLinking: dangerous,
		Fields:                            []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}},
		Authorize: func(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
			if u, ok := users[c["username"]]; ok && c["password"] == "pw" {
				cp := *u
				return &cp, nil
			}
			return nil, nil
		},
	})
}

// takeoverSignIn posts a credentials sign-in in JSON mode.
func takeoverSignIn(c *client, providerID, username string) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.postForm("/api/auth/callback/"+providerID, url.Values{"csrfToken": {c.csrf()}, "username": {username}, "password": {"pw"}, "json": {"true"}})
}

// TestAttackCredentialsIDTakenForAdapterUser: under the JWT strategy with
// an adapter, a credentials user whose Authorize id equals an adapter
// user's id (the README's "1" and the first SQL user) signs in, then
// completes an OAuth sign-in in the same browser. The IdP account must not
// be linked to the adapter user: the token of a credentials sign-in is
// marked and never resolved through the adapter.
func TestAttackCredentialsIDTakenForAdapterUser(t *testing.T) {
	ctx := context.Background()
	for _, st := range adapterStores() {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			victim, err := store.CreateUser(ctx, nextauth.User{Name: nextauth.String("Victim"), Email: nextauth.String("victim@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			op := authtest.NewOIDCProvider(t, authtest.WithUser("idp-mallory", "mallory@evil.example", "Mallory"))
			users := map[string]*nextauth.User{"mallory": {ID: victim.ID, Name: nextauth.String("Mallory"), Email: nextauth.String("mallory@evil.example")}}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = store
				c.Session.Strategy = nextauth.StrategyJWT
				c.Providers = []nextauth.Provider{takeoverCredentials("credentials", false, users), corpProvider(op, []string{"state"}, "")}
			})
			attacker := newClient(t, h)
			if w := takeoverSignIn(attacker, "credentials", "mallory"); w.Code != http.StatusOK {
				t.Fatalf("credentials sign-in = %d %s", w.Code, w.Body)
			}
			if claims := tokenOf(t, h, attacker); claims["sub"] != victim.ID || claims["credentials_provider"] != "credentials" {
				t.Fatalf("credentials token = %v, want sub %s and the credentials_provider marker", claims, victim.ID)
			}
			loc := takeoverOAuth(t, attacker, op, "mallory@evil.example")
			got, err := store.GetUserByAccount(ctx, "corp", "idp-mallory")
			if err != nil {
				t.Fatalf("callback = %q; the IdP account is not stored: %v", loc, err)
			}
			if got.ID == victim.ID {
				t.Fatalf("the IdP account was linked to adapter user %s, whose id the credentials user has", victim.ID)
			}
			if loc != attackOrigin+"/home" || got.Email.String() != "mallory@evil.example" {
				t.Errorf("callback = %q, user %+v; want /home and a new user", loc, got)
			}
		})
	}
}

// TestCredentialsRevocationApart: under the JWT strategy the admin API's
// "sign out everywhere" of adapter user X does not end the sessions of a
// credentials user whose id is also X, and the credentials route does not
// end the adapter user's; each ends its own. A token minted by a Node.js
// app on the same secret (no marker) is ended by the adapter user's
// route, as in NextAuth.
func TestCredentialsRevocationApart(t *testing.T) {
	const adminToken = "0123456789abcdef0123456789abcdef"
	for _, st := range adapterStores() {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			now := time.Now().Truncate(time.Second)
			box := &outbox{}
			users := map[string]*nextauth.User{}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = store
				c.Session.Strategy = nextauth.StrategyJWT
				c.Now = func() time.Time { return now }
				c.Providers = []nextauth.Provider{takeoverCredentials("creds", false, users), provider.Email(provider.EmailConfig{Sender: box})}
			})
			admin := http.StripPrefix("/admin", h.AdminHandler(adminToken))
			del := func(path string) string {
				r := httptest.NewRequest("DELETE", "/admin"+path, nil)
				r.Header.Set("Authorization", "Bearer "+adminToken)
				w := httptest.NewRecorder()
				admin.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("DELETE %s = %d %s", path, w.Code, w.Body)
				}
				return w.Body.String()
			}
			alive := func(c *client) bool { return sessionOf(h, c.cookieHeader()) != "{}" }

			emailUser := newClient(t, h)
			u := takeoverEmailSignIn(t, emailUser, store, box, "adapter-user@example.com")
			users["sam"] = &nextauth.User{ID: u.ID, Name: nextauth.String("Sam"), Email: nextauth.String("sam@example.com")}
			credsUser := newClient(t, h)
			if w := takeoverSignIn(credsUser, "creds", "sam"); w.Code != http.StatusOK {
				t.Fatalf("credentials sign-in = %d %s", w.Code, w.Body)
			}
			node, err := jwt.NewCodec(jwt.Options{Secret: testSecret, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			nodeTok, err := node.Encode(jwt.Claims{"sub": u.ID, "email": "adapter-user@example.com"}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			nodeCookie := "next-auth.session-token=" + nodeTok
			if !alive(emailUser) || !alive(credsUser) || sessionOf(h, nodeCookie) == "{}" {
				t.Fatal("a session is dead before any revocation")
			}

			// The credentials user first: the adapter user and the Node
			// token are not touched.
			now = now.Add(2 * time.Second)
			if body := del("/credentials/creds/users/" + url.PathEscape(u.ID) + "/sessions"); body != `{"deleted":0}` {
				t.Errorf("credentials sign out everywhere = %s", body)
			}
			if alive(credsUser) {
				t.Error("the credentials user's session survived its sign out everywhere")
			}
			if !alive(emailUser) || sessionOf(h, nodeCookie) == "{}" {
				t.Error("signing the credentials user out everywhere ended the adapter user's sessions")
			}

			// A new credentials session, then the adapter user.
			now = now.Add(2 * time.Second)
			again := newClient(t, h)
			if w := takeoverSignIn(again, "creds", "sam"); w.Code != http.StatusOK {
				t.Fatalf("credentials sign-in again = %d %s", w.Code, w.Body)
			}
			now = now.Add(2 * time.Second)
			del("/users/" + url.PathEscape(u.ID) + "/sessions")
			if alive(emailUser) {
				t.Error("the adapter user's session survived its sign out everywhere")
			}
			if sessionOf(h, nodeCookie) != "{}" {
				t.Error("a Node.js token (no marker) of the adapter user survived its sign out everywhere")
			}
			if !alive(again) {
				t.Error("signing the adapter user out everywhere ended the credentials user's session")
			}
		})
	}
}

// TestSignOutEverywhereCredentialsErrors: the credentials route names a
// configured credentials provider and a user id.
func TestSignOutEverywhereCredentialsErrors(t *testing.T) {
	const adminToken = "0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = memory.New()
		c.Session.Strategy = nextauth.StrategyJWT
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: box}))
	})
	if _, err := h.SignOutEverywhereCredentials(ctx, "nope", "1"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("unknown provider: %v, want ErrNotFound", err)
	}
	if _, err := h.SignOutEverywhereCredentials(ctx, "email", "1"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("an e-mail provider: %v, want ErrNotFound", err)
	}
	if _, err := h.SignOutEverywhereCredentials(ctx, "credentials", ""); err == nil {
		t.Error("empty id: no error")
	}
	admin := http.StripPrefix("/admin", h.AdminHandler(adminToken))
	for path, want := range map[string]int{
		"/admin/credentials/nope/users/1/sessions":        http.StatusNotFound,
		"/admin/credentials/email/users/1/sessions":       http.StatusNotFound,
		"/admin/credentials/credentials/users/1/sessions": http.StatusOK,
	} {
		r := httptest.NewRequest("DELETE", path, nil)
		r.Header.Set("Authorization", "Bearer "+adminToken)
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("DELETE %s = %d %s, want %d", path, w.Code, w.Body, want)
		}
	}
	// Without a JWTRevoker there is nothing to record revocations in.
	plain := newHandler(t, nil)
	if _, err := plain.SignOutEverywhereCredentials(ctx, "credentials", "1"); !errors.Is(err, nextauth.ErrNotSupported) {
		t.Errorf("no adapter: %v, want ErrNotSupported", err)
	}
}

// TestNodeTokenKeepsV4Linking: a token minted by a Node.js app on the same
// secret carries no marker, so its sub is taken for an adapter user's id
// at an OAuth callback, as NextAuth does: the new account joins that user.
func TestNodeTokenKeepsV4Linking(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	u, err := store.CreateUser(ctx, nextauth.User{Email: nextauth.String("node-user@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	op := authtest.NewOIDCProvider(t, authtest.WithUser("idp-node", "node-idp@example.com", "Node"))
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = store
		c.Session.Strategy = nextauth.StrategyJWT
		c.Providers = append(c.Providers, corpProvider(op, []string{"state"}, ""))
	})
	tok, err := jwt.Encode(testSecret, jwt.Claims{"sub": u.ID, "email": "node-user@example.com"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, h)
	c.jar["next-auth.session-token"] = tok
	c.order = append(c.order, "next-auth.session-token")
	loc := takeoverOAuth(t, c, op, "node-idp@example.com")
	if got, err := store.GetUserByAccount(ctx, "corp", "idp-node"); err != nil || got.ID != u.ID || loc != attackOrigin+"/home" {
		t.Errorf("callback = %q, account of %+v, %v; want it linked to %s", loc, got, err, u.ID)
	}
}

// TestCredentialsMarker: the marker of a credentials token survives a jwt
// callback that drops it, at sign-in and at every re-issue; a callback
// cannot add it to the token of another sign-in.
func TestCredentialsMarker(t *testing.T) {
	box := &outbox{}
	store := memory.New()
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = store
		c.Session.Strategy = nextauth.StrategyJWT
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: box}))
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			out := jwt.Claims{}
			for k, v := range p.Token {
				out[k] = v
			}
			if _, ok := out["credentials_provider"]; ok {
				delete(out, "credentials_provider")
			} else {
				out["credentials_provider"] = "forged"
			}
			return out, nil
		}
	})
	c := newClient(t, h)
	c.signIn()
	if got := tokenOf(t, h, c)["credentials_provider"]; got != "credentials" {
		t.Errorf("credentials token marker after sign-in = %v, want credentials", got)
	}
	for i := range 2 {
		c.get("/api/auth/session")
		if got := tokenOf(t, h, c)["credentials_provider"]; got != "credentials" {
			t.Errorf("credentials token marker after re-issue %d = %v, want credentials", i+1, got)
		}
	}
	e := newClient(t, h)
	takeoverEmailSignIn(t, e, store, box, "mark@example.com")
	if got, ok := tokenOf(t, h, e)["credentials_provider"]; ok {
		t.Errorf("e-mail token marker after sign-in = %v, want none", got)
	}
	e.get("/api/auth/session")
	if got, ok := tokenOf(t, h, e)["credentials_provider"]; ok {
		t.Errorf("e-mail token marker after re-issue = %v, want none", got)
	}
}

// TestAttackCredentialsEmailTakeover: under the database strategy a
// credentials provider's Authorize returns an e-mail address that an
// existing (e-mail) user has, with an id the provider never linked. The
// sign-in is refused as a failed credentials sign-in and writes nothing;
// with the provider's AllowDangerousEmailAccountLinking it links to that
// user; a returning credentials user still signs in.
func TestAttackCredentialsEmailTakeover(t *testing.T) {
	ctx := context.Background()
	const refused = `{"url":"http://localhost:3111/api/auth/error?error=CredentialsSignin&provider=`
	for _, st := range adapterStores() {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			box := &outbox{}
			var created, linked int
			users := map[string]*nextauth.User{
				"mallory": {ID: "mallory-7", Name: nextauth.String("Mallory"), Email: nextauth.String("victim@example.com")},
				"carol":   {ID: "carol-3", Name: nextauth.String("Carol"), Email: nextauth.String("carol@example.com")},
			}
			h := newHandler(t, func(c *nextauth.Config) {
				c.Adapter = store
				c.Providers = []nextauth.Provider{
					takeoverCredentials("creds", false, users),
					takeoverCredentials("linker", true, users),
					provider.Email(provider.EmailConfig{Sender: box}),
				}
				c.Events.CreateUser = func(context.Context, nextauth.User) { created++ }
				c.Events.LinkAccount = func(context.Context, nextauth.LinkAccountEvent) { linked++ }
			})
			victim := takeoverEmailSignIn(t, newClient(t, h), store, box, "victim@example.com")
			before, err := h.ListSessions(ctx, victim.ID)
			if err != nil || len(before) != 1 {
				t.Fatalf("victim's sessions = %v, %v; want 1", before, err)
			}
			created, linked = 0, 0

			// The attack.
			attacker := newClient(t, h)
			w := takeoverSignIn(attacker, "creds", "mallory")
			if w.Code != http.StatusUnauthorized || w.Body.String() != refused+`creds"}` {
				t.Errorf("credentials sign-in with the victim's e-mail = %d %s, want 401 %screds\"}", w.Code, w.Body, refused)
			}
			if _, ok := attacker.jar["next-auth.session-token"]; ok {
				t.Error("the refused sign-in set a session cookie")
			}
			if u, err := store.GetUserByAccount(ctx, "creds", "mallory-7"); !errors.Is(err, nextauth.ErrNotFound) {
				t.Errorf("credentials account after the refusal = %+v, %v; want none", u, err)
			}
			if list, err := h.ListSessions(ctx, victim.ID); err != nil || len(list) != 1 || list[0].SessionToken != before[0].SessionToken {
				t.Errorf("victim's sessions after the refusal = %v, %v; want only the first", list, err)
			}
			if created != 0 || linked != 0 {
				t.Errorf("the refusal fired %d createUser and %d linkAccount events", created, linked)
			}
			// Also as a redirect (no json): the error page of CredentialsSignin.
			w = attacker.postForm("/api/auth/callback/creds", url.Values{"csrfToken": {attacker.csrf()}, "username": {"mallory"}, "password": {"pw"}})
			if got := w.Header().Get("Location"); w.Code != http.StatusFound || got != "http://localhost:3111/api/auth/error?error=CredentialsSignin&provider=creds" {
				t.Errorf("the refusal without json = %d %q", w.Code, got)
			}

			// The opt-in links the credentials account to the victim.
			optIn := newClient(t, h)
			if w := takeoverSignIn(optIn, "linker", "mallory"); w.Code != http.StatusOK {
				t.Fatalf("sign-in with AllowDangerousEmailAccountLinking = %d %s", w.Code, w.Body)
			}
			if u, err := store.GetUserByAccount(ctx, "linker", "mallory-7"); err != nil || u.ID != victim.ID {
				t.Errorf("linker account = %+v, %v; want linked to %s", u, err, victim.ID)
			}
			if body := optIn.get("/api/auth/session").Body.String(); !strings.Contains(body, "victim@example.com") {
				t.Errorf("session after the opt-in sign-in = %s", body)
			}

			// A new credentials user is created; signing in again finds it
			// by its account.
			for i := range 2 {
				c := newClient(t, h)
				if w := takeoverSignIn(c, "creds", "carol"); w.Code != http.StatusOK {
					t.Fatalf("carol's sign-in %d = %d %s", i+1, w.Code, w.Body)
				}
				if body := c.get("/api/auth/session").Body.String(); !strings.Contains(body, "carol@example.com") {
					t.Errorf("carol's session %d = %s", i+1, body)
				}
			}
			carol, err := store.GetUserByAccount(ctx, "creds", "carol-3")
			if err != nil || carol.Email.String() != "carol@example.com" || carol.ID == victim.ID {
				t.Errorf("carol = %+v, %v", carol, err)
			}
			if list, err := h.ListSessions(ctx, carol.ID); err != nil || len(list) != 2 {
				t.Errorf("carol's sessions = %d, %v; want 2", len(list), err)
			}
		})
	}
}
