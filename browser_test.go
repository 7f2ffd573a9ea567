package nextauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
	"github.com/nextauth-go/nextauth/provider"
)

// browserApp serves the unchanged next-auth/react client (bundled by
// internal/nodetest) on "/" and our handler on /api/auth, same origin, as
// an app behind a Next.js rewrite would.
func browserApp(t *testing.T, mutate ...func(*nextauth.Config)) *httptest.Server {
	t.Helper()
	bundle := nodetest.ClientBundle(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h := newHandler(t, func(c *nextauth.Config) {
		c.URL = srv.URL + "/api/auth"
		c.Callbacks.JWT = func(_ context.Context, p nextauth.JWTParams) (jwt.Claims, error) {
			if m, ok := p.Session.(map[string]any); ok && p.Trigger == nextauth.TriggerUpdate {
				if name, ok := m["name"].(string); ok {
					p.Token["name"] = name
				}
			}
			return p.Token, nil
		}
		for _, m := range mutate {
			m(c)
		}
	})
	mux.Handle("/api/auth/", h)
	mux.HandleFunc("GET /client.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, bundle)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>app</title><div id="app"></div><script src="/client.js"></script>`)
	})
	return srv
}

func waitStatus(t *testing.T, ctx context.Context, status string) {
	t.Helper()
	expr := fmt.Sprintf(`document.getElementById("status")?.textContent === %q`, status)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for #status %s: %v", status, err)
	}
}

// evalJSON runs a promise-returning expression in the page and decodes its
// JSON.stringify'd result into v.
func evalJSON(t *testing.T, ctx context.Context, expr string, v any) {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => JSON.stringify(await (`+expr+`)))()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%s = %s: %v", expr, s, err)
	}
}

// TestRealClient drives the unchanged next-auth/react client in headless
// Chromium against the handler: getProviders, getCsrfToken, signIn with
// credentials failing and succeeding, getSession, useSession, update and
// signOut.
func TestRealClient(t *testing.T) {
	srv := browserApp(t)
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ctx, "unauthenticated")

	var providers map[string]map[string]string
	evalJSON(t, ctx, `NextAuth.getProviders()`, &providers)
	if providers["credentials"]["callbackUrl"] != srv.URL+"/api/auth/callback/credentials" {
		t.Errorf("getProviders() = %v", providers)
	}
	var csrf string
	evalJSON(t, ctx, `NextAuth.getCsrfToken()`, &csrf)
	if len(csrf) != 64 {
		t.Errorf("getCsrfToken() = %q, want 64 hex characters", csrf)
	}

	type signInResult struct {
		Error  *string
		Status int
		OK     bool
		URL    *string
	}
	var res signInResult
	evalJSON(t, ctx, `NextAuth.signIn("credentials", {redirect: false, username: "alice", password: "wrong"})`, &res)
	if res.Error == nil || *res.Error != "CredentialsSignin" || res.Status != 401 || res.OK || res.URL != nil {
		t.Errorf("signIn with a wrong password = %+v, want error CredentialsSignin, status 401", res)
	}
	evalJSON(t, ctx, `NextAuth.signIn("credentials", {redirect: false, username: "alice", password: "wonderland", callbackUrl: "/dash"})`, &res)
	if res.Error != nil || res.Status != 200 || !res.OK || res.URL == nil || *res.URL != srv.URL+"/dash" {
		t.Errorf("signIn = %+v, want ok with url %s/dash", res, srv.URL)
	}
	waitStatus(t, ctx, "authenticated")

	var sess struct {
		User    map[string]string
		Expires string
	}
	evalJSON(t, ctx, `NextAuth.getSession()`, &sess)
	if sess.User["email"] != "alice@example.com" || sess.User["name"] != "Alice" {
		t.Errorf("getSession() = %+v", sess)
	}
	if _, err := time.Parse(time.RFC3339, sess.Expires); err != nil {
		t.Errorf("getSession().expires = %q: %v", sess.Expires, err)
	}

	evalJSON(t, ctx, `NextAuth.update({name: "Alice B."})`, &sess)
	if sess.User["name"] != "Alice B." {
		t.Errorf("update({name}) = %+v, want the new name", sess)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("session").textContent.includes("Alice B.")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("useSession did not show the updated name: %v", err)
	}

	var out struct{ URL string }
	evalJSON(t, ctx, `NextAuth.signOut({redirect: false, callbackUrl: "/bye"})`, &out)
	if out.URL != srv.URL+"/bye" {
		t.Errorf("signOut() = %+v, want url %s/bye", out, srv.URL)
	}
	var after any
	evalJSON(t, ctx, `NextAuth.getSession()`, &after)
	if after != nil {
		t.Errorf("getSession() after signOut = %v, want null", after)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "unauthenticated")
}

