package provider

import (
	"strconv"
	"strings"
)

// ClaimAt finds the value at a claim path in a raw profile: a claim name,
// or names joined with dots for nested objects ("realm_access.roles"); a
// list element is named by its index ("emails.0.value"). A name holding
// dots is matched whole before it is split: the whole path as a key
// first, else each dot-separated prefix that is a key, left to right,
// with the rest looked up in its value.
func ClaimAt(v any, path string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		if val, ok := x[path]; ok {
			return val, true
		}
		for i := 0; i < len(path); i++ {
			if path[i] != '.' {
				continue
			}
			if next, ok := x[path[:i]]; ok {
				if val, ok := ClaimAt(next, path[i+1:]); ok {
					return val, true
				}
			}
		}
	case []any:
		head, rest, more := strings.Cut(path, ".")
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != head {
			return nil, false
		}
		if !more {
			return x[i], true
		}
		return ClaimAt(x[i], rest)
	}
	return nil, false
}

// profileClaims are the claims of raw at the paths of m (claim name →
// path); a missing one is left out. nil when none is found.
func profileClaims(raw map[string]any, m map[string]string) map[string]any {
	var out map[string]any
	for name, path := range m {
		if v, ok := ClaimAt(raw, path); ok {
			if out == nil {
				out = make(map[string]any, len(m))
			}
			out[name] = v
		}
	}
	return out
}
