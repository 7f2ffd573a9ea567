package nextauth_test

// Attack tests. The payloads are data in testdata/attacks/ (attack lists are
// data, so a new payload needs no code), each with its expected answer; the Go code here
// only replays them and checks invariants every answer must keep.

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

const (
	attackOrigin = "http://localhost:3111"
	attackBase   = attackOrigin + "/api/auth"
	// attackConfigError is the body of a refused callback URL (docs/compatibility.md#errors).
	attackConfigError = `{"message":"There is a problem with the server configuration. Check the server logs for more information."}`
)

// attackRedirect is one line of testdata/attacks/openredirects.txt.
type attackRedirect struct {
	line    int
	body    string // origin, join or keep
	query   string // ok or 400
	payload string
}

// want is where the redirect callback must send the payload.
func (c attackRedirect) want() string {
	switch c.body {
	case "join":
		return attackOrigin + c.payload
	case "keep":
		return c.payload
	}
	return attackOrigin
}

var attackRedirectLine = regexp.MustCompile(`^(\S+)\s+(\S+)\s+(\S.*)$`)

func loadAttackRedirects(t *testing.T) []attackRedirect {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "attacks", "openredirects.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []attackRedirect
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := attackRedirectLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("openredirects.txt:%d: want <body> <query> <payload>, got %q", n, line)
		}
		c := attackRedirect{line: n, body: m[1], query: m[2], payload: m[3]}
		if strings.HasPrefix(c.payload, `"`) {
			if c.payload, err = strconv.Unquote(c.payload); err != nil {
				t.Fatalf("openredirects.txt:%d: bad Go string %s: %v", n, m[3], err)
			}
		}
		if c.body != "origin" && c.body != "join" && c.body != "keep" || c.query != "ok" && c.query != "400" {
			t.Fatalf("openredirects.txt:%d: unknown class %q %q", n, c.body, c.query)
		}
		if c.body == "join" && !strings.HasPrefix(c.payload, "/") || c.body == "keep" && strings.HasPrefix(c.payload, "/") {
			t.Fatalf("openredirects.txt:%d: class %s does not fit %q", n, c.body, c.payload)
		}
		if prev, dup := seen[c.payload]; dup {
			t.Errorf("openredirects.txt:%d: %q repeats line %d", n, c.payload, prev)
		}
		seen[c.payload] = n
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("openredirects.txt holds %d payloads, want 100 or more", len(out))
	}
	return out
}

// attackHasCTL reports whether s holds an ASCII control character (CR and LF
// inject headers; NUL, DEL and the rest are invalid in HTTP field values).
func attackHasCTL(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// attackWHATWGHost reads scheme and host as a browser would from an absolute URL of
// a special scheme: leading and trailing C0 controls and spaces trimmed, tab
// and newlines removed, '\' taken as '/', any number of slashes after the
// scheme, userinfo dropped, the host percent-decoded and lower-cased (no
// IDNA mapping).
func attackWHATWGHost(raw string) (scheme, host string) {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(s)
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", ""
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if h, err := url.PathUnescape(rest); err == nil {
		rest = h
	}
	return strings.ToLower(scheme), strings.ToLower(rest)
}

// attackCheckSameOrigin fails unless target is a redirect that stays on
// http://localhost:3111: no control characters, the origin itself or the
// origin followed by '/', '?' or '#' (unless it carries userinfo), and
// host localhost:3111 both for net/url and for a browser.
func attackCheckSameOrigin(t *testing.T, where, target string) {
	t.Helper()
	if attackHasCTL(target) {
		t.Errorf("%s: redirect target %q holds a control character", where, target)
		return
	}
	if target == attackOrigin {
		return
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Errorf("%s: redirect target %q does not parse: %v", where, target, err)
		return
	}
	if u.Scheme != "http" || !strings.EqualFold(u.Host, "localhost:3111") {
		t.Errorf("%s: redirect target %q goes to %s://%s (net/url)", where, target, u.Scheme, u.Host)
	}
	if scheme, host := attackWHATWGHost(target); scheme != "http" || host != "localhost:3111" {
		t.Errorf("%s: redirect target %q goes to %s://%s (WHATWG)", where, target, scheme, host)
	}
	if u.User == nil {
		rest, ok := strings.CutPrefix(strings.ToLower(target), attackOrigin)
		if !ok || rest != "" && !strings.ContainsRune("/?#", rune(rest[0])) {
			t.Errorf("%s: redirect target %q does not start with %s/", where, target, attackOrigin)
		}
	}
}

// attackCheckHeaders fails when a response header value holds a control character
// other than tab (CRLF reaching Location or Set-Cookie is header injection;
// NUL and the rest are invalid in an HTTP field value).
func attackCheckHeaders(t *testing.T, where string, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, vs := range w.Result().Header {
		for _, v := range vs {
			if attackHasCTL(strings.ReplaceAll(v, "\t", "")) {
				t.Errorf("%s: header %s: %q holds a control character", where, k, v)
			}
		}
	}
}

// attackStoredCallback is the callback-url cookie the client now holds, decoded.
func attackStoredCallback(t *testing.T, c *client) string {
	t.Helper()
	raw := c.jar["next-auth.callback-url"]
	v, err := url.PathUnescape(raw)
	if err != nil {
		t.Errorf("callback-url cookie %q does not decode: %v", raw, err)
	}
	return v
}

func attackRedirectHandler(t *testing.T) *nextauth.Handler {
	return newHandler(t, func(c *nextauth.Config) {
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1}
		c.Lockout.MaxFailures = -1
	})
}

