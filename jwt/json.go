package jwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsonstr"
)

// The payload writer below produces what JavaScript's JSON.stringify would
// for the common claim types (strings, float64 and other numbers, booleans,
// nil, map[string]any and []any), without encoding/json's reflection and
// allocations: strings as [jsonstr.Append] writes them (no HTML escaping),
// numbers in the ECMAScript form, -0 as 0.
// Members are written in sorted key order. Any other type goes through
// json.Marshal.

// appendMembers appends the "key":value members of m (in sorted key order,
// comma-separated, without braces), leaving out the keys skip reports.
func appendMembers(b []byte, m map[string]any, depth int, skip func(string) bool) ([]byte, error) {
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		if skip == nil || !skip(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendValue appends the JSON text of v.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxNesting { // also stops a map that contains itself
		return b, fmt.Errorf("jwt: claims nested deeper than %d levels", maxNesting)
	}
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return jsonstr.Append(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case Claims:
		return appendObject(b, v, depth)
	case map[string]any:
		return appendObject(b, v, depth)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, e)
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("jwt: encoding claims: %w", err)
	}
	return append(b, j...), nil
}

// appendObject appends m as a JSON object.
func appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	b, err := appendMembers(b, m, depth, nil)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendFloat appends f in the form ECMAScript's Number::toString gives
// (the form encoding/json also uses), rejecting NaN and infinities.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("jwt: encoding claims: unsupported number %v", f)
	}
	if f == 0 {
		return append(b, '0'), nil // JSON.stringify(-0) is "0"
	}
	format := byte('f')
	if abs := math.Abs(f); bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
		bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// Go writes e-07 where ECMAScript writes e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// The payload reader below accepts exactly what encoding/json accepts when
// decoding into a map[string]any and produces the same values (float64
// numbers, strings with each invalid UTF-8 byte and each unpaired surrogate
// escape turned into U+FFFD, the last of duplicate keys winning), but with a
// fraction of the allocations: unescaped strings share one copy of the
// plaintext. FuzzParseObject checks it against encoding/json.

// maxNesting is encoding/json's limit on nested objects and arrays.
const maxNesting = 10000

// errSyntax is reported for any malformed payload; callers wrap ErrInvalid.
var errSyntax = errors.New("jwt: malformed JSON")

// jsonParser reads one JSON text from s.
type jsonParser struct {
	s     string
	i     int
	depth int
}

// parseObject parses s, which must hold exactly one JSON object.
func parseObject(s string) (map[string]any, error) {
	p := jsonParser{s: s}
	p.space()
	if p.i >= len(s) || s[p.i] != '{' {
		return nil, errSyntax
	}
	m, err := p.object()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(s) {
		return nil, errSyntax
	}
	return m, nil
}

// space skips JSON white space.
func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at p.i (white space already skipped).
func (p *jsonParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, errSyntax
	}
	switch c := p.s[p.i]; {
	case c == '{':
		m, err := p.object()
		return m, err
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, nil
	}
	return nil, errSyntax
}

// enter counts one more level of nesting.
func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return errSyntax
	}
	return nil
}

// object parses the object starting at p.i.
func (p *jsonParser) object() (map[string]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '{'
	m := make(map[string]any, 8)
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, errSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errSyntax
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.i >= len(p.s) {
			return nil, errSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			p.depth--
			return m, nil
		default:
			return nil, errSyntax
		}
	}
}

// array parses the array starting at p.i.
func (p *jsonParser) array() ([]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '['
	a := []any{}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.s) {
			return nil, errSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			p.depth--
			return a, nil
		default:
			return nil, errSyntax
		}
	}
}

// number parses a number with JSON's grammar into a float64.
func (p *jsonParser) number() (float64, error) {
	s, start := p.s, p.i
	i := start
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return 0, errSyntax
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0, errSyntax
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, errSyntax
		}
	}
	p.i = i
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil {
		return 0, errSyntax // out of float64 range, as encoding/json
	}
	return f, nil
}

// str parses the string starting at p.i (at its opening quote).
func (p *jsonParser) str() (string, error) {
	s := p.s
	start := p.i + 1
	// Fast path: no escapes, valid UTF-8, no control characters.
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return s[start:i], nil
		case c == '\\':
			return p.unquote(start)
		case c < 0x20:
			return "", errSyntax
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return p.unquote(start)
			}
			i += size
		}
	}
	return "", errSyntax
}

// hex4 returns the value of the four hex digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(d)
	}
	return r
}

// unquote is the slow path of str: it builds the string, decoding escapes
// and replacing invalid UTF-8, from s[start:] up to the closing quote.
func (p *jsonParser) unquote(start int) (string, error) {
	s := p.s
	var b strings.Builder
	b.Grow(len(s) - start)
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return b.String(), nil
		case c < 0x20:
			return "", errSyntax
		case c < utf8.RuneSelf && c != '\\':
			b.WriteByte(c)
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // RuneError for an invalid byte
			i += size
		default: // backslash
			if i+1 >= len(s) {
				return "", errSyntax
			}
			i += 2
			switch s[i-1] {
			case '"', '\\', '/':
				b.WriteByte(s[i-1])
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s, i)
				if r < 0 {
					return "", errSyntax
				}
				i += 4
				if utf16.IsSurrogate(r) {
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s, i+2); r2 >= 0 {
							if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
								b.WriteRune(d)
								i += 6
								continue
							}
						}
					}
					r = unicode.ReplacementChar
				}
				b.WriteRune(r)
			default:
				return "", errSyntax
			}
		}
	}
	return "", errSyntax
}
