package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// DefaultAdminPath is admin.path's default.
const DefaultAdminPath = "/admin"

// MinAdminTokenLength is the shortest admin.token accepted: 32 characters,
// as many as `openssl rand -base64 24` prints.
const MinAdminTokenLength = 32

// Paths of the server's own routes, which admin.path must not take.
const (
	HealthzPath = "/healthz"
	ReadyzPath  = "/readyz"
)

// parseTrustedProxy reads a trust_proxy entry: a CIDR network
// (10.0.0.0/8, fd00::/8) or a single address (10.0.0.1), which stands
// for itself alone. Host bits of a network are dropped.
func parseTrustedProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: want a CIDR network (e.g. 10.0.0.0/8) or an IP address (e.g. 10.0.0.1)", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: want an IP address (e.g. 10.0.0.1) or a CIDR network (e.g. 10.0.0.0/8)", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trustProxy checks and reads trust_proxy.
func (v *validator) trustProxy(list []string) []netip.Prefix {
	var out []netip.Prefix
	for i, s := range list {
		p, err := parseTrustedProxy(s)
		if err != nil {
			v.add("trust_proxy["+strconv.Itoa(i)+"]", err)
			continue
		}
		out = append(out, p)
	}
	return out
}

// urls checks urls: each as url, none twice.
func (v *validator) urls(list []string) []string {
	seen := map[string]string{}
	if v.f.URL != "" {
		seen[normalURL(v.f.URL)] = "url"
	}
	for i, u := range list {
		key := "urls[" + strconv.Itoa(i) + "]"
		if err := checkBaseURL(u); err != nil {
			v.add(key, err)
			continue
		}
		if first, dup := seen[normalURL(u)]; dup {
			v.addf(key, "%q is already %s", u, first)
			continue
		}
		seen[normalURL(u)] = key
	}
	return append([]string(nil), list...)
}

// normalURL is a URL as compared for duplicates.
func normalURL(s string) string {
	return strings.TrimSuffix(strings.ToLower(s), "/")
}

// corsOrigins checks cors_origins and writes each origin as browsers send
// it: lower case, without a default port or a trailing slash.
func (v *validator) corsOrigins(list []string) []string {
	var out []string
	seen := map[string]int{}
	for i, s := range list {
		key := "cors_origins[" + strconv.Itoa(i) + "]"
		o, err := checkOrigin(s)
		if err != nil {
			v.add(key, err)
			continue
		}
		if first, dup := seen[o]; dup {
			v.addf(key, "%q is already cors_origins[%d]", s, first)
			continue
		}
		seen[o] = i
		out = append(out, o)
	}
	return out
}

// checkOrigin reads an origin, scheme://host[:port].
func checkOrigin(s string) (string, error) {
	if s == "*" || s == "null" {
		return "", fmt.Errorf("%q is not allowed: requests with cookies need each origin listed, e.g. https://app.example.com", s)
	}
	u, err := url.Parse(s)
	bad := fmt.Errorf("%q: want an origin, scheme://host[:port], e.g. https://app.example.com", s)
	if err != nil || u.Opaque != "" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", bad
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", bad
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host, nil
}

// rateLimit checks a rate limit key.
func (v *validator) rateLimit(key string, r RateLimit) nextauth.RateLimit {
	if r.Requests != 0 && key != "credentials_rate_limit" {
		v.addf(key+".requests", "only credentials_rate_limit has it")
	}
	if r.PerAccount != 0 && key == "log_rate_limit" {
		v.addf(key+".per_account", "log_rate_limit counts per client only (per_client)")
	}
	return nextauth.RateLimit{PerAccount: r.PerAccount, PerClient: r.PerClient, Requests: r.Requests, Window: v.age(key+".window", r.Window)}
}

// lockout checks the lockout key.
func (v *validator) lockout(l Lockout) nextauth.Lockout {
	out := nextauth.Lockout{
		MaxFailures: l.MaxFailures,
		Duration:    v.age("lockout.duration", l.Duration),
		MaxDuration: v.age("lockout.max_duration", l.MaxDuration),
	}
	if out.Duration > 0 && out.MaxDuration > 0 && out.MaxDuration < out.Duration {
		v.addf("lockout.max_duration", "%s is shorter than duration (%s)", out.MaxDuration, out.Duration)
	}
	return out
}