// TestAttackOpenRedirects replays every payload of openredirects.txt as a
// body callbackUrl (credentials sign-in in JSON mode, POST /signout with a
// 302) and as a query callbackUrl (GET /csrf, GET /signin).
func TestAttackOpenRedirects(t *testing.T) {
	h := attackRedirectHandler(t)
	for _, tc := range loadAttackRedirects(t) {
		t.Run(fmt.Sprintf("L%03d", tc.line), func(t *testing.T) {
			t.Parallel()
			want := tc.want()
			p := fmt.Sprintf("%q", tc.payload)

			// Body, credentials sign-in in JSON mode: {url} and the cookie.
			c := newClient(t, h)
			w := c.postForm("/api/auth/callback/credentials", url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"wonderland"},
				"callbackUrl": {tc.payload}, "json": {"true"}})
			var out struct{ URL string }
			if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil {
				t.Fatalf("sign-in with callbackUrl %s = %d %s", p, w.Code, w.Body)
			}
			attackCheckHeaders(t, "sign-in "+p, w)
			if out.URL != want {
				t.Errorf("sign-in with callbackUrl %s: url %q, want %q (%s)", p, out.URL, want, tc.body)
			}
			attackCheckSameOrigin(t, "sign-in "+p, out.URL)
			if got := attackStoredCallback(t, c); got != want {
				t.Errorf("sign-in with callbackUrl %s: callback-url cookie %q, want %q", p, got, want)
			}
			// What the handler stored, it must accept back: a cookie the
			// assertion refuses would lock this browser out.
			if w := c.get("/api/auth/session"); w.Code != 200 {
				t.Errorf("GET /session after callbackUrl %s = %d %s, want 200", p, w.Code, w.Body)
			}

			// Body, POST /signout as a form: 302 Location.
			c = newClient(t, h)
			w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {tc.payload}})
			attackCheckHeaders(t, "sign-out "+p, w)
			if loc := w.Header().Get("Location"); w.Code != 302 || loc != want {
				t.Errorf("sign-out with callbackUrl %s = %d %q, want 302 %q", p, w.Code, loc, want)
			} else {
				attackCheckSameOrigin(t, "sign-out "+p, loc)
			}

			// Query, GET /csrf and GET /signin.
			for _, path := range []string{"/api/auth/csrf", "/api/auth/signin"} {
				c := newClient(t, h)
				w := c.get(path + "?callbackUrl=" + url.QueryEscape(tc.payload))
				where := "GET " + path + "?callbackUrl=" + p
				attackCheckHeaders(t, where, w)
				switch tc.query {
				case "ok":
					if w.Code != 200 {
						t.Errorf("%s = %d %s, want 200", where, w.Code, w.Body)
						continue
					}
					if got := attackStoredCallback(t, c); got != want {
						t.Errorf("%s: callback-url cookie %q, want %q", where, got, want)
					}
					attackCheckSameOrigin(t, where+" cookie", attackStoredCallback(t, c))
					if strings.ContainsAny(tc.payload, `<>"'`) && strings.Contains(w.Body.String(), tc.payload) {
						t.Errorf("%s: the page echoes the payload unescaped", where)
					}
				case "400":
					if w.Code != 400 || len(w.Header().Values("Set-Cookie")) != 0 {
						t.Errorf("%s = %d %q, want 400 without cookies", where, w.Code, w.Header().Values("Set-Cookie"))
					}
					if path == "/api/auth/csrf" && w.Body.String() != attackConfigError {
						t.Errorf("%s body = %s, want the configuration error", where, w.Body)
					}
				}
			}
		})
	}
}

// attackGen is a string of requests.json: a JSON string, or {prefix, repeat,
// count, sep, suffix, lines} for the large ones.
type attackGen struct {
	lit    string
	Prefix *attackGen `json:"prefix"`
	Repeat string     `json:"repeat"`
	Count  int        `json:"count"`
	Sep    string     `json:"sep"`
	Suffix *attackGen `json:"suffix"`
	// Lines makes each repetition a header line of its own.
	Lines bool `json:"lines"`
}

func (g *attackGen) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &g.lit)
	}
	type plain attackGen
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode((*plain)(g)); err != nil {
		return err
	}
	if g.Count <= 0 {
		return fmt.Errorf("requests.json: %s: count must be positive", b)
	}
	return nil
}

