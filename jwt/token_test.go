package jwt

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// tokenRequest returns a request with the given Cookie and Authorization
// headers ("" leaves a header out).
func tokenRequest(cookieHeader, authorization string) *http.Request {
	r, err := http.NewRequest(http.MethodGet, "http://localhost/api/x", nil)
	if err != nil {
		panic(err)
	}
	if cookieHeader != "" {
		r.Header.Set("Cookie", cookieHeader)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

func TestTokenString(t *testing.T) {
	const tok = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z"
	tests := []struct {
		name          string
		cookieHeader  string
		authorization string
		o             GetTokenOptions
		want          string
		wantErr       error
	}{
		{name: "cookie", cookieHeader: "next-auth.session-token=" + tok, want: tok},
		{name: "chunked cookie", cookieHeader: "next-auth.session-token.1=B; next-auth.session-token.0=A", want: "AB"},
		{name: "secure name", cookieHeader: "next-auth.session-token=plain; __Secure-next-auth.session-token=sec", o: GetTokenOptions{SecureCookie: true}, want: "sec"},
		{name: "secure name missing", cookieHeader: "next-auth.session-token=plain", o: GetTokenOptions{SecureCookie: true}, wantErr: ErrNoToken},
		{name: "custom name", cookieHeader: "next-auth.session-token=plain; my-session=mine", o: GetTokenOptions{CookieName: "my-session", SecureCookie: true}, want: "mine"},
		{name: "cookie wins over bearer", cookieHeader: "next-auth.session-token=c", authorization: "Bearer b", want: "c"},
		{name: "empty cookie falls back to bearer", cookieHeader: "next-auth.session-token=", authorization: "Bearer b", want: "b"},
		{name: "bearer", authorization: "Bearer " + tok, want: tok},
		{name: "bearer percent-decoded", authorization: "Bearer a%2Eb%7C", want: "a.b|"},
		{name: "bearer second word only", authorization: "Bearer a b", want: "a"},
		{name: "bearer double space", authorization: "Bearer  a", wantErr: ErrNoToken},
		{name: "bearer malformed escape", authorization: "Bearer a%E0%A4", wantErr: ErrNoToken},
		{name: "bearer lower case", authorization: "bearer " + tok, wantErr: ErrNoToken},
		{name: "bearer alone", authorization: "Bearer", wantErr: ErrNoToken},
		{name: "basic", authorization: "Basic dXNlcjpwYXNz", wantErr: ErrNoToken},
		{name: "nothing", wantErr: ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TokenString(tokenRequest(tt.cookieHeader, tt.authorization), tt.o)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("TokenString(Cookie %q, Authorization %q) = %q, %v, want %q, %v", tt.cookieHeader, tt.authorization, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestGetToken(t *testing.T) {
	const now = 1700000000
	c := newCodec(t, "secret", now)
	tok, err := c.Encode(Claims{"sub": "9", "pad": strings.Repeat("p", 6000)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Chunk the token as the server writes it, then send the chunks in
	// reverse order, as a browser may.
	set := cookie.Chunks{}.Write(CookieName, tok, cookie.Options{Path: "/"}, time.Unix(now+3600, 0))
	if len(set) < 2 {
		t.Fatalf("Write(%d-char token) = %d cookies, want chunks", len(tok), len(set))
	}
	var pairs []string
	for i := len(set) - 1; i >= 0; i-- {
		pair, _, _ := strings.Cut(set[i], ";")
		pairs = append(pairs, pair)
	}
	chunked := strings.Join(pairs, "; ")

	tests := []struct {
		name          string
		cookieHeader  string
		authorization string
		wantSub       string
		wantErr       error
	}{
		{name: "chunked cookie", cookieHeader: chunked, wantSub: "9"},
		{name: "bearer", authorization: "Bearer " + vectorToken, wantSub: "1"},
		{name: "expired", authorization: "Bearer " + expiredToken, wantErr: ErrExpired},
		{name: "garbage cookie", cookieHeader: "next-auth.session-token=garbage", wantErr: ErrInvalid},
		{name: "state token", authorization: "Bearer " + stateToken, wantErr: ErrDecrypt},
		{name: "none", wantErr: ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GetToken(tokenRequest(tt.cookieHeader, tt.authorization), GetTokenOptions{Codec: c})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Errorf("GetToken(%s) = %v, %v, want %v", tt.name, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got["sub"] != tt.wantSub {
				t.Errorf("GetToken(%s) = %v, %v, want sub %q", tt.name, got, err, tt.wantSub)
			}
		})
	}
	if _, err := GetToken(tokenRequest("", ""), GetTokenOptions{}); err == nil || errors.Is(err, ErrNoToken) {
		t.Errorf("GetToken without a Codec = %v, want a configuration error", err)
	}
}

func FuzzGetToken(f *testing.F) {
	for _, s := range []string{"Bearer " + vectorToken, "Bearer", "Bearer ", "Bearer %", "Bearer a%2", "bearer x", "Bearer  x", "Bearer x y", "Basic x", ""} {
		f.Add(s)
	}
	c := newCodec(f, "secret", 1700000000)
	f.Fuzz(func(t *testing.T, authorization string) {
		r := tokenRequest("", "")
		r.Header["Authorization"] = []string{authorization}
		_, _ = GetToken(r, GetTokenOptions{Codec: c}) // must not panic
		tok, err := TokenString(r, GetTokenOptions{})
		if err != nil {
			if !errors.Is(err, ErrNoToken) {
				t.Errorf("TokenString(Authorization %q) = %v, want ErrNoToken", authorization, err)
			}
			return
		}
		if !strings.HasPrefix(authorization, "Bearer ") {
			t.Errorf("TokenString(Authorization %q) = %q, want ErrNoToken without \"Bearer \"", authorization, tok)
		}
		if !utf8.ValidString(tok) {
			return // raw bytes that re-encoding would escape one by one
		}
		// The token is the decoded second word: re-encoding it and sending
		// it again yields the same token.
		r.Header["Authorization"] = []string{"Bearer " + jsuri.EncodeURIComponent(tok)}
		if again, err := TokenString(r, GetTokenOptions{}); err != nil || again != tok {
			t.Errorf("TokenString(Bearer EncodeURIComponent(%q)) = %q, %v, want the token", tok, again, err)
		}
	})
}
