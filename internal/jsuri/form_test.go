package jsuri

import (
	"encoding/base64"
	"errors"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsutf8"
	"github.com/nextauth-go/nextauth/internal/nodetest"
)

func TestFormEscape(t *testing.T) {
	// new URLSearchParams({a: s}).toString() in Node.js 20, without "a=";
	// the strings with invalid UTF-8 as Node decodes their bytes first.
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"bare", "abcXYZ019*-._", "abcXYZ019*-._"},
		{"space and star", "x y*é", "x+y*%C3%A9"},
		{"kept by encodeURIComponent", "~!'()", "%7E%21%27%28%29"},
		{"reserved", "+&=%/?#", "%2B%26%3D%25%2F%3F%23"},
		{"controls", "\x00\n\x7f", "%00%0A%7F"},
		{"line separator", "\u2028", "%E2%80%A8"},
		{"non-BMP", "a😀b", "a%F0%9F%98%80b"},
		{"invalid byte", "a\xffb", "a%EF%BF%BDb"},
		{"two invalid bytes", "\xff\xfe", "%EF%BF%BD%EF%BF%BD"},
		{"truncated sequence", "\xe2\x82 x", "%EF%BF%BD+x"},
		{"truncated non-BMP", "\xf0\x9f\x98", "%EF%BF%BD"},
		{"encoded surrogate", "\xed\xa0\x80", "%EF%BF%BD%EF%BF%BD%EF%BF%BD"},
		{"overlong slash", "\xc0\xaf", "%EF%BF%BD%EF%BF%BD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormEscape(tt.in); got != tt.want {
				t.Errorf("FormEscape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzFormEscape(f *testing.F) {
	for _, s := range nodetest.ByteStrings(1, 10) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := FormEscape(s)
		// Go's form decoding reads it back to the string Node holds.
		got, err := url.QueryUnescape(enc)
		if want := jsutf8.ToValid(s); err != nil || got != want {
			t.Errorf("url.QueryUnescape(FormEscape(%q) = %q) = %q, %v, want %q", s, enc, got, err, want)
		}
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; c != '%' && c != '+' && !formUnreserved(c) {
				t.Fatalf("FormEscape(%q) = %q, has bare %q", s, enc, c)
			}
		}
	})
}

// TestNode compares FormEscape, EncodeURIComponent and DecodeURIComponent
// with what Node does with the same bytes.
func TestNode(t *testing.T) {
	in := nodetest.ByteStrings(3, 2000)
	// Percent-encoded forms of the samples, some of them broken, for decoding.
	for _, s := range nodetest.ByteStrings(4, 300) {
		in = append(in, EncodeURIComponent(s), "%"+EncodeURIComponent(s), EncodeURIComponent(s)+"%E2%8")
	}
	enc := make([]string, len(in))
	for i, s := range in {
		enc[i] = base64.StdEncoding.EncodeToString([]byte(s))
	}
	type answer struct {
		Form   string  `json:"form"`
		URI    *string `json:"uri"`    // null: encodeURIComponent throws
		Decode *string `json:"decode"` // base64 of the UTF-8; null: URIError
	}
	var out []answer
	nodetest.Eval(t, `const req = JSON.parse(require("fs").readFileSync(0, "utf8"));
const tryOr = f => { try { return f() } catch (e) { return null } };
const out = req.map(b => {
	const raw = Buffer.from(b, "base64"), s = raw.toString("utf8");
	return {
		form: new URLSearchParams({a: s}).toString().slice(2),
		uri: raw.equals(Buffer.from(s, "utf8")) ? encodeURIComponent(s) : null,
		decode: tryOr(() => Buffer.from(decodeURIComponent(s), "utf8").toString("base64")),
	};
});
process.stdout.write(JSON.stringify(out));`, enc, &out)
	if len(out) != len(in) {
		t.Fatalf("node answered %d times for %d strings", len(out), len(in))
	}
	for i, s := range in {
		if got := FormEscape(s); got != out[i].Form {
			t.Errorf("FormEscape(%q) = %q, Node's URLSearchParams gives %q", s, got, out[i].Form)
		}
		if utf8.ValidString(s) {
			if got := EncodeURIComponent(s); out[i].URI == nil || got != *out[i].URI {
				t.Errorf("EncodeURIComponent(%q) = %q, Node gives %v", s, got, out[i].URI)
			}
			got, err := DecodeURIComponent(s)
			switch {
			case out[i].Decode == nil:
				if !errors.Is(err, ErrMalformedEscape) {
					t.Errorf("DecodeURIComponent(%q) = %q, %v, Node throws URIError", s, got, err)
				}
			default:
				want, _ := base64.StdEncoding.DecodeString(*out[i].Decode)
				if err != nil || got != string(want) {
					t.Errorf("DecodeURIComponent(%q) = %q, %v, Node gives %q", s, got, err, want)
				}
			}
		}
	}
}
