package rules

import (
	"context"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"github.com/nextauth-go/nextauth"
)

// varRequest is the forward rule's view of the proxied request.
const varRequest = "request"

// Forward is a compiled access rule of the forward-auth check (the allow
// key of a forward rule, docs/forward-auth.md#access-rules): a boolean
// expression over
//
//   - token: the session's claims (a JWT's; with database sessions the
//     user's id, name, email and image);
//   - user: id, email and name;
//   - request: method, host (lower case, no port), path (normalised) and
//     url (the original URL).
//
// It is safe for concurrent use.
type Forward struct{ prg cel.Program }

// CompileForward parses, type-checks and plans a forward rule; its
// problems are [*Error]s with the key "allow". costLimit 0 means
// [DefaultCostLimit].
func CompileForward(src string, costLimit uint64) (*Forward, error) {
	m := cel.MapType(cel.StringType, cel.DynType)
	env, err := cel.NewEnv(
		cel.Variable(varToken, m),
		cel.Variable(varUser, m),
		cel.Variable(varRequest, cel.MapType(cel.StringType, cel.StringType)),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
	)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if costLimit == 0 {
		costLimit = DefaultCostLimit
	}
	prg, errs := compile(env, "allow", src, cel.BoolType, costLimit)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Forward{prg: prg}, nil
}

// Allow evaluates the rule for the session id and the request t: the
// signature of [nextauth.ForwardRule].Allow. An evaluation error (a
// missing claim, the cost limit, a result that is not a boolean) is
// returned, and the check denies.
func (f *Forward) Allow(ctx context.Context, id nextauth.ForwardIdentity, t nextauth.ForwardTarget) (bool, error) {
	token := id.Claims
	if token == nil {
		token = map[string]any{}
	}
	user := map[string]any{"id": id.UserID}
	if id.Email != "" {
		user["email"] = id.Email
	}
	if id.Name != "" {
		user["name"] = id.Name
	}
	req := map[string]string{"method": t.Method, "host": t.Host, "path": t.Path, "url": t.URL}
	v, _, err := f.prg.ContextEval(ctx, map[string]any{varToken: token, varUser: user, varRequest: req})
	if err != nil {
		return false, fmt.Errorf("rules: forward allow: %w", err)
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("rules: forward allow: the result is %s, want true or false", v.Type().TypeName())
	}
	return bool(b), nil
}
