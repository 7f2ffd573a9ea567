package cookie

import (
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// jsSpace reports whether the byte c, read as the Latin-1 character Node.js
// makes of it, is white space to JavaScript's trim and parseInt.
func jsSpace(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0:
		return true
	}
	return false
}

// jsTrim trims s as JavaScript's String.prototype.trim trims a Latin-1 string.
func jsTrim(s string) string {
	for len(s) > 0 && jsSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && jsSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// inheritedName reports whether name is a property every JavaScript object
// inherits. Next's parser stores cookies in a plain object and assigns a name
// only while reading it gives undefined, so such cookies are never seen.
func inheritedName(name string) bool {
	switch name {
	case "__proto__", "constructor", "hasOwnProperty", "isPrototypeOf",
		"propertyIsEnumerable", "toLocaleString", "toString", "valueOf",
		"__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__":
		return true
	}
	return false
}

// unquote trims the raw value text and drops surrounding quotes.
func unquote(raw string) string {
	v := jsTrim(raw)
	if len(v) > 0 && v[0] == '"' {
		if len(v) < 2 {
			return ""
		}
		return v[1 : len(v)-1]
	}
	return v
}

// pairs calls yield with the trimmed name and the raw value text of every
// name=value piece of the request's Cookie headers, in header order, until
// yield returns false.
func pairs(h http.Header, yield func(name, raw string) bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			piece, rest, _ := strings.Cut(line, ";")
			line = rest
			if eq := strings.IndexByte(piece, '='); eq >= 0 {
				if !yield(jsTrim(piece[:eq]), piece[eq+1:]) {
					return
				}
			}
		}
	}
}

// Get returns the value of the request cookie name, and whether the request
// has it, as the Next.js 14 Pages Router parses cookies for NextAuth
// (req.cookies, docs/compatibility.md#cookies): the Cookie header lines are
// joined and split on ';'; a piece without '=' is skipped; name and value are
// trimmed (JavaScript trim of the header's Latin-1 characters: tab, LF, VT,
// FF, CR, space and byte 0xA0); a value starting with '"' loses its first and
// last character; the first occurrence of a name wins; a value containing '%'
// is decodeURIComponent-decoded, or kept raw when that fails. Names of
// properties every JavaScript object inherits ("toString", "__proto__", …) are
// never found, as in Next.js.
func Get(r *http.Request, name string) (string, bool) {
	v, ok := GetRaw(r, name)
	return decodeValue(v), ok
}

// decodeValue percent-decodes an unquoted value when it contains '%', or
// keeps it raw when that fails, as Next.js does.
func decodeValue(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	if d, err := jsuri.DecodeURIComponent(v); err == nil {
		return d
	}
	return v
}

// GetRaw is [Get] without the percent-decoding: the trimmed, unquoted value
// as sent. Callers that know the encoded form of their cookie use it to
// avoid decoding on a hot path.
func GetRaw(r *http.Request, name string) (string, bool) {
	if inheritedName(name) {
		return "", false
	}
	var value string
	found := false
	pairs(r.Header, func(n, raw string) bool {
		if n == name {
			value, found = unquote(raw), true
			return false
		}
		return true
	})
	return value, found
}
