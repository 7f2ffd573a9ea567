package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsutf8"
	"github.com/nextauth-go/nextauth/internal/nodetest"
)

func TestAppend(t *testing.T) {
	// JSON.stringify results in Node.js 20; the strings with invalid UTF-8
	// as Node decodes their bytes first.
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "Alice Liddell", `"Alice Liddell"`},
		{"quote and backslash", `a"b\c/`, `"a\"b\\c/"`},
		{"short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"other controls", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"DEL kept", "\x7f", "\"\x7f\""},
		{"no HTML escaping", "<script>&amp;</script>", `"<script>&amp;</script>"`},
		{"line separators kept", "\u2028\u2029", "\"\u2028\u2029\""},
		{"non-ASCII", "Zoë €", `"Zoë €"`},
		{"non-BMP", "a😀b", `"a😀b"`},
		{"replacement character kept", "\uFFFD", "\"\uFFFD\""},
		{"invalid byte", "a\xffb", "\"a\uFFFDb\""},
		{"two invalid bytes", "\xff\xfe", "\"\uFFFD\uFFFD\""},
		{"truncated sequence", "\xe2\x82\n", "\"\uFFFD\\n\""},
		{"truncated non-BMP", "x\xf0\x9f\x98", "\"x\uFFFD\""},
		{"encoded surrogate", "\xed\xa0\x80", "\"\uFFFD\uFFFD\uFFFD\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Append([]byte("x"), tt.in); string(got) != "x"+tt.want {
				t.Errorf("Append(%q) = %s, want %s", tt.in, got[1:], tt.want)
			}
		})
	}
}

// collapseFFFD replaces each run of U+FFFD in s by one.
func collapseFFFD(s string) string {
	for strings.Contains(s, "\uFFFD\uFFFD") {
		s = strings.ReplaceAll(s, "\uFFFD\uFFFD", "\uFFFD")
	}
	return s
}

// FuzzAppend checks that Append writes valid JSON which encoding/json reads
// back to s as Node decodes it: s itself when it is valid UTF-8, else with
// U+FFFD for each maximal ill-formed subpart, which up to the number of
// U+FFFD in a row is strings.ToValidUTF8(s, "\uFFFD").
func FuzzAppend(f *testing.F) {
	for _, s := range nodetest.ByteStrings(1, 10) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := Append(nil, s)
		if !json.Valid(enc) {
			t.Fatalf("Append(%q) = %s, not JSON", s, enc)
		}
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("Append(%q) = %s: %v", s, enc, err)
		}
		if want := jsutf8.ToValid(s); got != want {
			t.Errorf("json.Unmarshal(Append(%q)) = %q, want %q", s, got, want)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); collapseFFFD(got) != collapseFFFD(want) {
			t.Errorf("json.Unmarshal(Append(%q)) = %q, want %q up to repeated U+FFFD", s, got, want)
		}
		if utf8.ValidString(s) && strings.ContainsAny(s, "<>&") && !strings.ContainsAny(string(enc), "<>&") {
			t.Errorf("Append(%q) = %s, escaped HTML characters", s, enc)
		}
	})
}

// TestAppendNode compares Append with JSON.stringify of the string Node
// decodes from the same bytes.
func TestAppendNode(t *testing.T) {
	in := nodetest.ByteStrings(5, 2000)
	for c := range 0x80 {
		in = append(in, string(rune(c)))
	}
	want := nodetest.MapBytes(t, `b => JSON.stringify(b.toString("utf8"))`, in)
	for i, s := range in {
		if got := Append(nil, s); string(got) != want[i] {
			t.Errorf("Append(%q) = %s, Node's JSON.stringify gives %s", s, got, want[i])
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"ascii", "https://example.com/avatars/alice.png"},
		{"non-ASCII", "Zoë Ångström, 東京 😀"},
		{"escapes", "line\none\t\"quoted\"\\"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				buf = Append(buf[:0], bc.s)
			}
		})
	}
}
