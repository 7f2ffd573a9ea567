package nextauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/jwt"
)

func TestSessionSignedOut(t *testing.T) {
	c := newClient(t, newHandler(t, nil))
	w := c.get("/api/auth/session")
	if w.Code != 200 || w.Body.String() != "{}" {
		t.Fatalf("GET /session = %d %s, want 200 {}", w.Code, w.Body)
	}
	sc := w.Header().Values("Set-Cookie")
	if len(sc) != 2 || !strings.HasPrefix(sc[0], "next-auth.csrf-token=") || !strings.HasPrefix(sc[1], "next-auth.callback-url=") {
		t.Errorf("first GET /session cookies = %q, want csrf then callback-url", sc)
	}
	if got := w.Header().Get("Cache-Control"); got != "private, no-cache, no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
}

func TestSessionGolden(t *testing.T) {
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) { c.Now = func() time.Time { return now } })
	c := newClient(t, h)
	c.signIn()
	now = now.Add(time.Hour)
	w := c.get("/api/auth/session")
	golden(t, "session.json", w.Body.Bytes())
	sc := w.Header().Values("Set-Cookie")
	if len(sc) != 1 || !strings.HasPrefix(sc[0], "next-auth.session-token=") || !strings.HasSuffix(sc[0], "; Path=/; Expires=Sun, 27 Dec 2026 09:39:23 GMT; HttpOnly; SameSite=Lax") {
		t.Errorf("GET /session cookies = %q, want one re-issued session cookie expiring in 30 days", sc)
	}
	codec, _ := jwt.NewCodec(jwt.Options{Secret: testSecret, Now: func() time.Time { return now }})
	claims, err := codec.Decode(c.jar["next-auth.session-token"])
	if err != nil || claims["iat"] != float64(now.Unix()) || claims["sub"] != "1" {
		t.Errorf("re-issued token = %v, %v; want iat %d, sub 1", claims, err, now.Unix())
	}
}

func TestSessionBadTokens(t *testing.T) {
	valid, err := jwt.Encode(testSecret, jwt.Claims{"sub": "1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := jwt.NewCodec(jwt.Options{Secret: testSecret, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := expired.Encode(jwt.Claims{"sub": "1"}, time.Hour)
	other, _ := jwt.Encode("other secret", jwt.Claims{"sub": "1"}, time.Hour)
	tests := map[string]string{
		"garbage":      "garbage",
		"truncated":    valid[:len(valid)-5],
		"tampered":     valid[:60] + strings.Map(func(r rune) rune { return 'A' + (r+1)%26 }, valid[60:61]) + valid[61:],
		"expired":      old,
		"wrong secret": other,
		"percent junk": "%E0%A4%A",
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHandler(t, nil)
			r := httptest.NewRequest("GET", "/api/auth/session", nil)
			r.Header.Set("Cookie", "next-auth.session-token="+tok)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 || w.Body.String() != "{}" {
				t.Errorf("GET /session = %d %s, want 200 {}", w.Code, w.Body)
			}
			sc := w.Header().Values("Set-Cookie")
			want := "next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
			if len(sc) == 0 || sc[len(sc)-1] != want {
				t.Errorf("cookies = %q, want the deletion %q last", sc, want)
			}
		})
	}
}

