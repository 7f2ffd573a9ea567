// Package rules compiles sign-in rules written in CEL (the Common
// Expression Language) into the callbacks of a [nextauth.Config]: the
// binary's claims: and allow.expression: keys, ready for Go programs too.
//
//	r, err := rules.Compile(rules.Config{
//		Claims: map[string]string{"role": `"admins" in profile.?groups.orValue([]) ? "admin" : "user"`},
//		Allow:  `account.provider != "github" || profile.login in ["alice", "bob"]`,
//	})
//	if err != nil {
//		log.Fatal(err) // every problem, each with its key and line:column
//	}
//	cfg.Claims = append(cfg.Claims, r.Claims)
//	cfg.Callbacks.SignIn = r.SignIn
//
// # Variables
//
// Every expression sees four maps:
//
//   - user: the user signing in — id, name, email, image (those it has)
//     and the provider's claims ([nextauth.User.Claims]: a static user's
//     claims, an authorize answer's other members, mapped profile
//     claims);
//   - account: provider (its id), type ("oauth", "credentials", "email")
//     and providerAccountId;
//   - profile: the provider's raw profile (OAuth and OpenID Connect; empty
//     for other sign-ins);
//   - token: the claims so far (claims rules only; empty for the allow
//     rule): name, email, picture, sub and the provider's claims.
//
// Claims rules are evaluated at sign-in; those that read token are
// evaluated again on the client's update() and after a provider
// access-token refresh, when the token may have changed (a token hook's
// answer). There user is the session's user with the session's claims,
// account is the refreshed account or the token's provider (often
// empty), and profile is empty.
//
// A missing key is an error when read (profile.groups without a groups
// claim); has(profile.groups) tests for it and profile.?groups.orValue([])
// gives a default. The standard macros (has, all, exists, map, filter)
// and CEL's string extensions (lowerAscii, split, …) are there.
//
// # Checks
//
// Compile parses and type-checks every expression, so a misspelt variable
// or function, or an allow rule that cannot be true or false, is reported
// at load with its line and column. Each evaluation is limited to
// [Config.CostLimit] (CEL's runtime cost: roughly one per operation and per
// element a comprehension visits) and stops when the request's context
// ends. Claim names that the server keeps to itself
// ([nextauth.ProtectedClaim]) are refused.
package rules

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"

	"github.com/nextauth-go/nextauth"
)

// DefaultCostLimit is [Config.CostLimit]'s default: ample for a rule that
// looks through a few hundred groups, far below what could slow a
// sign-in.
const DefaultCostLimit = 100_000

// Config is a set of CEL rules.
type Config struct {
	// Claims maps claim names to expressions computed at sign-in; a null
	// result removes the claim. Their results go into the session token
	// (JWT strategy) or beside the database session.
	Claims map[string]string
	// Allow is a boolean expression: false refuses the sign-in
	// (AccessDenied). "" allows everyone.
	Allow string
	// CostLimit bounds each evaluation's cost; 0 means
	// [DefaultCostLimit].
	CostLimit uint64
}

// Rules are compiled rules, safe for concurrent use.
type Rules struct {
	claims []claimRule // sorted by name
	allow  cel.Program // nil: no allow rule
}

type claimRule struct {
	name string
	prg  cel.Program
	// readsToken is set when the expression reads token: the rule is
	// evaluated again on update and refresh, where only the token changes.
	readsToken bool
}

// Error is one problem with an expression: its key ("claims.role",
// "allow"), and where in the expression (1-based line and column; 0 when
// not known).
type Error struct {
	Key          string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("rules: %s: line %d, column %d: %s", e.Key, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("rules: %s: %s", e.Key, e.Msg)
}

// Variables of every expression.
const (
	varUser    = "user"
	varAccount = "account"
	varProfile = "profile"
	varToken   = "token"
)

// newEnv is the CEL environment every expression is checked in.
func newEnv() (*cel.Env, error) {
	m := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		cel.Variable(varUser, m),
		cel.Variable(varAccount, m),
		cel.Variable(varProfile, m),
		cel.Variable(varToken, m),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
	)
}

