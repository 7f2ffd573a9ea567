package authtest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// longLink is longer than a quoted-printable line and full of "=".
const longLink = "http://localhost:3000/api/auth/callback/email?callbackUrl=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3Ftab%3Dsettings&token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&email=alice%40example.com"

// mimeMessage is a multipart/alternative message as a mail library writes
// it: an encoded subject, a quoted-printable text part with soft line
// breaks inside the link, and a base64 HTML part.
const mimeMessage = "From: =?UTF-8?q?Caf=C3=A9?= <no-reply@example.com>\r\n" +
	"To: alice@example.com\r\n" +
	"Subject: =?UTF-8?q?Sign_in_to_caf=C3=A9.example?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Sign in to caf=C3=A9.example\r\n" +
	"http://localhost:3000/api/auth/callback/email?callbackUrl=3Dhttp%3A%2F%2Flo=\r\n" +
	"calhost%3A3000%2Fdashboard%3Ftab%3Dsettings&token=3D0123456789abcdef012345=\r\n" +
	"6789abcdef0123456789abcdef0123456789abcdef&email=3Dalice%40example.com\r\n" +
	"\r\n" +
	"\r\n" + // the last CRLF belongs to the boundary

	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+U2lnbiBpbjwvcD4=\r\n" +
	"--b1--\r\n"

// send delivers msg with the standard library's SMTP client, using
// STARTTLS when tlsConf is set and AUTH PLAIN when user is set.
func send(addr string, tlsConf *tls.Config, user, pass, from string, to []string, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if tlsConf != nil {
		if err := c.StartTLS(tlsConf); err != nil {
			return err
		}
	}
	if user != "" {
		if err := c.Auth(smtp.PlainAuth("", user, pass, "127.0.0.1")); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// smtpCode returns the reply code of an SMTP error, or 0.
func smtpCode(err error) int {
	var perr *textproto.Error
	if errors.As(err, &perr) {
		return perr.Code
	}
	return 0
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestSMTPServerDecodesMessage(t *testing.T) {
	srv := authtest.NewSMTPServer(t)
	if err := send(srv.Addr(), nil, "", "", "bounce@example.com", []string{"alice@example.com", "bob@example.com"}, mimeMessage); err != nil {
		t.Fatalf("send = %v, want nil", err)
	}
	m, err := srv.WaitMessage(ctxTimeout(t, 5*time.Second))
	if err != nil {
		t.Fatalf("WaitMessage = %v", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"MailFrom", m.MailFrom, "bounce@example.com"},
		{"To", strings.Join(m.To, ","), "alice@example.com,bob@example.com"},
		{"From", m.From, "Café <no-reply@example.com>"},
		{"Subject", m.Subject, "Sign in to café.example"},
		{"Text", m.Text, "Sign in to café.example\n" + longLink + "\n\n"},
		{"HTML", m.HTML, "<p>Sign in</p>"},
		{"Link()", m.Link(), longLink},
		{"Header.Get(To)", m.Header.Get("To"), "alice@example.com"},
		{"Raw", string(m.Raw), mimeMessage},
	} {
		if c.got != c.want {
			t.Errorf("Message.%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("len(Messages()) = %d, want 1", got)
	}
}

func TestSMTPServerWait(t *testing.T) {
	srv := authtest.NewSMTPServer(t)
	body := func(n string) string { return "Subject: " + n + "\r\n\r\nhello\r\n" }
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"alice@example.com"}, body("1")); err != nil {
		t.Fatal(err)
	}
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"bob@example.com"}, body("2")); err != nil {
		t.Fatal(err)
	}
	// WaitForRecipient takes bob's message; WaitMessage then skips it.
	m, err := srv.WaitForRecipient(ctxTimeout(t, 5*time.Second), "BOB@example.com")
	if err != nil || m.Subject != "2" {
		t.Fatalf("WaitForRecipient(bob) = %q, %v, want \"2\", nil", m.Subject, err)
	}
	m, err = srv.WaitMessage(ctxTimeout(t, 5*time.Second))
	if err != nil || m.Subject != "1" {
		t.Fatalf("WaitMessage() = %q, %v, want \"1\", nil", m.Subject, err)
	}
	// Nothing is left: waiting times out.
	if _, err := srv.WaitMessage(ctxTimeout(t, 50*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitMessage() with none left = %v, want context.DeadlineExceeded", err)
	}
	// A waiter wakes up when a message arrives.
	got := make(chan string, 1)
	go func() {
		m, err := srv.WaitForRecipient(ctxTimeout(t, 5*time.Second), "carol@example.com")
		if err != nil {
			got <- err.Error()
			return
		}
		got <- m.Subject
	}()
	time.Sleep(20 * time.Millisecond)
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"carol@example.com"}, body("3")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "3" {
		t.Errorf("WaitForRecipient(carol) while sending = %q, want \"3\"", s)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("len(Messages()) = %d, want 3", n)
	}
}

func TestSMTPServerTLSAndAuth(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithTLS(), authtest.WithAuth("mailer", "s3cr3t/:@"))
	if want := "smtp://mailer:s3cr3t%2F%3A%40@" + srv.Addr(); srv.URL() != want {
		t.Errorf("URL() = %q, want %q", srv.URL(), want)
	}
	trusted := &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"}
	msg := "Subject: hi\r\n\r\nhello\r\n"
	tests := []struct {
		name       string
		tls        *tls.Config
		user, pass string
		wantCode   int  // SMTP reply code of the failure
		wantTLSErr bool // the handshake fails
	}{
		{name: "no STARTTLS", user: "", wantCode: 530},
		{name: "no AUTH", tls: trusted, wantCode: 502},
		{name: "wrong password", tls: trusted, user: "mailer", pass: "wrong", wantCode: 535},
		{name: "wrong user", tls: trusted, user: "other", pass: "s3cr3t/:@", wantCode: 535},
		{name: "untrusted certificate", tls: &tls.Config{ServerName: "127.0.0.1"}, wantTLSErr: true},
		{name: "ok", tls: trusted, user: "mailer", pass: "s3cr3t/:@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(srv.Addr(), tt.tls, tt.user, tt.pass, "x@example.com", []string{"alice@example.com"}, msg)
			var certErr *tls.CertificateVerificationError
			switch {
			case tt.wantTLSErr:
				if !errors.As(err, &certErr) {
					t.Errorf("send = %v, want a certificate verification error", err)
				}
			case smtpCode(err) != tt.wantCode:
				t.Errorf("send = %v (code %d), want code %d", err, smtpCode(err), tt.wantCode)
			case tt.wantCode == 0 && err != nil:
				t.Errorf("send = %v, want nil", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("len(Messages()) = %d, want 1 (only the authenticated one)", n)
	}
}

func TestSMTPServerImplicitTLS(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithImplicitTLS(), authtest.WithAuth("u", "p"))
	if want := "smtps://u:p@" + srv.Addr(); srv.URL() != want {
		t.Errorf("URL() = %q, want %q", srv.URL(), want)
	}
	conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("tls.Dial = %v", err)
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("SMTPS server offers STARTTLS")
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Fatalf("Auth = %v", err)
	}
	if err := c.Mail("x@example.com"); err != nil {
		t.Fatalf("Mail = %v", err)
	}
}

func TestSMTPServerRejectRecipient(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithRejectRecipient(func(addr string) bool {
		return strings.HasSuffix(addr, "@blocked.example")
	}))
	if want := "smtp://" + srv.Addr() + "?tls=none"; srv.URL() != want {
		t.Errorf("URL() = %q, want %q", srv.URL(), want)
	}
	msg := "Subject: hi\r\n\r\nhello\r\n"
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"eve@blocked.example"}, msg); smtpCode(err) != 550 {
		t.Errorf("send to a rejected recipient = %v, want code 550", err)
	}
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"alice@example.com"}, msg); err != nil {
		t.Errorf("send to an accepted recipient = %v, want nil", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("len(Messages()) = %d, want 1", n)
	}
}

