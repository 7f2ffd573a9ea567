package soak

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// Flatness bounds for RSS between the start of the load (after the
// warm-up) and its end: a leak of a few hundred bytes per request over a
// minute of load passes these bounds, a leak per session or connection
// does not.
const (
	rssGrowthFactor = 1.5
	rssGrowthSlack  = 24 << 20
	// fdSlack is how many more descriptors than before the load an idle
	// instance may hold: database pool connections opened under load.
	fdSlack = 16
	// goroutineSlack is the same for goroutines, when the binary tells.
	goroutineSlack = 32
)

// TestSoak runs a mixed workload from many clients against two instances
// sharing a PostgreSQL database, for SOAK_DURATION (default 60s): every
// answer must be the expected one, every client must always see its own
// user (on both instances), and RSS, descriptors (and goroutines, when the
// binary exposes them) must stay flat.
func TestSoak(t *testing.T) {
	requireSoak(t)
	dur := envDuration(t, "SOAK_DURATION", 60*time.Second)
	n := envInt(t, "SOAK_CLIENTS", 32)
	dsn := servicetest.PostgresDatabase(t)
	buildBinary(t)

	us, hashes := users(t, n)
	addrs := []string{freeAddr(t), freeAddr(t)}
	op := newOP(t, us, addrs, []string{"corp"})
	c := startCluster(t, clusterOpts{
		addrs: addrs, database: dsn, users: us, hashes: hashes, email: "file",
		oidc: []*oidcTarget{{id: "corp", op: op, issuer: op.Issuer(), weight: 30}},
	})
	before := map[string]procStats{}
	for _, in := range c.ins {
		st, err := in.stats()
		if err != nil {
			t.Fatal(err)
		}
		before[in.name] = st
	}

	clients := c.clients(0, n)
	warmup := min(max(dur/6, 5*time.Second), 30*time.Second)
	smp := startSampler(c.ins, time.Second)
	start := time.Now()
	l := runLoad(clients, start.Add(dur+5*time.Minute))
	c.runFor(dur)
	if err := l.halt(); err != nil {
		t.Error(err)
	}
	elapsed := time.Since(start)
	smp.stop()
	alive := c.checkAlive()

	// Idle: the clients' keep-alive connections closed, the server's
	// goroutines for them gone. Wait for that (the counts back within
	// their slack) rather than for a fixed time: a loaded server takes
	// longer to notice closed connections; a leak never gets there.
	closeIdle(clients)
	after := map[string]procStats{}
	for _, in := range c.ins {
		if !in.alive() {
			continue
		}
		b := before[in.name]
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			st, err := in.stats()
			if err != nil {
				t.Error(err)
				break
			}
			after[in.name] = st
			idle := st.FDs <= b.FDs+fdSlack && (b.Goroutines < 0 || st.Goroutines <= b.Goroutines+goroutineSlack)
			if idle || time.Now().After(deadline) {
				break
			}
		}
	}

	tot := c.e.stats.totals()
	var rep strings.Builder
	fmt.Fprintf(&rep, "%d clients for %s (warm-up %s), 2 instances sharing PostgreSQL (database sessions); "+
		"sign-ins: credentials, e-mail (file log), OIDC (authtest OP).\n\n", n, elapsed.Round(time.Second), warmup)
	fmt.Fprintf(&rep, "**%d requests in %s: %.0f req/s, %d errors.** OpenID Provider requests (not counted): %d.\n\n",
		tot.requests, elapsed.Round(time.Millisecond), float64(tot.requests)/elapsed.Seconds(), tot.errors, c.e.stats.count(kindOP))
	rep.WriteString(c.e.stats.table())
	rep.WriteString("\n| instance | RSS before load | RSS after warm-up | RSS at end | RSS peak | threads start→end | fds before→idle after | goroutines before→idle after |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	gorNote := false
	for _, in := range c.ins {
		b, s, e, a := before[in.name], smp.at(in.name, start.Add(warmup)), smp.last(in.name), after[in.name]
		gor := "not exposed"
		if b.Goroutines >= 0 && a.Goroutines >= 0 {
			gor = fmt.Sprintf("%d → %d", b.Goroutines, a.Goroutines)
		} else {
			gorNote = true
		}
		fmt.Fprintf(&rep, "| %s | %s | %s | %s | %s | %d → %d | %d → %d | %s |\n", in.name, mib(b.RSS), mib(s.RSS), mib(e.RSS),
			mib(smp.peakRSS(in.name)), s.Threads, e.Threads, b.FDs, a.FDs, gor)
		if !alive {
			continue
		}
		if limit := int64(float64(s.RSS)*rssGrowthFactor) + rssGrowthSlack; e.RSS > limit {
			t.Errorf("%s: RSS grew from %s after warm-up to %s at the end (limit %s): a leak?", in.name, mib(s.RSS), mib(e.RSS), mib(limit))
		}
		if a.FDs > b.FDs+fdSlack {
			t.Errorf("%s: %d open descriptors when idle after the load, %d before: leaked connections or files?", in.name, a.FDs, b.FDs)
		}
		if b.Goroutines >= 0 && a.Goroutines > b.Goroutines+goroutineSlack {
			t.Errorf("%s: %d goroutines when idle after the load, %d before: a goroutine leak?", in.name, a.Goroutines, b.Goroutines)
		}
	}
	if gorNote {
		rep.WriteString("\nThe binary exposes no metrics or pprof endpoint, so goroutines are not counted; RSS, threads and " +
			"open descriptors (each connection is one, with its goroutines) stand in for them.\n")
	}
	for _, in := range c.ins {
		if n := in.countLog("level=ERROR"); n > 0 {
			t.Errorf("%s logged %d errors without any fault; tail:\n%s", in.name, n, in.logTail(20))
		}
		fmt.Fprintf(&rep, "\n%s logged %d errors and %d warnings.", in.name, in.countLog("level=ERROR"), in.countLog("level=WARN"))
	}
	rep.WriteString("\n")
	t.Logf("soak report:\n%s", rep.String())
	if tot.requests < int64(n)*10 {
		t.Errorf("only %d requests in %s: the load did not run", tot.requests, elapsed)
	}
	c.reportErrors()
	c.finish()
	if !t.Failed() {
		addResult("TestSoak", rep.String())
	}
}
