package nextauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/rules"
)

// withClaims gives alice's sign-in the provider claims claims.
func withClaims(claims map[string]any) func(*nextauth.Config) {
	return func(cfg *nextauth.Config) {
		p := cfg.Providers[0].(nextauth.CredentialsProvider)
		cfg.Providers[0] = claimsProvider{p, claims}
	}
}

// claimsProvider is a credentials provider whose users carry claims.
type claimsProvider struct {
	nextauth.CredentialsProvider
	claims map[string]any
}

func (p claimsProvider) Authorize(ctx context.Context, c nextauth.Credentials, r *http.Request) (*nextauth.User, error) {
	u, err := p.CredentialsProvider.Authorize(ctx, c, r)
	if u != nil {
		u.Claims = p.claims
	}
	return u, err
}

func mustRules(t testing.TB, cfg rules.Config) *rules.Rules {
	t.Helper()
	r, err := rules.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sessionToken decodes the client's session token.
func sessionToken(t *testing.T, c *client) jwt.Claims {
	t.Helper()
	codec, err := jwt.NewCodec(jwt.Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := codec.Decode(c.jar["next-auth.session-token"])
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestClaimsJWT: provider claims and rule claims reach the token; the
// protected ones cannot be set; user_fields shows chosen ones in
// /session, and without user_fields /session is NextAuth's.
func TestClaimsJWT(t *testing.T) {
	r := mustRules(t, rules.Config{Claims: map[string]string{
		"role":  `"admins" in user.groups ? "admin" : "user"`,
		"level": `token.level + 1.0`,
		"dept":  `null`,
	}})
	provider := map[string]any{"groups": []any{"admins"}, "level": 1.0, "dept": "ops", "sub": "evil", "credentials_provider": "", "exp": 1.0}
	for _, tt := range []struct {
		name   string
		fields []string
		want   string
	}{
		{"default", nil, `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png"},"expires":"`},
		{"user fields", []string{"id", "role", "level", "groups", "missing"},
			`{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png","groups":["admins"],"id":"1","level":2,"role":"admin"},"expires":"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, func(cfg *nextauth.Config) {
				withClaims(provider)(cfg)
				cfg.Claims = []nextauth.ClaimsFunc{r.Claims}
				cfg.Session.UserFields = tt.fields
			})
			c := newClient(t, h)
			c.signIn()
			tok := sessionToken(t, c)
			if tok["sub"] != "1" || tok["credentials_provider"] != "credentials" || tok["role"] != "admin" || tok["level"] != 2.0 {
				t.Errorf("token = %v; want sub 1, the marker, role admin, level 2", tok)
			}
			if _, ok := tok["dept"]; ok {
				t.Errorf("token has dept %v; a null rule removes it", tok["dept"])
			}
			if exp, _ := tok["exp"].(float64); exp < 2 {
				t.Errorf("exp = %v; the provider's exp was taken", tok["exp"])
			}
			body := c.get("/api/auth/session").Body.String()
			if !strings.HasPrefix(body, tt.want) || strings.Count(body, "}") != 2 {
				t.Errorf("GET /session = %s\nwant %s…", body, tt.want)
			}
		})
	}
}

// TestAllowExpression: a false allow rule is AccessDenied; an error in
// it too, logged.
func TestAllowExpression(t *testing.T) {
	for _, tt := range []struct {
		name, expr string
		denied     bool
		log        string
	}{
		{"true", `user.email.endsWith("@example.com")`, false, ""},
		{"false", `account.provider == "github"`, true, ""},
		{"error", `profile.login == "alice"`, true, "no such key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			r := mustRules(t, rules.Config{Allow: tt.expr})
			h := newHandler(t, func(cfg *nextauth.Config) {
				cfg.Callbacks.SignIn = r.SignIn
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			c := newClient(t, h)
			w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}})
			loc := w.Header().Get("Location")
			if denied := strings.Contains(loc, "error=AccessDenied"); denied != tt.denied {
				t.Errorf("sign-in: %d to %q; want denied %v", w.Code, loc, tt.denied)
			}
			if w.Code >= 500 {
				t.Errorf("sign-in status %d", w.Code)
			}
			if tt.log != "" && !strings.Contains(logs.String(), tt.log) {
				t.Errorf("logs = %s; want %q", logs.String(), tt.log)
			}
		})
	}
}

// TestClaimsError: a failing claims rule ends the sign-in with
// Configuration, logged as CLAIMS_ERROR, and no session.
func TestClaimsError(t *testing.T) {
	var logs bytes.Buffer
	r := mustRules(t, rules.Config{Claims: map[string]string{"role": `profile.groups[0]`}})
	h := newHandler(t, func(cfg *nextauth.Config) {
		cfg.Claims = []nextauth.ClaimsFunc{r.Claims}
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	c := newClient(t, h)
	w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusFound || !strings.HasSuffix(loc, "/api/auth/error?error=Configuration") {
		t.Errorf("sign-in = %d to %q; want 302 to error=Configuration", w.Code, loc)
	}
	if !strings.Contains(logs.String(), "code=CLAIMS_ERROR") {
		t.Errorf("logs = %s; want CLAIMS_ERROR", logs.String())
	}
	if _, ok := c.jar["next-auth.session-token"]; ok {
		t.Error("a session cookie was set")
	}
	// A Go ClaimsFunc's own *Error code is kept.
	h = newHandler(t, func(cfg *nextauth.Config) {
		cfg.Claims = []nextauth.ClaimsFunc{func(context.Context, nextauth.ClaimsParams) (map[string]any, error) {
			return nil, &nextauth.Error{Code: nextauth.CodeAccessDenied, Err: errors.New("no")}
		}}
	})
	c = newClient(t, h)
	w = c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"}})
	if loc := w.Header().Get("Location"); !strings.HasSuffix(loc, "error=AccessDenied") {
		t.Errorf("sign-in = %d to %q; want error=AccessDenied", w.Code, loc)
	}
}

// TestUserFieldsConfig: user_fields are checked by New.
func TestUserFieldsConfig(t *testing.T) {
	_, err := nextauth.New(testConfig(func(cfg *nextauth.Config) { cfg.Session.UserFields = []string{"id", "email", "sid", "id"} }))
	for _, want := range []string{`"email" is always`, `"sid" is a claim the server keeps`, `"id" is listed twice`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v; want %q", err, want)
		}
	}
}

// TestProtectedClaims lists what no rule may touch.
func TestProtectedClaims(t *testing.T) {
	want := []string{"auth_time", "credentials_provider", "exp", "iat", "jti", "nbf", "oauth", "sid", "sub"}
	if got := nextauth.ProtectedClaims(); !reflect.DeepEqual(got, want) {
		t.Errorf("ProtectedClaims() = %v, want %v", got, want)
	}
}

// TestClaimsDecodedByNextAuth: the real next-auth/jwt decodes a token
// whose claims came from a provider and a CEL rule.
func TestClaimsDecodedByNextAuth(t *testing.T) {
	nodetest.Require(t)
	r := mustRules(t, rules.Config{Claims: map[string]string{"role": `"admins" in user.groups ? "admin" : "user"`}})
	h := newHandler(t, func(cfg *nextauth.Config) {
		withClaims(map[string]any{"groups": []any{"admins", "staff"}})(cfg)
		cfg.Claims = []nextauth.ClaimsFunc{r.Claims}
	})
	c := newClient(t, h)
	c.signIn()
	out := nodetest.RunJWT(t, map[string]any{"op": "decode", "token": c.jar["next-auth.session-token"], "secret": testSecret})
	got, _ := out["claims"].(map[string]any)
	if out["ok"] != true || got["role"] != "admin" || got["sub"] != "1" || !reflect.DeepEqual(got["groups"], []any{"admins", "staff"}) {
		t.Errorf("next-auth/jwt decode = %v; want role admin, sub 1, groups [admins staff]", out)
	}
}