// parts is the generated text, one element per header line.
func (g *attackGen) parts() []string {
	if g == nil {
		return nil
	}
	if g.Count == 0 {
		return []string{g.lit}
	}
	reps := make([]string, g.Count)
	for i := range reps {
		reps[i] = strings.ReplaceAll(g.Repeat, "{i}", strconv.Itoa(i))
	}
	pre, suf := g.Prefix.String(), g.Suffix.String()
	if g.Lines {
		reps[0] = pre + reps[0]
		reps[len(reps)-1] += suf
		return reps
	}
	return []string{pre + strings.Join(reps, g.Sep) + suf}
}

func (g *attackGen) String() string { return strings.Join(g.parts(), "") }

// attackGenList is a header value: a string, an attackGen, or a list of
// them (one header line each).
type attackGenList []*attackGen

func (l *attackGenList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]*attackGen)(l))
	}
	g := new(attackGen)
	if err := json.Unmarshal(b, g); err != nil {
		return err
	}
	*l = attackGenList{g}
	return nil
}

// attackRequest is one entry of testdata/attacks/requests.json.
type attackRequest struct {
	Name       string                   `json:"name"`
	Method     string                   `json:"method"`
	Path       attackGen                `json:"path"`
	Headers    map[string]attackGenList `json:"headers"`
	Body       *attackGen               `json:"body"`
	Chunked    bool                     `json:"chunked"`
	RemoteAddr string                   `json:"remote_addr"`
	Want       struct {
		Status            int     `json:"status"`
		Location          *string `json:"location"`
		LocationPrefix    string  `json:"location_prefix"`
		Body              *string `json:"body"`
		BodyContains      string  `json:"body_contains"`
		SetCookieContains string  `json:"set_cookie_contains"`
		NoSetCookie       bool    `json:"no_set_cookie"`
	} `json:"want"`
}

func loadAttackRequests(t *testing.T) []attackRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "attacks", "requests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		About    []string        `json:"about"`
		Requests []attackRequest `json:"requests"`
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&file); err != nil {
		t.Fatalf("requests.json: %v", err)
	}
	names := map[string]bool{}
	for i, r := range file.Requests {
		if r.Name == "" || r.Method == "" || r.Want.Status == 0 || names[r.Name] {
			t.Fatalf("requests.json entry %d (%q): needs a unique name, a method and want.status", i, r.Name)
		}
		names[r.Name] = true
	}
	return file.Requests
}

// attackRequestHandler has every provider type: credentials (alice), e-mail
// (memory adapter, JWT sessions) and a scripted OAuth provider "idp".
func attackRequestHandler(t *testing.T) *nextauth.Handler {
	return newHandler(t, func(c *nextauth.Config) {
		dbConfig(memory.New(), &outbox{}, nil)(c)
		c.Session.Strategy = nextauth.StrategyJWT
		c.Providers = append(c.Providers, &scriptedOAuth{id: "idp", checks: []string{"state"}, result: profileResult("u1", "u1@example.com")})
	})
}

// attackServe runs one request, turning a panic into a test failure.
func attackServe(t *testing.T, h http.Handler, r *http.Request) (w *httptest.ResponseRecorder) {
	t.Helper()
	w = httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s %s panicked: %v", r.Method, r.URL, p)
		}
	}()
	h.ServeHTTP(w, r)
	return w
}

