package provider

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// This file holds the WHATWG URL Standard pieces the authorization URL is
// built with (openid-client builds it with URLSearchParams, flows.md §2.3):
// application/x-www-form-urlencoded parsing and serialisation, and the
// origin + pathname a string endpoint is reduced to (flows.md §1.3).

const oauthUpperHex = "0123456789ABCDEF"

// oauthFormUnreserved reports whether the urlencoded serialiser leaves c
// bare: ASCII letters, digits and * - . _ (not ~, unlike Go's
// url.QueryEscape, which also escapes *).
func oauthFormUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '*' || c == '-' || c == '.' || c == '_'
}

// oauthFormEscape appends s to b as the urlencoded serialiser writes it:
// space as "+", every other byte outside the unreserved set as %XX
// (uppercase hex) of its UTF-8 encoding.
func oauthFormEscape(b *strings.Builder, s string) {
	if !utf8.ValidString(s) {
		// USVString conversion: lone surrogates and invalid bytes become
		// U+FFFD before encoding.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case oauthFormUnreserved(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(oauthUpperHex[c>>4])
			b.WriteByte(oauthUpperHex[c&15])
		}
	}
}

// oauthFormSerialize is URLSearchParams.toString for pairs.
func oauthFormSerialize(pairs [][2]string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		oauthFormEscape(&b, p[0])
		b.WriteByte('=')
		oauthFormEscape(&b, p[1])
	}
	return b.String()
}

// oauthFormParse is the WHATWG urlencoded parser (new URLSearchParams(q)):
// pairs split on "&", empty ones skipped, name and value split at the first
// "=", "+" read as space, valid %XX escapes decoded, anything else kept
// literally, then UTF-8 decoded with U+FFFD for invalid bytes.
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

func oauthFormUnescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		if utf8.ValidString(s) {
			return s
		}
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && oauthUnhex(s[i+1]) >= 0 && oauthUnhex(s[i+2]) >= 0:
			b = append(b, byte(oauthUnhex(s[i+1])<<4|oauthUnhex(s[i+2])))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func oauthUnhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
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
