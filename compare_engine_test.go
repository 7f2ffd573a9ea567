package nextauth_test

// The engine of the request-by-request comparison with the real NextAuth.js
// (compare_test.go): one request sent to both servers, both answers reduced
// to the fields that matter with random and time-dependent parts replaced by
// their shape, the fields compared, and the differences checked against the
// declared ones of testdata/compare/differences.json.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/jsuri"
	"github.com/nextauth-go/nextauth/jwt"
)

// cmpSide is one of the two servers: where it is, and what the flows
// learnt from its earlier answers (vars, cookie jars).
type cmpSide struct {
	name   string // "nextauth" or "ours"
	origin string // http://127.0.0.1:<port>
	client *http.Client
	vars   map[string]string
	jars   map[string]*cmpJar
	// mail returns the last sign-in link the side sent to an address.
	mail func(identifier string) string
}

// cmpPair is a NextAuth app and our server with the same configuration.
type cmpPair struct {
	group      string // prefix of the case names, e.g. "jwt"
	next, ours *cmpSide
}

func (p *cmpPair) sides() [2]*cmpSide { return [2]*cmpSide{p.next, p.ours} }

// cmpJar is a browser's cookie store, in insertion order.
type cmpJar struct {
	names  []string
	values map[string]string
}

func newCmpJar(cookies ...string) *cmpJar {
	j := &cmpJar{values: map[string]string{}}
	for _, c := range cookies {
		name, value, _ := strings.Cut(c, "=")
		j.set(name, value)
	}
	return j
}

func (j *cmpJar) set(name, value string) {
	if _, ok := j.values[name]; !ok {
		j.names = append(j.names, name)
	}
	j.values[name] = value
}

func (j *cmpJar) header() string {
	var parts []string
	for _, n := range j.names {
		if v, ok := j.values[n]; ok {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

// store keeps the Set-Cookie lines of an answer as a browser would.
func (j *cmpJar) store(setCookies []string) {
	for _, sc := range setCookies {
		c, err := http.ParseSetCookie(sc)
		if err != nil {
			continue
		}
		// The raw value, as the browser sends it back.
		raw := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], c.Name+"=")
		if raw == "" || c.MaxAge < 0 {
			delete(j.values, c.Name)
			j.names = slices.DeleteFunc(j.names, func(n string) bool { return n == c.Name })
			continue
		}
		j.set(c.Name, raw)
	}
}

// cmpReq is one request, sent alike to both servers. Path, Cookie and Body
// may hold {var}, replaced by each side's vars.
type cmpReq struct {
	method string
	path   string // path and query under the origin: "/api/auth/session"
	cookie string
	ctype  string
	body   string
	// jar, when set, names a per-side cookie jar: its cookies follow
	// cookie in the request and the answer's Set-Cookie lines go into it.
	jar string
}

func (r cmpReq) String() string {
	var b strings.Builder
	b.WriteString(r.method + " " + r.path)
	if r.cookie != "" {
		b.WriteString("\n    Cookie: " + cmpAbbreviateCookies(r.cookie))
	}
	if r.jar != "" {
		b.WriteString("\n    (plus the cookies of jar " + r.jar + ")")
	}
	if r.ctype != "" {
		b.WriteString("\n    Content-Type: " + r.ctype)
	}
	if r.body != "" {
		b.WriteString("\n    Body: " + cmpAbbreviate(r.body, 160))
	}
	return b.String()
}

// cmpRes is one server's answer.
type cmpRes struct {
	status int
	header http.Header
	body   []byte
	at     time.Time
}

// cmpField is one compared field of a normalised answer.
type cmpField struct{ name, value string }

// cmpDiff is a field that differs.
type cmpDiff struct {
	field          string
	nextauth, ours string
	declared       *cmpDeclared // nil: not declared
}

type cmpCase struct {
	name       string
	req        string
	next, ours []cmpField
	diffs      []cmpDiff
}

// cmpRunner runs the cases and keeps their results.
type cmpRunner struct {
	t       *testing.T
	secret  string
	csrf    string // the CSRF token the requests send (cookie and body)
	opURL   string // the OpenID Provider's issuer, shown as {op}
	cases   []*cmpCase
	started time.Time
}

var cmpVarRE = regexp.MustCompile(`\{[a-zA-Z0-9_.-]+\}`)

// expand replaces {var} in str by the side's vars; {origin} and
// {origin-encoded} are always there.
func (s *cmpSide) expand(str string) string {
	return cmpVarRE.ReplaceAllStringFunc(str, func(m string) string {
		name := m[1 : len(m)-1]
		switch name {
		case "origin":
			return s.origin
		case "origin-encoded":
			return jsuri.EncodeURIComponent(s.origin)
		}
		if v, ok := s.vars[name]; ok {
			return v
		}
		return m
	})
}

func (s *cmpSide) jar(name string) *cmpJar {
	if s.jars[name] == nil {
		s.jars[name] = newCmpJar()
	}
	return s.jars[name]
}

// send sends r to one side.
func (c *cmpRunner) send(s *cmpSide, r cmpReq) *cmpRes {
	c.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(s.expand(r.body))
	}
	req, err := http.NewRequest(r.method, s.origin+s.expand(r.path), body)
	if err != nil {
		c.t.Fatalf("%s: %v", s.name, err)
	}
	cookie := s.expand(r.cookie)
	if r.jar != "" {
		if h := s.jar(r.jar).header(); h != "" {
			if cookie != "" {
				cookie += "; "
			}
			cookie += h
		}
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	res, err := s.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %s %s: %v", s.name, r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s: %s %s: reading the body: %v", s.name, r.method, r.path, err)
	}
	if r.jar != "" {
		s.jar(r.jar).store(res.Header.Values("Set-Cookie"))
	}
	return &cmpRes{status: res.StatusCode, header: res.Header, body: b, at: time.Now()}
}

