package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// Request kinds, as counted and reported.
const (
	kindCSRF          = "GET /csrf"
	kindProviders     = "GET /providers"
	kindSessionGet    = "GET /session"
	kindSessionPost   = "POST /session"
	kindCredentials   = "POST /callback/credentials"
	kindEmailSignIn   = "POST /signin/email"
	kindEmailCallback = "GET /callback/email"
	kindOIDCSignIn    = "POST /signin/oidc"
	kindOIDCCallback  = "GET /callback/oidc"
	kindSignOut       = "POST /signout"
	kindOP            = "OpenID Provider" // the browser's requests to the OP, not to nextauth
)

// Outcomes of a sign-in besides NextAuth's error codes.
const (
	outcomeOK   = "ok"   // signed in
	outcomeFail = "fail" // something unexpected, recorded as an error
)

const sessionCookie = "next-auth.session-token"

// tolerance is what a fault makes acceptable: the NextAuth error answers
// the dependency being down explains. Everything else stays an error.
type tolerance struct {
	name string
	// codes are "kind:Code" pairs, e.g. "POST /callback/credentials:Callback".
	codes map[string]bool
	// emptySession: a signed-in client may read {} (the store is down;
	// the cookie is kept).
	emptySession bool
	// signOutLeaks: a signed-out session may still read on the other
	// instance (deleting it failed; NextAuth clears the cookie anyway).
	signOutLeaks bool
	// opDown: the browser may fail to reach the OpenID Provider.
	opDown bool
}

func (t *tolerance) allows(kind, code string) bool { return t != nil && t.codes[kind+":"+code] }

// oidcTarget is an OIDC provider the clients sign in with.
type oidcTarget struct {
	id string
	op *authtest.OIDCProvider
	// issuer is what the config names: the OP's own issuer, or its proxy.
	issuer string
	// want is the error code every sign-in must end with ("" for success):
	// a provider that is slow throughout.
	want string
	// weight is how often the load chooses it among the ways to sign in;
	// 0: never (configured, used by the test itself).
	weight int
}

// mailbox finds the sign-in link an instance sent to an address.
type mailbox interface {
	link(ctx context.Context, from *instance, email string) (string, error)
}

// env is what the clients of one test share.
type env struct {
	ins   []*instance
	mail  mailbox // nil: no e-mail provider
	oidc  []*oidcTarget
	stats *stats
	tol   atomic.Pointer[tolerance]
	seed  uint64
	// credPaced: the credentials limits are the server's fixed defaults,
	// so the clients pace their credentials sign-ins.
	credPaced bool

	mu sync.Mutex
	// zombies are the e-mail addresses and session tokens of sign-outs
	// answered while the store was failing.
	zombies [][2]string
}

// signedOutDuringFault remembers a session signed out while the store was
// failing.
func (e *env) signedOutDuringFault(email, token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.zombies) < 10000 {
		e.zombies = append(e.zombies, [2]string{email, token})
	}
}

func (e *env) isInstance(host string) bool {
	for _, in := range e.ins {
		if in.addr == host {
			return true
		}
	}
	return false
}

// client is one browser: a cookie jar shared by both instances (they are
// both on 127.0.0.1, as behind one load balancer), its own source address
// (127.0.0.x, so per-client limits count it alone) and its own user.
type client struct {
	e        *env
	id       int
	user     soakUser
	hc       *http.Client // with the jar
	bare     *http.Client // without cookies
	tr       *http.Transport
	jar      http.CookieJar
	rng      *rand.Rand
	signedIn bool
	steps    int
	credAt   []time.Time // recent credentials sign-ins, for pacing
	updates  int
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (e *env) newClient(i int) *client {
	// 127.0.0.0/8 is all loopback on Linux: each client its own address.
	ip := net.IPv4(127, 0, byte(1+i/200), byte(10+i%200))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	jar, _ := cookiejar.New(nil)
	return &client{
		e: e, id: i, user: userFor(i), tr: tr, jar: jar,
		hc:   &http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second, CheckRedirect: noRedirect},
		bare: &http.Client{Transport: tr, Timeout: 20 * time.Second, CheckRedirect: noRedirect},
		rng:  rand.New(rand.NewPCG(e.seed, uint64(i))),
	}
}