// rateLimitOptions checks the rate_limit key and returns the IPv6 prefix
// length (0: the default).
func (v *validator) rateLimitOptions(r RateLimitOptions) int {
	if r.IPv6Prefix < 0 || r.IPv6Prefix > 128 {
		v.addf("rate_limit.ipv6_prefix", "%d: want 1 to 128 (64: a client's usual IPv6 network; 128: each address)", r.IPv6Prefix)
		return 0
	}
	return r.IPv6Prefix
}

// admin checks the admin key.
func (v *validator) admin(a Admin) {
	_, written := v.f.lines["admin"]
	switch {
	case a.Token == "" && (written || a.Path != ""):
		v.addf("admin.token", "missing: the admin API needs a bearer token of at least %d characters "+
			"(e.g. token: ${ADMIN_TOKEN} with ADMIN_TOKEN=\"$(openssl rand -base64 32)\"); remove admin to turn it off", MinAdminTokenLength)
	case a.Token == "":
	case len(a.Token) < MinAdminTokenLength:
		v.addf("admin.token", "too short: want at least %d characters (e.g. openssl rand -base64 32)", MinAdminTokenLength)
	case !printableToken(a.Token):
		v.addf("admin.token", "must be printable ASCII without spaces (it is sent in an Authorization header)")
	}
	if a.Path == "" {
		return
	}
	p := strings.TrimSuffix(a.Path, "/")
	if err := checkAdminPath(p); err != nil {
		v.add("admin.path", err)
		return
	}
	for _, route := range [...]string{HealthzPath, ReadyzPath} {
		if overlaps(p, route) {
			v.addf("admin.path", "%q would take the server's %s", a.Path, route)
		}
	}
	for _, base := range v.f.BasePaths() {
		if overlaps(p, base) {
			v.addf("admin.path", "%q overlaps the auth routes' base path %s; choose a path outside it, e.g. %s", a.Path, base, DefaultAdminPath)
			break
		}
	}
}

// printableToken reports whether s is printable ASCII without spaces.
func printableToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// checkAdminPath checks a mount path: /name[/name…] of URL-safe names.
func checkAdminPath(p string) error {
	bad := fmt.Errorf("%q: want a path such as /admin (letters, digits, - _ . ~ between single slashes)", p)
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return bad
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0) {
				return bad
			}
		}
	}
	return nil
}

// overlaps reports whether one of the paths a and b is the other or
// under it.
func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
}

// metricsAddr checks metrics_addr.
func (v *validator) metricsAddr(addr string) {
	if addr == "" {
		return
	}
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		v.addf("metrics_addr", "%q: want host:port, e.g. 127.0.0.1:9090", addr)
	}
}

// AdminPath is where the admin API is served: admin.path (without a
// trailing slash) or [DefaultAdminPath]; "" when admin.token is not set.
// Only meaningful once [File.NextAuth] or [File.Open] found no problem.
func (f *File) AdminPath() string {
	if f.Admin.Token == "" {
		return ""
	}
	if f.Admin.Path == "" {
		return DefaultAdminPath
	}
	return strings.TrimSuffix(f.Admin.Path, "/")
}

// BasePaths are the paths the auth routes answer under: url's (by
// default /api/auth), then those of urls that differ, in order.
func (f *File) BasePaths() []string {
	paths := []string{basePath(f.URL)}
	for _, u := range f.URLs {
		if p := basePath(u); p != "" && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths
}

// basePath is the base path of a url value as NextAuth reads it: its
// path without a trailing slash, "/api/auth" for none; "" when it does
// not parse.
func basePath(raw string) string {
	if raw == "" {
		raw = nextauth.DefaultURL
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	if p == "" || p == "/" {
		return "/api/auth"
	}
	return strings.TrimSuffix(p, "/")
}
