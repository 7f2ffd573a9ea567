package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/jsutf8"
)

// Sender delivers a sign-in link: NextAuth's sendVerificationRequest. A nil
// error means the message was accepted for delivery; an error makes the
// sign-in fail with EmailSignin.
//
// Ready-made senders: [SMTPSender], [ConsoleSender] and [FileSender].
type Sender interface {
	Send(ctx context.Context, req nextauth.VerificationRequest) error
}

// SenderFunc is a function used as a [Sender].
type SenderFunc func(ctx context.Context, req nextauth.VerificationRequest) error

// Send calls f(ctx, req).
func (f SenderFunc) Send(ctx context.Context, req nextauth.VerificationRequest) error {
	return f(ctx, req)
}

// EmailConfig configures [Email]. The zero value of each field but Sender
// means NextAuth's default.
type EmailConfig struct {
	ID   string // default "email"
	Name string // default "Email"
	// MaxAge is how long a sign-in link stays valid; default 24 hours.
	MaxAge time.Duration
	// Sender delivers the links. Required: without it the provider does
	// not implement [nextauth.EmailProvider] and nextauth.New rejects the
	// configuration.
	Sender Sender
	// Normalize turns what the user typed into the address the link goes
	// to, or rejects it with an error; default [NormalizeEmail]. It
	// replaces the default entirely, as NextAuth's normalizeIdentifier
	// does.
	Normalize func(string) (string, error)
	// GenerateToken makes the token of each link; nil means NextAuth's
	// default, 32 random bytes in lowercase hex, made by the handler.
	GenerateToken func() (string, error)
}

// Email returns NextAuth's Email provider: sign-in with a link sent by e-mail
// (docs/compatibility.md#e-mail-sign-in). The returned value implements
// [nextauth.EmailProvider] when cfg.Sender is set, and also
// [nextauth.TokenGenerator] when cfg.GenerateToken is set. The handler needs
// an Adapter to store the tokens.
func Email(cfg EmailConfig) nextauth.Provider {
	if cfg.ID == "" {
		cfg.ID = "email"
	}
	if cfg.Name == "" {
		cfg.Name = "Email"
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Normalize == nil {
		cfg.Normalize = NormalizeEmail
	}
	switch {
	case cfg.Sender == nil:
		return &emailNoSender{email{cfg}}
	case cfg.GenerateToken != nil:
		return &emailWithTokens{email{cfg}}
	}
	return &email{cfg}
}

type email struct{ cfg EmailConfig }

func (e *email) Info() nextauth.ProviderInfo {
	return nextauth.ProviderInfo{ID: e.cfg.ID, Name: e.cfg.Name, Type: nextauth.TypeEmail}
}

func (e *email) MaxAge() time.Duration { return e.cfg.MaxAge }

func (e *email) NormalizeIdentifier(s string) (string, error) { return e.cfg.Normalize(s) }

func (e *email) SendVerificationRequest(ctx context.Context, req nextauth.VerificationRequest) error {
	return e.cfg.Sender.Send(ctx, req)
}

// emailWithTokens is an email provider that makes its own tokens.
type emailWithTokens struct{ email }

func (e *emailWithTokens) GenerateVerificationToken() (string, error) {
	return e.cfg.GenerateToken()
}

// emailNoSender is an email provider without a Sender: it has the
// provider's identity but not the methods, so nextauth.New reports it.
type emailNoSender struct{ e email }

func (e *emailNoSender) Info() nextauth.ProviderInfo { return e.e.Info() }

// ErrInvalidEmail is what [NormalizeEmail] returns, wrapped with the rule
// that failed (NextAuth throws "Invalid email address format." for every
// rule).
var ErrInvalidEmail = errors.New("provider: email: invalid email address format")

// NormalizeEmail is NextAuth 4.24.15's default normalizeIdentifier
// (docs/compatibility.md#e-mail-sign-in): Unicode NFKC, trim JavaScript white
// space, require exactly one "@" and no '"', lower-case the whole address
// (full Unicode case mapping, Greek final sigma included, as JavaScript's
// toLowerCase), cut the domain at its first ",", require a non-empty local
// part and domain, and require a "." in the domain. Bytes that are not UTF-8
// are read as U+FFFD, as a JavaScript string would hold them
// ([jsutf8.ToValid]).
//
// It departs from NextAuth's so that one mailbox has one identifier
// (docs/compatibility.md#e-mail-sign-in): it refuses control characters
// anywhere; it trims white space from the local part and from the domain
// after splitting (NextAuth makes "a@b.c ,x" into "a@b.c ", with a
// trailing space); and it refuses white space and invisible format
// characters (Unicode category Cf: soft hyphen, zero-width space, bidi
// controls, …) left inside either part, except the zero-width joiner and
// non-joiner that some scripts need.
//
// Like NextAuth's, it is not always idempotent: lower-casing may leave a
// string that NFKC changes ("Ω\u0345" gives "ω\u0345", which NFKC
// composes to "ῳ"). Normalising such a result again changes it.
//
// The Unicode tables are golang.org/x/text's for this Go version (Unicode
// 15), so characters assigned later may normalise differently than in a
// Node.js with newer tables.
func NormalizeEmail(s string) (string, error) {
	s = jsutf8.ToValid(s)
	s = strings.TrimFunc(norm.NFKC.String(s), isJSSpace)
	if strings.Count(s, "@") != 1 {
		return "", fmt.Errorf(`%w: want exactly one "@"`, ErrInvalidEmail)
	}
	if strings.Contains(s, `"`) {
		return "", fmt.Errorf(`%w: '"' is not allowed`, ErrInvalidEmail)
	}
	// Beyond NextAuth: no control characters (a CR/LF would let an address
	// smuggle a header into a mail or a log line).
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: control characters are not allowed", ErrInvalidEmail)
	}
	s = jsLower(s)
	local, domain, _ := strings.Cut(s, "@")
	domain, _, _ = strings.Cut(domain, ",")
	// Beyond NextAuth: each part trimmed, so that "a @b.c" and "a@b.c ,x"
	// name a@b.c, as a mail server would read them.
	local, domain = strings.TrimFunc(local, isJSSpace), strings.TrimFunc(domain, isJSSpace)
	if local == "" || domain == "" {
		return "", fmt.Errorf("%w: empty local part or domain", ErrInvalidEmail)
	}
	if strings.IndexFunc(local, invisible) >= 0 || strings.IndexFunc(domain, invisible) >= 0 {
		return "", fmt.Errorf("%w: white space or format characters are not allowed", ErrInvalidEmail)
	}
	if !strings.Contains(domain, ".") {
		return "", fmt.Errorf(`%w: domain has no "."`, ErrInvalidEmail)
	}
	return local + "@" + domain, nil
}