func (c *client) pick() *instance { return c.e.ins[c.rng.IntN(len(c.e.ins))] }

// other is another instance than in (in itself when there is one).
func (c *client) other(in *instance) *instance {
	for _, x := range c.e.ins {
		if x != in {
			return x
		}
	}
	return in
}

func (c *client) fail(kind, format string, args ...any) {
	c.e.stats.fail(kind, fmt.Sprintf("client %d (%s): %s", c.id, c.user.Username, fmt.Sprintf(format, args...)))
}

// answer is a response, read.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	cookies []*http.Cookie
	tol     *tolerance // the tolerance in force when it was sent or answered
}

func (a *answer) location() string { return a.header.Get("Location") }

// sessionSet is the session cookie the answer sets ("" for none or a
// deletion).
func (a *answer) sessionSet() string {
	for _, ck := range a.cookies {
		if ck.Name == sessionCookie && ck.MaxAge >= 0 && (ck.Expires.IsZero() || ck.Expires.After(time.Now())) {
			return ck.Value
		}
	}
	return ""
}

// do sends req with hc and reads the answer; a transport failure or a 5xx
// is an error whatever the fault.
func (c *client) do(kind string, hc *http.Client, req *http.Request) (*answer, bool) {
	tol := c.e.tol.Load()
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		c.e.stats.record(kind, time.Since(start))
		c.fail(kind, "%s %s: %v", req.Method, req.URL, err)
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	c.e.stats.record(kind, time.Since(start))
	if err != nil {
		c.fail(kind, "%s %s: reading the body: %v", req.Method, req.URL, err)
		return nil, false
	}
	if t := c.e.tol.Load(); t != nil {
		tol = t
	}
	a := &answer{status: res.StatusCode, header: res.Header, body: body, cookies: res.Cookies(), tol: tol}
	if res.StatusCode >= 500 {
		c.fail(kind, "%s %s = %d %s: %.200q", req.Method, req.URL.Path, res.StatusCode, res.Header.Get("Content-Type"), body)
		return nil, false
	}
	return a, true
}

func (c *client) get(kind, u string, hc *http.Client) (*answer, bool) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		c.fail(kind, "%v", err)
		return nil, false
	}
	return c.do(kind, hc, req)
}

func (c *client) postForm(kind, u string, form url.Values) (*answer, bool) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		c.fail(kind, "%v", err)
		return nil, false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(kind, c.hc, req)
}

// isJSON checks a 200 JSON answer.
func (c *client) isJSON(kind string, a *answer) bool {
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		c.fail(kind, "answer %d %s %.200q, want 200 JSON", a.status, a.header.Get("Content-Type"), a.body)
		return false
	}
	return true
}

// errorCode is the error of a NextAuth error page URL ({base}/error?error=X),
// "" for any other URL.
func errorCode(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.HasSuffix(u.Path, "/api/auth/error") {
		return ""
	}
	if code := u.Query().Get("error"); code != "" {
		return code
	}
	return "(none)"
}

// tolerate handles a NextAuth error answer: degraded if the fault in force
// explains it, else an error.
func (c *client) tolerate(kind string, a *answer, code string) {
	if a.tol.allows(kind, code) {
		c.e.stats.degrade(kind, code)
		return
	}
	c.fail(kind, "error=%s (fault in force: %s)", code, a.tol.nameOr("none"))
}

func (t *tolerance) nameOr(def string) string {
	if t == nil {
		return def
	}
	return t.name
}

// csrf is GET /csrf's token.
func (c *client) csrf(in *instance) (string, bool) {
	a, ok := c.get(kindCSRF, in.base+"/api/auth/csrf", c.hc)
	if !ok || !c.isJSON(kindCSRF, a) {
		return "", false
	}
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal(a.body, &v); err != nil || v.CSRFToken == "" {
		c.fail(kindCSRF, "body %.200q, want a csrfToken", a.body)
		return "", false
	}
	return v.CSRFToken, true
}

