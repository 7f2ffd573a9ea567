// Package jwt encodes and decodes the session tokens of NextAuth.js v4, byte
// for byte compatible with next-auth/jwt 4.24.15
// (docs/compatibility.md#session-tokens-jwt), so that tokens pass between this
// server and JavaScript code that calls encode, decode or getToken with the
// same secret.
//
// # Format
//
// A token is a JWE in compact form with the protected header
// {"alg":"dir","enc":"A256GCM"}: an empty encrypted-key segment, a random
// 12-byte IV, the AES-256-GCM ciphertext of the JSON claims and the 16-byte
// tag, each base64url without padding. The key is derived from the secret
// with HKDF-SHA256 ([DeriveKey]); session tokens use the empty salt, the
// OAuth state, PKCE and nonce cookies of next-auth 4.24.5 and later use their
// cookie name as salt ([Options.Salt]).
//
// # Use
//
// Make one [Codec] per secret and salt with [NewCodec]: it derives the keys
// once and is safe for concurrent use. [Codec.Encode] adds iat, exp and jti
// as NextAuth does; [Codec.Decode] accepts only what next-auth/jwt writes and
// checks exp and nbf with a 15-second tolerance. [Options.PreviousSecrets]
// lets tokens made with a retired secret still decode while new tokens use
// the current one. [GetToken] reads the (possibly chunked) session cookie or
// a Bearer header from a request, as getToken does. [Encode] and [Decode]
// are one-shot forms that derive the key on every call.
//
// # Implementation
//
// The JWE and the JSON of the claims are read and written by hand rather
// than with go-jose and encoding/json, because a session token is decoded on
// nearly every request: the hand-written codec is about ten times faster to
// decode, six times faster to encode, and makes a tenth of the allocations
// or fewer (compare BenchmarkDecode with BenchmarkDecodeGoJose, and
// BenchmarkEncode with BenchmarkEncodeGoJose).
// The tests check both directions against go-jose and next-auth/jwt itself.
package jwt
