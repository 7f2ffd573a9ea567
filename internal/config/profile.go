package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// ProfileMap is the profile key of types oauth and oidc: where the user's
// fields are in the raw profile (the userinfo answer or the id_token's
// claims), as claim paths. A path is a claim name, or names joined with
// dots for nested objects ("data.attributes.email"); a list element is
// named by its index ("emails.0.value"). A name holding dots is matched
// whole before it is split. An empty path keeps the default: sub (else
// id), name, email, picture (else image).
//
// Any other key keeps one more claim of the profile in the session token:
// its name is the claim's name, its value the claim path
// (role: realm_access.roles, groups: groups); a path the profile lacks is
// left out ([provider.OAuthConfig.ProfileClaims]).
type ProfileMap struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Image string `yaml:"image"`
	// Claims are the other keys: claim name → claim path.
	Claims map[string]string `yaml:"-"`
}

// decodeNode reads id, name, email and image, and every other key as a
// claim path.
func (m *ProfileMap) decodeNode(d *decoder, n *yaml.Node, path string) {
	*m = ProfileMap{}
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of fields and claims to claim paths, got %s", describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.fail(k, path, "a key must be a plain name, got %s", describe(k))
			continue
		}
		p := joinKey(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.fail(k, p, "repeated key (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		d.lines[p] = k.Line
		if isNull(val) {
			continue
		}
		if val.Kind != yaml.ScalarNode {
			d.fail(val, p, "want a claim path (e.g. realm_access.roles), got %s", describe(val))
			continue
		}
		switch k.Value {
		case "id":
			m.ID = val.Value
		case "name":
			m.Name = val.Value
		case "email":
			m.Email = val.Value
		case "image":
			m.Image = val.Value
		default:
			if m.Claims == nil {
				m.Claims = map[string]string{}
			}
			m.Claims[k.Value] = val.Value
		}
	}
}

// mapsFields reports whether m maps any of the four user fields (else the
// provider's own mapping stays).
func (m *ProfileMap) mapsFields() bool {
	return m.ID != "" || m.Name != "" || m.Email != "" || m.Image != ""
}

// Default claim paths of [ProfileMap], tried in order.
var (
	defaultIDClaims    = []string{"sub", "id"}
	defaultNameClaims  = []string{"name"}
	defaultEmailClaims = []string{"email"}
	defaultImageClaims = []string{"picture", "image"}
)

// Profile maps the raw profile to the user; it is an
// [provider.OAuthConfig.Profile]. A string is taken as it is and a number
// as its decimal form (12345678, not 1.2345678e+07), so a numeric id such
// as GitHub's becomes the same account id as NextAuth's String(id). The
// id must be there and be a string or a number. A name, e-mail or image
// claim that is null is null (shown as null in the session), one that is
// missing or of another kind absent (left out); of default claims tried in
// turn (picture, else image) the first value wins, else null if one is
// null. Errors name the claim path, never a value.
func (m ProfileMap) Profile(raw map[string]any, _ provider.Tokens) (nextauth.User, error) {
	var u nextauth.User
	var err error
	if m.ID == "" {
		u.ID = firstClaim(raw, defaultIDClaims)
	} else if u.ID, err = requiredClaim(raw, m.ID); err != nil {
		return nextauth.User{}, fmt.Errorf("config: profile: id: %w", err)
	}
	if u.ID == "" {
		if m.ID == "" {
			return nextauth.User{}, fmt.Errorf("config: profile: id: no claim sub or id in the profile; set profile.id")
		}
		return nextauth.User{}, fmt.Errorf("config: profile: id: claim %q is empty", m.ID)
	}
	for _, f := range [...]struct {
		path     string
		defaults []string
		dst      *nextauth.NullString
	}{
		{m.Name, defaultNameClaims, &u.Name},
		{m.Email, defaultEmailClaims, &u.Email},
		{m.Image, defaultImageClaims, &u.Image},
	} {
		if f.path == "" {
			*f.dst = firstUserClaim(raw, f.defaults)
			continue
		}
		v, ok := lookupClaim(raw, f.path)
		*f.dst = userClaim(v, ok)
	}
	return u, nil
}

// userClaim is a name, e-mail or image claim: a string or a number is a
// value, null is null, a missing claim (ok false) or one of another kind
// absent.
func userClaim(v any, ok bool) nextauth.NullString {
	if !ok {
		return nextauth.NullString{}
	}
	if v == nil {
		return nextauth.Null()
	}
	if s, ok := claimString(v); ok {
		return nextauth.String(s)
	}
	return nextauth.NullString{}
}

// firstUserClaim is the first of the top-level claims names that is a
// string or a number; else null when one of them is null; else absent.
func firstUserClaim(raw map[string]any, names []string) nextauth.NullString {
	null := false
	for _, name := range names {
		v, ok := raw[name]
		switch f := userClaim(v, ok); {
		case f.Valid():
			return f
		case f.IsNull():
			null = true
		}
	}
	if null {
		return nextauth.Null()
	}
	return nextauth.NullString{}
}

// firstClaim is the first of the top-level claims names that is a string
// or a number; "" when none is.
func firstClaim(raw map[string]any, names []string) string {
	for _, name := range names {
		if s, ok := claimString(raw[name]); ok {
			return s
		}
	}
	return ""
}

// requiredClaim is the claim at path, which must be a string or a number.
func requiredClaim(raw map[string]any, path string) (string, error) {
	v, ok := lookupClaim(raw, path)
	if !ok {
		return "", fmt.Errorf("no claim %q in the profile", path)
	}
	s, ok := claimString(v)
	if !ok {
		return "", fmt.Errorf("claim %q is %s, want a string or a number", path, claimKind(v))
	}
	return s, nil
}

// lookupClaim finds the value at path in v ([provider.ClaimAt]).
func lookupClaim(v any, path string) (any, bool) { return provider.ClaimAt(v, path) }

// claimString is a string claim as it is, or a number in decimal; ok is
// false for anything else (null, true, objects, lists).
func claimString(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// claimKind names what a claim value is, for messages.
func claimKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "true or false"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

// profile checks the claim paths of a profile key.
func (v *validator) profile(path string, m *ProfileMap) {
	type entry struct{ key, value string }
	list := []entry{{"id", m.ID}, {"name", m.Name}, {"email", m.Email}, {"image", m.Image}}
	for _, k := range slices.Sorted(maps.Keys(m.Claims)) {
		if nextauth.ProtectedClaim(k) {
			v.addf(path+"."+k, "%q is a claim the server keeps to itself (protected: %s)", k, strings.Join(nextauth.ProtectedClaims(), ", "))
			continue
		}
		list = append(list, entry{k, m.Claims[k]})
	}
	for _, f := range list {
		if f.value == "" {
			continue
		}
		if strings.HasPrefix(f.value, ".") || strings.HasSuffix(f.value, ".") || strings.Contains(f.value, "..") {
			v.addf(path+"."+f.key, "%q is not a claim path (names joined with single dots, e.g. data.attributes.email)", f.value)
		}
	}
}
