package nextauth

import (
	"encoding/json"

	"github.com/nextauth-go/nextauth/internal/jsonstr"
)

// NullString is a user field as NextAuth holds it: a string, null, or
// absent (JavaScript's undefined). NextAuth writes a user's name, e-mail and
// image into the session token and GET /session as they come: null from a
// NULL column or a null claim, and nothing at all for a field that a profile
// or authorize() did not set. So does this server, which needs all three
// states to do it.
//
// The zero value is absent. Make one with [String] or [Null]; read it with
// [NullString.String] (the value, "" for null or absent), [NullString.Valid]
// or [NullString.IsNull]. As JSON, a value is a string and null is null; an
// absent field is left out of a struct field tagged omitzero, and is null
// otherwise.
type NullString struct {
	v     string
	state nullState
}

type nullState uint8

const (
	stateAbsent nullState = iota
	stateNull
	stateValue
)

// String returns a NullString holding s ("" included).
func String(s string) NullString { return NullString{v: s, state: stateValue} }

// Null returns a NullString that is null.
func Null() NullString { return NullString{state: stateNull} }

// NullIfEmpty returns [String](s), or [Null] when s is "": how adapters read
// a column, where an empty string stands for NULL.
func NullIfEmpty(s string) NullString {
	if s == "" {
		return Null()
	}
	return String(s)
}

// String returns the value, or "" when n is null or absent.
func (n NullString) String() string { return n.v }

// Valid reports whether n holds a value (not null, not absent).
func (n NullString) Valid() bool { return n.state == stateValue }

// IsNull reports whether n is null.
func (n NullString) IsNull() bool { return n.state == stateNull }

// IsZero reports whether n is absent (the zero value), for omitzero.
func (n NullString) IsZero() bool { return n.state == stateAbsent }

// Claim is n as a JWT claim value: the string, or nil for null. ok is false
// when n is absent (no claim).
func (n NullString) Claim() (v any, ok bool) {
	switch n.state {
	case stateValue:
		return n.v, true
	case stateNull:
		return nil, true
	}
	return nil, false
}

// NullStringOf reads a claim or JSON member: a string is a value, a present
// nil (JSON null) is null, a missing one (present false) is absent, and
// anything else (a number, an object) is absent, as NextAuth's default
// session callback would not show it as a name.
func NullStringOf(v any, present bool) NullString {
	if !present {
		return NullString{}
	}
	switch v := v.(type) {
	case string:
		return String(v)
	case nil:
		return Null()
	}
	return NullString{}
}

// MarshalJSON writes a value as a JSON string and null or absent as null.
func (n NullString) MarshalJSON() ([]byte, error) {
	if n.state != stateValue {
		return []byte("null"), nil
	}
	return jsonstr.Append(make([]byte, 0, len(n.v)+2), n.v), nil
}

// UnmarshalJSON reads a JSON string or null.
func (n *NullString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Null()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*n = String(s)
	return nil
}

// appendNullString appends n as a JSON value (null when absent).
func appendNullString(b []byte, n NullString) []byte {
	if n.state != stateValue {
		return append(b, "null"...)
	}
	return jsonstr.Append(b, n.v)
}
