// Package jsutf8 reads UTF-8 bytes the way JavaScript runtimes do.
//
// A Go string may hold any bytes; a JavaScript string made from the same
// bytes (Node's Buffer#toString and TextDecoder, and so every request body,
// query string and decrypted token a NextAuth.js server sees) has each
// maximal subpart of an ill-formed sequence replaced by one U+FFFD, as the
// WHATWG Encoding Standard's UTF-8 decoder specifies. A maximal subpart is
// the longest prefix of a well-formed sequence that the bytes start with, or
// else one byte: "\xe2\x82" (a truncated "€") is one U+FFFD, "\xff\xfe" and
// the encoded surrogate "\xed\xa0\x80" are two and three.
//
// That is neither strings.ToValidUTF8, which replaces a whole run of bad
// bytes by one U+FFFD, nor ranging over the string, which replaces each byte
// of a truncated sequence.
package jsutf8

import (
	"strings"
	"unicode/utf8"
)

// ToValid returns s as a JavaScript runtime decodes its bytes: s itself when
// it is valid UTF-8, else a copy with each maximal subpart of an ill-formed
// sequence replaced by U+FFFD.
func ToValid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	start := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString("\uFFFD")
			i += InvalidLen(s[i:])
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	return b.String()
}

// InvalidLen returns the number of bytes at the start of s that a JavaScript
// runtime's UTF-8 decoder replaces by one U+FFFD: 1 to 3 when s starts with
// an ill-formed sequence (when utf8.DecodeRuneInString(s) gives RuneError
// and size 1), 0 when s is empty or starts with a well-formed one.
func InvalidLen(s string) int {
	if s == "" || s[0] < utf8.RuneSelf {
		return 0
	}
	// The bounds of the byte after the lead byte, and how many continuation
	// bytes the lead byte announces (the table of well-formed byte
	// sequences in the Unicode Standard, chapter 3).
	lo, hi := byte(0x80), byte(0xBF)
	var need int
	switch c := s[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0 // no overlong forms
	case c == 0xED:
		need, hi = 2, 0x9F // no surrogates
	case 0xE1 <= c && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90 // no overlong forms
	case c == 0xF4:
		need, hi = 3, 0x8F // nothing above U+10FFFF
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	default: // a continuation byte, C0, C1 or F5–FF
		return 1
	}
	for n := 1; n <= need; n++ {
		if n >= len(s) || s[n] < lo || s[n] > hi {
			return n
		}
		lo, hi = 0x80, 0xBF
	}
	return 0
}
