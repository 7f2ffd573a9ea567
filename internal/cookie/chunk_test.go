package cookie

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const tokenName = "next-auth.session-token"

func TestReadChunks(t *testing.T) {
	// Expected values observed by running next-auth 4.24.15's SessionStore on
	// the output of Next.js 14.2.35's cookie parser in Node.js 20.
	tests := []struct {
		name      string
		header    string
		wantValue string
		wantNames []string
	}{
		{
			name:      "none",
			header:    "other=1",
			wantValue: "",
			wantNames: nil,
		},
		{
			name:      "single",
			header:    "a=1; next-auth.session-token=tok",
			wantValue: "tok",
			wantNames: []string{tokenName},
		},
		{
			name:      ".10 after .2",
			header:    "next-auth.session-token.2=c; next-auth.session-token.10=d; next-auth.session-token.0=a; next-auth.session-token.1=b",
			wantValue: "abcd",
			wantNames: []string{tokenName + ".2", tokenName + ".10", tokenName + ".0", tokenName + ".1"},
		},
		{
			name:      "plain name between chunks",
			header:    "next-auth.session-token.1=B; next-auth.session-token=P; next-auth.session-token.0=A",
			wantValue: "BPA",
			wantNames: []string{tokenName + ".1", tokenName, tokenName + ".0"},
		},
		{
			name:      "descending run around a plain name",
			header:    "next-auth.session-token.2=2; next-auth.session-token=P; next-auth.session-token.1=1",
			wantValue: "2P1",
			wantNames: []string{tokenName + ".2", tokenName, tokenName + ".1"},
		},
		{
			name:      "non-numeric interleaved",
			header:    "next-auth.session-token.x=X; next-auth.session-token.3=3; next-auth.session-token.y=Y; next-auth.session-token.1=1",
			wantValue: "X3Y1",
			wantNames: []string{tokenName + ".x", tokenName + ".3", tokenName + ".y", tokenName + ".1"},
		},
		{
			name:      "strictly descending run reversed",
			header:    "next-auth.session-token.3=3; next-auth.session-token.2=2; next-auth.session-token.x=X; next-auth.session-token.1=1",
			wantValue: "123X",
			wantNames: []string{tokenName + ".3", tokenName + ".2", tokenName + ".x", tokenName + ".1"},
		},
		{
			name:      "parseInt forms",
			header:    "next-auth.session-token.0x2=h; next-auth.session-token.1=1; next-auth.session-token.-1=m; next-auth.session-token. 0=s",
			wantValue: "ms1h",
			wantNames: []string{tokenName + ".0x2", tokenName + ".1", tokenName + ".-1", tokenName + ". 0"},
		},
		{
			name:      "prefix match, first wins, quotes and escapes",
			header:    `a=1;  next-auth.session-token = "q%41" ; next-auth.session-token=second; next-auth.session-tokenX=x`,
			wantValue: "qAx",
			wantNames: []string{tokenName, tokenName + "X"},
		},
		{
			name:      "each chunk decoded alone, bad ones raw",
			header:    "next-auth.session-token.1=%E0%A4; next-auth.session-token.0=%41%",
			wantValue: "%41%%E0%A4",
			wantNames: []string{tokenName + ".1", tokenName + ".0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadChunks(request(tt.header), tokenName)
			if got.Value != tt.wantValue || !slices.Equal(got.Names, tt.wantNames) {
				t.Errorf("ReadChunks(Cookie: %q) = %q %q, want %q %q", tt.header, got.Value, got.Names, tt.wantValue, tt.wantNames)
			}
		})
	}
}

