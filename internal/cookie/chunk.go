package cookie

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// ChunkSize is the most characters of a session cookie value NextAuth puts in
// one cookie (its 4096-byte budget less 163 for name and attributes).
const ChunkSize = 3933

// Chunks is what a request carries of a (possibly chunked) session cookie.
type Chunks struct {
	// Names are the collected cookie names in the order the request sent them
	// (first occurrences only): the order in which NextAuth deletes them.
	Names []string
	// Value is the session token: the chunk values joined in chunk order.
	Value string
}

// chunk is one collected cookie with the sort key NextAuth derives from it.
type chunk struct {
	name, value string
	key         float64 // parseInt of the text after the last '.', may be NaN
}

// dedupeLimit is the number of collected names up to which duplicates are
// found by a linear scan; beyond it a map is built.
const dedupeLimit = 16

// ReadChunks collects every request cookie whose name starts with name (first
// occurrence of each name; values parsed as [Get] parses them) and joins their
// values in NextAuth's order (docs/compatibility.md#session-cookie-chunks): by
// JavaScript parseInt of the text after the name's last '.', a non-numeric
// suffix comparing equal to everything. The sort is the one V8's
// Array.prototype.sort performs, so even inconsistent mixes of numeric and
// non-numeric suffixes come out as in NextAuth (exactly so up to 63 cookies;
// beyond that a stable sort is used, which agrees whenever the suffixes are
// all numeric or all not).
func ReadChunks(r *http.Request, name string) Chunks {
	var buf [4]chunk
	items := buf[:0]
	var seen map[string]struct{}
	pairs(r.Header, func(n, raw string) bool {
		if !strings.HasPrefix(n, name) || inheritedName(n) || !validName(n) {
			return true
		}
		if seen != nil {
			if _, dup := seen[n]; dup {
				return true
			}
			seen[n] = struct{}{}
		} else {
			for i := range items {
				if items[i].name == n {
					return true
				}
			}
			if len(items) == dedupeLimit {
				seen = make(map[string]struct{}, 2*dedupeLimit)
				for i := range items {
					seen[items[i].name] = struct{}{}
				}
				seen[n] = struct{}{}
			}
		}
		items = append(items, chunk{name: n, value: decodeValue(unquote(raw)), key: suffixKey(n)})
		return true
	})
	if len(items) == 0 {
		return Chunks{}
	}
	names := make([]string, len(items))
	size := 0
	for i := range items {
		names[i] = items[i].name
		size += len(items[i].value)
	}
	if len(items) == 1 {
		return Chunks{Names: names, Value: items[0].value}
	}
	sortChunks(items)
	var b strings.Builder
	b.Grow(size)
	for i := range items {
		b.WriteString(items[i].value)
	}
	return Chunks{Names: names, Value: b.String()}
}

// suffixKey returns JavaScript's parseInt(name.split(".").pop()).
func suffixKey(name string) float64 {
	return jsParseInt(name[strings.LastIndexByte(name, '.')+1:])
}

// jsParseInt returns JavaScript's parseInt(s) (no radix): optional white
// space, an optional sign, an optional 0x/0X prefix selecting hexadecimal,
// then the longest run of digits; NaN if there are none.
func jsParseInt(s string) float64 {
	i := 0
	for i < len(s) && jsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	hex := false
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		hex = true
		i += 2
	}
	j := i
	for j < len(s) && (hex && jsuri.Unhex(s[j]) >= 0 || !hex && '0' <= s[j] && s[j] <= '9') {
		j++
	}
	if j == i {
		return math.NaN()
	}
	digits := s[i:j]
	var v float64
	switch {
	case !hex && len(digits) <= 15: // exact in an int64 and a float64
		var n int64
		for k := 0; k < len(digits); k++ {
			n = n*10 + int64(digits[k]-'0')
		}
		v = float64(n)
	case hex && len(digits) <= 13:
		var n int64
		for k := 0; k < len(digits); k++ {
			n = n<<4 | int64(jsuri.Unhex(digits[k]))
		}
		v = float64(n)
	case hex:
		// Correctly rounded, ±Inf beyond the float64 range, as in V8.
		v, _ = strconv.ParseFloat("0x"+digits+"p0", 64)
	default:
		v, _ = strconv.ParseFloat(digits, 64)
	}
	if neg {
		v = -v
	}
	return v
}

