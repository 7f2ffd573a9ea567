package provider

import (
	"html/template"
	"net"
	"net/url"
	"strings"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/pages"
)

// Default colours of the sign-in button, as in NextAuth's e-mail.
const (
	defaultBrandColor = "#346df1"
	defaultButtonText = "#fff"
)

// Message returns the sign-in e-mail NextAuth's default
// sendVerificationRequest sends for req
// (docs/compatibility.md#e-mail-sign-in): the subject "Sign in to <host>",
// where host is the link's host with its port unless it is the scheme's
// default; a text part "Sign in to <host>\n<url>\n\n"; and an HTML part with
// the same words and a "Sign in" button coloured by req.Theme (BrandColor,
// default #346df1; ButtonText, default #fff).
//
// The HTML is ours, not NextAuth's markup: a light grey page with a white
// card holding the heading, the button and "If you did not request this
// email you can safely ignore it.". A zero-width space precedes each "." of
// the host so that mail clients do not turn it into a link. Theme colours
// that are not plain CSS colours ([pages.ValidColor]) are replaced by the
// defaults. The recipient's address is not in the message body (only in
// the link). In the HTML, characters that a URL may not hold are
// percent-encoded, as a browser would; links the handler builds have none.
func Message(req nextauth.VerificationRequest) (subject, text, html string) {
	host := linkHost(req.URL)
	subject = "Sign in to " + host
	text = subject + "\n" + req.URL + "\n\n"
	var b strings.Builder
	err := mailTemplate.Execute(&b, mailData{
		Host: host,
		// Escape first, then add the zero-width spaces: the result is
		// safe HTML, as NextAuth's host.replace(/\./g, "&#8203;.").
		HostHTML:   template.HTML(strings.ReplaceAll(template.HTMLEscapeString(host), ".", "&#8203;.")),
		URL:        req.URL,
		BrandColor: colorOr(req.Theme.BrandColor, defaultBrandColor),
		ButtonText: colorOr(req.Theme.ButtonText, defaultButtonText),
	})
	if err != nil {
		// The template is fixed and its data are strings: it cannot fail
		// short of a bug, which the tests would show.
		panic("provider: email: " + err.Error())
	}
	return subject, text, b.String()
}

// linkHost is new URL(link).host as JavaScript computes it for an http(s)
// link: the host name in lower case, and the port unless it is the
// scheme's default. Internationalised names are left as they are, not
// converted to punycode. An unparsable link has an empty host.
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	switch {
	case port == "",
		port == "80" && strings.EqualFold(u.Scheme, "http"),
		port == "443" && strings.EqualFold(u.Scheme, "https"):
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// colorOr returns c if it is a plain CSS colour, and def otherwise.
func colorOr(c, def string) template.CSS {
	if c = strings.TrimSpace(c); pages.ValidColor(c) {
		return template.CSS(c) // ValidColor admits no character that ends a declaration
	}
	return template.CSS(def)
}

// mailData fills mailTemplate.
type mailData struct {
	Host                   string
	HostHTML               template.HTML
	URL                    string
	BrandColor, ButtonText template.CSS
}

// mailTemplate is the HTML part of the sign-in e-mail: tables and inline
// styles, which is what mail clients render reliably.
var mailTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {{.Host}}</title>
</head>
<body style="margin: 0; padding: 24px 12px; background-color: #f9f9f9;">
<table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0" style="max-width: 600px; margin: 0 auto; background-color: #ffffff; border-radius: 10px;">
<tr>
<td align="center" style="padding: 32px 24px 12px; font-family: Helvetica, Arial, sans-serif; font-size: 22px; line-height: 30px; color: #444444;">Sign in to <strong>{{.HostHTML}}</strong></td>
</tr>
<tr>
<td align="center" style="padding: 20px 24px;">
<a href="{{.URL}}" target="_blank" style="display: inline-block; padding: 10px 20px; font-family: Helvetica, Arial, sans-serif; font-size: 18px; font-weight: bold; text-decoration: none; border-radius: 5px; color: {{.ButtonText}}; background-color: {{.BrandColor}}; border: 1px solid {{.BrandColor}};">Sign in</a>
</td>
</tr>
<tr>
<td align="center" style="padding: 12px 24px 32px; font-family: Helvetica, Arial, sans-serif; font-size: 16px; line-height: 22px; color: #444444;">If you did not request this email you can safely ignore it.</td>
</tr>
</table>
</body>
</html>
`))
