package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/csrf"
	"github.com/nextauth-go/nextauth/jwt"
)

// The floor of a route: the replay of our answer plus the work that any
// server giving NextAuth's answer to the benchmark's request has to do, and
// nothing else (no routing, configuration, callbacks, security headers
// beyond those saved, logging or metrics):
//
//   - session_jwt: find the session cookie in the request, decrypt and
//     check the token (AES-256-GCM, its JSON, its times), encrypt a new one
//     with a fresh iat, exp and jti (NextAuth re-issues the token on every
//     GET /session), and mint a CSRF token (32 random bytes and SHA-256:
//     the request carries no CSRF cookie, so NextAuth sets one); both new
//     values go into the saved Set-Cookie headers in place of the old ones;
//   - csrf: mint a CSRF token and put it into the saved Set-Cookie header
//     and, where the saved body carries the old token (GET /csrf), into the
//     body.
//
// The session JSON is the saved one (its "expires" is not recomputed) and
// the cookies' attributes are the saved text: the floor leaves out work
// rather than add any, so that it is a lower bound of what the route costs.
const (
	sessionCookie = "next-auth.session-token"
	csrfCookie    = "next-auth.csrf-token"
	sessionMaxAge = 30 * 24 * time.Hour // NextAuth's default, and bench/nextauth.yaml's
)

func (a *answer) floor(work, secret string) (http.Handler, error) {
	if secret == "" {
		return nil, fmt.Errorf("-work %s: NEXTAUTH_SECRET is empty", work)
	}
	csrfAt, csrfPre, csrfPost, err := a.setCookie(csrfCookie)
	if err != nil {
		return nil, err
	}
	// mint makes a CSRF token and writes the saved headers with it in the
	// CSRF cookie; the caller may change the other Set-Cookie values in sc.
	mint := func(w http.ResponseWriter) (token string, sc []string, ok bool) {
		t, c, err := csrf.New(nil, secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return "", nil, false
		}
		h := w.Header()
		for k, v := range a.hdr {
			h[k] = v
		}
		sc = append([]string(nil), a.hdr["Set-Cookie"]...)
		sc[csrfAt] = csrfPre + t + "%7C" + c[len(t)+1:] + csrfPost
		h["Set-Cookie"] = sc
		return t, sc, true
	}
	switch work {
	case "session_jwt":
		codec, err := jwt.NewCodec(jwt.Options{Secret: secret})
		if err != nil {
			return nil, err
		}
		tokAt, tokPre, tokPost, err := a.setCookie(sessionCookie)
		if err != nil {
			return nil, err
		}
		body := []byte(a.body)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, ok := cookie.GetRaw(r, sessionCookie)
			if !ok {
				http.Error(w, "no session cookie", http.StatusBadRequest)
				return
			}
			claims, err := codec.Decode(v)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			tok, err := codec.Encode(claims, sessionMaxAge)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, sc, ok := mint(w)
			if !ok {
				return
			}
			sc[tokAt] = tokPre + tok + tokPost
			_, _ = w.Write(body)
		}), nil
	case "csrf":
		old, _, _ := strings.Cut(strings.TrimPrefix(a.hdr["Set-Cookie"][csrfAt], csrfPre), "%7C")
		bodyPre, bodyPost, inBody := strings.Cut(a.body, old)
		body := []byte(a.body)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			t, _, ok := mint(w)
			if !ok {
				return
			}
			if inBody {
				_, _ = w.Write([]byte(bodyPre + t + bodyPost))
				return
			}
			_, _ = w.Write(body)
		}), nil
	}
	return nil, fmt.Errorf("-work %q: want session_jwt or csrf", work)
}

// setCookie finds the saved Set-Cookie header of cookie name and splits it
// around the value: index among the Set-Cookie headers, "name=", and
// everything from the first ';'.
func (a *answer) setCookie(name string) (at int, pre, post string, err error) {
	for i, v := range a.hdr["Set-Cookie"] {
		if rest, ok := strings.CutPrefix(v, name+"="); ok {
			_, attrs, _ := strings.Cut(rest, ";")
			return i, name + "=", ";" + attrs, nil
		}
	}
	return 0, "", "", fmt.Errorf("the saved answer sets no %s cookie", name)
}
