package provider_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/provider"
)

const (
	smtpUser = "mailer"
	smtpPass = "pa:ss/w@rd hunter2"
)

// longRequest has a link longer than a quoted-printable line, full of "="
// and "%3D", so that soft line breaks fall inside it.
func longRequest(to string) nextauth.VerificationRequest {
	req := exampleRequest()
	req.Identifier = to
	req.URL = "https://app.example.com:8443/api/auth/callback/email?callbackUrl=https%3A%2F%2Fapp.example.com%3A8443%2Freports%3Fyear%3D2025%26quarter%3D4%26view%3Dsummary%26x%3D%3D%3D&token=" +
		req.Token + "&email=" + strings.ReplaceAll(to, "@", "%40")
	return req
}

func newSMTPSender(t *testing.T, cfg provider.SMTPConfig) provider.Sender {
	t.Helper()
	s, err := provider.SMTPSender(cfg)
	if err != nil {
		t.Fatalf("SMTPSender(%+v) = %v", cfg, err)
	}
	return s
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSMTPSenderDelivers(t *testing.T) {
	tests := []struct {
		name     string
		opts     []authtest.SMTPOption
		from     string
		wantFrom mail.Address
		to       string
	}{
		{
			name: "STARTTLS and AUTH", opts: []authtest.SMTPOption{authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			wantFrom: mail.Address{Name: "NextAuth", Address: "no-reply@example.com"}, to: "alice@example.com",
		},
		{
			name: "implicit TLS and AUTH", opts: []authtest.SMTPOption{authtest.WithImplicitTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			from: "Acme Login <login@acme.example>", wantFrom: mail.Address{Name: "Acme Login", Address: "login@acme.example"}, to: "bob@example.com",
		},
		{
			name: "no TLS, AUTH in clear text", opts: []authtest.SMTPOption{authtest.WithAuth(smtpUser, smtpPass)},
			from: "login@acme.example", wantFrom: mail.Address{Address: "login@acme.example"}, to: "carol@example.com",
		},
		{
			name: "no TLS, no AUTH, non-ASCII recipient", to: "josé@exämple.com",
			wantFrom: mail.Address{Name: "NextAuth", Address: "no-reply@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := authtest.NewSMTPServer(t, tt.opts...)
			s := newSMTPSender(t, provider.SMTPConfig{URL: srv.URL(), From: tt.from, TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
			req := longRequest(tt.to)
			if err := s.Send(context.Background(), req); err != nil {
				t.Fatalf("Send() = %v, want nil", err)
			}
			m, err := srv.WaitForRecipient(waitCtx(t), tt.to)
			if err != nil {
				t.Fatal(err)
			}
			subject, text, html := provider.Message(req)
			from, err := mail.ParseAddress(m.From)
			if err != nil || *from != tt.wantFrom {
				t.Errorf("From = %q (%v), want %v", m.From, err, tt.wantFrom.String())
			}
			if len(m.To) != 1 || m.To[0] != tt.to {
				t.Errorf("envelope recipients = %q, want [%q]", m.To, tt.to)
			}
			if got := m.Header.Get("To"); !strings.Contains(got, tt.to) {
				t.Errorf("To header = %q, want %q", got, tt.to)
			}
			if m.Subject != subject || subject != "Sign in to app.example.com:8443" {
				t.Errorf("Subject = %q, want %q", m.Subject, "Sign in to app.example.com:8443")
			}
			if m.Text != text {
				t.Errorf("text part = %q, want %q", m.Text, text)
			}
			if m.HTML != html {
				t.Errorf("HTML part = %q, want %q", m.HTML, html)
			}
			if m.Link() != req.URL {
				t.Errorf("link in the mail = %q, want exactly %q", m.Link(), req.URL)
			}
			if !strings.Contains(string(m.Raw), "=\r\n") {
				t.Errorf("raw message has no quoted-printable soft line break; the link test proves less than it should:\n%s", m.Raw)
			}
		})
	}
}

func TestSMTPSenderFailures(t *testing.T) {
	reject := authtest.WithRejectRecipient(func(addr string) bool { return strings.HasPrefix(addr, "eve@") })
	tests := []struct {
		name    string
		opts    []authtest.SMTPOption
		url     func(srv *authtest.SMTPServer) string
		trusted bool
		to      string
		want    string // in the error
		wantTLS bool   // the error is a certificate verification error
	}{
		{
			name: "wrong password", opts: []authtest.SMTPOption{authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			url:     func(srv *authtest.SMTPServer) string { return strings.Replace(srv.URL(), "hunter2", "hunter3", 1) },
			trusted: true, want: "535",
		},
		{
			name: "no credentials", opts: []authtest.SMTPOption{authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			url:     func(srv *authtest.SMTPServer) string { return "smtp://" + srv.Addr() },
			trusted: true, want: "authenticate",
		},
		{
			name: "rejected recipient", opts: []authtest.SMTPOption{authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass), reject},
			trusted: true, to: "eve@example.com", want: `rejected recipient "eve@example.com"`,
		},
		{
			name: "untrusted certificate", opts: []authtest.SMTPOption{authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			wantTLS: true,
		},
		{
			name: "untrusted certificate, implicit TLS", opts: []authtest.SMTPOption{authtest.WithImplicitTLS(), authtest.WithAuth(smtpUser, smtpPass)},
			wantTLS: true,
		},
		{
			name: "STARTTLS required but not offered", opts: []authtest.SMTPOption{authtest.WithAuth(smtpUser, smtpPass)},
			url:  func(srv *authtest.SMTPServer) string { return strings.TrimSuffix(srv.URL(), "?tls=none") },
			want: "STARTTLS",
		},
		{
			name: "opportunistic TLS does not send a password in clear text", opts: []authtest.SMTPOption{authtest.WithAuth(smtpUser, smtpPass)},
			url: func(srv *authtest.SMTPServer) string {
				return strings.Replace(srv.URL(), "tls=none", "tls=opportunistic", 1)
			},
			want: "authentication mechanism",
		},
		{
			name: "server down", opts: []authtest.SMTPOption{authtest.WithDown()},
			want: "connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := authtest.NewSMTPServer(t, tt.opts...)
			url := srv.URL()
			if tt.url != nil {
				url = tt.url(srv)
			}
			cfg := provider.SMTPConfig{URL: url, Timeout: 5 * time.Second}
			if tt.trusted {
				cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
			}
			to := tt.to
			if to == "" {
				to = "alice@example.com"
			}
			err := newSMTPSender(t, cfg).Send(context.Background(), longRequest(to))
			var certErr *tls.CertificateVerificationError
			switch {
			case err == nil:
				t.Fatal("Send() = nil, want an error")
			case !strings.HasPrefix(err.Error(), "provider: email: "):
				t.Errorf("Send() = %q, want the provider: email: prefix", err)
			case tt.wantTLS && !errors.As(err, &certErr):
				t.Errorf("Send() = %v, want a certificate verification error", err)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("Send() = %v, want it to mention %q", err, tt.want)
			case strings.Contains(err.Error(), "hunter"):
				t.Errorf("Send() = %v, which shows the password", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server accepted %d messages, want 0", n)
			}
		})
	}
}

func TestSMTPSenderRecovers(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass))
	s := newSMTPSender(t, provider.SMTPConfig{URL: srv.URL(), TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}, Timeout: 5 * time.Second})
	for i, step := range []struct {
		name string
		up   bool
	}{{"up", true}, {"down", false}, {"back up", true}, {"down again", false}, {"up again", true}} {
		if step.up {
			srv.Start()
		} else {
			srv.Close()
		}
		to := "user" + string(rune('a'+i)) + "@example.com"
		err := s.Send(context.Background(), longRequest(to))
		if step.up != (err == nil) {
			t.Fatalf("%s: Send() = %v, want success %v", step.name, err, step.up)
		}
		if step.up {
			if _, err := srv.WaitForRecipient(waitCtx(t), to); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		}
	}
}

func TestSMTPSenderConcurrent(t *testing.T) {
	srv := authtest.NewSMTPServer(t, authtest.WithTLS(), authtest.WithAuth(smtpUser, smtpPass))
	s := newSMTPSender(t, provider.SMTPConfig{URL: srv.URL(), TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() { errs <- s.Send(context.Background(), longRequest("u"+string(rune('a'+i))+"@example.com")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Send() = %v", err)
		}
	}
	for i := range 8 {
		if _, err := srv.WaitForRecipient(waitCtx(t), "u"+string(rune('a'+i))+"@example.com"); err != nil {
			t.Error(err)
		}
	}
}

func TestSMTPSenderCanceled(t *testing.T) {
	srv := authtest.NewSMTPServer(t)
	s := newSMTPSender(t, provider.SMTPConfig{URL: srv.URL()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, longRequest("alice@example.com")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(canceled ctx) = %v, want context.Canceled", err)
	}
}

func TestSMTPSenderConfig(t *testing.T) {
	tests := []struct {
		name, url, from string
		want            string // "" means valid; else in the error
	}{
		{name: "smtp", url: "smtp://mail.example.com"},
		{name: "smtp with port and credentials", url: "smtp://u:hunter2@mail.example.com:2525"},
		{name: "smtps", url: "smtps://u:hunter2@mail.example.com"},
		{name: "IPv6", url: "smtp://[::1]:25?tls=none"},
		{name: "tls=mandatory", url: "smtp://mail.example.com?tls=mandatory"},
		{name: "tls=opportunistic", url: "smtp://mail.example.com?tls=opportunistic"},
		{name: "named From", url: "smtp://mail.example.com", from: `"Acme, Inc." <login@acme.example>`},
		{name: "empty", url: "", want: "URL is required"},
		{name: "no host", url: "smtp://u:hunter2@:25", want: "no host"},
		{name: "bad scheme", url: "http://u:hunter2@mail.example.com", want: `scheme "http"`},
		{name: "bad tls", url: "smtp://u:hunter2@mail.example.com?tls=maybe", want: `tls="maybe"`},
		{name: "tls with smtps", url: "smtps://u:hunter2@mail.example.com?tls=none", want: "smtps always uses TLS"},
		{name: "unknown parameter", url: "smtp://u:hunter2@mail.example.com?pool=true", want: `unknown parameters ["pool"]`},
		{name: "bad port", url: "smtp://u:hunter2@mail.example.com:70000", want: "bad port"},
		{name: "path", url: "smtp://u:hunter2@mail.example.com/x", want: "want scheme://"},
		{name: "unparsable", url: "smtp://u:hunter2@mail example.com", want: "SMTP URL"},
		{name: "bad From", url: "smtp://mail.example.com", from: "not an address", want: "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := provider.SMTPSender(provider.SMTPConfig{URL: tt.url, From: tt.from})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("SMTPSender(%q) = %v, want nil", tt.url, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("SMTPSender(%q) = %v, want an error with %q", tt.url, err, tt.want)
			case err != nil && strings.Contains(err.Error(), "hunter2"):
				t.Errorf("SMTPSender(%q) = %v, which shows the password", tt.url, err)
			}
		})
	}
}