// run sends r to both sides of p, compares the answers and records the
// case p.group+"/"+name. It returns both answers (NextAuth's first).
func (c *cmpRunner) run(p *cmpPair, name string, r cmpReq) (next, ours *cmpRes) {
	c.t.Helper()
	next = c.send(p.next, r)
	ours = c.send(p.ours, r)
	c.record(p.group+"/"+name, r.String(), c.normalise(p, next), c.normalise(p, ours))
	return next, ours
}

// compareValues records a pseudo-case comparing one value per side (e.g.
// the sign-in link each server mailed).
func (c *cmpRunner) compareValues(p *cmpPair, name, field, next, ours string) {
	c.record(p.group+"/"+name, "(no request: "+field+")",
		[]cmpField{{field, c.normText(p, next)}}, []cmpField{{field, c.normText(p, ours)}})
}

func (c *cmpRunner) record(name, req string, next, ours []cmpField) {
	for _, k := range c.cases {
		if k.name == name {
			c.t.Fatalf("compare: case %s twice", name)
		}
	}
	k := &cmpCase{name: name, req: req, next: next, ours: ours}
	for _, f := range cmpFieldNames(next, ours) {
		a, b := cmpFieldValue(next, f), cmpFieldValue(ours, f)
		if a != b {
			k.diffs = append(k.diffs, cmpDiff{field: f, nextauth: a, ours: b})
		}
	}
	c.cases = append(c.cases, k)
}

const cmpAbsent = "<absent>"

func cmpFieldValue(fs []cmpField, name string) string {
	for _, f := range fs {
		if f.name == name {
			return f.value
		}
	}
	return cmpAbsent
}

func cmpFieldNames(a, b []cmpField) []string {
	var names []string
	seen := map[string]bool{}
	for _, fs := range [][]cmpField{a, b} {
		for _, f := range fs {
			if !seen[f.name] {
				seen[f.name] = true
				names = append(names, f.name)
			}
		}
	}
	return names
}

// cmpHeaders are the headers compared besides Set-Cookie.
var cmpHeaders = []string{"Location", "Cache-Control", "Content-Type", "Pragma", "Expires"}

// normalise reduces an answer to its compared fields.
func (c *cmpRunner) normalise(p *cmpPair, r *cmpRes) []cmpField {
	fs := []cmpField{{"status", strconv.Itoa(r.status)}}
	for _, h := range cmpHeaders {
		vs := r.header.Values(h)
		if len(vs) == 0 {
			continue
		}
		v := strings.Join(vs, ", ")
		switch h {
		case "Location":
			v = c.normText(p, v)
		case "Content-Type":
			v = cmpStripCharset(v)
		}
		fs = append(fs, cmpField{"header " + h, v})
	}
	setCookies := r.header.Values("Set-Cookie")
	if len(setCookies) > 0 {
		var names []string
		for _, sc := range setCookies {
			name, _, _ := strings.Cut(sc, "=")
			names = append(names, name)
			fs = append(fs, cmpField{"set-cookie " + name, c.normSetCookie(p, sc, r.at)})
		}
		fs = append(fs, cmpField{"set-cookie order", strings.Join(names, ", ")})
		if tok := cmpSessionToken(setCookies); cmpJWERE.MatchString(tok) {
			fs = append(fs, cmpField{"session token (decoded)", c.normSessionToken(p, tok, r.at)})
		}
	}
	ct := r.header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "text/html"):
		fs = append(fs, cmpField{"body", "<html page, not compared>"})
	case len(r.body) == 0:
	case strings.Contains(ct, "json"):
		if v, ok := c.normJSON(p, r.body, r.at); ok {
			fs = append(fs, cmpField{"body", v})
		} else {
			fs = append(fs, cmpField{"body", "<invalid JSON> " + c.normText(p, string(r.body))})
		}
	default:
		fs = append(fs, cmpField{"body", cmpVisibleControls(c.normText(p, string(r.body)))})
	}
	return fs
}

