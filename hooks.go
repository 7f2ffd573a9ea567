package nextauth

import (
	"context"
	"fmt"
	"net/http"

	"github.com/nextauth-go/nextauth/jwt"
)

// This file is the one place where the handler calls user code: the four
// callbacks of [Callbacks], the [Events], and a credentials provider's
// Authorize. Every call has the same guard:
//
//   - a panic in a callback or in Authorize becomes the error it would have
//     returned ("<name> panicked: <value>"), so the request gets exactly the
//     answer that error gets;
//   - a panic in an event is logged as <NAME>_EVENT_ERROR and the request
//     completes as if the event had returned (events are fire-and-forget,
//     as in NextAuth).

// panicked turns a recovered value into the error of the user code name.
func panicked(name string, v any) error { return fmt.Errorf("%s panicked: %v", name, v) }

// callSignIn runs Callbacks.SignIn; nil allows.
func (h *Handler) callSignIn(ctx context.Context, p SignInParams) (res SignInResult, err error) {
	f := h.cfg.Callbacks.SignIn
	if f == nil {
		return SignInResult{}, nil
	}
	defer func() {
		if v := recover(); v != nil {
			res, err = SignInResult{}, panicked("signIn callback", v)
		}
	}()
	return f(ctx, p)
}

// callRedirect runs Callbacks.Redirect, or NextAuth's default same-origin
// rule when it is nil.
func (h *Handler) callRedirect(ctx context.Context, url, baseURL string) (target string, err error) {
	f := h.cfg.Callbacks.Redirect
	if f == nil {
		target = defaultRedirect(url, baseURL)
		if target == baseURL && url != baseURL && h.redirectAllowed(url, baseURL) {
			target = url
		}
		return target, nil
	}
	defer func() {
		if v := recover(); v != nil {
			target, err = "", panicked("redirect callback", v)
		}
	}()
	return f(ctx, url, baseURL)
}

// callJWT runs Callbacks.JWT; nil returns the token unchanged.
func (h *Handler) callJWT(ctx context.Context, p JWTParams) (tok jwt.Claims, err error) {
	f := h.cfg.Callbacks.JWT
	if f == nil {
		return p.Token, nil
	}
	defer func() {
		if v := recover(); v != nil {
			tok, err = nil, panicked("jwt callback", v)
		}
	}()
	return f(ctx, p)
}

// callSession runs Callbacks.Session; nil returns the session unchanged.
func (h *Handler) callSession(ctx context.Context, p SessionParams) (sess *Session, err error) {
	f := h.cfg.Callbacks.Session
	if f == nil {
		return p.Session, nil
	}
	defer func() {
		if v := recover(); v != nil {
			sess, err = nil, panicked("session callback", v)
		}
	}()
	return f(ctx, p)
}

// callAuthorize runs a credentials provider's Authorize.
func (h *Handler) callAuthorize(ctx context.Context, p CredentialsProvider, creds Credentials, r *http.Request) (user *User, err error) {
	defer func() {
		if v := recover(); v != nil {
			user, err = nil, panicked("authorize", v)
		}
	}()
	return p.Authorize(ctx, creds, r)
}

// emit runs the event handler f (nil: nothing) with e. A panic in it is
// logged as <name>_EVENT_ERROR and the request goes on.
func emit[E any](ctx context.Context, h *Handler, name string, f func(context.Context, E), e E) {
	if f == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			h.logError(ctx, name+"_EVENT_ERROR", fmt.Errorf("%v", v))
		}
	}()
	f(ctx, e)
}