// Compile parses, type-checks and plans every rule of cfg. It reports
// every problem at once, as [*Error]s joined.
func Compile(cfg Config) (*Rules, error) {
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	limit := cfg.CostLimit
	if limit == 0 {
		limit = DefaultCostLimit
	}
	r := &Rules{}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(cfg.Claims)) {
		key := "claims." + name
		switch {
		case name == "":
			errs = append(errs, &Error{Key: "claims", Msg: "a claim needs a name"})
			continue
		case nextauth.ProtectedClaim(name):
			errs = append(errs, &Error{Key: key, Msg: fmt.Sprintf("%q is a claim the server keeps to itself (protected: %v)", name, nextauth.ProtectedClaims())})
			continue
		}
		prg, readsToken, perrs := compileReading(env, key, cfg.Claims[name], nil, limit)
		if len(perrs) > 0 {
			errs = append(errs, perrs...)
			continue
		}
		r.claims = append(r.claims, claimRule{name: name, prg: prg, readsToken: readsToken})
	}
	if cfg.Allow != "" {
		prg, perrs := compile(env, "allow", cfg.Allow, cel.BoolType, limit)
		errs = append(errs, perrs...)
		r.allow = prg
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// compile checks one expression; want, if not nil, is the type its result
// must have (dyn is accepted and checked when evaluated).
func compile(env *cel.Env, key, src string, want *cel.Type, limit uint64) (cel.Program, []error) {
	prg, _, errs := compileReading(env, key, src, want, limit)
	return prg, errs
}

// compileReading is compile that also tells whether the expression reads
// the token variable.
func compileReading(env *cel.Env, key, src string, want *cel.Type, limit uint64) (cel.Program, bool, []error) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		var errs []error
		for _, e := range iss.Errors() {
			errs = append(errs, &Error{Key: key, Line: e.Location.Line(), Column: e.Location.Column() + 1, Msg: e.Message})
		}
		return nil, false, errs
	}
	if want != nil {
		if out := ast.OutputType(); !out.IsExactType(want) && !out.IsExactType(cel.DynType) {
			return nil, false, []error{&Error{Key: key, Line: 1, Column: 1, Msg: fmt.Sprintf("the expression is of type %s; want %s", out, want)}}
		}
	}
	prg, err := env.Program(ast, cel.CostLimit(limit), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, false, []error{&Error{Key: key, Msg: err.Error()}}
	}
	return prg, readsVar(ast, varToken), nil
}

// readsVar reports whether the checked expression reads the variable name.
func readsVar(ast *cel.Ast, name string) bool {
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == name {
			return true
		}
	}
	return false
}

// Empty reports whether r has no rule.
func (r *Rules) Empty() bool { return r == nil || (len(r.claims) == 0 && r.allow == nil) }

// HasClaims reports whether r has claims rules.
func (r *Rules) HasClaims() bool { return r != nil && len(r.claims) > 0 }

// HasAllow reports whether r has an allow rule.
func (r *Rules) HasAllow() bool { return r != nil && r.allow != nil }

// ClaimNames are the claims r computes, in order.
func (r *Rules) ClaimNames() []string {
	var names []string
	for _, c := range r.claims {
		names = append(names, c.name)
	}
	return names
}

// Claims evaluates the claims rules: a [nextauth.ClaimsFunc] for
// [nextauth.Config.Claims]. Each rule sees the token as it was before
// the rules ran. At sign-in every rule is evaluated, and an evaluation
// error (a missing key, a cost over the limit, a result that is not JSON)
// fails the sign-in with Configuration. On update and refresh only the
// rules that read token are evaluated again (user, account and profile
// do not change then; profile is empty); an error there leaves the
// claims as they were.
func (r *Rules) Claims(ctx context.Context, p nextauth.ClaimsParams) (map[string]any, error) {
	renew := p.Trigger == nextauth.TriggerUpdate || p.Trigger == nextauth.TriggerRefresh
	var vars map[string]any
	var out map[string]any
	for _, c := range r.claims {
		if renew && !c.readsToken {
			continue
		}
		if vars == nil {
			vars = activation(p.User, p.Account, p.Profile, p.Token)
			out = make(map[string]any, len(r.claims))
		}
		v, _, err := c.prg.ContextEval(ctx, vars)
		if err != nil {
			return nil, fmt.Errorf("rules: claims.%s: %w", c.name, err)
		}
		j, err := toJSON(v)
		if err != nil {
			return nil, fmt.Errorf("rules: claims.%s: %w", c.name, err)
		}
		out[c.name] = j
	}
	return out, nil
}

