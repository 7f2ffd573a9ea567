package pages

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ValidColor reports whether s (surrounding spaces ignored) is a CSS colour
// the pages will write into a stylesheet: "#" with 3, 4, 6 or 8 hex digits, a
// colour function (rgb, rgba, hsl, hsla, hwb, lab, lch, oklab, oklch) whose
// arguments hold only letters, digits, spaces and ".,%/+-", or a colour name
// made of letters only ("red", "transparent"). Anything else, which could end
// a declaration or the style element, is refused; the pages drop such values.
func ValidColor(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return false
	case s[0] == '#':
		h := s[1:]
		switch len(h) {
		case 3, 4, 6, 8:
		default:
			return false
		}
		for i := range len(h) {
			if !isHexDigit(h[i]) {
				return false
			}
		}
		return true
	}
	if open := strings.IndexByte(s, '('); open >= 0 {
		switch strings.ToLower(s[:open]) {
		case "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch":
		default:
			return false
		}
		if s[len(s)-1] != ')' {
			return false
		}
		for i := open + 1; i < len(s)-1; i++ {
			c := s[i]
			if !isLetter(c) && !isDigit(c) && !strings.ContainsRune(" .,%/+-", rune(c)) {
				return false
			}
		}
		return true
	}
	if len(s) > 40 {
		return false
	}
	for i := range len(s) {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

// cleanColor returns s without surrounding spaces if it is a [ValidColor],
// and "" otherwise.
func cleanColor(s string) string {
	if !ValidColor(s) {
		return ""
	}
	return strings.TrimSpace(s)
}

// hoverColor computes a provider button's hover colour the way NextAuth's
// sign-in page does: strip one leading "#", expand a 3-digit form, read the
// string with JavaScript's parseInt(…, 16) (longest hex prefix, 0 when there
// is none), and take bytes 2, 1 and 0 of its 32-bit integer value as r, g and
// b of rgba(r, g, b, 0.8). An empty colour has no hover colour.
func hoverColor(c string) string {
	if c == "" {
		return ""
	}
	h := strings.TrimPrefix(c, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v := jsParseHexInt32(h)
	r, g, b := (v>>16)&255, (v>>8)&255, v&255
	return "rgba(" + strconv.Itoa(int(r)) + ", " + strconv.Itoa(int(g)) + ", " + strconv.Itoa(int(b)) + ", 0.8)"
}

// jsParseHexInt32 is ToInt32(parseInt(s, 16)) as JavaScript computes it, for
// strings without leading spaces, sign or "0x" prefix: NaN and ±Infinity
// become 0, and integers beyond 2^53 are first rounded to a double.
func jsParseHexInt32(s string) uint32 {
	n := 0
	for n < len(s) && isHexDigit(s[n]) {
		n++
	}
	if n == 0 {
		return 0 // NaN
	}
	if n <= 13 { // at most 52 bits: exact in a double
		x, _ := strconv.ParseUint(s[:n], 16, 64)
		return uint32(x)
	}
	i, _ := new(big.Int).SetString(s[:n], 16)
	f, _ := new(big.Float).SetInt(i).Float64() // round to nearest, ties to even
	if math.IsInf(f, 0) {
		return 0
	}
	i, _ = big.NewFloat(f).Int(nil)
	return uint32(new(big.Int).And(i, big.NewInt(math.MaxUint32)).Uint64())
}

func isHexDigit(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