// attackShort abbreviates long bodies in failure messages.
func attackShort(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// TestAttackRequests replays testdata/attacks/requests.json: header
// injection, cookie bombs, oversized and malformed bodies, bad
// percent-encoding, unknown providers and methods.
func TestAttackRequests(t *testing.T) {
	for _, ar := range loadAttackRequests(t) {
		t.Run(ar.Name, func(t *testing.T) {
			t.Parallel()
			h := attackRequestHandler(t)
			path, body := ar.Path.String(), ar.Body.String()
			headers := map[string][]string{}
			all := path + body
			for k, l := range ar.Headers {
				for _, g := range l {
					headers[http.CanonicalHeaderKey(k)] = append(headers[http.CanonicalHeaderKey(k)], g.parts()...)
				}
				all += strings.Join(headers[http.CanonicalHeaderKey(k)], "")
			}
			if strings.Contains(all, "{csrf") {
				c := newClient(t, h)
				tok := c.csrf()
				repl := strings.NewReplacer("{csrfToken}", tok, "{csrfCookie}", "next-auth.csrf-token="+c.jar["next-auth.csrf-token"])
				path, body = repl.Replace(path), repl.Replace(body)
				for k, vs := range headers {
					for i := range vs {
						vs[i] = repl.Replace(vs[i])
					}
					headers[k] = vs
				}
			}
			var r *http.Request
			if ar.Body != nil {
				r = httptest.NewRequest(ar.Method, path, strings.NewReader(body))
			} else {
				r = httptest.NewRequest(ar.Method, path, nil)
			}
			for k, vs := range headers {
				r.Header[k] = vs
			}
			if ar.Chunked {
				r.ContentLength = -1
				r.TransferEncoding = []string{"chunked"}
			}
			if ar.RemoteAddr != "" {
				r.RemoteAddr = ar.RemoteAddr
			}
			w := attackServe(t, h, r)

			got, want := w.Result(), ar.Want
			if got.StatusCode >= 500 {
				t.Errorf("status %d, a server error: %s", got.StatusCode, attackShort(w.Body.String()))
			}
			if got.StatusCode != want.Status {
				t.Errorf("status = %d, want %d (body %s)", got.StatusCode, want.Status, attackShort(w.Body.String()))
			}
			attackCheckHeaders(t, ar.Name, w)
			loc := got.Header.Get("Location")
			if want.Location != nil && loc != *want.Location {
				t.Errorf("Location = %q, want %q", loc, *want.Location)
			}
			if want.LocationPrefix != "" && !strings.HasPrefix(loc, want.LocationPrefix) {
				t.Errorf("Location = %q, want a prefix %q", loc, want.LocationPrefix)
			}
			if want.Body != nil && w.Body.String() != *want.Body {
				t.Errorf("body = %q, want %q", attackShort(w.Body.String()), *want.Body)
			}
			if want.BodyContains != "" && !strings.Contains(w.Body.String(), want.BodyContains) {
				t.Errorf("body = %q, want it to contain %q", attackShort(w.Body.String()), want.BodyContains)
			}
			sc := got.Header.Values("Set-Cookie")
			if want.NoSetCookie && len(sc) > 0 {
				t.Errorf("Set-Cookie = %q, want none", sc)
			}
			if want.SetCookieContains != "" && !strings.Contains(strings.Join(sc, "\n"), want.SetCookieContains) {
				t.Errorf("Set-Cookie = %q, want one with %q", sc, want.SetCookieContains)
			}
		})
	}
}

// csrfHash is NextAuth's CSRF cookie hash, sha256(token+secret) in hex
// (docs/compatibility.md#csrf), computed here independently of internal/csrf.
func attackCSRFHash(token, secret string) string {
	sum := sha256.Sum256([]byte(token + secret))
	return hex.EncodeToString(sum[:])
}

// TestAttackCSRFReplay posts a CSRF token with a cookie it does not belong
// to: another session's, one hashed with an unknown secret, none.
func TestAttackCSRFReplay(t *testing.T) {
	const signinCSRF, signoutCSRF = attackBase + "/signin?csrf=true", attackBase + "/signout?csrf=true"
	h := newHandler(t, func(c *nextauth.Config) {
		c.Providers = append(c.Providers, &scriptedOAuth{id: "idp", checks: []string{"state"}, result: profileResult("u1", "")})
	})
	// Each endpoint that verifies the token, with its answer to a good token
	// and to a bad one.
	endpoints := []struct {
		path      string
		fields    url.Values
		good, bad string // Location, or "400 {}" for POST /session
	}{
		{"/api/auth/signout", nil, attackOrigin, signoutCSRF},
		{"/api/auth/callback/credentials", url.Values{"username": {"alice"}, "password": {"wonderland"}}, attackOrigin, signinCSRF},
		{"/api/auth/signin/idp", nil, "https://idp.example/authorize?", signinCSRF},
		{"/api/auth/session", nil, "200", "400 {}"},
	}
	answer := func(w *httptest.ResponseRecorder) string {
		if w.Code == 302 {
			return w.Header().Get("Location")
		}
		if w.Code == 200 {
			return "200"
		}
		return fmt.Sprintf("%d %s", w.Code, w.Body)
	}
	post := func(c *client, path string, fields url.Values, token string) string {
		v := url.Values{"csrfToken": {token}}
		for k, vs := range fields {
			v[k] = vs
		}
		w := c.postForm(path, v)
		attackCheckHeaders(t, "POST "+path, w)
		return answer(w)
	}
	for _, ep := range endpoints {
		t.Run(strings.TrimPrefix(ep.path, "/api/auth/"), func(t *testing.T) {
			a, b := newClient(t, h), newClient(t, h)
			tokA, tokB := a.csrf(), b.csrf()
			if tokA == tokB {
				t.Fatal("two sessions got the same CSRF token")
			}
			check := func(name, got, want string) {
				t.Helper()
				if got != want && !(strings.HasSuffix(want, "?") && strings.HasPrefix(got, want)) {
					t.Errorf("%s: POST %s = %q, want %q", name, ep.path, got, want)
				}
			}
			check("A's token with B's cookie", post(b, ep.path, ep.fields, tokA), ep.bad)
			check("no token with B's cookie", post(b, ep.path, ep.fields, ""), ep.bad)
			check("B's cookie value as the token", post(b, ep.path, ep.fields, b.jar["next-auth.csrf-token"]), ep.bad)
			check("B's hash as the token", post(b, ep.path, ep.fields, strings.TrimPrefix(b.jar["next-auth.csrf-token"], tokB+"%7C")), ep.bad)
			check("B's token upper-cased", post(b, ep.path, ep.fields, strings.ToUpper(tokB)), ep.bad)
			noCookie := newClient(t, h)
			check("A's token without a cookie", post(noCookie, ep.path, ep.fields, tokA), ep.bad)
			// A forged cookie: a token of the attacker's choice with a hash
			// under a guessed secret.
			forged := newClient(t, h)
			forged.jar["next-auth.csrf-token"] = tokA + "%7C" + attackCSRFHash(tokA, "guess")
			forged.order = append(forged.order, "next-auth.csrf-token")
			check("a cookie hashed with a guessed secret", post(forged, ep.path, ep.fields, tokA), ep.bad)
			// The control: B's own token still works for B.
			check("B's own token", post(b, ep.path, ep.fields, tokB), ep.good)
		})
	}
}

// TestAttackCSRFRotatedSecret: a token whose cookie was hashed with a
// previous secret keeps working (and the cookie is re-issued under the
// current one, docs/compatibility.md#csrf + PreviousSecrets); one hashed with a secret
// the handler does not know is refused and replaced.
func TestAttackCSRFRotatedSecret(t *testing.T) {
	old := newHandler(t, func(c *nextauth.Config) { c.Secret = "old-secret" })
	rotated := newHandler(t, func(c *nextauth.Config) { c.Secret = "new-secret"; c.PreviousSecrets = []string{"old-secret"} })
	other := newHandler(t, func(c *nextauth.Config) { c.Secret = "other-secret" })

	c := newClient(t, old)
	tok := c.csrf()
	if c.jar["next-auth.csrf-token"] != tok+"%7C"+attackCSRFHash(tok, "old-secret") {
		t.Fatalf("CSRF cookie = %q", c.jar["next-auth.csrf-token"])
	}
	c.h = rotated
	w := c.postForm("/api/auth/signout", url.Values{"csrfToken": {tok}})
	if loc := w.Header().Get("Location"); loc != attackOrigin {
		t.Errorf("token of a cookie under the previous secret: POST /signout = %d %q, want %q", w.Code, loc, attackOrigin)
	}
	if want := tok + "%7C" + attackCSRFHash(tok, "new-secret"); c.jar["next-auth.csrf-token"] != want {
		t.Errorf("CSRF cookie after the rotation = %q, want it re-issued as %q", c.jar["next-auth.csrf-token"], want)
	}
	if got := c.csrf(); got != tok {
		t.Errorf("GET /csrf after the rotation = %q, want the same token %q", got, tok)
	}
	w = c.postForm("/api/auth/signout", url.Values{"csrfToken": {tok}})
	if loc := w.Header().Get("Location"); loc != attackOrigin {
		t.Errorf("the same token with the re-issued cookie: POST /signout = %q, want %q", loc, attackOrigin)
	}

	// A cookie of a handler with another secret: refused, and replaced.
	x := newClient(t, other)
	xtok := x.csrf()
	x.h = rotated
	w = x.postForm("/api/auth/signout", url.Values{"csrfToken": {xtok}})
	if loc := w.Header().Get("Location"); loc != attackBase+"/signout?csrf=true" {
		t.Errorf("token hashed with an unknown secret: POST /signout = %q, want the csrf=true redirect", loc)
	}
	if got := x.jar["next-auth.csrf-token"]; strings.HasPrefix(got, xtok) || !strings.HasSuffix(got, "%7C"+attackCSRFHash(strings.Split(got, "%7C")[0], "new-secret")) {
		t.Errorf("CSRF cookie after an unknown secret = %q, want a new token under the current secret", got)
	}
}

// attackOAuthStart posts the sign-in of provider "corp" and returns the
// authorization URL it redirects to.
func attackOAuthStart(t *testing.T, c *client, op *authtest.OIDCProvider) string {
	t.Helper()
	w := c.postForm("/api/auth/signin/corp", url.Values{"csrfToken": {c.csrf()}, "callbackUrl": {"/home"}, "json": {"true"}})
	var out struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.URL, op.AuthorizationEndpoint()) {
		t.Fatalf("POST /signin/corp = %d %s", w.Code, w.Body)
	}
	return out.URL
}

