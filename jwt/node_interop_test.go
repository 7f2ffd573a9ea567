package jwt_test

// Interop with the real next-auth/jwt 4.24.15 (testdata/node, driven through
// internal/nodetest): tokens, cookies and errors must agree both ways.
// Install the fixture with: npm ci --prefix testdata/node

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/nodetest"
	"github.com/nextauth-go/nextauth/jwt"
)

const (
	interopSecret = "interop secret, ünïcode 🔑"
	otherSecret   = "not the interop secret"
	sessionCookie = "next-auth.session-token"
	secureCookie  = "__Secure-next-auth.session-token"
	stateCookie   = "next-auth.state"
	chunkSize     = 3933 // docs/compatibility.md#session-cookie-chunks
)

// interopClaims are the payloads exchanged both ways.
var interopClaims = []struct {
	name   string
	claims jwt.Claims
}{
	{"strings", jwt.Claims{"name": "Ada Lovelace", "email": "ada@example.com", "sub": "42", "empty": ""}},
	{"numbers", jwt.Claims{"int": 7, "neg": -12, "float": 3.25, "zero": 0, "big": 9007199254740991, "tiny": 1e-7}},
	{"nested", jwt.Claims{"user": map[string]any{"id": "u1", "roles": []any{"admin", "dev"}, "meta": map[string]any{"n": 1, "deep": []any{map[string]any{"x": true}}}}, "list": []any{1, "two", nil, false}, "obj": map[string]any{}}},
	{"unicode", jwt.Claims{"name": "Zoë Ångström", "cjk": "日本語テキスト", "emoji": "🔐✅👩‍💻", "rtl": "مرحبا", "escapes": "quote \" backslash \\ tab \t nl \n <html>&amp;", "ctl": "\u0001\u001f"}},
	{"null and bool", jwt.Claims{"picture": nil, "admin": true, "banned": false}},
	{"empty", jwt.Claims{}},
	{"session shape", jwt.Claims{"name": "Test", "email": "test@example.com", "picture": "https://example.com/a.png", "sub": "1"}},
}

func newCodec(t *testing.T, o jwt.Options) *jwt.Codec {
	t.Helper()
	c, err := jwt.NewCodec(o)
	if err != nil {
		t.Fatalf("NewCodec(%+v) error: %v", o, err)
	}
	return c
}

// canonical turns v into what encoding/json makes of its JSON (numbers as
// float64), so that Go and Node values compare with reflect.DeepEqual.
func canonical(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return out
}

// withoutRegistered checks that claims has numeric iat and exp with
// exp-iat == maxAge (±1 s), iat between issued (a time before the token
// was made) and now, and a string jti, then returns the other claims in
// canonical form. The bounds are times, not a margin: however long node
// took, a right iat is within them.
func withoutRegistered(t *testing.T, claims any, maxAge time.Duration, issued time.Time) map[string]any {
	t.Helper()
	m, ok := canonical(t, claims).(map[string]any)
	if !ok {
		t.Fatalf("claims = %v, want an object", claims)
	}
	iat, ok1 := m["iat"].(float64)
	exp, ok2 := m["exp"].(float64)
	jti, ok3 := m["jti"].(string)
	if !ok1 || !ok2 || !ok3 || jti == "" {
		t.Errorf("claims iat, exp, jti = %v, %v, %q, want two numbers and a string", m["iat"], m["exp"], m["jti"])
	}
	// Whole seconds on both sides, and a second of slack for a clock
	// step.
	if from, to := float64(issued.Unix()-1), float64(time.Now().Unix()+1); iat < from || iat > to {
		t.Errorf("claims iat = %v, want it in [%v, %v] (from before the token was made to now)", iat, from, to)
	}
	if d := exp - iat - maxAge.Seconds(); d < -1 || d > 1 {
		t.Errorf("claims exp-iat = %v, want %v", exp-iat, maxAge.Seconds())
	}
	delete(m, "iat")
	delete(m, "exp")
	delete(m, "jti")
	return m
}

