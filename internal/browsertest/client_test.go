package browsertest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/internal/nodetest"
)

const appPage = `<!doctype html>
<title>app</title>
<div id="app"></div>
<script src="/client.js"></script>`

// TestClientBundle loads the real next-auth/react bundle against a stub of
// /api/auth and checks that useSession renders the session, that
// getCsrfToken and getProviders read their endpoints, and that update posts
// {csrfToken, data} to /api/auth/session and renders the answer.
func TestClientBundle(t *testing.T) {
	bundle := nodetest.ClientBundle(t)

	var (
		mu      sync.Mutex
		updates []map[string]any
		name    = "Ada"
	)
	session := func() map[string]any {
		return map[string]any{"user": map[string]any{"name": name}, "expires": "2030-01-01T00:00:00.000Z"}
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, appPage)
	})
	mux.HandleFunc("GET /client.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, bundle)
	})
	mux.HandleFunc("GET /api/auth/session", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, session())
	})
	mux.HandleFunc("POST /api/auth/session", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		updates = append(updates, body)
		if d, ok := body["data"].(map[string]any); ok {
			if n, ok := d["name"].(string); ok {
				name = n
			}
		}
		writeJSON(w, session())
	})
	mux.HandleFunc("GET /api/auth/csrf", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"csrfToken": "csrf-123"})
	})
	mux.HandleFunc("GET /api/auth/providers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"github": map[string]string{
			"id": "github", "name": "GitHub", "type": "oauth",
			"signinUrl": "http://x/api/auth/signin/github", "callbackUrl": "http://x/api/auth/callback/github",
		}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("status")?.textContent === "authenticated"`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for #status authenticated: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("session"))); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(got, `"name":"Ada"`) {
		t.Errorf("#session = %s, want the user Ada", got)
	}

	csrf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`NextAuth.getCsrfToken()`, chromedp.EvalAwaitPromise))
	if err != nil || csrf != "csrf-123" {
		t.Errorf("NextAuth.getCsrfToken() = %q, %v, want csrf-123", csrf, err)
	}
	pid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`NextAuth.getProviders().then(p => p.github.id)`, chromedp.EvalAwaitPromise))
	if err != nil || pid != "github" {
		t.Errorf("NextAuth.getProviders().github.id = %q, %v, want github", pid, err)
	}

	updated, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`NextAuth.update({name: "Bob"}).then(s => s.user.name)`, chromedp.EvalAwaitPromise))
	if err != nil || updated != "Bob" {
		t.Fatalf("NextAuth.update({name: Bob}) = user %q, %v, want Bob", updated, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("session").textContent.includes('"name":"Bob"')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for #session to show Bob: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(updates) != 1 || updates[0]["csrfToken"] != "csrf-123" {
		t.Errorf("POST /api/auth/session bodies = %v, want one with csrfToken csrf-123", updates)
	}
}
