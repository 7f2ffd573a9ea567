package nextauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/internal/config"
	"github.com/nextauth-go/nextauth/internal/nextapptest"
	"github.com/nextauth-go/nextauth/internal/nodetest"
)

// The forward-auth configurations of docs/forward-auth.md, run as written
// by Debian's nginx and Caddy: over TLS on loopback, with a certificate
// made here for host names under example.test (a reserved TLD), the auth
// server behind the same proxy at its own host name, and a session cookie
// for the parent domain.

// forwardDomain stands for the docs' example.com.
const forwardDomain = "example.test"

// docBlock returns the one ```lang block of docs/forward-auth.md that
// contains marker.
func docBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	b, err := os.ReadFile("docs/forward-auth.md")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, m := range regexp.MustCompile("(?s)\n```"+lang+"\n(.*?)\n```\n").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], marker) {
			found = append(found, m[1])
		}
	}
	if len(found) != 1 {
		t.Fatalf("docs/forward-auth.md has %d ```%s blocks with %q, want 1", len(found), lang, marker)
	}
	return found[0]
}

// testPKI is a CA and a server certificate it signed, in files.
type testPKI struct {
	certFile, keyFile string         // the server's chain and key, PEM
	roots             *x509.CertPool // the CA
	spki              string         // base64 SHA-256 of the server's public key, as Chromium pins it
}

// newTestPKI makes a CA and a certificate for names in dir.
func newTestPKI(t *testing.T, dir string, names ...string) testPKI {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	caKey, leafKey := newKey(), newKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nextauth test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), roots: x509.NewCertPool()}
	p.roots.AddCert(ca)
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := os.WriteFile(p.certFile, chain, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	p.spki = base64.StdEncoding.EncodeToString(sum[:])
	return p
}

// needBinary finds a proxy binary: missing, the test skips, or fails
// under CI=true.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		p, err = exec.LookPath("/usr/sbin/" + name) // nginx, outside a user's PATH
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must provide it (scripts/test.sh setup installs the Debian package)", name)
		}
		t.Skipf("%s not found: skipping (apt-get install %s, or scripts/test.sh setup)", name, name)
	}
	return p
}

// freeAddr is a loopback address nothing listens on (at the time).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// startProxy runs cmd until the test ends and waits until addr accepts
// connections.
func startProxy(t *testing.T, cmd *exec.Cmd, addr string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", cmd.Path, err, out.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s:\n%s", cmd.Path, addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// upstream is the app behind the proxy: it answers with the request
// headers it received, as JSON.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Header.Clone())
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.RequestURI(), "headers": r.Header})
	}))
	t.Cleanup(u.Close)
	return u
}

// identityHeaders are the X-Auth-Request-* headers among h, whatever
// their spelling (X_Auth_Request_User is the same header to CGI and WSGI).
func identityHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if n := strings.ReplaceAll(strings.ToLower(k), "_", "-"); strings.HasPrefix(n, "x-auth-request-") {
			out[n] = strings.Join(v, ",")
		}
	}
	return out
}

func TestForwardProxies(t *testing.T) {
	for _, strategy := range []nextauth.SessionStrategy{nextauth.StrategyJWT, nextauth.StrategyDatabase} {
		t.Run("nginx/"+string(strategy), func(t *testing.T) { testForwardProxy(t, "nginx", strategy) })
		t.Run("caddy/"+string(strategy), func(t *testing.T) { testForwardProxy(t, "caddy", strategy) })
	}
}

// forwardSite is the auth server, two apps and the proxy in front of all
// three, serving https://{auth,app,grafana,docs}.example.test on one
// loopback port.
type forwardSite struct {
	proxyAddr    string // where the proxy serves HTTPS
	pki          testPKI
	app, grafana *upstream
}

// url is https://host.example.test/path.
func (s *forwardSite) url(host, path string) string {
	return "https://" + host + "." + forwardDomain + path
}

// client is an HTTP client that reaches every *.example.test host at the
// proxy and trusts the test CA; it follows no redirect.
func (s *forwardSite) client(jar http.CookieJar) *http.Client {
	var d net.Dialer
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: s.pki.roots},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil || port != "443" || !strings.HasSuffix(host, "."+forwardDomain) {
					return nil, fmt.Errorf("dial %s: not a test host", addr)
				}
				return d.DialContext(ctx, network, s.proxyAddr)
			},
		},
	}
}

