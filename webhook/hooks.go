package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/jwt"
)

// This file holds the two hooks (docs/hooks.md): synchronous webhooks the
// handler asks during a sign-in or a token change, signed like the events.
// Each is a ready-made callback:
//
//	cfg.Callbacks.SignIn = (&webhook.SignInHook{Sender: s}).SignIn
//	cfg.Claims = append(cfg.Claims, (&webhook.TokenHook{Sender: s}).Claims)

// OnError is what a hook's failure means: no answer in time, a non-2xx
// answer, or an answer that is not the hook's JSON.
type OnError string

// The values of OnError; "" is Deny.
const (
	// Deny refuses the sign-in (sign_in hook: AccessDenied; token hook: the
	// sign-in fails with Callback). An update or refresh keeps the token
	// as it was, whatever OnError says.
	Deny OnError = "deny"
	// Allow goes on as if there were no hook.
	Allow OnError = "allow"
)

// SignInRequest is the JSON body the sign_in hook receives.
type SignInRequest struct {
	User *nextauth.User `json:"user"`
	// Account is an [*Account] (no tokens), or the whole
	// [*nextauth.Account] when the hook asks for tokens.
	Account any            `json:"account"`
	Profile map[string]any `json:"profile,omitempty"`
	// Email is set when an e-mail sign-in link is about to be sent.
	Email *EmailRequest `json:"email,omitempty"`
}

// EmailRequest is the email member of a [SignInRequest].
type EmailRequest struct {
	VerificationRequest bool `json:"verificationRequest"`
}

// SignInAnswer is the JSON body the sign_in hook answers: {"allow": true},
// {"allow": false} or {"redirect": "/somewhere"}.
type SignInAnswer struct {
	Allow    *bool  `json:"allow"`
	Redirect string `json:"redirect"`
}

// TokenRequest is the JSON body the token hook receives.
type TokenRequest struct {
	// Trigger is signIn, signUp, update or refresh.
	Trigger string `json:"trigger"`
	// Token is the token's claims without the private ones
	// ([nextauth.PublicClaims]).
	Token   jwt.Claims     `json:"token"`
	User    *nextauth.User `json:"user,omitempty"`
	Account any            `json:"account,omitempty"`
	Profile map[string]any `json:"profile,omitempty"`
	// Session is the data the client sent with update() (trigger update;
	// absent when it sent none).
	Session any `json:"session,omitempty"`
}

// TokenAnswer is the JSON body the token hook answers: the claims to
// merge into the token (a null value removes a claim).
type TokenAnswer struct {
	Claims map[string]any `json:"claims"`
}

// hook is what both hooks share.
type hook struct {
	name string
	s    *Sender
	log  *slog.Logger
}

// call posts req to the hook and decodes its answer into ans.
func (h hook) call(ctx context.Context, req, ans any) error {
	if h.s == nil {
		return fmt.Errorf("webhook: %s hook: no Sender", h.name)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("webhook: %s hook: marshal request: %w", h.name, err)
	}
	_, answer, err := h.s.Send(ctx, NewID(), body)
	if err != nil {
		return fmt.Errorf("%s hook: %w", h.name, err) // err starts with "webhook: "
	}
	dec := json.NewDecoder(bytes.NewReader(answer))
	if err := dec.Decode(ans); err != nil {
		return fmt.Errorf("webhook: %s hook: bad answer %.200q: %w", h.name, answer, err)
	}
	if dec.More() {
		return fmt.Errorf("webhook: %s hook: bad answer %.200q: more than one JSON value", h.name, answer)
	}
	return nil
}

func (h hook) logger() *slog.Logger {
	if h.log != nil {
		return h.log
	}
	return slog.Default()
}

// account is what a hook is shown of a: the link only, or everything
// when withTokens.
func account(a *nextauth.Account, withTokens bool) any {
	switch {
	case a == nil:
		return nil
	case withTokens:
		return a
	}
	return accountOf(a)
}

// SignInHook asks a webhook whether a user may sign in. Its SignIn method
// is a [nextauth.Callbacks] SignIn callback. Safe for concurrent use.
type SignInHook struct {
	// Sender posts the requests (URL, key, timeout). Required.
	Sender *Sender
	// OnError is what a failure of the hook means; "" is Deny.
	OnError OnError
	// IncludeTokens sends the account's provider tokens (OAuth).
	IncludeTokens bool
	// Origins are the origins (scheme://host[:port]) an absolute redirect
	// answer may go to: those of the handler's URL and URLs. A path
	// starting with "/" is always accepted; anything else is refused.
	Origins []string
	// Logger gets the failures that OnError Allow lets through; nil means
	// slog.Default().
	Logger *slog.Logger
}