// attackCloneClient copies a client's cookies: what an attacker who captured them
// replays.
func attackCloneClient(t *testing.T, c *client) *client {
	d := newClient(t, c.h)
	for _, n := range c.order {
		if v, ok := c.jar[n]; ok {
			d.jar[n] = v
			d.order = append(d.order, n)
		}
	}
	return d
}

// TestAttackOAuthReplay replays OAuth callbacks against a real OpenID
// Provider: the same callback twice, check cookies of another flow, a PKCE
// verifier or nonce of another flow.
func TestAttackOAuthReplay(t *testing.T) {
	const failed = attackBase + "/error?error=OAuthCallback"
	setup := func(t *testing.T, checks []string) (*authtest.OIDCProvider, *nextauth.Handler) {
		op := authtest.NewOIDCProvider(t)
		return op, newHandler(t, func(c *nextauth.Config) { c.Providers = append(c.Providers, corpProvider(op, checks, "")) })
	}
	signedIn := func(c *client) bool { _, ok := c.jar["next-auth.session-token"]; return ok }

	t.Run("same callback twice", func(t *testing.T) {
		op, h := setup(t, []string{"state", "pkce", "nonce"})
		c := newClient(t, h)
		back := op.Login(t, attackOAuthStart(t, c, op))
		captured := attackCloneClient(t, c) // the check cookies, before the callback
		if got := c.get(back.RequestURI()).Header().Get("Location"); got != attackOrigin+"/home" {
			t.Fatalf("first callback = %q", got)
		}
		for _, n := range []string{"next-auth.state", "next-auth.pkce.code_verifier", "next-auth.nonce"} {
			if _, ok := c.jar[n]; ok {
				t.Errorf("%s not cleared by the callback", n)
			}
		}
		// The browser again: its check cookies are gone.
		if got := c.get(back.RequestURI()).Header().Get("Location"); got != failed {
			t.Errorf("callback replayed by the browser = %q, want %q", got, failed)
		}
		// An attacker with the captured cookies: the code is spent.
		if got := captured.get(back.RequestURI()).Header().Get("Location"); got != failed || signedIn(captured) {
			t.Errorf("callback replayed with the captured check cookies = %q (signed in %v), want %q", got, signedIn(captured), failed)
		}
	})

	// Flow A's callback URL (unused code) with cookies of flow B swapped in.
	for _, tc := range []struct {
		name   string
		checks []string
		swap   []string // cookies taken from B
	}{
		{"check cookies of another flow", []string{"state", "pkce", "nonce"}, []string{"next-auth.state", "next-auth.pkce.code_verifier", "next-auth.nonce"}},
		{"state of another flow", []string{"state"}, []string{"next-auth.state"}},
		{"PKCE verifier of another flow", []string{"pkce"}, []string{"next-auth.pkce.code_verifier"}},
		{"nonce of another flow", []string{"nonce"}, []string{"next-auth.nonce"}},
		{"no check cookies at all", []string{"state", "pkce", "nonce"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, h := setup(t, tc.checks)
			a, b := newClient(t, h), newClient(t, h)
			backA := op.Login(t, attackOAuthStart(t, a, op))
			backB := op.Login(t, attackOAuthStart(t, b, op))
			attacker := attackCloneClient(t, a)
			if tc.swap == nil {
				attacker = newClient(t, h)
			}
			for _, n := range tc.swap {
				if b.jar[n] == "" || b.jar[n] == a.jar[n] {
					t.Fatalf("flow B has no distinct %s cookie", n)
				}
				attacker.jar[n] = b.jar[n]
			}
			if got := attacker.get(backA.RequestURI()).Header().Get("Location"); got != failed || signedIn(attacker) {
				t.Errorf("A's callback with B's %v = %q (signed in %v), want %q", tc.swap, got, signedIn(attacker), failed)
			}
			// The control: B's own flow still completes.
			if got := b.get(backB.RequestURI()).Header().Get("Location"); got != attackOrigin+"/home" {
				t.Errorf("B's own callback = %q, want %s/home", got, attackOrigin)
			}
		})
	}
}

