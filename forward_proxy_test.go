package nextauth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/internal/browsertest"
)

// The forward-auth configurations of docs/forward-auth.md, run as written
// by Debian's nginx and Caddy in front of an upstream app.

// docBlock returns the one ```lang block of docs/forward-auth.md.
func docBlock(t *testing.T, lang string) string {
	t.Helper()
	b, err := os.ReadFile("docs/forward-auth.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)\n```"+lang+"\n(.*?)\n```\n").FindAllStringSubmatch(string(b), -1)
	if len(m) != 1 {
		t.Fatalf("docs/forward-auth.md has %d ```%s blocks, want 1", len(m), lang)
	}
	return m[0][1]
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

// startProxy runs cmd until the test ends and waits until addr answers
// HTTP.
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

// forwardStack starts the auth server, the upstream app and the proxy
// (nginx or caddy, configured from docs/forward-auth.md) in front of it.
func forwardStack(t *testing.T, proxy string, strategy nextauth.SessionStrategy) (proxyURL, authURL string, app *upstream) {
	bin := needBinary(t, proxy)
	app = newUpstream(t)
	proxyAddr := freeAddr(t)
	proxyURL = "http://" + proxyAddr

	// The auth server: its own loopback port, trusting the proxy (on
	// loopback too). Cookies do not care about ports, so the session
	// cookie set by the auth server goes to the proxy as well.
	auth := httptest.NewUnstartedServer(nil)
	authURL = "http://" + auth.Listener.Addr().String()
	h := newHandler(t, func(c *nextauth.Config) {
		c.URL = authURL + "/api/auth"
		c.Adapter = memory.New()
		c.Session.Strategy = strategy
		c.TrustProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.RedirectHosts = []string{"127.0.0.1"}
		c.Forward = &nextauth.ForwardConfig{Rules: []nextauth.ForwardRule{
			{Host: "127.0.0.1", Path: "/public", Public: true},
			{Host: "127.0.0.1", Path: "/ops", AllowEmails: []string{"ops@example.com"}},
			{Host: "127.0.0.1"},
			{Host: "public.test", Public: true},
		}}
	})
	auth.Config.Handler = h
	auth.Start()
	t.Cleanup(auth.Close)
	authHost := strings.TrimPrefix(authURL, "http://")
	appHost := strings.TrimPrefix(app.URL, "http://")

	dir := t.TempDir()
	switch proxy {
	case "nginx":
		block := docBlock(t, "nginx")
		block = strings.Replace(block, "listen 80;", "listen "+proxyAddr+";", 1)
		block = strings.ReplaceAll(block, "auth.internal:3000", authHost)
		block = strings.ReplaceAll(block, "app.internal:8080", appHost)
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
		startProxy(t, exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf")), proxyAddr)
	case "caddy":
		block := docBlock(t, "caddyfile")
		block = strings.Replace(block, "app.example.com {", "http://"+proxyAddr+" {", 1)
		block = strings.ReplaceAll(block, "auth.internal:3000", authHost)
		block = strings.ReplaceAll(block, "app.internal:8080", appHost)
		conf := "{\n\tadmin off\n\tauto_https off\n}\n" + block + "\n"
		if err := os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "run", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
		startProxy(t, cmd, proxyAddr)
	}

	return proxyURL, authURL, app
}

func testForwardProxy(t *testing.T, proxy string, strategy nextauth.SessionStrategy) {
	proxyURL, authURL, app := forwardStack(t, proxy, strategy)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
	seenCount := func() int {
		app.mu.Lock()
		defer app.mu.Unlock()
		return len(app.seen)
	}

	// No session: API clients get 401; nothing reaches the app.
	if resp := get(proxyURL+"/app", with(forged, map[string]string{"Accept": "application/json"})); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API request: %d, want 401", resp.StatusCode)
	}
	// A forged host does not make the request public: nginx overwrites
	// X-Original-URL but passes X-Forwarded-Uri on, Caddy the other way
	// round; with both, the check refuses the request as forged.
	wantForged := http.StatusForbidden
	if resp := get(proxyURL+"/app", map[string]string{"X-Forwarded-Host": "public.test", "X-Forwarded-Uri": "/", "X-Original-URL": "http://public.test/", "Accept": "application/json"}); resp.StatusCode != wantForged {
		t.Errorf("anonymous request claiming a public host: %d, want %d", resp.StatusCode, wantForged)
	}
	if resp := get(proxyURL+"/app", map[string]string{"X-Forwarded-Host": "public.test", "Accept": "application/json"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous request claiming a public host in X-Forwarded-Host: %d, want 401", resp.StatusCode)
	}
	if n := seenCount(); n != 0 {
		t.Fatalf("the app saw %d anonymous requests", n)
	}
	// A public path reaches the app, without the forged identity.
	if resp := get(proxyURL+"/public/page", forged); resp.StatusCode != http.StatusOK {
		t.Errorf("anonymous public request: %d, want 200", resp.StatusCode)
	} else if ids := identityHeaders(lastSeen()); len(ids) != 0 {
		t.Errorf("public anonymous request: the app saw identity headers %v", ids)
	}

	// A browser is sent to the sign-in page with the original URL.
	original := proxyURL + "/app/page?x=1&y=2"
	resp := get(original, map[string]string{"Accept": "text/html"})
	wantLoc := authURL + "/api/auth/signin?callbackUrl=" + url.QueryEscape(original)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wantLoc {
		t.Fatalf("anonymous browser request: %d Location %q, want 302 %q", resp.StatusCode, resp.Header.Get("Location"), wantLoc)
	}

	// Sign in as a browser would: the sign-in page (callback-url cookie),
	// the CSRF token, the credentials form; back to the original URL.
	if resp := get(wantLoc, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	csrfResp, err := browser.Get(authURL + "/api/auth/csrf")
	if err != nil {
		t.Fatal(err)
	}
	var csrf struct{ CSRFToken string }
	if err := json.NewDecoder(csrfResp.Body).Decode(&csrf); err != nil {
		t.Fatal(err)
	}
	_ = csrfResp.Body.Close()
	form := url.Values{"csrfToken": {csrf.CSRFToken}, "username": {"alice"}, "password": {"wonderland"}}
	resp, err = browser.PostForm(authURL+"/api/auth/callback/credentials", form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != original {
		t.Fatalf("credentials sign-in: %d Location %q, want 302 back to %q", resp.StatusCode, resp.Header.Get("Location"), original)
	}
	var sessionCookie string
	for _, c := range jar.Cookies(&url.URL{Scheme: "http", Host: "127.0.0.1"}) {
		if c.Name == "next-auth.session-token" {
			sessionCookie = c.Value
		}
	}
	if sessionCookie == "" {
		t.Fatal("no session cookie after sign-in")
	}

	// Signed in: the app gets the identity from the check, never the
	// forged one.
	for _, target := range []string{original, proxyURL + "/public/page"} {
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
	// A rule that does not allow Alice: 403, and the app sees nothing.
	before := seenCount()
	if resp := get(proxyURL+"/ops/x", forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("denied request: %d, want 403", resp.StatusCode)
	}
	if resp := get(proxyURL+"/public/..%2Fops/x", forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("ambiguous path: %d, want 403", resp.StatusCode)
	}
	if n := seenCount(); n != before {
		t.Errorf("the app saw %d denied requests", n-before)
	}

	// Sign out: the next request is refused, and so is a copy of the
	// old cookie.
	csrfResp, err = browser.Get(authURL + "/api/auth/csrf")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(csrfResp.Body).Decode(&csrf); err != nil {
		t.Fatal(err)
	}
	_ = csrfResp.Body.Close()
	resp, err = browser.PostForm(authURL+"/api/auth/signout", url.Values{"csrfToken": {csrf.CSRFToken}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	before = seenCount()
	if resp := get(original, map[string]string{"Accept": "application/json"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
	if resp := get(original, with(forged, map[string]string{"Accept": "application/json", "Cookie": "next-auth.session-token=" + sessionCookie})); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie after sign-out: %d, want 401", resp.StatusCode)
	}
	if n := seenCount(); n != before {
		t.Errorf("the app saw %d requests after sign-out", n-before)
	}
}

// TestForwardProxiesBrowser: headless Chromium opens the app behind each
// proxy, is sent to the sign-in page, signs in with the built-in
// credentials form, lands back on the app's URL and sees the identity the
// app received; after sign-out, opening the app sends it to sign in again.
func TestForwardProxiesBrowser(t *testing.T) {
	for _, proxy := range []string{"nginx", "caddy"} {
		t.Run(proxy, func(t *testing.T) {
			proxyURL, authURL, _ := forwardStack(t, proxy, nextauth.StrategyDatabase)
			ctx := browsertest.New(t)
			appURL := proxyURL + "/app/home?tab=1"
			signIn := authURL + "/api/auth/signin?callbackUrl=" + url.QueryEscape(appURL)
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
			// Sign out on the auth server's page: it returns to the app (the
			// callback URL), which is closed again and sends the browser to
			// sign in.
			if err := chromedp.Do(ctx,
				chromedp.Navigate(authURL+"/api/auth/signout"),
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
