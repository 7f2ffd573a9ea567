package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// histBuckets are latency buckets growing by 10% from 1 µs (the last is
// about three minutes).
const histBuckets = 200

func bucketOf(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(histBuckets-1, int(math.Log(us)/math.Log(1.1))+1)
}

// bucketTop is the upper bound of bucket b.
func bucketTop(b int) time.Duration {
	return time.Duration(math.Pow(1.1, float64(b)) * float64(time.Microsecond))
}

type kindStats struct {
	n, errors, degraded, expected int64
	max                           time.Duration
	hist                          [histBuckets]int64
}

func (k *kindStats) quantile(q float64) time.Duration {
	want := int64(math.Ceil(q * float64(k.n)))
	var seen int64
	for b, c := range k.hist {
		seen += c
		if seen >= want && c > 0 {
			return min(bucketTop(b), k.max)
		}
	}
	return k.max
}

// stats counts what the clients of one test did.
type stats struct {
	mu    sync.Mutex
	kinds map[string]*kindStats
	codes map[string]int64 // degraded and expected answers by "kind: code"
	errs  []string         // the first errors
	nErr  int64
}

func newStats() *stats {
	return &stats{kinds: map[string]*kindStats{}, codes: map[string]int64{}}
}

func (s *stats) kind(k string) *kindStats {
	ks := s.kinds[k]
	if ks == nil {
		ks = &kindStats{}
		s.kinds[k] = ks
	}
	return ks
}

func (s *stats) record(kind string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kind(kind)
	k.n++
	k.hist[bucketOf(d)]++
	k.max = max(k.max, d)
}

func (s *stats) fail(kind, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind(kind).errors++
	s.nErr++
	if len(s.errs) < 25 {
		s.errs = append(s.errs, time.Now().Format("15:04:05.000")+" "+kind+": "+msg)
	}
}

func (s *stats) degrade(kind, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind(kind).degraded++
	s.codes[kind+": "+code]++
}

func (s *stats) expected(kind, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind(kind).expected++
	s.codes[kind+": "+code+" (expected)"]++
}

// totals are the counts over every kind but the OP's.
type totals struct{ requests, errors, degraded int64 }

func (s *stats) totals() totals {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t totals
	for name, k := range s.kinds {
		if name != kindOP {
			t.requests += k.n
			t.degraded += k.degraded
		}
		t.errors += k.errors
	}
	return t
}

// count is how many requests of kind were made.
func (s *stats) count(kind string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.kinds[kind]; k != nil {
		return k.n
	}
	return 0
}

func (s *stats) firstErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.errs)
}

// table is a Markdown table of the counts and latencies by kind.
func (s *stats) table() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString("| request | count | errors | fault answers | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n")
	names := make([]string, 0, len(s.kinds))
	for n := range s.kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		k := s.kinds[n]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s | %s |\n", n, k.n, k.errors, k.degraded+k.expected,
			roundD(k.quantile(0.5)), roundD(k.quantile(0.99)), roundD(k.max))
	}
	if len(s.codes) > 0 {
		b.WriteString("\nAnswers explained by the fault (or expected):\n\n")
		codes := make([]string, 0, len(s.codes))
		for c := range s.codes {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			fmt.Fprintf(&b, "- %s: %d\n", c, s.codes[c])
		}
	}
	return b.String()
}

func roundD(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// fileMailbox reads the instances' file: mail logs (one JSON line a link).
type fileMailbox struct {
	mu    sync.Mutex
	files map[*instance]*mailFile
}

type mailFile struct {
	path    string
	off     int64
	partial []byte
	links   map[string][]string // by identifier, oldest first
}

func newFileMailbox() *fileMailbox { return &fileMailbox{files: map[*instance]*mailFile{}} }

func (m *fileMailbox) add(in *instance, path string) {
	m.files[in] = &mailFile{path: path, links: map[string][]string{}}
}

func (m *fileMailbox) link(ctx context.Context, from *instance, email string) (string, error) {
	f := m.files[from]
	if f == nil {
		return "", fmt.Errorf("no mail log for %s", from.name)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		m.mu.Lock()
		err := f.read()
		var link string
		if q := f.links[email]; len(q) > 0 {
			link, f.links[email] = q[0], q[1:]
		}
		m.mu.Unlock()
		if err != nil {
			return "", err
		}
		if link != "" {
			return link, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no link for %s in %s: %w", email, f.path, ctx.Err())
		case <-tick.C:
		}
	}
}

// read takes the lines appended since the last read.
func (f *mailFile) read() error {
	fh, err := os.Open(f.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := fh.Seek(f.off, io.SeekStart); err != nil {
		return err
	}
	b, err := io.ReadAll(fh)
	if err != nil {
		return err
	}
	f.off += int64(len(b))
	data := append(f.partial, b...)
	end := bytes.LastIndexByte(data, '\n') + 1
	f.partial = append([]byte(nil), data[end:]...)
	for _, line := range strings.Split(string(data[:end]), "\n") {
		if line == "" {
			continue
		}
		var r struct{ Identifier, URL string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return fmt.Errorf("%s: bad line %q: %w", f.path, line, err)
		}
		f.links[r.Identifier] = append(f.links[r.Identifier], r.URL)
	}
	return nil
}

// smtpMailbox takes links from the test's SMTP server.
type smtpMailbox struct{ srv *authtest.SMTPServer }

func (m smtpMailbox) link(ctx context.Context, from *instance, email string) (string, error) {
	for {
		msg, err := m.srv.WaitForRecipient(ctx, email)
		if err != nil {
			return "", err
		}
		l := msg.Link()
		if l == "" {
			return "", fmt.Errorf("the message to %s has no link: %q", email, msg.Text)
		}
		// Both instances mail through one server: a message of an earlier
		// attempt on the other instance, delivered although that attempt
		// was answered with an error (the server went away after DATA),
		// may still wait here. Skip it.
		if u, err := url.Parse(l); err == nil && u.Host == from.addr {
			return l, nil
		}
	}
}

// results are the reports written to RESULTS.md with
// SOAK_WRITE_RESULTS=1, by test name.
var (
	resultsMu sync.Mutex
	results   = map[string]string{}
)

func addResult(name, report string) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results[name] = report
}

// writeResults writes the reports of this run to path.
func writeResults(path string) error {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("# Soak and fault results\n\n")
	b.WriteString("Written by `SOAK_WRITE_RESULTS=1 bench/soak.sh` (see bench/soak.sh for what runs). ")
	fmt.Fprintf(&b, "Run of %s on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), machine())
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	slices.Sort(names)
	// The soak first, then the faults.
	slices.SortStableFunc(names, func(a, b string) int {
		return boolInt(!strings.HasPrefix(a, "TestSoak")) - boolInt(!strings.HasPrefix(b, "TestSoak"))
	})
	for _, n := range names {
		fmt.Fprintf(&b, "## %s\n\n%s\n", n, results[n])
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// machine describes this machine: CPUs and the Go version.
func machine() string {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := strings.Count(string(b), "\nprocessor\t") + boolInt(strings.HasPrefix(string(b), "processor\t"))
		cpu = fmt.Sprint(n)
	}
	return fmt.Sprintf("%s CPUs, %s, server built with race detector: %v", cpu, runtime.Version(), binRace)
}
