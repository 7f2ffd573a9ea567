package cookie

import (
	"strings"
	"testing"
	"time"
)

func BenchmarkSerialize(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0", 10)
	exp := time.Date(2026, 12, 27, 8, 39, 18, 0, time.UTC)
	o := sessionOpts()
	b.ReportAllocs()
	for b.Loop() {
		_ = Serialize(tokenName, token, o, exp)
	}
}

func BenchmarkReadChunks(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0", 10)
	big := strings.Repeat("x", ChunkSize)
	for _, bc := range []struct{ name, header string }{
		{"single", "next-auth.csrf-token=abc%7Cdef; next-auth.callback-url=http%3A%2F%2Flocalhost; " + tokenName + "=" + token},
		{"three chunks", tokenName + ".1=" + big + "; " + tokenName + ".0=" + big + "; " + tokenName + ".2=" + token},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := request(bc.header)
			b.ReportAllocs()
			for b.Loop() {
				_ = ReadChunks(r, tokenName)
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	r := request("next-auth.csrf-token=abc%7Cdef; next-auth.callback-url=http%3A%2F%2Flocalhost; next-auth.session-token=tok")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Get(r, "next-auth.csrf-token")
	}
}