// attackRequestFrom sends a request as c does, from the peer address remote.
func attackRequestFrom(c *client, remote, method, target string, v url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ck := c.cookieHeader(); ck != "" {
		r.Header.Set("Cookie", ck)
	}
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	c.store(w.Result().Header.Values("Set-Cookie"))
	return w
}

// TestAttackEmailTokenGuessing guesses sign-in tokens for an identifier
// with a real link outstanding: every guess fails alike, and none spends
// the real token.
func TestAttackEmailTokenGuessing(t *testing.T) {
	const verification = attackBase + "/error?error=Verification"
	box := &outbox{}
	h := newHandler(t, dbConfig(memory.New(), box, nil))
	c := newClient(t, h)
	c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {"victim@example.com"}})
	real := box.last(t)

	guesses := []string{"", "0", real.Token[:63], real.Token + "0", strings.ToUpper(real.Token), " " + real.Token, real.Token[1:] + real.Token[:1]}
	for range 50 {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		guesses = append(guesses, hex.EncodeToString(b[:]))
	}
	for _, g := range guesses {
		w := newClient(t, h).get("/api/auth/callback/email?token=" + url.QueryEscape(g) + "&email=victim%40example.com")
		want := verification
		if g == "" {
			want = attackBase + "/error?error=configuration" // no token at all
		}
		if loc := w.Header().Get("Location"); w.Code != 302 || loc != want {
			t.Errorf("guess %q = %d %q, want %q", g, w.Code, loc, want)
		}
	}
	// The real token for another identifier fails too, and is not spent.
	w := newClient(t, h).get("/api/auth/callback/email?token=" + real.Token + "&email=attacker%40example.com")
	if loc := w.Header().Get("Location"); loc != verification {
		t.Errorf("the real token with another e-mail = %q, want %q", loc, verification)
	}
	victim := newClient(t, h)
	if loc := victim.get(pathOf(t, real.URL)).Header().Get("Location"); loc != attackOrigin {
		t.Fatalf("the real link after %d guesses = %q, want %q", len(guesses), loc, attackOrigin)
	}
	if w := victim.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"email":"victim@example.com"`) {
		t.Errorf("session after the real link = %s", w.Body)
	}
}

// TestAttackEmailFlood floods POST /signin/email: the per-address limit,
// then the per-client limit, answer 429 in JSON mode (302 otherwise) and
// send nothing, until the window has passed.
func TestAttackEmailFlood(t *testing.T) {
	const limited = `{"url":"` + attackBase + `/error?error=EmailSignin"}`
	const sent = `{"url":"` + attackBase + `/verify-request?provider=email&type=email"}`
	now := fixedNow
	box := &outbox{}
	h := newHandler(t, func(c *nextauth.Config) {
		dbConfig(memory.New(), box, &now)(c)
		c.EmailRateLimit = nextauth.RateLimit{PerAccount: 3, PerClient: 5, Window: time.Minute}
	})
	c := newClient(t, h)
	tok := c.csrf()
	send := func(remote, email string, jsonMode bool) *httptest.ResponseRecorder {
		v := url.Values{"csrfToken": {tok}, "email": {email}}
		if jsonMode {
			v.Set("json", "true")
		}
		return attackRequestFrom(c, remote, "POST", "/api/auth/signin/email", v)
	}
	expect := func(name string, w *httptest.ResponseRecorder, status int, body string) {
		t.Helper()
		if w.Code != status || w.Body.String() != body {
			t.Errorf("%s = %d %s, want %d %s", name, w.Code, w.Body, status, body)
		}
	}
	// Per address: 3 links for one address, from addresses that rotate.
	for i := range 3 {
		expect(fmt.Sprintf("link %d to victim", i+1), send(fmt.Sprintf("198.51.100.%d:1", i+1), "victim@example.com", true), 200, sent)
	}
	for i := range 5 {
		expect(fmt.Sprintf("flood %d to victim", i+1), send(fmt.Sprintf("203.0.113.%d:1", i+1), "Victim@Example.com", true), 429, limited)
	}
	if w := send("203.0.113.99:1", "victim@example.com", false); w.Code != 302 || w.Header().Get("Location") != attackBase+"/error?error=EmailSignin" {
		t.Errorf("flood in form mode = %d %q, want 302 to EmailSignin", w.Code, w.Header().Get("Location"))
	}
	// Per client: one address sends to 5 different addresses, then no more.
	for i := range 5 {
		expect(fmt.Sprintf("client link %d", i+1), send("192.0.2.50:1", fmt.Sprintf("user%d@example.com", i), true), 200, sent)
	}
	expect("sixth address from one client", send("192.0.2.50:2", "user9@example.com", true), 429, limited)
	expect("another client", send("192.0.2.51:1", "user9@example.com", true), 200, sent)
	box.mu.Lock()
	n := len(box.sent)
	box.mu.Unlock()
	if n != 3+5+1 {
		t.Errorf("%d e-mails sent, want 9 (none for refused requests)", n)
	}
	now = now.Add(time.Minute)
	expect("victim after the window", send("203.0.113.1:1", "victim@example.com", true), 200, sent)
	expect("client after the window", send("192.0.2.50:1", "user7@example.com", true), 200, sent)
}

// TestAttackCredentialStuffing tries 20 wrong passwords for one user from
// rotating client addresses: after Lockout.MaxFailures the account is
// locked, the right password is refused with exactly the wrong password's
// answer, and another user is unaffected.
func TestAttackCredentialStuffing(t *testing.T) {
	const maxFailures = 5
	users := map[string]string{"alice": "wonderland", "bob": "builder"}
	now := fixedNow
	h := newHandler(t, func(c *nextauth.Config) {
		c.Now = func() time.Time { return now }
		c.Lockout = nextauth.Lockout{MaxFailures: maxFailures, Duration: time.Minute, MaxDuration: time.Hour}
		c.CredentialsRateLimit = nextauth.RateLimit{PerAccount: -1, PerClient: -1} // the lockout alone
		c.Providers = []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
			IdentifierField: "username",
			Authorize: func(_ context.Context, cr nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
				if p, ok := users[cr["username"]]; ok && p == cr["password"] {
					return &nextauth.User{ID: cr["username"], Email: nextauth.String(cr["username"] + "@example.com")}, nil
				}
				return nil, nil
			},
		})}
	})
	type answer struct {
		status  int
		body    string
		cookies int
	}
	attempt := func(i int, user, pass string, jsonMode bool) answer {
		c := newClient(t, h)
		v := url.Values{"csrfToken": {c.csrf()}, "username": {user}, "password": {pass}}
		if jsonMode {
			v.Set("json", "true")
		}
		w := attackRequestFrom(c, fmt.Sprintf("198.51.100.%d:%d", i%250+1, 40000+i), "POST", "/api/auth/callback/credentials", v)
		return answer{w.Code, w.Body.String() + w.Header().Get("Location"), len(w.Header().Values("Set-Cookie"))}
	}
	wrong := answer{401, `{"url":"` + attackBase + `/error?error=CredentialsSignin&provider=credentials"}`, 0}
	// The lock is reached exactly at MaxFailures: bob fails one time fewer
	// and still signs in.
	for i := range maxFailures - 1 {
		if got := attempt(100+i, "bob", "x", true); got != wrong {
			t.Fatalf("bob's wrong password %d = %+v, want %+v", i+1, got, wrong)
		}
	}
	if got := attempt(199, "bob", "builder", true); got.status != 200 {
		t.Errorf("bob after %d failures = %+v, want 200 (locked only from %d)", maxFailures-1, got, maxFailures)
	}
	for i := range 20 {
		if got := attempt(i, "alice", fmt.Sprintf("guess-%d", i), true); got != wrong {
			t.Fatalf("wrong password %d = %+v, want %+v", i+1, got, wrong)
		}
		if i == maxFailures-1 {
			// Locked from here: the right password gets the wrong one's answer.
			if got := attempt(50, "alice", "wonderland", true); got != wrong {
				t.Errorf("right password after %d failures = %+v, want %+v", maxFailures, got, wrong)
			}
		}
	}
	// Still locked after 20, in JSON mode and as a 302.
	if got := attempt(20, "alice", "wonderland", true); got != wrong {
		t.Errorf("right password while locked = %+v, want %+v", got, wrong)
	}
	if got, want := attempt(21, "alice", "wonderland", false), attempt(22, "alice", "nope", false); got != want || got.status != 302 {
		t.Errorf("right password while locked (form) = %+v, wrong password = %+v; want the same 302", got, want)
	}
	// The lock is per account, not per address: bob signs in from the same
	// addresses.
	if got := attempt(3, "bob", "builder", true); got.status != 200 || got.body != `{"url":"`+attackOrigin+`"}` {
		t.Errorf("bob while alice is locked = %+v, want 200", got)
	}
	// With the default per-account rate limit (10 a minute) on top, rotating
	// addresses do not help either: the 11th attempt is refused unseen.
	limited := newHandler(t, func(c *nextauth.Config) { c.Lockout.MaxFailures = -1 })
	for i := range 12 {
		c := newClient(t, limited)
		w := attackRequestFrom(c, fmt.Sprintf("192.0.2.%d:1", i+1), "POST", "/api/auth/callback/credentials",
			url.Values{"csrfToken": {c.csrf()}, "username": {"alice"}, "password": {"guess"}, "json": {"true"}})
		if want := map[bool]int{true: 401, false: 429}[i < 10]; w.Code != want || w.Body.String() != wrong.body {
			t.Errorf("default limits, attempt %d from a new address = %d %s, want %d %s", i+1, w.Code, w.Body, want, wrong.body)
		}
	}
	// The attempts refused while locked were not counted (a flood of them
	// does not lengthen the lock): the fifth failure's lock of a minute
	// runs out, and alice signs in again.
	now = now.Add(61 * time.Second)
	if got := attempt(300, "alice", "wonderland", true); got.status != 200 {
		t.Errorf("alice after the lock ran out = %+v, want 200", got)
	}
}

// TestAttackCallbackCookiePoisoning: a cross-site form POST needs no CSRF
// token to make the handler store a callback-url cookie (init runs before
// the CSRF check, docs/compatibility.md#callbackurl-and-redirects). Whatever the handler stores, it must
// accept on the browser's next requests, or one POST locks the browser out
// of every route until the cookie goes away.
func TestAttackCallbackCookiePoisoning(t *testing.T) {
	h := newHandler(t, nil)
	for _, payload := range []string{"/%zz", "/%E0%A4%A", "/\x00", "/\t/x", "/\r\n"} {
		c := newClient(t, h)
		w := c.postForm("/api/auth/signin/credentials", url.Values{"callbackUrl": {payload}}) // no csrfToken
		if loc := w.Header().Get("Location"); loc != attackBase+"/signin?csrf=true" {
			t.Fatalf("cross-site POST with callbackUrl %q = %d %q", payload, w.Code, loc)
		}
		for _, path := range []string{"/api/auth/session", "/api/auth/csrf", "/api/auth/signin", "/api/auth/providers"} {
			if w := c.get(path); w.Code != 200 {
				t.Errorf("GET %s after a cross-site POST with callbackUrl %q (cookie %q) = %d, want 200", path, payload, c.jar["next-auth.callback-url"], w.Code)
			}
		}
	}
}
