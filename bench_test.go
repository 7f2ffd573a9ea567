package nextauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
)

// benchRequest signs alice in and returns a GET /session request carrying
// her cookies.
func benchSession(b testing.TB, mutate func(*nextauth.Config)) (*nextauth.Handler, string) {
	h := newHandler(b, mutate)
	c := newClient(b, h)
	c.signIn()
	return h, c.cookieHeader()
}

// BenchmarkGetSessionJWT is a full in-process GET /session with a valid JWT
// cookie: decode, callbacks, re-encode, cookie.
func BenchmarkGetSessionJWT(b *testing.B) {
	h, ck := benchSession(b, nil)
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", ck)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatal(w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status, so that a
// benchmark counts the handler's allocations, not a recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkGetSessionNoCookie is GET /session without a cookie (a CSRF and
// callback-url cookie are issued).
func BenchmarkGetSessionNoCookie(b *testing.B) {
	h := newHandler(b, nil)
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	b.ReportAllocs()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkGetSessionDatabase is GET /session on a database session in the
// memory adapter.
func BenchmarkGetSessionDatabase(b *testing.B) {
	h, ck := benchSession(b, func(c *nextauth.Config) { c.Adapter = memory.New() })
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", ck)
	b.ReportAllocs()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkCSRF is GET /csrf with the cookie already set.
func BenchmarkCSRF(b *testing.B) {
	h, ck := benchSession(b, nil)
	r := httptest.NewRequest("GET", "/api/auth/csrf", nil)
	r.Header.Set("Cookie", ck)
	b.ReportAllocs()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkProviders is GET /providers.
func BenchmarkProviders(b *testing.B) {
	h := newHandler(b, nil)
	r := httptest.NewRequest("GET", "/api/auth/providers", nil)
	b.ReportAllocs()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// TestGetSessionAllocations keeps the in-process GET /session (JWT) within
// 20 allocations, the performance budget; counts, not time, so the check is
// deterministic.
func TestGetSessionAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts; run without -race")
	}
	h, ck := benchSession(t, nil)
	r := httptest.NewRequest("GET", "/api/auth/session", nil)
	r.Header.Set("Cookie", ck)
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	if w.code != 200 || allocs > 20 {
		t.Errorf("GET /session = %d with %.0f allocations per request, want 200 with at most 20", w.code, allocs)
	}
}
