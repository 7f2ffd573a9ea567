package jwt

import (
	"encoding/json"
	"reflect"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// The go-jose cross-checks confirm that our tokens are ordinary dir/A256GCM
// JWEs under the derived key, and that we read ones written by another
// implementation.

func TestJoseDecryptsOurTokens(t *testing.T) {
	for _, salt := range []string{"", "next-auth.state"} {
		t.Run("salt="+salt, func(t *testing.T) {
			c, err := NewCodec(Options{Secret: "secret", Salt: salt, Now: fixedNow(1700000000)})
			if err != nil {
				t.Fatal(err)
			}
			want := Claims{"sub": "1", "name": "Zoë \"<tag>\"", "n": 1.5, "list": []any{"a", 2.0, nil, true}, "obj": map[string]any{"k": "v"}}
			tok, err := c.Encode(want, 0)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := jose.ParseEncrypted(tok, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
			if err != nil {
				t.Fatalf("jose.ParseEncrypted(%q): %v", tok, err)
			}
			if obj.Header.Algorithm != "dir" || len(obj.Header.ExtraHeaders) != 1 {
				t.Errorf("jose header = %+v, want alg dir and enc only", obj.Header)
			}
			plain, err := obj.Decrypt(DeriveKey("secret", salt))
			if err != nil {
				t.Fatalf("jose Decrypt: %v", err)
			}
			var got Claims
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Fatalf("payload %s: %v", plain, err)
			}
			for k, v := range want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("jose-decrypted claim %q = %#v, want %#v", k, got[k], v)
				}
			}
			if got["iat"] != 1700000000.0 || got["exp"] != 1702592000.0 {
				t.Errorf("jose-decrypted iat, exp = %v, %v, want 1700000000, 1702592000", got["iat"], got["exp"])
			}
		})
	}
}

func TestWeDecodeJoseTokens(t *testing.T) {
	payload := []byte(`{"sub":"7","email":"a@b.c","iat":1700000000,"exp":4102444800,"jti":"j"}`)
	want := Claims{"sub": "7", "email": "a@b.c", "iat": 1700000000.0, "exp": 4102444800.0, "jti": "j"}
	tests := []struct {
		name string
		salt string
		opts *jose.EncrypterOptions
	}{
		{"plain", "", nil},
		{"typ header", "", (&jose.EncrypterOptions{}).WithType("JWT")},
		{"state salt", "next-auth.state", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: DeriveKey("secret", tt.salt)}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := enc.Encrypt(payload)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewCodec(Options{Secret: "secret", Salt: tt.salt, Now: fixedNow(1700000000)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Decode(tok)
			if err != nil || !sameClaims(got, want) {
				t.Errorf("Decode(go-jose token %q) = %v, %v, want %v", tok, got, err, want)
			}
		})
	}
}
