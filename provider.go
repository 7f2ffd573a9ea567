package nextauth

import (
	"context"
	"net/http"
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
