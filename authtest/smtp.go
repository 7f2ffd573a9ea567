package authtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOption changes how [NewSMTPServer] sets up its server.
type SMTPOption func(*smtpOptions)

type smtpOptions struct {
	auth        bool
	user, pass  string
	startTLS    bool
	implicitTLS bool
	reject      func(addr string) bool
	down        bool
}

// WithAuth makes the server require SMTP AUTH PLAIN with these credentials
// before it accepts a message; wrong credentials are refused with 535. With
// [WithTLS], AUTH is only offered after STARTTLS, as real servers do.
func WithAuth(user, pass string) SMTPOption {
	return func(o *smtpOptions) { o.auth, o.user, o.pass = true, user, pass }
}

// WithTLS makes the server offer STARTTLS, with a self-signed certificate
// for 127.0.0.1, ::1 and localhost made at start ([SMTPServer.RootCAs]
// trusts it), and refuse mail sent before STARTTLS.
func WithTLS() SMTPOption {
	return func(o *smtpOptions) { o.startTLS = true }
}

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS,
// the smtps:// scheme), with the same certificate as [WithTLS].
func WithImplicitTLS() SMTPOption {
	return func(o *smtpOptions) { o.implicitTLS = true }
}

// WithRejectRecipient makes the server refuse, with 550, every recipient
// address for which reject returns true. reject is called from the
// server's goroutines.
func WithRejectRecipient(reject func(addr string) bool) SMTPOption {
	return func(o *smtpOptions) { o.reject = reject }
}

// WithDown creates the server stopped: its address is chosen but nothing
// listens until [SMTPServer.Start].
func WithDown() SMTPOption {
	return func(o *smtpOptions) { o.down = true }
}

// Message is an e-mail the server accepted, with its MIME structure
// decoded.
type Message struct {
	MailFrom string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO), whom it was delivered to
	From     string   // the From header, RFC 2047 words decoded
	Subject  string   // the Subject header, RFC 2047 words decoded
	// Text and HTML are the first text/plain and text/html parts (or the
	// single body), with quoted-printable or base64 undone and CRLF line
	// ends turned into "\n".
	Text, HTML string
	Header     mail.Header // all top-level headers, as sent
	Raw        []byte      // the message as received
}

// linkPattern finds http(s) URLs in a text part.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Link returns the first http or https URL in the text part, or "" if
// there is none: the sign-in link of a nextauth e-mail.
func (m Message) Link() string {
	return linkPattern.FindString(m.Text)
}

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) that
// keeps every message it accepts. Its methods are safe for concurrent use.
type SMTPServer struct {
	t         testing.TB
	opts      smtpOptions
	addr      string
	tlsConfig *tls.Config
	roots     *x509.CertPool

	mu        sync.Mutex
	srv       *smtp.Server  // nil while stopped
	listener  net.Listener  // srv's
	serveDone chan struct{} // closed when srv's Serve returns
	finished  bool          // the test is over: no more logging
	msgs      []Message
	taken     []bool        // msgs[i] was returned by a Wait method
	arrived   chan struct{} // closed and replaced when a message arrives
}

// NewSMTPServer starts an SMTP server on 127.0.0.1 and a free port, and
// stops it when the test ends. Without options it accepts any message
// without TLS or authentication; see [WithAuth], [WithTLS],
// [WithImplicitTLS], [WithRejectRecipient] and [WithDown].
func NewSMTPServer(t testing.TB, opts ...SMTPOption) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, arrived: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.startTLS || s.opts.implicitTLS {
		cert, roots, err := selfSigned()
		if err != nil {
			t.Fatalf("authtest: %v", err)
		}
		s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("authtest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	t.Cleanup(s.finish)
	if s.opts.down {
		l.Close()
		return s
	}
	s.serve(l)
	return s
}

// Addr returns the server's host:port.
func (s *SMTPServer) Addr() string { return s.addr }

// URL returns the server's address as nextauth's SMTP sender takes it
// (provider.SMTPConfig.URL): smtps:// with [WithImplicitTLS], else smtp://
// (with "?tls=none" unless [WithTLS]), and the credentials of [WithAuth].
func (s *SMTPServer) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	switch {
	case s.opts.implicitTLS:
		u.Scheme = "smtps"
	case !s.opts.startTLS:
		u.RawQuery = "tls=none"
	}
	if s.opts.auth {
		u.User = url.UserPassword(s.opts.user, s.opts.pass)
	}
	return u.String()
}

// RootCAs returns a pool that trusts the server's certificate, for the
// client's tls.Config; nil without [WithTLS] or [WithImplicitTLS].
func (s *SMTPServer) RootCAs() *x509.CertPool { return s.roots }

// Messages returns every message accepted so far, oldest first.
func (s *SMTPServer) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitMessage returns the oldest message that no Wait method has returned
// yet, waiting for one to arrive until ctx is done.
func (s *SMTPServer) WaitMessage(ctx context.Context) (Message, error) {
	return s.wait(ctx, func(Message) bool { return true }, "a message")
}