// cmpVisibleControls writes line breaks and tabs as \n, \r and \t, so that a
// trailing newline shows in the report and in differences.json.
func cmpVisibleControls(s string) string {
	return strings.NewReplacer("\\", `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

func cmpStripCharset(ct string) string {
	var keep []string
	for i, part := range strings.Split(ct, ";") {
		part = strings.TrimSpace(part)
		if i > 0 && strings.HasPrefix(strings.ToLower(part), "charset=") {
			continue
		}
		keep = append(keep, part)
	}
	return strings.Join(keep, "; ")
}

var (
	cmpHex64RE     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	cmpUUIDRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	cmpB64URL43RE  = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	cmpJWERE       = regexp.MustCompile(`^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
	cmpRandParamRE = regexp.MustCompile(`([?&](?:state|code_challenge|nonce|token|code)=)([^&#"]*)`)
)

// cmpShape describes a random value by its form.
func cmpShape(v string) string {
	switch {
	case cmpHex64RE.MatchString(v):
		return "<64 hex>"
	case cmpUUIDRE.MatchString(v):
		return "<uuid v4>"
	case cmpB64URL43RE.MatchString(v):
		return "<43 base64url>"
	case cmpJWERE.MatchString(v):
		return "<JWE>"
	}
	return fmt.Sprintf("<%d chars>", len(v))
}

// normText replaces the two origins and the OpenID Provider's URL, raw and
// percent-encoded, and the values of random URL parameters.
func (c *cmpRunner) normText(p *cmpPair, s string) string {
	for _, o := range []string{p.next.origin, p.ours.origin} {
		s = strings.ReplaceAll(s, o, "{origin}")
		s = strings.ReplaceAll(s, jsuri.EncodeURIComponent(o), "{origin%}")
	}
	if c.opURL != "" {
		s = strings.ReplaceAll(s, c.opURL, "{op}")
		s = strings.ReplaceAll(s, jsuri.EncodeURIComponent(c.opURL), "{op%}")
	}
	return cmpRandParamRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := cmpRandParamRE.FindStringSubmatch(m)
		return sub[1] + cmpShape(sub[2])
	})
}

// cmpRelTime shows t relative to now, in whole minutes.
func cmpRelTime(t, now time.Time) string {
	m := math.Round(t.Sub(now).Minutes())
	if m >= 0 {
		return fmt.Sprintf("<now+%gm>", m)
	}
	return fmt.Sprintf("<now%gm>", m)
}

// normSetCookie normalises one Set-Cookie line: the value by the cookie's
// kind, Expires relative to now.
func (c *cmpRunner) normSetCookie(p *cmpPair, sc string, now time.Time) string {
	parts := strings.Split(sc, "; ")
	name, raw, _ := strings.Cut(parts[0], "=")
	value, err := jsuri.DecodeURIComponent(raw)
	if err != nil {
		value = raw
	}
	out := []string{name + "=" + c.normCookieValue(p, name, value, now)}
	for _, a := range parts[1:] {
		if v, ok := strings.CutPrefix(a, "Expires="); ok {
			if t, err := http.ParseTime(v); err == nil {
				a = "Expires=" + cmpRelTime(t, now)
			}
		}
		out = append(out, a)
	}
	return strings.Join(out, "; ")
}