// postURL posts form (json=true) and returns the answer's {url}.
func (c *client) postURL(kind string, in *instance, path string, form url.Values) (string, *answer, bool) {
	form.Set("json", "true")
	a, ok := c.postForm(kind, in.base+path, form)
	if !ok || !c.isJSON(kind, a) {
		return "", nil, false
	}
	var v struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(a.body, &v); err != nil || v.URL == "" {
		c.fail(kind, "body %.200q, want {\"url\": …}", a.body)
		return "", nil, false
	}
	return v.URL, a, true
}

// Session reads.
const (
	sessOwn   = "own"
	sessEmpty = "empty"
	sessBad   = "bad"
)

// checkSession judges a GET or POST /session answer against what the
// client believes, and returns what it saw.
func (c *client) checkSession(kind string, a *answer) string {
	if !c.isJSON(kind, a) {
		return sessBad
	}
	var v struct {
		User *struct {
			Name  *string `json:"name"`
			Email *string `json:"email"`
		} `json:"user"`
		Expires string `json:"expires"`
	}
	if bytes.Equal(bytes.TrimSpace(a.body), []byte("{}")) {
		if c.signedIn {
			if a.tol != nil && a.tol.emptySession {
				c.e.stats.degrade(kind, "{}")
				return sessEmpty
			}
			c.fail(kind, "lost session: {} while signed in")
			return sessBad
		}
		return sessEmpty
	}
	if err := json.Unmarshal(a.body, &v); err != nil || v.User == nil || v.Expires == "" {
		c.fail(kind, "body %.200q, want {} or a session", a.body)
		return sessBad
	}
	email, name := "", ""
	if v.User.Email != nil {
		email = *v.User.Email
	}
	if v.User.Name != nil {
		name = *v.User.Name
	}
	// The name is empty for a user an e-mail sign-in created.
	if email != c.user.Email || (name != c.user.Name && name != "") {
		c.fail(kind, "MIXED-UP SESSION: got %q <%s>, want %q <%s>", name, email, c.user.Name, c.user.Email)
		return sessBad
	}
	if !c.signedIn {
		if a.tol == nil {
			c.fail(kind, "a session after sign-out")
			return sessBad
		}
		c.signedIn = true // a sign-in answered with an error worked after all
	}
	return sessOwn
}

// sessionGet is GET /session on in.
func (c *client) sessionGet(in *instance) string {
	a, ok := c.get(kindSessionGet, in.base+"/api/auth/session", c.hc)
	if !ok {
		return sessBad
	}
	return c.checkSession(kindSessionGet, a)
}

// sessionUpdate is next-auth/react's update(data): POST /session with JSON,
// on in (nil: either instance).
func (c *client) sessionUpdate(in *instance) string {
	if in == nil {
		in = c.pick()
	}
	tok, ok := c.csrf(in)
	if !ok {
		return sessBad
	}
	c.updates++
	body, _ := json.Marshal(map[string]any{"csrfToken": tok, "data": map[string]any{"soak": c.updates, "client": c.id}})
	req, err := http.NewRequest(http.MethodPost, in.base+"/api/auth/session", bytes.NewReader(body))
	if err != nil {
		c.fail(kindSessionPost, "%v", err)
		return sessBad
	}
	req.Header.Set("Content-Type", "application/json")
	a, ok := c.do(kindSessionPost, c.hc, req)
	if !ok {
		return sessBad
	}
	return c.checkSession(kindSessionPost, a)
}

