package nextauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/pages"
)

// This file is the forward-auth check (docs/forward-auth.md): GET
// {base}/forward, which nginx's auth_request, Caddy's forward_auth and
// Traefik's ForwardAuth ask before every request to an app behind them.

// ForwardConfig configures the forward-auth check endpoint.
type ForwardConfig struct {
	// Path is the route's action under the base path, one segment; default
	// "forward" ({base}/forward). It must not be one of NextAuth's routes.
	Path string

	// Headers maps extra response headers to the session claim each
	// carries, e.g. {"X-Auth-Request-Role": "role"}. Names start with
	// "X-"; X-Auth-Request-User, -Email and -Name are always sent. Under
	// the database strategy the claims are the user's fields: id, name,
	// email, image.
	Headers map[string]string

	// Rules decide per host and path, first match wins; a request that
	// matches none gets Default.
	Rules []ForwardRule

	// Default is what a request matching no rule gets: ForwardDeny (the
	// default, 403) or ForwardAllowSignedIn (any valid session).
	Default ForwardDefault
}

// ForwardDefault is the rule applied to a request that matches no
// [ForwardRule].
type ForwardDefault string

const (
	// ForwardDeny answers 403 to a request that matches no rule.
	ForwardDeny ForwardDefault = "deny"
	// ForwardAllowSignedIn lets any valid session through.
	ForwardAllowSignedIn ForwardDefault = "allow"
)

// ForwardRule is one access rule of the forward check.
type ForwardRule struct {
	// Host is the host name the rule is for ("grafana.example.com"), or
	// "*.example.com" for any one label under example.com; "" is any
	// host. Ports are not part of it.
	Host string
	// Path is the path prefix the rule is for, matched by whole segments
	// after normalisation ("/admin" matches /admin and /admin/x, not
	// /administrator); "" or "/" is every path.
	Path string
	// Public lets every request through, with or without a session
	// (identity headers are sent when there is one).
	Public bool
	// AllowEmails and AllowDomains restrict the rule to these e-mail
	// addresses and e-mail domains (case-insensitive). With neither (and
	// no Allow), any valid session passes.
	AllowEmails  []string
	AllowDomains []string
	// Allow is the hook for programmatic rules (the CEL expressions of the
	// configuration file plug in here): it is asked when the e-mail lists
	// did not already allow the request; true allows, an error denies (and
	// is logged).
	Allow func(ctx context.Context, id ForwardIdentity, target ForwardTarget) (bool, error)
}

// ForwardIdentity is the session a forward check found.
type ForwardIdentity struct {
	UserID string
	Email  string
	Name   string
	// Claims are the JWT session's claims, or the database user's fields
	// (id, name, email, image).
	Claims map[string]any
	// Expires is when the session ends as it stands: the JWT's exp, the
	// database session's expiry.
	Expires time.Time
}

// ForwardTarget is the request a forward check is asked about, as the
// trusted proxy reported it.
type ForwardTarget struct {
	Method string
	URL    string // the original URL, for callbackUrl
	Host   string // lower-case host name, no port, no trailing dot
	Path   string // normalised path (docs/forward-auth.md#path-matching)
}

// The identity headers the check always sets.
const (
	headerForwardUser  = "X-Auth-Request-User"
	headerForwardEmail = "X-Auth-Request-Email"
	headerForwardName  = "X-Auth-Request-Name"
	// headerForwardRedirect is the sign-in URL of a 401 to nginx.
	headerForwardRedirect = "X-Auth-Request-Redirect"
)

// forwardRule is a ForwardRule checked and prepared for matching.
type forwardRule struct {
	ForwardRule
	host      string // lower-case; "*.x" for a one-label wildcard; "" any
	path      string // normalised; "/" every path
	pathLower string
	emails    map[string]bool
	domains   map[string]bool
}

// forwardSetup is the prepared ForwardConfig.
type forwardSetup struct {
	action  string
	headers [][2]string // header name, claim
	rules   []forwardRule
	allow   bool // Default is ForwardAllowSignedIn
}