// docsForwardConfig is the configuration of docs/forward-auth.md#one-sign-in-for-the-whole-domain
// with example.com read as example.test, url replaced when url is not "",
// and the test's credentials provider.
func docsForwardConfig(t *testing.T, url string) (nextauth.Config, error) {
	t.Helper()
	yaml := strings.ReplaceAll(docBlock(t, "yaml", "session_token:"), "example.com", forwardDomain)
	if url != "" {
		yaml = regexp.MustCompile(`(?m)^url: .*$`).ReplaceAllString(yaml, "url: "+url)
	}
	f, err := config.Parse("forward-auth.yaml", []byte(yaml), func(k string) string {
		if k == "NEXTAUTH_SECRET" {
			return testSecret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		return cfg, err
	}
	base := testConfig(nil)
	cfg.Providers, cfg.Logger = base.Providers, base.Logger
	return cfg, nil
}

// forwardStack starts the auth server, two apps and the proxy (nginx or
// caddy, configured from docs/forward-auth.md) in front of them.
func forwardStack(t *testing.T, proxy string, strategy nextauth.SessionStrategy) *forwardSite {
	bin := needBinary(t, proxy)
	dir := t.TempDir()
	s := &forwardSite{
		proxyAddr: freeAddr(t),
		pki:       newTestPKI(t, dir, "auth."+forwardDomain, "app."+forwardDomain, "grafana."+forwardDomain, "docs."+forwardDomain),
		app:       newUpstream(t),
		grafana:   newUpstream(t),
	}

	cfg, err := docsForwardConfig(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != s.url("auth", "/api/auth") {
		t.Fatalf("the docs' url is %q", cfg.URL)
	}
	cfg.Adapter = memory.New()
	cfg.Session.Strategy = strategy
	h, err := nextauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	auth := httptest.NewServer(h)
	t.Cleanup(auth.Close)
	authHost := strings.TrimPrefix(auth.URL, "http://")
	appHost := strings.TrimPrefix(s.app.URL, "http://")
	grafanaHost := strings.TrimPrefix(s.grafana.URL, "http://")
	files := strings.NewReplacer(
		"/etc/ssl/certs/example.com.pem", s.pki.certFile,
		"/etc/ssl/private/example.com.key", s.pki.keyFile,
		"auth.internal:3000", authHost,
		"app.internal:8080", appHost,
		"grafana.internal:3000", grafanaHost,
		"example.com", forwardDomain,
	)

	switch proxy {
	case "nginx":
		block := docBlock(t, "nginx", "")
		// The test's copy of the app's server block for grafana.
		_, appBlock, ok := strings.Cut(block, "# An app behind the check.")
		if !ok {
			t.Fatal("docs/forward-auth.md: the nginx block has no app server block")
		}
		grafanaBlock := strings.NewReplacer("server_name app.example.com;", "server_name grafana.example.com;", "app.internal:8080", "grafana.internal:3000").Replace(appBlock)
		if grafanaBlock == appBlock {
			t.Fatal("no grafana copy of the app's server block")
		}
		block = strings.ReplaceAll(files.Replace(block+"\n"+grafanaBlock), "listen 443 ssl;", "listen "+s.proxyAddr+" ssl;")
		conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[2]s
}
`, dir, block)
		if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		startProxy(t, exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf")), s.proxyAddr)
	case "caddy":
		_, port, _ := net.SplitHostPort(s.proxyAddr)
		_, httpPort, _ := net.SplitHostPort(freeAddr(t))
		// The docs' block as written; the global options only move Caddy
		// to the test's ports and keep it from serving HTTP redirects.
		conf := fmt.Sprintf("{\n\tadmin off\n\tauto_https disable_redirects\n\thttp_port %s\n\thttps_port %s\n\tdefault_bind 127.0.0.1\n}\n", httpPort, port) +
			files.Replace(docBlock(t, "caddyfile", "")) + "\n"
		if err := os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "run", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
		startProxy(t, cmd, s.proxyAddr)
	}
	return s
}

// TestForwardParentDomainNeedsHTTPS: the parent-domain session cookie of
// the docs under an http url is a configuration error, in the YAML's
// terms.
func TestForwardParentDomainNeedsHTTPS(t *testing.T) {
	cfg, err := docsForwardConfig(t, "http://auth."+forwardDomain+"/api/auth")
	if err == nil {
		_, err = nextauth.New(cfg)
	}
	if err == nil || !strings.Contains(err.Error(), "cookies.session_token.domain needs an https url") {
		t.Fatalf("New with a parent-domain session cookie under http: %v, want the cookies.session_token.domain problem", err)
	}
	// The same configuration under https starts.
	cfg, err = docsForwardConfig(t, "")
	if err == nil {
		_, err = nextauth.New(cfg)
	}
	if err != nil {
		t.Fatalf("New with the docs' configuration: %v", err)
	}
}

func testForwardProxy(t *testing.T, proxy string, strategy nextauth.SessionStrategy) {
	site := forwardStack(t, proxy, strategy)
	app := site.app
	jar, _ := cookiejar.New(nil)
	browser := site.client(jar)
	forged := map[string]string{
		"X-Auth-Request-User":  "forged-user",
		"X-Auth-Request-Email": "ops@example.com",
		"X-Auth-Request-Name":  "Forged",
		"X_Auth_Request_User":  "forged-underscore",
	}
	get := func(target string, hdr map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = []string{v} // as sent, not canonicalised
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp
	}
	with := func(a, b map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out
	}
	lastSeen := func() http.Header {
		app.mu.Lock()
		defer app.mu.Unlock()
		if len(app.seen) == 0 {
			return nil
		}
		return app.seen[len(app.seen)-1]
	}
	seenCount := func(u *upstream) int {
		u.mu.Lock()
		defer u.mu.Unlock()
		return len(u.seen)
	}
	csrfToken := func() string {
		t.Helper()
		resp, err := browser.Get(site.url("auth", "/api/auth/csrf"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var csrf struct{ CSRFToken string }
		if err := json.NewDecoder(resp.Body).Decode(&csrf); err != nil || csrf.CSRFToken == "" {
			t.Fatalf("GET /csrf on the auth host: %d, %v", resp.StatusCode, err)
		}
		return csrf.CSRFToken
	}
	const sessionCookieName = "__Secure-next-auth.session-token"

	// No session: API clients get 401; nothing reaches the apps.
	original := site.url("app", "/app/page?x=1&y=2")
	for _, target := range []string{original, site.url("grafana", "/d/home")} {
		if resp := get(target, with(forged, map[string]string{"Accept": "application/json"})); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous API request to %s: %d, want 401", target, resp.StatusCode)
		}
	}
	// A forged host does not make the request public: nginx overwrites
	// X-Original-URL but passes X-Forwarded-Uri on, Caddy the other way
	// round; with both, the check refuses the request as forged.
	publicHost := "docs." + forwardDomain
	if resp := get(original, map[string]string{"X-Forwarded-Host": publicHost, "X-Forwarded-Uri": "/", "X-Original-URL": "https://" + publicHost + "/", "Accept": "application/json"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous request claiming a public host: %d, want 403", resp.StatusCode)
	}
	if resp := get(original, map[string]string{"X-Forwarded-Host": publicHost, "Accept": "application/json"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous request claiming a public host in X-Forwarded-Host: %d, want 401", resp.StatusCode)
	}
	if n := seenCount(app) + seenCount(site.grafana); n != 0 {
		t.Fatalf("the apps saw %d anonymous requests", n)
	}
	// A public path reaches the app, without the forged identity.
	if resp := get(site.url("app", "/public/page"), forged); resp.StatusCode != http.StatusOK {
		t.Errorf("anonymous public request: %d, want 200", resp.StatusCode)
	} else if ids := identityHeaders(lastSeen()); len(ids) != 0 {
		t.Errorf("public anonymous request: the app saw identity headers %v", ids)
	}

	// A browser is sent to the sign-in page on the auth host with the
	// original URL.
	resp := get(original, map[string]string{"Accept": "text/html"})
	wantLoc := site.url("auth", "/api/auth/signin?callbackUrl="+url.QueryEscape(original))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wantLoc {
		t.Fatalf("anonymous browser request: %d Location %q, want 302 %q", resp.StatusCode, resp.Header.Get("Location"), wantLoc)
	}

	// Sign in as a browser would: the sign-in page (callback-url cookie),
	// the CSRF token, the credentials form; back to the original URL on
	// the app's host (redirect_hosts).
	if resp := get(wantLoc, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	form := url.Values{"csrfToken": {csrfToken()}, "username": {"alice"}, "password": {"wonderland"}}
	resp, err := browser.PostForm(site.url("auth", "/api/auth/callback/credentials"), form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != original {
		t.Fatalf("credentials sign-in: %d Location %q, want 302 back to %q", resp.StatusCode, resp.Header.Get("Location"), original)
	}
	var sessionCookie string
	for _, sc := range resp.Cookies() {
		if sc.Name == sessionCookieName {
			if sc.Domain != forwardDomain || !sc.Secure || !sc.HttpOnly {
				t.Errorf("session cookie %s: want Domain=%s, Secure, HttpOnly", sc, forwardDomain)
			}
			sessionCookie = sc.Value
		}
	}
	if sessionCookie == "" {
		t.Fatalf("no %s cookie after sign-in: %q", sessionCookieName, resp.Header.Values("Set-Cookie"))
	}

	// Signed in: the app gets the identity from the check, never the
	// forged one.
	for _, target := range []string{original, site.url("app", "/public/page")} {
		resp = get(target, with(forged, map[string]string{"Accept": "text/html"}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("signed-in request to %s: %d", target, resp.StatusCode)
		}
		ids := identityHeaders(lastSeen())
		want := map[string]string{"x-auth-request-email": "alice@example.com", "x-auth-request-name": "Alice"}
		if strategy == nextauth.StrategyJWT {
			want["x-auth-request-user"] = "1"
		} else if id := ids["x-auth-request-user"]; id == "" || id == "forged-user" || strings.Contains(id, ",") {
			t.Errorf("%s: X-Auth-Request-User %q", target, id)
		} else {
			want["x-auth-request-user"] = id
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%s: the app saw identity headers %v, want %v", target, ids, want)
		}
	}
	// Rules that do not allow Alice: 403, and the apps see nothing.
	before := seenCount(app)
	for _, target := range []string{site.url("app", "/ops/x"), site.url("app", "/public/..%2Fops/x"), site.url("grafana", "/d/home")} {
		if resp := get(target, forged); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", target, resp.StatusCode)
		}
	}
	if n := seenCount(app) - before + seenCount(site.grafana); n != 0 {
		t.Errorf("the apps saw %d denied requests", n)
	}

	// Sign out on the auth host: the app refuses the next request, and
	// a copy of the old cookie.
	resp, err = browser.PostForm(site.url("auth", "/api/auth/signout"), url.Values{"csrfToken": {csrfToken()}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	before = seenCount(app)
	if resp := get(original, map[string]string{"Accept": "application/json"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
	if resp := get(original, with(forged, map[string]string{"Accept": "application/json", "Cookie": sessionCookieName + "=" + sessionCookie})); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie after sign-out: %d, want 401", resp.StatusCode)
	}
	if n := seenCount(app) - before; n != 0 {
		t.Errorf("the app saw %d requests after sign-out", n)
	}
}

// TestForwardProxiesBrowser: headless Chromium, resolving *.example.test
// to the proxy and pinning the test certificate's key, opens the app
// behind each proxy over https, is sent to the sign-in page on the auth
// host, signs in with the built-in credentials form, lands back on the
// app's URL and sees the identity the app received; grafana refuses the
// user (403); after sign-out on the auth host, opening the app sends it to
// sign in again.
func TestForwardProxiesBrowser(t *testing.T) {
	for _, proxy := range []string{"nginx", "caddy"} {
		t.Run(proxy, func(t *testing.T) {
			site := forwardStack(t, proxy, nextauth.StrategyDatabase)
			_, port, _ := net.SplitHostPort(site.proxyAddr)
			ctx := browsertest.New(t,
				chromedp.Flag("host-resolver-rules", "MAP *."+forwardDomain+":443 127.0.0.1:"+port),
				chromedp.Flag("ignore-certificate-errors-spki-list", site.pki.spki),
			)
			appURL := site.url("app", "/app/home?tab=1")
			signIn := site.url("auth", "/api/auth/signin?callbackUrl="+url.QueryEscape(appURL))
			if err := chromedp.Do(ctx, chromedp.Navigate(appURL)); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, signIn)
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("input-username-for-credentials-provider"), "alice"),
				chromedp.SendKeys(chromedp.ID("input-password-for-credentials-provider"), "wonderland"),
				chromedp.Click(chromedp.CSS(`form[action$="/callback/credentials"] button[type=submit]`)),
			); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, appURL)
			page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Path    string
				Headers map[string][]string
			}
			if err := json.Unmarshal([]byte(page), &got); err != nil {
				t.Fatalf("app page %q: %v", page, err)
			}
			if got.Path != "/app/home?tab=1" || fmt.Sprint(got.Headers["X-Auth-Request-Email"]) != "[alice@example.com]" || fmt.Sprint(got.Headers["X-Auth-Request-Name"]) != "[Alice]" {
				t.Errorf("the app saw %+v", got)
			}

			// The browser holds one session cookie, for the whole domain.
			cookies, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
				return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url("grafana", "/")}})
			})
			if err != nil {
				t.Fatal(err)
			}
			var shared []string
			for _, c := range cookies.Cookies {
				if strings.Contains(c.Name, "session-token") {
					shared = append(shared, fmt.Sprintf("%s domain=%s secure=%v", c.Name, c.Domain, c.Secure))
				}
			}
			if want := "__Secure-next-auth.session-token domain=." + forwardDomain + " secure=true"; fmt.Sprint(shared) != "["+want+"]" {
				t.Errorf("session cookies for grafana's host: %q, want [%s]", shared, want)
			}

			// Grafana's rule wants a group Alice lacks.
			res, err := chromedp.Run(ctx, chromedp.NavigateResponse(site.url("grafana", "/d/home")))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusForbidden {
				t.Errorf("grafana: %d, want 403", res.Status)
			}
			site.grafana.mu.Lock()
			if n := len(site.grafana.seen); n != 0 {
				t.Errorf("grafana saw %d requests", n)
			}
			site.grafana.mu.Unlock()

			// Sign out on the auth server's page: it returns to the app (the
			// callback URL), which is closed again and sends the browser to
			// sign in.
			if err := chromedp.Do(ctx,
				chromedp.Navigate(site.url("auth", "/api/auth/signout")),
				chromedp.Click(chromedp.ID("submitButton")),
			); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, signIn)
			if err := chromedp.Do(ctx, chromedp.Navigate(appURL)); err != nil {
				t.Fatal(err)
			}
			waitLocation(t, ctx, signIn)
		})
	}
}

// TestForwardNextMiddleware runs the Next.js middleware example of
// docs/forward-auth.md as written, outside a Next.js build
// (testdata/node/middleware.cjs: next/server of the pinned Next.js app,
// the types stripped by esbuild), against the running server under the
// database strategy, which NextAuth's own middleware cannot read.
func TestForwardNextMiddleware(t *testing.T) {
	nextDir, _ := nextapptest.Prepare(t)
	host := "app." + forwardDomain
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = memory.New()
		c.Session.Strategy = nextauth.StrategyDatabase
		c.TrustProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Forward = &nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{
			{Host: host, Path: "/dashboard/ops", AllowEmails: []string{"ops@example.com"}},
			{Host: host},
		}}
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	active, revoked := newClient(t, h), newClient(t, h)
	active.signIn()
	revoked.signIn()
	if err := h.RevokeSession(context.Background(), revoked.jar["next-auth.session-token"]); err != nil {
		t.Fatal(err)
	}
	cookie := func(c *client) string { return "next-auth.session-token=" + c.jar["next-auth.session-token"] }
	forged := "X-Auth-Request-Name"
	page := "https://" + host + "/dashboard/x?tab=1"
	type result struct {
		Status  int
		Headers map[string]string
	}
	var out struct {
		Matcher []string
		Results []result
	}
	nodetest.RunScript(t, "middleware.cjs", map[string]any{
		"source": docBlock(t, "ts", "export async function middleware"), "nextAppDir": nextDir, "authUrl": srv.URL,
		"cases": []map[string]any{
			{"url": page, "headers": map[string]string{forged: "Forged"}},
			{"url": page, "headers": map[string]string{"cookie": cookie(active), forged: "Forged"}},
			{"url": "https://" + host + "/dashboard/ops", "headers": map[string]string{"cookie": cookie(active)}},
			{"url": page, "headers": map[string]string{"cookie": cookie(revoked)}},
		},
	}, &out)
	if len(out.Results) != 4 {
		t.Fatalf("node answered %+v", out)
	}
	signIn := "https://" + host + "/api/auth/signin?callbackUrl=" + url.QueryEscape(page)
	for i, r := range []result{out.Results[0], out.Results[3]} {
		if r.Status != http.StatusTemporaryRedirect || r.Headers["location"] != signIn {
			t.Errorf("case %d without a valid session: %d %q, want 307 to %s", i, r.Status, r.Headers["location"], signIn)
		}
	}
	ok := out.Results[1]
	if ok.Status != http.StatusOK || ok.Headers["x-middleware-next"] != "1" ||
		ok.Headers["x-middleware-request-x-auth-request-email"] != "alice@example.com" ||
		ok.Headers["x-middleware-request-x-auth-request-name"] != "Alice" ||
		ok.Headers["x-middleware-request-x-auth-request-user"] == "" {
		t.Errorf("signed in: %d %v, want the page with Alice's identity as request headers", ok.Status, ok.Headers)
	}
	if denied := out.Results[2]; denied.Status != http.StatusForbidden || denied.Headers["x-middleware-next"] != "" {
		t.Errorf("denied by a rule: %d %v, want 403", denied.Status, denied.Headers)
	}
	if fmt.Sprint(out.Matcher) != "[/dashboard/:path*]" {
		t.Errorf("matcher %v", out.Matcher)
	}
}
