package nextauth

import (
	"errors"
	"fmt"

	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// ErrorCode is a NextAuth v4 error code, as it appears in `{base}/error?error=…`
// and on the built-in sign-in page (docs/compatibility.md#errors).
type ErrorCode string

// NextAuth v4 error codes (docs/compatibility.md#errors). v4 has no MissingCSRF code: CSRF
// failures redirect with ?csrf=true instead.
const (
	CodeConfiguration         ErrorCode = "Configuration"
	CodeAccessDenied          ErrorCode = "AccessDenied"
	CodeVerification          ErrorCode = "Verification"
	CodeSignin                ErrorCode = "Signin"
	CodeOAuthSignin           ErrorCode = "OAuthSignin"
	CodeOAuthCallback         ErrorCode = "OAuthCallback"
	CodeOAuthCreateAccount    ErrorCode = "OAuthCreateAccount"
	CodeEmailCreateAccount    ErrorCode = "EmailCreateAccount"
	CodeCallback              ErrorCode = "Callback"
	CodeOAuthAccountNotLinked ErrorCode = "OAuthAccountNotLinked"
	CodeEmailSignin           ErrorCode = "EmailSignin"
	CodeCredentialsSignin     ErrorCode = "CredentialsSignin"
	CodeSessionRequired       ErrorCode = "SessionRequired"
)

// signinErrorCodes are the codes GET /error forwards to the sign-in page
// (docs/compatibility.md#errors).
var signinErrorCodes = map[string]bool{
	"Signin": true, "OAuthSignin": true, "OAuthCallback": true, "OAuthCreateAccount": true,
	"EmailCreateAccount": true, "Callback": true, "OAuthAccountNotLinked": true,
	"EmailSignin": true, "CredentialsSignin": true, "SessionRequired": true,
}

// Error pairs the public NextAuth code with the private cause. The code is what
// the browser sees; the cause is logged, never rendered.
type Error struct {
	Code ErrorCode
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "nextauth: " + string(e.Code)
	}
	return "nextauth: " + string(e.Code) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinel errors callers branch on.
var (
	// ErrNoSession is returned by [Handler.GetSession] and [Handler.Token]
	// when the request carries no valid session.
	ErrNoSession = errors.New("nextauth: no session")

	// ErrNoSecret is returned by [New] when [Config.Secret] is empty
	// (NextAuth's NO_SECRET).
	ErrNoSecret = errors.New("nextauth: no secret configured (NO_SECRET): set NEXTAUTH_SECRET")
)

// configError reports one problem with a Config; New joins them all.
func configError(format string, args ...any) error {
	return fmt.Errorf("nextauth: config: "+format, args...)
}

// publicCode is what the browser sees of an error returned by a callback or
// provider: the code of an [*Error] in its chain, else fallback. NextAuth
// puts a thrown error's message in the URL; Go errors often carry internals,
// so only an explicit *Error is shown (the cause is logged either way).
func publicCode(err error, fallback ErrorCode) string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return jsuri.EncodeURIComponent(string(e.Code))
	}
	return string(fallback)
}

// ErrNotSupported is returned when the session strategy or the adapter
// lacks what an operation needs (SessionLister, JWTRevoker).
var ErrNotSupported = errors.New("nextauth: not supported by this adapter")

// ErrNoAccessToken is returned by [Handler.AccessToken] when the session has
// no token of that provider.
var ErrNoAccessToken = errors.New("nextauth: no access token for this provider")

// errAccountNotLinked is NextAuth's OAuthAccountNotLinked refusal
// (docs/compatibility.md#account-linking).
var errAccountNotLinked = errors.New("nextauth: account is linked to another user")
