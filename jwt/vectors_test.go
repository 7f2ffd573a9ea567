package jwt

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// Tokens produced by next-auth 4.24.15's encode with a fixed IV, secret
// "secret" and the salts of docs/compatibility.md#key-derivation.
const (
	vectorToken    = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAECAwQFBgcICQoL.D9w7kt5B9FSTpYnNJhtDKaYlEN_TrBxBHvfJXUKH-SEfonToYlsqjYVWfRpWHSwFM24Aw1hhDJ-jA_vqgqpi28sNDiu5QkdGoyEuWyOgHQHSqS49YfG40yGlxAO0dvxTwFiif5w5jnFPfM-C5xhYb1t4nK0-p1knqCvKZUFpTioBG0I.z3uTqHwh-ysnhgkcx5SdRg"
	vectorPlain    = `{"name":"Test","email":"test@example.com","sub":"1","iat":1700000000,"exp":4102444800,"jti":"00000000-0000-4000-8000-000000000000"}`
	expiredToken   = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAECAwQFBgcICQoL.D9wmhtEG7EyA08CcO1gbKfl5R4aPvhZTWqKKBSCH-TBQ6Cm7fAh10JdLb1kPXWRLeH0YzQIqEA.hbkxtSECRXf1T6IKj3Lz9g"
	expiredPlain   = `{"sub":"1","iat":1600000000,"exp":1600000100,"jti":"x"}`
	stateToken     = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..CgsMDQ4PEBESExQV.6KXqOvA8pBmVWUUTLE_3OEI33nXupnkPJJt44ZVCaMRwYlGbTwybifxMrkZuwE_6oC4XXbx1THQAJfoYY2JxA9xhpNCxQBi8-SgsKbLNs19Ry1dun4p1mjOexXDDdDIr0CPnm71GPXb_o7avxHru2zHb.SQKxNKgHvtP0WbuCg3qCFw"
	statePlain     = `{"value":"abc","provider":"github","iat":1700000000,"exp":4102444800,"jti":"00000000-0000-4000-8000-000000000001"}`
	vectorIV       = "000102030405060708090a0b"
	stateIV        = "0a0b0c0d0e0f101112131415"
	vectorSecret   = "secret"
	stateCookieKey = "next-auth.state"
)

// fixedNow returns a clock stopped at Unix second sec.
func fixedNow(sec int64) func() time.Time {
	return func() time.Time { return time.Unix(sec, 0) }
}

// mustHex decodes a hex test constant.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex.DecodeString(%q): %v", s, err)
	}
	return b
}

func TestProtectedHeaderConstant(t *testing.T) {
	if got := base64.RawURLEncoding.EncodeToString([]byte(protectedHeader)); got != headerB64 {
		t.Errorf("base64url(%s) = %q, want %q", protectedHeader, got, headerB64)
	}
}

func TestDeriveKey(t *testing.T) {
	tests := []struct {
		secret, salt, want string
	}{
		{"secret", "", "9ab5058ebf5be88f82f4aee99d22cf8be7a34a4af1836299d0668f4d83020f5a"},
		{"secret", "next-auth.session-token", "5a4bf30791586fc89e65d4486f8d00abe9a24b4a2fe6be5b32264dadb235c543"},
		{"secret", "next-auth.state", "c01f89640026c3c617ec6a68dc377509d2c405289c116743082c17c9874371a7"},
		{"secret", "next-auth.pkce.code_verifier", "a0d18a95d87f3d3579beb7a6e07c4d9c80bcef6e5989397e73790dee648b234b"},
		{"secret", "next-auth.nonce", "8baf701d7889cd03afe25c9eabf72b19db69aa896b5bd85bb5760cf350d268f4"},
		{"secret", "__Secure-next-auth.state", "6cbfda1e7b85bf47e179cf470207e45434a413b8deb8e6bf0e1e2d7bc506da4e"},
		{"s3cr3t-with-ünïcode", "", "d425256225eb451588b963127880b48713ce55c79d7b08651e1ea201b0ec1e2e"},
	}
	for _, tt := range tests {
		t.Run(tt.secret+"/"+tt.salt, func(t *testing.T) {
			if got := hex.EncodeToString(DeriveKey(tt.secret, tt.salt)); got != tt.want {
				t.Errorf("DeriveKey(%q, %q) = %s, want %s", tt.secret, tt.salt, got, tt.want)
			}
		})
	}
}

func TestVectors(t *testing.T) {
	tests := []struct {
		name, salt, iv, plain, token string
		now                          int64
		wantErr                      error
		wantClaims                   Claims
	}{
		{
			name: "session", iv: vectorIV, plain: vectorPlain, token: vectorToken, now: 1700000000,
			wantClaims: Claims{"name": "Test", "email": "test@example.com", "sub": "1",
				"iat": 1700000000.0, "exp": 4102444800.0, "jti": "00000000-0000-4000-8000-000000000000"},
		},
		{
			name: "expired", iv: vectorIV, plain: expiredPlain, token: expiredToken, now: 1700000000,
			wantErr: ErrExpired,
		},
		{
			name: "state cookie", salt: stateCookieKey, iv: stateIV, plain: statePlain, token: stateToken, now: 1700000000,
			wantClaims: Claims{"value": "abc", "provider": "github",
				"iat": 1700000000.0, "exp": 4102444800.0, "jti": "00000000-0000-4000-8000-000000000001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sealPlaintext(DeriveKey(vectorSecret, tt.salt), mustHex(t, tt.iv), []byte(tt.plain))
			if err != nil || got != tt.token {
				t.Errorf("sealPlaintext(%s) = %q, %v, want %q", tt.plain, got, err, tt.token)
			}
			c, err := NewCodec(Options{Secret: vectorSecret, Salt: tt.salt, Now: fixedNow(tt.now)})
			if err != nil {
				t.Fatalf("NewCodec: %v", err)
			}
			claims, err := c.Decode(tt.token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Decode(%s vector) = %v, %v, want %v", tt.name, claims, err, tt.wantErr)
				}
				return
			}
			if err != nil || !sameClaims(claims, tt.wantClaims) {
				t.Errorf("Decode(%s vector) = %v, %v, want %v", tt.name, claims, err, tt.wantClaims)
			}
		})
	}
}

func TestSaltsDoNotMix(t *testing.T) {
	session, err := NewCodec(Options{Secret: vectorSecret, Now: fixedNow(1700000000)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := session.Decode(stateToken); !errors.Is(err, ErrDecrypt) {
		t.Errorf("session codec Decode(state vector) = %v, want ErrDecrypt", err)
	}
	state, err := NewCodec(Options{Secret: vectorSecret, Salt: stateCookieKey, Now: fixedNow(1700000000)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := state.Decode(vectorToken); !errors.Is(err, ErrDecrypt) {
		t.Errorf("state codec Decode(session vector) = %v, want ErrDecrypt", err)
	}
}