func TestSMTPServerDownAndUp(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithDown())
	msg := "Subject: hi\r\n\r\nhello\r\n"
	dial := func() error {
		c, err := net.DialTimeout("tcp", srv.Addr(), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(); err == nil {
		t.Fatal("dial to a server created WithDown = nil, want an error")
	}
	srv.Start()
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"a@example.com"}, msg); err != nil {
		t.Fatalf("send after Start = %v, want nil", err)
	}
	srv.Close()
	if err := dial(); err == nil {
		t.Fatal("dial after Close = nil, want an error")
	}
	srv.Close() // closing twice is fine
	srv.Start()
	srv.Start() // so is starting twice
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"b@example.com"}, msg); err != nil {
		t.Fatalf("send after restart = %v, want nil", err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("len(Messages()) = %d, want 2 (kept across restarts)", n)
	}
}

func TestSMTPServerRefusesBrokenMIME(t *testing.T) {
	srv := authtest.NewSMTPServer(t)
	msg := "Subject: hi\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nhello\r\n"
	if err := send(srv.Addr(), nil, "", "", "x@example.com", []string{"a@example.com"}, msg); smtpCode(err) != 554 {
		t.Errorf("send with an unsupported charset = %v, want code 554", err)
	}
}

// TestSMTPServerCloseAtOnce closes servers before their accept loop has
// started; Close must not wait forever.
func TestSMTPServerCloseAtOnce(t *testing.T) {
	for range 50 {
		srv := authtest.NewSMTPServer(t)
		srv.Close()
		srv.Start()
	}
}
