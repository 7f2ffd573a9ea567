package jwt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Claims is a decoded JWT payload. Decoded JSON numbers are float64 values,
// as in JavaScript.
type Claims map[string]any

// DefaultMaxAge is the token lifetime Encode uses when given none:
// NextAuth's 30 days.
const DefaultMaxAge = 30 * 24 * time.Hour

// ClockTolerance is the leeway Decode allows on exp and nbf, as next-auth/jwt.
const ClockTolerance = 15 * time.Second

const (
	// protectedHeader is the only JOSE header NextAuth writes, and
	// headerB64 its base64url form (also the AAD of every token).
	protectedHeader = `{"alg":"dir","enc":"A256GCM"}`
	headerB64       = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0"

	keyInfo   = "NextAuth.js Generated Encryption Key"
	keySize   = 32
	ivSize    = 12
	tagSize   = 16
	jtiSize   = 16
	ivB64Len  = 16 // base64url length of the IV
	tagB64Len = 22 // base64url length of the tag

	// maxPooled is the largest scratch buffer kept for reuse.
	maxPooled = 64 << 10
)

var b64 = base64.RawURLEncoding

// deriveKey is DeriveKey with the error crypto/hkdf may report.
func deriveKey(secret, salt string) ([]byte, error) {
	info := keyInfo
	if salt != "" {
		info += " (" + salt + ")"
	}
	return hkdf.Key(sha256.New, []byte(secret), []byte(salt), info, keySize)
}

// DeriveKey returns NextAuth's 32-byte encryption key for secret and salt
// (docs/compatibility.md#key-derivation): HKDF-SHA256 with the salt's UTF-8
// bytes and the info "NextAuth.js Generated Encryption Key", followed by
// " (<salt>)" when salt is not empty. Session tokens use the empty salt, OAuth
// check cookies their cookie name. It returns nil only where the runtime
// refuses the derivation (GODEBUG=fips140=only with a secret shorter than 112
// bits).
func DeriveKey(secret, salt string) []byte {
	k, err := deriveKey(secret, salt)
	if err != nil {
		return nil
	}
	return k
}

// Options configure a [Codec].
type Options struct {
	// Secret is the key material (NEXTAUTH_SECRET). Required.
	Secret string
	// PreviousSecrets are retired secrets: Decode still accepts tokens made
	// with them, Encode never uses them. Tried in order after Secret.
	PreviousSecrets []string
	// Salt is "" for session tokens and the cookie name for the OAuth
	// check cookies (state, pkce, nonce) of next-auth 4.24.5 and later.
	Salt string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of IVs and jti values; nil means crypto/rand.Reader.
	Rand io.Reader
}

// Codec encodes and decodes NextAuth v4 JWEs with keys derived once, when it
// is made. It is safe for concurrent use.
type Codec struct {
	aeads []cipher.AEAD // Secret's first, then PreviousSecrets'
	aad   []byte        // headerB64, the AAD of every token NextAuth writes
	now   func() time.Time
	rand  io.Reader
	bufs  sync.Pool // *[]byte scratch space
}

