// Package jsuri escapes and unescapes strings as JavaScript does:
// encodeURIComponent, decodeURIComponent and the
// application/x-www-form-urlencoded serialisation of URLSearchParams.
package jsuri

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsutf8"
)

// ErrMalformedEscape is returned by [DecodeURIComponent] for input that
// JavaScript's decodeURIComponent rejects with a URIError.
var ErrMalformedEscape = errors.New("jsuri: malformed percent-encoding")

const upperHex = "0123456789ABCDEF"

// escapeExtra[c] is what encodeURIComponent adds to the length of the
// byte c: 0 for the bytes it leaves unescaped (ASCII letters, digits and
// - _ . ! ~ * ' ( )), 2 for the others, which become %XX. A table, read
// only, because a lookup has no branch to mispredict: base64url tokens,
// the longest values escaped (session cookies), mix the two halves of
// ASCII byte by byte.
var escapeExtra = func() (t [256]uint8) {
	for c := range t {
		t[c] = 2
	}
	for _, r := range [...][2]byte{{'A', 'Z'}, {'a', 'z'}, {'0', '9'}} {
		for c := r[0]; c <= r[1]; c++ {
			t[c] = 0
		}
	}
	for _, c := range []byte("-_.!~*'()") {
		t[c] = 0
	}
	return t
}()

// unreserved reports whether encodeURIComponent leaves the byte c unescaped.
func unreserved(c byte) bool { return escapeExtra[c] == 0 }

// URIComponentLen returns the length of s after [EncodeURIComponent], so
// that a caller can size a buffer for [WriteURIComponent]; it is len(s)
// exactly when s needs no escaping.
func URIComponentLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		n += int(escapeExtra[s[i]])
	}
	return n
}

// EncodeURIComponent escapes s as JavaScript's encodeURIComponent does for a
// well-formed string: every byte outside A–Z a–z 0–9 - _ . ! ~ * ' ( ) becomes
// %XX (upper-case hex), so non-ASCII text appears as its UTF-8 bytes. Bytes of
// invalid UTF-8, which a JavaScript string cannot hold, are escaped one by one.
func EncodeURIComponent(s string) string {
	n := URIComponentLen(s)
	if n == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(n)
	WriteURIComponent(&b, s)
	return b.String()
}

// WriteURIComponent writes [EncodeURIComponent](s) to b.
func WriteURIComponent(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
}

// Unhex returns the value of the hexadecimal digit c (either case), or -1.
func Unhex(c byte) int {
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

// escapedByte decodes the "%XX" at s[i:], reporting false if it is not one.
func escapedByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	hi, lo := Unhex(s[i+1]), Unhex(s[i+2])
	if hi < 0 || lo < 0 {
		return 0, false
	}
	return byte(hi<<4 | lo), true
}

// DecodeURIComponent reverses percent-encoding as JavaScript's
// decodeURIComponent does: every %XX is decoded (reserved characters
// included), and a truncated or non-hex escape, or escapes that do not form
// well-formed UTF-8 (overlong forms, surrogates, code points above U+10FFFF),
// make it fail with [ErrMalformedEscape]. Bytes that are not escaped are
// copied as they are.
func DecodeURIComponent(s string) (string, error) {
	first := strings.IndexByte(s, '%')
	if first < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:first])
	var seq [4]byte
	for i := first; i < len(s); {
		c := s[i]
		if c != '%' {
			j := i + 1
			for j < len(s) && s[j] != '%' {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		lead, ok := escapedByte(s, i)
		if !ok {
			return "", ErrMalformedEscape
		}
		i += 3
		if lead < 0x80 {
			b.WriteByte(lead)
			continue
		}
		// The number of leading one bits gives the sequence length.
		var n int
		switch {
		case lead&0xE0 == 0xC0:
			n = 2
		case lead&0xF0 == 0xE0:
			n = 3
		case lead&0xF8 == 0xF0:
			n = 4
		default:
			return "", ErrMalformedEscape
		}
		seq[0] = lead
		for k := 1; k < n; k++ {
			cont, ok := escapedByte(s, i)
			if !ok || cont&0xC0 != 0x80 {
				return "", ErrMalformedEscape
			}
			seq[k] = cont
			i += 3
		}
		if !utf8.Valid(seq[:n]) {
			return "", ErrMalformedEscape
		}
		b.Write(seq[:n])
	}
	return b.String(), nil
}

// formUnreserved reports whether the urlencoded serialiser leaves c bare:
// ASCII letters, digits and * - . _ (not ~, which encodeURIComponent keeps,
// and not *, which Go's url.QueryEscape escapes).
func formUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '*' || c == '-' || c == '.' || c == '_'
}

// FormEscape returns s as URLSearchParams serialises a name or a value (the
// application/x-www-form-urlencoded serializer of the WHATWG URL Standard,
// which URLSearchParams.toString uses): ASCII letters, digits and * - . _
// stay, a space becomes "+", and every other byte of the UTF-8 encoding
// becomes %XX (upper-case hex).
//
// A JavaScript string holds no invalid UTF-8: what Node makes of such bytes
// has each maximal ill-formed subpart replaced by U+FFFD ([jsutf8.ToValid]),
// so here each becomes %EF%BF%BD.
func FormEscape(s string) string {
	s = jsutf8.ToValid(s)
	n, bare := len(s), true
	for i := 0; i < len(s); i++ {
		if c := s[i]; !formUnreserved(c) {
			bare = false
			if c != ' ' {
				n += 2
			}
		}
	}
	if bare {
		return s
	}
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case formUnreserved(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return b.String()
}
