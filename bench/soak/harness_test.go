package soak

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// secret is the NEXTAUTH_SECRET both instances share.
const secret = "soak-test-secret-3f9c1e0b7a5d4c2e8f6a1b0c9d8e7f6a"

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if code == 0 && os.Getenv("SOAK_WRITE_RESULTS") == "1" {
		if err := writeResults("RESULTS.md"); err != nil {
			fmt.Fprintln(os.Stderr, "soak: writing RESULTS.md:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// requireSoak skips the test unless it was asked for: SOAK=1 (set by
// bench/soak.sh), or tests selected with -run. A plain go test ./... runs
// every package's tests without -run and stays short.
func requireSoak(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("soak tests do not run with -short")
	}
	if os.Getenv("SOAK") == "1" {
		return
	}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		return
	}
	t.Skip("soak tests run when asked: bench/soak.sh, SOAK=1, or go test ./bench/soak -run TestSoak")
}

// envDuration is the duration in the environment variable name, or def.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive Go duration such as 90s or 10m", name, v)
	}
	return d
}

// envInt is the whole number in the environment variable name, or def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 200 {
		t.Fatalf("%s=%q: want a whole number from 1 to 200", name, v)
	}
	return n
}

// need reports a missing prerequisite: the test skips, or fails under
// CI=true, where every service must be there.
func need(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (required under CI=true)", msg)
	}
	t.Skip(msg)
}

var (
	buildOnce sync.Once
	binDir    string // the built binary's directory, removed by TestMain
	binPath   string
	binErr    error
	binRace   bool
)

// goTool is the go command.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// buildBinary builds cmd/nextauth once per test process, with the race
// detector when this test binary has it (SOAK_RACE=0 or 1 overrides), so
// that the load also hunts data races in the server.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binRace = raceEnabled
		switch os.Getenv("SOAK_RACE") {
		case "0":
			binRace = false
		case "1":
			binRace = true
		}
		binDir, binErr = os.MkdirTemp("", "nextauth-soak-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "nextauth")
		args := []string{"build", "-o", binPath}
		if binRace {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool(), append(args, "../../cmd/nextauth")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			binErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.Bytes())
			return
		}
		fmt.Fprintf(os.Stderr, "soak: built %s (race=%v) in %s\n", binPath, binRace, time.Since(start).Round(time.Millisecond))
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// features are the config keys the binary knows, found by asking
// "nextauth check" about each (the server grows keys; the soak uses them
// when they are there).
type features struct {
	// credentialsRateLimit: credentials_rate_limit can lift the
	// credentials limits; without it the clients pace themselves under the
	// fixed defaults.
	credentialsRateLimit bool
	// emailPerAccount: email_rate_limit.per_account (else per_address).
	emailPerAccount bool
	// metricsAddr: metrics_addr serves Prometheus metrics (goroutines).
	metricsAddr bool
}

var (
	featuresOnce sync.Once
	feats        features
	featsErr     error
)

func detectFeatures(t *testing.T, bin string) features {
	t.Helper()
	featuresOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nextauth-soak-check-")
		if err != nil {
			featsErr = err
			return
		}
		defer os.RemoveAll(dir)
		hash, err := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
		if err != nil {
			featsErr = err
			return
		}
		base := fmt.Sprintf("secret: %s\nproviders:\n  - type: credentials\n    users:\n      - {username: a, password_hash: %q}\n", secret, hash)
		knows := func(extra string) bool {
			path := filepath.Join(dir, "check.yaml")
			if err := os.WriteFile(path, []byte(base+extra), 0o600); err != nil {
				featsErr = err
				return false
			}
			cmd := exec.Command(bin, "check", "--config", path)
			cmd.Env = append(os.Environ(), "NEXTAUTH_SECRET=", "NEXTAUTH_URL=")
			return cmd.Run() == nil
		}
		if !knows("") {
			featsErr = fmt.Errorf("nextauth check refuses the base config:\n%s", base)
			return
		}
		feats.credentialsRateLimit = knows("credentials_rate_limit: {per_account: 1000000, per_client: 1000000, window: 1m}\n")
		feats.emailPerAccount = knows("email_rate_limit: {per_account: 1000000, per_client: 1000000, window: 1m}\n")
		feats.metricsAddr = knows("metrics_addr: 127.0.0.1:9\n")
	})
	if featsErr != nil {
		t.Fatal(featsErr)
	}
	return feats
}

// freeAddr is a loopback address whose port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// soakUser is client i's identity, the same with every provider: a static
// credentials user, an e-mail address and a user of the OpenID Provider.
type soakUser struct {
	Username, Password, Email, Name, ID string
}

func userFor(i int) soakUser {
	return soakUser{
		Username: fmt.Sprintf("user-%d", i),
		Password: fmt.Sprintf("pw-%d-%x", i, i*7919+104729),
		Email:    fmt.Sprintf("user-%d@soak.test", i),
		Name:     fmt.Sprintf("Soak User %d", i),
		ID:       fmt.Sprintf("soak-%d", i),
	}
}