// NewCodec derives the keys for o's secrets and salt. It fails when Secret
// or one of PreviousSecrets is empty.
func NewCodec(o Options) (*Codec, error) {
	if o.Secret == "" {
		return nil, errors.New("jwt: secret is required")
	}
	c := &Codec{now: o.Now, rand: o.Rand, aad: []byte(headerB64)}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	for i, s := range append([]string{o.Secret}, o.PreviousSecrets...) {
		if s == "" {
			return nil, fmt.Errorf("jwt: previous secret %d is empty", i-1)
		}
		key, err := deriveKey(s, o.Salt)
		if err != nil {
			return nil, fmt.Errorf("jwt: deriving key: %w", err)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// newAEAD returns AES-256-GCM with a 12-byte nonce and 16-byte tag.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
	}
	return aead, nil
}

// buffer returns a scratch slice of length 0 and capacity of at least n.
func (c *Codec) buffer(n int) *[]byte {
	if p, ok := c.bufs.Get().(*[]byte); ok && cap(*p) >= n {
		*p = (*p)[:0]
		return p
	}
	b := make([]byte, 0, max(n, 1024))
	return &b
}

// release wipes and returns a scratch slice for reuse.
func (c *Codec) release(p *[]byte) {
	if cap(*p) > maxPooled {
		return
	}
	clear((*p)[:cap(*p)])
	c.bufs.Put(p)
}

// Encode returns the session token for claims (docs/compatibility.md#encode):
// a copy of claims with iat = now in whole seconds, exp = iat + maxAge
// (truncated to seconds; DefaultMaxAge when maxAge <= 0) and jti = a random
// UUID v4, serialised as JSON (members in key order, then iat, exp, jti;
// strings and numbers written as JSON.stringify writes them) and encrypted
// with the current secret's key. claims is not modified. Values must be
// JSON-encodable; NaN and infinities are rejected.
func (c *Codec) Encode(claims Claims, maxAge time.Duration) (string, error) {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	iat := c.now().Unix()
	exp := iat + int64(maxAge/time.Second)

	p := c.buffer(1024)
	defer c.release(p)
	buf := (*p)[:ivSize+jtiSize]
	if _, err := io.ReadFull(c.rand, buf); err != nil {
		return "", fmt.Errorf("jwt: reading random bytes: %w", err)
	}
	rnd := buf[ivSize:]
	rnd[6] = rnd[6]&0x0f | 0x40 // version 4
	rnd[8] = rnd[8]&0x3f | 0x80 // RFC 4122 variant

	var err error
	buf, err = appendPayload(buf, claims, iat, exp, rnd)
	*p = buf
	if err != nil {
		return "", err
	}
	return c.seal(p, ivSize+jtiSize), nil
}

// appendPayload appends the JSON of claims plus iat, exp and the jti built
// from the 16 bytes u.
func appendPayload(b []byte, claims Claims, iat, exp int64, u []byte) ([]byte, error) {
	b = append(b, '{')
	b, err := appendMembers(b, claims, 0, func(k string) bool { return k == "iat" || k == "exp" || k == "jti" })
	if err != nil {
		return b, err
	}
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, `"iat":`...)
	b = strconv.AppendInt(b, iat, 10)
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, exp, 10)
	b = append(b, `,"jti":"`...)
	b = hex.AppendEncode(b, u[0:4])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[4:6])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[6:8])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[8:10])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[10:16])
	return append(b, `"}`...), nil
}

// seal encrypts (*p)[from:] with the current key and the IV (*p)[:ivSize]
// and returns the compact token. The scratch *p is extended (and may be
// reallocated) to hold the sealed bytes and the token text.
func (c *Codec) seal(p *[]byte, from int) string {
	buf := *p
	ptLen := len(buf) - from
	tokLen := len(headerB64) + 2 + ivB64Len + 1 + b64.EncodedLen(ptLen) + 1 + tagB64Len
	buf = slices.Grow(buf, ptLen+tagSize+tokLen)
	start := len(buf)
	sealed := c.aeads[0].Seal(buf[start:start], buf[:ivSize], buf[from:start], c.aad)
	buf = buf[:start+len(sealed)]
	tok := buf[len(buf):len(buf)]
	tok = append(tok, headerB64...)
	tok = append(tok, '.', '.')
	tok = b64.AppendEncode(tok, buf[:ivSize])
	tok = append(tok, '.')
	tok = b64.AppendEncode(tok, sealed[:ptLen])
	tok = append(tok, '.')
	tok = b64.AppendEncode(tok, sealed[ptLen:])
	*p = buf
	return string(tok)
}

// sealPlaintext encrypts plaintext exactly as given with key and iv and
// returns the compact token (for test vectors; Encode builds the plaintext).
func sealPlaintext(key, iv, plaintext []byte) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	if len(iv) != ivSize {
		return "", fmt.Errorf("jwt: iv must be %d bytes", ivSize)
	}
	sealed := aead.Seal(nil, iv, plaintext, []byte(headerB64))
	n := len(plaintext)
	return headerB64 + ".." + b64.EncodeToString(iv) + "." +
		b64.EncodeToString(sealed[:n]) + "." + b64.EncodeToString(sealed[n:]), nil
}

