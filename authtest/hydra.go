package authtest

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// HydraEnv is the environment variable that names the Ory Hydra binary
// [NewHydra] runs. scripts/test.sh builds the binary from the module in
// authtest/hydra and sets it.
const HydraEnv = "NEXTAUTH_TEST_HYDRA"

// HydraUser is a user of a [Hydra] login app. The login form takes the
// e-mail address (or the subject) as user name and [OIDCPassword].
type HydraUser struct {
	Subject string
	Email   string // claims email and email_verified=true (scope "email")
	Name    string // claims name and preferred_username (scope "profile")
}

// HydraOption configures [NewHydra].
type HydraOption func(*hydraOptions)

type hydraOptions struct {
	users []HydraUser
}

// WithHydraUser adds a user who can sign in (repeat for several). Without
// any, there is one user: sub "hydra-user", ada@example.com, "Ada
// Lovelace".
func WithHydraUser(sub, email, name string) HydraOption {
	return func(o *hydraOptions) { o.users = append(o.users, HydraUser{Subject: sub, Email: email, Name: name}) }
}

// Hydra is Ory Hydra, a real OpenID Provider of another code base than
// [OIDCProvider]'s, run as its own process on 127.0.0.1 with an in-memory
// SQLite database (DSN=memory), telemetry off, and the login and consent
// app Hydra leaves to its operator served here: a login form (the same
// element ids as [OIDCProvider]'s: #username, #password, #submit) that
// accepts the login request through Hydra's admin API, and a consent
// endpoint that grants the requested scopes and releases, as a consent app
// does, the claims they cover in the id_token (and so in userinfo):
// email and email_verified for "email", name and preferred_username for
// "profile". It stops when the test ends.
//
// The binary is [HydraBinary]: without one, NewHydra skips the test, or
// fails it when the environment variable CI is "true".
type Hydra struct {
	opts          hydraOptions
	issuer, admin string
	app           *httptest.Server
	http          *http.Client
}

// HydraBinary returns the Ory Hydra binary [NewHydra] runs: $NEXTAUTH_TEST_HYDRA,
// else the one scripts/test.sh builds into [HydraCachePath] when that file
// exists; "" when there is none.
func HydraBinary() string {
	if p := os.Getenv(HydraEnv); p != "" {
		return p
	}
	if p, err := HydraCachePath(); err == nil {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// HydraCachePath is where scripts/test.sh builds Ory Hydra:
// <user cache dir>/nextauth-test/hydra-<key>/hydra, key being the first
// 16 hex digits of the SHA-256 of authtest/hydra's go.mod, go.sum and
// main.go, in that order, so that a change of the pinned version builds
// anew.
func HydraCachePath() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("authtest: no source path")
	}
	src := filepath.Join(filepath.Dir(file), "hydra")
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "nextauth-test", "hydra-"+hex.EncodeToString(h.Sum(nil))[:16], "hydra"), nil
}

// NewHydra starts Ory Hydra and its login and consent app. Problems are
// reported with t.Fatal.
func NewHydra(t testing.TB, opts ...HydraOption) *Hydra {
	t.Helper()
	bin := HydraBinary()
	if bin == "" {
		msg := fmt.Sprintf("authtest: no Ory Hydra binary: set %s, or run ./scripts/test.sh setup, which builds it from authtest/hydra", HydraEnv)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: not skipping)")
		}
		t.Skip(msg)
	}
	var o hydraOptions
	for _, f := range opts {
		f(&o)
	}
	if len(o.users) == 0 {
		o.users = []HydraUser{{Subject: "hydra-user", Email: "ada@example.com", Name: "Ada Lovelace"}}
	}
	h := &Hydra{opts: o, http: &http.Client{Timeout: 10 * time.Second}}
	h.app = httptest.NewServer(http.HandlerFunc(h.serveApp))
	t.Cleanup(h.app.Close)

	// A port chosen free may be taken before Hydra binds it: Hydra then
	// exits, and it is started again on others.
	for attempt := 1; ; attempt++ {
		err := h.start(t, bin)
		if err == nil {
			break
		}
		if attempt == 3 || !errors.Is(err, errHydraExited) {
			t.Fatal(err)
		}
		t.Logf("%v: starting it again on other ports", err)
	}
	return h
}

// errHydraExited: Hydra stopped before it was ready.
var errHydraExited = errors.New("authtest: Ory Hydra exited at start")