// newForward checks cfg.Forward and prepares it; nil when not configured.
func newForward(cfg Config, strategy SessionStrategy) (*forwardSetup, []error) {
	f := cfg.Forward
	if f == nil {
		return nil, nil
	}
	var errs []error
	fs := &forwardSetup{action: f.Path}
	if fs.action == "" {
		fs.action = "forward"
	}
	if strings.ContainsAny(fs.action, "/?#%") || routeTable()[fs.action] != nil {
		errs = append(errs, configError("forward path %q: want one path segment that is not one of NextAuth's routes", f.Path))
	}
	switch f.Default {
	case "", ForwardDeny:
	case ForwardAllowSignedIn:
		fs.allow = true
	default:
		errs = append(errs, configError("forward default %q: want %q or %q", f.Default, ForwardDeny, ForwardAllowSignedIn))
	}
	dbFields := map[string]bool{"id": true, "name": true, "email": true, "image": true}
	for name, claim := range f.Headers {
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !validHeaderName(name) || !strings.HasPrefix(canon, "X-"):
			errs = append(errs, configError("forward header %q: want a header name starting with X-", name))
		case canon == headerForwardUser || canon == headerForwardEmail || canon == headerForwardName || canon == headerForwardRedirect:
			errs = append(errs, configError("forward header %q is always set", name))
		case claim == "":
			errs = append(errs, configError("forward header %q names no claim", name))
		case strategy == StrategyDatabase && !dbFields[claim]:
			errs = append(errs, configError("forward header %q: database sessions have only the claims id, name, email and image, not %q", name, claim))
		}
		fs.headers = append(fs.headers, [2]string{canon, claim})
	}
	// Map order is random: sort for a stable response.
	for i := 1; i < len(fs.headers); i++ {
		for j := i; j > 0 && fs.headers[j][0] < fs.headers[j-1][0]; j-- {
			fs.headers[j], fs.headers[j-1] = fs.headers[j-1], fs.headers[j]
		}
	}
	for i, r := range f.Rules {
		fr := forwardRule{ForwardRule: r, emails: map[string]bool{}, domains: map[string]bool{}}
		if r.Host != "" {
			h, ok := normalHostPattern(r.Host)
			if !ok {
				errs = append(errs, configError("forward rule %d: host %q: want a host name or *.domain", i+1, r.Host))
			}
			fr.host = h
		}
		fr.path = "/"
		if r.Path != "" {
			p, ok := normalPath(r.Path, false)
			if !ok || !strings.HasPrefix(r.Path, "/") {
				errs = append(errs, configError("forward rule %d: path %q: want a path starting with /", i+1, r.Path))
			}
			fr.path = p
		}
		fr.pathLower = strings.ToLower(fr.path)
		for _, e := range r.AllowEmails {
			if !strings.Contains(e, "@") {
				errs = append(errs, configError("forward rule %d: allow_emails %q is not an e-mail address", i+1, e))
			}
			fr.emails[strings.ToLower(e)] = true
		}
		for _, d := range r.AllowDomains {
			if d == "" || strings.ContainsAny(d, "@ /") {
				errs = append(errs, configError("forward rule %d: allow_domains %q is not a domain", i+1, d))
			}
			fr.domains[strings.ToLower(strings.TrimSuffix(d, "."))] = true
		}
		if r.Public && (len(r.AllowEmails) > 0 || len(r.AllowDomains) > 0 || r.Allow != nil) {
			errs = append(errs, configError("forward rule %d: public allows everyone; drop its allow lists", i+1))
		}
		fs.rules = append(fs.rules, fr)
	}
	return fs, errs
}

// validHeaderName reports whether s is an HTTP header field name (a
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// normalHost lower-cases a host, drops its port and trailing dots; false
// when it is empty or has characters no host name has.
func normalHost(h string) (string, bool) {
	h = strings.ToLower(h)
	if strings.HasPrefix(h, "[") { // IPv6 literal
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", false
		}
		return h[:end+1], true
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if _, err := strconv.Atoi(h[i+1:]); err != nil && h[i+1:] != "" {
			return "", false
		}
		h = h[:i]
	}
	h = strings.TrimRight(h, ".")
	if h == "" {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", false
		}
	}
	return h, true
}

