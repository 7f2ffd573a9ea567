package provider

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/nextauth-go/nextauth"
)

// The generic OpenID Connect type ([OIDC]) follows Auth.js v5's type
// "oidc" rather than NextAuth v4's bare OAuth defaults, so that a provider
// configured with only an issuer, a client id and a secret gets the
// user's e-mail address and name from a real OpenID Provider
// (docs/configuration.md#type-oidc). Presets and [OAuth] keep NextAuth v4's
// defaults.

// DefaultOIDCScope is the scope an [OIDC] provider asks for when none is
// configured (Auth.js v5's default for type "oidc"). [OAuth] and the
// presets send their own scope, or "openid".
const DefaultOIDCScope = "openid profile email"

// oidcDefaultChecks are an [OIDC] provider's checks when none are
// configured: PKCE (S256), as Auth.js v5, and state, NextAuth v4's default.
var oidcDefaultChecks = []string{nextauth.CheckPKCE, nextauth.CheckState}

// oidcIdentityClaims are the claims the default [OIDC] mapping takes the
// user's e-mail address and name from.
var oidcIdentityClaims = []string{"email", "name", "nickname", "preferred_username"}

// oidcClaim is raw[key] as a string: a string as is, a JSON number in its
// shortest form; "" for anything else.
func oidcClaim(raw map[string]any, key string) string {
	switch v := raw[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	}
	return ""
}

// oidcFirstClaim is the first of keys whose claim is not empty.
func oidcFirstClaim(raw map[string]any, keys ...string) string {
	for _, k := range keys {
		if v := oidcClaim(raw, k); v != "" {
			return v
		}
	}
	return ""
}

// oidcDefaultProfile is Auth.js v5's default profile for type "oidc": id =
// sub (or id), name = name ?? nickname ?? preferred_username, email =
// email, image = picture. An empty claim counts as missing.
// A field none of whose claims has a value is null when one of them is
// null, else absent (as ?? gives the last operand's null or undefined).
func oidcDefaultProfile(raw map[string]any, _ Tokens) (nextauth.User, error) {
	return nextauth.User{
		ID:    oidcFirstClaim(raw, "sub", "id"),
		Name:  oidcNullClaim(raw, "name", "nickname", "preferred_username"),
		Email: oidcNullClaim(raw, "email"),
		Image: oidcNullClaim(raw, "picture"),
	}, nil
}

// oidcNullClaim is the first of keys whose claim has a value (a non-empty
// string or a number), else null when one of them is null, else absent.
func oidcNullClaim(raw map[string]any, keys ...string) nextauth.NullString {
	if v := oidcFirstClaim(raw, keys...); v != "" {
		return nextauth.String(v)
	}
	for _, k := range keys {
		if v, present := raw[k]; present && v == nil {
			return nextauth.Null()
		}
	}
	return nextauth.NullString{}
}

// oidcHasIdentity reports whether raw has a claim the default mapping
// takes an e-mail address or a name from.
func oidcHasIdentity(raw map[string]any) bool {
	return oidcFirstClaim(raw, oidcIdentityClaims...) != ""
}

// sentScope is the scope the authorization request carries unless the
// sign-in request replaces it: the configured one, else the default.
func (p *oauthProvider) sentScope() string {
	scope := p.scope
	for _, kv := range p.authParams {
		if kv[0] == "scope" {
			scope = kv[1]
		}
	}
	return scope
}

// oidcLogger is the handler's logger for req, else slog's default.
func oidcLogger(req nextauth.CallbackRequest) *slog.Logger {
	if req.Logger != nil {
		return req.Logger
	}
	return slog.Default()
}

// oidcUserinfoClaims completes an id_token that has neither an e-mail
// address nor a name with the userinfo answer, where OpenID Connect Core
// §5.4 puts the claims of the profile and email scopes when an access
// token is issued (as ZITADEL and Authelia do by default). It applies to
// an [OIDC] provider with the default profile source and mapping; the
// userinfo claims are added to those of the id_token (which win), and
// only when both name the same sub (§5.3.2). A failed or mismatching
// userinfo request is logged and leaves the claims as they are: the
// sign-in goes on, as it would without the request.
func (p *oauthProvider) oidcUserinfoClaims(ctx context.Context, m *oauthMetadata, tokens *Tokens, claims map[string]any, log *slog.Logger) map[string]any {
	if !p.oidc || !p.idToken || p.cfg.Profile != nil || p.cfg.UserinfoRequest != nil ||
		oidcHasIdentity(claims) || m.userinfoEndpoint == "" || tokens.AccessToken == "" {
		return claims
	}
	info, err := p.userinfo(ctx, m, tokens)
	if err == nil && oidcClaim(info, "sub") != oidcClaim(claims, "sub") {
		err = errUserinfoSubject
	}
	if err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "the id_token has no e-mail or name and the userinfo endpoint gave none",
			slog.String("code", "OIDC_USERINFO_ERROR"), slog.String("provider", p.cfg.ID), slog.String("err", err.Error()))
		return claims
	}
	out := maps.Clone(claims)
	for k, v := range info {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// errUserinfoSubject: the userinfo answer is about someone else.
var errUserinfoSubject = errors.New("the userinfo sub does not match the id_token's sub")

// warnNoIdentity logs, for an [OIDC] provider, a sign-in whose user has
// neither an e-mail address nor a name: the session and the user row stay
// empty, which is almost always a scope or a claim release missing at the
// OpenID Provider. The log names the provider, the scope sent and granted,
// and the names (not the values) of the claims received.
func (p *oauthProvider) warnNoIdentity(ctx context.Context, log *slog.Logger, user nextauth.User, tokens *Tokens, raw map[string]any) {
	if !p.oidc || user.Email.String() != "" || user.Name.String() != "" {
		return
	}
	log.LogAttrs(ctx, slog.LevelWarn,
		"OpenID Connect sign-in without e-mail or name: ask for the profile and email scopes (scope), let the OpenID Provider release those claims to this client, or map other claims (profile)",
		slog.String("code", "OIDC_PROFILE_WITHOUT_EMAIL_OR_NAME"),
		slog.String("provider", p.cfg.ID),
		slog.String("scope", p.sentScope()),
		slog.String("granted_scope", tokens.Scope),
		slog.Any("claims", slices.Sorted(maps.Keys(raw))),
	)
}
