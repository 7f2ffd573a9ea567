// Package csrf implements NextAuth's double-submit CSRF token
// (docs/compatibility.md#csrf): a random token and its SHA-256 hash with the
// secret, kept together in a cookie as "token|hash".
package csrf

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// TokenBytes is the size of a token before hex encoding.
const TokenBytes = 32

// Hash returns the lower-case hex SHA-256 of token+secret, NextAuth's CSRF
// hash (plain concatenation, no HMAC).
func Hash(token, secret string) string {
	var out [2 * sha256.Size]byte
	hashInto(&out, token, secret)
	return string(out[:])
}

// hashInto writes Hash(token, secret) into out without allocating for the
// usual sizes (a 64-character token and a secret up to ~190 bytes).
func hashInto[T string | []byte](out *[2 * sha256.Size]byte, token T, secret string) {
	var buf [256]byte
	b := append(append(buf[:0], token...), secret...)
	sum := sha256.Sum256(b)
	hex.Encode(out[:], sum[:])
}

// New returns a fresh token and the cookie value "token|hash" for secret.
// rnd nil means crypto/rand. The token is the first part of the value (one
// allocation for both).
func New(rnd io.Reader, secret string) (token, cookie string, err error) {
	var b [TokenBytes]byte
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", "", fmt.Errorf("csrf: random: %w", err)
	}
	const tokenLen = 2 * TokenBytes
	var v [tokenLen + 1 + 2*sha256.Size]byte
	hex.Encode(v[:tokenLen], b[:])
	v[tokenLen] = '|'
	hashInto((*[2 * sha256.Size]byte)(v[tokenLen+1:]), v[:tokenLen], secret)
	cookie = string(v[:])
	return cookie[:tokenLen], cookie, nil
}

// Check reads a CSRF cookie value. It returns the token when the hash matches
// one of secrets (the current one first) and which secret matched (0 is the
// current one), or ok=false. Parts after a second '|' are ignored, as in
// NextAuth. Comparisons are constant-time.
func Check(cookie string, secrets []string) (token string, index int, ok bool) {
	t, rest, found := strings.Cut(cookie, "|")
	if !found {
		return "", 0, false
	}
	h, _, _ := strings.Cut(rest, "|")
	return CheckParts(t, h, secrets)
}

// CheckParts is [Check] for a cookie already split into token and hash.
func CheckParts(t, h string, secrets []string) (token string, index int, ok bool) {
	if len(h) != 2*sha256.Size {
		return "", 0, false
	}
	var got, want [2 * sha256.Size]byte
	copy(got[:], h)
	for i, s := range secrets {
		hashInto(&want, t, s)
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			return t, i, true
		}
	}
	return "", 0, false
}

// Verify reports whether the submitted token equals the cookie's token, in
// constant time. An empty submission never verifies.
func Verify(cookieToken, submitted string) bool {
	return submitted != "" && subtle.ConstantTimeCompare([]byte(cookieToken), []byte(submitted)) == 1
}