// short formats v for a failure message, cut to a readable length (some
// claims hold thousands of characters).
func short(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func nodeOK(t *testing.T, what string, resp map[string]any) {
	t.Helper()
	if resp["ok"] != true {
		t.Fatalf("%s: node answered %v, want ok", what, resp)
	}
}

func TestNodeDecodesGoTokens(t *testing.T) {
	nodetest.Require(t)
	codec := newCodec(t, jwt.Options{Secret: interopSecret})
	const maxAge = 2 * time.Hour
	issued := time.Now()
	var reqs []any
	for _, tc := range interopClaims {
		tok, err := codec.Encode(tc.claims, maxAge)
		if err != nil {
			t.Fatalf("Encode(%s) error: %v", tc.name, err)
		}
		reqs = append(reqs, map[string]any{"op": "decode", "token": tok, "secret": interopSecret})
	}
	res := nodetest.RunJWTBatch(t, reqs)
	for i, tc := range interopClaims {
		t.Run(tc.name, func(t *testing.T) {
			nodeOK(t, "decode", res[i])
			got := withoutRegistered(t, res[i]["claims"], maxAge, issued)
			if want := canonical(t, tc.claims); !reflect.DeepEqual(got, want) {
				t.Errorf("node decode(Go Encode(%v)) = %v, want %v", tc.claims, got, want)
			}
		})
	}
}

func TestGoDecodesNodeTokens(t *testing.T) {
	nodetest.Require(t)
	codec := newCodec(t, jwt.Options{Secret: interopSecret})
	const maxAge = 90 * time.Minute
	issued := time.Now()
	var reqs []any
	for _, tc := range interopClaims {
		reqs = append(reqs, map[string]any{"op": "encode", "token": tc.claims, "secret": interopSecret, "maxAge": maxAge.Seconds()})
	}
	res := nodetest.RunJWTBatch(t, reqs)
	for i, tc := range interopClaims {
		t.Run(tc.name, func(t *testing.T) {
			nodeOK(t, "encode", res[i])
			tok, _ := res[i]["token"].(string)
			claims, err := codec.Decode(tok)
			if err != nil {
				t.Fatalf("Decode(node encode(%v)) error: %v", tc.claims, err)
			}
			got := withoutRegistered(t, claims, maxAge, issued)
			if want := canonical(t, tc.claims); !reflect.DeepEqual(got, want) {
				t.Errorf("Decode(node encode(%v)) = %v, want %v", tc.claims, got, want)
			}
		})
	}
}

// cookie is one request cookie; order matters for building a Cookie header.
type cookie struct{ name, value string }

// chunks splits value into the cookies NextAuth writes for a big session
// token: name.0, name.1, … of chunkSize characters each
// (docs/compatibility.md#session-cookie-chunks).
func chunks(name, value string) []cookie {
	var out []cookie
	for i := 0; len(value) > 0; i++ {
		n := min(chunkSize, len(value))
		out = append(out, cookie{fmt.Sprintf("%s.%d", name, i), value[:n]})
		value = value[n:]
	}
	return out
}

func reversed(cs []cookie) []cookie {
	out := make([]cookie, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out
}

// getTokenCase is one request seen by both getToken implementations.
type getTokenCase struct {
	name         string
	cookies      []cookie
	headers      map[string]string
	secureCookie bool
	cookieName   string
	secret       string // secret getToken decodes with; "" means interopSecret
	want         any    // canonical claims expected, or nil for none
	wantErr      error  // our GetToken's error when want is nil; errAny accepts any error
}

var errAny = errors.New("any error")

// checkGetToken runs every case through node's getToken and our GetToken and
// checks that both find the expected claims (or both find none).
func checkGetToken(t *testing.T, cases []getTokenCase) {
	t.Helper()
	var reqs []any
	for _, tc := range cases {
		cookies := map[string]string{}
		for _, c := range tc.cookies {
			cookies[c.name] = c.value
		}
		req := map[string]any{"op": "getToken", "cookies": cookies, "headers": tc.headers,
			"secret": cmp.Or(tc.secret, interopSecret), "secureCookie": tc.secureCookie}
		if tc.cookieName != "" {
			req["cookieName"] = tc.cookieName
		}
		reqs = append(reqs, req)
	}
	res := nodetest.RunJWTBatch(t, reqs)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodeOK(t, "getToken", res[i])
			var nodeGot any
			if res[i]["claims"] != nil {
				nodeGot = canonical(t, res[i]["claims"])
			}
			if !reflect.DeepEqual(nodeGot, tc.want) {
				t.Errorf("node getToken = %s, want %s", short(nodeGot), short(tc.want))
			}

			r := httptest.NewRequest(http.MethodGet, "/api/whatever", nil)
			for _, c := range tc.cookies {
				r.AddCookie(&http.Cookie{Name: c.name, Value: c.value})
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			codec := newCodec(t, jwt.Options{Secret: cmp.Or(tc.secret, interopSecret)})
			claims, err := jwt.GetToken(r, jwt.GetTokenOptions{Codec: codec, SecureCookie: tc.secureCookie, CookieName: tc.cookieName})
			switch {
			case tc.want != nil:
				if err != nil {
					t.Fatalf("GetToken error: %v, want claims %s", err, short(tc.want))
				}
				if got := canonical(t, claims); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("GetToken = %s, want %s", short(got), short(tc.want))
				}
			case err == nil:
				t.Errorf("GetToken = %s, <nil>, want error %v", short(claims), tc.wantErr)
			case tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Errorf("GetToken error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestGetTokenGoTokens gives tokens made by our Codec to both getTokens.
func TestGetTokenGoTokens(t *testing.T) {
	nodetest.Require(t)
	codec := newCodec(t, jwt.Options{Secret: interopSecret})
	small := jwt.Claims{"sub": "1", "name": "Ada"}
	tok, err := codec.Encode(small, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, err := codec.Encode(jwt.Claims{"sub": "2"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	big := jwt.Claims{"sub": "3", "blob": strings.Repeat("0123456789abcdef", 375)} // 6000 chars
	bigTok, err := codec.Encode(big, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(bigTok) <= 2*chunkSize {
		t.Fatalf("big token has %d chars, want more than %d (three chunks)", len(bigTok), 2*chunkSize)
	}
	decoded := func(tok string) any {
		c, err := codec.Decode(tok)
		if err != nil {
			t.Fatalf("Decode own token: %v", err)
		}
		return canonical(t, c)
	}
	want, wantBig, wantOther := decoded(tok), decoded(bigTok), decoded(other)

	checkGetToken(t, []getTokenCase{
		{name: "session cookie", cookies: []cookie{{"other", "x"}, {sessionCookie, tok}}, want: want},
		{name: "secure cookie", cookies: []cookie{{secureCookie, tok}}, secureCookie: true, want: want},
		{name: "secure cookie not asked for", cookies: []cookie{{secureCookie, tok}}, wantErr: jwt.ErrNoToken},
		{name: "plain cookie when secure asked", cookies: []cookie{{sessionCookie, tok}}, secureCookie: true, wantErr: jwt.ErrNoToken},
		{name: "custom cookie name", cookies: []cookie{{"my.session", tok}}, cookieName: "my.session", want: want},
		{name: "bearer header", headers: map[string]string{"Authorization": "Bearer " + tok}, want: want},
		{name: "lower-case bearer ignored", headers: map[string]string{"Authorization": "bearer " + tok}, wantErr: jwt.ErrNoToken},
		{name: "cookie wins over bearer", cookies: []cookie{{sessionCookie, tok}}, headers: map[string]string{"Authorization": "Bearer " + other}, want: want},
		{name: "bearer only when no cookie", headers: map[string]string{"Authorization": "Bearer " + other}, want: wantOther},
		{name: "bad percent-encoding in bearer", headers: map[string]string{"Authorization": "Bearer %E0%A4%A"}, wantErr: errAny},
		{name: "no token", wantErr: jwt.ErrNoToken},
		{name: "wrong secret", cookies: []cookie{{sessionCookie, tok}}, secret: otherSecret, wantErr: jwt.ErrDecrypt},
		{name: "chunked", cookies: chunks(sessionCookie, bigTok), want: wantBig},
		{name: "chunked out of order", cookies: reversed(chunks(sessionCookie, bigTok)), want: wantBig},
		{name: "chunked secure", cookies: chunks(secureCookie, bigTok), secureCookie: true, want: wantBig},
	})
}

// TestGetTokenNodeTokens gives tokens made by next-auth/jwt to both getTokens.
func TestGetTokenNodeTokens(t *testing.T) {
	nodetest.Require(t)
	big := map[string]any{"sub": "9", "blob": strings.Repeat("é-ü-", 1500)} // 6000 characters
	res := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "encode", "token": map[string]any{"sub": "8", "name": "Grace"}, "secret": interopSecret, "maxAge": 3600},
		map[string]any{"op": "encode", "token": big, "secret": interopSecret, "maxAge": 3600},
	})
	nodeOK(t, "encode", res[0])
	nodeOK(t, "encode", res[1])
	tok, _ := res[0]["token"].(string)
	bigTok, _ := res[1]["token"].(string)
	if len(bigTok) <= chunkSize {
		t.Fatalf("node's big token has %d chars, want more than %d", len(bigTok), chunkSize)
	}
	dec := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "decode", "token": tok, "secret": interopSecret},
		map[string]any{"op": "decode", "token": bigTok, "secret": interopSecret},
	})
	nodeOK(t, "decode", dec[0])
	nodeOK(t, "decode", dec[1])
	want, wantBig := canonical(t, dec[0]["claims"]), canonical(t, dec[1]["claims"])

	checkGetToken(t, []getTokenCase{
		{name: "session cookie", cookies: []cookie{{sessionCookie, tok}}, want: want},
		{name: "secure cookie", cookies: []cookie{{secureCookie, tok}}, secureCookie: true, want: want},
		{name: "bearer header", headers: map[string]string{"Authorization": "Bearer " + tok}, want: want},
		{name: "chunked", cookies: chunks(sessionCookie, bigTok), want: wantBig},
		{name: "chunked out of order", cookies: reversed(chunks(sessionCookie, bigTok)), want: wantBig},
		{name: "wrong secret", cookies: []cookie{{sessionCookie, tok}}, secret: otherSecret, wantErr: jwt.ErrDecrypt},
	})
}

func TestWrongSecret(t *testing.T) {
	nodetest.Require(t)
	goTok, err := newCodec(t, jwt.Options{Secret: interopSecret}).Encode(jwt.Claims{"sub": "1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "decode", "token": goTok, "secret": otherSecret},
		map[string]any{"op": "encode", "token": map[string]any{"sub": "2"}, "secret": interopSecret, "maxAge": 3600},
	})
	if res[0]["ok"] != false || res[0]["error"] != "JWEDecryptionFailed" {
		t.Errorf("node decode(Go token, wrong secret) = %v, want error JWEDecryptionFailed", res[0])
	}
	nodeOK(t, "encode", res[1])
	nodeTok, _ := res[1]["token"].(string)
	if c, err := newCodec(t, jwt.Options{Secret: otherSecret}).Decode(nodeTok); !errors.Is(err, jwt.ErrDecrypt) {
		t.Errorf("Decode(node token, wrong secret) = %v, %v, want ErrDecrypt", c, err)
	}
	// A rotated-out secret still opens old tokens when listed as previous.
	rotated := newCodec(t, jwt.Options{Secret: otherSecret, PreviousSecrets: []string{interopSecret}})
	if c, err := rotated.Decode(nodeTok); err != nil || c["sub"] != "2" {
		t.Errorf("Decode(node token) with the secret in PreviousSecrets = %v, %v, want sub 2", c, err)
	}
}

// TestCheckCookieSalt exchanges OAuth check-cookie values, whose key is
// derived with the cookie name as salt (docs/compatibility.md#key-derivation).
func TestCheckCookieSalt(t *testing.T) {
	nodetest.Require(t)
	value := jwt.Claims{"value": "state-abc", "provider": "github"}
	issued := time.Now()
	salted := newCodec(t, jwt.Options{Secret: interopSecret, Salt: stateCookie})
	goTok, err := salted.Encode(value, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "decode", "token": goTok, "secret": interopSecret, "salt": stateCookie},
		map[string]any{"op": "decode", "token": goTok, "secret": interopSecret},
		map[string]any{"op": "decode", "token": goTok, "secret": interopSecret, "salt": "next-auth.nonce"},
		map[string]any{"op": "encode", "token": value, "secret": interopSecret, "salt": stateCookie, "maxAge": 900},
	})
	nodeOK(t, "decode with salt", res[0])
	if got, want := withoutRegistered(t, res[0]["claims"], 15*time.Minute, issued), canonical(t, value); !reflect.DeepEqual(got, want) {
		t.Errorf("node decode(Go salted token) = %v, want %v", got, want)
	}
	for i, what := range []string{"without salt", "with another salt"} {
		if r := res[1+i]; r["ok"] != false || r["error"] != "JWEDecryptionFailed" {
			t.Errorf("node decode(Go salted token) %s = %v, want error JWEDecryptionFailed", what, r)
		}
	}

	nodeOK(t, "encode with salt", res[3])
	nodeTok, _ := res[3]["token"].(string)
	claims, err := salted.Decode(nodeTok)
	if err != nil {
		t.Fatalf("Decode(node salted token) error: %v", err)
	}
	if got, want := withoutRegistered(t, claims, 15*time.Minute, issued), canonical(t, value); !reflect.DeepEqual(got, want) {
		t.Errorf("Decode(node salted token) = %v, want %v", got, want)
	}
	if c, err := newCodec(t, jwt.Options{Secret: interopSecret}).Decode(nodeTok); !errors.Is(err, jwt.ErrDecrypt) {
		t.Errorf("Decode(node salted token) without salt = %v, %v, want ErrDecrypt", c, err)
	}
}

// TestExpiryTolerance checks the 15 s clock tolerance of
// docs/compatibility.md#decode both ways: a token that expired 10 s ago is
// still accepted, one from 20 s ago is not.
func TestExpiryTolerance(t *testing.T) {
	nodetest.Require(t)
	codec := newCodec(t, jwt.Options{Secret: interopSecret})
	const maxAge = time.Hour
	goToken := func(expiredFor time.Duration) string {
		past := newCodec(t, jwt.Options{Secret: interopSecret, Now: func() time.Time {
			return time.Now().Add(-maxAge - expiredFor)
		}})
		tok, err := past.Encode(jwt.Claims{"sub": "1"}, maxAge)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	res := nodetest.RunJWTBatch(t, []any{
		map[string]any{"op": "encode", "token": map[string]any{"sub": "1"}, "secret": interopSecret, "maxAge": -10},
		map[string]any{"op": "encode", "token": map[string]any{"sub": "1"}, "secret": interopSecret, "maxAge": -20},
		map[string]any{"op": "decode", "token": goToken(10 * time.Second), "secret": interopSecret},
		map[string]any{"op": "decode", "token": goToken(20 * time.Second), "secret": interopSecret},
	})
	nodeOK(t, "encode maxAge -10", res[0])
	nodeOK(t, "encode maxAge -20", res[1])

	tok10, _ := res[0]["token"].(string)
	if c, err := codec.Decode(tok10); err != nil || c["sub"] != "1" {
		t.Errorf("Decode(node token expired 10 s ago) = %v, %v, want sub 1", c, err)
	}
	tok20, _ := res[1]["token"].(string)
	if c, err := codec.Decode(tok20); !errors.Is(err, jwt.ErrExpired) {
		t.Errorf("Decode(node token expired 20 s ago) = %v, %v, want ErrExpired", c, err)
	}

	if res[2]["ok"] != true {
		t.Errorf("node decode(Go token expired 10 s ago) = %v, want ok", res[2])
	}
	if r := res[3]; r["ok"] != false || r["code"] != "ERR_JWT_EXPIRED" {
		t.Errorf("node decode(Go token expired 20 s ago) = %v, want error code ERR_JWT_EXPIRED", r)
	}
}