// cookieToken is the session cookie in the jar.
func (c *client) cookieToken() string {
	u, _ := url.Parse(c.e.ins[0].base)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

// signedInNow records a sign-in that set a cookie and reads the session on
// the other instance: it must be there at once.
func (c *client) signedInNow(kind string, at *instance, a *answer) string {
	if a.sessionSet() == "" {
		c.fail(kind, "signed in without a session cookie: %q", a.header.Values("Set-Cookie"))
		return outcomeFail
	}
	c.signedIn = true
	if c.sessionGet(c.other(at)) == sessBad {
		return outcomeFail
	}
	return outcomeOK
}

// credentialsAllowed paces credentials sign-ins when the server's
// per-account limit cannot be lifted in the YAML (10 a minute): at most 8
// in any 60 s, which a token bucket of 10 a minute always admits.
func (c *client) credentialsAllowed() bool {
	if !c.e.credPaced {
		return true
	}
	cut := time.Now().Add(-61 * time.Second)
	i := 0
	for i < len(c.credAt) && c.credAt[i].Before(cut) {
		i++
	}
	c.credAt = c.credAt[i:]
	return len(c.credAt) < 8
}

// signInCredentials is POST /callback/credentials on in (nil: either
// instance), then a session read on the other instance.
func (c *client) signInCredentials(in *instance) string {
	if in == nil {
		in = c.pick()
	}
	tok, ok := c.csrf(in)
	if !ok {
		return outcomeFail
	}
	c.credAt = append(c.credAt, time.Now())
	u, a, ok := c.postURL(kindCredentials, in, "/api/auth/callback/credentials", url.Values{
		"csrfToken": {tok}, "username": {c.user.Username}, "password": {c.user.Password}, "callbackUrl": {"/soak"},
	})
	if !ok {
		return outcomeFail
	}
	if code := errorCode(u); code != "" {
		c.tolerate(kindCredentials, a, code)
		return code
	}
	if u != in.base+"/soak" {
		c.fail(kindCredentials, "url %q, want %s/soak", u, in.base)
		return outcomeFail
	}
	return c.signedInNow(kindCredentials, in, a)
}

// signInEmail is POST /signin/email on in (nil: either instance), the link
// from the mailbox, and the link followed on either instance (the token is
// in the shared database).
func (c *client) signInEmail(in *instance) string {
	if in == nil {
		in = c.pick()
	}
	tok, ok := c.csrf(in)
	if !ok {
		return outcomeFail
	}
	u, a, ok := c.postURL(kindEmailSignIn, in, "/api/auth/signin/email", url.Values{
		"csrfToken": {tok}, "email": {c.user.Email}, "callbackUrl": {"/soak"},
	})
	if !ok {
		return outcomeFail
	}
	if code := errorCode(u); code != "" {
		c.tolerate(kindEmailSignIn, a, code)
		return code
	}
	if want := in.base + "/api/auth/verify-request?provider=email&type=email"; u != want {
		c.fail(kindEmailSignIn, "url %q, want %s", u, want)
		return outcomeFail
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	link, err := c.e.mail.link(ctx, in, c.user.Email)
	cancel()
	if err != nil {
		c.fail(kindEmailSignIn, "answered verify-request, but no link arrived: %v", err)
		return outcomeFail
	}
	lu, err := url.Parse(link)
	if err != nil || lu.Host != in.addr {
		c.fail(kindEmailSignIn, "link %q does not point at %s", link, in.addr)
		return outcomeFail
	}
	at := c.pick()
	lu.Host = at.addr
	a, ok = c.get(kindEmailCallback, lu.String(), c.hc)
	if !ok {
		return outcomeFail
	}
	if a.status != http.StatusFound {
		c.fail(kindEmailCallback, "answer %d %.200q, want 302", a.status, a.body)
		return outcomeFail
	}
	if code := errorCode(a.location()); code != "" {
		c.tolerate(kindEmailCallback, a, code)
		return code
	}
	return c.signedInNow(kindEmailCallback, at, a)
}

// signInOIDC is POST /signin/<id> on in (nil: either instance), the
// provider's login form, and the
// callback on the instance the provider sends the browser back to.
// direct sends the browser to the OP itself even when the config names a
// proxy in front of it (to reach a callback while the proxy is down).
func (c *client) signInOIDC(p *oidcTarget, in *instance, direct bool) string {
	if in == nil {
		in = c.pick()
	}
	tok, ok := c.csrf(in)
	if !ok {
		return outcomeFail
	}
	u, a, ok := c.postURL(kindOIDCSignIn, in, "/api/auth/signin/"+p.id, url.Values{"csrfToken": {tok}, "callbackUrl": {"/soak"}})
	if !ok {
		return outcomeFail
	}
	if code := errorCode(u); code != "" {
		c.tolerate(kindOIDCSignIn, a, code)
		return code
	}
	if !strings.HasPrefix(u, p.issuer+"/authorize?") {
		c.fail(kindOIDCSignIn, "url %q, want %s/authorize?…", u, p.issuer)
		return outcomeFail
	}
	if t := c.e.tol.Load(); t != nil && t.opDown {
		// The browser cannot reach the provider behind its proxy, but
		// nextauth's own requests to it (token, keys) are what is tested:
		// log in at the provider itself.
		direct = true
	}
	if direct {
		u = p.op.Issuer() + strings.TrimPrefix(u, p.issuer)
	}
	cb, err := c.opLogin(u)
	if err != nil {
		if t := c.e.tol.Load(); t != nil && t.opDown {
			c.e.stats.degrade(kindOP, "unreachable")
			return "OPUnreachable"
		}
		c.fail(kindOP, "signing in at the provider %s: %v", p.id, err)
		return outcomeFail
	}
	if want := in.base + "/api/auth/callback/" + p.id; cb.Scheme+"://"+cb.Host+cb.Path != want {
		c.fail(kindOP, "the provider sent the browser to %s, want %s", cb, want)
		return outcomeFail
	}
	a, ok = c.get(kindOIDCCallback, cb.String(), c.hc)
	if !ok {
		return outcomeFail
	}
	if a.status != http.StatusFound {
		c.fail(kindOIDCCallback, "answer %d %.200q, want 302", a.status, a.body)
		return outcomeFail
	}
	code := errorCode(a.location())
	if p.want != "" {
		if code != p.want {
			c.fail(kindOIDCCallback, "provider %s: callback went to %q, want error=%s", p.id, a.location(), p.want)
			return outcomeFail
		}
		c.e.stats.expected(kindOIDCCallback, code)
		return code
	}
	if code != "" {
		c.tolerate(kindOIDCCallback, a, code)
		return code
	}
	if want := in.base + "/soak"; a.location() != want {
		c.fail(kindOIDCCallback, "Location %q, want %s", a.location(), want)
		return outcomeFail
	}
	return c.signedInNow(kindOIDCCallback, in, a)
}

// opLogin follows the authorization URL through the provider's login form
// as a browser does, with its own cookies, and returns where the provider
// sends the browser back to (a nextauth callback).
func (c *client) opLogin(authURL string) (*url.URL, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: c.tr, Timeout: 10 * time.Second, CheckRedirect: noRedirect}
	target, err := url.Parse(authURL)
	if err != nil {
		return nil, err
	}
	for range 10 {
		start := time.Now()
		res, err := hc.Get(target.String())
		c.e.stats.record(kindOP, time.Since(start))
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode == http.StatusOK && target.Path == "/login" {
			form := url.Values{
				"authRequestID": {target.Query().Get("authRequestID")},
				"username":      {c.user.Email}, "password": {authtest.OIDCPassword},
			}
			start = time.Now()
			res, err = hc.PostForm(target.Scheme+"://"+target.Host+"/login", form)
			c.e.stats.record(kindOP, time.Since(start))
			if err != nil {
				return nil, err
			}
			body, _ = io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
		}
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			return nil, fmt.Errorf("%s answered %d: %.200q", res.Request.URL, res.StatusCode, body)
		}
		next, err := res.Request.URL.Parse(res.Header.Get("Location"))
		if err != nil {
			return nil, err
		}
		if c.e.isInstance(next.Host) {
			return next, nil
		}
		target = next
	}
	return nil, fmt.Errorf("too many redirects from %s", authURL)
}