// start runs Hydra on two free ports and waits until it is ready; it is
// stopped when the test ends. Its log is shown if the test fails.
func (h *Hydra) start(t testing.TB, bin string) error {
	t.Helper()
	public, admin := freeLoopbackPort(t), freeLoopbackPort(t)
	h.issuer = "http://127.0.0.1:" + public
	h.admin = "http://127.0.0.1:" + admin
	dir := t.TempDir()
	logPath := filepath.Join(dir, "hydra.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	// Only these: Hydra reads any of its settings from the environment.
	cmd.Env = []string{
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT=" + public,
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT=" + admin,
		"URLS_SELF_ISSUER=" + h.issuer,
		"URLS_LOGIN=" + h.app.URL + "/login",
		"URLS_CONSENT=" + h.app.URL + "/consent",
		"URLS_ERROR=" + h.app.URL + "/error",
		"SECRETS_SYSTEM=" + oidcRandom(),
		"SQA_OPT_OUT=true",
		"LOG_LEVEL=info",
		"LOG_LEAK_SENSITIVE_VALUES=false",
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("authtest: starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			logTail(t, logPath, 60)
		}
	})

	// Ready when the admin API says so and the public one answers
	// discovery (which also makes the signing keys).
	deadline := time.Now().Add(60 * time.Second)
	for !h.ready() {
		select {
		case <-exited:
			logTail(t, logPath, 20)
			return errHydraExited
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("authtest: Ory Hydra not ready after %v", time.Since(start))
		}
	}
	t.Logf("authtest: Ory Hydra ready at %s in %v", h.issuer, time.Since(start).Round(time.Millisecond))
	return nil
}

