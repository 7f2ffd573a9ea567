package nextauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/nextauth-go/nextauth/jwt"
)

// This file is the one path by which claims beyond NextAuth's default
// token (name, email, picture, sub) reach a session: the provider's claims
// ([User.Claims]: a static user's claims, the extra members of an
// authorize_url answer, profile claims mapped by the binary's profile:
// key), then each [Config.Claims] function in turn (the CEL rules of
// package rules, later the binary's token hook). Both go through
// mergeClaims, which never sets nor removes a protected claim.

// ClaimsFunc computes claims at sign-in, on update() and after an
// access-token refresh; see [Config.Claims]. The map it returns is merged
// into the token: a nil value removes that claim, a protected one
// ([ProtectedClaim]) is ignored and logged. At sign-in an error ends the
// sign-in with the code of an [*Error] in its chain, else Configuration;
// on update or refresh it leaves the claims as they were. Either way it
// is logged as CLAIMS_ERROR. A function with nothing to do for a trigger
// returns nil, nil.
type ClaimsFunc func(ctx context.Context, p ClaimsParams) (map[string]any, error)

// ClaimsParams are the arguments of a [ClaimsFunc].
type ClaimsParams struct {
	// User is the user signing in, with the provider's claims in
	// User.Claims. Under the database strategy it is the adapter's user
	// (User.ID is the row's id). On update and refresh it is the
	// session's user (from the token's sub, name, email and picture, or
	// the adapter's user row) with the session's claims in User.Claims.
	User *User
	// Account is the account signing in (provider, type, …). On refresh
	// it is the account whose tokens were renewed; on update, under the
	// JWT strategy, the provider of the token's renewable tokens when it
	// has some, else nil.
	Account *Account
	// Profile is the provider's raw profile (OAuth sign-in); nil
	// otherwise, and always on update and refresh.
	Profile map[string]any
	// Token is the claims so far: NextAuth's default token (name, email,
	// picture, sub, and the server's own claims such as sid), the
	// provider's claims and those of the ClaimsFuncs before this one. It
	// must not be modified; return the changes instead.
	Token jwt.Claims
	// Trigger is TriggerSignIn, TriggerSignUp (a new user),
	// TriggerUpdate or TriggerRefresh.
	Trigger string
	// Session is the data the client sent with update() (TriggerUpdate):
	// client-chosen, so a function decides what to accept.
	Session any
}

// protectedClaims are the claims the server relies on: a provider's
// claims, a [ClaimsFunc] and the binary's rules and hooks can neither set
// nor remove them.
var protectedClaims = map[string]bool{
	"sub": true, "exp": true, "iat": true, "jti": true, "nbf": true,
	claimSID: true, claimAuthTime: true, oauthClaim: true, claimCredentials: true,
}

// ProtectedClaim reports whether name is a claim the server relies on —
// sub, exp, iat, jti, nbf, sid, auth_time, oauth (the provider's tokens)
// and credentials_provider (the credentials marker) — which claims from a
// provider, a [ClaimsFunc] or a rule can neither set nor remove.
func ProtectedClaim(name string) bool { return protectedClaims[name] }

// ProtectedClaims lists the protected claims in order, for messages.
func ProtectedClaims() []string { return slices.Sorted(maps.Keys(protectedClaims)) }

// errClaims is the public side of a failed claims computation:
// Configuration, as NextAuth answers a misconfigured server.
var errClaims = &Error{Code: CodeConfiguration}

// signInClaims adds to token (NextAuth's default token of u plus the
// server's own claims) the provider's claims of u and those of each
// Config.Claims function. With neither it does nothing and allocates
// nothing.
func (h *Handler) signInClaims(ctx context.Context, token jwt.Claims, u *User, a *Account, profile map[string]any, isNewUser bool) error {
	if len(u.Claims) == 0 && len(h.cfg.Claims) == 0 {
		return nil
	}
	h.warnSkipped(ctx, "provider", MergeClaims(token, u.Claims))
	if len(h.cfg.Claims) == 0 {
		return nil
	}
	trigger := TriggerSignIn
	if isNewUser {
		trigger = TriggerSignUp
	}
	for i, f := range h.cfg.Claims {
		add, err := h.callClaims(ctx, f, ClaimsParams{User: u, Account: a, Profile: profile, Token: maps.Clone(token), Trigger: trigger})
		if err != nil {
			h.logError(ctx, "CLAIMS_ERROR", err)
			var pub *Error
			if errors.As(err, &pub) {
				return err
			}
			return &Error{Code: errClaims.Code, Err: fmt.Errorf("claims function %d: %w", i+1, err)}
		}
		h.warnSkipped(ctx, fmt.Sprintf("claims function %d", i+1), MergeClaims(token, add))
	}
	return nil
}

