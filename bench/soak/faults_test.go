package soak

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// Sizes of a fault test: its clients under load, the survivors (signed
// in before the fault, idle during it, checked after it) and the probe
// users (fresh sign-ins while waiting for the service to come back).
const (
	survivors = 6
	probes    = 40
	// resumeTimeout bounds the wait for the service to come back by itself.
	resumeTimeout = 60 * time.Second
)

// faultRun is a fault test under way: the cluster, its load, and the
// report's phase table.
type faultRun struct {
	t         *testing.T
	c         *cluster
	d         time.Duration // each phase's length
	n         int           // load clients
	clients   []*client
	survivors []*client
	l         *load
	nextProbe int
	rep       strings.Builder
	started   time.Time
	zombies   string // checkZombies' finding
}

// faultUsers is how many users a fault test with n load clients needs.
func faultUsers(n int) int { return n + survivors + probes }

func newFaultRun(t *testing.T, c *cluster, n int) *faultRun {
	f := &faultRun{t: t, c: c, n: n, d: envDuration(t, "SOAK_FAULT_PHASE", 5*time.Second), started: time.Now()}
	f.clients = c.clients(0, n)
	f.survivors = c.clients(n, survivors)
	f.rep.WriteString("| phase | length | requests | errors | fault answers |\n|---|---:|---:|---:|---:|\n")
	f.l = runLoad(f.clients, time.Now().Add(30*time.Minute))
	return f
}

// probe is a client for a fresh user of the probe pool (so that probes
// stay under the per-account credentials limit).
func (f *faultRun) probe() *client {
	i := f.n + survivors + f.nextProbe%probes
	f.nextProbe++
	return f.c.e.newClient(i)
}

// strict runs the load for a phase in which everything must work.
func (f *faultRun) strict(name string) {
	f.t.Helper()
	f.c.e.tol.Store(nil)
	ph := f.c.phase(name)
	f.c.runFor(f.d)
	f.end(ph)
}

func (f *faultRun) end(ph *phase) totals {
	tot, row := ph.end()
	f.rep.WriteString(row + "\n")
	return tot
}

// signInSurvivors signs the survivors in, with each method in turn, before
// a fault.
func (f *faultRun) signInSurvivors(methods ...func(*client) string) {
	f.t.Helper()
	for i, s := range f.survivors {
		m := methods[i%len(methods)]
		if got := m(s); got != outcomeOK {
			f.t.Errorf("survivor %d: sign-in before the fault = %s, want ok", i, got)
		}
	}
}

// checkSurvivors checks that every survivor's session reads, as its own
// user, on every instance.
func (f *faultRun) checkSurvivors(when string) {
	f.t.Helper()
	for i, s := range f.survivors {
		for _, in := range f.c.ins {
			if got := s.sessionGet(in); got != sessOwn {
				f.t.Errorf("survivor %d (%s) %s: GET /session on %s = %s, want its own session", i, s.user.Username, when, in.name, got)
			}
		}
	}
}

// fault injects a fault under load for a phase with tol in force; probe
// runs at its start to check the exact answers. Then recover ends it, and
// the load goes on until ready reports (three times in a row) that the
// service is back, by itself; the time that took is reported.
func (f *faultRun) fault(name string, tol *tolerance, inject, probe, recover func(), ready func() bool) {
	f.t.Helper()
	tol.name = name
	f.c.e.tol.Store(tol)
	inject()
	ph := f.c.phase(name)
	probe()
	f.c.runFor(f.d)
	if tot := f.end(ph); tot.degraded == 0 {
		f.t.Errorf("%s: no answer was affected: the fault did not happen?", name)
	}
	recover()
	rec := f.c.phase(name + ": back, until resumed")
	start := time.Now()
	okRow := 0
	for okRow < 3 && time.Since(start) < resumeTimeout && !f.t.Failed() {
		if ready() {
			okRow++
		} else {
			okRow = 0
			time.Sleep(250 * time.Millisecond)
		}
	}
	took := time.Since(start)
	f.end(rec)
	if okRow < 3 {
		f.t.Errorf("%s: the service did not resume within %s of the recovery", name, resumeTimeout)
		return
	}
	f.t.Logf("%s: service resumed %s after the recovery", name, took.Round(time.Millisecond))
	fmt.Fprintf(&f.rep, "| %s: resumed after | %s | | | |\n", name, took.Round(time.Millisecond))
	f.strict(name + ": after")
}

