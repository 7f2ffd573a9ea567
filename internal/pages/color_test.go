package pages

import "testing"

func TestValidColor(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"#abc", true},
		{"#ABCD", true},
		{"#24292f", true},
		{"#aabbccdd", true},
		{"  #fff  ", true},
		{"red", true},
		{"transparent", true},
		{"currentColor", true},
		{"rgb(1, 2, 3)", true},
		{"RGBA(1,2,3,.5)", true},
		{"hsl(120deg 50% 50% / 0.5)", true},
		{"oklch(70% 0.1 200)", true},
		{"", false},
		{"   ", false},
		{"#", false},
		{"#ab", false},
		{"#abcde", false},
		{"#abcdefg", false},
		{"#ggg", false},
		{"red;}</style><script>", false},
		{"red; background: url(x)", false},
		{"red blue", false},
		{"url(http://x/)", false},
		{"expression(alert(1))", false},
		{"rgb(1,2,3));", false},
		{"rgb(1,2,3) ;", false},
		{"rgb(1,2,3", false},
		{"rgb(var(--x))", false},
		{"rgb(1;2;3)", false},
		{"rgb(1,2,3)}", false},
		{"var(--x)", false},
		{"red\n", true},
		{"r\ned", false},
		{"\"red\"", false},
		{"r3d", false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, // 41 letters
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ValidColor(tt.in); got != tt.want {
				t.Errorf("ValidColor(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// The expected values were computed with NextAuth's algorithm (parseInt(hex,
// 16) and 32-bit shifts) in Node.js.
func TestHoverColor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"#24292f", "rgba(36, 41, 47, 0.8)"},
		{"#fff", "rgba(255, 255, 255, 0.8)"},
		{"#FFF", "rgba(255, 255, 255, 0.8)"},
		{"#0a0b0c", "rgba(10, 11, 12, 0.8)"},
		{"#1234", "rgba(0, 18, 52, 0.8)"},
		{"#ff000080", "rgba(0, 0, 128, 0.8)"},
		{"red", "rgba(0, 0, 0, 0.8)"},
		{"blue", "rgba(0, 0, 11, 0.8)"},
		{"beige", "rgba(0, 0, 190, 0.8)"},
		{"rgb(1, 2, 3)", "rgba(0, 0, 0, 0.8)"},
		{"abcdefabcdefabcdef", "rgba(168, 0, 0, 0.8)"},
		{"deadbeefcafebabe", "rgba(254, 184, 0, 0.8)"},
		{"fffffffffffffffffff", "rgba(0, 0, 0, 0.8)"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "rgba(0, 0, 0, 0.8)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := hoverColor(tt.in); got != tt.want {
				t.Errorf("hoverColor(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestButtonStyle(t *testing.T) {
	tests := []struct {
		name string
		in   Style
		want string
	}{
		{"empty", Style{}, ""},
		{"logo only", Style{Logo: "/x.svg"}, ""},
		{"bg and text", Style{Bg: "#24292f", Text: "#fff"},
			"--provider-bg: #24292f; --provider-dark-bg: #24292f; --provider-color: #fff; --provider-dark-color: #fff; --provider-bg-hover: rgba(36, 41, 47, 0.8); --provider-dark-bg-hover: rgba(36, 41, 47, 0.8);"},
		{"all set", Style{Bg: "#fff", Text: "#000", BgDark: "#000", TextDark: "#fff"},
			"--provider-bg: #fff; --provider-dark-bg: #000; --provider-color: #000; --provider-dark-color: #fff; --provider-bg-hover: rgba(255, 255, 255, 0.8); --provider-dark-bg-hover: rgba(0, 0, 0, 0.8);"},
		{"text only", Style{Text: "#111"}, "--provider-color: #111; --provider-dark-color: #111;"},
		{"dark only", Style{BgDark: "#222"}, "--provider-dark-bg: #222; --provider-dark-bg-hover: rgba(34, 34, 34, 0.8);"},
		{"hostile values dropped", Style{Bg: "red;}</style><script>", Text: "x:y", BgDark: "#333"},
			"--provider-dark-bg: #333; --provider-dark-bg-hover: rgba(51, 51, 51, 0.8);"},
		{"trimmed", Style{Bg: " #abc "}, "--provider-bg: #abc; --provider-dark-bg: #abc; --provider-bg-hover: rgba(170, 187, 204, 0.8); --provider-dark-bg-hover: rgba(170, 187, 204, 0.8);"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(buttonStyle(tt.in)); got != tt.want {
				t.Errorf("buttonStyle(%+v) =\n%q, want\n%q", tt.in, got, tt.want)
			}
		})
	}
}
