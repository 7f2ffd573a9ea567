package authtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Paths of the OpenID Provider's endpoints (zitadel's defaults, plus the
// login page).
const (
	oidcPathDiscovery = "/.well-known/openid-configuration"
	oidcPathAuthorize = "/authorize"
	oidcPathCallback  = "/authorize/callback"
	oidcPathToken     = "/oauth/token"
	oidcPathUserinfo  = "/userinfo"
	oidcPathKeys      = "/keys"
	oidcPathLogin     = "/login"
)

// OIDCPassword is every [OIDCUser]'s password on the login form.
const OIDCPassword = "authtest-password"

// OIDCUser is a user of an [OIDCProvider]. The login form takes the e-mail
// address (or the subject) as user name and [OIDCPassword].
type OIDCUser struct {
	Subject string
	Email   string // claims email and email_verified=true (scope "email")
	Name    string // claim name (scope "profile")
	Picture string // claim picture (scope "profile"); may be empty
	// Groups is the groups claim (scope "profile"), in the id_token and
	// the userinfo answer; none when empty.
	Groups []string
	// Claims are more claims (scope "profile"), in the id_token and the
	// userinfo answer, as an identity provider adds its own (Keycloak's
	// realm_access, say).
	Claims map[string]any
}

// OIDCOption configures [NewOIDCProvider].
type OIDCOption func(*oidcOptions)

type oidcOptions struct {
	clientID, clientSecret string
	redirectURIs           []string
	authMethod             string
	users                  []OIDCUser
	autoApprove            bool
	responseIss            bool

	tokenStatus      int
	tokenContentType string
	tokenBody        string
	tokenDelay       time.Duration
	userinfoBody     *string
	idTokenMutator   func(claims map[string]any)
	idTokenHS256     bool
	unknownKey       bool
	discoveryMutator func(doc map[string]any)
	listener         net.Listener
}

// WithClient sets the registered client's id and secret (default: random).
func WithClient(id, secret string) OIDCOption {
	return func(o *oidcOptions) { o.clientID, o.clientSecret = id, secret }
}

// WithRedirectURI registers a redirect URI (repeat for several). Without
// one, any http loopback redirect URI (127.0.0.1, localhost, [::1], any
// port and path) is accepted.
func WithRedirectURI(uri string) OIDCOption {
	return func(o *oidcOptions) { o.redirectURIs = append(o.redirectURIs, uri) }
}

// WithAuthMethod sets the client authentication the token endpoint
// requires: "client_secret_basic" (default), "client_secret_post" or
// "none" (PKCE then required). A token request authenticated any other way
// gets 401 invalid_client, and discovery advertises only this method.
func WithAuthMethod(method string) OIDCOption {
	return func(o *oidcOptions) { o.authMethod = method }
}

// WithUser adds a user who can sign in (repeat for several). The first
// user is the one [OIDCProvider.Login] and WithAutoApprove sign in. Without
// any, there is one user: sub "authtest-user", jane.doe@example.com, "Jane
// Doe".
func WithUser(sub, email, name string) OIDCOption {
	return func(o *oidcOptions) { o.users = append(o.users, OIDCUser{Subject: sub, Email: email, Name: name}) }
}

// WithGroups gives the last user added (WithUser) a groups claim.
func WithGroups(groups ...string) OIDCOption {
	return func(o *oidcOptions) {
		if n := len(o.users); n > 0 {
			o.users[n-1].Groups = append([]string(nil), groups...)
		}
	}
}

// WithClaims gives the last user added (WithUser) more claims (see
// [OIDCUser.Claims]).
func WithClaims(claims map[string]any) OIDCOption {
	return func(o *oidcOptions) {
		if n := len(o.users); n > 0 {
			o.users[n-1].Claims = claims
		}
	}
}

// WithAutoApprove makes the login page sign the first user in at once,
// without showing the form.
func WithAutoApprove() OIDCOption {
	return func(o *oidcOptions) { o.autoApprove = true }
}

// WithAuthorizationResponseIss adds the RFC 9207 iss parameter to
// authorization responses (code and error) and advertises
// authorization_response_iss_parameter_supported in discovery.
func WithAuthorizationResponseIss() OIDCOption {
	return func(o *oidcOptions) { o.responseIss = true }
}

// WithTokenStatus makes the token endpoint answer status with a plain-text
// body instead of tokens.
func WithTokenStatus(status int) OIDCOption {
	return WithTokenResponse(status, "text/plain; charset=utf-8", http.StatusText(status)+"\n")
}