func TestReadChunksMany(t *testing.T) {
	// Enough chunks to switch to the map-based duplicate check and, past 63,
	// to the stable sort; sent in reverse order with a duplicate of each.
	for _, n := range []int{dedupeLimit + 3, v8MinRun + 5} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var header []string
			var want strings.Builder
			for i := n - 1; i >= 0; i-- {
				header = append(header, tokenName+"."+strconv.Itoa(i)+"=v"+strconv.Itoa(i)+"-")
			}
			for i := 0; i < n; i++ {
				want.WriteString("v" + strconv.Itoa(i) + "-")
				header = append(header, tokenName+"."+strconv.Itoa(i)+"=dup")
			}
			got := ReadChunks(request(strings.Join(header, "; ")), tokenName)
			if got.Value != want.String() || len(got.Names) != n {
				t.Errorf("ReadChunks(%d reversed chunks) = %q (%d names), want %q (%d names)", n, got.Value, len(got.Names), want.String(), n)
			}
		})
	}
}

func TestJSParseInt(t *testing.T) {
	// Results observed with Node.js 20's parseInt.
	tests := []struct {
		in   string
		want float64
	}{
		{"0", 0}, {"1", 1}, {"10", 10}, {"-3", -3}, {"+4", 4}, {" 12", 12},
		{"0x1A", 26}, {"0X1a", 26}, {"0x", math.NaN()}, {"0xg", math.NaN()}, {"12abc", 12},
		{"abc", math.NaN()}, {"", math.NaN()}, {"session-token", math.NaN()},
		{"1e3", 1}, {"3.5", 3}, {"\xa07", 7}, {"99999999999999999999999", 1e23},
		{"0x1fffffffffffff1", 144115188075855860}, {"-0", math.Copysign(0, -1)}, {"\t-0x10", -16},
		{strings.Repeat("9", 400), math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := jsParseInt(tt.in)
			same := got == tt.want && math.Signbit(got) == math.Signbit(tt.want) ||
				math.IsNaN(got) && math.IsNaN(tt.want)
			if !same {
				t.Errorf("jsParseInt(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// cookieName returns the name of the Set-Cookie value c.
func cookieName(c string) string {
	n, _, _ := strings.Cut(c, "=")
	return n
}

func TestWrite(t *testing.T) {
	exp := time.Date(2026, 12, 27, 8, 39, 18, 0, time.UTC)
	const attrs = "; Path=/; Expires=Sun, 27 Dec 2026 08:39:18 GMT; HttpOnly; SameSite=Lax"
	del := func(n string) string { return n + "=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax" }
	set := func(n, v string) string { return n + "=" + v + attrs }
	x6000, y9000 := strings.Repeat("x", 6000), strings.Repeat("y", 9000)
	three := "next-auth.session-token.0=a; next-auth.session-token.1=b; next-auth.session-token.2=c"
	// The expected lists were observed from next-auth 4.24.15's
	// SessionStore.chunk and npm cookie 0.7.2 in Node.js 20.
	tests := []struct {
		name   string
		header string
		value  string
		want   []string
	}{
		{
			name: "unchunked to chunked", header: "next-auth.session-token=old", value: x6000,
			want: []string{del(tokenName), set(tokenName+".0", x6000[:3933]), set(tokenName+".1", x6000[3933:])},
		},
		{
			name: "chunked to small", header: three, value: "small",
			want: []string{del(tokenName + ".0"), del(tokenName + ".1"), del(tokenName + ".2"), set(tokenName, "small")},
		},
		{
			name: "chunked to chunked in place", header: three, value: y9000,
			want: []string{set(tokenName+".0", y9000[:3933]), set(tokenName+".1", y9000[3933:7866]), set(tokenName+".2", y9000[7866:])},
		},
		{
			name: "chunked to fewer chunks", header: three, value: x6000,
			want: []string{set(tokenName+".0", x6000[:3933]), set(tokenName+".1", x6000[3933:]), del(tokenName + ".2")},
		},
		{
			name: "deletions in header order, empty value", header: "next-auth.session-token.1=b; next-auth.session-token.0=a", value: "",
			want: []string{del(tokenName + ".1"), del(tokenName + ".0")},
		},
		{
			name: "none to small", header: "", value: "v|1",
			want: []string{set(tokenName, "v%7C1")},
		},
		{
			name: "exactly one chunk", header: "", value: x6000[:ChunkSize],
			want: []string{set(tokenName, x6000[:ChunkSize])},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ReadChunks(request(tt.header), tokenName)
			got := c.Write(tokenName, tt.value, sessionOpts(), exp)
			if !slices.Equal(got, tt.want) {
				names := make([]string, len(got))
				for i := range got {
					names[i] = cookieName(got[i])
				}
				t.Errorf("ReadChunks(%q).Write(%d chars) = %d cookies %q, want %d", tt.header, len(tt.value), len(got), names, len(tt.want))
			}
		})
	}
}

func TestClean(t *testing.T) {
	c := ReadChunks(request("next-auth.session-token.1=b; next-auth.session-token.0=a; other=1"), tokenName)
	got := c.Clean(sessionOpts())
	want := []string{ // observed from next-auth 4.24.15's SessionStore.clean
		"next-auth.session-token.1=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
		"next-auth.session-token.0=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Clean() = %q, want %q", got, want)
	}
	if got := (Chunks{}).Clean(sessionOpts()); len(got) != 0 {
		t.Errorf("Chunks{}.Clean() = %q, want none", got)
	}
}

func TestSplit(t *testing.T) {
	// "é" is one UTF-16 unit in two bytes; "😀" two units in four bytes.
	tests := []struct {
		name      string
		value     string
		wantUnits []int // UTF-16 length of each chunk
	}{
		{"ascii", strings.Repeat("a", 2*ChunkSize+1), []int{ChunkSize, ChunkSize, 1}},
		{"two-byte counts one unit", strings.Repeat("é", ChunkSize+2), []int{ChunkSize, 2}},
		{"pair not cut", strings.Repeat("a", ChunkSize-1) + "😀b", []int{ChunkSize - 1, 3}},
		{"pair fits", strings.Repeat("a", ChunkSize-2) + "😀b", []int{ChunkSize, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := split(tt.value)
			units := make([]int, len(parts))
			for i, p := range parts {
				units[i] = utf16Len(p)
			}
			if !slices.Equal(units, tt.wantUnits) || strings.Join(parts, "") != tt.value {
				t.Errorf("split(%d bytes) = chunks of %v units, want %v, joined back to the input", len(tt.value), units, tt.wantUnits)
			}
		})
	}
}

// jar returns the Cookie header a browser sends after receiving setCookies
// on a request that carried header: the request's cookies that were not
// replaced or deleted (name=value pieces whose name does not start with
// prefix; pieces without '=' are kept as they are), then every set cookie
// that is not a deletion.
func jar(header, prefix string, setCookies []string) string {
	var keep []string
	for piece := range strings.SplitSeq(header, ";") {
		if eq := strings.IndexByte(piece, '='); eq >= 0 && strings.HasPrefix(jsTrim(piece[:eq]), prefix) {
			continue
		}
		keep = append(keep, piece)
	}
	for _, c := range setCookies {
		pair, attrs, _ := strings.Cut(c, ";")
		if !strings.Contains(attrs, "Max-Age=0") {
			keep = append(keep, pair)
		}
	}
	return strings.Join(keep, ";")
}

func FuzzReadChunks(f *testing.F) {
	f.Add("next-auth.session-token=abc", "new")
	f.Add("next-auth.session-token.1=b; next-auth.session-token.0=a", strings.Repeat("z", 5000))
	f.Add(`next-auth.session-token.0x1="%4"; next-auth.session-token. 2=\xa0; x`, "é😀|;= \"")
	f.Add("=;;next-auth.session-token.-0=1;next-auth.session-token.NaN=%C0%80", "")
	f.Fuzz(func(t *testing.T, header, value string) {
		c := ReadChunks(request(header), tokenName) // must not panic
		if c.Value != "" && len(c.Names) == 0 {
			t.Fatalf("ReadChunks(%q) = %q without names", header, c.Value)
		}
		if !utf8.ValidString(value) {
			return
		}
		set := c.Write(tokenName, value, sessionOpts(), time.Unix(1e9, 0))
		next := jar(header, tokenName, set)
		if got := ReadChunks(request(next), tokenName); got.Value != value {
			t.Errorf("ReadChunks(%q) after Write(%q) = %q, want the written value", next, value, got.Value)
		}
	})
}
