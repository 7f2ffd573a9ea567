package config

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/rules"
)

// Forward turns on the forward-auth check (docs/forward-auth.md).
type Forward struct {
	// Path is the check's last path segment under the base path; ""
	// means "forward".
	Path string `yaml:"path"`
	// Headers maps extra response headers to the claim each carries.
	Headers ForwardHeaders `yaml:"headers"`
	// Default is what a request matching no rule gets: deny or allow.
	Default string `yaml:"default"`
	// Rules decide per host and path, first match wins.
	Rules []ForwardRule `yaml:"rules"`
}

// ForwardRule is one access rule of the check.
type ForwardRule struct {
	Host         string   `yaml:"host"`
	Path         string   `yaml:"path"`
	Public       bool     `yaml:"public"`
	AllowEmails  []string `yaml:"allow_emails"`
	AllowDomains []string `yaml:"allow_domains"`
	// Allow is a CEL expression over token, user and request (package
	// rules, [rules.Forward]), asked when the e-mail lists did not allow.
	Allow Expression `yaml:"allow"`
}

// ForwardHeaders maps header names to claims.
type ForwardHeaders map[string]string

func (h *ForwardHeaders) decodeNode(d *decoder, n *yaml.Node, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping (header: claim lines), got %s", describe(n))
		return
	}
	m := ForwardHeaders{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		p := joinKey(path, k.Value)
		if k.Kind != yaml.ScalarNode || val.Kind != yaml.ScalarNode {
			d.fail(k, p, "want a header name and a claim name")
			continue
		}
		if _, dup := m[k.Value]; dup {
			d.fail(k, p, "repeated header")
			continue
		}
		d.lines[p] = k.Line
		m[k.Value] = val.Value
	}
	*h = m
}

// forward checks forward: what nextauth.New checks is left to it (its
// errors name the rule), apart from what only the file has: the CEL
// rules, compiled here.
func (v *validator) forward(f *Forward) *nextauth.ForwardConfig {
	if f == nil {
		return nil
	}
	out := &nextauth.ForwardConfig{Path: f.Path, Headers: f.Headers, Default: nextauth.ForwardDefault(f.Default)}
	switch f.Default {
	case "", "deny", "allow":
	default:
		v.addf("forward.default", "%q: want deny or allow", f.Default)
	}
	for i, r := range f.Rules {
		key := "forward.rules[" + strconv.Itoa(i) + "]"
		fr := nextauth.ForwardRule{Host: r.Host, Path: r.Path, Public: r.Public, AllowEmails: r.AllowEmails, AllowDomains: r.AllowDomains}
		if r.Allow.Source != "" {
			if rule, err := rules.CompileForward(r.Allow.Source, 0); err != nil {
				v.expressionProblems(err, func(string) (string, Expression) { return key + ".allow", r.Allow })
			} else {
				fr.Allow = rule.Allow
			}
		}
		out.Rules = append(out.Rules, fr)
	}
	return out
}

// Introspect turns on POST {base}/introspect (docs/forward-auth.md).
type Introspect struct {
	// Path is the route's last path segment; "" means "introspect".
	Path string `yaml:"path"`
	// ClientID is the caller's client id; "" means "introspect".
	ClientID string `yaml:"client_id"`
	// ClientSecret authenticates the caller (at least 32 characters).
	ClientSecret string `yaml:"client_secret"`
}

// introspect checks introspect.
func (v *validator) introspect(i *Introspect) *nextauth.IntrospectConfig {
	if i == nil {
		return nil
	}
	switch {
	case i.ClientSecret == "":
		v.addf("introspect.client_secret", "missing (e.g. openssl rand -base64 32)")
	case len(i.ClientSecret) < nextauth.MinIntrospectSecretLength:
		v.addf("introspect.client_secret", "too short: want at least %d characters (e.g. openssl rand -base64 32)", nextauth.MinIntrospectSecretLength)
	}
	return &nextauth.IntrospectConfig{Path: i.Path, ClientID: i.ClientID, ClientSecret: i.ClientSecret}
}
