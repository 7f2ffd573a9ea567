package config

import (
	"errors"
	"fmt"
	"strings"
)

// UnsetVar is a ${NAME} reference in the file whose variable was unset or
// empty and had no default, so it expanded to "".
type UnsetVar struct {
	Name string
	Line int
}

// expand replaces ${NAME} and ${NAME:-default} in text with the value of
// NAME in env, or default when NAME is unset or empty (as POSIX shells do).
// An unset NAME without a default becomes "" and is listed in unset. "$${"
// stands for a literal "${". Lines whose first non-blank character is '#'
// (YAML comments) are left alone, so commented-out examples neither expand
// nor warn. A reference must end on its own line.
func expand(file, text string, env func(string) string) (string, []UnsetVar, []error) {
	var (
		b      strings.Builder
		unset  []UnsetVar
		probs  []error
		lineNo = 0
	)
	b.Grow(len(text))
	for rest := text; rest != ""; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		lineNo++
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			b.WriteString(line)
			continue
		}
		for {
			i := strings.IndexByte(line, '$')
			if i < 0 {
				b.WriteString(line)
				break
			}
			b.WriteString(line[:i])
			line = line[i:]
			switch {
			case strings.HasPrefix(line, "$${"):
				b.WriteString("${")
				line = line[3:]
				continue
			case !strings.HasPrefix(line, "${"):
				b.WriteByte('$')
				line = line[1:]
				continue
			}
			end := strings.IndexByte(line, '}')
			if end < 0 {
				probs = append(probs, &Problem{File: file, Line: lineNo, Err: errors.New("unterminated ${: want ${NAME} or ${NAME:-default}")})
				b.WriteString(line)
				break
			}
			name, def, hasDef := strings.Cut(line[2:end], ":-")
			line = line[end+1:]
			if !validVarName(name) {
				probs = append(probs, &Problem{File: file, Line: lineNo, Err: fmt.Errorf("${%s}: %q is not a variable name (letters, digits and _; $${ for a literal ${)", name, name)})
				continue
			}
			v := env(name)
			if v == "" {
				v = def
				if !hasDef {
					unset = append(unset, UnsetVar{Name: name, Line: lineNo})
				}
			}
			b.WriteString(v)
		}
	}
	return b.String(), unset, probs
}

// validVarName reports whether s is an environment variable name:
// [A-Za-z_][A-Za-z0-9_]*.
func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