func TestSessionUpdate(t *testing.T) {
	var gotTrigger string
	var gotData any
	h := newHandler(t, func(c *nextauth.Config) {
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.Trigger == nextauth.TriggerUpdate {
				gotTrigger, gotData = p.Trigger, p.Session
				if m, ok := p.Session.(map[string]any); ok {
					p.Token["name"] = m["name"]
				}
			}
			return p.Token, nil
		}
	})
	c := newClient(t, h)
	c.signIn()
	w := c.do("POST", "/api/auth/session", "application/json", `{"csrfToken":"`+c.csrf()+`","data":{"name":"Alice B."}}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"name":"Alice B."`) {
		t.Fatalf("POST /session = %d %s", w.Code, w.Body)
	}
	if gotTrigger != "update" || gotData.(map[string]any)["name"] != "Alice B." {
		t.Errorf("jwt callback trigger %q data %v", gotTrigger, gotData)
	}
	if w.Header().Get("Cache-Control") != "" {
		t.Errorf("POST /session sent Cache-Control %q, want none", w.Header().Get("Cache-Control"))
	}
	// The new name sticks in the re-issued token.
	if w := c.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"name":"Alice B."`) {
		t.Errorf("GET /session after update = %s", w.Body)
	}
	// Without CSRF: 400 {}.
	w = c.do("POST", "/api/auth/session", "application/json", `{"data":{"name":"Mallory"}}`)
	if w.Code != 400 || w.Body.String() != "{}" {
		t.Errorf("POST /session without csrf = %d %s, want 400 {}", w.Code, w.Body)
	}
}

func TestSessionCallbacks(t *testing.T) {
	var events int
	h := newHandler(t, func(c *nextauth.Config) {
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.User != nil {
				p.Token["role"] = "admin"
			}
			return p.Token, nil
		}
		c.Callbacks.Session = func(_ context.Context, p nextauth.SessionParams) (*nextauth.Session, error) {
			p.Session.User.Extra = map[string]any{"id": p.Token["sub"], "role": p.Token["role"]}
			p.Session.Extra = map[string]any{"accessToken": "at-1", "user": "ignored"}
			return p.Session, nil
		}
		c.Events.Session = func(context.Context, nextauth.SessionEvent) { events++ }
	})
	c := newClient(t, h)
	c.signIn()
	w := c.get("/api/auth/session")
	var s map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	user := s["user"].(map[string]any)
	if user["id"] != "1" || user["role"] != "admin" || s["accessToken"] != "at-1" || user["email"] != "alice@example.com" {
		t.Errorf("session = %s", w.Body)
	}
	if !strings.HasPrefix(w.Body.String(), `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png","id":"1","role":"admin"},"expires":"`) {
		t.Errorf("session key order = %s", w.Body)
	}
	if events != 1 {
		t.Errorf("session events = %d, want 1", events)
	}
}

func TestJWTCallbackEndsSession(t *testing.T) {
	h := newHandler(t, func(c *nextauth.Config) {
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.Trigger == "" {
				return nil, nil
			}
			return p.Token, nil
		}
	})
	c := newClient(t, h)
	c.signIn()
	w := c.get("/api/auth/session")
	if !strings.Contains(w.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("GET /session = %s, want the session built before the callback ended it", w.Body)
	}
	if _, ok := c.jar["next-auth.session-token"]; ok {
		t.Errorf("session cookie kept after the jwt callback returned nil")
	}
}

func TestChunkedSession(t *testing.T) {
	big := strings.Repeat("x", 9000)
	h := newHandler(t, func(c *nextauth.Config) {
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if p.User != nil {
				p.Token["blob"] = big
			}
			return p.Token, nil
		}
		c.Callbacks.Session = func(_ context.Context, p nextauth.SessionParams) (*nextauth.Session, error) {
			p.Session.Extra = map[string]any{"blobLen": len(p.Token["blob"].(string))}
			return p.Session, nil
		}
	})
	c := newClient(t, h)
	c.signIn()
	for _, n := range []string{"next-auth.session-token.0", "next-auth.session-token.1", "next-auth.session-token.2"} {
		if _, ok := c.jar[n]; !ok {
			t.Fatalf("cookie %s missing; jar has %v", n, keys(c.jar))
		}
	}
	if _, ok := c.jar["next-auth.session-token"]; ok {
		t.Fatalf("unchunked cookie present next to chunks")
	}
	w := c.get("/api/auth/session")
	if !strings.Contains(w.Body.String(), `"blobLen":9000`) {
		t.Fatalf("chunked GET /session = %s", w.Body)
	}
	// Sign out clears every chunk.
	w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	for n := range c.jar {
		if strings.HasPrefix(n, "next-auth.session-token") {
			t.Errorf("after sign-out cookie %s remains", n)
		}
	}
	if w.Code != 200 {
		t.Errorf("sign-out = %d", w.Code)
	}
}

// TestPlainAndChunkedSessionCookie replays what the real next-auth 4.24.15
// answers when a plain session cookie and chunk cookies of another token
// arrive together: NextAuth joins every cookie whose name starts with the
// session cookie's name, sorted by the numeric suffix (a name without one
// compares equal to all), so a plain cookie among chunks spoils the token:
// {} and every one of them cleared, in the order they came. Chunks alone,
// in any order, are joined by number and re-issued as one cookie.
func TestPlainAndChunkedSessionCookie(t *testing.T) {
	h := newHandler(t, nil)
	codec, err := jwt.NewCodec(jwt.Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := codec.Encode(jwt.Claims{"name": "Plain", "sub": "p"}, time.Hour)
	other, _ := codec.Encode(jwt.Claims{"name": "Chunked", "sub": "c"}, time.Hour)
	const n = "next-auth.session-token"
	p, c0, c1 := n+"="+plain, n+".0="+other[:100], n+".1="+other[100:]
	tests := []struct {
		name, cookie string
		wantName     string   // "" for {}
		wantCookies  []string // the session cookies set, "-" before a name clears it
	}{
		{"plain first", p + "; " + c0 + "; " + c1, "", []string{"-" + n, "-" + n + ".0", "-" + n + ".1"}},
		{"plain last", c0 + "; " + c1 + "; " + p, "", []string{"-" + n + ".0", "-" + n + ".1", "-" + n}},
		{"plain between", c0 + "; " + p + "; " + c1, "", []string{"-" + n + ".0", "-" + n, "-" + n + ".1"}},
		{"chunks reversed", c1 + "; " + c0, "Chunked", []string{"-" + n + ".1", "-" + n + ".0", n}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/auth/session", nil)
			r.Header.Set("Cookie", tt.cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			body := w.Body.String()
			if tt.wantName == "" && body != "{}" || tt.wantName != "" && !strings.Contains(body, `"name":"`+tt.wantName+`"`) {
				t.Errorf("GET /session = %s, want the session of %q", body, tt.wantName)
			}
			var got []string
			for _, sc := range w.Result().Header.Values("Set-Cookie") {
				ck, err := http.ParseSetCookie(sc)
				if err != nil || !strings.HasPrefix(ck.Name, n) {
					continue
				}
				if ck.MaxAge < 0 {
					got = append(got, "-"+ck.Name)
				} else {
					got = append(got, ck.Name)
				}
			}
			if !slices.Equal(got, tt.wantCookies) {
				t.Errorf("session cookies set = %q, want %q", got, tt.wantCookies)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func TestSignOut(t *testing.T) {
	var signedOut jwt.Claims
	h := newHandler(t, func(c *nextauth.Config) {
		c.Events.SignOut = func(_ context.Context, e nextauth.SignOutEvent) { signedOut = e.Token }
	})
	c := newClient(t, h)
	c.signIn()
	w := c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}, "callbackUrl": {"http://evil.com/x"}})
	if w.Code != 200 || w.Body.String() != `{"url":"http://localhost:3111"}` {
		t.Errorf("POST /signout = %d %s", w.Code, w.Body)
	}
	if _, ok := c.jar["next-auth.session-token"]; ok {
		t.Errorf("session cookie kept after sign-out")
	}
	if signedOut["sub"] != "1" {
		t.Errorf("signOut event token = %v", signedOut)
	}
	if c.jar["next-auth.callback-url"] != "http%3A%2F%2Flocalhost%3A3111" {
		t.Errorf("callback-url cookie = %q", c.jar["next-auth.callback-url"])
	}
	// Signed out already: plain redirect to callbackUrl.
	w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/bye"}})
	if w.Code != 302 || w.Header().Get("Location") != "http://localhost:3111/bye" {
		t.Errorf("POST /signout signed out = %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestGetSessionAndMiddleware(t *testing.T) {
	h := newHandler(t, nil)
	c := newClient(t, h)
	protected := h.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := nextauth.SessionFromContext(r.Context())
		if !ok {
			t.Error("no session in context")
			return
		}
		_, _ = w.Write([]byte("hello " + s.User.Name.String()))
	}))
	call := func(accept string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "http://localhost:3111/dashboard?tab=1", nil)
		if ck := c.cookieHeader(); ck != "" {
			r.Header.Set("Cookie", ck)
		}
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		protected.ServeHTTP(w, r)
		return w
	}
	w := call("text/html,application/xhtml+xml")
	wantLoc := "http://localhost:3111/api/auth/signin?error=SessionRequired&callbackUrl=http%3A%2F%2Flocalhost%3A3111%2Fdashboard%3Ftab%3D1"
	if w.Code != 302 || w.Header().Get("Location") != wantLoc {
		t.Errorf("page without session = %d %q, want 302 %q", w.Code, w.Header().Get("Location"), wantLoc)
	}
	w = call("application/json")
	if w.Code != 401 || w.Body.String() != `{"error":"SessionRequired"}` {
		t.Errorf("API without session = %d %s", w.Code, w.Body)
	}
	c.signIn()
	if w = call("text/html"); w.Code != 200 || w.Body.String() != "hello Alice" {
		t.Errorf("with session = %d %s", w.Code, w.Body)
	}

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", c.cookieHeader())
	rec := httptest.NewRecorder()
	s, err := h.GetSession(rec, r)
	if err != nil || s.User.Email.String() != "alice@example.com" {
		t.Fatalf("GetSession = %v, %v", s, err)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 1 || !strings.HasPrefix(sc[0], "next-auth.session-token=") {
		t.Errorf("GetSession(w) cookies = %q, want the re-issued token", sc)
	}
	claims, err := h.Token(r)
	if err != nil || claims["sub"] != "1" {
		t.Errorf("Token = %v, %v", claims, err)
	}
	// Bearer header works for Token.
	br := httptest.NewRequest("GET", "/", nil)
	br.Header.Set("Authorization", "Bearer "+c.jar["next-auth.session-token"])
	if claims, err := h.Token(br); err != nil || claims["sub"] != "1" {
		t.Errorf("Token(bearer) = %v, %v", claims, err)
	}
	if _, err := h.GetSession(nil, httptest.NewRequest("GET", "/", nil)); err != nextauth.ErrNoSession {
		t.Errorf("GetSession without cookie error = %v, want ErrNoSession", err)
	}
}

func TestSecretRotation(t *testing.T) {
	oldH := newHandler(t, func(c *nextauth.Config) { c.Secret = "old secret" })
	c := newClient(t, oldH)
	c.signIn()
	oldCSRF := c.jar["next-auth.csrf-token"]

	c.h = newHandler(t, func(c *nextauth.Config) { c.Secret = "new secret"; c.PreviousSecrets = []string{"old secret"} })
	w := c.get("/api/auth/session")
	if !strings.Contains(w.Body.String(), `"email":"alice@example.com"`) {
		t.Fatalf("session under rotated secret = %s", w.Body)
	}
	if _, err := jwt.Decode("new secret", c.jar["next-auth.session-token"]); err != nil {
		t.Errorf("re-issued token does not decode with the new secret: %v", err)
	}
	if c.jar["next-auth.csrf-token"] == oldCSRF || !strings.HasPrefix(c.jar["next-auth.csrf-token"], oldCSRF[:64]) {
		t.Errorf("csrf cookie %q not re-hashed with the new secret (was %q)", c.jar["next-auth.csrf-token"], oldCSRF)
	}
	// The old CSRF token still verifies a POST.
	w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {oldCSRF[:64]}, "json": {"true"}})
	if w.Body.String() != `{"url":"http://localhost:3111"}` {
		t.Errorf("sign-out with rotated csrf = %s", w.Body)
	}
	// Without the previous secret the old session is gone.
	c2 := newClient(t, oldH)
	c2.signIn()
	c2.h = newHandler(t, func(c *nextauth.Config) { c.Secret = "new secret" })
	if w := c2.get("/api/auth/session"); w.Body.String() != "{}" {
		t.Errorf("session without previous secret = %s, want {}", w.Body)
	}
}
