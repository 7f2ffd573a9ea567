package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// nopSender accepts every request.
var nopSender = provider.SenderFunc(func(context.Context, nextauth.VerificationRequest) error { return nil })

func TestEmailDefaults(t *testing.T) {
	p := provider.Email(provider.EmailConfig{Sender: nopSender})
	want := nextauth.ProviderInfo{ID: "email", Name: "Email", Type: nextauth.TypeEmail}
	if info := p.Info(); info != want {
		t.Errorf("Info() = %+v, want %+v", info, want)
	}
	ep, ok := p.(nextauth.EmailProvider)
	if !ok {
		t.Fatal("Email() with a Sender is not a nextauth.EmailProvider")
	}
	if got := ep.MaxAge(); got != 24*time.Hour {
		t.Errorf("MaxAge() = %v, want 24h", got)
	}
	if got, err := ep.NormalizeIdentifier(" Alice@Example.COM "); got != "alice@example.com" || err != nil {
		t.Errorf("NormalizeIdentifier(\" Alice@Example.COM \") = %q, %v, want alice@example.com, nil", got, err)
	}
	if _, ok := p.(nextauth.TokenGenerator); ok {
		t.Error("Email() without GenerateToken is a nextauth.TokenGenerator; want the handler's default tokens")
	}
}

func TestEmailConfig(t *testing.T) {
	var sent []nextauth.VerificationRequest
	sendErr := errors.New("smtp down")
	p := provider.Email(provider.EmailConfig{
		ID:     "magic",
		Name:   "Magic link",
		MaxAge: 10 * time.Minute,
		Sender: provider.SenderFunc(func(_ context.Context, req nextauth.VerificationRequest) error {
			sent = append(sent, req)
			return sendErr
		}),
		Normalize:     func(s string) (string, error) { return "n:" + s, nil },
		GenerateToken: func() (string, error) { return "123456", nil },
	})
	want := nextauth.ProviderInfo{ID: "magic", Name: "Magic link", Type: nextauth.TypeEmail}
	if info := p.Info(); info != want {
		t.Errorf("Info() = %+v, want %+v", info, want)
	}
	ep := p.(nextauth.EmailProvider)
	if got := ep.MaxAge(); got != 10*time.Minute {
		t.Errorf("MaxAge() = %v, want 10m", got)
	}
	if got, _ := ep.NormalizeIdentifier("A@B"); got != "n:A@B" {
		t.Errorf("NormalizeIdentifier(A@B) = %q, want the custom normaliser's n:A@B", got)
	}
	tg, ok := p.(nextauth.TokenGenerator)
	if !ok {
		t.Fatal("Email() with GenerateToken is not a nextauth.TokenGenerator")
	}
	if tok, err := tg.GenerateVerificationToken(); tok != "123456" || err != nil {
		t.Errorf("GenerateVerificationToken() = %q, %v, want 123456, nil", tok, err)
	}
	req := nextauth.VerificationRequest{Identifier: "a@b.c", URL: "http://x/y"}
	if err := ep.SendVerificationRequest(context.Background(), req); !errors.Is(err, sendErr) {
		t.Errorf("SendVerificationRequest() = %v, want the Sender's error", err)
	}
	if len(sent) != 1 || sent[0].Identifier != "a@b.c" || sent[0].URL != "http://x/y" {
		t.Errorf("Sender got %+v, want the one request", sent)
	}
}

