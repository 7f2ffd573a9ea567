package browsertest_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/nextauth-go/nextauth/internal/browsertest"
)

const formPage = `<!doctype html>
<title>form</title>
<form method="post" action="/submit">
  <input id="name" name="name">
  <button id="go" type="submit">Go</button>
</form>`

// TestFormSubmit types into a form, clicks its button and reads the page the
// server answered with: the whole path a browser test needs.
func TestFormSubmit(t *testing.T) {
	var (
		mu     sync.Mutex
		posted []string
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, formPage)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		mu.Lock()
		posted = append(posted, name)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><p id="result">Hello, %s</p>`, html.EscapeString(name))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.SendKeys(chromedp.ID("name"), "gopher <3"),
		chromedp.Click(chromedp.ID("go")),
	); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello, gopher <3"; got != want {
		t.Errorf("#result = %q, want %q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 1 || posted[0] != "gopher <3" {
		t.Errorf("server saw posts %q, want one with name %q", posted, "gopher <3")
	}
}