// normalHostPattern checks a rule's or redirect_hosts' host: a host name
// without port, or "*." and one.
func normalHostPattern(p string) (string, bool) {
	rest, wild := strings.CutPrefix(p, "*.")
	if strings.Contains(rest, ":") || strings.Contains(rest, "*") {
		return "", false
	}
	h, ok := normalHost(rest)
	if !ok || (wild && !strings.Contains(h, ".")) {
		return "", false
	}
	if wild {
		return "*." + h, true
	}
	return h, true
}

// hostMatches matches a normalised host against a normalised pattern:
// "*.example.com" is exactly one label more than example.com.
func hostMatches(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		label, found := strings.CutSuffix(host, suffix)
		return found && label != "" && !strings.Contains(label, ".")
	}
	return pattern == host
}

// normalPath is the path rules match (docs/forward-auth.md#path-matching):
// raw (an escaped path, query and fragment cut) percent-decoded once, with
// %2F kept as "%2F" when keepSlash (else decoded to "/"), empty and "."
// segments dropped, ".." resolved (never above the root). False for a bad
// escape or a control character.
func normalPath(raw string, keepSlash bool) (string, bool) {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || unhex(raw[i+1]) < 0 || unhex(raw[i+2]) < 0 {
				return "", false
			}
			c = byte(unhex(raw[i+1])<<4 | unhex(raw[i+2]))
			i += 2
			if c == '/' && keepSlash {
				b.WriteString("%2F")
				continue
			}
		}
		if c < 0x20 || c == 0x7f {
			return "", false
		}
		b.WriteByte(c)
	}
	var out []string
	for _, seg := range strings.Split(b.String(), "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/"), true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// pathUnder reports whether path is prefix or below it, by whole segments.
