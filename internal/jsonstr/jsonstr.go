// Package jsonstr writes strings as JSON the way JavaScript's JSON.stringify
// does, without encoding/json's reflection and HTML escaping.
package jsonstr

import (
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsutf8"
)

const hexDigits = "0123456789abcdef"

// plain[c] reports whether the ASCII byte c is written as it is: not a
// control character, quote or backslash.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Append appends s to b as the JSON string JSON.stringify writes for it:
// quote and backslash escaped, control characters as \b \f \n \r \t or
// else \u00xx, and everything else as it is, < > & and U+2028, U+2029
// included.
//
// A JavaScript string holds no invalid UTF-8: where s has some, Append
// writes U+FFFD for each maximal ill-formed subpart, as Node does when it
// decodes the same bytes ([jsutf8.ToValid]).
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i += jsutf8.InvalidLen(s[i:])
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