// WithTokenResponse makes the token endpoint answer status, contentType
// and body instead of tokens (e.g. a form-encoded body, or an OAuth error
// JSON).
func WithTokenResponse(status int, contentType, body string) OIDCOption {
	return func(o *oidcOptions) { o.tokenStatus, o.tokenContentType, o.tokenBody = status, contentType, body }
}

// WithTokenDelay makes the token endpoint wait d before answering (or
// until the client gives up).
func WithTokenDelay(d time.Duration) OIDCOption {
	return func(o *oidcOptions) { o.tokenDelay = d }
}

// WithUserinfoBody makes the userinfo endpoint answer 200 with body
// (labelled application/json whatever it is).
func WithUserinfoBody(body string) OIDCOption {
	return func(o *oidcOptions) { o.userinfoBody = &body }
}

// WithIDTokenMutator lets f change the claims of every id_token the token
// endpoint issues (JSON numbers are float64); the token is signed again
// with the current key: wrong nonce, aud, azp or iss, expired, missing
// claims, …
func WithIDTokenMutator(f func(claims map[string]any)) OIDCOption {
	return func(o *oidcOptions) { o.idTokenMutator = f }
}

// WithIDTokenHS256 signs id_tokens with HS256 keyed by the client secret
// (as LINE does) instead of RS256.
func WithIDTokenHS256() OIDCOption {
	return func(o *oidcOptions) { o.idTokenHS256 = true }
}

// WithUnknownSigningKey signs id_tokens with an RSA key whose key id the
// JWKS never lists.
func WithUnknownSigningKey() OIDCOption {
	return func(o *oidcOptions) { o.unknownKey = true }
}

// WithDiscoveryMutator lets f change the discovery document before it is
// served (e.g. an issuer with a {tenantid} placeholder).
func WithDiscoveryMutator(f func(doc map[string]any)) OIDCOption {
	return func(o *oidcOptions) { o.discoveryMutator = f }
}

// WithListener serves the provider on ln instead of a new listener on
// 127.0.0.1:0; the issuer is http://<ln's address>. For a provider that
// must come up at an address known before (one a server under test was
// configured with while nothing listened there). ln is closed when the
// test ends.
func WithListener(ln net.Listener) OIDCOption {
	return func(o *oidcOptions) { o.listener = ln }
}

// OIDCProvider is a real OpenID Provider for tests: zitadel's op package
// on 127.0.0.1 with an in-memory store, one confidential client, a login
// form, PKCE (S256), nonce, userinfo, a JWKS and rotating refresh tokens
// (scope offline_access); plus fault injection on the token, userinfo and
// discovery answers. It stops when the test ends.
type OIDCProvider struct {
	t      testing.TB
	opts   oidcOptions
	srv    *httptest.Server
	op     *op.Provider
	store  *oidcStorage
	issuer string

	unknown *oidcKey // WithUnknownSigningKey's key

	mu   sync.Mutex
	hits map[string]int
}

