package nodetest

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"testing"
)

// RequireNode checks only that node is on PATH, for tests that need Node's
// built-ins and not the fixture. Without node it skips the test, or fails it
// when CI is "true".
func RequireNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node not found (apt-get install -y nodejs)")
	}
}

// Eval runs the JavaScript program src with node (CommonJS, built-ins only,
// no fixture needed) with req marshalled to JSON on its stdin, and decodes
// its stdout as JSON into resp. The program reads its input with
// JSON.parse(require("fs").readFileSync(0, "utf8")). Like [RunScript] it
// skips the test without node (fails under CI=true), and a non-zero exit or
// an answer that is not JSON fails the test.
func Eval(t testing.TB, src string, req, resp any) {
	t.Helper()
	RequireNode(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("nodetest: marshal Eval request: %v", err)
	}
	out := runNode(t, in, "-e", src)
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("nodetest: bad answer from Eval %q: %v", out, err)
	}
}

// MapBytes runs the JavaScript expression fn, a function from a Buffer to a
// string or Buffer (e.g. `b => JSON.stringify(b.toString("utf8"))`), over
// each byte string of in with node, and returns its answers as bytes (a
// string answer in UTF-8). The strings travel as base64, so any bytes
// arrive as they are.
func MapBytes(t testing.TB, fn string, in []string) []string {
	t.Helper()
	enc := make([]string, len(in))
	for i, s := range in {
		enc[i] = base64.StdEncoding.EncodeToString([]byte(s))
	}
	var out []string
	Eval(t, `const fn = `+fn+`;
const req = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(req.map(b => Buffer.from(fn(Buffer.from(b, "base64"))).toString("base64"))));`, enc, &out)
	if len(out) != len(in) {
		t.Fatalf("nodetest: node answered %d strings for %d", len(out), len(in))
	}
	for i, o := range out {
		b, err := base64.StdEncoding.DecodeString(o)
		if err != nil {
			t.Fatalf("nodetest: answer %d is not base64: %v", i, err)
		}
		out[i] = string(b)
	}
	return out
}
