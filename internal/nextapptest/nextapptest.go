// Package nextapptest runs the pinned NextAuth.js app of bench/nextauth-app
// (next-auth 4.24.15 in a Next.js 14 production build) from Go tests, for
// request-by-request comparisons with our server (compare_test.go).
//
// [Prepare] runs scripts/nextauth-app.sh, which copies the app into its own
// directory (bench/.out/compare-app unless NEXTAUTH_COMPARE_APP_DIR says
// otherwise), runs `npm ci` when the lock file changed and `next build` when a
// source changed; scripts/test.sh's setup stage runs the same script, so that
// under the test command this is a check of a second. [Start] runs
// `next start` from there.
//
// Without node or npm, or when npm ci fails (no registry), the helpers skip
// the test, or fail it when the environment variable CI is "true", so that a
// CI run cannot pass by skipping. A failing `next build` always fails.
package nextapptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Script is the preparation script, relative to the module root.
const Script = "scripts/nextauth-app.sh"

// modulePath identifies this module's go.mod while searching upwards for the root.
const modulePath = "github.com/nextauth-go/nextauth"

// Exit statuses of [Script].
const (
	exitNoNode      = 2
	exitNpmCI       = 3
	exitBuildFailed = 4
)

var prepared struct {
	sync.Mutex
	dir  string
	took time.Duration
	log  string
	err  error
	code int
	done bool
}

// unavailable skips the test, or fails it under CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("nextapptest: %s (CI=true: not skipping)", msg)
	}
	t.Skipf("nextapptest: %s", msg)
}

// Prepare makes sure the app is installed and built, once per test process,
// and returns its directory and how long the preparation took (about a
// second when scripts/test.sh's setup already did it; npm ci and next build
// otherwise, a minute or two on two cores).
func Prepare(t testing.TB) (dir string, took time.Duration) {
	t.Helper()
	prepared.Lock()
	defer prepared.Unlock()
	if !prepared.done {
		prepared.done = true
		prepared.dir, prepared.took, prepared.log, prepared.code, prepared.err = runScript()
	}
	switch {
	case prepared.err == nil:
		return prepared.dir, prepared.took
	case prepared.code == exitNoNode:
		unavailable(t, "node or npm not found (apt-get install -y nodejs npm); %s:\n%s", Script, prepared.log)
	case prepared.code == exitNpmCI:
		unavailable(t, "npm ci failed for the NextAuth app (no npm registry?); run ./%s by hand:\n%s", Script, tail(prepared.log, 40))
	case prepared.code == exitBuildFailed:
		t.Fatalf("nextapptest: next build failed:\n%s", tail(prepared.log, 60))
	default:
		t.Fatalf("nextapptest: %s: %v\n%s", Script, prepared.err, tail(prepared.log, 40))
	}
	return "", 0
}

func runScript() (dir string, took time.Duration, log string, code int, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", 0, "", -1, err
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return "", 0, "bash not found", exitNoNode, err
	}
	start := time.Now()
	cmd := exec.Command("bash", filepath.Join(root, Script))
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	took = time.Since(start)
	log = strings.TrimSpace(stderr.String())
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		return "", took, log, code, err
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	dir = strings.TrimSpace(lines[len(lines)-1])
	if _, err := os.Stat(filepath.Join(dir, ".next", "BUILD_ID")); err != nil {
		return "", took, log, -1, fmt.Errorf("no build in %q: %w", dir, err)
	}
	return dir, took, log, 0, nil
}

func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above %s", modulePath, wd)
		}
		dir = parent
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a
// moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// App is a running `next start`.
type App struct {
	// Origin is http://127.0.0.1:<port>.
	Origin string
	// Started is how long next start took to answer.
	Started time.Duration

	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// Log returns what the app printed so far.
func (a *App) Log() string {
	b, _ := os.ReadFile(a.logPath)
	return string(b)
}

// Start runs `next start` on 127.0.0.1:port in dir (from [Prepare]) with
// NODE_ENV=production, the environment variables env ("NAME=value") and of
// the test's environment only PATH, HOME and TMPDIR, and waits until
// GET readyPath answers. The app is stopped when the test ends; its output is
// logged if the test failed.
func Start(t testing.TB, dir string, port int, readyPath string, env ...string) *App {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "next.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = []string{"NODE_ENV=production", "NEXT_TELEMETRY_DISABLED=1"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so that stopping it stops whatever it forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("nextapptest: next start: %v", err)
	}
	a := &App{Origin: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(a.exited)
	}()
	t.Cleanup(func() {
		a.stop()
		if t.Failed() {
			t.Logf("nextapptest: output of next start (%s):\n%s", a.Origin, tail(a.Log(), 40))
		}
	})
	if err := a.wait(readyPath, 90*time.Second); err != nil {
		t.Fatalf("nextapptest: %v\n%s", err, tail(a.Log(), 60))
	}
	a.Started = time.Since(start)
	return a
}

func (a *App) wait(path string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.Origin+path, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-a.exited:
			return fmt.Errorf("next start exited before answering %s", path)
		case <-ctx.Done():
			return fmt.Errorf("next start did not answer GET %s with 200 within %s (last: %v)", path, limit, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends the app's process group: SIGTERM, then SIGKILL after 5 s.
func (a *App) stop() {
	pid := a.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-a.exited
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