// users makes n users with their bcrypt hashes (cost 4).
func users(t *testing.T, n int) ([]soakUser, []string) {
	t.Helper()
	us := make([]soakUser, n)
	hashes := make([]string, n)
	for i := range n {
		us[i] = userFor(i)
		h, err := bcrypt.GenerateFromPassword([]byte(us[i].Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		hashes[i] = string(h)
	}
	return us, hashes
}

// oidcConf is a type: oidc provider of the config.
type oidcConf struct {
	ID, Issuer, ClientID, ClientSecret string
	Timeout                            time.Duration // 0: the default
}

// instanceConf is what an instance's YAML says besides its url.
type instanceConf struct {
	Features    features
	MetricsAddr string // with Features.metricsAddr
	Database    string
	Users       []soakUser
	Hashes      []string
	EmailServer string // file:PATH or smtp://…; "" for no e-mail provider
	OIDC        []oidcConf
}

// yaml is the instance's config file for its base URL.
func (c instanceConf) yaml(base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "url: %s/api/auth\n", base)
	fmt.Fprintf(&b, "database: %q\n", c.Database)
	// The limits themselves are tested elsewhere; here they must not bite.
	account := "per_address"
	if c.Features.emailPerAccount {
		account = "per_account"
	}
	fmt.Fprintf(&b, "email_rate_limit: {%s: 1000000, per_client: 1000000, window: 1m}\n", account)
	if c.Features.credentialsRateLimit {
		b.WriteString("credentials_rate_limit: {per_account: 1000000, per_client: 1000000, window: 1m}\n")
	}
	if c.MetricsAddr != "" {
		fmt.Fprintf(&b, "metrics_addr: %s\n", c.MetricsAddr)
	}
	// Warnings and errors only: no access log under load.
	b.WriteString("log: {level: warn}\n")
	b.WriteString("providers:\n  - type: credentials\n    users:\n")
	for i, u := range c.Users {
		fmt.Fprintf(&b, "      - {username: %s, password_hash: %q, id: %s, name: %q, email: %s}\n",
			u.Username, c.Hashes[i], u.ID, u.Name, u.Email)
	}
	if c.EmailServer != "" {
		fmt.Fprintf(&b, "  - type: email\n    server: %q\n", c.EmailServer)
	}
	for _, o := range c.OIDC {
		fmt.Fprintf(&b, "  - type: oidc\n    id: %s\n    issuer: %q\n    client_id: %q\n    client_secret: %q\n", o.ID, o.Issuer, o.ClientID, o.ClientSecret)
		b.WriteString("    scope: openid email profile\n    checks: [pkce, state, nonce]\n")
		// Every provider signs the same people in: link them by e-mail.
		b.WriteString("    allow_dangerous_email_account_linking: true\n")
		if o.Timeout > 0 {
			fmt.Fprintf(&b, "    timeout: %s\n", o.Timeout)
		}
	}
	return b.String()
}

// instance is one running nextauth process.
type instance struct {
	t    *testing.T
	name string
	addr string // 127.0.0.1:port
	base string // http://127.0.0.1:port
	// metrics is the metrics listener's address; "" without one.
	metrics string
	dir     string
	stderr  string // path of its stderr log
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, once done
	exited  bool          // stopped by stop()
}

// startInstance starts the binary with conf on addr and waits for
// /healthz.
func startInstance(t *testing.T, bin, name, addr string, conf instanceConf) *instance {
	t.Helper()
	in := &instance{t: t, name: name, addr: addr, base: "http://" + addr, metrics: conf.MetricsAddr, dir: t.TempDir(), done: make(chan struct{})}
	path := filepath.Join(in.dir, "nextauth.yaml")
	if err := os.WriteFile(path, []byte(conf.yaml(in.base)), 0o600); err != nil {
		t.Fatal(err)
	}
	in.stderr = filepath.Join(in.dir, "stderr.log")
	errf, err := os.Create(in.stderr)
	if err != nil {
		t.Fatal(err)
	}
	outf, err := os.Create(filepath.Join(in.dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	in.cmd = exec.Command(bin, "--config", path, "--addr", addr)
	in.cmd.Dir = in.dir
	in.cmd.Env = append(os.Environ(), "NEXTAUTH_SECRET="+secret, "NEXTAUTH_URL=", "NEXTAUTH_SECRET_PREVIOUS=")
	in.cmd.Stdout, in.cmd.Stderr = outf, errf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		in.err = in.cmd.Wait()
		errf.Close()
		outf.Close()
		close(in.done)
	}()
	t.Cleanup(func() {
		if !in.exited {
			in.stop()
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(60 * time.Second); ; {
		select {
		case <-in.done:
			t.Fatalf("%s exited at start: %v\n%s", name, in.err, in.log())
		default:
		}
		res, err := client.Get(in.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no /healthz within 60 s: %v\n%s", name, err, in.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// log is the instance's stderr so far.
func (in *instance) log() string {
	b, err := os.ReadFile(in.stderr)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// logTail is the last n lines of its stderr.
func (in *instance) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(in.log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// alive reports whether the process still runs.
func (in *instance) alive() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits (bounded) for a graceful exit; it returns
// an error for a non-zero exit or a process that had to be killed.
func (in *instance) stop() error {
	in.exited = true
	if !in.alive() {
		return fmt.Errorf("%s had already exited: %v", in.name, in.err)
	}
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-in.done:
		if in.err != nil {
			return fmt.Errorf("%s exited with %v after SIGTERM", in.name, in.err)
		}
		return nil
	case <-time.After(15 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
		return fmt.Errorf("%s did not stop within 15 s of SIGTERM; killed", in.name)
	}
}

// badLog finds lines that must never appear in an instance's stderr:
// panics (recovered or not), fatal runtime errors and data races.
var badLog = regexp.MustCompile(`(?i)panic|fatal error|DATA RACE|goroutine \d+ \[`)

// checkLog fails the test for every bad line of the instance's stderr.
func (in *instance) checkLog(t *testing.T) {
	t.Helper()
	f, err := os.Open(in.stderr)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		if badLog.MatchString(sc.Text()) {
			if n < 20 {
				t.Errorf("%s stderr: %s", in.name, sc.Text())
			}
			n++
		}
	}
	if n > 0 {
		t.Errorf("%s: %d bad lines in stderr (panic, fatal error or data race); tail:\n%s", in.name, n, in.logTail(40))
	}
}

// countLog counts stderr lines containing s.
func (in *instance) countLog(s string) int {
	return strings.Count(in.log(), s)
}

// procStats is what /proc says about a process.
type procStats struct {
	At      time.Time
	RSS     int64 // bytes (VmRSS)
	Threads int
	FDs     int
	// Goroutines is from the binary's metrics endpoint; -1 when it has
	// none.
	Goroutines int
}

// stats samples the process.
func (in *instance) stats() (procStats, error) {
	s := procStats{At: time.Now(), Goroutines: -1}
	pid := in.cmd.Process.Pid
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			s.RSS = kb << 10
		case "Threads":
			s.Threads, _ = strconv.Atoi(f[0])
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.FDs = len(fds)
	s.Goroutines = in.goroutines()
	return s, nil
}

// goroutinePattern finds the Go collector's goroutine gauge in Prometheus
// text, or pprof's goroutine profile header.
var goroutinePattern = regexp.MustCompile(`(?m)^(?:go_goroutines(?:\{[^}]*\})? (\d+)|goroutine profile: total (\d+))`)

// goroutines asks the binary for its goroutine count (Prometheus metrics
// on its metrics listener, or a pprof endpoint); -1 when it exposes none.
func (in *instance) goroutines() int {
	client := &http.Client{Timeout: 2 * time.Second}
	urls := []string{in.base + "/debug/pprof/goroutine?debug=1"}
	if in.metrics != "" {
		urls = append([]string{"http://" + in.metrics + "/metrics"}, urls...)
	}
	for _, u := range urls {
		res, err := client.Get(u)
		if err != nil {
			continue
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			continue
		}
		if m := goroutinePattern.FindSubmatch(body.Bytes()); m != nil {
			v := m[1]
			if len(v) == 0 {
				v = m[2]
			}
			n, err := strconv.Atoi(string(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// sampler samples instances' /proc stats every interval until stopped.
type sampler struct {
	mu      sync.Mutex
	samples map[string][]procStats
	errs    []error
	cancel  context.CancelFunc
	done    chan struct{}
}

func startSampler(ins []*instance, every time.Duration) *sampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sampler{samples: map[string][]procStats{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			for _, in := range ins {
				st, err := in.stats()
				s.mu.Lock()
				if err != nil {
					if len(s.errs) < 5 {
						s.errs = append(s.errs, fmt.Errorf("%s: %w", in.name, err))
					}
				} else {
					s.samples[in.name] = append(s.samples[in.name], st)
				}
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *sampler) stop() {
	s.cancel()
	<-s.done
}

// at is the first sample of name taken at or after t (the last one if
// none).
func (s *sampler) at(name string, t time.Time) procStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.samples[name]
	for _, x := range ss {
		if !x.At.Before(t) {
			return x
		}
	}
	if len(ss) == 0 {
		return procStats{}
	}
	return ss[len(ss)-1]
}

// last is name's last sample.
func (s *sampler) last(name string) procStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.samples[name]
	if len(ss) == 0 {
		return procStats{}
	}
	return ss[len(ss)-1]
}

// peakRSS is name's largest RSS sample.
func (s *sampler) peakRSS(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for _, x := range s.samples[name] {
		m = max(m, x.RSS)
	}
	return m
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
