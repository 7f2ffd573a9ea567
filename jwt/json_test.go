package jwt

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestAppendValue(t *testing.T) {
	// Numbers and the string are JSON.stringify results observed in Node.js 20.
	type point struct {
		X int `json:"x"`
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"1e21", 1e21, "1e+21"},
		{"1e20", 1e20, "100000000000000000000"},
		{"1e-7", 1e-7, "1e-7"},
		{"1e-6", 1e-6, "0.000001"},
		{"0.1", 0.1, "0.1"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"integer", 123456789.0, "123456789"},
		{"big exponent", 1.5e300, "1.5e+300"},
		{"small negative", -2.5e-8, "-2.5e-8"},
		{"denormal", 5e-324, "5e-324"},
		{"seconds", 1700000000.0, "1700000000"},
		{"2^53+2", 9007199254740994.0, "9007199254740994"},
		{"float32", float32(0.1), "0.1"},
		{"int", 42, "42"},
		{"int64", int64(-7), "-7"},
		{"uint64", uint64(1 << 63), "9223372036854775808"},
		{"string escapes", "q\"\\\b\f\n\r\t\x01\x1f\x7f<>&\u2028é😀", `"q\"\\\b\f\n\r\t\u0001\u001f` + "\x7f<>&\u2028é😀\""},
		{"invalid UTF-8", "a\xffb", "\"a\uFFFDb\""},
		{"nil", nil, "null"},
		{"bools", []any{true, false}, "[true,false]"},
		{"nested sorted", map[string]any{"b": []string{"x"}, "a": Claims{"z": nil}}, `{"a":{"z":null},"b":["x"]}`},
		{"nil map", map[string]any(nil), "null"},
		{"nil slice", []any(nil), "null"},
		{"nil string slice", []string(nil), "null"},
		{"empty", map[string]any{}, "{}"},
		{"struct via encoding/json", point{X: 3}, `{"x":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendValue(nil, tt.in, 0)
			if err != nil || string(got) != tt.want {
				t.Errorf("appendValue(%#v) = %s, %v, want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestAppendValueErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name string
		in   any
	}{
		{"NaN", math.NaN()},
		{"infinity", math.Inf(-1)},
		{"nested NaN", []any{1.0, math.NaN()}},
		{"cycle", cyclic},
		{"channel", make(chan int)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := appendValue(nil, tt.in, 0); err == nil || !strings.HasPrefix(err.Error(), "jwt: ") {
				t.Errorf("appendValue(%s) = %s, %v, want a jwt: error", tt.name, got, err)
			}
		})
	}
	c := newCodec(t, "secret", 1700000000)
	if tok, err := c.Encode(Claims{"x": math.Inf(1)}, 0); err == nil {
		t.Errorf("Encode(x: +Inf) = %q, nil, want an error", tok)
	}
}

// FuzzParseObject checks the payload reader against encoding/json.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		vectorPlain, statePlain, `{}`, ` { "a" : [ 1 , -0.5e+3 , true , false , null , { } , [ ] ] } `,
		`{"a":1,"a":{"b":2}}`, `{"s":"\ud83d\ude00\ud800x\udc00\u00e9\n\"\\\/"}`, "{\"s\":\"\xff\xc3\"}",
		`{"n":1e400}`, `{"n":-01}`, `{"n":1.}`, `{"n":.5}`, `{"n":+1}`, `{"a":tru}`, `{"a":nullx}`,
		`{"a":1,}`, `{"a" 1}`, `{a:1}`, `[]`, `null`, `"x"`, `{"a":1}x`, "{\"a\":\"\x01\"}", `{"a":"\u12"}`,
		`{"a":"\x"}`, `{"a":[1,]}`, `{"a":[1 2]}`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseObject(s)
		var want map[string]any
		wantErr := json.Unmarshal([]byte(s), &want)
		wantOK := wantErr == nil && want != nil
		if (err == nil) != wantOK {
			t.Fatalf("parseObject(%q) = %v, %v; encoding/json gives %v, %v", s, got, err, want, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("parseObject(%q) = %#v, want %#v (encoding/json)", s, got, want)
		}
	})
}

func TestParseObjectNesting(t *testing.T) {
	for _, n := range []int{maxNesting - 1, maxNesting} {
		s := `{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
		_, err := parseObject(s)
		var m map[string]any
		wantErr := json.Unmarshal([]byte(s), &m)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("parseObject(%d nested arrays) = %v, encoding/json gives %v", n, err, wantErr)
		}
	}
}

func TestDeepClaimsRoundTrip(t *testing.T) {
	// Whatever nesting Decode accepts, Encode must write back.
	c := newCodec(t, "secret", 1700000000)
	n := maxNesting - 1
	payload := `{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	tok := craft(t, DeriveKey("secret", ""), protectedHeader, "", make([]byte, ivSize), []byte(payload))
	claims, err := c.Decode(tok)
	if err != nil {
		t.Fatalf("Decode(%d nested arrays) = %v", n, err)
	}
	if _, err := c.Encode(claims, 0); err != nil {
		t.Errorf("Encode(Decode(%d nested arrays)) = %v, want success", n, err)
	}
}
