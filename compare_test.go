package nextauth_test

// TestCompareWithNextAuth sends the same requests to the real NextAuth.js
// (next-auth 4.24.15, the pinned app of bench/nextauth-app in a production
// build, options in bench/nextauth-app/compare.js) and to our Handler with
// the same configuration, and compares the answers field by field (engine:
// compare_engine_test.go). Differences must be declared in
// testdata/compare/differences.json, each with the README compatibility note
// it comes from, or marked "expected-to-be-fixed".
//
// Run it alone with
//
//	go test -run TestCompareWithNextAuth -v .
//
// NEXTAUTH_COMPARE_REPORT=FILE writes every case, both normalised answers
// and the differences to FILE.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/nextapptest"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/provider"
)

// cmpSecret is both servers' NEXTAUTH_SECRET.
const cmpSecret = "nextauth-go-compare-secret-do-not-use-in-production"

// The OpenID Provider's client, fixed so that the authorization URLs are
// the same from run to run.
const cmpClientID, cmpClientSecret = "compare-client", "compare-client-secret"

// cmpPassword is every credentials user's password.
const cmpPassword = "wonderland"

// cmpUsers are the credentials users, by user name, as compare.js's USERS
// (in JSON, so that null stays null where nextauth.User can hold it).
// "thrower" makes Authorize fail; "denied" is refused by the SignIn callback.
var cmpUsers = map[string]string{
	"alice":    `{"id":"1","name":"Alice","email":"alice@example.com"}`,
	"nameless": `{"id":"2","name":null,"email":"nameless@example.com","image":null}`,
	"denied":   `{"id":"3","name":"Denied","email":"denied@example.com"}`,
}

// cmpDeniedEmail is the address the SignIn callback refuses.
const cmpDeniedEmail = "denied@example.com"

// cmpMailbox keeps the links our e-mail provider sends.
type cmpMailbox struct {
	mu   sync.Mutex
	sent []nextauth.VerificationRequest
}

func (m *cmpMailbox) Send(_ context.Context, req nextauth.VerificationRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, req)
	return nil
}

func (m *cmpMailbox) last(identifier string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sent) - 1; i >= 0; i-- {
		if m.sent[i].Identifier == identifier {
			return m.sent[i].URL
		}
	}
	return ""
}

