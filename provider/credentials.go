package provider

import (
	"context"
	"fmt"
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
	// When there are some, Authorize is given only these fields of what
	// was submitted (beyond NextAuth, which passes the whole body), so that
	// it checks nothing the rate limits and lockout do not see.
	Fields []nextauth.CredentialField
	// IdentifierField is the field naming the account, which the
	// per-account rate limit and the lockout count on; it must be one of
	// Fields (when there are some) and not a password. "" picks
	// "username" if Fields has it, else "email" if Fields has it, else the
	// first field that is not a password; without Fields, "" leaves the
	// provider without per-account limit and lockout (see
	// [nextauth.CredentialsIdentifier]).
	IdentifierField string
	// Authorize checks the credentials. Required.
	Authorize AuthorizeFunc
	// CheckWhileLocked runs Authorize, its answer thrown away, for a
	// sign-in refused because its account is locked, so that the refusal
	// takes as long as a wrong password and the lock does not show in the
	// answer's time (see [nextauth.CredentialsDecoy]). Only for an
	// Authorize that checks locally, without side effects, in a time that
	// shows, such as [StaticUsers]' bcrypt comparison; not for
	// [RemoteAuthorize], whose service the lockout spares.
	CheckWhileLocked bool
	// AllowDangerousEmailAccountLinking lets a first sign-in under the
	// database strategy link the credentials account to an existing user
	// with the e-mail address Authorize returned; without it that sign-in
	// is refused (CredentialsSignin). Only safe when Authorize returns
	// verified addresses. See [nextauth.EmailAccountLinker].
	AllowDangerousEmailAccountLinking bool
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
	switch {
	case cfg.Authorize == nil:
		return &credentialsNoAuthorize{credentials{cfg}}
	case cfg.CheckWhileLocked:
		return &credentialsDecoy{credentials{cfg}}
	}
	return &credentials{cfg}
}

type credentials struct{ cfg CredentialsConfig }

func (c *credentials) Info() nextauth.ProviderInfo {
	return nextauth.ProviderInfo{ID: c.cfg.ID, Name: c.cfg.Name, Type: nextauth.TypeCredentials}
}

func (c *credentials) Fields() []nextauth.CredentialField { return c.cfg.Fields }

func (c *credentials) AllowDangerousEmailAccountLinking() bool {
	return c.cfg.AllowDangerousEmailAccountLinking
}

func (c *credentials) IdentifierField() string { return c.cfg.IdentifierField }

// Authorize runs cfg.Authorize on the declared fields of creds (all of
// them when none are declared).
func (c *credentials) Authorize(ctx context.Context, creds nextauth.Credentials, r *http.Request) (*nextauth.User, error) {
	return c.cfg.Authorize(ctx, c.declared(creds), r)
}

// declared is creds reduced to the declared fields; creds itself when the
// provider declares none.
func (c *credentials) declared(creds nextauth.Credentials) nextauth.Credentials {
	if len(c.cfg.Fields) == 0 {
		return creds
	}
	out := make(nextauth.Credentials, len(c.cfg.Fields))
	for _, f := range c.cfg.Fields {
		if v, ok := creds[f.Name]; ok {
			out[f.Name] = v
		}
	}
	return out
}

// Validate reports an IdentifierField that is not one of the declared
// fields, or is a password.
func (c *credentials) Validate() error {
	id := c.cfg.IdentifierField
	if id == "" || len(c.cfg.Fields) == 0 {
		return nil
	}
	for _, f := range c.cfg.Fields {
		if f.Name == id {
			if f.Type == "password" {
				return fmt.Errorf("identifier_field: %q is a password field: name the field that identifies the account (a user name, an e-mail address)", id)
			}
			return nil
		}
	}
	return fmt.Errorf("identifier_field: %q is not one of the fields: name the field that identifies the account", id)
}

// credentialsDecoy is a credentials provider with CheckWhileLocked.
type credentialsDecoy struct{ credentials }

// DecoyAuthorize runs Authorize and throws its answer away.
func (c *credentialsDecoy) DecoyAuthorize(ctx context.Context, creds nextauth.Credentials, r *http.Request) {
	_, _ = c.Authorize(ctx, creds, r)
}

// credentialsNoAuthorize is a credentials provider without Authorize: it
// has the provider's identity but not the method, so nextauth.New reports
// CALLBACK_CREDENTIALS_HANDLER_ERROR.
type credentialsNoAuthorize struct{ c credentials }

func (c *credentialsNoAuthorize) Info() nextauth.ProviderInfo { return c.c.Info() }