func pathUnder(prefix, path string) bool {
	if prefix == "/" {
		return true
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// match is the index of the first rule for host and path, -1 for none.
func (fs *forwardSetup) match(host, path string, lower bool) int {
	for i := range fs.rules {
		r := &fs.rules[i]
		if r.host != "" && !hostMatches(r.host, host) {
			continue
		}
		if lower && pathUnder(r.pathLower, strings.ToLower(path)) || !lower && pathUnder(r.path, path) {
			return i
		}
	}
	return -1
}

// ruleFor picks the rule for a target: -1 for none. The path is matched as
// it is, lower-cased, and with %2F decoded; when those pick different rules
// (an upstream that ignores case or decodes %2F would see another path),
// the target is ambiguous and ok is false.
func (fs *forwardSetup) ruleFor(raw string, host, path string) (rule int, ok bool) {
	rule = fs.match(host, path, false)
	slashed, good := normalPath(raw, false)
	if !good {
		return -1, false
	}
	for _, alt := range []int{fs.match(host, path, true), fs.match(host, slashed, false), fs.match(host, slashed, true)} {
		if alt != rule {
			return -1, false
		}
	}
	return rule, true
}

// forwardTarget is the request the proxy asks about: from a trusted proxy's
// X-Original-URL (nginx) or X-Forwarded-Method/Proto/Host/Uri (Traefik,
// Caddy), else the check request itself. rawPath is the escaped path.
func (h *Handler) forwardTarget(r *http.Request) (t ForwardTarget, rawPath string, fromNginx, ok bool) {
	scheme, host, uri, method := "http", r.Host, r.URL.RequestURI(), r.Method
	if r.TLS != nil {
		scheme = "https"
	}
	hd := r.Header
	if h.trusted(r) {
		if o := hd.Get("X-Original-URL"); o != "" {
			fromNginx = true
			// Caddy and Traefik pass the client's own X-Original-URL on
			// beside the X-Forwarded-* they set; nginx passes a client's
			// X-Forwarded-* beside its X-Original-URL. Either way one of the
			// two is forged: refuse.
			if hd.Get("X-Forwarded-Uri") != "" || hd.Get("X-Forwarded-Method") != "" {
				return t, "", true, false
			}
			u, err := url.Parse(o)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return t, "", true, false
			}
			scheme, host, uri = u.Scheme, u.Host, u.RequestURI()
			if m := hd.Get("X-Original-Method"); m != "" {
				method = m
			}
		} else {
			if v := firstForwarded(hd.Get("X-Forwarded-Proto")); v == "http" || v == "https" {
				scheme = v
			}
			if v := firstForwarded(hd.Get("X-Forwarded-Host")); v != "" {
				host = v
			}
			if v := hd.Get("X-Forwarded-Uri"); v != "" {
				uri = v
			}
			if v := hd.Get("X-Forwarded-Method"); v != "" {
				method = v
			}
		}
	}
	if !strings.HasPrefix(uri, "/") {
		return t, "", fromNginx, false
	}
	nh, good := normalHost(host)
	if !good {
		return t, "", fromNginx, false
	}
	p, good := normalPath(uri, true)
	if !good {
		return t, "", fromNginx, false
	}
	rawPath = uri
	if i := strings.IndexAny(rawPath, "?#"); i >= 0 {
		rawPath = rawPath[:i]
	}
	return ForwardTarget{Method: strings.ToUpper(method), URL: scheme + "://" + host + uri, Host: nh, Path: p}, rawPath, fromNginx, true
}

// forward answers the forward check. It never sets a cookie and never
// extends a session (docs/forward-auth.md#the-check).
func (h *Handler) forward(w http.ResponseWriter, r *http.Request, st *site) {
	w.Header().Set("Cache-Control", "no-store")
	s := &state{site: st, w: w, r: r, ctx: r.Context(), action: h.fwd.action}
	target, rawPath, nginx, ok := h.forwardTarget(r)
	if !ok {
		h.debug(s.ctx, "FORWARD_BAD_TARGET")
		h.forwardDeny(s, nginx)
		return
	}
	id, found := h.forwardIdentity(s)
	rule, ok := h.fwd.ruleFor(rawPath, target.Host, target.Path)
	if !ok {
		h.debug(s.ctx, "FORWARD_AMBIGUOUS_PATH")
		h.forwardDeny(s, nginx)
		return
	}
	if rule < 0 {
		if !h.fwd.allow {
			h.forwardDeny(s, nginx)
			return
		}
		if !found {
			h.forwardSignIn(s, target, nginx)
			return
		}
		h.forwardAllow(w, id)
		return
	}
	fr := &h.fwd.rules[rule]
	if fr.Public {
		if found {
			h.forwardAllow(w, id)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	if !found {
		h.forwardSignIn(s, target, nginx)
		return
	}
	if !h.ruleAllows(s.ctx, fr, id, target) {
		h.forwardDeny(s, nginx)
		return
	}
	h.forwardAllow(w, id)
}

// ruleAllows applies a rule's e-mail lists and Allow hook to a session.
func (h *Handler) ruleAllows(ctx context.Context, fr *forwardRule, id ForwardIdentity, t ForwardTarget) bool {
	if len(fr.emails) == 0 && len(fr.domains) == 0 && fr.Allow == nil {
		return true
	}
	email := strings.ToLower(id.Email)
	if email != "" && fr.emails[email] {
		return true
	}
	if at := strings.LastIndexByte(email, '@'); at >= 0 && fr.domains[email[at+1:]] {
		return true
	}
	if fr.Allow == nil {
		return false
	}
	ok, err := callForwardAllow(ctx, fr.Allow, id, t)
	if err != nil {
		h.logError(ctx, "FORWARD_RULE_ERROR", err)
		return false
	}
	return ok
}

func callForwardAllow(ctx context.Context, f func(context.Context, ForwardIdentity, ForwardTarget) (bool, error), id ForwardIdentity, t ForwardTarget) (ok bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			ok, err = false, panicked("forward rule", v)
		}
	}()
	return f(ctx, id, t)
}

// forwardIdentity finds the session of the check: the session cookie,
// else an Authorization: Bearer token (a session token as the cookie
// holds it). It applies GET /session's checks (expiry, revocation, the
// secrets) without the callbacks, and writes nothing.
func (h *Handler) forwardIdentity(s *state) (ForwardIdentity, bool) {
	raw := cookie.ReadChunks(s.r, s.site.cookies.sessionToken.name).Value
	if raw != "" {
		if id, ok := h.sessions.identify(s.ctx, raw); ok {
			return id, true
		}
	}
	if a := s.r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		if tok := strings.TrimSpace(a[7:]); tok != "" && tok != raw {
			return h.sessions.identify(s.ctx, tok)
		}
	}
	return ForwardIdentity{}, false
}

