//go:build unix

package main

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/browsertest"
)

// TestOIDCInBrowserProviderUpLater starts the server while its OpenID
// Connect provider, served over plain http (an internal IdP, or one in
// development), is down, loads the sign-in page in headless Chromium, and
// only then brings the provider up at the address it was configured
// with: the sign-in button must lead to the provider's login form, and on
// to a session. Chrome checks the redirect that follows the button's POST
// against the page's form-action, fixed when the page loaded.
//
// With the authorization endpoint on the issuer's origin, the page loaded
// while the provider was down already allows it (the issuer is in the
// configuration), so the click on that page goes through. With an
// endpoint that only discovery reveals to be on another origin, the first
// click loads the discovery document, which adds the endpoint's origin to
// the policy; the page reloaded has it.
func TestOIDCInBrowserProviderUpLater(t *testing.T) {
	for _, tt := range []struct {
		name        string
		otherOrigin bool // discovery names an authorization endpoint on localhost, the issuer being 127.0.0.1
	}{
		{"endpoint on the issuer's origin", false},
		{"endpoint on another origin", true},
	} {
		t.Run(tt.name, func(t *testing.T) { testProviderUpLater(t, tt.otherOrigin) })
	}
}

func testProviderUpLater(t *testing.T, otherOrigin bool) {
	const clientID, clientSecret = "corp-client", "corp-client-s3cret-value"
	down := reserveAddr(t) // connections refused until the provider listens
	issuer := "http://" + down.addr
	addr := freeAddr(t)
	base := "http://" + addr
	path := writeOIDCConfig(t, base, issuer, clientID, clientSecret)
	s := startServer(t, nil, "--config", path, "--addr", addr)
	// The start-up fetch of the discovery document has failed.
	eventually(t, "the warm-up to report the provider down", func() bool {
		return strings.Contains(s.stderr.String(), "provider not ready")
	})
	if !strings.Contains(s.stderr.String(), "connection refused") {
		t.Fatalf("the provider was not down at start; server log:\n%s", s.stderr)
	}

	ctx := browsertest.New(t)
	signInPage := base + "/api/auth/signin?callbackUrl=%2Fapi%2Fauth%2Fsession"
	load := func(when string, want ...string) {
		t.Helper()
		res, err := chromedp.RunResponse(ctx, chromedp.Navigate(signInPage))
		if err != nil {
			t.Fatalf("loading the sign-in page %s: %v", when, err)
		}
		policy := header(res, "Content-Security-Policy")
		if got := formAction(policy); !sameSet(got, want) {
			t.Fatalf("the sign-in page loaded %s has CSP %q, want form-action %q", when, policy, want)
		}
	}
	// From the configuration alone: the issuer, and https: for an endpoint
	// not known yet.
	load("with the provider down", "'self'", base, issuer, "https:")

	var mutate []authtest.OIDCOption
	endpointOrigin := issuer
	if otherOrigin {
		_, port, _ := net.SplitHostPort(down.addr)
		endpointOrigin = "http://localhost:" + port
		mutate = append(mutate, authtest.WithDiscoveryMutator(func(doc map[string]any) {
			doc["authorization_endpoint"] = endpointOrigin + "/authorize"
		}))
	}
	op := authtest.NewOIDCProvider(t, append(mutate,
		authtest.WithListener(down.listen(t)),
		authtest.WithClient(clientID, clientSecret),
		authtest.WithUser("sub-7", "grace@example.com", "Grace"),
	)...)
	if op.Issuer() != issuer {
		t.Fatalf("the provider's issuer is %s, want %s", op.Issuer(), issuer)
	}

	click := chromedp.Click(chromedp.CSS(`form[action$="/signin/corp"] button`))
	if otherOrigin {
		// This click makes the server load the discovery document; the
		// redirect to an origin the page does not allow is refused.
		if err := chromedp.Do(ctx, click); err != nil {
			t.Fatal(err)
		}
		g := s.svc.cur.Load()
		eventually(t, "the policy to name the discovered endpoint's origin", func() bool {
			return slices.Contains(formAction(g.pageCSP()), endpointOrigin)
		})
		load("after discovery", "'self'", base, issuer, endpointOrigin)
		if err := chromedp.Do(ctx, click); err != nil {
			t.Fatal(err)
		}
	} else if err := chromedp.Do(ctx, click); err != nil { // on the page loaded while the provider was down
		t.Fatal(err)
	}

	waitAt(t, ctx, issuer+"/login?", s)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "grace@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), authtest.OIDCPassword),
		chromedp.Click(chromedp.ID("submit")),
	); err != nil {
		t.Fatalf("at the provider's login form: %v\nserver log:\n%s", err, s.stderr)
	}
	waitAt(t, ctx, base+"/api/auth/session", s)
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"email":"grace@example.com"`) || !strings.Contains(body, `"name":"Grace"`) {
		t.Errorf("GET /api/auth/session in the browser = %s, want Grace's session", body)
	}
}

// waitAt waits until the browser's location starts with want: within 30 s,
// a bound that only a stuck browser reaches.
func waitAt(t *testing.T, ctx context.Context, want string, s *server) {
	t.Helper()
	var href string
	eventuallyWithin(t, 30*time.Second, "the browser to reach "+want, func() bool {
		l, err := chromedp.Run(ctx, chromedp.Location())
		href = l
		return err == nil && strings.HasPrefix(l, want)
	}, func() string { return fmt.Sprintf("browser at %q\nserver log:\n%s", href, s.stderr) })
}

// header is a response header of a page the browser loaded.
func header(res *network.Response, name string) string {
	for k, v := range res.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// eventually polls cond every 20 ms until it holds, for at most 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 20*time.Second, what, cond, nil)
}

func eventuallyWithin(t *testing.T, limit time.Duration, what string, cond func() bool, detail func() string) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			msg := "timed out waiting for " + what
			if detail != nil {
				msg += ": " + detail()
			}
			t.Fatal(msg)
		}
	}
}

// reservedAddr is a loopback address whose port is bound but not
// listening: connections to it are refused, as to a server that is down,
// and the port cannot be handed to another socket meanwhile (no ephemeral
// port of a connection, no listener on port 0).
type reservedAddr struct {
	addr    string
	fd      int
	release func()
}

// reserveAddr reserves a port on 127.0.0.1 until listen, or the end of the
// test.
func reserveAddr(t *testing.T) *reservedAddr {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := &reservedAddr{fd: fd}
	var once sync.Once
	r.release = func() { once.Do(func() { _ = syscall.Close(fd) }) }
	t.Cleanup(r.release)
	// SO_REUSEADDR on both sockets lets the listener bind the port while
	// this one holds it without listening (Linux).
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	r.addr = fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	return r
}

// listen listens on the reserved address and gives up the reservation.
func (r *reservedAddr) listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		// A system where the bound socket keeps the listener off the port
		// (BSD): release it first.
		r.release()
		ln, err = net.Listen("tcp", r.addr)
	}
	r.release()
	if err != nil {
		t.Fatalf("listening on the reserved %s: %v", r.addr, err)
	}
	return ln
}