func (c *cmpRunner) normCookieValue(p *cmpPair, name, value string, now time.Time) string {
	switch {
	case value == "":
		return ""
	case strings.HasSuffix(name, "csrf-token"):
		token, hash, ok := strings.Cut(value, "|")
		if !ok || !cmpHex64RE.MatchString(token) {
			return "<bad CSRF cookie " + cmpShape(value) + ">"
		}
		sum := sha256.Sum256([]byte(token + c.secret))
		which := "<new token>"
		if token == c.csrf {
			which = "<the request's token>"
		}
		if hash != hex.EncodeToString(sum[:]) {
			return which + "|<wrong hash>"
		}
		return which + "|<its hash>"
	case strings.Contains(name, "session-token"):
		if cmpJWERE.MatchString(value) {
			return "<JWE>"
		}
		if _, chunk := cmpChunkIndex(name); chunk {
			// NextAuth cuts chunks of 3933 characters; only the last is shorter.
			switch n := len(value); {
			case n == cmpChunkSize:
				return fmt.Sprintf("<JWE chunk of %d chars>", n)
			case n < cmpChunkSize:
				return fmt.Sprintf("<JWE chunk under %d chars>", cmpChunkSize)
			default:
				return fmt.Sprintf("<JWE chunk of %d chars, over %d>", n, cmpChunkSize)
			}
		}
		return cmpShape(value)
	case strings.HasSuffix(name, ".state"), strings.HasSuffix(name, ".pkce.code_verifier"), strings.HasSuffix(name, ".nonce"):
		codec, err := jwt.NewCodec(jwt.Options{Secret: c.secret, Salt: name})
		if err != nil {
			c.t.Fatal(err)
		}
		claims, err := codec.Decode(value)
		if err != nil {
			return "<undecodable check cookie: " + err.Error() + ">"
		}
		return "JWE" + c.renderClaims(p, claims, now)
	}
	return c.normText(p, value)
}

// cmpChunkSize is the size of NextAuth's session cookie chunks.
const cmpChunkSize = 3933

// cmpChunkIndex returns the number after the last "." of a chunk cookie's name.
func cmpChunkIndex(name string) (int, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(name[i+1:])
	return n, err == nil
}

// cmpSessionToken returns the session token an answer sets: the plain
// cookie's value, or its chunks joined; "" when it sets none.
func cmpSessionToken(setCookies []string) string {
	type chunk struct {
		i int
		v string
	}
	var plain string
	var parts []chunk
	for _, sc := range setCookies {
		first, _, _ := strings.Cut(sc, ";")
		name, value, _ := strings.Cut(first, "=")
		if !strings.Contains(name, "session-token") || value == "" {
			continue
		}
		if v, err := jsuri.DecodeURIComponent(value); err == nil {
			value = v
		}
		if i, ok := cmpChunkIndex(name); ok {
			parts = append(parts, chunk{i, value})
		} else {
			plain = value
		}
	}
	if plain != "" {
		return plain
	}
	sort.Slice(parts, func(a, b int) bool { return parts[a].i < parts[b].i })
	var b strings.Builder
	for _, ch := range parts {
		b.WriteString(ch.v)
	}
	return b.String()
}

// normSessionToken decodes a session token with the shared secret, so that
// the claims are compared (a null claim and a missing one differ).
func (c *cmpRunner) normSessionToken(p *cmpPair, tok string, now time.Time) string {
	claims, err := jwt.Decode(c.secret, tok)
	if err != nil {
		return "<undecodable: " + err.Error() + ">"
	}
	return c.renderClaims(p, claims, now)
}

// renderClaims writes claims as JSON with sorted keys, iat and exp relative
// to now and to each other, jti and check values by shape.
func (c *cmpRunner) renderClaims(p *cmpPair, claims jwt.Claims, now time.Time) string {
	m := map[string]any{}
	for k, v := range claims {
		m[k] = c.normClaim(p, v)
	}
	iat, hasIat := claims["iat"].(float64)
	if hasIat {
		if math.Abs(iat-float64(now.Unix())) < 120 {
			m["iat"] = "<now>"
		}
		if exp, ok := claims["exp"].(float64); ok {
			m["exp"] = fmt.Sprintf("<iat+%.0fs>", exp-iat)
		}
	}
	if s, ok := claims["jti"].(string); ok {
		m["jti"] = cmpShape(s)
	}
	if s, ok := claims["value"].(string); ok {
		m["value"] = cmpShape(s)
	}
	if s, ok := claims["auth_time"].(float64); ok && math.Abs(s-float64(now.Unix())) < 120 {
		m["auth_time"] = "<now>"
	}
	return cmpMarshal(m)
}

func (c *cmpRunner) normClaim(p *cmpPair, v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > 80 {
			sum := sha256.Sum256([]byte(v))
			return fmt.Sprintf("<%d chars, sha256 %x>", len(v), sum[:6])
		}
		return c.normText(p, v)
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			m[k] = c.normClaim(p, x)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = c.normClaim(p, x)
		}
		return out
	}
	return v
}

func cmpMarshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// normJSON re-writes a JSON body compactly, keeping the members' order,
// with csrfToken and expires by shape and URLs normalised.
func (c *cmpRunner) normJSON(p *cmpPair, body []byte, now time.Time) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var b strings.Builder
	if err := c.normJSONValue(p, dec, &b, "", now); err != nil {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false
	}
	return b.String(), true
}