// WaitForRecipient returns the oldest message delivered to addr (compared
// without regard to case) that no Wait method has returned yet, waiting
// for one to arrive until ctx is done.
func (s *SMTPServer) WaitForRecipient(ctx context.Context, addr string) (Message, error) {
	return s.wait(ctx, func(m Message) bool {
		return slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, addr) })
	}, "a message to "+addr)
}

func (s *SMTPServer) wait(ctx context.Context, match func(Message) bool, what string) (Message, error) {
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && match(m) {
				s.taken[i] = true
				s.mu.Unlock()
				return m, nil
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("authtest: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// Close stops the server as if it had gone away: it stops listening and
// drops open connections, so clients fail to connect. [SMTPServer.Start]
// brings it back on the same address. Messages are kept. Closing a
// stopped server does nothing.
func (s *SMTPServer) Close() {
	s.mu.Lock()
	srv, l, done := s.srv, s.listener, s.serveDone
	s.srv, s.listener = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	// srv.Close misses the listener if Serve has not registered it yet.
	l.Close()
	<-done
}

// Start makes a stopped server listen again on its address; it fails the
// test if the address cannot be had back. Starting a running server does
// nothing.
func (s *SMTPServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return
	}
	var l net.Listener
	var err error
	// The port may be held briefly by the connections just closed.
	for deadline := time.Now().Add(5 * time.Second); ; {
		l, err = net.Listen("tcp", s.addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("authtest: listen again on %s: %v", s.addr, err)
	}
	s.serve(l)
}

// finish stops the server for good at the end of the test.
func (s *SMTPServer) finish() {
	s.Close()
	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
}

// serve runs a new go-smtp server on l (a go-smtp server cannot be
// restarted once closed).
func (s *SMTPServer) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.EnableSMTPUTF8 = true
	srv.AllowInsecureAuth = !s.opts.startTLS && !s.opts.implicitTLS
	srv.ErrorLog = smtpLogger{s}
	if s.opts.startTLS {
		srv.TLSConfig = s.tlsConfig
	}
	if s.opts.implicitTLS {
		l = tls.NewListener(l, s.tlsConfig)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.listener, s.serveDone = srv, l, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil {
			s.logf("authtest: SMTP server on %s: %v", s.addr, err)
		}
	}()
}

// logf logs to the test while it runs.
func (s *SMTPServer) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finished {
		s.t.Logf(format, args...)
	}
}

// smtpLogger sends go-smtp's error log to the test.
type smtpLogger struct{ s *SMTPServer }

func (l smtpLogger) Printf(format string, v ...any) { l.s.logf("authtest: smtp: "+format, v...) }
func (l smtpLogger) Println(v ...any)               { l.s.logf("authtest: smtp: %s", fmt.Sprint(v...)) }

// store keeps an accepted message and wakes the waiters.
func (s *SMTPServer) store(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.taken = append(s.taken, false)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &smtpSession{s: s, tls: isTLS}, nil
}

// smtpSession is one client's conversation (go-smtp starts a new one after
// STARTTLS).
type smtpSession struct {
	s      *SMTPServer
	tls    bool
	authed bool
	from   string
	to     []string
}

func (x *smtpSession) AuthMechanisms() []string {
	if !x.s.opts.auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *smtpSession) Auth(mech string) (sasl.Server, error) {
	if !x.s.opts.auth || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity != "" && identity != user) || user != x.s.opts.user || pass != x.s.opts.pass {
			return smtp.ErrAuthFailed
		}
		x.authed = true
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	switch {
	case x.s.opts.startTLS && !x.tls:
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	case x.s.opts.auth && !x.authed:
		return smtp.ErrAuthRequired
	}
	x.from, x.to = from, nil
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.opts.reject != nil && x.s.opts.reject(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable (rejected by authtest)"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMessage(raw)
	if err != nil {
		x.s.logf("authtest: refusing a message: %v", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "authtest: " + err.Error()}
	}
	m.MailFrom, m.To = x.from, slices.Clone(x.to)
	x.s.store(m)
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }

// parseMessage decodes an RFC 5322 message with its MIME parts.
func parseMessage(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("parse message: %w", err)
	}
	m := Message{Header: msg.Header, Raw: raw}
	var dec mime.WordDecoder
	if m.From, err = dec.DecodeHeader(msg.Header.Get("From")); err != nil {
		return Message{}, fmt.Errorf("header From: %w", err)
	}
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("header Subject: %w", err)
	}
	err = m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

// walk reads one MIME entity into m: the first text/plain and text/html
// parts, descending into multipart entities.
func (m *Message) walk(contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line ends
	default:
		return fmt.Errorf("%s: unknown transfer encoding %q", mediaType, encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s: %w", mediaType, err)
	}
	if cs := strings.ToLower(params["charset"]); mediaType == "text/plain" || mediaType == "text/html" {
		if cs != "" && cs != "utf-8" && cs != "us-ascii" {
			return fmt.Errorf("%s: charset %q, want utf-8 or us-ascii", mediaType, cs)
		}
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// selfSigned makes a certificate for the loopback addresses and a pool
// that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "authtest SMTP server"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, roots, nil
}