// signOut is POST /signout; the session must then be gone on the other
// instance too (the old cookie, sent by hand, reads {}).
func (c *client) signOut() string {
	in := c.pick()
	tok, ok := c.csrf(in)
	if !ok {
		return outcomeFail
	}
	old := c.cookieToken()
	u, a, ok := c.postURL(kindSignOut, in, "/api/auth/signout", url.Values{"csrfToken": {tok}, "callbackUrl": {"/bye"}})
	if !ok {
		return outcomeFail
	}
	if u != in.base+"/bye" {
		c.fail(kindSignOut, "url %q, want %s/bye", u, in.base)
		return outcomeFail
	}
	c.signedIn = false
	if c.cookieToken() != "" {
		c.fail(kindSignOut, "the session cookie is still set after sign-out")
		return outcomeFail
	}
	if old == "" {
		return outcomeOK
	}
	other := c.other(in)
	req, err := http.NewRequest(http.MethodGet, other.base+"/api/auth/session", nil)
	if err != nil {
		c.fail(kindSessionGet, "%v", err)
		return outcomeFail
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: old})
	a, ok = c.do(kindSessionGet, c.bare, req)
	if !ok {
		return outcomeFail
	}
	if !c.isJSON(kindSessionGet, a) {
		return outcomeFail
	}
	if a.tol != nil && a.tol.signOutLeaks {
		// The session may not have been deleted: look again once the store
		// is back.
		c.e.signedOutDuringFault(c.user.Email, old)
	}
	if !bytes.Equal(bytes.TrimSpace(a.body), []byte("{}")) {
		if a.tol != nil && a.tol.signOutLeaks && strings.Contains(string(a.body), `"`+c.user.Email+`"`) {
			c.e.stats.degrade(kindSignOut, "session left in the store")
			return outcomeOK
		}
		c.fail(kindSignOut, "the signed-out session still reads on %s: %.200q", other.name, a.body)
		return outcomeFail
	}
	return outcomeOK
}