func (c *cmpRunner) normJSONValue(p *cmpPair, dec *json.Decoder, b *strings.Builder, key string, now time.Time) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		closing := map[json.Delim]byte{'{': '}', '[': ']'}[v]
		b.WriteString(v.String())
		for i := 0; dec.More(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			k := key
			if v == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k = kt.(string)
				b.WriteString(cmpMarshal(k) + ":")
			}
			if err := c.normJSONValue(p, dec, b, k, now); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		b.WriteByte(closing)
	case string:
		b.WriteString(cmpMarshal(c.normJSONString(p, key, v, now)))
	case json.Number:
		b.WriteString(v.String())
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case nil:
		b.WriteString("null")
	}
	return nil
}

func (c *cmpRunner) normJSONString(p *cmpPair, key, v string, now time.Time) string {
	switch {
	case key == "csrfToken" && v == c.csrf:
		return "<the request's token>"
	case key == "csrfToken" && cmpHex64RE.MatchString(v):
		return "<new token>"
	case key == "expires":
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return cmpRelTime(t, now)
		}
	}
	return c.normText(p, v)
}

// cmpAbbreviateCookies shortens long cookie values for the report.
func cmpAbbreviateCookies(h string) string {
	parts := strings.Split(h, "; ")
	for i, part := range parts {
		name, value, _ := strings.Cut(part, "=")
		parts[i] = name + "=" + cmpAbbreviate(value, 24)
	}
	return strings.Join(parts, "; ")
}

func cmpAbbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d chars)", len(s))
}

// ---- declared differences -------------------------------------------------

// cmpDeclared is an entry of testdata/compare/differences.json: a
// difference that is known. Case and Field are path.Match patterns;
// NextAuth and Ours are the normalised values, "*" for any.
type cmpDeclared struct {
	Case     string `json:"case"`
	Field    string `json:"field"`
	NextAuth string `json:"nextauth"`
	Ours     string `json:"ours"`
	// Kind is "declared" (a README compatibility note; README holds the
	// note's words) or "expected-to-be-fixed" (a real difference being
	// fixed; remove the entry when the fix lands).
	Kind   string `json:"kind"`
	README string `json:"readme,omitempty"`
	Note   string `json:"note,omitempty"`

	used int
}

const (
	cmpKindDeclared = "declared"
	cmpKindToFix    = "expected-to-be-fixed"
)

func (d *cmpDeclared) matches(caseName string, diff cmpDiff) bool {
	ok1, _ := path.Match(d.Case, caseName)
	ok2, _ := path.Match(d.Field, diff.field)
	return ok1 && ok2 && (d.NextAuth == "*" || d.NextAuth == diff.nextauth) && (d.Ours == "*" || d.Ours == diff.ours)
}

func cmpLoadDeclared(t *testing.T, file, readme string) []*cmpDeclared {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		About       []string       `json:"about"`
		Differences []*cmpDeclared `json:"differences"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	ds := doc.Differences
	notes := cmpCompatibilityNotes(t, readme)
	for i, d := range ds {
		for _, pat := range []string{d.Case, d.Field} {
			if _, err := path.Match(pat, ""); err != nil || pat == "" {
				t.Errorf("%s: entry %d: bad pattern %q", file, i, pat)
			}
		}
		switch d.Kind {
		case cmpKindDeclared:
			if d.README == "" || !strings.Contains(notes, cmpSqueeze(d.README)) {
				t.Errorf("%s: entry %d (%s, %s) is declared by README text %q, which the README's compatibility notes do not contain", file, i, d.Case, d.Field, d.README)
			}
		case cmpKindToFix:
			if d.Note == "" {
				t.Errorf("%s: entry %d (%s, %s): an %s entry needs a note", file, i, d.Case, d.Field, cmpKindToFix)
			}
		default:
			t.Errorf("%s: entry %d: kind %q, want %q or %q", file, i, d.Kind, cmpKindDeclared, cmpKindToFix)
		}
	}
	return ds
}

// cmpCompatibilityNotes returns README's "Compatibility notes" section with
// its white space squeezed.
func cmpCompatibilityNotes(t *testing.T, readme string) string {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, s, ok := strings.Cut(string(b), "## Compatibility notes")
	if !ok {
		t.Fatalf("%s has no Compatibility notes section", readme)
	}
	if i := strings.Index(s, "\n## "); i >= 0 {
		s = s[:i]
	}
	return cmpSqueeze(s)
}

func cmpSqueeze(s string) string { return strings.Join(strings.Fields(s), " ") }
