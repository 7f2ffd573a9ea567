// Package form parses request bodies and query strings the way the Next.js API
// body parser and Node's querystring module do
// (docs/compatibility.md#body-parsing), without ever failing on malformed
// percent-encoding.
package form

import (
	"encoding/json"
	"errors"
	"mime"
	"strconv"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsutf8"
)

// ErrInvalidJSON is returned by [Parse] for a JSON body that does not parse
// (Next.js answers 400 "Invalid JSON").
var ErrInvalidJSON = errors.New("form: invalid JSON")

// maxPairs is Node querystring's default maxKeys.
const maxPairs = 1000

// Values is a parsed body or query. A form or query key maps to a string, or
// to a []string when repeated; a JSON body keeps its decoded values.
type Values map[string]any

// String returns the value of key when it is a single string, as a JS
// `body.key === "…"` comparison sees it.
func (v Values) String(key string) (string, bool) {
	s, ok := v[key].(string)
	return s, ok
}

// First returns the value of key as a string: the string itself, the first
// of repeated values, or the JSON text of any other value.
func (v Values) First(key string) string {
	switch x := v[key].(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		if len(x) > 0 {
			return x[0]
		}
		return ""
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// Flatten returns every key with [Values.First] of its value.
func (v Values) Flatten() map[string]string {
	out := make(map[string]string, len(v))
	for k := range v {
		out[k] = v.First(k)
	}
	return out
}

// Parse parses a request body by its Content-Type: JSON for application/json
// and application/ld+json (an empty body is {}), form decoding for
// application/x-www-form-urlencoded, and nothing for anything else (a raw
// string in Next.js, on which every field lookup is undefined).
func Parse(contentType string, body []byte) (Values, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	switch mt {
	case "application/json", "application/ld+json":
		if len(strings.TrimSpace(string(body))) == 0 {
			return Values{}, nil
		}
		var x any
		if err := json.Unmarshal(body, &x); err != nil {
			return nil, ErrInvalidJSON
		}
		if m, ok := x.(map[string]any); ok {
			return Values(m), nil
		}
		return Values{}, nil
	case "application/x-www-form-urlencoded":
		return ParseQuery(string(body)), nil
	default:
		return Values{}, nil
	}
}

// ParseQuery decodes "a=1&b=2&a=3" as Node's querystring.parse: '+' is a
// space, valid %XX escapes are decoded, invalid ones are kept as they are,
// repeated keys collect into a []string, empty pairs are skipped, and at
// most 1000 pairs are read.
func ParseQuery(s string) Values {
	if s == "" {
		return nil
	}
	v := Values{}
	n := 0
	for s != "" && n < maxPairs {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		n++
		k, val, _ := strings.Cut(pair, "=")
		key := Unescape(k)
		value := Unescape(val)
		switch old := v[key].(type) {
		case nil:
			v[key] = value
		case string:
			v[key] = []string{old, value}
		case []string:
			v[key] = append(old, value)
		}
	}
	return v
}

// Unescape decodes a query component like Node's querystring.unescape: '+'
// becomes a space, valid %XX escapes are decoded, anything else is kept, and
// the decoded bytes are read as Node reads them ([jsutf8.ToValid]: each
// maximal ill-formed subpart becomes U+FFFD).
func Unescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			x, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(x))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return jsutf8.ToValid(string(b))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ParseQueryPairs decodes a query string like [ParseQuery] but keeps every
// pair in order (for parameters forwarded to an authorization server).
func ParseQueryPairs(s string) [][2]string {
	var out [][2]string
	for s != "" && len(out) < maxPairs {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out = append(out, [2]string{Unescape(k), Unescape(v)})
	}
	return out
}
