package nodetest_test

import (
	"testing"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/nodetest"
)

func TestEval(t *testing.T) {
	var got struct {
		Sum  float64 `json:"sum"`
		Node string  `json:"node"`
	}
	nodetest.Eval(t, `const req = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({sum: req.a + req.b, node: process.version}));`,
		map[string]int{"a": 2, "b": 3}, &got)
	if got.Sum != 5 || got.Node == "" {
		t.Errorf("Eval(a+b) = %+v, want sum 5 and a node version", got)
	}
}

func TestByteStrings(t *testing.T) {
	a, b := nodetest.ByteStrings(1, 50), nodetest.ByteStrings(1, 50)
	invalid := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("ByteStrings(1, 50)[%d] differs between calls: %q, %q", i, a[i], b[i])
		}
		if !utf8.ValidString(a[i]) {
			invalid++
		}
	}
	if invalid == 0 || invalid == len(a) {
		t.Errorf("ByteStrings(1, 50): %d of %d invalid UTF-8, want a mix", invalid, len(a))
	}
}
