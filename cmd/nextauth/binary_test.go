package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// built is the binary buildBinary made, once for all the package's tests.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds cmd/nextauth once per run of the package's tests and
// returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "nextauth-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "nextauth")
		if out, err := exec.Command(goTool, "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// process is the built binary serving, a process of its own.
type process struct {
	cmd    *exec.Cmd
	base   string        // http://127.0.0.1:port
	stderr *lockedBuffer // its log
	exited chan struct{} // closed once it has exited; err is then set
	err    error
}

// listeningLine is the log line of the address the server listens on.
var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startBinary runs bin with args and --addr 127.0.0.1:0, with an
// environment of PATH only, and waits until it logs the address it
// listens on. The process is killed when the test ends, if still running.
func startBinary(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append(args, "--addr", "127.0.0.1:0")...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.stderr, line)
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		p.err = p.cmd.Wait() // after the last read of the pipe
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(t) })
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-p.exited:
		t.Fatalf("%s exited before listening: %v; stderr:\n%s", bin, p.err, p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not listen within 60 s; stderr:\n%s", bin, p.stderr)
	}
	return p
}

// kill sends SIGKILL, as a crash or an OOM kill would: nothing is
// flushed, settled or closed. It waits for the process to be gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Errorf("kill: %v", err)
	}
	<-p.exited
}

// stop sends SIGTERM and returns how the process exited.
func (p *process) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("still running 30 s after SIGTERM")
	}
}
