package jsuri

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncodeURIComponent(t *testing.T) {
	// printable is every printable ASCII character, and wantPrintable its
	// encodeURIComponent as observed in Node.js 20.
	var printable []byte
	for c := byte(0x20); c < 0x7f; c++ {
		printable = append(printable, c)
	}
	const wantPrintable = "%20!%22%23%24%25%26'()*%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~"
	tests := []struct {
		name, in, want string
	}{
		{"printable ASCII", string(printable), wantPrintable},
		{"pipe", "a|b", "a%7Cb"},
		{"url", "http://localhost:3111/x", "http%3A%2F%2Flocalhost%3A3111%2Fx"},
		{"two-byte", "é", "%C3%A9"},
		{"three-byte", "€", "%E2%82%AC"},
		{"four-byte", "😀", "%F0%9F%98%80"},
		{"controls", "\x00\n\x7f", "%00%0A%7F"},
		{"jwe unchanged", "eyJh..AAEC.D9w7-_x.z3u", "eyJh..AAEC.D9w7-_x.z3u"},
		{"invalid UTF-8 byte by byte", "\xff\xc3", "%FF%C3"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeURIComponent(tt.in); got != tt.want {
				t.Errorf("EncodeURIComponent(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := URIComponentLen(tt.in); got != len(tt.want) {
				t.Errorf("URIComponentLen(%q) = %d, want %d", tt.in, got, len(tt.want))
			}
		})
	}
}

func TestUnreserved(t *testing.T) {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(set, byte(c)) >= 0
		if got := unreserved(byte(c)); got != want {
			t.Errorf("unreserved(%#x) = %v, want %v", c, got, want)
		}
	}
}

func TestDecodeURIComponent(t *testing.T) {
	// Results observed with Node.js 20's decodeURIComponent; bad = URIError.
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "%", bad: true},
		{in: "%4", bad: true},
		{in: "%zz", bad: true},
		{in: "%C3", bad: true},
		{in: "%C3%28", bad: true},
		{in: "%C0%80", bad: true},
		{in: "%ED%A0%80", bad: true},
		{in: "%F4%90%80%80", bad: true},
		{in: "%80", bad: true},
		{in: "%F8%80%80%80%80", bad: true},
		{in: "%E2%82", bad: true},
		{in: "%E2%82%2", bad: true},
		{in: "%E2%82A", bad: true},
		{in: "%25", want: "%"},
		{in: "%2F%3b", want: "/;"},
		{in: "a%20b", want: "a b"},
		{in: "%E2%82%AC", want: "€"},
		{in: "%e2%82%ac", want: "€"},
		{in: "%F0%9F%98%80", want: "😀"},
		{in: "%EF%BB%BF", want: "\ufeff"},
		{in: "x%41y%42", want: "xAyB"},
		{in: "no escapes é", want: "no escapes é"},
		{in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DecodeURIComponent(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrMalformedEscape) {
					t.Errorf("DecodeURIComponent(%q) = %q, %v, want ErrMalformedEscape", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DecodeURIComponent(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzURIComponent(f *testing.F) {
	for _, s := range []string{"", "a|b", "%", "%C3%A9", "é😀", "%E2%82", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec, err := DecodeURIComponent(s) // must not panic
		if err == nil && utf8.ValidString(s) && !utf8.ValidString(dec) {
			t.Errorf("DecodeURIComponent(%q) = %q, invalid UTF-8 from valid input", s, dec)
		}
		if !utf8.ValidString(s) {
			return
		}
		enc := EncodeURIComponent(s)
		if got, err := DecodeURIComponent(enc); err != nil || got != s {
			t.Errorf("DecodeURIComponent(EncodeURIComponent(%q) = %q) = %q, %v, want the input", s, enc, got, err)
		}
	})
}
