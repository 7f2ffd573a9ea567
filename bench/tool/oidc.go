package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// The oauth2-proxy rows (bench/README.md) sign a user in through a real
// OpenID Provider: the one the repo's tests use, authtest.NewOIDCProvider
// (zitadel's op package with an in-memory store and a login form), run
// here as a process of its own for the benchmark's lifetime.

// oidcOP serves the OpenID Provider on ADDR until SIGTERM or SIGINT: one
// confidential client (ID, SECRET, the redirect URI) and one user (SUB,
// EMAIL, NAME) who signs in on its login form with authtest.OIDCPassword.
// Its issuer is http://ADDR.
func oidcOP(args []string) error {
	fs := flag.NewFlagSet("oidc-op", flag.ContinueOnError)
	addr := fs.String("addr", "", "listen address, 127.0.0.1:PORT")
	clientID := fs.String("client-id", "", "the client's id")
	clientSecret := fs.String("client-secret", "", "the client's secret")
	redirect := fs.String("redirect", "", "the client's redirect URI")
	user := fs.String("user", "", "the user: SUB,EMAIL,NAME")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sub, rest, ok1 := strings.Cut(*user, ",")
	email, name, ok2 := strings.Cut(rest, ",")
	if *addr == "" || *clientID == "" || *clientSecret == "" || *redirect == "" || !ok1 || !ok2 {
		return errors.New("usage: oidc-op -addr HOST:PORT -client-id ID -client-secret SECRET -redirect URI -user SUB,EMAIL,NAME")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	t := &processTB{}
	defer t.cleanup()
	p := authtest.NewOIDCProvider(t, authtest.WithListener(ln), authtest.WithClient(*clientID, *clientSecret),
		authtest.WithRedirectURI(*redirect), authtest.WithUser(sub, email, name))
	log.Printf("OpenID Provider: issuer %s, client %s", p.Issuer(), p.ClientID())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return nil
}

// processTB is the testing.TB authtest's provider reports to, in a
// process that is not a test: failures are logged (Fatal ends the
// process), cleanups run when the command returns. authtest calls only
// the methods defined here; the embedded (nil) interface supplies the
// rest of the method set, and calling one of those would panic.
type processTB struct {
	testing.TB
	cleanups []func()
}

func (*processTB) Helper()                        {}
func (*processTB) Errorf(format string, a ...any) { log.Printf(format, a...) }
func (*processTB) Fatalf(format string, a ...any) { log.Fatalf(format, a...) }
func (*processTB) Fatal(a ...any)                 { log.Fatal(a...) }
func (t *processTB) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (*processTB) Logf(format string, a ...any)   { log.Printf(format, a...) }
func (t *processTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// oauth2ProxyLogin signs the user in on oauth2-proxy the way a browser
// does, with a cookie jar: GET /oauth2/start, the redirects to the
// OpenID Provider, its login form (posted with the user name and
// authtest.OIDCPassword), the redirects back to /oauth2/callback; then
// checks that GET /oauth2/auth with the session cookie answers 202, and
// prints the session cookie as a Cookie header (oauth2-proxy splits a
// large session into _oauth2_proxy_0, _1, …).
func oauth2ProxyLogin(args []string) error {
	fs := flag.NewFlagSet("oauth2-proxy-login", flag.ContinueOnError)
	proxy := fs.String("proxy", "", "oauth2-proxy's URL, http://127.0.0.1:PORT")
	user := fs.String("user", "", "the user name on the provider's login form")
	cookieName := fs.String("cookie", "_oauth2_proxy", "oauth2-proxy's session cookie name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *proxy == "" || *user == "" {
		return errors.New("usage: oauth2-proxy-login -proxy URL -user NAME")
	}
	base, err := url.Parse(*proxy)
	if err != nil {
		return err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	next := base.ResolveReference(&url.URL{Path: "/oauth2/start", RawQuery: "rd=%2F"})
	for hop := 0; ; hop++ {
		if hop == 20 {
			return errors.New("too many redirects")
		}
		res, err := client.Get(next.String())
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		// The provider's login form: post the user's credentials.
		if res.StatusCode == http.StatusOK && next.Path == "/login" && next.Host != base.Host {
			form := url.Values{
				"authRequestID": {next.Query().Get("authRequestID")},
				"username":      {*user},
				"password":      {authtest.OIDCPassword},
			}
			if res, err = client.PostForm(next.ResolveReference(&url.URL{Path: "/login"}).String(), form); err != nil {
				return err
			}
			body, _ = io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
		}
		if res.StatusCode/100 != 3 {
			return fmt.Errorf("%s answered %s: %s", res.Request.URL, res.Status, strings.TrimSpace(string(body)))
		}
		loc, err := res.Request.URL.Parse(res.Header.Get("Location"))
		if err != nil {
			return fmt.Errorf("bad redirect %q: %w", res.Header.Get("Location"), err)
		}
		// Back on oauth2-proxy past the callback: signed in.
		if loc.Host == base.Host && res.Request.URL.Path == "/oauth2/callback" {
			break
		}
		next = loc
	}
	var parts []string
	for _, c := range jar.Cookies(base) {
		if c.Name == *cookieName || strings.HasPrefix(c.Name, *cookieName+"_") && !strings.HasSuffix(c.Name, "_csrf") {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	if len(parts) == 0 {
		return fmt.Errorf("the callback set no %s cookie", *cookieName)
	}
	header := strings.Join(parts, "; ")
	req, err := http.NewRequest(http.MethodGet, base.ResolveReference(&url.URL{Path: "/oauth2/auth"}).String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", header)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("GET /oauth2/auth with the new session answered %s, not 202", res.Status)
	}
	fmt.Println(header)
	return nil
}