// chunkLess is NextAuth's comparator (a.key - b.key) read as V8 reads it: a
// NaN difference counts as equal.
func chunkLess(a, b *chunk) bool { return a.key-b.key < 0 }

// v8MinRun is the array length from which V8's TimSort merges runs instead of
// insertion-sorting the whole array.
const v8MinRun = 64

// sortChunks sorts items as V8's Array.prototype.sort does with NextAuth's
// comparator: for fewer than 64 elements TimSort takes the leading run
// (reversing a strictly descending one) and binary-insertion-sorts the rest.
func sortChunks(items []chunk) {
	n := len(items)
	if n < 2 {
		return
	}
	if n >= v8MinRun {
		slices.SortStableFunc(items, func(a, b chunk) int {
			switch {
			case chunkLess(&a, &b):
				return -1
			case chunkLess(&b, &a):
				return 1
			}
			return 0
		})
		return
	}
	run := 2
	descending := chunkLess(&items[1], &items[0])
	for ; run < n; run++ {
		if chunkLess(&items[run], &items[run-1]) != descending {
			break
		}
	}
	if descending {
		slices.Reverse(items[:run])
	}
	for start := run; start < n; start++ {
		pivot := items[start]
		left, right := 0, start
		for left < right {
			mid := left + (right-left)>>1
			if chunkLess(&pivot, &items[mid]) {
				right = mid
			} else {
				left = mid + 1
			}
		}
		copy(items[left+1:start+1], items[left:start])
		items[left] = pivot
	}
}

// utf16Len returns the length JavaScript gives s (UTF-16 code units), counting
// each byte of invalid UTF-8 as one.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// split cuts value into NextAuth's chunks of ChunkSize UTF-16 code units.
// Where a cut would fall inside a surrogate pair (NextAuth then fails to
// encode the cookie) the chunk ends one unit early instead, and a UTF-8
// sequence is never cut.
func split(value string) []string {
	var parts []string
	for len(value) > 0 {
		units, i := 0, 0
		for i < len(value) {
			c := value[i]
			if c < utf8.RuneSelf {
				if units+1 > ChunkSize {
					break
				}
				units++
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(value[i:])
			w := 1
			if r > 0xFFFF {
				w = 2
			}
			if units+w > ChunkSize {
				break
			}
			units += w
			i += size
		}
		parts = append(parts, value[:i])
		value = value[i:]
	}
	return parts
}

// Write returns the Set-Cookie values that replace the collected cookies c
// with value, in NextAuth's order
// (docs/compatibility.md#session-cookie-chunks): a deletion for every name in
// c.Names, then value as the cookie name when it is at most ChunkSize
// characters long, else as name.0, name.1, … of ChunkSize characters each; a
// new cookie whose name was collected takes the place of its deletion, the
// others are appended. An empty value writes only the deletions, as NextAuth
// does. The new cookies carry o and expires.
func (c Chunks) Write(name, value string, o Options, expires time.Time) []string {
	out := make([]string, len(c.Names), len(c.Names)+1)
	place := func(n, v string) {
		s := Serialize(n, v, o, expires)
		if i := slices.Index(c.Names, n); i >= 0 {
			out[i] = s
			return
		}
		out = append(out, s)
	}
	switch {
	case value == "":
	case len(value) <= ChunkSize || utf16Len(value) <= ChunkSize: // UTF-16 units never outnumber UTF-8 bytes
		place(name, value)
	default:
		for i, part := range split(value) {
			place(name+"."+strconv.Itoa(i), part)
		}
	}
	for i, n := range c.Names {
		if out[i] == "" { // not replaced by a new cookie (never "": it has a name)
			out[i] = Delete(n, o)
		}
	}
	return out
}

// Clean returns the deletion cookies for every collected name (NextAuth's
// clean(), used on sign-out and for an invalid session token).
func (c Chunks) Clean(o Options) []string {
	out := make([]string, len(c.Names))
	for i, n := range c.Names {
		out[i] = Delete(n, o)
	}
	return out
}

// validName reports whether n has no control characters. Chunks named
// otherwise are ignored, so that no such name is ever echoed in a deletion
// Set-Cookie.
func validName(n string) bool {
	for i := 0; i < len(n); i++ {
		if n[i] < 0x20 || n[i] == 0x7f {
			return false
		}
	}
	return true
}
