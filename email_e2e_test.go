package nextauth_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/browsertest"
	"github.com/nextauth-go/nextauth/provider"
)

// smtpEmail is an e-mail provider sending through a real SMTP server
// (STARTTLS and AUTH).
func smtpEmail(t *testing.T, srv *authtest.SMTPServer) nextauth.Provider {
	t.Helper()
	sender, err := provider.SMTPSender(provider.SMTPConfig{URL: srv.URL(), From: "Acme <no-reply@acme.example>", TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
	if err != nil {
		t.Fatal(err)
	}
	return provider.Email(provider.EmailConfig{Sender: sender, MaxAge: time.Hour})
}

// TestEmailThroughSMTP: sign-in POST → the mail arrives at a real SMTP
// server → its link signs in → reusing it fails → an expired one fails.
func TestEmailThroughSMTP(t *testing.T) {
	smtpSrv := authtest.NewSMTPServer(t, authtest.WithTLS(), authtest.WithAuth("mailer", "mail-pass"))
	now := time.Now()
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = memory.New()
		c.Providers = append(c.Providers, smtpEmail(t, smtpSrv))
		c.Now = func() time.Time { return now }
	})
	ask := func(addr string) authtest.Message {
		c := newClient(t, h)
		w := c.postForm("/api/auth/signin/email", url.Values{"csrfToken": {c.csrf()}, "email": {addr}, "callbackUrl": {"/inbox"}, "json": {"true"}})
		if !strings.Contains(w.Body.String(), "/verify-request?provider=email&type=email") {
			t.Fatalf("POST /signin/email = %d %s", w.Code, w.Body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m, err := smtpSrv.WaitForRecipient(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := ask("reader@example.com")
	if m.Subject != "Sign in to localhost:3111" || !strings.Contains(m.From, "no-reply@acme.example") || m.HTML == "" {
		t.Errorf("mail: subject %q from %q, html %d bytes", m.Subject, m.From, len(m.HTML))
	}
	link := m.Link()
	browser := newClient(t, h)
	if w := browser.get(pathOf(t, link)); w.Header().Get("Location") != "http://localhost:3111/inbox" {
		t.Fatalf("following the mailed link = %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := browser.get("/api/auth/session"); !strings.Contains(w.Body.String(), `"email":"reader@example.com"`) {
		t.Errorf("session after the link = %s", w.Body)
	}
	if w := newClient(t, h).get(pathOf(t, link)); w.Header().Get("Location") != "http://localhost:3111/api/auth/error?error=Verification" {
		t.Errorf("reusing the link = %q", w.Header().Get("Location"))
	}
	late := ask("late@example.com").Link()
	now = now.Add(61 * time.Minute)
	if w := newClient(t, h).get(pathOf(t, late)); w.Header().Get("Location") != "http://localhost:3111/api/auth/error?error=Verification" {
		t.Errorf("expired link = %q", w.Header().Get("Location"))
	}
}

// TestEmailFormInBrowser: the built-in e-mail form → the message read from
// the SMTP server → the link opened → signed in.
func TestEmailFormInBrowser(t *testing.T) {
	smtpSrv := authtest.NewSMTPServer(t)
	srv := browserApp(t, func(c *nextauth.Config) {
		c.Adapter = memory.New()
		c.Providers = append(c.Providers, smtpEmail(t, smtpSrv))
	})
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/api/auth/signin?callbackUrl=%2F"),
		chromedp.SendKeys(chromedp.ID("input-email-for-email-provider"), "web@example.com"),
		chromedp.Click(chromedp.CSS(`form[action$="/signin/email"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/api/auth/verify-request?provider=email&type=email")
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := smtpSrv.WaitForRecipient(wctx, "web@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(m.Link())); err != nil {
		t.Fatal(err)
	}
	waitLocation(t, ctx, srv.URL+"/")
	waitStatus(t, ctx, "authenticated")
}

// TestTwoInstancesShareSessions: two handlers on one store (PostgreSQL,
// MySQL, then Redis), as two server instances: a session started on A
// works on B; signing out on B ends it on A.
func TestTwoInstancesShareSessions(t *testing.T) {
	for _, st := range adapterStores() {
		if st.name != "postgres" && st.name != "mysql" && st.name != "redis" {
			continue // stores of one process
		}
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			instanceA := newHandler(t, func(c *nextauth.Config) { c.Adapter = store })
			instanceB := newHandler(t, func(c *nextauth.Config) { c.Adapter = store })
			c := newClient(t, instanceA)
			c.signIn()
			c.h = instanceB
			if w := c.get("/api/auth/session"); !strings.Contains(w.Body.String(), "alice@example.com") {
				t.Fatalf("session from A on B = %s", w.Body)
			}
			cookies := c.cookieHeader()
			if w := c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}}); w.Code != 200 {
				t.Fatalf("sign-out on B = %d %s", w.Code, w.Body)
			}
			if got := sessionOf(instanceA, cookies); got != "{}" {
				t.Errorf("session on A after sign-out on B = %s", got)
			}
		})
	}
}
