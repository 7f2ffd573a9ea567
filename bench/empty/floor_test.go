package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/csrf"
	"github.com/nextauth-go/nextauth/jwt"
)

const testSecret = "floor-test-secret"

// saved writes a response as `curl -si` saves it and reads it back.
func saved(t *testing.T, setCookies []string, body string) *answer {
	t.Helper()
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Tue, 08 Dec 2026 02:37:46 GMT\r\n")
	for _, c := range setCookies {
		b.WriteString("Set-Cookie: " + c + "\r\n")
	}
	b.WriteString("X-Content-Type-Options: nosniff\r\nContent-Length: 2\r\n\r\n" + body)
	f := filepath.Join(t.TempDir(), "resp.txt")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := readAnswer(f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// setCookieValue returns the value of cookie name in the answer's Set-Cookie headers.
func setCookieValue(t *testing.T, res *http.Response, name string) (value, attrs string) {
	t.Helper()
	for _, v := range res.Header.Values("Set-Cookie") {
		if rest, ok := strings.CutPrefix(v, name+"="); ok {
			value, attrs, _ = strings.Cut(rest, ";")
			return value, attrs
		}
	}
	t.Fatalf("no Set-Cookie for %s in %q", name, res.Header.Values("Set-Cookie"))
	return "", ""
}

func TestFloorSessionJWT(t *testing.T) {
	old, err := jwt.Encode(testSecret, jwt.Claims{"name": "Alice", "email": "alice@example.com", "sub": "1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := saved(t, []string{
		"next-auth.session-token=" + old + "; Path=/; Expires=Thu, 07 Jan 2027 02:37:46 GMT; HttpOnly; SameSite=Lax",
		"next-auth.csrf-token=aa%7Cbb; Path=/; HttpOnly; SameSite=Lax",
		"next-auth.callback-url=http%3A%2F%2F127.0.0.1%3A3000; Path=/; HttpOnly; SameSite=Lax",
	}, `{"user":{"name":"Alice","email":"alice@example.com"},"expires":"2027-01-07T02:37:46.000Z"}`)
	h, err := a.floor("session_jwt", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jwt.NewCodec(jwt.Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}

	tokens := map[string]bool{}
	for range 2 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "next-auth.session-token="+old)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode != 200 || rec.Body.String() != a.body {
			t.Fatalf("status %d, body %q", res.StatusCode, rec.Body.String())
		}
		tok, attrs := setCookieValue(t, res, "next-auth.session-token")
		if tok == old || tokens[tok] {
			t.Fatal("the session token was not re-issued")
		}
		tokens[tok] = true
		if attrs != " Path=/; Expires=Thu, 07 Jan 2027 02:37:46 GMT; HttpOnly; SameSite=Lax" {
			t.Errorf("session cookie attributes %q", attrs)
		}
		claims, err := codec.Decode(tok)
		if err != nil {
			t.Fatalf("the new token does not decode: %v", err)
		}
		if claims["email"] != "alice@example.com" || claims["jti"] == nil {
			t.Errorf("claims %v", claims)
		}
		c, _ := setCookieValue(t, res, "next-auth.csrf-token")
		if _, _, ok := csrf.Check(strings.Replace(c, "%7C", "|", 1), []string{testSecret}); !ok {
			t.Errorf("CSRF cookie %q does not check", c)
		}
		if v, _ := setCookieValue(t, res, "next-auth.callback-url"); v != "http%3A%2F%2F127.0.0.1%3A3000" {
			t.Errorf("callback-url cookie %q", v)
		}
	}

	for _, cookie := range []string{"", "next-auth.session-token=not-a-token"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("cookie %q: status %d, want 400", cookie, rec.Code)
		}
	}
}

func TestFloorCSRF(t *testing.T) {
	const old = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cookies := []string{"next-auth.csrf-token=" + old + "%7Cbb; Path=/; HttpOnly; SameSite=Lax"}
	for _, tc := range []struct {
		name, body string
		inBody     bool
	}{
		{"csrf", `{"csrfToken":"` + old + `"}`, true},
		{"session without cookie", `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := saved(t, cookies, tc.body)
			h, err := a.floor("csrf", testSecret)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			c, _ := setCookieValue(t, rec.Result(), "next-auth.csrf-token")
			token, _, ok := csrf.Check(strings.Replace(c, "%7C", "|", 1), []string{testSecret})
			if !ok || token == old {
				t.Fatalf("CSRF cookie %q: ok %v", c, ok)
			}
			want := tc.body
			if tc.inBody {
				want = `{"csrfToken":"` + token + `"}`
			}
			if rec.Body.String() != want {
				t.Errorf("body %q, want %q", rec.Body.String(), want)
			}
		})
	}
}

func TestFloorErrors(t *testing.T) {
	a := saved(t, []string{"next-auth.csrf-token=aa%7Cbb; Path=/"}, "{}")
	for _, tc := range []struct{ work, secret, want string }{
		{"session_jwt", "", "NEXTAUTH_SECRET is empty"},
		{"session_jwt", testSecret, "sets no next-auth.session-token cookie"},
		{"providers", testSecret, "want session_jwt or csrf"},
	} {
		if _, err := a.floor(tc.work, tc.secret); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("floor(%q): %v, want %q", tc.work, err, tc.want)
		}
	}
	if _, err := saved(t, nil, "{}").floor("csrf", testSecret); err == nil {
		t.Error("an answer without a CSRF cookie was accepted")
	}
}