// waitLocation waits until the browser has navigated to want (through any
// redirects).
func waitLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var loc string
	for time.Now().Before(deadline) {
		if l, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			if loc = l; loc == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("browser at %q, want %q", loc, want)
}

// TestBuiltInPagesInBrowser clicks through the built-in sign-in page's
// credentials form and the sign-out page.
func TestBuiltInPagesInBrowser(t *testing.T) {
	srv := browserApp(t)
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/api/auth/signin?callbackUrl=%2F"),
		chromedp.SendKeys(chromedp.ID("input-username-for-credentials-provider"), "alice"),
		chromedp.SendKeys(chromedp.ID("input-password-for-credentials-provider"), "wrong"),
		chromedp.Submit(chromedp.ID("input-password-for-credentials-provider")),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/api/auth/signin?error=CredentialsSignin")
	// The sign-in page shows the error; sign in properly now.
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(".error")),
		chromedp.SendKeys(chromedp.ID("input-username-for-credentials-provider"), "alice"),
		chromedp.SendKeys(chromedp.ID("input-password-for-credentials-provider"), "wonderland"),
		chromedp.Click(chromedp.CSS(`form[action$="/callback/credentials"] button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "authenticated")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/api/auth/signout"),
		chromedp.Click(chromedp.ID("submitButton")),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "unauthenticated")
}

// TestRealClientDatabaseSessions runs the real client against database
// sessions: credentials sign-in, an e-mail link, update and sign-out.
func TestRealClientDatabaseSessions(t *testing.T) {
	a := memory.New()
	box := &outbox{}
	var srvURL string
	srv := browserApp(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, provider.Email(provider.EmailConfig{Sender: box}))
		srvURL = c.URL
	})
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ctx, "unauthenticated")
	var res struct {
		Error  *string
		Status int
		OK     bool
		URL    *string
	}
	evalJSON(t, ctx, `NextAuth.signIn("credentials", {redirect: false, username: "alice", password: "wonderland"})`, &res)
	if !res.OK || res.Error != nil {
		t.Fatalf("credentials signIn = %+v", res)
	}
	waitStatus(t, ctx, "authenticated")
	var out struct{ URL string }
	evalJSON(t, ctx, `NextAuth.signOut({redirect: false})`, &out)
	waitStatus(t, ctx, "unauthenticated")

	evalJSON(t, ctx, `NextAuth.signIn("email", {redirect: false, email: "Eve@Example.com"})`, &res)
	if !res.OK || res.URL == nil || *res.URL != srvURL+"/verify-request?provider=email&type=email" {
		t.Fatalf("email signIn = %+v", res)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(box.last(t).URL)); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "authenticated")
	var sess struct{ User map[string]string }
	evalJSON(t, ctx, `NextAuth.getSession()`, &sess)
	if sess.User["email"] != "eve@example.com" {
		t.Errorf("session after the e-mail link = %+v", sess)
	}
	evalJSON(t, ctx, `NextAuth.signOut({redirect: false})`, &out)
	waitStatus(t, ctx, "unauthenticated")
}
