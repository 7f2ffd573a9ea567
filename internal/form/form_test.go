package form

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want Values
	}{
		{"", nil},
		{"a=1&b=2", Values{"a": "1", "b": "2"}},
		{"a=1&a=2&a=3", Values{"a": []string{"1", "2", "3"}}},
		{"a+b=c+d", Values{"a b": "c d"}},
		{"x=%41%42", Values{"x": "AB"}},
		{"x=%zz%4", Values{"x": "%zz%4"}},
		{"x=%E2%82%AC", Values{"x": "€"}},
		{"x=%ff", Values{"x": "\uFFFD"}},
		{"x=%ff%fe&y=%E2%82", Values{"x": "\uFFFD\uFFFD", "y": "\uFFFD"}}, // as Node
		{"&&a&=v", Values{"a": "", "": "v"}},
		{"k==v", Values{"k": "=v"}},
		{"callbackUrl=http%3A%2F%2Flocalhost%3A3000%2Fdash", Values{"callbackUrl": "http://localhost:3000/dash"}},
	}
	for _, tt := range tests {
		if got := ParseQuery(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseQueryPairLimit(t *testing.T) {
	var b strings.Builder
	for i := range 1500 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("k")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("=1")
	}
	v := ParseQuery(b.String())
	n := 0
	for _, x := range v {
		n += len(x.([]string))
	}
	if n != maxPairs {
		t.Errorf("ParseQuery of 1500 pairs kept %d values, want %d", n, maxPairs)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           Values
		err            error
	}{
		{"json", "application/json", `{"csrfToken":"t","data":{"a":1}}`, Values{"csrfToken": "t", "data": map[string]any{"a": float64(1)}}, nil},
		{"json charset", "application/json; charset=utf-8", `{"a":"b"}`, Values{"a": "b"}, nil},
		{"ld+json", "application/ld+json", `{"a":"b"}`, Values{"a": "b"}, nil},
		{"json empty", "application/json", "", Values{}, nil},
		{"json array", "application/json", "[1,2]", Values{}, nil},
		{"json invalid", "application/json", "{", nil, ErrInvalidJSON},
		{"form", "application/x-www-form-urlencoded;charset=UTF-8", "a=1&json=true", Values{"a": "1", "json": "true"}, nil},
		{"form upper", "Application/X-WWW-Form-Urlencoded", "a=1", Values{"a": "1"}, nil},
		{"text", "text/plain", "a=1", Values{}, nil},
		{"none", "", "a=1", Values{}, nil},
		{"broken media type", "application/x-www-form-urlencoded; =", "a=1", Values{"a": "1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.ct, []byte(tt.body))
			if err != tt.err || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q, %q) = %#v, %v; want %#v, %v", tt.ct, tt.body, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestValuesAccessors(t *testing.T) {
	v := Values{"s": "x", "arr": []string{"a", "b"}, "num": float64(2), "obj": map[string]any{"k": "v"}, "null": nil}
	if s, ok := v.String("s"); !ok || s != "x" {
		t.Errorf("String(s) = %q, %v; want x, true", s, ok)
	}
	if _, ok := v.String("arr"); ok {
		t.Errorf("String(arr) ok = true, want false (a JS array is not the string)")
	}
	tests := map[string]string{"s": "x", "arr": "a", "num": "2", "obj": `{"k":"v"}`, "null": "", "missing": ""}
	for k, want := range tests {
		if got := v.First(k); got != want {
			t.Errorf("First(%q) = %q, want %q", k, got, want)
		}
	}
	if got := v.Flatten(); got["arr"] != "a" || got["num"] != "2" || len(got) != len(v) {
		t.Errorf("Flatten() = %v", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a=%zz&a=%41", "json=true&csrfToken=x", "{", `{"a":[1,{"b":null}]}`, "%", "+&+=+"} {
		f.Add("application/x-www-form-urlencoded", s)
		f.Add("application/json", s)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		v, err := Parse(ct, []byte(body))
		if err != nil {
			return
		}
		for k := range v {
			_ = v.First(k)
			_, _ = v.String(k)
		}
	})
}

func TestParseQueryPairs(t *testing.T) {
	got := ParseQueryPairs("b=2&a=1&&b=3&c&d=%zz+x")
	want := [][2]string{{"b", "2"}, {"a", "1"}, {"b", "3"}, {"c", ""}, {"d", "%zz x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseQueryPairs = %q, want %q", got, want)
	}
}
