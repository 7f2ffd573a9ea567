package jwt

import (
	"errors"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// Session cookie names getToken looks for (docs/compatibility.md#gettoken).
const (
	// CookieName is the session cookie's name on http deployments.
	CookieName = "next-auth.session-token"
	// SecureCookieName is its name when secure cookies are used (https).
	SecureCookieName = "__Secure-next-auth.session-token"
)

// GetTokenOptions configure [GetToken] and [TokenString].
type GetTokenOptions struct {
	// Codec decodes the token; required by GetToken. It should use the
	// empty salt, as session tokens do.
	Codec *Codec
	// SecureCookie selects the cookie name __Secure-next-auth.session-token
	// instead of next-auth.session-token. (getToken defaults it from
	// NEXTAUTH_URL and VERCEL; here the caller decides.)
	SecureCookie bool
	// CookieName, when not empty, overrides the name SecureCookie selects.
	CookieName string
}

// cookieName returns the session cookie name o selects.
func (o GetTokenOptions) cookieName() string {
	switch {
	case o.CookieName != "":
		return o.CookieName
	case o.SecureCookie:
		return SecureCookieName
	}
	return CookieName
}

// TokenString returns the raw session token of r, as getToken with raw: true
// finds it (docs/compatibility.md#gettoken): the session cookie's value,
// joined from its chunks (next-auth.session-token.0, .1, …) in NextAuth's
// order; else, from an "Authorization" header whose first space-separated word
// is exactly "Bearer", the decodeURIComponent-decoded second word. It returns
// ErrNoToken when there is neither, when the Bearer word is malformed
// percent-encoding (as next-auth 4.24.15) or when the header holds "Bearer"
// alone (where getToken would use the string "undefined"). The token is not
// checked.
func TokenString(r *http.Request, o GetTokenOptions) (string, error) {
	if tok := cookie.ReadChunks(r, o.cookieName()).Value; tok != "" {
		return tok, nil
	}
	word, rest, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if word != "Bearer" || !found {
		return "", ErrNoToken
	}
	word, _, _ = strings.Cut(rest, " ")
	tok, err := jsuri.DecodeURIComponent(word)
	if err != nil || tok == "" {
		return "", ErrNoToken
	}
	return tok, nil
}

// GetToken returns the decoded session token of r: the token [TokenString]
// finds, decoded by o.Codec. Where next-auth/jwt's getToken returns null,
// GetToken returns ErrNoToken (nothing to decode) or the decoding error
// ([ErrInvalid], [ErrDecrypt], [ErrExpired], [ErrNotYetValid]).
func GetToken(r *http.Request, o GetTokenOptions) (Claims, error) {
	if o.Codec == nil {
		return nil, errors.New("jwt: GetTokenOptions.Codec is nil")
	}
	tok, err := TokenString(r, o)
	if err != nil {
		return nil, err
	}
	return o.Codec.Decode(tok)
}
