package nextauth

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultURL is where the routes are served when [Config.URL] is empty.
const DefaultURL = "http://localhost:3000/api/auth"

// baseURL is NEXTAUTH_URL taken apart (docs/compatibility.md#urls-and-the-base-path).
type baseURL struct {
	origin string // scheme://host[:port], lower-case, default port dropped
	host   string // host[:port]
	path   string // base path, no trailing slash, "/api/auth" by default
}

func (b baseURL) base() string { return b.origin + b.path }

// parseBaseURL derives origin and base path from NEXTAUTH_URL as NextAuth's
// parseUrl does.
func parseBaseURL(s string) (baseURL, error) {
	if s == "" {
		s = DefaultURL
	}
	if !strings.HasPrefix(s, "http") {
		if strings.Contains(s, "://") {
			return baseURL{}, fmt.Errorf("invalid URL %q: scheme must be http or https", s)
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return baseURL{}, fmt.Errorf("invalid URL %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return baseURL{}, fmt.Errorf("invalid URL %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return baseURL{}, fmt.Errorf("invalid URL %q: no host", s)
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	path := u.EscapedPath()
	if path == "" || path == "/" {
		path = "/api/auth"
	}
	path = strings.TrimSuffix(path, "/")
	return baseURL{origin: scheme + "://" + host, host: host, path: path}, nil
}

// urlOrigin returns the origin of an absolute http(s) URL, or "" when raw is
// not one (JS gives "null" for other schemes).
func urlOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	if strings.ContainsAny(u.Host, "\\ ") {
		return ""
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host
}

// defaultRedirect is NextAuth's default redirect callback (docs/compatibility.md#callbackurl-and-redirects):
// relative URLs are joined to baseURL, absolute ones kept only on the same
// origin; anything else gives baseURL. Where JS would throw on an
// unparseable URL, this returns baseURL.
func defaultRedirect(raw, baseURL string) string {
	if raw == baseURL {
		return raw
	}
	if strings.HasPrefix(raw, "/") {
		return baseURL + raw
	}
	if o := urlOrigin(raw); o != "" && o == baseURL {
		return raw
	}
	return baseURL
}

// validCallbackURL is the config assertion on query.callbackUrl and the
// callback-url cookie (docs/compatibility.md#callbackurl-and-redirects): an http(s) URL, absolute or starting
// with "/".
func validCallbackURL(raw string, b baseURL) bool {
	if raw == b.origin {
		return true // the usual callback-url cookie value
	}
	base := b.base()
	if strings.HasPrefix(raw, "/") {
		raw = base + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

// appendQuery joins page and a query string with "?" or, when page already
// has a query, "&".
func appendQuery(page, query string) string {
	if strings.Contains(page, "?") {
		return page + "&" + query
	}
	return page + "?" + query
}

// redirectAllowed reports whether raw is an absolute URL on one of
// Config.RedirectHosts (exact names; "*.example.com" one label under
// example.com), with https when baseURL is https
// (docs/forward-auth.md#one-sign-in-for-the-whole-domain).
func (h *Handler) redirectAllowed(raw, baseURL string) bool {
	if len(h.redirects) == 0 || strings.ContainsAny(raw, "\\ \t\r\n") {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && (scheme != "http" || strings.HasPrefix(baseURL, "https://")) {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || strings.HasSuffix(host, ".") {
		return false
	}
	for _, p := range h.redirects {
		if hostMatches(p, host) {
			return true
		}
	}
	return false
}
