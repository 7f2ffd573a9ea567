package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchServer runs the program with bench/run.sh's configuration
// (bench/nextauth.yaml: JWT sessions, log level warn, the credentials user
// alice) and signs alice in. It returns the server and her session cookie.
func benchServer(tb testing.TB) (*server, string) {
	tb.Helper()
	env := map[string]string{
		"NEXTAUTH_URL":    "http://127.0.0.1:3000/api/auth",
		"NEXTAUTH_SECRET": "nextauth-go-bench-secret-do-not-use-in-production",
	}
	s := startServer(tb, env, "--config", "../../bench/nextauth.yaml")
	b := newBrowser(tb)
	token := b.signIn(s.base, b.csrf(s.base), "alice", "wonderland")
	return s, "next-auth.session-token=" + token
}

// benchRoutes are bench/run.sh's GET rows: path and cookie.
var benchRoutes = []struct{ name, path, cookie string }{
	{"session_jwt", "/api/auth/session", "session"},
	{"session_none", "/api/auth/session", ""},
	{"csrf", "/api/auth/csrf", ""},
	{"providers", "/api/auth/providers", ""},
}

// discardWriter keeps only the status, so that allocations counted are the
// server's, not a recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// serveOnce returns a function answering r with the server's whole request
// path (request id, access log and metrics, security headers, routing, the
// auth handler), as the listener would, without the network.
func serveOnce(s *server, r *http.Request) (func(), *discardWriter) {
	w := &discardWriter{h: http.Header{}}
	return func() {
		clear(w.h)
		w.code = 0
		s.svc.ServeHTTP(w, r)
	}, w
}

// BenchmarkServe is each GET row of bench/run.sh through the binary's whole
// request path, in process: what the server adds to the auth handler's own
// benchmarks (the root package's BenchmarkGetSessionJWT and others), minus
// net/http's reading and writing.
func BenchmarkServe(b *testing.B) {
	s, session := benchServer(b)
	for _, rt := range benchRoutes {
		b.Run(rt.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, rt.path, nil)
			if rt.cookie != "" {
				r.Header.Set("Cookie", session)
			}
			serve, w := serveOnce(s, r)
			b.ReportAllocs()
			for b.Loop() {
				serve()
			}
			if w.code != http.StatusOK {
				b.Fatalf("GET %s = %d", rt.path, w.code)
			}
		})
	}
}