// signIn signs in with a method chosen at random among those available.
func (c *client) signIn() string {
	type method struct {
		w int
		f func() string
	}
	var ms []method
	if c.steps == 0 || c.credentialsAllowed() {
		ms = append(ms, method{40, func() string { return c.signInCredentials(nil) }})
	}
	if c.steps > 0 {
		if c.e.mail != nil {
			ms = append(ms, method{30, func() string { return c.signInEmail(nil) }})
		}
		for _, p := range c.e.oidc {
			if p.weight > 0 {
				ms = append(ms, method{p.weight, func() string { return c.signInOIDC(p, nil, false) }})
			}
		}
	}
	total := 0
	for _, m := range ms {
		total += m.w
	}
	if total == 0 {
		return c.signInCredentials(nil)
	}
	r := c.rng.IntN(total)
	for _, m := range ms {
		if r < m.w {
			return m.f()
		}
		r -= m.w
	}
	return outcomeFail
}

// step is one action: a sign-in when signed out; a session read, update,
// CSRF or provider fetch, or sign-out when signed in. The first is always
// a credentials sign-in, which creates the user with its name.
func (c *client) step() {
	defer func() { c.steps++ }()
	if !c.signedIn {
		c.signIn()
		return
	}
	switch r := c.rng.IntN(100); {
	case r < 55:
		c.sessionGet(c.pick())
	case r < 75:
		c.sessionUpdate(nil)
	case r < 80:
		a, ok := c.get(kindProviders, c.pick().base+"/api/auth/providers", c.hc)
		if ok {
			c.isJSON(kindProviders, a)
		}
	case r < 85:
		c.csrf(c.pick())
	default:
		c.signOut()
	}
}

// load runs clients until halted.
type load struct {
	halted atomic.Bool
	wg     sync.WaitGroup
}

// maxSteps bounds each client's loop; halt (or the hard deadline) ends it
// first.
const maxSteps = 10_000_000

func runLoad(clients []*client, hardDeadline time.Time) *load {
	l := &load{}
	for _, c := range clients {
		l.wg.Go(func() {
			for i := 0; i < maxSteps && !l.halted.Load() && time.Now().Before(hardDeadline); i++ {
				c.step()
			}
		})
	}
	return l
}

// halt stops the clients after their current step; it waits at most a
// minute.
func (l *load) halt() error {
	l.halted.Store(true)
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("clients still busy a minute after halt")
	}
}

func closeIdle(clients []*client) {
	for _, c := range clients {
		c.tr.CloseIdleConnections()
	}
}
