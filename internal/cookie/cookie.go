// Package cookie writes and reads cookies exactly as a NextAuth v4 deployment
// on Next.js does (docs/compatibility.md#cookies): Set-Cookie values in the
// attribute order and escaping of npm cookie 0.7's serialize, request cookies
// as the Next.js Pages Router parses them, and the chunking of large session
// cookies.
package cookie

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// Options are a cookie's attributes (NextAuth's cookie "options").
type Options struct {
	// Domain is written as Domain=…; "" omits it.
	Domain string
	// Path is written as Path=…; "" omits it.
	Path string
	// HTTPOnly adds HttpOnly.
	HTTPOnly bool
	// Secure adds Secure.
	Secure bool
	// SameSite is "lax", "strict" or "none" in any case, written as
	// SameSite=Lax, Strict or None; "" or any other value omits it.
	SameSite string
	// MaxAge in seconds: > 0 is written as Max-Age=N, < 0 as Max-Age=0
	// (delete now), 0 omits it.
	MaxAge int
	// Partitioned adds Partitioned.
	Partitioned bool
	// Priority is "low", "medium" or "high" in any case, written as
	// Priority=Low, Medium or High; "" or any other value omits it.
	Priority string
}

// sameSiteAttr returns the SameSite attribute for v, or "".
func sameSiteAttr(v string) string {
	switch {
	case v == "":
		return ""
	case strings.EqualFold(v, "lax"):
		return "; SameSite=Lax"
	case strings.EqualFold(v, "strict"):
		return "; SameSite=Strict"
	case strings.EqualFold(v, "none"):
		return "; SameSite=None"
	}
	return ""
}

// priorityAttr returns the Priority attribute for v, or "".
func priorityAttr(v string) string {
	switch {
	case v == "":
		return ""
	case strings.EqualFold(v, "low"):
		return "; Priority=Low"
	case strings.EqualFold(v, "medium"):
		return "; Priority=Medium"
	case strings.EqualFold(v, "high"):
		return "; Priority=High"
	}
	return ""
}

// Serialize returns one Set-Cookie header value in npm cookie 0.7's attribute
// order: Name=Value; Max-Age; Domain; Path; Expires; HttpOnly; Secure;
// Partitioned; Priority; SameSite, separated by "; ". The value is escaped as
// by JavaScript's encodeURIComponent (see [jsuri.EncodeURIComponent]); a zero
// expires writes no Expires, any other is written in UTC as http.TimeFormat
// (the form of JavaScript's Date.toUTCString).
//
// Serialize does not validate name or the options as npm cookie does (it
// throws); callers check configured values once with [Check].
func Serialize(name, value string, o Options, expires time.Time) string {
	maxAge := ""
	var ageBuf [24]byte
	var age []byte
	switch {
	case o.MaxAge > 0:
		age = strconv.AppendInt(append(ageBuf[:0], "; Max-Age="...), int64(o.MaxAge), 10)
	case o.MaxAge < 0:
		maxAge = "; Max-Age=0"
	}
	var expBuf [48]byte
	var exp []byte
	if !expires.IsZero() {
		exp = appendHTTPDate(append(expBuf[:0], "; Expires="...), expires)
	}
	sameSite, priority := sameSiteAttr(o.SameSite), priorityAttr(o.Priority)

	valueLen := jsuri.URIComponentLen(value)
	n := len(name) + 1 + valueLen + len(maxAge) + len(age) + len(exp) +
		len(sameSite) + len(priority)
	if o.Domain != "" {
		n += len("; Domain=") + len(o.Domain)
	}
	if o.Path != "" {
		n += len("; Path=") + len(o.Path)
	}
	if o.HTTPOnly {
		n += len("; HttpOnly")
	}
	if o.Secure {
		n += len("; Secure")
	}
	if o.Partitioned {
		n += len("; Partitioned")
	}

	var b strings.Builder
	b.Grow(n)
	b.WriteString(name)
	b.WriteByte('=')
	if valueLen == len(value) {
		b.WriteString(value) // nothing to escape: a JWE, a hex token
	} else {
		jsuri.WriteURIComponent(&b, value)
	}
	b.WriteString(maxAge)
	b.Write(age)
	if o.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(o.Domain)
	}
	if o.Path != "" {
		b.WriteString("; Path=")
		b.WriteString(o.Path)
	}
	b.Write(exp)
	if o.HTTPOnly {
		b.WriteString("; HttpOnly")
	}
	if o.Secure {
		b.WriteString("; Secure")
	}
	if o.Partitioned {
		b.WriteString("; Partitioned")
	}
	b.WriteString(priority)
	b.WriteString(sameSite)
	return b.String()
}