// ready reports whether Hydra serves both APIs and its signing keys.
// Hydra makes its key set on the first request for it, which takes seconds
// on a busy machine: asking for it here keeps that time out of the client
// under test, whose key download has a short timeout.
func (h *Hydra) ready() bool {
	for _, u := range []string{h.admin + "/health/ready", h.issuer + "/.well-known/openid-configuration", h.issuer + "/.well-known/jwks.json"} {
		res, err := h.http.Get(u)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// freeLoopbackPort is a port nothing listens on at 127.0.0.1 now.
func freeLoopbackPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// logTail logs the last n lines of the file at path.
func logTail(t testing.TB, path string, n int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	for _, l := range lines[max(0, len(lines)-n):] {
		t.Log("hydra: " + l)
	}
}

// Issuer is Hydra's issuer, http://127.0.0.1:<public port>.
func (h *Hydra) Issuer() string { return h.issuer }

// AuthorizationEndpoint is Hydra's authorization endpoint.
func (h *Hydra) AuthorizationEndpoint() string { return h.issuer + "/oauth2/auth" }

// Users are the users who can sign in; the first is [Hydra.Login]'s.
func (h *Hydra) Users() []HydraUser { return slices.Clone(h.opts.users) }

// NewClient registers a confidential client through Hydra's admin API, as
// an operator would for an app: the authorization_code and refresh_token
// grants, the scopes openid, offline_access, profile and email,
// client_secret_basic, and these redirect URIs. It returns its id and
// secret.
func (h *Hydra) NewClient(t testing.TB, redirectURIs ...string) (id, secret string) {
	t.Helper()
	id, secret = "nextauth-"+oidcRandom()[:12], oidcRandom()
	body, _ := json.Marshal(map[string]any{
		"client_id":                  id,
		"client_name":                "nextauth-go tests",
		"client_secret":              secret,
		"redirect_uris":              redirectURIs,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      "openid offline_access profile email",
		"token_endpoint_auth_method": "client_secret_basic",
	})
	if err := h.adminCall(http.MethodPost, "/admin/clients", body, nil); err != nil {
		t.Fatalf("authtest: registering a Hydra client: %v", err)
	}
	return id, secret
}

// adminCall sends a JSON request to Hydra's admin API and decodes its
// JSON answer into out (when not nil); any status but 200 and 201 is an
// error.
func (h *Hydra) adminCall(method, path string, body []byte, out any) error {
	req, err := http.NewRequest(method, h.admin+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	res, err := h.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// hydraLoginPage is the login form: the same ids as oidcLoginPage's.
var hydraLoginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Ory Hydra sign-in (authtest)</title></head>
<body>
<form method="post" action="/login">
<input type="hidden" name="challenge" value="{{.Challenge}}">
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<label for="username">User name</label> <input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
<button id="submit" type="submit">Sign in</button>
</form>
</body>
</html>
`))

// serveApp is the login and consent app Hydra sends the browser to.
func (h *Hydra) serveApp(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login":
		h.serveLogin(w, r)
	case "/consent":
		h.serveConsent(w, r)
	case "/error":
		http.Error(w, "authtest: Ory Hydra error: "+r.URL.Query().Get("error")+": "+r.URL.Query().Get("error_description"), http.StatusBadRequest)
	default:
		http.NotFound(w, r)
	}
}

// serveLogin shows the form (GET ?login_challenge=) and, on the right
// credentials (POST), accepts the login request and sends the browser on
// to Hydra.
func (h *Hydra) serveLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	render := func(challenge, msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hydraLoginPage.Execute(w, struct{ Challenge, Error string }{challenge, msg})
	}
	switch r.Method {
	case http.MethodGet:
		challenge := r.Form.Get("login_challenge")
		var req struct {
			Skip    bool   `json:"skip"`
			Subject string `json:"subject"`
		}
		if err := h.adminCall(http.MethodGet, "/admin/oauth2/auth/requests/login?login_challenge="+url.QueryEscape(challenge), nil, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if req.Skip {
			h.acceptLogin(w, r, challenge, req.Subject)
			return
		}
		render(challenge, "")
	case http.MethodPost:
		challenge := r.PostForm.Get("challenge")
		name, password := r.PostForm.Get("username"), r.PostForm.Get("password")
		for _, u := range h.opts.users {
			if (name == u.Email || name == u.Subject) && hmac.Equal([]byte(password), []byte(OIDCPassword)) {
				h.acceptLogin(w, r, challenge, u.Subject)
				return
			}
		}
		render(challenge, "Wrong user name or password.")
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Hydra) acceptLogin(w http.ResponseWriter, r *http.Request, challenge, subject string) {
	body, _ := json.Marshal(map[string]any{"subject": subject, "remember": false})
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := h.adminCall(http.MethodPut, "/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(challenge), body, &out); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, out.RedirectTo, http.StatusFound)
}

// serveConsent grants what the client asked for, as a first-party consent
// app does without a screen, with the claims the granted scopes cover.
func (h *Hydra) serveConsent(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get("consent_challenge")
	var req struct {
		Subject        string   `json:"subject"`
		RequestedScope []string `json:"requested_scope"`
		Audience       []string `json:"requested_access_token_audience"`
	}
	if err := h.adminCall(http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	claims := map[string]any{}
	for _, u := range h.opts.users {
		if u.Subject != req.Subject {
			continue
		}
		for _, s := range req.RequestedScope {
			switch s {
			case "email":
				claims["email"], claims["email_verified"] = u.Email, true
			case "profile":
				claims["name"], claims["preferred_username"] = u.Name, u.Email
			}
		}
	}
	body, _ := json.Marshal(map[string]any{
		"grant_scope":                 req.RequestedScope,
		"grant_access_token_audience": req.Audience,
		"remember":                    false,
		"session":                     map[string]any{"id_token": claims},
	})
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := h.adminCall(http.MethodPut, "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+url.QueryEscape(challenge), body, &out); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, out.RedirectTo, http.StatusFound)
}

// Login follows authURL as a browser would, signs the first user in on
// the login form and returns where Hydra finally redirects: the client's
// redirect_uri with code and state (or error). It fails the test if
// anything else answers.
func (h *Hydra) Login(t testing.TB, authURL string) *url.URL {
	t.Helper()
	u := h.opts.users[0]
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ours := func(u *url.URL) bool {
		origin := u.Scheme + "://" + u.Host
		return origin == h.issuer || origin == h.app.URL
	}
	target, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authtest: authorization URL %q: %v", authURL, err)
	}
	posted := false // the form is posted once
	for range 20 {
		res, err := client.Get(target.String())
		if err != nil {
			t.Fatalf("authtest: GET %s: %v", target, err)
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode == http.StatusOK && target.Path == "/login" && strings.HasPrefix(target.String(), h.app.URL) && !posted {
			posted = true
			if !bytes.Contains(body, []byte(`id="username"`)) {
				t.Fatalf("authtest: login page has no form: %s", body)
			}
			res, err = client.PostForm(h.app.URL+"/login", url.Values{
				"challenge": {target.Query().Get("login_challenge")},
				"username":  {u.Email}, "password": {OIDCPassword},
			})
			if err != nil {
				t.Fatalf("authtest: POST /login: %v", err)
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
		if !ours(next) {
			return next
		}
		target = next
	}
	t.Fatalf("authtest: too many redirects from %s", authURL)
	return nil
}
