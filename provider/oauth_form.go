package provider

import (
	"net/url"
	"strings"

	"github.com/nextauth-go/nextauth/internal/form"
	"github.com/nextauth-go/nextauth/internal/jsuri"
	"github.com/nextauth-go/nextauth/internal/jsutf8"
)

// This file holds the WHATWG URL Standard pieces the authorization URL is
// built with (openid-client builds it with URLSearchParams,
// docs/compatibility.md#authorization-request):
// application/x-www-form-urlencoded parsing and serialisation, and the
// origin + pathname a string endpoint is reduced to
// (docs/compatibility.md#provider-model).

// oauthFormSerialize is URLSearchParams.toString for pairs.
func oauthFormSerialize(pairs [][2]string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(jsuri.FormEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(jsuri.FormEscape(p[1]))
	}
	return b.String()
}

// oauthFormParse is the WHATWG urlencoded parser (new URLSearchParams(q)):
// pairs split on "&", empty ones skipped, name and value split at the first
// "=", "+" read as space, valid %XX escapes decoded, anything else kept
// literally, then UTF-8 decoded as Node decodes bytes ([jsutf8.ToValid]).
func oauthFormParse(q string) [][2]string {
	q = strings.TrimPrefix(q, "?")
	var out [][2]string
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out = append(out, [2]string{oauthFormUnescape(k), oauthFormUnescape(v)})
	}
	return out
}

// oauthFormUnescape decodes a name or value as the urlencoded parser does:
// querystring's unescaping ([form.Unescape]), and bytes that are not UTF-8
// read as Node reads them even where nothing was escaped.
func oauthFormUnescape(s string) string {
	return jsutf8.ToValid(form.Unescape(s))
}

// oauthSetParam is URLSearchParams.set (and assignment to a JavaScript
// object key): the first pair named k gets v and keeps its position, later
// pairs named k are removed; without one, the pair is appended.
func oauthSetParam(pairs [][2]string, k, v string) [][2]string {
	at := -1
	out := pairs[:0]
	for _, p := range pairs {
		if p[0] != k {
			out = append(out, p)
			continue
		}
		if at < 0 {
			at = len(out)
			out = append(out, [2]string{k, v})
		}
	}
	if at < 0 {
		out = append(out, [2]string{k, v})
	}
	return out
}

// oauthURL is a parsed http(s) endpoint in WHATWG form.
type oauthURL struct {
	origin   string // scheme://host[:port], lower-case host, default port dropped
	path     string // escaped pathname, "/" at least
	query    string // raw query without "?"
	fragment string // escaped fragment without "#"
	hasFrag  bool
}

// parseOAuthURL parses an absolute http or https URL.
func parseOAuthURL(raw string) (oauthURL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return oauthURL{}, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return oauthURL{}, &url.Error{Op: "parse", URL: raw, Err: errOAuthNotHTTP}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80" || u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	origin := u.Scheme + "://"
	if u.User != nil {
		origin += u.User.String() + "@"
	}
	origin += host
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return oauthURL{origin: origin, path: path, query: u.RawQuery, fragment: u.EscapedFragment(), hasFrag: u.Fragment != "" || u.RawFragment != ""}, nil
}

// base is origin + pathname: what NextAuth keeps of a string endpoint.
func (u oauthURL) base() string { return u.origin + u.path }

// withQuery is the href with the given serialised query.
func (u oauthURL) withQuery(q string) string {
	s := u.base()
	if q != "" {
		s += "?" + q
	}
	if u.hasFrag {
		s += "#" + u.fragment
	}
	return s
}
