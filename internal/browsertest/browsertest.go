// Package browsertest starts headless Chromium for tests, through chromedp.
//
// Chromium comes from Debian's package (apt-get install -y chromium). When it
// is missing, [New] skips the test, or fails it when the environment variable
// CI is "true", so that a CI run cannot pass by skipping.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds each browser made by [New], from the start of Chromium to the
// end of the test, unless the test's own deadline comes first.
const Timeout = 60 * time.Second

// InstallCommand installs the browser that [New] looks for.
const InstallCommand = "apt-get install -y chromium"

// execPaths are the places of Debian's Chromium, best first: the real binary,
// then the wrapper script (which works too but prints noise).
var execPaths = []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"}

// ExecPath returns the Chromium binary New uses, or "" if none is installed.
func ExecPath() string {
	for _, p := range execPaths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium (its own profile in t.TempDir(), no sandbox,
// no GPU, no background networking, component updates, sync or QUIC) and
// returns a chromedp context for one tab of it. The context ends after
// [Timeout], at the test's deadline, or when the test ends; the browser is
// closed in t.Cleanup. If the test fails, the page's console messages and
// uncaught exceptions are logged. extra adds Chromium flags, after the
// defaults (e.g. chromedp.Flag("host-resolver-rules", "MAP *.example.test 127.0.0.1")).
//
// Use the context with chromedp's actions:
//
//	ctx := browsertest.New(t)
//	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
//		t.Fatal(err)
//	}
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	execPath := ExecPath()
	if execPath == "" {
		msg := fmt.Sprintf("browsertest: Chromium not found at %s: run %s",
			strings.Join(execPaths, " or "), InstallCommand)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: not skipping)")
		}
		t.Skip(msg)
	}

	deadline := time.Now().Add(Timeout)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		// Leave a little time for cleanup and reporting before the test binary panics.
		if td, ok := d.Deadline(); ok && td.Add(-5*time.Second).Before(deadline) {
			deadline = td.Add(-5 * time.Second)
		}
	}
	timeoutCtx, cancelTimeout := context.WithDeadline(context.Background(), deadline)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)

	logs := &logBuffer{}
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logs.printf), chromedp.WithLogf(logs.printf))

	// Cleanups run last-registered first: this one runs after t.TempDir's
	// removal is registered, so the browser is gone before its profile is removed.
	var consoleDone sync.WaitGroup
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
		consoleDone.Wait()
		if t.Failed() {
			logs.dump(t)
		}
	})

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", execPath, err)
	}
	messages := chromedp.Console(ctx)
	consoleDone.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			where := ""
			if m.URL != "" {
				where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
			}
			logs.printf("console %s%s", m, where)
		}
	})
	return ctx
}

// logBuffer keeps browser messages until the test ends, when they are logged
// if it failed (t.Log from a goroutine after the test ends would panic).
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBuffer) dump(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		t.Log("browser: " + l)
	}
}
