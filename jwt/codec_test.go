package jwt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sameClaims reports whether a and b hold the same members.
func sameClaims(a, b Claims) bool { return reflect.DeepEqual(a, b) }

// newCodec returns a codec for secret with the clock at Unix second now.
func newCodec(t testing.TB, secret string, now int64, previous ...string) *Codec {
	t.Helper()
	c, err := NewCodec(Options{Secret: secret, PreviousSecrets: previous, Now: fixedNow(now)})
	if err != nil {
		t.Fatalf("NewCodec(%q): %v", secret, err)
	}
	return c
}

// craft returns a compact JWE with the given raw segments around an
// AES-256-GCM encryption of plaintext under key with AAD = base64url(header).
func craft(t testing.TB, key []byte, header, encKey string, iv, plaintext []byte) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(header))
	sealed := gcm.Seal(nil, iv, plaintext, []byte(h))
	n := len(plaintext)
	return h + "." + encKey + "." + enc.EncodeToString(iv) + "." + enc.EncodeToString(sealed[:n]) + "." + enc.EncodeToString(sealed[n:])
}

func TestEncode(t *testing.T) {
	uuidV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	const now = 1700000000
	tests := []struct {
		name    string
		claims  Claims
		maxAge  time.Duration
		wantExp float64
	}{
		{"default max age", Claims{"sub": "1"}, 0, now + 2592000},
		{"negative max age", Claims{"sub": "1"}, -time.Hour, now + 2592000},
		{"one hour", Claims{"sub": "1", "name": "Ann"}, time.Hour, now + 3600},
		{"fraction truncated", Claims{}, 90*time.Second + 900*time.Millisecond, now + 90},
		{"nil claims", nil, time.Minute, now + 60},
		{"old iat exp jti replaced", Claims{"iat": 1.0, "exp": 2.0, "jti": "old", "x": true}, time.Minute, now + 60},
	}
	c := newCodec(t, "secret", now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.claims)
			tok, err := c.Encode(tt.claims, tt.maxAge)
			if err != nil {
				t.Fatalf("Encode(%v, %v): %v", tt.claims, tt.maxAge, err)
			}
			if !strings.HasPrefix(tok, headerB64+"..") || strings.Count(tok, ".") != 4 {
				t.Errorf("Encode(%v) = %q, want %s..<iv>.<ct>.<tag>", tt.claims, tok, headerB64)
			}
			got, err := c.Decode(tok)
			if err != nil {
				t.Fatalf("Decode(Encode(%v)): %v", tt.claims, err)
			}
			if got["iat"] != float64(now) || got["exp"] != tt.wantExp {
				t.Errorf("Decode(Encode(%v)) iat, exp = %v, %v, want %v, %v", tt.claims, got["iat"], got["exp"], float64(now), tt.wantExp)
			}
			if jti, _ := got["jti"].(string); !uuidV4.MatchString(jti) {
				t.Errorf("Decode(Encode(%v)) jti = %q, want a UUID v4", tt.claims, jti)
			}
			for k, v := range tt.claims {
				if k == "iat" || k == "exp" || k == "jti" {
					continue
				}
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("Decode(Encode(%v))[%q] = %v, want %v", tt.claims, k, got[k], v)
				}
			}
			if len(got) != len(tt.claims)+3-countReserved(tt.claims) {
				t.Errorf("Decode(Encode(%v)) = %v, want the claims plus iat, exp, jti", tt.claims, got)
			}
			if !reflect.DeepEqual(tt.claims, before) {
				t.Errorf("Encode modified its claims: %v, was %v", tt.claims, before)
			}
		})
	}
}

// countReserved returns how many of iat, exp, jti claims has.
func countReserved(claims Claims) int {
	n := 0
	for _, k := range []string{"iat", "exp", "jti"} {
		if _, ok := claims[k]; ok {
			n++
		}
	}
	return n
}

