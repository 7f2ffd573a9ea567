package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/metrics"
)

// The cross-cutting handling of every request, done by [requestPath] in
// this order:
//
//  1. the request id: the request gets its id, so that every later log
//     line, the access log's and the auth handler's own, carries it;
//  2. the security headers: nosniff on every response, and the CSP on
//     HTML pages once the routes have written their headers;
//  3. the routes;
//  4. the access log and metrics, which time and record everything above.
//
// This is the path of every request, so it is kept cheap (bench/README.md,
// "Profile of the binary"): one allocation for the middleware's own state,
// the header values written straight into the header map under their
// canonical keys, metrics children resolved once per route and status
// (internal/metrics), and no log attribute computed when the level drops
// the access log line.

// headerRequestID carries the request id, from a trusted proxy and back
// to the client.
const headerRequestID = "X-Request-Id"

// maxRequestIDLength bounds an incoming request id.
const maxRequestIDLength = 128

type requestIDKey struct{}

// requestIDFrom is the request id the middleware put into ctx.
func requestIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok
}

// requestContext is a request's context with its id.
type requestContext struct {
	context.Context
	id string
}

func (c *requestContext) Value(key any) any {
	if _, ok := key.(requestIDKey); ok {
		return c.id
	}
	return c.Context.Value(key)
}

// requestPath is the middleware around the routes (see above).
type requestPath struct {
	log     *slog.Logger
	metrics *metrics.Metrics
	route   func(path string) string
	trust   []netip.Prefix
	csp     func() string // the HTML pages' policy
	next    http.Handler
}

// exchange is one request's state in the middleware, allocated once: the
// response writer the routes see, the context with the request id, and
// the values of the headers the middleware sets.
type exchange struct {
	http.ResponseWriter
	csp    func() string
	status int // the first status written; 0 before
	ctx    requestContext
	values [2]string // X-Request-Id, X-Content-Type-Options
}

func (p *requestPath) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{ResponseWriter: w, csp: p.csp}
	id := r.Header.Get(headerRequestID)
	if !validRequestID(id) || !fromTrustedProxy(r, p.trust) {
		id = newRequestID()
	}
	// Canonical keys, assigned directly: what Header.Set would store,
	// without its allocation. Each value has a slice of its own (capacity
	// 1), so that an Add appends elsewhere.
	x.values = [2]string{id, "nosniff"}
	hd := w.Header()
	hd[headerRequestID] = x.values[0:1:1]
	hd[headerContentTypeOptions] = x.values[1:2:2]
	x.ctx = requestContext{Context: r.Context(), id: id}
	r = r.WithContext(&x.ctx)

	p.next.ServeHTTP(x, r)

	d := time.Since(start)
	status := x.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	rt := p.route(r.URL.Path)
	p.metrics.Request(rt, status, d)
	p.accessLog(r, rt, status, d)
}

// accessLog logs one line for an answered request: the method, the path
// (never the query), the route, the status, the duration and the client's
// address. Headers, cookies and bodies are never logged; the request id
// comes from the context. Nothing is computed when the level drops it.
func (p *requestPath) accessLog(r *http.Request, route string, status int, d time.Duration) {
	ctx := r.Context()
	if !p.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	p.log.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("client", clientAddr(r, p.trust)),
	)
}

// WriteHeader records the first status and, when the response turns out
// to be an HTML page that sets no policy of its own, adds the CSP.
func (x *exchange) WriteHeader(status int) {
	if x.status == 0 {
		x.status = status
		hd := x.Header()
		if strings.HasPrefix(hd.Get("Content-Type"), "text/html") && hd.Get(headerCSP) == "" {
			hd.Set(headerCSP, x.csp())
		}
	}
	x.ResponseWriter.WriteHeader(status)
}

func (x *exchange) Write(b []byte) (int, error) {
	if x.status == 0 {
		x.WriteHeader(http.StatusOK)
	}
	return x.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

// newRequestID is 128 random bits in hex.
//
// A request id correlates log lines and answers; it grants nothing, so it
// need not be secret, only unique among the requests of every instance
// (and not chosen by the client, which the caller sees to). The bits come
// from math/rand/v2's global generator: ChaCha8, per thread, seeded by the
// runtime from the operating system's random source at start, so ids do
// not repeat across processes or restarts (a collision among 2^32 ids has
// a chance of about 2^-65), without a system call or a lock per request.
func newRequestID() string {
	var b [32]byte
	const digits = "0123456789abcdef"
	for half := 0; half < 2; half++ {
		v := rand.Uint64()
		for i := 0; i < 16; i++ {
			b[half*16+i] = digits[v>>60]
			v <<= 4
		}
	}
	return string(b[:])
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

// authFirst sends requests under a base path straight to the auth
// handler, where the ServeMux would send them too, and every other request
// through the ServeMux. The ServeMux costs several allocations a request
// (its match keeps the rest of the path); the requests that matter are
// the auth routes.
type authFirst struct {
	prefixes []string // each base path + "/"
	admin    string   // the admin path, or ""
	auth     http.Handler
	mux      *http.ServeMux
}

// newAuthFirst is mux with the direct way to auth for basePaths. Only
// base and admin paths of plain characters take it (no escapes, nothing
// ServeMux would read differently); with any other, every request goes
// through mux.
func newAuthFirst(mux *http.ServeMux, auth http.Handler, basePaths []string, adminPath string) *authFirst {
	a := &authFirst{admin: adminPath, auth: auth, mux: mux}
	if adminPath != "" && !plainPath(adminPath) {
		return a
	}
	for _, base := range basePaths {
		if !plainPath(base) {
			return &authFirst{mux: mux}
		}
		a.prefixes = append(a.prefixes, base+"/")
	}
	return a
}

func (a *authFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.direct(r) {
		a.auth.ServeHTTP(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// direct reports whether mux would give r to auth through a base path's
// pattern ("/api/auth/"), without a redirect: a request other than
// CONNECT and OPTIONS *, whose escaped path is clean, is under a base
// path, and is not the admin path or under it (the admin pattern is more
// specific).
func (a *authFirst) direct(r *http.Request) bool {
	if len(a.prefixes) == 0 || r.Method == http.MethodConnect || r.RequestURI == "*" {
		return false
	}
	p := r.URL.EscapedPath()
	if a.admin != "" && (p == a.admin || strings.HasPrefix(p, a.admin+"/")) {
		return false
	}
	for _, pre := range a.prefixes {
		if strings.HasPrefix(p, pre) {
			return cleanPath(p)
		}
	}
	return false
}

// cleanPath reports whether p is as ServeMux's cleaning leaves it (else
// it redirects): path.Clean's result, with a trailing slash kept. That is
// an absolute path without an empty, "." or ".." segment, but for an
// empty last one (the trailing slash).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := strings.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
		} else if seg == "" {
			return true // the trailing slash
		}
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// plainPath reports whether p is "/" followed by letters, digits and
// - . _ ~ / only: a path that reads the same escaped or not.
func plainPath(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			return false
		}
	}
	return true
}
