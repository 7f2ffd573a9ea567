// Package nodetest runs the real NextAuth.js v4 (the npm fixture in
// testdata/node) from Go tests: next-auth/jwt through testdata/node/jwt.cjs,
// and the browser bundle of next-auth/react built by
// testdata/node/build-client.mjs.
//
// The fixture is installed with
//
//	npm ci --prefix testdata/node
//
// Without it (or without node), the helpers skip the test, or fail it when the
// environment variable CI is "true", so that a CI run cannot pass by skipping.
package nodetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// NextAuthVersion is the exact next-auth version the fixture pins.
const NextAuthVersion = "4.24.15"

// InstallCommand is the command, run from the module root, that installs the fixture.
const InstallCommand = "npm ci --prefix testdata/node"

// modulePath identifies this module's go.mod while searching upwards for the root.
const modulePath = "github.com/nextauth-go/nextauth"

// callTimeout bounds one run of a Node script.
const callTimeout = 2 * time.Minute

// Dir returns the absolute path of testdata/node, found from the working
// directory by walking up to this module's go.mod. It fails the test if there
// is no such module root.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := moduleRoot()
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	return filepath.Join(dir, "testdata", "node")
}

func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && isModule(b) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above %s", modulePath, wd)
		}
		dir = parent
	}
}

func isModule(gomod []byte) bool {
	for line := range strings.Lines(string(gomod)) {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" && f[1] == modulePath {
			return true
		}
	}
	return false
}

// unavailable skips the test, or fails it under CI=true, telling how to fix it.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("nodetest: %s (CI=true: not skipping)", msg)
	}
	t.Skipf("nodetest: %s", msg)
}

// Require checks that node is on PATH and that the fixture is installed with
// next-auth at [NextAuthVersion]. If not, it skips the test, or fails it under
// CI=true, naming the command that fixes it ([InstallCommand]).
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node not found (apt-get install -y nodejs npm, then %s)", InstallCommand)
	}
	pkg := filepath.Join(Dir(t), "node_modules", "next-auth", "package.json")
	b, err := os.ReadFile(pkg)
	if err != nil {
		unavailable(t, "next-auth is not installed in testdata/node: run %s from the module root", InstallCommand)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatalf("nodetest: %s: %v", pkg, err)
	}
	if meta.Version != NextAuthVersion {
		unavailable(t, "testdata/node has next-auth %s, want %s: run %s from the module root",
			meta.Version, NextAuthVersion, InstallCommand)
	}
}

// RunJWT sends one request (marshalled to a JSON object) to
// testdata/node/jwt.cjs, which calls the real next-auth/jwt, and returns its
// JSON answer. The request has an "op" of "encode", "decode" or "getToken";
// jwt.cjs documents the fields. Errors of next-auth/jwt come back as
// {"ok": false, "error": name, "code": code, "message": text}; a failure to
// run node fails the test. Numbers are decoded as float64.
func RunJWT(t testing.TB, req any) map[string]any {
	t.Helper()
	var resp map[string]any
	runJWT(t, req, &resp)
	return resp
}

// RunJWTBatch is [RunJWT] for many requests in one Node process (about 50 ms
// saved per request). The answers are in the order of reqs.
func RunJWTBatch(t testing.TB, reqs []any) []map[string]any {
	t.Helper()
	var resp []map[string]any
	runJWT(t, reqs, &resp)
	if len(resp) != len(reqs) {
		t.Fatalf("nodetest: RunJWTBatch: %d answers for %d requests", len(resp), len(reqs))
	}
	return resp
}

func runJWT(t testing.TB, req, resp any) {
	t.Helper()
	Require(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("nodetest: marshal jwt.cjs request: %v", err)
	}
	out := runNode(t, in, "jwt.cjs")
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("nodetest: bad answer from jwt.cjs %q: %v", out, err)
	}
}

// runNode runs node with args in the fixture directory, feeding stdin, and
// returns stdout. A non-zero exit fails the test with stderr.
func runNode(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = Dir(t)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nodetest: node %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// bundleFile is the client bundle's path relative to testdata/node.
const bundleFile = "dist/nextauth-client.js"

// bundleSources are the files (relative to testdata/node) whose change makes
// the bundle stale.
var bundleSources = []string{"client-entry.js", "build-client.mjs", "package-lock.json"}

// bundle remembers the outcome of the one build per test process.
var bundle struct {
	once sync.Once
	path string
	err  error
}

// ClientBundle returns the absolute path of testdata/node/dist/nextauth-client.js:
// React 18 and the unchanged next-auth/react in one browser script, built by
// build-client.mjs with esbuild. The bundle is (re)built at most once per test
// process, when it is missing or older than its sources.
//
// Loaded in a page, the script sets window.NextAuth = {signIn, signOut,
// getSession, getCsrfToken, getProviders, update, mount}. When the page has an
// element with id "app", it also mounts a SessionProvider (props from
// window.__sessionProviderProps) around a component that renders
// useSession().status into <pre id="status"> and the session JSON into
// <pre id="session">, and exposes useSession().update as window.__update
// (NextAuth.update forwards to it). The client's base path is the relative
// /api/auth unless the SessionProvider gets a basePath prop.
func ClientBundle(t testing.TB) string {
	t.Helper()
	Require(t)
	dir := Dir(t)
	bundle.once.Do(func() {
		bundle.path, bundle.err = buildBundle(dir)
	})
	if bundle.err != nil {
		t.Fatalf("nodetest: building the client bundle: %v", bundle.err)
	}
	return bundle.path
}

func buildBundle(dir string) (string, error) {
	out := filepath.Join(dir, bundleFile)
	if fresh, err := upToDate(dir, out); err != nil {
		return "", err
	} else if fresh {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "build-client.mjs", "--outfile="+bundleFile)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("node build-client.mjs: %w\n%s", err, b)
	}
	if _, err := os.Stat(out); err != nil {
		return "", err
	}
	return out, nil
}

// upToDate reports whether out exists and is newer than every bundle source.
func upToDate(dir, out string) (bool, error) {
	st, err := os.Stat(out)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, src := range bundleSources {
		s, err := os.Stat(filepath.Join(dir, src))
		if err != nil {
			return false, err
		}
		if s.ModTime().After(st.ModTime()) {
			return false, nil
		}
	}
	return true, nil
}
