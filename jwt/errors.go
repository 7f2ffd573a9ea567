package jwt

import "errors"

// Sentinel errors returned (possibly wrapped, test with errors.Is) by
// [Codec.Decode], [GetToken] and [TokenString]. Where next-auth/jwt's decode
// throws, Decode returns one of ErrInvalid, ErrDecrypt, ErrExpired or
// ErrNotYetValid; where decode or getToken return null for a missing token,
// ErrNoToken.
var (
	// ErrInvalid means the token is not a JWE NextAuth accepts: not five
	// base64url segments, a header other than alg "dir" with enc "A256GCM"
	// (or one with zip or crit), an encrypted key, an IV or tag of the wrong
	// size, a payload that is not a JSON object, or an iat, nbf or exp claim
	// that is not a number.
	ErrInvalid = errors.New("jwt: invalid token")
	// ErrDecrypt means no key (the secret's, then each previous secret's)
	// authenticates the token: wrong secret, wrong salt or tampering.
	ErrDecrypt = errors.New("jwt: decryption failed")
	// ErrExpired means the exp claim is 15 seconds or more in the past.
	ErrExpired = errors.New("jwt: token expired")
	// ErrNotYetValid means the nbf claim is more than 15 seconds in the future.
	ErrNotYetValid = errors.New("jwt: token not yet valid")
	// ErrNoToken means there is nothing to decode: an empty token, or a
	// request with neither a session cookie nor a usable Bearer header.
	ErrNoToken = errors.New("jwt: no token")
)