// SignIn asks the hook about the sign-in of p. A refusal or a redirect
// elsewhere than a path or one of Origins is AccessDenied; a failure of
// the hook is an error (AccessDenied, logged by the handler) unless
// OnError is Allow.
func (h *SignInHook) SignIn(ctx context.Context, p nextauth.SignInParams) (nextauth.SignInResult, error) {
	req := SignInRequest{User: p.User, Account: account(p.Account, h.IncludeTokens), Profile: p.Profile}
	if p.VerificationRequest {
		req.Email = &EmailRequest{VerificationRequest: true}
	}
	var ans SignInAnswer
	err := hook{name: "sign_in", s: h.Sender, log: h.Logger}.call(ctx, req, &ans)
	if err == nil && ans.Redirect == "" && ans.Allow == nil {
		err = errors.New(`webhook: sign_in hook: the answer has neither "allow" nor "redirect"`)
	}
	if err != nil {
		if h.OnError == Allow {
			hook{log: h.Logger}.logger().LogAttrs(ctx, slog.LevelWarn, "sign_in hook failed; allowed (on_error: allow)",
				slog.String("code", "SIGNIN_HOOK_ERROR"), slog.String("err", err.Error()))
			return nextauth.SignInResult{}, nil
		}
		return nextauth.SignInResult{}, err
	}
	if ans.Redirect != "" {
		if !h.redirectAllowed(ans.Redirect) {
			return nextauth.SignInResult{}, fmt.Errorf("webhook: sign_in hook: redirect %.200q is neither a path nor on an origin of the server; refused", ans.Redirect)
		}
		return nextauth.SignInResult{Redirect: ans.Redirect}, nil
	}
	return nextauth.SignInResult{Deny: !*ans.Allow}, nil
}

// redirectAllowed applies the callbackUrl rule to a redirect answer: a
// path ("/x", not "//x" nor "/\x", which browsers read as another host),
// or an absolute http(s) URL on one of Origins.
func (h *SignInHook) redirectAllowed(raw string) bool {
	if strings.ContainsAny(raw, "\\\r\n\t") {
		return false
	}
	if strings.HasPrefix(raw, "/") {
		return !strings.HasPrefix(raw, "//")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, o := range h.Origins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// TokenHook asks a webhook for claims to merge into the session's claims.
// Its Claims method is a [nextauth.ClaimsFunc] for [nextauth.Config.Claims],
// so it works with both session strategies: the claims ride in the token
// (JWT) or are stored beside the session (database). It is called at
// sign-in (trigger signIn or signUp), on update() (update, with the
// client's data) and after a provider access-token refresh (refresh);
// never on a plain read. Protected claims ([nextauth.ProtectedClaims]) in
// an answer are ignored (and logged by the handler). Safe for concurrent
// use.
type TokenHook struct {
	// Sender posts the requests (URL, key, timeout). Required.
	Sender *Sender
	// OnError is what a failure of the hook at sign-in means; "" is Deny
	// (the sign-in fails with Callback). On update or refresh a failure
	// keeps the claims as they were.
	OnError OnError
	// IncludeTokens sends the provider tokens: the account's at sign-in
	// and refresh, and the token's "oauth" claim.
	IncludeTokens bool
	// Logger gets the failures that do not fail the request; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Claims is the claims function (see [TokenHook]).
func (h *TokenHook) Claims(ctx context.Context, p nextauth.ClaimsParams) (map[string]any, error) {
	req := TokenRequest{Trigger: p.Trigger, Token: nextauth.PublicClaims(p.Token, h.IncludeTokens)}
	signIn := false
	switch p.Trigger {
	case nextauth.TriggerSignIn, nextauth.TriggerSignUp:
		signIn = true
		req.User, req.Account, req.Profile = p.User, account(p.Account, h.IncludeTokens), p.Profile
	case nextauth.TriggerUpdate:
		req.Session = p.Session
	case nextauth.TriggerRefresh:
		req.Account = account(p.Account, h.IncludeTokens)
	default:
		return nil, nil
	}
	hk := hook{name: "token", s: h.Sender, log: h.Logger}
	var ans TokenAnswer
	if err := hk.call(ctx, req, &ans); err != nil {
		if signIn && h.OnError != Allow {
			return nil, &nextauth.Error{Code: nextauth.CodeCallback, Err: err}
		}
		hk.logger().LogAttrs(ctx, slog.LevelWarn, "token hook failed; the session goes on without its claims",
			slog.String("code", "TOKEN_HOOK_ERROR"), slog.String("trigger", p.Trigger), slog.String("err", err.Error()))
		return nil, nil
	}
	return ans.Claims, nil
}