// jsLower is String.prototype.toLowerCase as V8 computes it with ICU: the
// full lower-case mapping of the root locale, where a capital sigma becomes
// a final sigma when preceded by a cased letter and not followed by one,
// skipping case-ignorable characters both ways. As in ICU, a character that
// is both case-ignorable and cased (U+0345, modifier letters like U+02B0)
// counts as case-ignorable.
func jsLower(s string) string {
	lower := cases.Lower(language.Und, cases.HandleFinalSigma(false))
	var b strings.Builder
	rest, done := s, 0
	for {
		i := strings.IndexRune(rest, 'Σ')
		if i < 0 {
			b.WriteString(lower.String(rest))
			return b.String()
		}
		b.WriteString(lower.String(rest[:i]))
		at := done + i
		if casedBefore(s[:at]) && !casedAfter(s[at+len("Σ"):]) {
			b.WriteRune('ς')
		} else {
			b.WriteRune('σ')
		}
		rest = rest[i+len("Σ"):]
		done = at + len("Σ")
	}
}

// casedBefore reports whether s ends with a cased letter followed by zero or
// more case-ignorable characters.
func casedBefore(s string) bool {
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		switch {
		case caseIgnorable(r):
			s = s[:len(s)-n]
		default:
			return cased(r)
		}
	}
	return false
}

// casedAfter reports whether s starts with zero or more case-ignorable
// characters followed by a cased letter.
func casedAfter(s string) bool {
	for _, r := range s {
		if !caseIgnorable(r) {
			return cased(r)
		}
	}
	return false
}

// cased is Unicode's Cased property: Lu, Ll, Lt, Other_Lowercase or
// Other_Uppercase.
func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// caseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk,
// and the Word_Break classes MidLetter, MidNumLet and Single_Quote.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// invisible reports whether r may not appear inside an address: Unicode
// White_Space, JavaScript's white space (U+FEFF), control characters (Cc),
// and format characters (Cf) but the zero-width non-joiner and joiner
// (U+200C, U+200D), which IDNA allows in context and some scripts need.
func invisible(r rune) bool {
	switch {
	case r == 0x200C || r == 0x200D:
		return false
	case unicode.IsSpace(r), isJSSpace(r), unicode.IsControl(r):
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// isJSSpace reports whether String.prototype.trim removes r: ECMAScript's
// WhiteSpace (tab, vertical tab, form feed, space, U+00A0, U+FEFF and
// category Zs) and LineTerminator (LF, CR, U+2028, U+2029). It differs
// from unicode.IsSpace on U+0085 (kept) and U+FEFF (removed).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}
