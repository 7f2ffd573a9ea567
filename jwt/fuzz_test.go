package jwt

import (
	"errors"
	"reflect"
	"testing"
)

func FuzzDecode(f *testing.F) {
	c := newCodec(f, vectorSecret, 1700000000)
	fresh, err := c.Encode(Claims{"sub": "1", "list": []any{1.0, "x"}}, 0)
	if err != nil {
		f.Fatal(err)
	}
	seeds := []string{vectorToken, expiredToken, stateToken, fresh, "", "a.b.c.d.e", "....", "a.b.c.d.e.f"}
	for _, tok := range []string{vectorToken, fresh} {
		for _, n := range []int{1, 39, 40, 41, 58, len(tok) - 23, len(tok) - 1} {
			seeds = append(seeds, tok[:n])
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		checkDecode(t, c, token)
	})
}

// FuzzDecodePayload seals fuzzed payloads under the right key, so that the
// claim parsing and checks behind the decryption are reached.
func FuzzDecodePayload(f *testing.F) {
	c := newCodec(f, vectorSecret, 1700000000)
	key := DeriveKey(vectorSecret, "")
	for _, s := range []string{vectorPlain, expiredPlain, statePlain, `{}`, `[]`, `null`, `{"nbf":1700000016}`,
		`{"exp":"1"}`, "\ufeff{\"a\":[1,{\"b\":\"\\ud800\"}]}", `{"a":1e400}`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		checkDecode(t, c, craft(t, key, protectedHeader, "", make([]byte, ivSize), []byte(payload)))
	})
}

// checkDecode decodes token with c and checks the outcome: a sentinel error
// and no claims, or claims that survive Encode and Decode unchanged (iat,
// exp and jti aside).
func checkDecode(t *testing.T, c *Codec, token string) {
	claims, err := c.Decode(token) // must not panic
	if err != nil {
		if claims != nil {
			t.Errorf("Decode(%q) = %v with error %v, want nil claims", token, claims, err)
		}
		for _, e := range []error{ErrInvalid, ErrDecrypt, ErrExpired, ErrNotYetValid, ErrNoToken} {
			if errors.Is(err, e) {
				return
			}
		}
		t.Errorf("Decode(%q) = %v, want one of the sentinel errors", token, err)
		return
	}
	tok, err := c.Encode(claims, 0)
	if err != nil {
		t.Fatalf("Encode(Decode(%q) = %v): %v", token, claims, err)
	}
	again, err := c.Decode(tok)
	if err != nil {
		t.Fatalf("Decode(Encode(%v)): %v", claims, err)
	}
	for _, k := range []string{"iat", "exp", "jti"} {
		delete(claims, k)
		delete(again, k)
	}
	if !reflect.DeepEqual(claims, again) {
		t.Errorf("Decode(Encode(%v)) = %v, want the same claims", claims, again)
	}
}