// forwardAllow answers 200 with the identity headers.
func (h *Handler) forwardAllow(w http.ResponseWriter, id ForwardIdentity) {
	hd := w.Header()
	setHeader(hd, headerForwardUser, id.UserID)
	setHeader(hd, headerForwardEmail, id.Email)
	setHeader(hd, headerForwardName, id.Name)
	for _, hc := range h.fwd.headers {
		if v, ok := id.Claims[hc[1]]; ok {
			setHeader(hd, hc[0], claimString(v))
		}
	}
	w.WriteHeader(http.StatusOK)
}

// setHeader sets a header to v with control characters dropped; an empty
// value sets nothing.
func setHeader(hd http.Header, name, v string) {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, v)
	if v != "" {
		hd[name] = []string{v}
	}
}

// claimString is a claim as a header value: strings as they are, a list
// of strings comma-separated, anything else as JSON.
func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				b, _ := json.Marshal(x)
				return string(b)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ",")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// wantsHTML reports whether a check is for a browser page load behind a
// proxy that passes redirects on (not nginx).
func wantsHTML(r *http.Request, method string, nginx bool) bool {
	if nginx || (method != http.MethodGet && method != http.MethodHead) {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// forwardSignIn answers a check without a session: 302 to the sign-in
// page with the original URL as callbackUrl for a browser, else 401.
// nginx's auth_request passes only 401 on; for a browser the answer then
// carries the sign-in URL in X-Auth-Request-Redirect, for the documented
// error_page to redirect to.
func (h *Handler) forwardSignIn(s *state, t ForwardTarget, nginx bool) {
	if !wantsHTML(s.r, t.Method, false) {
		s.w.WriteHeader(http.StatusUnauthorized)
		return
	}
	page := h.cfg.Pages.SignIn
	if page == "" {
		page = s.site.url.base() + "/signin"
	}
	loc := appendQuery(page, "callbackUrl="+url.QueryEscape(t.URL))
	if nginx {
		s.w.Header().Set(headerForwardRedirect, loc)
		s.w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.w.Header().Set("Location", loc)
	s.w.WriteHeader(http.StatusFound)
}

// forwardDeny answers a refused check: 403, for a browser the error page
// with AccessDenied.
func (h *Handler) forwardDeny(s *state, nginx bool) {
	if !wantsHTML(s.r, forwardMethod(s.r), nginx) {
		s.w.WriteHeader(http.StatusForbidden)
		return
	}
	if p := h.cfg.Pages.Error; p != "" {
		s.w.Header().Set("Location", appendQuery(p, "error=AccessDenied"))
		s.w.WriteHeader(http.StatusFound)
		return
	}
	var buf bytes.Buffer
	if _, err := h.pages.Error(&buf, pages.ErrorData{Theme: h.theme(), Error: "AccessDenied", BaseURL: s.site.url.base(), Origin: s.site.url.origin, Host: s.site.url.host}); err != nil {
		h.logError(s.ctx, "RENDER_ERROR", err)
		s.w.WriteHeader(http.StatusForbidden)
		return
	}
	h.page(s, http.StatusForbidden, &buf)
}

// forwardMethod is the original method as far as it is known.
func forwardMethod(r *http.Request) string {
	if m := r.Header.Get("X-Forwarded-Method"); m != "" {
		return strings.ToUpper(m)
	}
	return r.Method
}