// checkZombies reports how many of the sessions signed out while the store
// was failing still read once it is back. NextAuth v4 does the same: a
// failed deleteSession is logged (SIGNOUT_ERROR) and the cookie cleared
// anyway; so this is reported, not failed.
func (f *faultRun) checkZombies() {
	f.t.Helper()
	f.c.e.mu.Lock()
	zs := slices.Clone(f.c.e.zombies)
	f.c.e.mu.Unlock()
	if len(zs) == 0 {
		f.zombies = "No sign-out was answered while the store was down."
		return
	}
	p := f.probe()
	alive := 0
	for _, z := range zs {
		req, err := http.NewRequest(http.MethodGet, f.c.ins[0].base+"/api/auth/session", nil)
		if err != nil {
			f.t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: z[1]})
		a, ok := p.do(kindSessionGet, p.bare, req)
		if !ok || !p.isJSON(kindSessionGet, a) {
			continue
		}
		if strings.Contains(string(a.body), `"`+z[0]+`"`) {
			alive++
		} else if !bytes.Equal(bytes.TrimSpace(a.body), []byte("{}")) {
			f.t.Errorf("the session of %s signed out during the outage reads as %.200q", z[0], a.body)
		}
	}
	f.zombies = fmt.Sprintf("%d sign-outs were answered while the store was down (the cookie cleared); once it was back, "+
		"%d of those sessions still read (their deletion had failed: SIGNOUT_ERROR, as NextAuth v4 does).", len(zs), alive)
	f.t.Log(f.zombies)
}

// finish halts the load, checks the instances and reports.
func (f *faultRun) finish(title string) {
	f.t.Helper()
	if err := f.l.halt(); err != nil {
		f.t.Error(err)
	}
	f.c.checkAlive()
	tot := f.c.e.stats.totals()
	var rep strings.Builder
	fmt.Fprintf(&rep, "%s\n\n%d clients, 2 instances, phases of %s; %d requests in %s, %d errors, %d answers explained by the fault.\n\n",
		title, f.n, f.d, tot.requests, time.Since(f.started).Round(time.Second), tot.errors, tot.degraded)
	rep.WriteString(f.rep.String())
	if f.zombies != "" {
		rep.WriteString("\n" + f.zombies + "\n")
	}
	rep.WriteString("\n")
	rep.WriteString(f.c.e.stats.table())
	for _, in := range f.c.ins {
		if st, err := in.stats(); err == nil {
			fmt.Fprintf(&rep, "\n%s at the end: RSS %s, %d threads, %d fds, %d errors logged.", in.name, mib(st.RSS), st.Threads, st.FDs, in.countLog("level=ERROR"))
		}
	}
	rep.WriteString("\n")
	f.t.Logf("report:\n%s", rep.String())
	f.c.reportErrors()
	f.c.finish()
	if !f.t.Failed() {
		addResult(f.t.Name(), rep.String())
	}
}

func credentials(c *client) string { return c.signInCredentials(nil) }
func email(c *client) string       { return c.signInEmail(nil) }

// storeTolerance is what a database outage explains.
func storeTolerance() *tolerance {
	return &tolerance{
		codes: map[string]bool{
			kindCredentials + ":Callback":       true,
			kindEmailSignIn + ":EmailSignin":    true,
			kindEmailCallback + ":Callback":     true,
			kindOIDCCallback + ":Callback":      true,
			kindOIDCCallback + ":OAuthSignin":   true, // check cookies read, user lookup failed
			kindOIDCCallback + ":OAuthCallback": true,
		},
		emptySession: true,
		signOutLeaks: true,
	}
}

