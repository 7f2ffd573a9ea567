package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/authtest"
)

// newOP starts an OpenID Provider that knows every user and the callbacks
// of the provider ids on every instance address.
func newOP(t *testing.T, us []soakUser, addrs, ids []string, opts ...authtest.OIDCOption) *authtest.OIDCProvider {
	t.Helper()
	for _, u := range us {
		opts = append(opts, authtest.WithUser(u.ID, u.Email, u.Name))
	}
	for _, a := range addrs {
		for _, id := range ids {
			opts = append(opts, authtest.WithRedirectURI("http://"+a+"/api/auth/callback/"+id))
		}
	}
	return authtest.NewOIDCProvider(t, opts...)
}

// newProxiedOP starts an OpenID Provider for the provider id behind an
// opProxy, which is not serving yet.
func newProxiedOP(t *testing.T, us []soakUser, addrs []string, id string) (*authtest.OIDCProvider, *opProxy) {
	t.Helper()
	proxy := newOPProxy(t)
	op := newOP(t, us, addrs, []string{id},
		authtest.WithDiscoveryMutator(proxy.rewriteDiscovery), authtest.WithIDTokenMutator(proxy.rewriteIDToken))
	return op, proxy
}

// cluster is two instances sharing a database and a secret, and the
// clients' shared state.
type cluster struct {
	t   *testing.T
	ins []*instance
	e   *env
}

// clusterOpts says how to start a cluster.
type clusterOpts struct {
	addrs    []string // one per instance
	database string
	users    []soakUser
	hashes   []string
	// email is the e-mail server of instance i: "file" for a file: log
	// per instance (read by a fileMailbox), else a URL; mail is then the
	// mailbox. "" for no e-mail provider.
	email string
	mail  mailbox
	oidc  []*oidcTarget
	// timeouts are the oidc providers' timeouts by id.
	timeouts map[string]time.Duration
}

func startCluster(t *testing.T, o clusterOpts) *cluster {
	t.Helper()
	bin := buildBinary(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SOAK_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SOAK_SEED=%q: %v", s, err)
		}
		seed = v
	}
	feats := detectFeatures(t, bin)
	t.Logf("SOAK_SEED=%d; server built with the race detector: %v; config keys credentials_rate_limit: %v, metrics_addr: %v",
		seed, binRace, feats.credentialsRateLimit, feats.metricsAddr)
	c := &cluster{t: t, e: &env{stats: newStats(), oidc: o.oidc, mail: o.mail, seed: seed, credPaced: !feats.credentialsRateLimit}}
	var files *fileMailbox
	if o.email == "file" {
		files = newFileMailbox()
		c.e.mail = files
	}
	mailDir := t.TempDir()
	for i, addr := range o.addrs {
		conf := instanceConf{Features: feats, Database: o.database, Users: o.users, Hashes: o.hashes, EmailServer: o.email}
		if feats.metricsAddr {
			conf.MetricsAddr = freeAddr(t)
		}
		name := string(rune('A' + i))
		var mailLog string
		if o.email == "file" {
			mailLog = filepath.Join(mailDir, "mail-"+name+".log")
			conf.EmailServer = "file:" + mailLog
		}
		for _, p := range o.oidc {
			conf.OIDC = append(conf.OIDC, oidcConf{ID: p.id, Issuer: p.issuer, ClientID: p.op.ClientID(), ClientSecret: p.op.ClientSecret(), Timeout: o.timeouts[p.id]})
		}
		in := startInstance(t, bin, name, addr, conf)
		if files != nil {
			files.add(in, mailLog)
		}
		c.ins = append(c.ins, in)
	}
	c.e.ins = c.ins
	return c
}

// clients makes n clients, numbered from first.
func (c *cluster) clients(first, n int) []*client {
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = c.e.newClient(first + i)
	}
	return cs
}

// checkAlive fails the test for an instance that has exited.
func (c *cluster) checkAlive() bool {
	ok := true
	for _, in := range c.ins {
		if !in.alive() {
			c.t.Errorf("%s exited during the test: %v\n%s", in.name, in.err, in.logTail(40))
			ok = false
		}
	}
	return ok
}

// finish stops the instances gracefully and checks their logs.
func (c *cluster) finish() {
	c.t.Helper()
	for _, in := range c.ins {
		if err := in.stop(); err != nil {
			c.t.Errorf("stopping %s: %v\n%s", in.name, err, in.logTail(20))
		}
		in.checkLog(c.t)
	}
}

// reportErrors logs the first errors of the clients and fails the test if
// there were any.
func (c *cluster) reportErrors() {
	c.t.Helper()
	tot := c.e.stats.totals()
	if tot.errors == 0 {
		return
	}
	c.t.Errorf("%d errors; the first:\n  %s", tot.errors, strings.Join(c.e.stats.firstErrors(), "\n  "))
	for _, in := range c.ins {
		c.t.Logf("%s stderr (tail):\n%s", in.name, in.logTail(15))
	}
}

// runFor runs the load for d, watching that the instances stay up; it
// returns early if one exits.
func (c *cluster) runFor(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, in := range c.ins {
			if !in.alive() {
				return
			}
		}
		time.Sleep(min(200*time.Millisecond, time.Until(deadline)))
	}
}

// phase logs the request and error counts of a phase of a fault test.
type phase struct {
	c     *cluster
	name  string
	start time.Time
	tot   totals
}

func (c *cluster) phase(name string) *phase {
	return &phase{c: c, name: name, start: time.Now(), tot: c.e.stats.totals()}
}

// end logs the phase's counts and returns them with a row of the
// report's phase table.
func (p *phase) end() (totals, string) {
	t := p.c.e.stats.totals()
	d := totals{requests: t.requests - p.tot.requests, errors: t.errors - p.tot.errors, degraded: t.degraded - p.tot.degraded}
	secs := time.Since(p.start).Seconds()
	p.c.t.Logf("phase %q: %.1f s, %d requests, %d errors, %d fault answers", p.name, secs, d.requests, d.errors, d.degraded)
	return d, fmt.Sprintf("| %s | %.1f s | %d | %d | %d |", p.name, secs, d.requests, d.errors, d.degraded)
}