// NewOIDCProvider starts an OpenID Provider on 127.0.0.1:0 (or
// [WithListener]'s listener); its issuer is http://127.0.0.1:<port>.
// Problems are reported with t.Fatal.
func NewOIDCProvider(t testing.TB, opts ...OIDCOption) *OIDCProvider {
	t.Helper()
	o := oidcOptions{authMethod: string(oidc.AuthMethodBasic)}
	for _, f := range opts {
		f(&o)
	}
	if o.clientID == "" {
		o.clientID = "authtest-client-" + oidcRandom()[:8]
	}
	if o.clientSecret == "" {
		o.clientSecret = oidcRandom()
	}
	if len(o.users) == 0 {
		o.users = []OIDCUser{{Subject: "authtest-user", Email: "jane.doe@example.com", Name: "Jane Doe"}}
	}
	var method oidc.AuthMethod
	switch o.authMethod {
	case string(oidc.AuthMethodBasic), string(oidc.AuthMethodPost), string(oidc.AuthMethodNone):
		method = oidc.AuthMethod(o.authMethod)
	default:
		t.Fatalf("authtest: unsupported auth method %q", o.authMethod)
	}

	p := &OIDCProvider{t: t, opts: o, hits: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(nil)
	t.Cleanup(p.srv.Close)
	if o.listener != nil {
		_ = p.srv.Listener.Close()
		p.srv.Listener = o.listener
	}
	p.issuer = "http://" + p.srv.Listener.Addr().String()
	p.store = &oidcStorage{
		client: &oidcClient{
			id: o.clientID, secret: o.clientSecret, method: method, redirectURIs: o.redirectURIs,
			loginURL: func(id string) string { return p.issuer + oidcPathLogin + "?authRequestID=" + url.QueryEscape(id) },
		},
		users:    o.users,
		requests: map[string]*oidcAuthRequest{},
		codes:    map[string]string{},
		tokens:   map[string]*oidcAccessToken{},

		refreshTokens: map[string]*oidcRefreshToken{},
	}
	if _, err := p.store.rotate(); err != nil {
		t.Fatal(err)
	}
	if o.unknownKey {
		k, err := newOIDCKey(0)
		if err != nil {
			t.Fatal(err)
		}
		k.id = "authtest-unknown-key"
		p.unknown = k
	}

	var crypto [32]byte
	if _, err := rand.Read(crypto[:]); err != nil {
		t.Fatal(err)
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:             crypto,
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
	}, p.store, op.StaticIssuer(p.issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("authtest: openid provider: %v", err)
	}
	p.op = provider

	mux := http.NewServeMux()
	mux.HandleFunc(oidcPathLogin, p.serveLogin)
	mux.HandleFunc(oidcPathToken, p.serveToken)
	mux.HandleFunc(oidcPathUserinfo, p.serveUserinfo)
	mux.HandleFunc(oidcPathDiscovery, p.serveDiscovery)
	mux.HandleFunc(oidcPathCallback, p.serveWithIss(provider))
	mux.Handle("/", provider)
	p.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits[r.URL.Path]++
		p.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
	p.srv.Start()
	return p
}

// Issuer is the provider's issuer, http://127.0.0.1:<port>.
func (p *OIDCProvider) Issuer() string { return p.issuer }

// DiscoveryURL is {issuer}/.well-known/openid-configuration.
func (p *OIDCProvider) DiscoveryURL() string { return p.issuer + oidcPathDiscovery }

// AuthorizationEndpoint is the authorization endpoint's URL.
func (p *OIDCProvider) AuthorizationEndpoint() string { return p.issuer + oidcPathAuthorize }

// TokenEndpoint is the token endpoint's URL.
func (p *OIDCProvider) TokenEndpoint() string { return p.issuer + oidcPathToken }

// UserinfoEndpoint is the userinfo endpoint's URL.
func (p *OIDCProvider) UserinfoEndpoint() string { return p.issuer + oidcPathUserinfo }

// JWKSURI is the JSON Web Key Set's URL.
func (p *OIDCProvider) JWKSURI() string { return p.issuer + oidcPathKeys }

// ClientID is the registered client's id.
func (p *OIDCProvider) ClientID() string { return p.opts.clientID }

// ClientSecret is the registered client's secret.
func (p *OIDCProvider) ClientSecret() string { return p.opts.clientSecret }

// Users are the users who can sign in; the first is the default.
func (p *OIDCProvider) Users() []OIDCUser { return append([]OIDCUser(nil), p.opts.users...) }

// KeyID is the id of the key id_tokens are signed with now.
func (p *OIDCProvider) KeyID() string { return p.store.currentKey().id }

// RotateKey makes a new signing key. The JWKS lists it first, followed by
// the older keys.
func (p *OIDCProvider) RotateKey() {
	p.t.Helper()
	if _, err := p.store.rotate(); err != nil {
		p.t.Fatal(err)
	}
}

// DiscoveryRequests counts requests for the discovery document.
func (p *OIDCProvider) DiscoveryRequests() int { return p.count(oidcPathDiscovery) }

// JWKSRequests counts requests for the JSON Web Key Set.
func (p *OIDCProvider) JWKSRequests() int { return p.count(oidcPathKeys) }

// TokenRequests counts token endpoint requests.
func (p *OIDCProvider) TokenRequests() int { return p.count(oidcPathToken) }

// UserinfoRequests counts userinfo endpoint requests.
func (p *OIDCProvider) UserinfoRequests() int { return p.count(oidcPathUserinfo) }

func (p *OIDCProvider) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// Login follows authURL as a browser would, signs the first user in on
// the login form and returns where the provider finally redirects: the
// client's redirect_uri with code and state (or error). It fails the test
// if the provider answers anything else.
func (p *OIDCProvider) Login(t testing.TB, authURL string) *url.URL {
	t.Helper()
	return p.LoginAs(t, authURL, p.opts.users[0].Email, OIDCPassword)
}

// LoginAs is [OIDCProvider.Login] with the given user name and password.
// A wrong password fails the test.
func (p *OIDCProvider) LoginAs(t testing.TB, authURL, username, password string) *url.URL {
	t.Helper()
	return p.authorize(t, authURL, url.Values{"username": {username}, "password": {password}})
}

// Deny follows authURL and refuses on the login form: the result is the
// redirect_uri with error=access_denied.
func (p *OIDCProvider) Deny(t testing.TB, authURL string) *url.URL {
	t.Helper()
	return p.authorize(t, authURL, url.Values{"deny": {"1"}})
}

func (p *OIDCProvider) authorize(t testing.TB, authURL string, form url.Values) *url.URL {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	target, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authtest: authorization URL %q: %v", authURL, err)
	}
	for range 10 {
		res, err := client.Get(target.String())
		if err != nil {
			t.Fatalf("authtest: GET %s: %v", target, err)
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode == http.StatusOK && target.Path == oidcPathLogin && p.owns(target) {
			if !bytes.Contains(body, []byte(`id="username"`)) {
				t.Fatalf("authtest: login page has no form: %s", body)
			}
			f := url.Values{"authRequestID": {target.Query().Get("authRequestID")}}
			for k, v := range form {
				f[k] = v
			}
			res, err = client.PostForm(p.issuer+oidcPathLogin, f)
			if err != nil {
				t.Fatalf("authtest: POST %s: %v", oidcPathLogin, err)
			}
			body, _ = io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
		}
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			t.Fatalf("authtest: %s answered %s: %s", res.Request.URL, res.Status, bytes.TrimSpace(body))
		}
		next, err := res.Request.URL.Parse(res.Header.Get("Location"))
		if err != nil {
			t.Fatalf("authtest: bad redirect %q: %v", res.Header.Get("Location"), err)
		}
		if !p.owns(next) {
			return next
		}
		target = next
	}
	t.Fatalf("authtest: too many redirects from %s", authURL)
	return nil
}

