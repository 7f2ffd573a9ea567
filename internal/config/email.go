package config

import (
	"io"
	netmail "net/mail"
	"strings"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// ServerConsole is the email server that prints sign-in links (--dev
// only).
const ServerConsole = "console"

// email checks and builds an email provider; nil when it has problems.
// Console servers print to v.console.
func (v *validator) email(path string, e *Email) nextauth.Provider {
	before := len(v.problems)
	if e.From != "" {
		if _, err := netmail.ParseAddress(e.From); err != nil {
			v.addf(path+".from", "%q is not an e-mail address (e.g. \"Acme <no-reply@acme.example>\"): %v", e.From, err)
		}
	}
	maxAge := v.age(path+".max_age", e.MaxAge)
	if v.f.Database == "" {
		v.addf(path, "an email provider needs a database to keep its sign-in tokens (EMAIL_REQUIRES_ADAPTER_ERROR); set database:, e.g. sqlite://nextauth.db")
	}
	var sender provider.Sender
	switch scheme, _, _ := strings.Cut(e.Server, ":"); {
	case e.Server == "":
		v.addf(path+".server", "missing; want smtp://user:password@host:587, smtps://…, file:PATH or, with --dev, console")
	case e.Server == ServerConsole:
		if !v.f.dev {
			v.addf(path+".server", "console prints sign-in links, which are passwords, to the terminal: it is allowed with --dev only; use smtp://… (or file:PATH for tests)")
			break
		}
		sender = provider.ConsoleSender(v.consoleWriter())
	case scheme == "file":
		p := strings.TrimPrefix(strings.TrimPrefix(e.Server, "file:"), "//")
		if p == "" {
			v.addf(path+".server", "%q names no file; want e.g. file:mail.log", e.Server)
			break
		}
		sender = provider.FileSender(p)
	case strings.EqualFold(scheme, "smtp") || strings.EqualFold(scheme, "smtps"):
		if !strings.HasPrefix(e.Server[len(scheme):], "://") {
			v.addf(path+".server", "%q: want %s://[user:password@]host[:port]", redact(e.Server), scheme)
			break
		}
		if len(v.problems) > before {
			break // a bad from would be reported twice
		}
		s, err := provider.SMTPSender(provider.SMTPConfig{URL: e.Server, From: e.From})
		if err != nil {
			v.add(path+".server", scrub(err, e.Server))
			break
		}
		sender = s
	default:
		v.addf(path+".server", "%q: want smtp://user:password@host:587, smtps://…, file:PATH or, with --dev, console", redact(e.Server))
	}
	if len(v.problems) > before || sender == nil {
		return nil
	}
	return provider.Email(provider.EmailConfig{ID: e.ID, Name: e.Name, MaxAge: maxAge, Sender: sender})
}

// consoleWriter is where console servers print: the writer given to
// [File.Open], or nowhere for [File.NextAuth].
func (v *validator) consoleWriter() io.Writer {
	if v.console == nil {
		return io.Discard
	}
	return v.console
}