// renewClaims runs the Config.Claims functions again over token, which it
// changes in place: on update() (TriggerUpdate, data the client's) and
// after an access-token refresh (TriggerRefresh). u is the session's user,
// a the refreshed account or the token's provider, if any. A failing
// function is logged and changes nothing: the session goes on.
func (h *Handler) renewClaims(ctx context.Context, token jwt.Claims, u *User, a *Account, trigger string, data any) {
	for i, f := range h.cfg.Claims {
		add, err := h.callClaims(ctx, f, ClaimsParams{User: u, Account: a, Token: maps.Clone(token), Trigger: trigger, Session: data})
		if err != nil {
			h.logError(ctx, "CLAIMS_ERROR", fmt.Errorf("claims function %d on %s, claims unchanged: %w", i+1, trigger, err))
			continue
		}
		h.warnSkipped(ctx, fmt.Sprintf("claims function %d", i+1), MergeClaims(token, add))
	}
}

// tokenUser is the user a JWT session stands for, as a [ClaimsFunc] sees
// it on update and refresh: sub, name, email and picture, with the
// session's own claims.
func tokenUser(token jwt.Claims) *User {
	su := sessionUser(token)
	id, _ := token["sub"].(string)
	return &User{ID: id, Name: su.Name, Email: su.Email, Image: su.Image, Claims: customClaims(token)}
}

// warnSkipped logs the protected claims a source tried to set.
func (h *Handler) warnSkipped(ctx context.Context, source string, skipped []string) {
	if len(skipped) == 0 {
		return
	}
	slices.Sort(skipped)
	h.log.LogAttrs(ctx, slog.LevelWarn, "protected claims ignored", slog.String("code", "CLAIMS_PROTECTED"),
		slog.String("source", source), slog.Any("claims", skipped))
}

// customClaims is what token holds beyond NextAuth's default token (name,
// email, picture, sub) and the server's own claims: the claims a
// database session keeps in its [SessionClaimsStore].
func customClaims(token jwt.Claims) map[string]any {
	var out map[string]any
	for k, v := range token {
		switch k {
		case "name", "email", "picture":
			continue
		}
		if protectedClaims[k] {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}

// userFieldsProblems reports the problems of Session.UserFields.
func userFieldsProblems(fields []string) []error {
	var errs []error
	seen := map[string]bool{}
	for _, f := range fields {
		switch {
		case f == "":
			errs = append(errs, configError("session user fields: an empty name"))
		case f == "name" || f == "email" || f == "image":
			errs = append(errs, configError("session user fields: %q is always in the session's user", f))
		case seen[f]:
			errs = append(errs, configError("session user fields: %q is listed twice", f))
		case protectedClaims[f]:
			errs = append(errs, configError("session user fields: %q is a claim the server keeps to itself (use id for the user's id)", f))
		}
		seen[f] = true
	}
	return errs
}

// jwtUserFields copies Session.UserFields from token into u: id is sub, any
// other field the claim of that name; a missing claim is left out.
func (h *Handler) jwtUserFields(u *SessionUser, token jwt.Claims) {
	for _, f := range h.cfg.Session.UserFields {
		k := f
		if f == "id" {
			k = "sub"
		}
		if v, ok := token[k]; ok {
			if u.Extra == nil {
				u.Extra = make(map[string]any, len(h.cfg.Session.UserFields))
			}
			u.Extra[f] = v
		}
	}
}

// SessionClaimsStore is an [Adapter] that keeps the claims computed at
// sign-in beside database sessions (the server's own table,
// nextauth_session_claims), so that [SessionConfig.UserFields] can show
// them: a database session has no token to carry them.
type SessionClaimsStore interface {
	// SetSessionClaims stores claims for the session sessionToken,
	// replacing any.
	SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error
	// SessionClaims returns the claims stored for sessionToken; none (nil,
	// nil) when there are none.
	SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error)
}

// UserColumnReader is an [Adapter] that reads columns of a user's row
// beyond those of [User]: columns the application added to its own user
// model (a role column in a Prisma User, in the users table of the default
// layout; on Redis, a member written into the user's record), for
// [SessionConfig.UserFields] under database sessions. adapter/adaptertest's
// RunUserColumns checks an implementation.
type UserColumnReader interface {
	// UserColumns returns the values, as JSON values (string, float64,
	// bool, nil, []any, map[string]any), of those of names that are
	// columns of userID's row. Names are matched against the table's real
	// columns, read from the database; a name that is not one is left out,
	// and never reaches SQL. ErrNotFound when there is no such user.
	UserColumns(ctx context.Context, userID string, names []string) (map[string]any, error)
}

// callClaims runs a ClaimsFunc; a panic becomes its error.
func (h *Handler) callClaims(ctx context.Context, f ClaimsFunc, p ClaimsParams) (add map[string]any, err error) {
	defer func() {
		if v := recover(); v != nil {
			add, err = nil, panicked("claims function", v)
		}
	}()
	return f(ctx, p)
}