// storeFault is the body of the database outage tests: the store goes
// down under load and comes back; while it is down, session reads answer
// {} and sign-ins NextAuth's error redirects; afterwards everything works
// again and sessions made before the outage still read.
func storeFault(t *testing.T, database string, stop, start func() error) {
	n := envInt(t, "SOAK_FAULT_CLIENTS", 16)
	us, hashes := users(t, faultUsers(n))
	addrs := []string{freeAddr(t), freeAddr(t)}
	op := newOP(t, us, addrs, []string{"corp"})
	c := startCluster(t, clusterOpts{
		addrs: addrs, database: database, users: us, hashes: hashes, email: "file",
		oidc: []*oidcTarget{{id: "corp", op: op, issuer: op.Issuer(), weight: 30}},
	})
	oidc := func(cl *client) string { return cl.signInOIDC(c.e.oidc[0], nil, false) }
	f := newFaultRun(t, c, n)
	f.signInSurvivors(credentials, email, oidc)
	f.strict("before")

	// Back: a fresh credentials sign-in works on each instance, and the
	// session reads on both.
	ready := func() bool {
		for _, in := range c.ins {
			p := f.probe()
			if p.signInCredentials(in) != outcomeOK {
				return false
			}
			for _, x := range c.ins {
				if p.sessionGet(x) != sessOwn {
					return false
				}
			}
		}
		return true
	}
	probe := func() {
		for _, in := range c.ins {
			for i, s := range f.survivors {
				if got := s.sessionGet(in); got != sessEmpty {
					t.Errorf("store down: survivor %d GET /session on %s = %s, want 200 {}", i, in.name, got)
				}
			}
			if got := f.survivors[0].sessionUpdate(in); got != sessEmpty {
				t.Errorf("store down: POST /session on %s = %s, want 200 {}", in.name, got)
			}
			p := f.probe()
			if got := p.signInCredentials(in); got != "Callback" {
				t.Errorf("store down: credentials sign-in on %s = %s, want error=Callback", in.name, got)
			}
			if got := p.signInEmail(in); got != "EmailSignin" {
				t.Errorf("store down: e-mail sign-in on %s = %s, want error=EmailSignin", in.name, got)
			}
		}
	}
	f.fault("store down", storeTolerance(),
		func() {
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		},
		probe,
		func() {
			if err := start(); err != nil {
				t.Fatal(err)
			}
		},
		ready)
	f.checkSurvivors("after the outage")
	f.checkZombies()
	f.finish(fmt.Sprintf("The database (%s) stopped under load, then started again.", strings.SplitN(database, ":", 2)[0]))
}

// TestFaultsPostgres stops a throwaway PostgreSQL (pg_ctl -m immediate)
// under load and starts it again on the same port.
func TestFaultsPostgres(t *testing.T) {
	requireSoak(t)
	pg := startPostgres(t)
	storeFault(t, pg.dsn(), pg.stop, pg.start)
}

// TestFaultsRedis kills a throwaway redis-server (SIGKILL; its append-only
// file keeps the data) under load and starts it again.
func TestFaultsRedis(t *testing.T) {
	requireSoak(t)
	r := startRedis(t)
	storeFault(t, r.url(), func() error { r.kill(); return nil }, r.start)
}

