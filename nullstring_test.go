package nextauth_test

import (
	"encoding/json"
	"testing"

	"github.com/nextauth-go/nextauth"
)

func TestNullString(t *testing.T) {
	tests := []struct {
		name              string
		n                 nextauth.NullString
		str               string
		valid, null, zero bool
		json              string // as a bare value
		inStruct          string // as an omitzero member
		claim             any
		claimOK           bool
	}{
		{"absent", nextauth.NullString{}, "", false, false, true, "null", `{}`, nil, false},
		{"null", nextauth.Null(), "", false, true, false, "null", `{"v":null}`, nil, true},
		{"value", nextauth.String("Zoë"), "Zoë", true, false, false, `"Zoë"`, `{"v":"Zoë"}`, "Zoë", true},
		{"empty value", nextauth.String(""), "", true, false, false, `""`, `{"v":""}`, "", true},
		{"NullIfEmpty empty", nextauth.NullIfEmpty(""), "", false, true, false, "null", `{"v":null}`, nil, true},
		{"NullIfEmpty value", nextauth.NullIfEmpty("x"), "x", true, false, false, `"x"`, `{"v":"x"}`, "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			if n.String() != tt.str || n.Valid() != tt.valid || n.IsNull() != tt.null || n.IsZero() != tt.zero {
				t.Errorf("String, Valid, IsNull, IsZero = %q %v %v %v, want %q %v %v %v", n.String(), n.Valid(), n.IsNull(), n.IsZero(), tt.str, tt.valid, tt.null, tt.zero)
			}
			b, err := json.Marshal(n)
			if err != nil || string(b) != tt.json {
				t.Errorf("json.Marshal = %s, %v, want %s", b, err, tt.json)
			}
			b, err = json.Marshal(struct {
				V nextauth.NullString `json:"v,omitzero"`
			}{n})
			if err != nil || string(b) != tt.inStruct {
				t.Errorf("json.Marshal of an omitzero member = %s, %v, want %s", b, err, tt.inStruct)
			}
			if v, ok := n.Claim(); v != tt.claim || ok != tt.claimOK {
				t.Errorf("Claim() = %v, %v, want %v, %v", v, ok, tt.claim, tt.claimOK)
			}
		})
	}
}

func TestNullStringUnmarshal(t *testing.T) {
	var got struct {
		A, B, C nextauth.NullString
	}
	if err := json.Unmarshal([]byte(`{"a":"x","b":null}`), &got); err != nil {
		t.Fatal(err)
	}
	if !got.A.Valid() || got.A.String() != "x" || !got.B.IsNull() || !got.C.IsZero() {
		t.Errorf("Unmarshal = %+v, want a value, a null and an absent field", got)
	}
	if err := json.Unmarshal([]byte(`{"a":1}`), &got); err == nil {
		t.Error("Unmarshal of a number: no error")
	}
}

func TestNullStringOf(t *testing.T) {
	claims := map[string]any{"s": "v", "n": nil, "num": 1.0}
	for _, tt := range []struct {
		key  string
		want nextauth.NullString
	}{
		{"s", nextauth.String("v")}, {"n", nextauth.Null()}, {"num", nextauth.NullString{}}, {"missing", nextauth.NullString{}},
	} {
		v, ok := claims[tt.key]
		if got := nextauth.NullStringOf(v, ok); got != tt.want {
			t.Errorf("NullStringOf(claims[%q]) = %#v, want %#v", tt.key, got, tt.want)
		}
	}
}
