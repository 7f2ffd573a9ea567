package nodetest

import (
	"encoding/json"
	"testing"
)

// RunScript runs the Node script name (a file in testdata/node, e.g.
// "authurl.cjs") with req marshalled to JSON on its stdin, and decodes its
// stdout as JSON into resp. Like [RunJWT] it first calls [Require], so it
// skips the test (fails under CI=true) without node or the fixture; a
// non-zero exit or an answer that is not JSON fails the test.
func RunScript(t testing.TB, name string, req, resp any) {
	t.Helper()
	Require(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("nodetest: marshal %s request: %v", name, err)
	}
	out := runNode(t, in, name)
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("nodetest: bad answer from %s %q: %v", name, out, err)
	}
}
