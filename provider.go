package nextauth

import (
	"context"
	"net/http"
	"time"
)

// ProviderType is a provider's kind as GET /providers reports it. OpenID
// Connect providers report "oauth", as in NextAuth v4.
type ProviderType string

// Provider kinds.
const (
	TypeOAuth       ProviderType = "oauth"
	TypeEmail       ProviderType = "email"
	TypeCredentials ProviderType = "credentials"
)

// ProviderInfo is what every provider tells the handler about itself.
type ProviderInfo struct {
	ID   string
	Name string
	Type ProviderType
	// Style themes the provider's button on the built-in sign-in page
	// (OAuth providers); nil means a plain button.
	Style *ProviderStyle
}

// ProviderStyle is a provider button's look on the built-in sign-in page
// (NextAuth's provider "style").
type ProviderStyle struct {
	Logo, LogoDark, Bg, Text, BgDark, TextDark string
}

// Provider is a way to sign in. The handler finds what a provider can do by
// asserting the narrower interfaces below ([CredentialsProvider], …).
// Providers live in package provider; the root never imports it.
type Provider interface {
	Info() ProviderInfo
}

// CredentialField describes one input of a credentials provider's form on
// the built-in sign-in page (NextAuth's `credentials` option).
type CredentialField struct {
	Name        string // the form field name, e.g. "username"
	Label       string // shown next to the input; defaults to Name
	Type        string // the input type; defaults to "text"
	Placeholder string
	Value       string
	Required    bool
}

// Credentials are the fields a credentials sign-in posted: the whole request
// body, as NextAuth passes it to authorize (so it also holds csrfToken,
// callbackUrl and json when the client sent them). Repeated form fields keep
// their first value.
type Credentials map[string]string

// CredentialsProvider signs users in with what they typed (NextAuth's
// Credentials provider, flows.md §6).
type CredentialsProvider interface {
	Provider
	// Fields are the inputs the built-in sign-in page shows; a provider with
	// none is not shown there (it can still be used through the API).
	Fields() []CredentialField
	// Authorize checks the credentials. A nil user with a nil error is a
	// failed sign-in (CredentialsSignin); an error sends the user to the
	// error page with the error's message, as NextAuth does with a throw.
	Authorize(ctx context.Context, creds Credentials, r *http.Request) (*User, error)
}

// EmailProvider signs users in with a link sent by e-mail (NextAuth's Email
// provider, flows.md §5). It needs an [Adapter] to store the tokens.
type EmailProvider interface {
	Provider
	// MaxAge is how long a link stays valid; 0 means 24 hours.
	MaxAge() time.Duration
	// NormalizeIdentifier turns what the user typed into the address the
	// link is sent to; an error rejects it (EmailSignin). provider.Email
	// implements NextAuth 4.24.15's normaliser.
	NormalizeIdentifier(email string) (string, error)
	// SendVerificationRequest sends the sign-in link.
	SendVerificationRequest(ctx context.Context, req VerificationRequest) error
}

// VerificationRequest is what an [EmailProvider] sends: the link to
// Identifier (NextAuth's sendVerificationRequest params).
type VerificationRequest struct {
	Identifier string    // the normalised e-mail address
	URL        string    // the magic link, {base}/callback/{id}?callbackUrl=…&token=…&email=…
	Token      string    // the token in the link (only its hash is stored)
	Expires    time.Time // when the link stops working
	Provider   ProviderInfo
	Theme      Theme
}

// TokenGenerator is an [EmailProvider] that makes its own tokens instead of
// the default 32 random bytes in hex.
type TokenGenerator interface {
	GenerateVerificationToken() (string, error)
}
