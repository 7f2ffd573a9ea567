package nextauth_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeHTTP throws arbitrary requests at the handler: it must never
// panic or answer 5xx.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct{ method, path, ct, body, cookie string }{
		{"GET", "/api/auth/session", "", "", "next-auth.session-token=abc"},
		{"POST", "/api/auth/callback/credentials", "application/x-www-form-urlencoded", "csrfToken=x&username=alice&password=wonderland&json=true", "next-auth.csrf-token=a%7Cb"},
		{"POST", "/api/auth/session", "application/json", `{"csrfToken":"x","data":{"a":[1,2]}}`, ""},
		{"GET", "/api/auth/signin?callbackUrl=javascript:x&error=%zz", "", "", "next-auth.callback-url=%"},
		{"POST", "/api/auth/signout", "application/json", "{", ""},
		{"GET", "/api/auth/error/AccessDenied", "", "", ""},
		{"POST", "/api/auth/_log", "text/plain", "level=warn&code=X", ""},
		{"GET", "/api/auth/session", "", "", "next-auth.session-token.1=x; next-auth.session-token.0=eyJ"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.ct, s.body, s.cookie)
	}
	h := newHandler(f, nil)
	f.Fuzz(func(t *testing.T, method, path, ct, body, cookie string) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || strings.ContainsAny(ct+cookie, "\r\n") {
			return
		}
		r := httptest.NewRequest("GET", "http://localhost:3111/", strings.NewReader(body))
		r.Method = method
		u, err := r.URL.Parse(path)
		if err != nil {
			return
		}
		r.URL = u
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s (%q, %q, cookie %q) = %d %s", method, path, ct, body, cookie, w.Code, w.Body)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
