package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder decodes a YAML node tree strictly into the config types: unknown
// and repeated keys are problems, as are values of the wrong kind. Unlike
// yaml.v3's Decode with KnownFields(true), it keeps going after a problem,
// so one run reports them all, and names each by its key path. Struct fields
// are matched by their yaml tag; a field tagged "-" is not a key.
type decoder struct {
	file     string
	problems []error
	// lines maps key paths to the line they were written on, for problems
	// found after decoding.
	lines map[string]int
	// deprecated are old keys that were read, for [File.Warnings].
	deprecated []*Problem
	// text is the file's text (after ${NAME} expansion), by 0-based line,
	// for the columns of problems inside values ([Expression]).
	text []string
}

// nodeDecoder is a type that decodes itself from a node (a custom format,
// or a type switch like [Provider]).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, &Problem{File: d.file, Line: line, Key: path, Err: fmt.Errorf(format, args...)})
}

// decode decodes n into v, which must be addressable.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	n = resolve(n)
	if _, seen := d.lines[path]; !seen && path != "" {
		d.lines[path] = n.Line
	}
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n, path)
		return
	}
	if isNull(n) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, path, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			d.lines[p] = item.Line
			d.decode(item, p, s.Index(i))
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, path, p.Elem())
		v.Set(p)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "want a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.fail(n, path, "want a whole number, got %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	default:
		// Only the types of this package reach here; a new kind is a bug.
		panic("config: cannot decode into " + v.Type().String())
	}
}

// mapping decodes a mapping node into the struct v.
func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping (key: value lines), got %s", describe(n))
		return
	}
	names, fields := structKeys(v.Type())
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		key := k.Value
		p := joinKey(path, key)
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "a key must be a plain name, got %s", describe(k))
			continue
		}
		if first, dup := seen[key]; dup {
			d.fail(k, p, "repeated key (first on line %d)", first)
			continue
		}
		seen[key] = k.Line
		idx, ok := fields[key]
		if !ok {
			d.fail(k, p, "unknown key; known keys here: %s", strings.Join(names, ", "))
			continue
		}
		d.lines[p] = k.Line
		d.decode(val, p, v.FieldByIndex(idx))
	}
}

// structKeys lists the keys of struct type t in order, with the index of
// the field each decodes into. A struct field tagged ",inline" contributes
// its own keys in its place (the keys all OAuth types share).
func structKeys(t reflect.Type) (names []string, fields map[string][]int) {
	fields = make(map[string][]int, t.NumField())
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			at := append(index[:len(index):len(index)], i)
			switch {
			case !f.IsExported() || name == "-":
			case name == "" && opts == "inline" && f.Type.Kind() == reflect.Struct:
				walk(f.Type, at)
			case name != "":
				fields[name] = at
				names = append(names, name)
			}
		}
	}
	walk(t, nil)
	return names, fields
}

// resolve follows aliases (*anchor) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an empty value ("key:" or "~" or "null").
func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// joinKey appends key to a key path.
func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Duration is a length of time, written in YAML as whole seconds
// (2592000, as NextAuth's maxAge) or as a Go duration string ("720h",
// "30m"). A quoted number ("3600") is seconds too.
type Duration time.Duration

// errDuration is the message for a value that is not a Duration.
var errDuration = errors.New(`want whole seconds (e.g. 3600) or a duration such as "720h" or "30m"`)

func (x *Duration) decodeNode(d *decoder, n *yaml.Node, path string) {
	if isNull(n) {
		*x = 0
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%w, got %s", errDuration, describe(n))
		return
	}
	if n.ShortTag() == "!!int" || n.ShortTag() == "!!str" {
		if secs, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			if secs > math.MaxInt64/int64(time.Second) || secs < math.MinInt64/int64(time.Second) {
				d.fail(n, path, "%d seconds is too long", secs)
				return
			}
			*x = Duration(time.Duration(secs) * time.Second)
			return
		}
	}
	if n.ShortTag() == "!!str" {
		if dur, err := time.ParseDuration(n.Value); err == nil {
			*x = Duration(dur)
			return
		}
	}
	d.fail(n, path, "%w, got %s", errDuration, describe(n))
}
