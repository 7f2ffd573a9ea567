package provider

import (
	"context"
	"net/http"

	"github.com/nextauth-go/nextauth"
)

// AuthorizeFunc checks submitted credentials; see
// [nextauth.CredentialsProvider.Authorize].
type AuthorizeFunc func(ctx context.Context, creds nextauth.Credentials, r *http.Request) (*nextauth.User, error)

// CredentialsConfig configures [Credentials].
type CredentialsConfig struct {
	ID   string // default "credentials"
	Name string // default "Credentials"
	// Fields are the inputs of the built-in sign-in page's form. With none,
	// the provider is not shown there (sign in through the API instead).
	Fields []nextauth.CredentialField
	// Authorize checks the credentials. Required.
	Authorize AuthorizeFunc
}

// Credentials returns NextAuth's Credentials provider: sign-in with whatever
// the user typed, checked by cfg.Authorize.
func Credentials(cfg CredentialsConfig) nextauth.Provider {
	if cfg.ID == "" {
		cfg.ID = "credentials"
	}
	if cfg.Name == "" {
		cfg.Name = "Credentials"
	}
	cfg.Fields = append([]nextauth.CredentialField(nil), cfg.Fields...)
	if cfg.Authorize == nil {
		return &credentialsNoAuthorize{credentials{cfg}}
	}
	return &credentials{cfg}
}

type credentials struct{ cfg CredentialsConfig }

func (c *credentials) Info() nextauth.ProviderInfo {
	return nextauth.ProviderInfo{ID: c.cfg.ID, Name: c.cfg.Name, Type: nextauth.TypeCredentials}
}

func (c *credentials) Fields() []nextauth.CredentialField { return c.cfg.Fields }

func (c *credentials) Authorize(ctx context.Context, creds nextauth.Credentials, r *http.Request) (*nextauth.User, error) {
	return c.cfg.Authorize(ctx, creds, r)
}

// credentialsNoAuthorize is a credentials provider without Authorize: it
// has the provider's identity but not the method, so nextauth.New reports
// CALLBACK_CREDENTIALS_HANDLER_ERROR.
type credentialsNoAuthorize struct{ c credentials }

func (c *credentialsNoAuthorize) Info() nextauth.ProviderInfo { return c.c.Info() }
