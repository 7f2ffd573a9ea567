package csrf

import (
	"bytes"
	"strings"
	"testing"
)

func TestHashVectors(t *testing.T) {
	// The test vectors of docs/compatibility.md#csrf.
	tests := []struct{ token, secret, want string }{
		{"a966f38608bf93c1af42902195bc84a5f14bd75ecdfe8dd1ba956d7a364fe216", "secret", "aba40722c7539b8cd7052f45c4f5cdf3091e637328d380c3a97664e7187a195a"},
		{strings.Repeat("0", 64), "secret", "fa5790049a353d9796744fa82b1af7f283ee25b2da46e646ece34e4ac7b187cb"},
	}
	for _, tt := range tests {
		if got := Hash(tt.token, tt.secret); got != tt.want {
			t.Errorf("Hash(%q, %q) = %s, want %s", tt.token, tt.secret, got, tt.want)
		}
	}
}

func TestNewAndCheck(t *testing.T) {
	token, cookie, err := New(bytes.NewReader(make([]byte, 32)), "secret")
	if err != nil {
		t.Fatal(err)
	}
	if token != strings.Repeat("0", 64) {
		t.Fatalf("New token = %q, want 64 zeros", token)
	}
	if want := token + "|fa5790049a353d9796744fa82b1af7f283ee25b2da46e646ece34e4ac7b187cb"; cookie != want {
		t.Fatalf("New cookie = %q, want %q", cookie, want)
	}
	tests := []struct {
		name    string
		cookie  string
		secrets []string
		ok      bool
		index   int
	}{
		{"current secret", cookie, []string{"secret"}, true, 0},
		{"extra parts ignored", cookie + "|junk", []string{"secret"}, true, 0},
		{"previous secret", cookie, []string{"new", "secret"}, true, 1},
		{"wrong secret", cookie, []string{"other"}, false, 0},
		{"no separator", token, []string{"secret"}, false, 0},
		{"empty", "", []string{"secret"}, false, 0},
		{"tampered token", "1" + cookie[1:], []string{"secret"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, idx, ok := Check(tt.cookie, tt.secrets)
			if ok != tt.ok || (ok && (got != token || idx != tt.index)) {
				t.Errorf("Check(%q) = %q, %d, %v; want ok=%v index=%d", tt.cookie, got, idx, ok, tt.ok, tt.index)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		cookie, submitted string
		want              bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "", false},
		{"", "", false},
		{"abc", "abcd", false},
	}
	for _, tt := range tests {
		if got := Verify(tt.cookie, tt.submitted); got != tt.want {
			t.Errorf("Verify(%q, %q) = %v, want %v", tt.cookie, tt.submitted, got, tt.want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	_, valid, _ := New(nil, "secret")
	for _, s := range []string{"", "|", "a|b", valid, valid + "|x", "||||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, _, ok := Check(s, []string{"secret"})
		if ok && Hash(tok, "secret") != strings.SplitN(strings.SplitN(s, "|", 2)[1], "|", 2)[0] {
			t.Fatalf("Check(%q) accepted a token whose hash does not match", s)
		}
	})
}
