package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	netmail "net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/nextauth-go/nextauth"
)

// DefaultFrom is the sender address of the sign-in e-mails when
// [SMTPConfig.From] is empty: NextAuth's default "from".
const DefaultFrom = "NextAuth <no-reply@example.com>"

// SMTPConfig configures [SMTPSender].
type SMTPConfig struct {
	// URL locates the server and says how to talk to it:
	//
	//	smtp://user:password@host:587   STARTTLS, required (port default 587)
	//	smtps://user:password@host:465  TLS from the first byte (port default 465)
	//
	// With smtp://, the query "?tls=opportunistic" uses STARTTLS only when
	// the server offers it, and "?tls=none" never does. User name and
	// password (percent-encoded) turn on SMTP AUTH with the best mechanism
	// the server offers; PLAIN and LOGIN, which show the password, are only
	// used over TLS, except with tls=none, where they are sent in clear
	// text. Required.
	URL string
	// From is the sender of the e-mails, an RFC 5322 address; default
	// [DefaultFrom].
	From string
	// TLSConfig is the TLS client configuration (for example RootCAs for a
	// private certificate authority); nil means the system's roots. Its
	// ServerName defaults to the URL's host.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each step of the SMTP conversation;
	// default 10 seconds.
	Timeout time.Duration
}

// SMTPSender returns a [Sender] that sends each sign-in link as its own
// e-mail over SMTP: a text and an HTML part made by [Message], from
// cfg.From to the request's identifier. Each Send opens a new connection
// and closes it, so a server that was down is used again as soon as it is
// back. ctx bounds the connection attempt; once connected,
// [SMTPConfig.Timeout] bounds the conversation. It fails, as NextAuth does,
// when the server rejects the recipient. Errors name the server but never
// contain the password.
func SMTPSender(cfg SMTPConfig) (Sender, error) {
	s := &smtpSender{from: cfg.From}
	if s.from == "" {
		s.from = DefaultFrom
	}
	if _, err := netmail.ParseAddress(s.from); err != nil {
		return nil, fmt.Errorf("provider: email: From %q: %w", s.from, err)
	}
	if cfg.URL == "" {
		return nil, errors.New("provider: email: SMTPConfig.URL is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Error quotes the URL, password included: keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("provider: email: SMTP URL: %w", err)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("provider: email: SMTP URL %q has no host", u.Redacted())
	}
	if u.Path != "" && u.Path != "/" || u.Opaque != "" || u.Fragment != "" {
		return nil, fmt.Errorf("provider: email: SMTP URL %q: want scheme://[user:password@]host[:port][?tls=…]", u.Redacted())
	}
	s.host = u.Hostname()
	if strings.Contains(s.host, ":") {
		s.host = "[" + s.host + "]" // go-mail joins host and port with a bare ":"
	}
	s.addr = u.Host
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	tlsConfig := &tls.Config{}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = u.Hostname()
	}
	if tlsConfig.MinVersion == 0 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	s.opts = []mail.Option{mail.WithTimeout(timeout), mail.WithTLSConfig(tlsConfig)}

	query := u.Query()
	tlsMode := query.Get("tls")
	query.Del("tls")
	if len(query) > 0 {
		return nil, fmt.Errorf("provider: email: SMTP URL %q: unknown parameters %q, want only tls", u.Redacted(), slices.Sorted(maps.Keys(query)))
	}
	port := 0
	switch u.Scheme {
	case "smtp":
		port = mail.DefaultPortTLS
		switch tlsMode {
		case "", "mandatory":
			s.opts = append(s.opts, mail.WithTLSPolicy(mail.TLSMandatory))
		case "opportunistic":
			s.opts = append(s.opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		case "none":
			s.opts = append(s.opts, mail.WithTLSPolicy(mail.NoTLS))
		default:
			return nil, fmt.Errorf("provider: email: SMTP URL %q: tls=%q, want mandatory, opportunistic or none", u.Redacted(), tlsMode)
		}
	case "smtps":
		port = mail.DefaultPortSSL
		if tlsMode != "" {
			return nil, fmt.Errorf("provider: email: SMTP URL %q: tls=%q: smtps always uses TLS", u.Redacted(), tlsMode)
		}
		s.opts = append(s.opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("provider: email: SMTP URL %q: scheme %q, want smtp or smtps", u.Redacted(), u.Scheme)
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("provider: email: SMTP URL %q: bad port %q", u.Redacted(), p)
		}
	} else {
		s.addr += ":" + strconv.Itoa(port)
	}
	s.opts = append(s.opts, mail.WithPort(port))

	if u.User != nil {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
		if tlsMode == "none" {
			s.opts = append(s.opts, mail.WithOpportunisticSMTPAuth(
				mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthCramMD5,
				mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc))
		} else {
			// PLAIN and LOGIN only over TLS.
			s.opts = append(s.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover))
		}
	}
	// Check the options once, so that Send cannot fail on them.
	if _, err := mail.NewClient(s.host, s.opts...); err != nil {
		return nil, fmt.Errorf("provider: email: SMTP client: %w", err)
	}
	return s, nil
}

// smtpSender is [SMTPSender]'s Sender. It is read-only after construction,
// so concurrent sends share it safely; each builds its own client.
type smtpSender struct {
	from string
	host string // for the client (TLS server name, HELO checks)
	addr string // host:port, for errors
	opts []mail.Option
}

func (s *smtpSender) Send(ctx context.Context, req nextauth.VerificationRequest) error {
	subject, text, html := Message(req)
	m := mail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("provider: email: From %q: %w", s.from, err)
	}
	if err := m.To(req.Identifier); err != nil {
		return fmt.Errorf("provider: email: recipient %q: %w", req.Identifier, err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)

	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("provider: email: SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		var sendErr *mail.SendError
		if errors.As(err, &sendErr) && sendErr.Reason == mail.ErrSMTPRcptTo {
			// NextAuth: "Email (<rejected>) could not be sent".
			return fmt.Errorf("provider: email: %s rejected recipient %q: %w", s.addr, req.Identifier, err)
		}
		return fmt.Errorf("provider: email: sending to %q through %s: %w", req.Identifier, s.addr, err)
	}
	return nil
}
