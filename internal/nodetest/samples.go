package nodetest

import "math/rand/v2"

// edgeStrings are byte strings at the edges of UTF-8 decoding: every kind of
// ill-formed sequence, the largest and smallest code points of each length,
// characters outside the Basic Multilingual Plane, and ASCII punctuation.
var edgeStrings = []string{
	"", "a", " ", "+", "%", "%zz", "x y*é", "*-._~!'()", "<>&\"\\/", "\x00\x1f\x7f",
	"\u2028\u2029", "\ufeff", "\uFFFD", "😀", "a😀b", "\U0010FFFF", "\u0080", "\u07ff", "\u0800", "\uffff", "\U00010000",
	"\xff", "\xfe", "\x80", "\xbf", "\xc0", "\xc1", "\xc2", "\xf5", "\xf8\x88\x80\x80\x80",
	"\xff\xfe", "a\xffb", "\xe2\x82", "\xe2\x82A", "\xe2\x82\xff", "\xf0\x9f\x98", "\xf0\x9f\x98x",
	"\xc0\xaf", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\x80\xed\xb0\x80",
	"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf5\x80\x80\x80",
	"\xc3", "\xc3(", "\xc3\xa9\xc3", "\x80\x80\x80", "\xef\xbf\xbd\xff", "\xe2\x82\xac\xe2\x82",
}

// ByteStrings returns edge cases of UTF-8 decoding followed by n strings of
// random bytes drawn from seed, most of them near sequence boundaries (lead
// and continuation bytes, the encodings of valid characters of each length),
// for differential tests against Node.
func ByteStrings(seed uint64, n int) []string {
	out := append([]string(nil), edgeStrings...)
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pieces := []string{"a", " ", "+", "%", "*", "~", "\"", "\\", "\n", "é", "€", "😀", "\u2028", "\uFFFD"}
	for range n {
		var b []byte
		for range rnd.IntN(12) {
			switch rnd.IntN(4) {
			case 0:
				b = append(b, byte(0x80+rnd.IntN(0x40))) // continuation byte
			case 1:
				b = append(b, byte(0xC0+rnd.IntN(0x40))) // lead byte or C0, C1, F5–FF
			case 2:
				b = append(b, pieces[rnd.IntN(len(pieces))]...)
			default:
				b = append(b, byte(rnd.IntN(256)))
			}
		}
		out = append(out, string(b))
	}
	return out
}