// Decode decrypts and checks a NextAuth v4 token
// (docs/compatibility.md#decode) as next-auth/jwt's decode does with jose's
// jwtDecrypt: the header must name alg "dir" and enc "A256GCM" (other members
// are allowed, except zip and crit, which NextAuth never writes), the
// encrypted-key segment must be empty, the keys of the secret and then of each
// previous secret are tried in turn, the payload must be a JSON object whose
// iat, nbf and exp are numbers when present, exp must be later than
// now - ClockTolerance and nbf no later than now + ClockTolerance (now in
// whole seconds). iss, sub and aud members of the header must match the
// claims. An empty token gives ErrNoToken.
//
// Unlike jose, Decode rejects enc "A128CBC-HS256" (which jose would accept
// with the same 32-byte key) and compressed ("zip": "DEF") tokens.
func (c *Codec) Decode(token string) (Claims, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	var seg [5]string
	rest := token
	for i := 0; i < 4; i++ {
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			return nil, fmt.Errorf("%w: want 5 segments", ErrInvalid)
		}
		seg[i], rest = rest[:dot], rest[dot+1:]
	}
	if strings.IndexByte(rest, '.') >= 0 {
		return nil, fmt.Errorf("%w: want 5 segments", ErrInvalid)
	}
	seg[4] = rest
	hdr, ivS, ctS, tagS := seg[0], seg[2], seg[3], seg[4]

	var header map[string]any // only for a header other than NextAuth's own
	if hdr != headerB64 {
		var err error
		if header, err = parseHeader(hdr); err != nil {
			return nil, err
		}
	}
	if seg[1] != "" {
		return nil, fmt.Errorf("%w: unexpected encrypted key", ErrInvalid)
	}
	if len(ivS) != ivB64Len || len(tagS) != tagB64Len {
		return nil, fmt.Errorf("%w: iv must be %d and tag %d bytes", ErrInvalid, ivSize, tagSize)
	}

	// Scratch: token copy (AAD, base64 sources) | iv | ciphertext+tag | plaintext.
	ctMax := b64.DecodedLen(len(ctS))
	p := c.buffer(len(token) + ivSize + 2*ctMax + tagSize)
	defer c.release(p)
	buf := append((*p)[:0], token...)
	aad := buf[:len(hdr)]
	off := len(hdr) + 1 + len(seg[1]) + 1
	ivSrc := buf[off : off+len(ivS)]
	off += len(ivS) + 1
	ctSrc := buf[off : off+len(ctS)]
	tagSrc := buf[off+len(ctS)+1:]

	iv := buf[len(buf) : len(buf)+ivSize]
	if n, err := b64.Decode(iv, ivSrc); err != nil || n != ivSize {
		return nil, fmt.Errorf("%w: bad iv encoding", ErrInvalid)
	}
	ctEnd := len(buf) + ivSize
	ct := buf[ctEnd : ctEnd+ctMax+tagSize]
	n, err := b64.Decode(ct, ctSrc)
	if err != nil {
		return nil, fmt.Errorf("%w: bad ciphertext encoding", ErrInvalid)
	}
	if m, err := b64.Decode(ct[n:], tagSrc); err != nil || m != tagSize {
		return nil, fmt.Errorf("%w: bad tag encoding", ErrInvalid)
	}
	ct = ct[:n+tagSize]
	out := buf[ctEnd+len(ct) : ctEnd+len(ct)]

	var pt []byte
	opened := false
	for _, aead := range c.aeads {
		if pt, err = aead.Open(out, iv, ct, aad); err == nil {
			opened = true
			break
		}
	}
	if !opened {
		return nil, ErrDecrypt
	}
	claims, err := parseClaims(pt)
	if err != nil {
		return nil, err
	}
	if err := checkTimes(claims, c.now().Unix()); err != nil {
		return nil, err
	}
	if header != nil {
		if err := checkReplicated(header, claims); err != nil {
			return nil, err
		}
	}
	return claims, nil
}