func TestEncodeRandomness(t *testing.T) {
	c := newCodec(t, "secret", 1700000000)
	a, err := c.Encode(Claims{"sub": "1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(Claims{"sub": "1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := c.Decode(a)
	cb, _ := c.Decode(b)
	if a == b || ca["jti"] == cb["jti"] || strings.Split(a, ".")[2] == strings.Split(b, ".")[2] {
		t.Errorf("two Encode calls share IV or jti: %q, %q", a, b)
	}
}

func TestEncodeDeterministicRand(t *testing.T) {
	// With a fixed random source the token is fully determined: the IV is
	// the first 12 bytes and the jti the next 16 with the UUID v4 bits set.
	rnd := bytes.Repeat([]byte{0xff}, ivSize+jtiSize)
	c, err := NewCodec(Options{Secret: vectorSecret, Now: fixedNow(1700000000), Rand: bytes.NewReader(rnd)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Encode(Claims{"sub": "1", "name": "Test"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sealPlaintext(DeriveKey(vectorSecret, ""), rnd[:ivSize],
		[]byte(`{"name":"Test","sub":"1","iat":1700000000,"exp":1702592000,"jti":"ffffffff-ffff-4fff-bfff-ffffffffffff"}`))
	if err != nil || tok != want {
		t.Errorf("Encode with fixed randomness = %q, want %q (%v)", tok, want, err)
	}
	if _, err := c.Encode(Claims{}, 0); err == nil {
		t.Errorf("Encode with an exhausted random source succeeded, want an error")
	}
}

func TestNewCodecErrors(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"no secret", Options{}},
		{"empty previous", Options{Secret: "a", PreviousSecrets: []string{"b", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := NewCodec(tt.o); err == nil || !strings.HasPrefix(err.Error(), "jwt: ") {
				t.Errorf("NewCodec(%+v) = %v, %v, want a jwt: error", tt.o, c, err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	const now = 1700000000
	old := newCodec(t, "old-secret", now)
	tok, err := old.Encode(Claims{"sub": "42"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	rotated := newCodec(t, "new-secret", now, "older-secret", "old-secret")
	got, err := rotated.Decode(tok)
	if err != nil || got["sub"] != "42" {
		t.Errorf("rotated.Decode(token of previous secret) = %v, %v, want sub 42", got, err)
	}
	fresh, err := rotated.Encode(Claims{"sub": "42"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Decode(fresh); !errors.Is(err, ErrDecrypt) {
		t.Errorf("old.Decode(token of rotated codec) = %v, want ErrDecrypt (new tokens use the current secret)", err)
	}
	if _, err := newCodec(t, "new-secret", now).Decode(fresh); err != nil {
		t.Errorf("Decode with the current secret alone = %v, want success", err)
	}
	if _, err := newCodec(t, "wrong", now, "also-wrong").Decode(tok); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Decode with wrong secrets = %v, want ErrDecrypt", err)
	}
}

func TestClockTolerance(t *testing.T) {
	const now = 1700000000
	key := DeriveKey("secret", "")
	iv := make([]byte, ivSize)
	tests := []struct {
		name    string
		payload string
		wantErr error
	}{
		{"exp now-14s ok", `{"exp":1699999986}`, nil},
		{"exp now-15s expired", `{"exp":1699999985}`, ErrExpired},
		{"exp now-16s expired", `{"exp":1699999984}`, ErrExpired},
		{"exp fraction past edge ok", `{"exp":1699999985.5}`, nil},
		{"nbf now+15s ok", `{"nbf":1700000015}`, nil},
		{"nbf now+16s not yet", `{"nbf":1700000016}`, ErrNotYetValid},
		{"nbf past ok", `{"nbf":1}`, nil},
		{"no times ok", `{"sub":"1"}`, nil},
		{"iat future ok (no age check)", `{"iat":4102444800}`, nil},
		{"iat string", `{"iat":"1"}`, ErrInvalid},
		{"iat null", `{"iat":null}`, ErrInvalid},
		{"exp string", `{"exp":"4102444800"}`, ErrInvalid},
		{"nbf bool", `{"nbf":true}`, ErrInvalid},
		{"iat checked before exp", `{"iat":"x","exp":1}`, ErrInvalid},
	}
	c := newCodec(t, "secret", now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := craft(t, key, protectedHeader, "", iv, []byte(tt.payload))
			_, err := c.Decode(tok)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode(%s) at %d = %v, want %v", tt.payload, now, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	const now = 1700000000
	key := DeriveKey("secret", "")
	iv := make([]byte, ivSize)
	claims := []byte(`{"sub":"1"}`)
	good := craft(t, key, protectedHeader, "", iv, claims)
	seg := strings.Split(good, ".")
	flip := func(s string) string { // change the last byte of a segment
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-1] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	join := func(parts ...string) string { return strings.Join(parts, ".") }
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"empty", "", ErrNoToken},
		{"garbage", "a.b.c.d.e", ErrInvalid},
		{"four segments", join(seg[0], seg[1], seg[2], seg[3]), ErrInvalid},
		{"six segments", good + ".x", ErrInvalid},
		{"no dots", "eyJhbGciOiJkaXIi", ErrInvalid},
		{"tampered tag", join(seg[0], "", seg[2], seg[3], flip(seg[4])), ErrDecrypt},
		{"tampered ciphertext", join(seg[0], "", seg[2], flip(seg[3]), seg[4]), ErrDecrypt},
		{"tampered iv", join(seg[0], "", flip(seg[2]), seg[3], seg[4]), ErrDecrypt},
		{"tampered header", join(base64.RawURLEncoding.EncodeToString([]byte(`{"enc":"A256GCM","alg":"dir"}`)), "", seg[2], seg[3], seg[4]), ErrDecrypt},
		{"encrypted key present", join(seg[0], "AAAA", seg[2], seg[3], seg[4]), ErrInvalid},
		{"bad base64 ciphertext", join(seg[0], "", seg[2], "!!!!", seg[4]), ErrInvalid},
		{"padded tag", join(seg[0], "", seg[2], seg[3], seg[4]+"=="), ErrInvalid},
		{"short iv", join(seg[0], "", "AAAAAAAA", seg[3], seg[4]), ErrInvalid},
		{"short tag", join(seg[0], "", seg[2], seg[3], seg[4][:10]), ErrInvalid},
		{"empty header", join("", "", seg[2], seg[3], seg[4]), ErrInvalid},
		{"header not base64", join("%%%", "", seg[2], seg[3], seg[4]), ErrInvalid},
		{"header not object", craft(t, key, `["dir"]`, "", iv, claims), ErrInvalid},
		{"header null", craft(t, key, `null`, "", iv, claims), ErrInvalid},
		{"alg other", craft(t, key, `{"alg":"A256KW","enc":"A256GCM"}`, "", iv, claims), ErrInvalid},
		{"enc A128GCM", craft(t, key, `{"alg":"dir","enc":"A128GCM"}`, "", iv, claims), ErrInvalid},
		{"enc A128CBC-HS256", craft(t, key, `{"alg":"dir","enc":"A128CBC-HS256"}`, "", iv, claims), ErrInvalid},
		{"alg missing", craft(t, key, `{"enc":"A256GCM"}`, "", iv, claims), ErrInvalid},
		{"zip", craft(t, key, `{"alg":"dir","enc":"A256GCM","zip":"DEF"}`, "", iv, claims), ErrInvalid},
		{"crit", craft(t, key, `{"alg":"dir","enc":"A256GCM","crit":["exp"],"exp":1}`, "", iv, claims), ErrInvalid},
		{"iss header mismatch", craft(t, key, `{"alg":"dir","enc":"A256GCM","iss":"a"}`, "", iv, []byte(`{"iss":"b"}`)), ErrInvalid},
		{"sub header object", craft(t, key, `{"alg":"dir","enc":"A256GCM","sub":{}}`, "", iv, []byte(`{"sub":{}}`)), ErrInvalid},
		{"aud header missing claim", craft(t, key, `{"alg":"dir","enc":"A256GCM","aud":"x"}`, "", iv, claims), ErrInvalid},
		{"payload array", craft(t, key, protectedHeader, "", iv, []byte(`[1]`)), ErrInvalid},
		{"payload null", craft(t, key, protectedHeader, "", iv, []byte(`null`)), ErrInvalid},
		{"payload string", craft(t, key, protectedHeader, "", iv, []byte(`"x"`)), ErrInvalid},
		{"payload empty", craft(t, key, protectedHeader, "", iv, nil), ErrInvalid},
		{"payload not JSON", craft(t, key, protectedHeader, "", iv, []byte(`{sub:1}`)), ErrInvalid},
		{"wrong key", craft(t, DeriveKey("other", ""), protectedHeader, "", iv, claims), ErrDecrypt},
	}
	c := newCodec(t, "secret", now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decode(tt.token)
			if !errors.Is(err, tt.wantErr) || got != nil {
				t.Errorf("Decode(%q) = %v, %v, want %v", tt.token, got, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	key := DeriveKey("secret", "")
	iv := make([]byte, ivSize)
	tests := []struct {
		name, header, payload string
	}{
		{"reordered header", `{"enc":"A256GCM","alg":"dir"}`, `{"sub":"1"}`},
		{"extra header members", `{"alg":"dir","enc":"A256GCM","kid":"k","typ":"JWT","cty":"x"}`, `{"sub":"1"}`},
		{"replicated claims equal", `{"alg":"dir","enc":"A256GCM","iss":"a","sub":"s","aud":["x","y"]}`, `{"iss":"a","sub":"s","aud":["x","y"]}`},
		{"byte order mark", protectedHeader, "\ufeff{\"sub\":\"1\"}"},
		{"empty object", protectedHeader, `{}`},
	}
	c := newCodec(t, "secret", 1700000000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := craft(t, key, tt.header, "", iv, []byte(tt.payload))
			if got, err := c.Decode(tok); err != nil || got == nil {
				t.Errorf("Decode(header %s, payload %s) = %v, %v, want claims", tt.header, tt.payload, got, err)
			}
		})
	}
}

func TestOneShot(t *testing.T) {
	tok, err := Encode("secret", Claims{"sub": "1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode("secret", tok)
	if err != nil || got["sub"] != "1" {
		t.Errorf("Decode(Encode(sub 1)) = %v, %v, want sub 1", got, err)
	}
	if _, err := Decode("other", tok); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Decode with another secret = %v, want ErrDecrypt", err)
	}
	if _, err := Encode("", Claims{}, 0); err == nil {
		t.Errorf("Encode with an empty secret succeeded, want an error")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := newCodec(t, "secret", 1700000000)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				want := Claims{"i": float64(i), "j": float64(j), "pad": strings.Repeat("x", 100*j)}
				tok, err := c.Encode(want, 0)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := c.Decode(tok)
				if err != nil || got["i"] != want["i"] || got["j"] != want["j"] || got["pad"] != want["pad"] {
					t.Errorf("Decode(Encode(%v)) = %v, %v", want, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
