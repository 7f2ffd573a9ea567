package cookie

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// request returns a GET request carrying one Cookie header line per element
// of lines.
func request(lines ...string) *http.Request {
	r, err := http.NewRequest(http.MethodGet, "http://localhost/api/auth/session", nil)
	if err != nil {
		panic(err)
	}
	for _, l := range lines {
		r.Header.Add("Cookie", l)
	}
	return r
}

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		cookie  string
		want    string
		found   bool
	}{
		{"plain", []string{"a=1; b=2"}, "b", "2", true},
		{"first wins", []string{"a=1; a=2"}, "a", "1", true},
		{"first wins across lines", []string{"x=0; a=1", "a=2"}, "a", "1", true},
		{"missing", []string{"a=1"}, "b", "", false},
		{"no header", nil, "a", "", false},
		{"piece without equals skipped", []string{"a; a=2"}, "a", "2", true},
		{"name and value trimmed", []string{"x=1;\t a \t= \t v w \t"}, "a", "v w", true},
		{"no-break space trimmed", []string{"a=\xa0v\xa0"}, "a", "v", true},
		{"empty value", []string{"a=; b=2"}, "a", "", true},
		{"value with equals", []string{"a=b=c"}, "a", "b=c", true},
		{"quoted", []string{`a="v"`}, "a", "v", true},
		{"quote stripping drops last char", []string{`a="v`}, "a", "", true},
		{"lone quote", []string{`a="`}, "a", "", true},
		{"quoted escape decoded", []string{`a="q%41"`}, "a", "qA", true},
		{"percent decoded", []string{"cb=http%3A%2F%2Flocalhost%3A3111"}, "cb", "http://localhost:3111", true},
		{"utf-8 decoded", []string{"a=%C3%A9"}, "a", "é", true},
		{"bad escape raw", []string{"a=100%"}, "a", "100%", true},
		{"bad utf-8 raw", []string{"a=%E0%A4"}, "a", "%E0%A4", true},
		{"plus kept", []string{"a=1+2"}, "a", "1+2", true},
		{"empty name", []string{"=x; a=1"}, "", "x", true},
		{"inherited property never set", []string{"toString=1"}, "toString", "", false},
		{"proto never set", []string{"__proto__=1"}, "__proto__", "", false},
		{"name case matters", []string{"A=1"}, "a", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := Get(request(tt.headers...), tt.cookie)
			if got != tt.want || found != tt.found {
				t.Errorf("Get(Cookie: %q, %q) = %q, %v, want %q, %v", tt.headers, tt.cookie, got, found, tt.want, tt.found)
			}
		})
	}
}

// trimLatin1 trims the bytes JavaScript's trim removes from a Latin-1 string.
func trimLatin1(s string) string {
	const space = "\t\n\v\f\r \xa0"
	for s != "" && strings.IndexByte(space, s[0]) >= 0 {
		s = s[1:]
	}
	for s != "" && strings.IndexByte(space, s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	return s
}

// referenceParse is a direct transcription of Next.js's parser (split the
// joined header on ';', skip pieces without '=', trim, unquote, first wins,
// decode when '%' is present), used to cross-check the scanning Get.
func referenceParse(lines []string) map[string]string {
	out := map[string]string{}
	for _, piece := range strings.Split(strings.Join(lines, "; "), ";") {
		eq := strings.Index(piece, "=")
		if eq < 0 {
			continue
		}
		key := trimLatin1(piece[:eq])
		val := trimLatin1(piece[eq+1:])
		if strings.HasPrefix(val, `"`) {
			val = val[1:max(1, len(val)-1)]
		}
		if _, ok := out[key]; ok || inheritedName(key) {
			continue
		}
		if strings.Contains(val, "%") {
			if d, err := jsuri.DecodeURIComponent(val); err == nil {
				val = d
			}
		}
		out[key] = val
	}
	return out
}

func FuzzGet(f *testing.F) {
	f.Add("a=1; b=2", "", "a")
	f.Add(`a="q%41" ; a=2`, "b=%", "a")
	f.Add("\xa0a\xa0=\t%C3%A9;;=;", "a=3", "a")
	f.Add("toString=1", "x", "toString")
	f.Fuzz(func(t *testing.T, line1, line2, name string) {
		lines := []string{line1, line2}
		got, found := Get(request(lines...), name) // must not panic
		want, wantFound := referenceParse(lines)[name]
		if got != want || found != wantFound {
			t.Errorf("Get(Cookie: %q, %q) = %q, %v, want %q, %v", lines, name, got, found, want, wantFound)
		}
	})
}
