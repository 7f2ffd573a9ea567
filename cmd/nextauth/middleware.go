package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/metrics"
)

// The cross-cutting handlers, applied by [generation.chain] in this order,
// outermost first:
//
//  1. withRequestID gives the request its id, so that every later log
//     line, the access log's and the auth handler's own, carries it;
//  2. withAccessLog times and records everything inside it: metrics and
//     one log line per request;
//  3. withSecurityHeaders adds nosniff to every response and the CSP to
//     HTML pages, before the routes write their headers.

// headerRequestID carries the request id, from a trusted proxy and back
// to the client.
const headerRequestID = "X-Request-Id"

// maxRequestIDLength bounds an incoming request id.
const maxRequestIDLength = 128

type requestIDKey struct{}

// requestIDFrom is the request id withRequestID put into ctx.
func requestIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok
}

// withRequestID gives each request an id: the X-Request-Id header of a
// request straight from a trusted proxy when it is a valid id, else a new
// random one. The id goes into the request's context, for the logs, and
// into the response's X-Request-Id header.
func withRequestID(trust []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(headerRequestID)
		if !validRequestID(id) || !fromTrustedProxy(r, trust) {
			id = newRequestID()
		}
		w.Header().Set(headerRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// newRequestID is 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// validRequestID reports whether s is an id worth keeping: 1 to 128
// letters, digits and . _ : - (UUIDs, hex, the ids of common proxies),
// nothing that could forge a log line.
func validRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// peerAddr is the connection's peer address.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func trusted(a netip.Addr, trust []netip.Prefix) bool {
	for _, p := range trust {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether r comes straight from a trusted proxy.
func fromTrustedProxy(r *http.Request, trust []netip.Prefix) bool {
	a, ok := peerAddr(r)
	return ok && trusted(a, trust)
}

// clientAddr is the client's address as the auth handler sees it: the
// peer, or, when the peer is a trusted proxy, the last X-Forwarded-For
// entry that is not a trusted proxy itself.
func clientAddr(r *http.Request, trust []netip.Prefix) string {
	a, ok := peerAddr(r)
	if !ok {
		return r.RemoteAddr
	}
	if !trusted(a, trust) {
		return a.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return a.String()
			}
			if hop = hop.Unmap(); !trusted(hop, trust) {
				return hop.String()
			}
			a = hop
		}
	}
	return a.String()
}

// requestIDHandler adds the request_id attribute to every record logged
// with a context that carries one (the auth handler logs with
// LogAttrs(ctx, …)).
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := requestIDFrom(ctx); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withAccessLog records each request once it is answered: in m, by route
// and status, and as one log line with the method, the path (never the
// query), the route, the status, the duration and the client's address.
// Headers, cookies and bodies are never logged; the request id comes
// from the context.
func withAccessLog(log *slog.Logger, m *metrics.Metrics, route func(path string) string, trust []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		rt := route(r.URL.Path)
		m.Request(rt, status, d)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", rt),
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.String("client", clientAddr(r, trust)),
		)
	})
}

// Routes of the metrics and logs besides the NextAuth actions.
const (
	routeHealthz = "healthz"
	routeReadyz  = "readyz"
	routeAdmin   = "admin"
	routeHome    = "home"
	routeOther   = "other"
)

// actions are the NextAuth actions, the routes under a base path.
var actions = map[string]bool{
	"providers": true, "session": true, "csrf": true, "signin": true, "signout": true,
	"callback": true, "verify-request": true, "error": true, "_log": true,
}

// routeOf names the route of path for metrics and logs: the NextAuth
// action under one of basePaths, healthz, readyz, admin (under adminPath),
// home (/ with dev) or other. Provider ids and the rest of the path are
// left out, so the names are few.
func routeOf(path string, basePaths []string, adminPath string, dev bool) string {
	switch {
	case path == "/healthz":
		return routeHealthz
	case path == "/readyz":
		return routeReadyz
	case dev && path == "/":
		return routeHome
	case adminPath != "" && (path == adminPath || strings.HasPrefix(path, adminPath+"/")):
		return routeAdmin
	}
	for _, base := range basePaths {
		rest, ok := strings.CutPrefix(path, base+"/")
		if !ok {
			continue
		}
		action, _, _ := strings.Cut(rest, "/")
		if actions[action] {
			return action
		}
	}
	return routeOther
}

// Security headers.
const (
	headerCSP                = "Content-Security-Policy"
	headerContentTypeOptions = "X-Content-Type-Options"
)

// withSecurityHeaders sets X-Content-Type-Options: nosniff on every
// response and, on HTML pages that set no policy of their own, the
// Content-Security-Policy csp returns.
func withSecurityHeaders(csp func() string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(headerContentTypeOptions, "nosniff")
		next.ServeHTTP(&htmlHeaders{ResponseWriter: w, csp: csp}, r)
	})
}

// htmlHeaders adds the CSP when the response turns out to be HTML.
type htmlHeaders struct {
	http.ResponseWriter
	csp         func() string
	wroteHeader bool
}

func (w *htmlHeaders) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		hd := w.Header()
		if strings.HasPrefix(hd.Get("Content-Type"), "text/html") && hd.Get(headerCSP) == "" {
			hd.Set(headerCSP, w.csp())
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *htmlHeaders) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *htmlHeaders) Unwrap() http.ResponseWriter { return w.ResponseWriter }
