package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/rules"
)

// Expression is a CEL expression written in the file (claims:,
// allow.expression), with where it was written, so that a problem inside
// it is reported at its line and column in the file.
type Expression struct {
	// Source is the expression's text.
	Source string
	// line and column are where the value starts in the file (1-based);
	// 0 when unknown.
	line, column int
	// offset is added to a column on the value's first line: 1 for a
	// quoted value (the quote).
	offset int
	// block is true for a literal or folded block scalar (| or >): its
	// text starts on the next line, at indent.
	block  bool
	indent int
}

func (e *Expression) decodeNode(d *decoder, n *yaml.Node, path string) {
	*e = Expression{}
	if isNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a CEL expression (a string), got %s", describe(n))
		return
	}
	e.Source, e.line, e.column = n.Value, n.Line, n.Column
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		e.offset = 1
	case yaml.LiteralStyle, yaml.FoldedStyle:
		e.block = true
		if n.Line < len(d.text) {
			text := d.text[n.Line] // the line after the indicator
			e.indent = len(text) - len(strings.TrimLeft(text, " "))
		}
	}
}

// at is where line and column (1-based) of the expression are in the
// file.
func (e *Expression) at(line, column int) (int, int) {
	switch {
	case e.line == 0:
		return 0, 0
	case e.block:
		return e.line + line, e.indent + column
	case line <= 1:
		return e.line, e.column + e.offset + column - 1
	}
	// A plain or quoted value folded over lines: the line is known, the
	// column depends on the folding.
	return e.line + line - 1, 0
}

// ClaimRules is the claims key: claim name → CEL expression, computed at
// sign-in (package rules).
type ClaimRules map[string]Expression

func (c *ClaimRules) decodeNode(d *decoder, n *yaml.Node, path string) {
	*c = nil
	eachClaim(d, n, path, "CEL expressions", func(name, p string, v *yaml.Node) bool {
		if *c == nil {
			*c = ClaimRules{}
		}
		if _, dup := (*c)[name]; dup {
			return false
		}
		var e Expression
		before := len(d.problems)
		e.decodeNode(d, v, p)
		if len(d.problems) == before && e.Source != "" {
			(*c)[name] = e
		}
		return true
	})
}

// UserClaims is a static user's claims key: claim name → any YAML value
// (a string, number, true/false, list or mapping), kept in the session
// token.
type UserClaims map[string]any

func (c *UserClaims) decodeNode(d *decoder, n *yaml.Node, path string) {
	*c = nil
	eachClaim(d, n, path, "values", func(name, p string, v *yaml.Node) bool {
		if *c == nil {
			*c = UserClaims{}
		}
		if _, dup := (*c)[name]; dup {
			return false
		}
		var x any
		if err := v.Decode(&x); err != nil {
			d.fail(v, p, "%v", err)
			return true
		}
		j, err := jsonValue(x)
		if err != nil {
			d.fail(v, p, "%v", err)
			return true
		}
		(*c)[name] = j
		return true
	})
}

// eachClaim walks a mapping of claim names (what: what they map to, for
// the message when n is not a mapping) and calls f with each name, its key
// path and its value; f reports false for a name it already has, which is
// a repeated key. A name that is not a plain scalar is a problem.
func eachClaim(d *decoder, n *yaml.Node, path, what string, f func(name, p string, v *yaml.Node) bool) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of claim names to %s, got %s", what, describe(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.fail(k, path, "a claim name must be a plain name, got %s", describe(k))
			continue
		}
		p := joinKey(path, k.Value)
		first, seen := d.lines[p]
		if !seen {
			d.lines[p] = k.Line
		}
		if !f(k.Value, p, resolve(n.Content[i+1])) {
			d.fail(k, p, "repeated key (first on line %d)", first)
		}
	}
}

// jsonValue turns a decoded YAML value into a JSON one: mappings with
// string keys, lists, strings, numbers, booleans and null.
func jsonValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string, number, true/false, list or mapping with string keys, got a %s", reflect.TypeOf(v))
}

// userClaims checks a static user's claims.
func (v *validator) userClaims(path string, c UserClaims) map[string]any {
	if len(c) == 0 {
		return nil
	}
	out := make(map[string]any, len(c))
	for k, val := range c {
		switch k {
		case "id", "name", "email", "image":
			v.addf(path+"."+k, "is a user field: set it beside claims:, not in it")
			continue
		}
		if nextauth.ProtectedClaim(k) {
			v.addf(path+"."+k, "%q is a claim the server keeps to itself (protected: %s)", k, strings.Join(nextauth.ProtectedClaims(), ", "))
			continue
		}
		out[k] = val
	}
	return out
}

// rules compiles the claims and allow.expression keys; nil without
// either, or with problems (reported at their line and column).
func (v *validator) rules(claims ClaimRules, allow Expression) *rules.Rules {
	if len(claims) == 0 && allow.Source == "" {
		return nil
	}
	cfg := rules.Config{Allow: allow.Source}
	if len(claims) > 0 {
		cfg.Claims = make(map[string]string, len(claims))
		for k, e := range claims {
			cfg.Claims[k] = e.Source
		}
	}
	r, err := rules.Compile(cfg)
	if err == nil {
		return r
	}
	v.expressionProblems(err, func(ruleKey string) (string, Expression) {
		if name, ok := strings.CutPrefix(ruleKey, "claims."); ok {
			return ruleKey, claims[name]
		}
		if ruleKey == "allow" {
			return "allow.expression", allow
		}
		return "claims", Expression{}
	})
	return nil
}

// expressionProblems reports err, package rules' problems with
// expressions, each at its key and its line and column in the file;
// where maps a rule's key to the configuration key and the expression
// as written ("" for a problem that names no rule).
func (v *validator) expressionProblems(err error, where func(ruleKey string) (string, Expression)) {
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	for _, e := range list {
		var re *rules.Error
		if !errors.As(e, &re) {
			k, _ := where("")
			v.add(k, e)
			continue
		}
		key, expr := where(re.Key)
		line, col := 0, 0
		if re.Line > 0 {
			line, col = expr.at(re.Line, re.Column)
		}
		if line == 0 {
			line = v.line(key)
		}
		msg := re.Msg
		if re.Line > 0 {
			msg = fmt.Sprintf("%s (expression line %d, column %d)", re.Msg, re.Line, re.Column)
		}
		v.problems = append(v.problems, &Problem{File: v.f.Path, Line: line, Column: col, Key: key, Err: errors.New(msg)})
	}
}