// Allow evaluates the allow rule for a sign-in; true when there is none.
func (r *Rules) Allow(ctx context.Context, p nextauth.SignInParams) (bool, error) {
	if r == nil || r.allow == nil {
		return true, nil
	}
	v, _, err := r.allow.ContextEval(ctx, activation(p.User, p.Account, p.Profile, nil))
	if err != nil {
		return false, fmt.Errorf("rules: allow: %w", err)
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("rules: allow: the result is %s, want true or false", v.Type().TypeName())
	}
	return bool(b), nil
}

// SignIn is the allow rule as a [nextauth.Callbacks] SignIn callback: a
// false result, or an evaluation error (returned, so logged), refuses the
// sign-in with AccessDenied. An e-mail sign-in's rule runs twice, as the
// callback does: before the link is sent (no profile) and when it is
// used.
func (r *Rules) SignIn(ctx context.Context, p nextauth.SignInParams) (nextauth.SignInResult, error) {
	ok, err := r.Allow(ctx, p)
	if err != nil {
		return nextauth.SignInResult{}, err
	}
	return nextauth.SignInResult{Deny: !ok}, nil
}

// activation is the variables of one evaluation.
func activation(u *nextauth.User, a *nextauth.Account, profile, token map[string]any) map[string]any {
	user := map[string]any{}
	if u != nil {
		maps.Copy(user, u.Claims)
		if u.ID != "" {
			user["id"] = u.ID
		}
		for k, f := range map[string]nextauth.NullString{"name": u.Name, "email": u.Email, "image": u.Image} {
			if v, ok := f.Claim(); ok {
				user[k] = v
			}
		}
	}
	account := map[string]any{}
	if a != nil {
		account["provider"] = a.Provider
		account["type"] = a.Type
		account["providerAccountId"] = a.ProviderAccountID
	}
	if profile == nil {
		profile = map[string]any{}
	}
	if token == nil {
		token = map[string]any{}
	}
	return map[string]any{varUser: user, varAccount: account, varProfile: profile, varToken: token}
}

// toJSON turns a CEL value into a JSON value (nil, bool, float64 or an
// integer, string, []any, map[string]any). Timestamps become RFC 3339
// strings; bytes, durations and other types are errors.
func toJSON(v ref.Val) (any, error) {
	switch x := v.(type) {
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		return uint64(x), nil
	case types.Double:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("the result is not a finite number")
		}
		return f, nil
	case types.String:
		return string(x), nil
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339Nano), nil
	case *types.Optional:
		if !x.HasValue() {
			return nil, nil
		}
		return toJSON(x.GetValue())
	}
	switch v.Type() {
	case types.ListType:
		l := v.(traits.Lister)
		n, ok := l.Size().(types.Int)
		if !ok {
			return nil, errors.New("a list of unknown size")
		}
		out := make([]any, 0, int(n))
		for i := range int64(n) {
			e, err := toJSON(l.Get(types.Int(i)))
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, e)
		}
		return out, nil
	case types.MapType:
		m := v.(traits.Mapper)
		out := map[string]any{}
		it := m.Iterator()
		for it.HasNext() == types.True {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("a map key of type %s; want string", k.Type().TypeName())
			}
			val, _ := m.Find(k)
			e, err := toJSON(val)
			if err != nil {
				return nil, fmt.Errorf("[%s]: %w", strconv.Quote(string(ks)), err)
			}
			out[string(ks)] = e
		}
		return out, nil
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	// A native value the adapter passed through (from the inputs).
	if native := v.Value(); native != nil {
		if rv := reflect.ValueOf(native); rv.Kind() == reflect.String {
			return rv.String(), nil
		}
	}
	return nil, fmt.Errorf("a result of type %s cannot be a claim", v.Type().TypeName())
}