// cmpConfig is our side of compare.js's options: kind "jwt" or
// "database".
func cmpConfig(kind, url string, op *authtest.OIDCProvider, box *cmpMailbox) nextauth.Config {
	creds := provider.Credentials(provider.CredentialsConfig{
		ID: "credentials", Name: "Credentials",
		Fields: []nextauth.CredentialField{
			{Name: "username", Label: "Username", Type: "text"},
			{Name: "password", Label: "Password", Type: "password"},
		},
		Authorize: func(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
			if c["username"] == "thrower" {
				return nil, errors.New("ThrownByAuthorize")
			}
			js, ok := cmpUsers[c["username"]]
			if !ok || c["password"] != cmpPassword {
				return nil, nil
			}
			var u nextauth.User
			if err := json.Unmarshal([]byte(js), &u); err != nil {
				return nil, err
			}
			return &u, nil
		},
	})
	corp := provider.OIDC(provider.OAuthConfig{
		ID: "corp", Name: "Corp SSO",
		Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(),
		Scope: "openid email profile", Checks: []string{"pkce", "state"},
	})
	cfg := nextauth.Config{
		URL:    url,
		Secret: cmpSecret,
		Callbacks: nextauth.Callbacks{
			SignIn: func(_ context.Context, p nextauth.SignInParams) (nextauth.SignInResult, error) {
				// fmt.Sprint: the e-mail is a string or a Stringer.
				return nextauth.SignInResult{Deny: p.User != nil && fmt.Sprint(p.User.Email) == cmpDeniedEmail}, nil
			},
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Low, so that the cases reach it (NextAuth has no such limit).
		LogRateLimit: nextauth.RateLimit{PerClient: 2},
	}
	switch kind {
	case "jwt":
		cfg.Session.Strategy = nextauth.StrategyJWT
		cfg.Providers = []nextauth.Provider{creds, corp}
	case "database":
		cfg.Session.Strategy = nextauth.StrategyDatabase
		cfg.Adapter = memory.New()
		cfg.Providers = []nextauth.Provider{creds, provider.Email(provider.EmailConfig{Sender: box}), corp}
	}
	return cfg
}

// newComparePair starts the NextAuth app (from dir) and our server with the
// configuration kind.
func newComparePair(t *testing.T, dir, kind string, op *authtest.OIDCProvider) *cmpPair {
	t.Helper()
	mailLog := filepath.Join(t.TempDir(), "mail.log")
	port := nextapptest.FreePort(t)
	app := nextapptest.Start(t, dir, port, "/api/auth/providers",
		"NEXTAUTH_COMPARE_CONFIG="+kind,
		fmt.Sprintf("NEXTAUTH_URL=http://127.0.0.1:%d", port),
		"NEXTAUTH_SECRET="+cmpSecret,
		"COMPARE_OIDC_ISSUER="+op.Issuer(),
		"COMPARE_OIDC_CLIENT_ID="+op.ClientID(),
		"COMPARE_OIDC_CLIENT_SECRET="+op.ClientSecret(),
		"COMPARE_MAIL_LOG="+mailLog,
	)
	t.Logf("%s: next start answered in %s", kind, app.Started.Round(time.Millisecond))
	next := newCmpSide("nextauth", app.Origin)
	next.mail = func(identifier string) string { return cmpLastMail(t, mailLog, identifier) }
	return &cmpPair{group: kind, next: next, ours: newOurSide(t, "ours", kind, op)}
}

// newOurSide starts our handler with the configuration kind.
func newOurSide(t *testing.T, name, kind string, op *authtest.OIDCProvider) *cmpSide {
	t.Helper()
	box := &cmpMailbox{}
	srv := httptest.NewUnstartedServer(nil)
	origin := "http://" + srv.Listener.Addr().String()
	h, err := nextauth.New(cmpConfig(kind, origin+"/api/auth", op, box))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Mounted as cmd/nextauth mounts it: the base path and the tree below.
	mux := http.NewServeMux()
	mux.Handle("/api/auth", h)
	mux.Handle("/api/auth/", h)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	s := newCmpSide(name, origin)
	s.mail = box.last
	return s
}

func newCmpSide(name, origin string) *cmpSide {
	return &cmpSide{
		name: name, origin: origin, vars: map[string]string{}, jars: map[string]*cmpJar{},
		client: &http.Client{
			Transport:     &http.Transport{DisableCompression: true},
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func TestCompareWithNextAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real NextAuth.js: not in -short mode")
	}
	begin := time.Now()
	dir, took := nextapptest.Prepare(t)
	t.Logf("NextAuth app (%s) ready in %s (%s: npm ci and next build when needed)", dir, took.Round(time.Millisecond), nextapptest.Script)
	declared := cmpLoadDeclared(t, filepath.Join("testdata", "compare", "differences.json"), "README.md")

	op := authtest.NewOIDCProvider(t, authtest.WithClient(cmpClientID, cmpClientSecret))
	token := strings.Repeat("c0ffee", 10) + "c0de"
	c := &cmpRunner{t: t, secret: cmpSecret, csrf: token, opURL: op.Issuer(), started: time.Now()}

	c.jwtCases(newComparePair(t, dir, "jwt", op), op)
	c.databaseCases(newComparePair(t, dir, "database", op), op)

	c.report(declared)
	t.Logf("timing: whole test %s, of which preparing the app %s; %d cases compared in %s",
		time.Since(begin).Round(time.Millisecond), took.Round(time.Millisecond), len(c.cases), time.Since(c.started).Round(time.Millisecond))
}

// TestCompareEngineSelf runs the comparison's cases against two instances of
// our handler, without Node: every answer must come out alike, which checks
// that the normalisation hides exactly what is random or time-dependent.
func TestCompareEngineSelf(t *testing.T) {
	op := authtest.NewOIDCProvider(t, authtest.WithClient(cmpClientID, cmpClientSecret))
	c := &cmpRunner{t: t, secret: cmpSecret, csrf: strings.Repeat("5eed", 16), opURL: op.Issuer(), started: time.Now()}
	for _, kind := range []string{"jwt", "database"} {
		p := &cmpPair{group: kind, next: newOurSide(t, "ours-a", kind, op), ours: newOurSide(t, "ours-b", kind, op)}
		if kind == "jwt" {
			c.jwtCases(p, op)
		} else {
			c.databaseCases(p, op)
		}
	}
	for _, k := range c.cases {
		for _, d := range k.diffs {
			t.Errorf("%s: %s differs between two instances of our handler:\n  a: %s\n  b: %s", k.name, d.field, d.nextauth, d.ours)
		}
	}
	if len(c.cases) < 100 {
		t.Errorf("only %d cases ran", len(c.cases))
	}
}

// csrfCookie is the CSRF cookie of c.csrf: valid on both servers, which
// share the secret.
func (c *cmpRunner) csrfCookie() string {
	sum := sha256.Sum256([]byte(c.csrf + cmpSecret))
	return "next-auth.csrf-token=" + c.csrf + "%7C" + hex.EncodeToString(sum[:])
}

// cmpForm encodes key, value, … in order.
func cmpForm(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

const (
	cmpCTForm = "application/x-www-form-urlencoded"
	cmpCTJSON = "application/json"
)

// token encodes a session token as a sign-in would (30 days).
func (c *cmpRunner) token(claims jwt.Claims) string {
	c.t.Helper()
	tok, err := jwt.Encode(cmpSecret, claims, jwt.DefaultMaxAge)
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

// cmpChunks splits tok into the session cookie's chunks, as NextAuth writes them.
func cmpChunks(tok string) []string {
	var out []string
	for i := 0; i < len(tok); i += cmpChunkSize {
		out = append(out, tok[i:min(i+cmpChunkSize, len(tok))])
	}
	return out
}

func cmpJoin(cookies ...string) string { return strings.Join(cookies, "; ") }

// each runs f for both sides, NextAuth's first.
func (p *cmpPair) each(f func(s *cmpSide, r *cmpRes), next, ours *cmpRes) {
	f(p.next, next)
	f(p.ours, ours)
}

// cmpJSONURL returns the url member of a JSON answer.
func cmpJSONURL(t *testing.T, s *cmpSide, r *cmpRes) string {
	t.Helper()
	var v struct{ URL string }
	if err := json.Unmarshal(r.body, &v); err != nil || v.URL == "" {
		t.Fatalf("%s: want a JSON {url}, got %d %s", s.name, r.status, r.body)
	}
	return v.URL
}

func (c *cmpRunner) jwtCases(p *cmpPair, op *authtest.OIDCProvider) {
	t := c.t
	const b = "/api/auth"
	csrf := c.csrfCookie()
	alice := c.token(jwt.Claims{"name": "Alice", "email": "alice@example.com", "sub": "1"})
	bob := c.token(jwt.Claims{"name": "Bob", "email": "bob@example.com", "sub": "9"})
	nameless := c.token(jwt.Claims{"name": nil, "email": "nameless@example.com", "picture": nil, "sub": "2"})
	big := c.token(jwt.Claims{"name": "Alice", "email": "alice@example.com", "sub": "1", "blob": strings.Repeat("x", 5000)})
	other, err := jwt.Encode("some-other-secret", jwt.Claims{"name": "Alice", "sub": "1"}, jwt.DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	old, err := jwt.NewCodec(jwt.Options{Secret: cmpSecret, Now: func() time.Time { return time.Now().Add(-40 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := old.Encode(jwt.Claims{"name": "Alice", "sub": "1"}, jwt.DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	const st = "next-auth.session-token"
	bigChunks, bobChunks := cmpChunks(big), []string{bob[:len(bob)/2], bob[len(bob)/2:]}
	if len(bigChunks) != 2 {
		t.Fatalf("the big token has %d chunks, want 2", len(bigChunks))
	}

	get := func(name, path, cookie string) { c.run(p, name, cmpReq{method: "GET", path: path, cookie: cookie}) }

	// GET /providers and /csrf
	get("providers", b+"/providers", "")
	get("providers/with-cookies", b+"/providers", cmpJoin(csrf, st+"="+alice))
	get("csrf/new", b+"/csrf", "")
	get("csrf/reuse", b+"/csrf", csrf)
	get("csrf/wrong-hash", b+"/csrf", "next-auth.csrf-token="+c.csrf+"%7C"+strings.Repeat("0", 64))

	// GET /session
	get("session/none", b+"/session", "")
	get("session/csrf-only", b+"/session", csrf)
	get("session/valid", b+"/session", cmpJoin(csrf, st+"="+alice))
	get("session/valid-alone", b+"/session", st+"="+alice)
	get("session/null-fields", b+"/session", cmpJoin(csrf, st+"="+nameless))
	get("session/garbage", b+"/session", cmpJoin(csrf, st+"=garbage"))
	get("session/other-secret", b+"/session", cmpJoin(csrf, st+"="+other))
	get("session/expired", b+"/session", cmpJoin(csrf, st+"="+expired))
	get("session/chunked", b+"/session", cmpJoin(csrf, st+".0="+bigChunks[0], st+".1="+bigChunks[1]))
	get("session/chunked-reversed", b+"/session", cmpJoin(csrf, st+".1="+bigChunks[1], st+".0="+bigChunks[0]))
	get("session/big-plain", b+"/session", cmpJoin(csrf, st+"="+big))
	get("session/plain+chunks", b+"/session", cmpJoin(csrf, st+"="+alice, st+".0="+bobChunks[0], st+".1="+bobChunks[1]))
	get("session/chunks+plain", b+"/session", cmpJoin(csrf, st+".0="+bobChunks[0], st+".1="+bobChunks[1], st+"="+alice))
	get("session/chunk0+plain+chunk1", b+"/session", cmpJoin(csrf, st+".0="+bobChunks[0], st+"="+alice, st+".1="+bobChunks[1]))
	get("session/chunks-reversed+plain", b+"/session", cmpJoin(csrf, st+".1="+bobChunks[1], st+".0="+bobChunks[0], st+"="+alice))

	// POST /session (update)
	c.run(p, "session-update/no-csrf", cmpReq{method: "POST", path: b + "/session", cookie: cmpJoin(csrf, st+"="+alice), ctype: cmpCTJSON, body: `{"data":{"name":"Renamed"}}`})
	c.run(p, "session-update/json", cmpReq{method: "POST", path: b + "/session", cookie: cmpJoin(csrf, st+"="+alice), ctype: cmpCTJSON, body: `{"csrfToken":"` + c.csrf + `","data":{"name":"Renamed"}}`})
	c.run(p, "session-update/form", cmpReq{method: "POST", path: b + "/session", cookie: cmpJoin(csrf, st+"="+alice), ctype: cmpCTForm, body: cmpForm("csrfToken", c.csrf, "data", "x")})
	c.run(p, "session-update/no-session", cmpReq{method: "POST", path: b + "/session", cookie: csrf, ctype: cmpCTJSON, body: `{"csrfToken":"` + c.csrf + `"}`})
	c.run(p, "session-update/null-fields", cmpReq{method: "POST", path: b + "/session", cookie: cmpJoin(csrf, st+"="+nameless), ctype: cmpCTJSON, body: `{"csrfToken":"` + c.csrf + `"}`})
	c.run(p, "session-update/invalid-json", cmpReq{method: "POST", path: b + "/session", cookie: cmpJoin(csrf, st+"="+alice), ctype: cmpCTJSON, body: `{"csrfToken":`})

	// Pages: status and headers only.
	get("page/signin", b+"/signin", "")
	get("page/signin-with-csrf", b+"/signin", csrf)
	get("page/signin-callbackUrl", b+"/signin?callbackUrl=%2Fdash", csrf)
	get("page/signin-error", b+"/signin?error=CredentialsSignin", csrf)
	get("page/signin-provider", b+"/signin/credentials", csrf)
	get("page/signin-unknown-provider", b+"/signin/nope", csrf)
	get("page/signout", b+"/signout", csrf)
	get("page/signout-with-session", b+"/signout", cmpJoin(csrf, st+"="+alice))
	get("page/verify-request", b+"/verify-request", csrf)
	get("page/verify-request-query", b+"/verify-request?provider=email&type=email", csrf)
	get("page/error", b+"/error", csrf)
	get("page/error-configuration", b+"/error?error=Configuration", csrf)
	get("page/error-accessdenied", b+"/error?error=AccessDenied", csrf)
	get("page/error-verification", b+"/error?error=Verification", csrf)
	get("page/error-in-path", b+"/error/Verification", csrf)
	get("page/error-other", b+"/error?error=Whatever", csrf)
	get("page/error-oauthsignin", b+"/error?error=OAuthSignin", csrf)
	get("page/error-credentialssignin", b+"/error?error=CredentialsSignin", csrf)

	// POST /signin/:id
	post := func(name, path, cookie, body string) {
		c.run(p, name, cmpReq{method: "POST", path: path, cookie: cookie, ctype: cmpCTForm, body: body})
	}
	post("signin/credentials", b+"/signin/credentials", csrf, cmpForm("csrfToken", c.csrf))
	post("signin/credentials-json", b+"/signin/credentials", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signin/credentials-no-csrf", b+"/signin/credentials", "", cmpForm("json", "false"))
	post("signin/credentials-no-csrf-json", b+"/signin/credentials", "", cmpForm("json", "true"))
	post("signin/corp", b+"/signin/corp", csrf, cmpForm("csrfToken", c.csrf, "callbackUrl", "/after"))
	post("signin/corp-json", b+"/signin/corp", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signin/corp-params", b+"/signin/corp?login_hint=jane%40example.com&prompt=login", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signin/corp-no-csrf-json", b+"/signin/corp", "", cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signin/corp-wrong-csrf-json", b+"/signin/corp", csrf, cmpForm("csrfToken", strings.Repeat("ab", 32), "json", "true"))
	post("signin/unknown-provider-json", b+"/signin/nope", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signin/no-provider-json", b+"/signin", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	c.run(p, "signin/corp-json-body", cmpReq{method: "POST", path: b + "/signin/corp", cookie: csrf, ctype: cmpCTJSON, body: `{"csrfToken":"` + c.csrf + `","json":"true"}`})
	c.run(p, "signin/corp-json-true-boolean", cmpReq{method: "POST", path: b + "/signin/corp", cookie: csrf, ctype: cmpCTJSON, body: `{"csrfToken":"` + c.csrf + `","json":true}`})

	// POST /callback/credentials. Alice signs in (or fails) 7 times here,
	// below our default limits of 10 per account and 30 per client a minute.
	cb := b + "/callback/credentials"
	post("callback-credentials/good-form", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword))
	post("callback-credentials/good-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword, "json", "true"))
	c.run(p, "callback-credentials/good-json-body", cmpReq{method: "POST", path: cb, cookie: csrf, ctype: cmpCTJSON,
		body: `{"csrfToken":"` + c.csrf + `","username":"alice","password":"` + cmpPassword + `","json":"true"}`})
	post("callback-credentials/good-callbackUrl", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword, "callbackUrl", "/dash", "json", "true"))
	post("callback-credentials/good-foreign-callbackUrl", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword, "callbackUrl", "https://evil.example/x", "json", "true"))
	post("callback-credentials/bad-password-form", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", "nope"))
	post("callback-credentials/bad-password-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", "nope", "json", "true"))
	post("callback-credentials/unknown-user-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "zed", "password", cmpPassword, "json", "true"))
	post("callback-credentials/no-csrf-form", cb, "", cmpForm("username", "alice", "password", cmpPassword))
	post("callback-credentials/no-csrf-json", cb, "", cmpForm("username", "alice", "password", cmpPassword, "json", "true"))
	post("callback-credentials/thrower-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "thrower", "password", cmpPassword, "json", "true"))
	post("callback-credentials/denied-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "denied", "password", cmpPassword, "json", "true"))
	post("callback-credentials/denied-form", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "denied", "password", cmpPassword))
	post("callback-credentials/nameless-json", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "nameless", "password", cmpPassword, "json", "true"))
	get("callback-credentials/GET", cb, csrf)

	// POST /signout
	so := b + "/signout"
	post("signout/no-csrf", so, st+"="+alice, cmpForm("json", "false"))
	post("signout/no-csrf-json", so, st+"="+alice, cmpForm("json", "true"))
	post("signout/no-session-json", so, csrf, cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signout/no-session-callbackUrl-json", so, csrf, cmpForm("csrfToken", c.csrf, "callbackUrl", "/bye", "json", "true"))
	post("signout/session-json", so, cmpJoin(csrf, st+"="+alice), cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signout/session-form", so, cmpJoin(csrf, st+"="+alice), cmpForm("csrfToken", c.csrf))
	post("signout/chunked-json", so, cmpJoin(csrf, st+".0="+bigChunks[0], st+".1="+bigChunks[1]), cmpForm("csrfToken", c.csrf, "json", "true"))
	post("signout/garbage-json", so, cmpJoin(csrf, st+"=garbage"), cmpForm("csrfToken", c.csrf, "json", "true"))

	// callbackUrl checks
	get("callbackurl/query-relative", b+"/session?callbackUrl=%2Fdash", csrf)
	get("callbackurl/query-foreign", b+"/session?callbackUrl=https%3A%2F%2Fevil.example%2F", csrf)
	get("callbackurl/query-javascript", b+"/session?callbackUrl=javascript%3Aalert(1)", csrf)
	get("callbackurl/page-query-javascript", b+"/signin?callbackUrl=javascript%3Aalert(1)", csrf)
	get("callbackurl/cookie-javascript", b+"/session", cmpJoin(csrf, "next-auth.callback-url=javascript%3Aalert(1)"))
	get("callbackurl/cookie-kept", b+"/session", cmpJoin(csrf, "next-auth.callback-url={origin-encoded}"))
	get("callbackurl/cookie-path-kept", b+"/session", cmpJoin(csrf, "next-auth.callback-url={origin-encoded}%2Fdash"))
	get("callbackurl/cookie-foreign", b+"/session", cmpJoin(csrf, "next-auth.callback-url=https%3A%2F%2Fevil.example%2F"))
	post("callbackurl/body-unparseable-json", so, csrf, cmpForm("csrfToken", c.csrf, "callbackUrl", "http://[::1", "json", "true"))

	// Unsupported methods and actions, and the log endpoint.
	for _, m := range [][2]string{
		{"PUT", "/session"}, {"DELETE", "/csrf"}, {"PATCH", "/providers"}, {"OPTIONS", "/session"},
		{"HEAD", "/session"}, {"HEAD", "/providers"}, {"GET", "/_log"}, {"POST", "/csrf"}, {"POST", "/providers"},
		{"GET", "/nope"}, {"POST", "/nope"}, {"GET", "/callback/nope"}, {"GET", "/callback"}, {"POST", "/error"},
		{"POST", "/verify-request"},
	} {
		c.run(p, "unsupported/"+m[0]+m[1], cmpReq{method: m[0], path: b + m[1], cookie: csrf})
	}
	post("log", b+"/_log", csrf, cmpForm("level", "error", "code", "SOME_CODE", "message", "hello", "client", "true"))
	// Our limit is 2 entries per client here (cmpConfig): the third is
	// refused, NextAuth has no limit.
	post("log/second", b+"/_log", csrf, cmpForm("level", "warn", "code", "SOME_CODE", "client", "true"))
	post("log/over-limit", b+"/_log", csrf, cmpForm("level", "error", "code", "SOME_CODE", "message", "hello", "client", "true"))

	// The base path itself, and trailing slashes.
	get("basepath/GET", b, csrf)
	get("basepath/GET-slash", b+"/", csrf)
	get("basepath/session-slash", b+"/session/", csrf)
	get("basepath/session-slash-query", b+"/session/?a=1", csrf)
	post("basepath/signout-slash", so+"/", csrf, cmpForm("csrfToken", c.csrf, "json", "true"))

	// A whole OpenID Connect sign-in, each server with its own cookies.
	oauth := cmpReq{jar: "oauth"}
	for _, s := range p.sides() {
		s.jars["oauth"] = newCmpJar(csrf)
	}
	r := oauth
	r.method, r.path, r.ctype, r.body = "POST", b+"/signin/corp", cmpCTForm, cmpForm("csrfToken", c.csrf, "callbackUrl", "/after", "json", "true")
	next, ours := c.run(p, "oauth/signin", r)
	p.each(func(s *cmpSide, res *cmpRes) {
		back := op.Login(t, cmpJSONURL(t, s, res))
		s.vars["oauth-callback"] = back.RequestURI()
	}, next, ours)
	r = oauth
	r.method, r.path = "GET", "{oauth-callback}"
	c.run(p, "oauth/callback", r)
	r.path = b + "/session"
	c.run(p, "oauth/session", r)
	r.path = "{oauth-callback}"
	c.run(p, "oauth/callback-replayed", r)
	get("oauth/callback-without-cookies", b+"/callback/corp?code=abc&state=def", csrf)
	get("oauth/callback-error", b+"/callback/corp?error=access_denied&state=def", csrf)
	// A callback with a sign-in's check cookies but another state: ours
	// deletes the check cookies, NextAuth keeps them.
	for _, s := range p.sides() {
		s.jars["oauth-mismatch"] = newCmpJar(csrf)
	}
	mm := cmpReq{jar: "oauth-mismatch", method: "POST", path: b + "/signin/corp", ctype: cmpCTForm, body: cmpForm("csrfToken", c.csrf, "json", "true")}
	c.run(p, "oauth/signin-for-mismatch", mm)
	mm = cmpReq{jar: "oauth-mismatch", method: "GET", path: b + "/callback/corp?code=abc&state=not-the-state"}
	c.run(p, "oauth/callback-state-mismatch", mm)
	r.method, r.path, r.ctype, r.body = "POST", so, cmpCTForm, cmpForm("csrfToken", c.csrf, "json", "true")
	c.run(p, "oauth/signout", r)
	r.method, r.path, r.ctype, r.body = "GET", b+"/session", "", ""
	c.run(p, "oauth/session-after-signout", r)

	// Credentials limits (ours only): 6 failures of one account, then its
	// right password; then failures of other accounts from the same client.
	for i := 1; i <= 6; i++ {
		post(fmt.Sprintf("ratelimit/lockout-%d", i), cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", "wrong", "json", "true"))
	}
	post("ratelimit/lockout-good", cb, csrf, cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword, "json", "true"))
	for i := 1; i <= 25; i++ {
		post(fmt.Sprintf("ratelimit/client-%02d", i), cb, csrf, cmpForm("csrfToken", c.csrf, "username", fmt.Sprintf("user%02d", i), "password", "wrong", "json", "true"))
	}
}

func (c *cmpRunner) databaseCases(p *cmpPair, op *authtest.OIDCProvider) {
	t := c.t
	const b = "/api/auth"
	const st = "next-auth.session-token"
	csrf := c.csrfCookie()
	alice := c.token(jwt.Claims{"name": "Alice", "email": "alice@example.com", "sub": "1"})
	get := func(name, path, cookie string) { c.run(p, name, cmpReq{method: "GET", path: path, cookie: cookie}) }
	post := func(name, path, cookie, body string) {
		c.run(p, name, cmpReq{method: "POST", path: path, cookie: cookie, ctype: cmpCTForm, body: body})
	}

	get("providers", b+"/providers", "")
	get("session/none", b+"/session", csrf)
	get("session/unknown-token", b+"/session", cmpJoin(csrf, st+"=7f1c1a4e-8d6b-4c5e-9a3f-2b1d0e9c8a7b"))
	get("session/jwe", b+"/session", cmpJoin(csrf, st+"="+alice))
	get("page/signin", b+"/signin", csrf)
	get("page/verify-request", b+"/verify-request?provider=email&type=email", csrf)

	se := b + "/signin/email"
	post("signin-email/no-csrf-json", se, "", cmpForm("email", "bob@example.com", "json", "true"))
	post("signin-email/invalid-address-json", se, csrf, cmpForm("csrfToken", c.csrf, "email", "not-an-address", "json", "true"))
	// Addresses this server refuses and NextAuth does not (compatibility notes, "E-mail addresses").
	post("signin-email/inner-space-json", se, csrf, cmpForm("csrfToken", c.csrf, "email", "dave smith@example.com", "json", "true"))
	post("signin-email/oversized-json", se, csrf, cmpForm("csrfToken", c.csrf, "email", strings.Repeat("d", 400)+"@example.com", "json", "true"))
	get("callback-email/no-token", b+"/callback/email?email=bob%40example.com", csrf)
	get("callback-email/bad-token", b+"/callback/email?token="+strings.Repeat("0", 64)+"&email=bob%40example.com", csrf)

	// A whole e-mail sign-in, each server with its own link and cookies.
	for _, s := range p.sides() {
		s.jars["email"] = newCmpJar(csrf)
	}
	r := cmpReq{jar: "email", method: "POST", path: se, ctype: cmpCTForm, body: cmpForm("csrfToken", c.csrf, "email", "Bob@Example.com", "callbackUrl", "/welcome", "json", "true")}
	c.run(p, "email/signin", r)
	links := [2]string{p.next.mail("bob@example.com"), p.ours.mail("bob@example.com")}
	c.compareValues(p, "email/link", "link", links[0], links[1])
	for i, s := range p.sides() {
		if !strings.HasPrefix(links[i], s.origin+"/") {
			t.Fatalf("%s: e-mail link %q is not on %s", s.name, links[i], s.origin)
		}
		s.vars["email-link"] = strings.TrimPrefix(links[i], s.origin)
	}
	r.method, r.path, r.ctype, r.body = "GET", "{email-link}", "", ""
	c.run(p, "email/callback", r)
	r.path = b + "/session"
	c.run(p, "email/session", r)
	r.method, r.ctype, r.body = "POST", cmpCTJSON, `{"csrfToken":"`+c.csrf+`","data":{"name":"Bob"}}`
	c.run(p, "email/session-update", r)
	r.method, r.path, r.ctype, r.body = "GET", "{email-link}", "", ""
	c.run(p, "email/callback-reused", r)
	r.method, r.path, r.ctype, r.body = "POST", b+"/signout", cmpCTForm, cmpForm("csrfToken", c.csrf, "json", "true")
	c.run(p, "email/signout", r)
	r.method, r.path, r.ctype, r.body = "GET", b+"/session", "", ""
	c.run(p, "email/session-after-signout", r)
	post("email/signin-form", se, csrf, cmpForm("csrfToken", c.csrf, "email", "carol@example.com"))

	// Credentials under database sessions.
	for _, s := range p.sides() {
		s.jars["credentials"] = newCmpJar(csrf)
	}
	r = cmpReq{jar: "credentials", method: "POST", path: b + "/callback/credentials", ctype: cmpCTForm,
		body: cmpForm("csrfToken", c.csrf, "username", "alice", "password", cmpPassword, "json", "true")}
	c.run(p, "credentials/signin", r)
	r.method, r.path, r.ctype, r.body = "GET", b+"/session", "", ""
	c.run(p, "credentials/session", r)

	// OpenID Connect under database sessions: the user is stored.
	for _, s := range p.sides() {
		s.jars["oauth"] = newCmpJar(csrf)
	}
	r = cmpReq{jar: "oauth", method: "POST", path: b + "/signin/corp", ctype: cmpCTForm, body: cmpForm("csrfToken", c.csrf, "json", "true")}
	next, ours := c.run(p, "oauth/signin", r)
	p.each(func(s *cmpSide, res *cmpRes) {
		s.vars["oauth-callback"] = op.Login(t, cmpJSONURL(t, s, res)).RequestURI()
	}, next, ours)
	r.method, r.path, r.ctype, r.body = "GET", "{oauth-callback}", "", ""
	c.run(p, "oauth/callback", r)
	r.path = b + "/session"
	c.run(p, "oauth/session", r)
	r.method, r.path, r.ctype, r.body = "POST", b+"/signout", cmpCTForm, cmpForm("csrfToken", c.csrf, "json", "true")
	c.run(p, "oauth/signout", r)

	// E-mail limits (ours only): 6 links for one address.
	for i := 1; i <= 6; i++ {
		post(fmt.Sprintf("ratelimit/email-%d", i), se, csrf, cmpForm("csrfToken", c.csrf, "email", "flood@example.com", "json", "true"))
	}
}

// cmpLastMail returns the last link compare.js logged for identifier.
func cmpLastMail(t *testing.T, file, identifier string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("NextAuth sent no e-mail: %v", err)
	}
	defer f.Close()
	var link string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Identifier, URL string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if m.Identifier == identifier {
			link = m.URL
		}
	}
	if link == "" {
		t.Fatalf("NextAuth sent no e-mail to %s", identifier)
	}
	return link
}

// report fails the test for every difference no entry of declared covers,
// logs the entries that no longer match anything, and writes the full
// report to $NEXTAUTH_COMPARE_REPORT when set.
func (c *cmpRunner) report(declared []*cmpDeclared) {
	t := c.t
	var full strings.Builder
	counts := map[string]int{}
	for _, k := range c.cases {
		var undeclared []cmpDiff
		for i := range k.diffs {
			d := &k.diffs[i]
			for _, e := range declared {
				if e.matches(k.name, *d) {
					d.declared = e
					e.used++
					break
				}
			}
			if d.declared == nil {
				undeclared = append(undeclared, *d)
				counts["undeclared"]++
			} else {
				counts[d.declared.Kind]++
			}
		}
		if len(k.diffs) == 0 {
			counts["same"]++
		}
		fmt.Fprintf(&full, "=== %s: %s\n", k.name, k.req)
		for _, f := range cmpFieldNames(k.next, k.ours) {
			a, b := cmpFieldValue(k.next, f), cmpFieldValue(k.ours, f)
			if a == b {
				fmt.Fprintf(&full, "  %-28s %s\n", f, a)
				continue
			}
			mark := "DIFFERS (undeclared)"
			for _, d := range k.diffs {
				if d.field == f && d.declared != nil {
					mark = "differs (" + d.declared.Kind + ")"
				}
			}
			fmt.Fprintf(&full, "  %-28s %s\n      nextauth: %s\n      ours:     %s\n", f, mark, a, b)
		}
		if len(undeclared) > 0 {
			var msg strings.Builder
			fmt.Fprintf(&msg, "%s: the answers differ\n  request: %s\n", k.name, k.req)
			for _, d := range undeclared {
				fmt.Fprintf(&msg, "  %s\n    nextauth: %s\n    ours:     %s\n", d.field, d.nextauth, d.ours)
			}
			msg.WriteString("  (a difference that is on purpose goes into testdata/compare/differences.json with its README note)")
			t.Error(msg.String())
		}
	}
	for _, e := range declared {
		if e.used > 0 {
			continue
		}
		switch e.Kind {
		case cmpKindToFix:
			t.Logf("compare: fixed? the %s entry (%s, %s) matched no difference: remove it from testdata/compare/differences.json", cmpKindToFix, e.Case, e.Field)
		default:
			t.Errorf("compare: the declared entry (%s, %s) of testdata/compare/differences.json matched no difference: the behaviour changed; update the entry (and README's note)", e.Case, e.Field)
		}
	}
	t.Logf("compare: %d cases: %d answered alike; %d differing fields declared in README, %d expected to be fixed, %d undeclared",
		len(c.cases), counts["same"], counts[cmpKindDeclared], counts[cmpKindToFix], counts["undeclared"])
	if out := os.Getenv("NEXTAUTH_COMPARE_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(full.String()), 0o644); err != nil {
			t.Error(err)
		} else {
			t.Logf("compare: full report in %s", out)
		}
	}
}