// owns reports whether u points at this provider.
func (p *OIDCProvider) owns(u *url.URL) bool {
	return u.Scheme+"://"+u.Host == p.issuer
}

// oidcLoginPage is the login form; a browser test fills #username and
// #password and clicks #submit (or #deny).
var oidcLoginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>authtest sign-in</title></head>
<body>
<form method="post" action="/login">
<input type="hidden" name="authRequestID" value="{{.ID}}">
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<label for="username">User name</label> <input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
<button id="submit" type="submit">Sign in</button>
<button id="deny" type="submit" name="deny" value="1">Deny</button>
</form>
</body>
</html>
`))

// serveLogin shows the login form (GET) and checks it (POST): the right
// credentials approve the auth request and send the browser to the
// provider's callback, which redirects to the client with a code; "deny"
// sends the client error=access_denied.
func (p *OIDCProvider) serveLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Form.Get("authRequestID")
	req, ok := p.store.request(id)
	if !ok {
		http.Error(w, "authtest: unknown auth request", http.StatusBadRequest)
		return
	}
	render := func(msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := oidcLoginPage.Execute(w, struct{ ID, Error string }{id, msg}); err != nil {
			p.t.Errorf("authtest: login page: %v", err)
		}
	}
	var subject string
	switch {
	case r.Method == http.MethodGet && p.opts.autoApprove:
		subject = p.opts.users[0].Subject
	case r.Method == http.MethodGet:
		render("")
		return
	case r.Method != http.MethodPost:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case r.PostForm.Get("deny") != "":
		p.withIss(w, r, func(w http.ResponseWriter, r *http.Request) {
			op.AuthRequestError(w, r, req, oidc.ErrAccessDenied().WithDescription("the user denied the request"), p.op)
		})
		return
	default:
		name, password := r.PostForm.Get("username"), r.PostForm.Get("password")
		for _, u := range p.opts.users {
			if (name == u.Email || name == u.Subject) && hmac.Equal([]byte(password), []byte(OIDCPassword)) {
				subject = u.Subject
			}
		}
		if subject == "" {
			render("Wrong user name or password.")
			return
		}
	}
	if err := p.store.approve(id, subject); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.issuer+oidcPathCallback+"?id="+url.QueryEscape(id), http.StatusFound)
}

// serveWithIss runs h, adding iss to its redirects to the client when
// WithAuthorizationResponseIss is set.
func (p *OIDCProvider) serveWithIss(h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { p.withIss(w, r, h.ServeHTTP) }
}

func (p *OIDCProvider) withIss(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if !p.opts.responseIss {
		h(w, r)
		return
	}
	rec := httptest.NewRecorder()
	h(rec, r)
	if loc, err := url.Parse(rec.Header().Get("Location")); err == nil && rec.Code/100 == 3 && !p.owns(loc) {
		q := loc.Query()
		q.Set("iss", p.issuer)
		loc.RawQuery = q.Encode()
		rec.Header().Set("Location", loc.String())
	}
	copyRecorded(w, rec, rec.Body.Bytes())
}

// serveToken is zitadel's token endpoint behind the fault options and the
// client authentication check.
func (p *OIDCProvider) serveToken(w http.ResponseWriter, r *http.Request) {
	if d := p.opts.tokenDelay; d > 0 {
		// Read the body first: only then does the server watch the
		// connection and end r's context when the client gives up.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if p.opts.tokenStatus != 0 {
		w.Header().Set("Content-Type", p.opts.tokenContentType)
		w.WriteHeader(p.opts.tokenStatus)
		io.WriteString(w, p.opts.tokenBody)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _, basic := r.BasicAuth()
	post := r.PostForm.Has("client_secret")
	var ok bool
	switch p.opts.authMethod {
	case string(oidc.AuthMethodBasic):
		ok = basic && !post
	case string(oidc.AuthMethodPost):
		ok = post && !basic
	default:
		ok = !basic && !post
	}
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"authtest: the client must authenticate with %s"}`, p.opts.authMethod)
		return
	}
	rec := httptest.NewRecorder()
	p.op.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var err error
		if body, err = p.rewriteTokenResponse(body); err != nil {
			p.t.Errorf("authtest: rewriting the token response: %v", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	copyRecorded(w, rec, body)
}

// copyRecorded writes a recorded answer with body.
func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// rewriteTokenResponse drops the id_token when the scope has no "openid"
// (a plain OAuth 2.0 request: zitadel issues one anyway) and applies the
// id_token options.
func (p *OIDCProvider) rewriteTokenResponse(body []byte) ([]byte, error) {
	var res map[string]any
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	scope, _ := res["scope"].(string)
	if !slices.Contains(strings.Fields(scope), oidc.ScopeOpenID) {
		delete(res, "id_token")
		return json.Marshal(res)
	}
	if p.opts.idTokenMutator == nil && !p.opts.idTokenHS256 && p.unknown == nil {
		return body, nil
	}
	raw, _ := res["id_token"].(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("no id_token")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	if p.opts.idTokenMutator != nil {
		p.opts.idTokenMutator(claims)
	}
	if res["id_token"], err = p.signIDToken(claims); err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// signIDToken signs claims as the options say: HS256 with the client
// secret, the unknown key, or the current key.
func (p *OIDCProvider) signIDToken(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	if p.opts.idTokenHS256 {
		// By hand: go-jose refuses secrets shorter than 32 bytes.
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		input := head + "." + base64.RawURLEncoding.EncodeToString(payload)
		mac := hmac.New(sha256.New, []byte(p.opts.clientSecret))
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
	}
	key := p.store.currentKey()
	if p.unknown != nil {
		key = p.unknown
	}
	return signRS256(key.priv, key.id, payload)
}

func signRS256(priv *rsa.PrivateKey, kid string, payload []byte) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// serveUserinfo is zitadel's userinfo endpoint unless WithUserinfoBody
// replaces its answer.
func (p *OIDCProvider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if p.opts.userinfoBody != nil {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, *p.opts.userinfoBody)
		return
	}
	p.op.ServeHTTP(w, r)
}

// serveDiscovery is zitadel's discovery document with the client's one
// auth method, the iss parameter support and WithDiscoveryMutator applied.
func (p *OIDCProvider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	p.op.ServeHTTP(rec, r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); rec.Code != http.StatusOK || err != nil {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	doc["token_endpoint_auth_methods_supported"] = []string{p.opts.authMethod}
	if p.opts.responseIss {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	if p.opts.discoveryMutator != nil {
		p.opts.discoveryMutator(doc)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	copyRecorded(w, rec, body)
}

// oidcRandom is 32 random bytes in base64url.
func oidcRandom() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
