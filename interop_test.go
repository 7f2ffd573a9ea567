package nextauth_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
)

// TestSessionsSharedWithNode: a session the handler starts is read by the
// real next-auth/jwt getToken (plain and chunked), and a token next-auth/jwt
// mints is a session here; a Node token under another secret is not.
func TestSessionsSharedWithNode(t *testing.T) {
	nodetest.Require(t)
	big := strings.Repeat("n", 7000)
	for _, tc := range []struct {
		name    string
		blob    string
		chunked bool
	}{{"plain", "", false}, {"chunked", big, true}} {
		t.Run("go to node/"+tc.name, func(t *testing.T) {
			h := newHandler(t, func(c *nextauth.Config) {
				c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
					if p.User != nil && tc.blob != "" {
						p.Token["blob"] = tc.blob
					}
					return p.Token, nil
				}
			})
			c := newClient(t, h)
			c.signIn()
			cookies := map[string]string{}
			for n, v := range c.jar {
				if strings.HasPrefix(n, "next-auth.session-token") {
					cookies[n] = v
				}
			}
			if _, chunked := cookies["next-auth.session-token.1"]; chunked != tc.chunked {
				t.Fatalf("session cookies %v, chunked = %v, want %v", keys(cookies), chunked, tc.chunked)
			}
			res := nodetest.RunJWT(t, map[string]any{"op": "getToken", "cookies": cookies, "secret": testSecret})
			claims, _ := res["claims"].(map[string]any)
			if res["ok"] != true || claims["sub"] != "1" || claims["email"] != "alice@example.com" || claims["blob"] != nilIfEmpty(tc.blob) {
				t.Errorf("next-auth/jwt getToken = %.300v", res)
			}
			res = nodetest.RunJWT(t, map[string]any{"op": "getToken", "cookies": cookies, "secret": "another secret"})
			if res["ok"] != true || res["claims"] != nil {
				t.Errorf("next-auth/jwt getToken with another secret = %.300v, want null", res)
			}
		})
	}

	t.Run("node to go", func(t *testing.T) {
		claims := map[string]any{"name": "Node User", "email": "node@example.com", "picture": "https://img.example/n.png", "sub": "42", "role": "editor"}
		res := nodetest.RunJWTBatch(t, []any{
			map[string]any{"op": "encode", "token": claims, "secret": testSecret, "maxAge": 3600},
			map[string]any{"op": "encode", "token": claims, "secret": "another secret", "maxAge": 3600},
		})
		good, _ := res[0]["token"].(string)
		bad, _ := res[1]["token"].(string)
		if good == "" || bad == "" {
			t.Fatalf("next-auth/jwt encode = %v", res)
		}
		h := newHandler(t, func(c *nextauth.Config) {
			c.Callbacks.Session = func(_ context.Context, p nextauth.SessionParams) (*nextauth.Session, error) {
				p.Session.User.Extra = map[string]any{"role": p.Token["role"]}
				return p.Session, nil
			}
		})
		for _, tt := range []struct{ name, token, want string }{
			{"same secret", good, `{"user":{"name":"Node User","email":"node@example.com","image":"https://img.example/n.png","role":"editor"},"expires":"`},
			{"other secret", bad, `{}`},
		} {
			r := httptest.NewRequest("GET", "/api/auth/session", nil)
			r.Header.Set("Cookie", "next-auth.session-token="+tt.token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !strings.HasPrefix(w.Body.String(), tt.want) {
				t.Errorf("%s: GET /session = %s, want %s…", tt.name, w.Body, tt.want)
			}
		}
		// The token we re-issue decodes in Node with the claims intact.
		r := httptest.NewRequest("GET", "/api/auth/session", nil)
		r.Header.Set("Cookie", "next-auth.session-token="+good)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var reissued string
		for _, sc := range w.Header().Values("Set-Cookie") {
			if v, ok := strings.CutPrefix(sc, "next-auth.session-token="); ok {
				reissued, _, _ = strings.Cut(v, ";")
			}
		}
		out := nodetest.RunJWT(t, map[string]any{"op": "decode", "token": reissued, "secret": testSecret})
		got, _ := out["claims"].(map[string]any)
		if out["ok"] != true || got["role"] != "editor" || got["sub"] != "42" {
			t.Errorf("next-auth/jwt decode of the re-issued token = %v", out)
		}
		if exp, _ := got["exp"].(float64); exp < float64(time.Now().Add(29*24*time.Hour).Unix()) {
			t.Errorf("re-issued exp = %v, want about 30 days ahead", got["exp"])
		}
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