// parseHeader decodes and checks a protected header that is not
// NextAuth's canonical one.
func parseHeader(s string) (map[string]any, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: missing header", ErrInvalid)
	}
	raw, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bad header encoding", ErrInvalid)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrInvalid)
	}
	if _, ok := h["crit"]; ok {
		return nil, fmt.Errorf("%w: unsupported crit header", ErrInvalid)
	}
	if _, ok := h["zip"]; ok {
		return nil, fmt.Errorf("%w: compressed tokens are not supported", ErrInvalid)
	}
	if h["alg"] != "dir" || h["enc"] != "A256GCM" {
		return nil, fmt.Errorf("%w: want alg dir and enc A256GCM", ErrInvalid)
	}
	return h, nil
}

// parseClaims parses the plaintext, which must be a JSON object. A leading
// byte-order mark is skipped, as JavaScript's TextDecoder does.
func parseClaims(pt []byte) (Claims, error) {
	pt = bytes.TrimPrefix(pt, []byte("\xef\xbb\xbf"))
	claims, err := parseObject(string(pt))
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrInvalid)
	}
	return claims, nil
}

// checkTimes applies jose's iat, nbf and exp checks with ClockTolerance.
func checkTimes(claims Claims, now int64) error {
	tol := float64(ClockTolerance / time.Second)
	if v, ok := claims["iat"]; ok {
		if _, num := v.(float64); !num {
			return fmt.Errorf("%w: iat claim must be a number", ErrInvalid)
		}
	}
	if v, ok := claims["nbf"]; ok {
		nbf, num := v.(float64)
		if !num {
			return fmt.Errorf("%w: nbf claim must be a number", ErrInvalid)
		}
		if nbf > float64(now)+tol {
			return ErrNotYetValid
		}
	}
	if v, ok := claims["exp"]; ok {
		exp, num := v.(float64)
		if !num {
			return fmt.Errorf("%w: exp claim must be a number", ErrInvalid)
		}
		if exp <= float64(now)-tol {
			return ErrExpired
		}
	}
	return nil
}

// checkReplicated applies jose's rule that iss, sub and aud in the header
// equal the claims': iss and sub by JavaScript identity (so an object or
// array never matches), aud by its JSON form.
func checkReplicated(header map[string]any, claims Claims) error {
	for _, name := range []string{"iss", "sub"} {
		hv, ok := header[name]
		if !ok {
			continue
		}
		cv, present := claims[name]
		same := present
		switch hv.(type) {
		case map[string]any, []any:
			same = false
		default:
			same = same && hv == cv
		}
		if !same {
			return fmt.Errorf("%w: %s header does not match the claim", ErrInvalid, name)
		}
	}
	if hv, ok := header["aud"]; ok {
		cv, present := claims["aud"]
		hj, _ := json.Marshal(hv)
		cj, _ := json.Marshal(cv)
		if !present || !bytes.Equal(hj, cj) {
			return fmt.Errorf("%w: aud header does not match the claim", ErrInvalid)
		}
	}
	return nil
}

// Encode makes a session token for claims with the key derived from secret
// (empty salt), as next-auth/jwt's encode does. It derives the key on every
// call; servers should keep a [Codec].
func Encode(secret string, claims Claims, maxAge time.Duration) (string, error) {
	c, err := NewCodec(Options{Secret: secret})
	if err != nil {
		return "", err
	}
	return c.Encode(claims, maxAge)
}

// Decode decrypts and checks a session token with the key derived from
// secret (empty salt), as next-auth/jwt's decode does. It derives the key on
// every call; servers should keep a [Codec].
func Decode(secret, token string) (Claims, error) {
	c, err := NewCodec(Options{Secret: secret})
	if err != nil {
		return nil, err
	}
	return c.Decode(token)
}