func TestEmailWithoutSender(t *testing.T) {
	p := provider.Email(provider.EmailConfig{})
	if info := p.Info(); info.ID != "email" || info.Type != nextauth.TypeEmail {
		t.Errorf("Info() = %+v, want the email provider's identity", info)
	}
	if _, ok := p.(nextauth.EmailProvider); ok {
		t.Fatal("Email() without a Sender is a nextauth.EmailProvider")
	}
	_, err := nextauth.New(nextauth.Config{Secret: "s", Providers: []nextauth.Provider{p}})
	if err == nil || !strings.Contains(err.Error(), `provider "email": server: missing`) {
		t.Errorf("New with an email provider without Sender = %v, want the missing sender named", err)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means an error
	}{
		{"plain", "alice@example.com", "alice@example.com"},
		{"lower-cased", "Alice.Smith+Tag@Example.COM", "alice.smith+tag@example.com"},
		{"trimmed", " \t alice@example.com\r\n", "alice@example.com"},
		{"trims JS white space", "\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\valice@example.com\f", "alice@example.com"},
		{"U+0085 is not trimmed, and refused as a control character", "\u0085alice@example.com", ""},
		{"CR LF smuggling refused", "x\r\nbcc: v@evil.com", ""},
		// Departures from NextAuth (docs/compatibility.md#e-mail-sign-in):
		// NextAuth keeps these spaces, so that one mailbox gets several
		// identifiers.
		{"departs: inner space refused", "al ice@example.com", ""},
		{"departs: inner space in the domain refused", "alice@exam ple.com", ""},
		{"departs: inner no-break space refused", "al\u00a0ice@example.com", ""},
		{"departs: inner ideographic space refused", "alice@example\u3000.com", ""},
		{"departs: space before @ trimmed", "alice @example.com", "alice@example.com"},
		{"departs: space after @ trimmed", "alice@ example.com", "alice@example.com"},
		{"departs: space before comma trimmed", "alice@example.com ,x", "alice@example.com"},
		{"departs: JS space before comma trimmed", "alice@example.com\ufeff,x", "alice@example.com"},
		{"departs: only spaces before comma", "alice@ ,x.y", ""},
		{"departs: soft hyphen refused", "al\u00adice@example.com", ""},
		{"departs: zero-width space refused", "al\u200bice@example.com", ""},
		{"departs: bidi override refused", "alice@exa\u202emple.com", ""},
		{"ZWJ kept", "\u0928\u094d\u200d\u0928@example.com", "\u0928\u094d\u200d\u0928@example.com"},
		{"ZWNJ kept", "a\u200cb@example.com", "a\u200cb@example.com"},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"no @", "alice.example.com", ""},
		{"two @", "alice@bob@example.com", ""},
		{"@@", "alice@@example.com", ""},
		{"double quote", `"alice"@example.com`, ""},
		{"quote in domain", `alice@exa"mple.com`, ""},
		{"empty local part", "@example.com", ""},
		{"empty domain", "alice@", ""},
		{"empty after trim", " @ ", ""},
		{"domain without dot", "alice@localhost", ""},
		{"dot only in local part", "a.b@localhost", ""},
		{"domain cut at comma", "alice@example.com,other", "alice@example.com"},
		{"domain cut at first comma", "alice@example.com,a,b.c", "alice@example.com"},
		{"comma with second address", "alice@example.com,eve@evil.com", ""},
		{"dot only after comma", "alice@example,com.evil", ""},
		{"comma in local part kept", "a,b@example.com", "a,b@example.com"},
		{"dot alone", "a@.", "a@."},
		// NFKC
		{"fullwidth @", "alice＠example.com", "alice@example.com"},
		{"small @", "alice﹫example.com", "alice@example.com"},
		{"fullwidth everything", "ＡＬＩＣＥ＠ｅｘａｍｐｌｅ．ｃｏｍ", "alice@example.com"},
		{"fullwidth dot", "alice@example．com", "alice@example.com"},
		{"fullwidth quote", "＂alice＂@example.com", ""},
		{"fullwidth @ makes two", "a＠b@example.com", ""},
		{"ligatures", "ﬁnance@ﬀ.com", "finance@ff.com"},
		{"circled digits", "①@②.③", "1@2.3"},
		{"squared units", "㎏@㎒.com", "kg@mhz.com"},
		{"kelvin and angstrom signs", "K@Å.com", "k@å.com"},
		{"ideographic space trimmed", "\u3000alice@example.com\u3000", "alice@example.com"},
		{"composes", "cafe\u0301@example.com", "café@example.com"},
		// toLowerCase
		{"dotted capital I", "İ@example.com", "i\u0307@example.com"},
		{"sharp s", "ẞ@example.com", "ß@example.com"},
		{"titlecase digraph decomposed", "ǅ@example.com", "dž@example.com"},
		{"final sigma", "ΟΔΥΣΣΕΥΣ@example.com", "οδυσσευς@example.com"},
		{"sigma alone", "Σ@example.com", "σ@example.com"},
		{"sigma before apostrophe and letter", "AΣ'B@example.com", "aσ'b@example.com"},
		{"sigma before apostrophe", "AΣ'@example.com", "aς'@example.com"},
		{"sigma after ypogegrammeni", "x@\u0345Σ.y", "x@\u0345σ.y"},
		{"not UTF-8", "\xffa@b.c", "\ufffda@b.c"},
		{"not UTF-8, as Node decodes it", "\xff\xfe\xe2\x82a@b.c", "\ufffd\ufffd\ufffda@b.c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := provider.NormalizeEmail(tt.in)
			switch {
			case tt.want == "" && (err == nil || !errors.Is(err, provider.ErrInvalidEmail)):
				t.Errorf("NormalizeEmail(%q) = %q, %v, want ErrInvalidEmail", tt.in, got, err)
			case tt.want != "" && (got != tt.want || err != nil):
				t.Errorf("NormalizeEmail(%q) = %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeEmailMatchesNextAuth checks inputs against what NextAuth's
// normaliser made of them in Node.js (testdata/email/normalize.mjs). The
// cases where NormalizeEmail departs from it on purpose say so ("departs",
// with the reason) and hold what it gives instead ("ours"), as
// docs/compatibility.md#e-mail-sign-in describes.
func TestNormalizeEmailMatchesNextAuth(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "email", "normalize.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		In      string          `json:"in"`
		Out     *string         `json:"out"`
		Departs string          `json:"departs"`
		Ours    json.RawMessage `json:"ours"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 1000 {
		t.Fatalf("normalize.json has %d cases, want the generated 1500+", len(cases))
	}
	same := 0
	for _, c := range cases {
		want := c.Out
		if c.Departs != "" {
			if err := json.Unmarshal(c.Ours, &want); err != nil || c.Ours == nil {
				t.Fatalf("case %+q departs (%s) without ours: %v", c.In, c.Departs, err)
			}
		} else {
			same++
		}
		got, err := provider.NormalizeEmail(c.In)
		switch {
		case want == nil && err == nil:
			t.Errorf("NormalizeEmail(%+q) = %+q, want an error (NextAuth: %+v, departs: %q)", c.In, got, c.Out, c.Departs)
		case want != nil && (err != nil || got != *want):
			t.Errorf("NormalizeEmail(%+q) = %+q, %v, want %+q (NextAuth: %+v, departs: %q)", c.In, got, err, *want, c.Out, c.Departs)
		}
	}
	if same < 1000 {
		t.Errorf("only %d of %d corpus cases agree with NextAuth; the comparison lost its point", same, len(cases))
	}
}

// FuzzNormalizeEmail checks that NormalizeEmail never panics and that what
// it returns is an address by its own rules: no white space, control or
// format character (but ZWNJ, ZWJ) in it. It also checks idempotence, which
// holds except where NextAuth's normaliser loses it too: lower-casing may
// undo NFKC ("Ω\u0345" lower-cases to "ω\u0345", which NFKC composes to
// "ῳ").
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"", "alice@example.com", " Alice@Example.COM ", "a@b", "a@@b.c", `"a"@b.c`, "a@b.c,d",
		"ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ﬁ@ﬀ.com", "ΟΔΥΣΣΕΥΣ@x.y", "İ@x.y", "a@b.c ,x", "a@b.c\ufeff,x", "Ω\u0345@x.y", "\xff@\xfe.c",
		"a b@c.d", "a @ b.c", "a\u00ad@b.c", "a\u200d@b.c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := provider.NormalizeEmail(s)
		if err != nil {
			if !errors.Is(err, provider.ErrInvalidEmail) || out != "" {
				t.Fatalf("NormalizeEmail(%+q) = %+q, %v, want \"\" and ErrInvalidEmail", s, out, err)
			}
			return
		}
		local, domain, _ := strings.Cut(out, "@")
		invisible := func(r rune) bool {
			return r != '\u200c' && r != '\u200d' && (unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf))
		}
		switch {
		case !utf8.ValidString(out):
			t.Fatalf("NormalizeEmail(%+q) = %+q, not UTF-8", s, out)
		case strings.Count(out, "@") != 1:
			t.Fatalf("NormalizeEmail(%+q) = %+q, want exactly one @", s, out)
		case local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(out, `"`) || strings.Contains(domain, ","):
			t.Fatalf("NormalizeEmail(%+q) = %+q, breaks its own rules", s, out)
		case strings.IndexFunc(out, invisible) >= 0:
			t.Fatalf("NormalizeEmail(%+q) = %+q, holds white space, a control or a format character", s, out)
		}
		if !norm.NFKC.IsNormalString(out) {
			return // lower-casing undid NFKC, as in NextAuth
		}
		if again, err := provider.NormalizeEmail(out); again != out || err != nil {
			t.Fatalf("NormalizeEmail(NormalizeEmail(%+q)) = %+q, %v, want %+q", s, again, err, out)
		}
	})
}