// TestFaultsOIDC has an OpenID Provider that is slow throughout (its token
// endpoint answers after 4 s; the provider's timeout is 1 s) and one that
// goes off the network under load and comes back: OIDC sign-ins end at
// error=OAuthCallback (or OAuthSignin when discovery fails) while
// credentials sign-ins and session reads keep working.
func TestFaultsOIDC(t *testing.T) {
	requireSoak(t)
	dsn := servicetest.PostgresDatabase(t)
	n := envInt(t, "SOAK_FAULT_CLIENTS", 16)
	us, hashes := users(t, faultUsers(n))
	addrs := []string{freeAddr(t), freeAddr(t)}

	// The slow provider's token endpoint never answers in time (it gives
	// up when the client does), so only the server's timeout can end a
	// sign-in with it.
	const timeout, delay = time.Second, time.Hour
	// corp goes off the network under load. corp2 is off from the start
	// (so no discovery document of it was ever fetched, at start or later)
	// and comes back with corp; the load never uses it.
	op, proxy := newProxiedOP(t, us, addrs, "corp")
	proxy.serve(op.Issuer())
	op2, proxy2 := newProxiedOP(t, us, addrs, "corp2")
	proxy2.down() // refusing connections, not holding them
	slowOP := newOP(t, us, addrs, []string{"slow"}, authtest.WithTokenDelay(delay))
	corp := &oidcTarget{id: "corp", op: op, issuer: proxy.base(), weight: 30}
	corp2 := &oidcTarget{id: "corp2", op: op2, issuer: proxy2.base()}
	slow := &oidcTarget{id: "slow", op: slowOP, issuer: slowOP.Issuer(), want: "OAuthCallback", weight: 5}
	c := startCluster(t, clusterOpts{
		addrs: addrs, database: dsn, users: us, hashes: hashes,
		oidc:     []*oidcTarget{corp, corp2, slow},
		timeouts: map[string]time.Duration{"slow": timeout},
	})
	f := newFaultRun(t, c, n)
	f.signInSurvivors(credentials, func(cl *client) string { return cl.signInOIDC(corp, nil, false) })
	// The slow provider: the callback gives up after the timeout (not
	// before it), and answers OAuthCallback: the provider never answers,
	// so the answer itself shows the timeout ended the call, however long
	// it took on a loaded machine.
	checkSlow := func(when string) {
		for _, in := range c.ins {
			start := time.Now()
			got := f.probe().signInOIDC(slow, in, false)
			took := time.Since(start)
			if got != "OAuthCallback" || took < timeout {
				t.Errorf("%s: sign-in with the slow provider on %s = %s after %s, want error=OAuthCallback after at least %s",
					when, in.name, got, took.Round(time.Millisecond), timeout)
			}
		}
	}
	checkSlow("before")
	f.strict("before (slow provider throughout)")

	tol := &tolerance{
		codes:  map[string]bool{kindOIDCSignIn + ":OAuthSignin": true, kindOIDCCallback + ":OAuthCallback": true},
		opDown: true,
	}
	probe := func() {
		for _, in := range c.ins {
			p := f.probe()
			if got := p.signInOIDC(corp2, in, false); got != "OAuthSignin" {
				t.Errorf("provider down: sign-in with no discovery document on %s = %s, want error=OAuthSignin", in.name, got)
			}
			if got := p.signInOIDC(corp, in, true); got != "OAuthCallback" {
				t.Errorf("provider down: callback on %s = %s, want error=OAuthCallback", in.name, got)
			}
			if got := p.signInCredentials(in); got != outcomeOK {
				t.Errorf("provider down: credentials sign-in on %s = %s, want ok", in.name, got)
			}
		}
	}
	ready := func() bool {
		for _, in := range c.ins {
			if f.probe().signInOIDC(corp, in, false) != outcomeOK {
				return false
			}
		}
		return true
	}
	f.fault("OpenID Provider down", tol, proxy.down, probe, func() {
		proxy.serve(op.Issuer())
		proxy2.serve(op2.Issuer())
	}, ready)
	for _, in := range c.ins {
		if got := f.probe().signInOIDC(corp2, in, false); got != outcomeOK {
			t.Errorf("providers back: sign-in with the provider whose discovery had always failed, on %s = %s, want ok", in.name, got)
		}
	}
	checkSlow("after")
	f.checkSurvivors("after the provider came back")
	f.finish(fmt.Sprintf("An OpenID Provider slow throughout (token endpoint never answering in time, provider timeout %s) and one that went off the network and came back.", timeout))
}

// TestFaultsSMTP has the SMTP server refuse every recipient under load,
// then accept again, then go away and come back: e-mail sign-ins end at
// error=EmailSignin meanwhile, everything else keeps working.
func TestFaultsSMTP(t *testing.T) {
	requireSoak(t)
	dsn := servicetest.PostgresDatabase(t)
	n := envInt(t, "SOAK_FAULT_CLIENTS", 16)
	us, hashes := users(t, faultUsers(n))
	addrs := []string{freeAddr(t), freeAddr(t)}
	var refusing atomic.Bool
	smtp := authtest.NewSMTPServer(t, authtest.WithRejectRecipient(func(string) bool { return refusing.Load() }))
	c := startCluster(t, clusterOpts{
		addrs: addrs, database: dsn, users: us, hashes: hashes,
		email: smtp.URL(), mail: smtpMailbox{smtp},
	})
	f := newFaultRun(t, c, n)
	f.signInSurvivors(credentials, email)
	f.strict("before")
	tol := func() *tolerance {
		return &tolerance{codes: map[string]bool{kindEmailSignIn + ":EmailSignin": true}}
	}
	probe := func() {
		for _, in := range c.ins {
			p := f.probe()
			if got := p.signInEmail(in); got != "EmailSignin" {
				t.Errorf("SMTP failing: e-mail sign-in on %s = %s, want error=EmailSignin", in.name, got)
			}
			if got := p.signInCredentials(in); got != outcomeOK {
				t.Errorf("SMTP failing: credentials sign-in on %s = %s, want ok", in.name, got)
			}
		}
	}
	ready := func() bool {
		for _, in := range c.ins {
			if f.probe().signInEmail(in) != outcomeOK {
				return false
			}
		}
		return true
	}
	f.fault("SMTP refusing recipients", tol(), func() { refusing.Store(true) }, probe, func() { refusing.Store(false) }, ready)
	f.fault("SMTP down", tol(), smtp.Close, probe, smtp.Start, ready)
	f.checkSurvivors("after the SMTP faults")
	f.finish("The SMTP server refused every recipient (550), then accepted again; then it went away and came back.")
}
