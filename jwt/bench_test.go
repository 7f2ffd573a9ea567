package jwt

import (
	"testing"
)

// benchClaims is a typical session payload before iat, exp and jti.
func benchClaims() Claims {
	return Claims{
		"name":    "Alice Liddell",
		"email":   "alice@example.com",
		"picture": "https://example.com/avatars/alice.png",
		"sub":     "5c1d7c52-7c3e-4a8e-9b8f-3f1b9d2a7e11",
	}
}

func BenchmarkEncode(b *testing.B) {
	c := newCodec(b, "secret", 1700000000)
	claims := benchClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(claims, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	c := newCodec(b, "secret", 1700000000)
	tok, err := c.Encode(benchClaims(), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(tok); err != nil {
			b.Fatal(err)
		}
	}
}