// appendHTTPDate appends t in UTC as http.TimeFormat
// ("Mon, 02 Jan 2006 15:04:05 GMT") writes it, without time's layout
// interpreter: every session cookie has an Expires.
func appendHTTPDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, http.TimeFormat)
	}
	hour, minute, sec := t.Clock()
	const days = "SunMonTueWedThuFriSat"
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd := int(t.Weekday()) * 3
	mo := (int(month) - 1) * 3
	b = append(b, days[wd:wd+3]...)
	b = append(b, ", "...)
	b = append2(b, day)
	b = append(b, ' ')
	b = append(b, months[mo:mo+3]...)
	b = append(b, ' ')
	b = append2(b, year/100)
	b = append2(b, year%100)
	b = append(b, ' ')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, minute)
	b = append(b, ':')
	b = append2(b, sec)
	return append(b, " GMT"...)
}

// append2 appends n (0–99) as two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// Delete returns the cookie that deletes name, as NextAuth writes it: an
// empty value with Max-Age=0 and the other attributes of o (whatever o.MaxAge
// says), no Expires. For example
// "next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax".
func Delete(name string, o Options) string {
	o.MaxAge = -1
	return Serialize(name, "", o, time.Time{})
}

// tokenChar reports whether c may appear in a cookie name (an RFC 7230 token).
func tokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// validDomain reports whether d is a host name of letters, digits and
// hyphens (labels of 1–63 characters, not starting or ending with a hyphen),
// optionally with one leading dot: npm cookie 0.7's domain check.
func validDomain(d string) bool {
	d = strings.TrimPrefix(d, ".")
	if d == "" {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Check reports the problems npm cookie 0.7's serialize throws for: a name
// that is empty or not an HTTP token, a Domain that is not a host name, a
// Path with a control character, ';', '<' or a non-ASCII byte, and an
// unknown SameSite or Priority value. Use it once on configured cookies;
// [Serialize] itself never fails.
func Check(name string, o Options) error {
	var errs []error
	if name == "" {
		errs = append(errs, errors.New("cookie: name is empty"))
	}
	for i := 0; i < len(name); i++ {
		if !tokenChar(name[i]) {
			errs = append(errs, errors.New("cookie: name "+strconv.Quote(name)+" is not a token"))
			break
		}
	}
	if o.Domain != "" && !validDomain(o.Domain) {
		errs = append(errs, errors.New("cookie: domain "+strconv.Quote(o.Domain)+" is invalid"))
	}
	for i := 0; i < len(o.Path); i++ {
		if c := o.Path[i]; c < 0x20 || c > 0x7E || c == ';' || c == '<' {
			errs = append(errs, errors.New("cookie: path "+strconv.Quote(o.Path)+" is invalid"))
			break
		}
	}
	if o.SameSite != "" && sameSiteAttr(o.SameSite) == "" {
		errs = append(errs, errors.New("cookie: sameSite "+strconv.Quote(o.SameSite)+" is invalid"))
	}
	if o.Priority != "" && priorityAttr(o.Priority) == "" {
		errs = append(errs, errors.New("cookie: priority "+strconv.Quote(o.Priority)+" is invalid"))
	}
	return errors.Join(errs...)
}
