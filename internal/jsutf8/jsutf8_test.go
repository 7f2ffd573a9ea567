package jsutf8

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/nodetest"
)

func TestToValid(t *testing.T) {
	// Node.js 20: Buffer.from(bytes).toString("utf8"), U+FFFD written as �.
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"é😀\uFFFD", "é😀\uFFFD"},
		{"\xff", "�"},
		{"\xff\xfe", "��"},
		{"a\xffb", "a�b"},
		{"\xe2\x82", "�"},
		{"\xe2\x82A", "�A"},
		{"\xf0\x9f\x98", "�"},
		{"\xf0\x9f\x98x", "�x"},
		{"\xed\xa0\x80", "���"},
		{"\xc0\xaf", "��"},
		{"\xe0\x80\x80", "���"},
		{"\xf4\x90\x80\x80", "����"},
		{"\xc3\xa9\xc3", "é�"},
		{"\x80\x80\x80", "���"},
	}
	for _, tt := range tests {
		if got := ToValid(tt.in); got != tt.want {
			t.Errorf("ToValid(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInvalidLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 0}, {"é", 0}, {"€x", 0}, {"😀", 0}, {"\U0010FFFF", 0},
		{"\x80", 1}, {"\xc1\xbf", 1}, {"\xf5\x80", 1}, {"\xff", 1},
		{"\xc3", 1}, {"\xc3(", 1}, {"\xe0\x9f\x80", 1}, {"\xed\xa0\x80", 1}, {"\xf0\x8f", 1}, {"\xf4\x90", 1},
		{"\xe2\x82", 2}, {"\xe2\x82A", 2}, {"\xf0\x9f", 2}, {"\xf0\x9f\x98", 3}, {"\xf4\x8f\xbf(", 3},
	}
	for _, tt := range tests {
		if got := InvalidLen(tt.in); got != tt.want {
			t.Errorf("InvalidLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// whatwgDecode is the UTF-8 decoder of the WHATWG Encoding Standard, step
// by step as the standard writes it, with replacement error mode.
func whatwgDecode(s string) string {
	var out strings.Builder
	var needed, seen int
	var cp rune
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i <= len(s); i++ {
		if i == len(s) {
			if needed != 0 {
				out.WriteRune(utf8.RuneError)
			}
			break
		}
		b := s[i]
		if needed == 0 {
			switch {
			case b <= 0x7F:
				out.WriteByte(b)
			case 0xC2 <= b && b <= 0xDF:
				needed, cp = 1, rune(b&0x1F)
			case 0xE0 <= b && b <= 0xEF:
				if b == 0xE0 {
					lower = 0xA0
				}
				if b == 0xED {
					upper = 0x9F
				}
				needed, cp = 2, rune(b&0xF)
			case 0xF0 <= b && b <= 0xF4:
				if b == 0xF0 {
					lower = 0x90
				}
				if b == 0xF4 {
					upper = 0x8F
				}
				needed, cp = 3, rune(b&0x7)
			default:
				out.WriteRune(utf8.RuneError)
			}
			continue
		}
		if b < lower || b > upper {
			cp, needed, seen = 0, 0, 0
			lower, upper = 0x80, 0xBF
			i-- // the byte is read again
			out.WriteRune(utf8.RuneError)
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(b&0x3F)
		seen++
		if seen != needed {
			continue
		}
		out.WriteRune(cp)
		cp, needed, seen = 0, 0, 0
	}
	return out.String()
}

func FuzzToValid(f *testing.F) {
	for _, s := range nodetest.ByteStrings(1, 20) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ToValid(s)
		if want := whatwgDecode(s); got != want {
			t.Errorf("ToValid(%q) = %q, want %q (the WHATWG decoder)", s, got, want)
		}
		if utf8.ValidString(s) && got != s {
			t.Errorf("ToValid(%q) = %q, changed valid UTF-8", s, got)
		}
	})
}

// TestToValidNode compares ToValid with Node decoding the same bytes.
func TestToValidNode(t *testing.T) {
	in := nodetest.ByteStrings(2, 2000)
	want := nodetest.MapBytes(t, `b => b.toString("utf8")`, in)
	for i, s := range in {
		if got := ToValid(s); got != want[i] {
			t.Errorf("ToValid(%q) = %q, Node decodes %q", s, got, want[i])
		}
	}
}
