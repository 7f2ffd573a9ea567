package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/jwt"
)

// sessionCookieName is the session cookie's name on the benchmark's plain
// HTTP URLs (no __Secure- prefix).
const sessionCookieName = "next-auth.session-token"

// maxCookieToken is the longest token jwtCookies writes: the Lua script
// sends each as one cookie, which browsers (and both servers' chunking)
// keep under 4096 bytes with its name.
const maxCookieToken = 4096 - len(sessionCookieName) - 1

// jwtCookies writes N distinct JWT session tokens for the user of a
// signed-in session, one a line, for the rows that rotate through many
// cookies (bench/wrk/report.lua, BENCH_TOKENS). COOKIE is the session
// cookie the sign-in set ("next-auth.session-token=…", or its chunks
// ".0", ".1", … as a Cookie header); its claims are decoded with the
// secret in NEXTAUTH_SECRET and encoded again N times with the repo's jwt
// package, as the server's jwt callback would: each token gets a new iat,
// exp and jti and its own IV, so no two are alike. NextAuth.js decodes
// them as its own (the jwt package is byte-compatible with next-auth/jwt).
func jwtCookies(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: jwt-cookies COOKIE N OUTFILE (secret in NEXTAUTH_SECRET)")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 {
		return fmt.Errorf("N: want a positive number, got %q", args[1])
	}
	secret := os.Getenv("NEXTAUTH_SECRET")
	if secret == "" {
		return errors.New("NEXTAUTH_SECRET is not set")
	}
	token, err := sessionToken(args[0])
	if err != nil {
		return err
	}
	codec, err := jwt.NewCodec(jwt.Options{Secret: secret})
	if err != nil {
		return err
	}
	claims, err := codec.Decode(token)
	if err != nil {
		return fmt.Errorf("decoding the signed-in session's token: %w", err)
	}
	tokens, err := mintTokens(codec, claims, n)
	if err != nil {
		return err
	}
	return os.WriteFile(args[2], []byte(strings.Join(tokens, "\n")+"\n"), 0o600)
}

// mintTokens encodes claims (less iat, exp and jti, which Encode sets) n
// times with a 30-day lifetime, NextAuth's default session max age.
func mintTokens(codec *jwt.Codec, claims jwt.Claims, n int) ([]string, error) {
	base := jwt.Claims{}
	for k, v := range claims {
		switch k {
		case "iat", "exp", "jti":
		default:
			base[k] = v
		}
	}
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for range n {
		t, err := codec.Encode(base, 30*24*time.Hour)
		if err != nil {
			return nil, err
		}
		if len(t) > maxCookieToken {
			return nil, fmt.Errorf("a token of %d bytes would need a chunked cookie", len(t))
		}
		if seen[t] {
			return nil, errors.New("two tokens came out alike")
		}
		seen[t] = true
		out = append(out, t)
	}
	return out, nil
}

// sessionToken is the session token of a Cookie header: the value of
// next-auth.session-token, or its chunks .0, .1, … joined in order.
func sessionToken(header string) (string, error) {
	cookies, err := http.ParseCookie(header)
	if err != nil {
		return "", fmt.Errorf("COOKIE: %w", err)
	}
	chunks := map[int]string{}
	for _, c := range cookies {
		if c.Name == sessionCookieName {
			return c.Value, nil
		}
		if s, ok := strings.CutPrefix(c.Name, sessionCookieName+"."); ok {
			if i, err := strconv.Atoi(s); err == nil && i >= 0 {
				chunks[i] = c.Value
			}
		}
	}
	if len(chunks) == 0 {
		return "", fmt.Errorf("COOKIE: no %s cookie", sessionCookieName)
	}
	keys := make([]int, 0, len(chunks))
	for i := range chunks {
		keys = append(keys, i)
	}
	slices.Sort(keys)
	var b strings.Builder
	for j, i := range keys {
		if i != j {
			return "", fmt.Errorf("COOKIE: chunk %s.%d is missing", sessionCookieName, j)
		}
		b.WriteString(chunks[i])
	}
	return b.String(), nil
}
