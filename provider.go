package nextauth

import (
	"context"
	"errors"
	"log/slog"
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
//
// A provider that can check its own configuration has a method
// `Validate() error`; [New] calls it and reports what it returns, with the
// other configuration problems, so that a broken provider fails at start
// rather than at sign-in.
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
// Credentials provider, docs/compatibility.md#credentials-sign-in).
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

// CredentialsIdentifier is a [CredentialsProvider] that names the submitted
// field identifying the account, which the per-account rate limit and the
// lockout count on. Without it (or when it returns ""), the handler takes
// "username" if the provider declares that field, else "email" if it
// declares that one, else its first declared field that is not a password;
// a provider declaring no fields then has no per-account protection.
// Authorize must identify the account by that field alone.
type CredentialsIdentifier interface {
	IdentifierField() string
}

// CredentialsDecoy is a [CredentialsProvider] whose password check takes a
// time that shows, and has no side effect (provider.StaticUsers' bcrypt
// comparison). A sign-in refused because its account is locked calls
// DecoyAuthorize, which does the same work and throws its outcome away, so
// that the refusal takes as long as a wrong password and reveals no lock.
type CredentialsDecoy interface {
	DecoyAuthorize(ctx context.Context, creds Credentials, r *http.Request)
}

// EmailAccountLinker is a [CredentialsProvider] that may sign a user in,
// under the database strategy, to an existing user with the same e-mail
// address whom its credentials account is not linked to yet (the
// counterpart of [OAuthProvider.AllowDangerousEmailAccountLinking]). A
// credentials provider without it, or returning false, has such sign-ins
// refused with CredentialsSignin
// (docs/compatibility.md#credentials-with-database-sessions):
// only safe when Authorize returns e-mail addresses it has verified.
type EmailAccountLinker interface {
	AllowDangerousEmailAccountLinking() bool
}

// EmailProvider signs users in with a link sent by e-mail (NextAuth's Email
// provider, docs/compatibility.md#e-mail-sign-in). It needs an [Adapter] to store the tokens.
type EmailProvider interface {
	Provider
	// MaxAge is how long a link stays valid; 0 means 24 hours.
	MaxAge() time.Duration
	// NormalizeIdentifier turns what the user typed into the address the
	// link is sent to; an error rejects it (EmailSignin), and so does the
	// handler for a result over 320 bytes. provider.Email implements
	// NextAuth 4.24.15's normaliser, made stricter so that one mailbox has
	// one identifier (docs/compatibility.md#e-mail-sign-in).
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

// OAuthProvider signs users in with an OAuth 2.0 or OpenID Connect
// authorization server (docs/compatibility.md#oauth-and-openid-connect). The provider does the protocol
// work (authorization URL, token exchange, id_token and userinfo); the
// handler keeps the check values in encrypted cookies and turns the result
// into a session.
type OAuthProvider interface {
	Provider
	// Checks are the checks to run: any of "state", "pkce" and "nonce"
	// (NextAuth's default is state only).
	Checks() []string
	// AuthorizationURL returns where to send the browser to sign in.
	AuthorizationURL(ctx context.Context, req AuthorizationRequest) (string, error)
	// Exchange completes a callback: it validates the callback parameters
	// (state, iss), redeems the code, validates the id_token and fetches the
	// profile. Errors are OAuthCallback failures, except [ErrProfile].
	Exchange(ctx context.Context, req CallbackRequest) (*OAuthResult, error)
	// AllowDangerousEmailAccountLinking lets a sign-in link to an existing
	// user with the same e-mail (docs/compatibility.md#account-linking).
	AllowDangerousEmailAccountLinking() bool
}

// ErrProfile is returned (wrapped) by [OAuthProvider.Exchange] when the
// profile could not be mapped to a user (no id): NextAuth sends the user
// back to the sign-in page without an error code.
var ErrProfile = errors.New("nextauth: profile could not be mapped")

// AuthorizationRequest is what the handler gives
// [OAuthProvider.AuthorizationURL].
type AuthorizationRequest struct {
	// RedirectURI is {base}/callback/{id}.
	RedirectURI string
	// Params are the query parameters of the sign-in POST, in order; they
	// are forwarded to the authorization server (signIn's third argument).
	Params [][2]string
	// State, CodeChallenge (S256) and Nonce are set for the checks the
	// provider asked for.
	State, CodeChallenge, Nonce string
}

// CallbackRequest is what the handler gives [OAuthProvider.Exchange].
type CallbackRequest struct {
	// RedirectURI is {base}/callback/{id}.
	RedirectURI string
	// Params are the callback parameters (the query of a GET, the body of a
	// form_post), already limited to the ones NextAuth keeps (code, state,
	// iss, id_token, session_state, …).
	Params map[string]string
	// State, CodeVerifier and Nonce are the values from the check cookies
	// ("" when that check is off).
	State, CodeVerifier, Nonce string
	// Logger is the handler's logger ([Config.Logger]), for what a provider
	// has to say about a sign-in it does not fail (warnings); use it with
	// the Exchange context. nil means slog.Default().
	Logger *slog.Logger
}

// OAuthResult is a completed OAuth sign-in.
type OAuthResult struct {
	// User is the mapped profile: ID is the provider's account id; Email
	// is lower-cased.
	User User
	// Account holds the tokens (Type "oauth", Provider, ProviderAccountID).
	Account Account
	// Profile is the raw profile (userinfo or id_token claims).
	Profile map[string]any
	// TokenExtra are token-response fields beyond the standard ones
	// (refresh_expires_in, …), shown to callbacks, not stored.
	TokenExtra map[string]any
}

// TokenRefresher is an [OAuthProvider] that can renew an access token with
// a refresh token (the refresh_token grant).
type TokenRefresher interface {
	// RefreshToken redeems refreshToken. The returned account carries the
	// new token fields; an empty RefreshToken means the old one stays valid.
	RefreshToken(ctx context.Context, refreshToken string) (Account, error)
}
