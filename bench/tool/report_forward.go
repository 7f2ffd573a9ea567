package main

import (
	"fmt"
	"strings"
)

// This file is the report's part for the forward-auth check
// (GET /api/auth/forward, docs/forward-auth.md), oauth2-proxy, the rows
// that rotate through many cookies, and the CPU time per request of every
// row.

// fwdCase is a forward-check row, on our server only: with JWT sessions
// (store "") on the JWT server, or with database sessions on the database
// row's server. session is the GET /session row with the same server and
// cookies, which it is compared with.
type fwdCase struct {
	id, store, size string
	rot             bool
	session         string
}

var fwdCases = []fwdCase{
	{"forward_jwt", "", "", false, "session_jwt"},
	{"forward_jwt_rot", "", "", true, "session_jwt_rot"},
	{"fwd_sqlite_small", "SQLite", "small", false, "db_sqlite_small"},
	{"fwd_sqlite_large_rot", "SQLite", "large", true, "db_sqlite_large_rot"},
	{"fwd_pg_small", "PostgreSQL", "small", false, "db_pg_small"},
	{"fwd_pg_large_rot", "PostgreSQL", "large", true, "db_pg_large_rot"},
	{"fwd_my_small", storeMySQL, "small", false, "db_my_small"},
	{"fwd_my_large_rot", storeMySQL, "large", true, "db_my_large_rot"},
}

// The oauth2-proxy row: GET /oauth2/auth with the session cookie of a
// sign-in through the OpenID Provider (server "oauth2proxy").
const (
	o2pCase   = "o2p_auth"
	o2pServer = "oauth2proxy"
)

// Targets of the forward check (the performance issues).
const (
	fwdMinVsOAuth2Proxy = 1.5 // req/s of the JWT forward check ÷ oauth2-proxy's /oauth2/auth
	fwdPGMinVsNextAuth  = 5.0 // req/s of the forward check with PostgreSQL sessions ÷ NextAuth's JWT /session
)

// fwdSession names the kind of session of a forward row.
func (d *reportData) fwdSession(c fwdCase) string {
	if c.store == "" {
		return "JWT session"
	}
	return fmt.Sprintf("database session (%s, %s stored)", d.store(c.store), d.sizeLabel(c.size))
}

// o2pName is oauth2-proxy with its version.
func (d *reportData) o2pName() string {
	if v := d.meta["oauth2_proxy_version"]; v != "" {
		return "oauth2-proxy " + v
	}
	return "oauth2-proxy"
}

// rowRef is one measured row: a request type (case id) on a server.
type rowRef struct {
	id, server string
	label      string // for tables
	short      string // for the chart
	group      string // "ours", "nextauth", "oauth2-proxy", "ceiling": the chart's colour
	rot        bool   // the cookies rotate (wrk's Lua request())
}

// rows lists every row the run measured, in report order.
func (d *reportData) rows() []rowRef {
	var out []rowRef
	add := func(r rowRef) {
		if d.series(func(n int) (float64, bool) { return field(d.run(n, r.id, r.server), "rps") }) != nil {
			out = append(out, r)
		}
	}
	for _, c := range pairCases {
		rot := strings.HasSuffix(c.id, "_rot")
		add(rowRef{c.id, "ours", "ours, " + d.expand(c.short), d.expand(c.short), "ours", rot})
		add(rowRef{c.id, "nextauth", "NextAuth, " + d.expand(c.short), d.expand(c.short), "nextauth", rot})
	}
	add(rowRef{"ceiling", "empty", "empty handler (ceiling)", "empty handler", "ceiling", false})
	add(rowRef{"ceiling_rot", "empty", "empty handler, " + d.cookies() + " cookies rotating (ceiling of the rotating rows)", "empty handler, " + d.cookies() + " cookies rotating", "ceiling", true})
	for _, c := range fwdCases[:2] {
		add(rowRef{c.id, "ours", "ours, GET /forward, JWT session; cookie: " + d.cookieKind(c.rot, c.size), "GET /forward, JWT; " + d.cookieKind(c.rot, c.size), "ours", c.rot})
	}
	add(rowRef{o2pCase, o2pServer, d.o2pName() + ", GET /oauth2/auth, cookie session", "GET /oauth2/auth, cookie session", "oauth2-proxy", false})
	for _, c := range dbCases {
		add(rowRef{c.id, "ours", fmt.Sprintf("ours, GET /session, database session (%s, %s stored; cookie: %s)", d.store(c.store), d.sizeLabel(c.size), d.cookieLabel(c)),
			fmt.Sprintf("GET /session, %s %s; %s", d.store(c.store), d.sizeLabel(c.size), d.cookieLabel(c)), "ours", c.rot})
	}
	for _, c := range fwdCases[2:] {
		add(rowRef{c.id, "ours", fmt.Sprintf("ours, GET /forward, database session (%s, %s stored; cookie: %s)", d.store(c.store), d.sizeLabel(c.size), d.cookieKind(c.rot, c.size)),
			fmt.Sprintf("GET /forward, %s %s; %s", d.store(c.store), d.sizeLabel(c.size), d.cookieKind(c.rot, c.size)), "ours", c.rot})
	}
	for _, c := range d.layoutCases() {
		add(rowRef{c.id, "ours", fmt.Sprintf("ours, GET /session, database session (%s, %s layout, %s stored; cookie: the signed-in session)", d.store(c.store), c.layout, d.sizeLabel("small")),
			fmt.Sprintf("GET /session, %s %s layout", d.store(c.store), c.layout), "ours", false})
	}
	return out
}

// writeForwardSummary is the summary's rows of the forward check and the
// table of the forward check against oauth2-proxy and GET /session.
func (d *reportData) writeForwardSummary(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	started := false
	for _, c := range fwdCases {
		o := d.series(func(r int) (float64, bool) { return field(d.run(r, c.id, "ours"), "rps") })
		if len(o) == 0 {
			continue
		}
		if !started {
			started = true
			p("\nThe forward-auth check, `GET /api/auth/forward` on our server (`forward: {default: allow}`), compared with NextAuth's JWT `/session` (which has no such check) and with our `GET /session` on the same server and cookies:\n\n")
			p("| request | ours req/s | × NextAuth's JWT /session | ÷ our /session, same cookies | ours p50 / p99 | CPU µs/request: forward / our /session |\n|---|---:|---:|---:|---:|---:|\n")
		}
		p("| GET /forward, %s; cookie: %s | %s | %s | %s | %s / %s | %s / %s |\n", d.fwdSession(c), d.cookieKind(c.rot, c.size), rps(median(o)),
			ratio(median(d.ratioSeries(c.id, "ours", "session_jwt", "nextauth"))), ratio(median(d.ratioSeries(c.id, "ours", c.session, "ours"))),
			ms(d.med(c.id, "ours", "p50")), ms(d.med(c.id, "ours", "p99")), d.cpuMed(c.id, "ours", true), d.cpuMed(c.session, "ours", true))
	}
	o2p := d.series(func(r int) (float64, bool) { return field(d.run(r, o2pCase, o2pServer), "rps") })
	p("\n### Forward auth against oauth2-proxy (median over rounds)\n\n")
	if len(o2p) == 0 {
		p("oauth2-proxy: %s.\n\n", orNot(d.meta["oauth2_proxy"]))
		return
	}
	p("%s (built from its module, pinned in `bench/oauth2-proxy/go.mod`) with a cookie session store, signed in through an OpenID Provider (the one the tests use, `authtest.NewOIDCProvider`, run by `bench/tool oidc-op`); `GET /oauth2/auth` is its check for nginx's `auth_request`, answering 202 with a valid session. Measured in the same rounds as ours, right after our forward check.\n\n", d.o2pName())
	p("| server, request | req/s | p50 / p99 | server CPU µs/request | req/s ÷ oauth2-proxy's | peak RSS (VmHWM) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range []struct{ label, id, server, rss string }{
		{"ours, GET /api/auth/forward, JWT session", "forward_jwt", "ours", "ours"},
		{"ours, GET /api/auth/session, JWT session", "session_jwt", "ours", "ours"},
		{d.o2pName() + ", GET /oauth2/auth, cookie session", o2pCase, o2pServer, o2pServer},
		{"NextAuth.js, GET /api/auth/session, JWT session", "session_jwt", "nextauth", "nextauth"},
	} {
		v := d.series(func(n int) (float64, bool) { return field(d.run(n, r.id, r.server), "rps") })
		if len(v) == 0 {
			continue
		}
		p("| %s | %s | %s / %s | %s | %s | %s |\n", r.label, rps(median(v)), ms(d.med(r.id, r.server, "p50")), ms(d.med(r.id, r.server, "p99")),
			d.cpuMed(r.id, r.server, false), ratio(median(d.ratioSeries(r.id, r.server, o2pCase, o2pServer))), d.peakRSS(r.rss))
	}
	p("\n")
}

// peakRSS is the VmHWM of a process of rss.txt, or "?".
func (d *reportData) peakRSS(key string) string {
	for _, f := range d.rss {
		if f[0] == key {
			return kb(f[1])
		}
	}
	return "?"
}

// cpuMed is the median over rounds of a row's server CPU time per request,
// with the database server's added as "+ N" when withDB and it has one.
func (d *reportData) cpuMed(id, server string, withDB bool) string {
	var srv, db []float64
	hasDB := false
	for r := 1; r <= d.rounds; r++ {
		s, x, ok := d.run(r, id, server).cpuPerRequest()
		if !ok {
			continue
		}
		srv, db = append(srv, s), append(db, x)
		hasDB = hasDB || x > 0
	}
	if len(srv) == 0 {
		return "?"
	}
	if withDB && hasDB {
		return fmt.Sprintf("%s + %s", us(median(srv)), us(median(db)))
	}
	return us(median(srv))
}

func us(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f µs", v)
	}
	return fmt.Sprintf("%.1f µs", v)
}

// writeForwardRounds is the per-round tables of the forward check, of
// oauth2-proxy and of the empty handler with rotating cookies.
func (d *reportData) writeForwardRounds(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }

	if d.run(1, "ceiling_rot", "empty") != nil {
		p("### Ceiling with rotating cookies: the empty handler under the same Lua script\n\n")
		p("The rotating rows send each request with another of %s cookies through a Lua `request()` in wrk, which costs wrk CPU time that the fixed-cookie rows do not pay; on a machine where wrk and the server share the cores that lowers every rotating row. The empty handler ignores the cookie, so this row is what the machine, Go's HTTP stack and wrk with that script manage at all: read the rotating rows as a share of it.\n\n", d.cookies())
		p("| round | empty (rotating) req/s | p50 | p99 | ours JWT /session rotating, share | NextAuth JWT /session rotating, share | ours /forward rotating, share | errors | other processes, cores |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for r := 1; r <= d.rounds; r++ {
			e := d.run(r, "ceiling_rot", "empty")
			if e == nil {
				continue
			}
			share := func(id, server string) string {
				if x := d.run(r, id, server); x != nil && e.RPS > 0 {
					return pct(x.RPS / e.RPS)
				}
				return "not measured"
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, rps(e.RPS), ms(e.P50), ms(e.P99), share("session_jwt_rot", "ours"), share("session_jwt_rot", "nextauth"),
				share("forward_jwt_rot", "ours"), d.errNote(e), other(e))
		}
		p("\n")
	}

	p("### GET /api/auth/forward, the forward-auth check (ours only)\n\n")
	p("`GET /api/auth/forward` with the session cookie, as nginx's `auth_request` sends it (no `X-Original-URL`: from an untrusted peer the check is about its own request, which `default: allow` lets any valid session through): 200 with the `X-Auth-Request-*` identity headers, no cookie set, no callback, no sliding of a database session's expiry. \"÷ /session\" is its req/s over our `GET /session` row with the same server and cookies in the same round. CPU µs/request: the server's own, plus the database server's for PostgreSQL and MySQL/MariaDB.\n\n")
	p("| round | session | cookie | req/s | p50 | p99 | × NextAuth JWT /session | ÷ /session | CPU µs/request (forward) | CPU µs/request (/session) | errors | other processes, cores |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	anyFwd := false
	for r := 1; r <= d.rounds; r++ {
		for _, c := range fwdCases {
			o := d.run(r, c.id, "ours")
			if o == nil {
				continue
			}
			anyFwd = true
			vsNext, vsSession := "not measured", "not measured"
			if n := d.run(r, "session_jwt", "nextauth"); n != nil && n.RPS > 0 {
				vsNext = ratio(o.RPS / n.RPS)
			}
			s := d.run(r, c.session, "ours")
			if s != nil && s.RPS > 0 {
				vsSession = ratio(o.RPS / s.RPS)
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, d.fwdSession(c), d.cookieKind(c.rot, c.size), rps(o.RPS), ms(o.P50), ms(o.P99),
				vsNext, vsSession, cpuCell(o), cpuCell(s), d.errNote(o), other(o))
		}
	}
	if !anyFwd {
		p("| | not measured | | | | | | | | | | |\n")
	}
	p("\n")

	p("### oauth2-proxy's GET /oauth2/auth against our forward check\n\n")
	if d.run(1, o2pCase, o2pServer) == nil {
		p("Not measured: %s.\n\n", orNot(d.meta["oauth2_proxy"]))
		return
	}
	p("%s. Each round signs in again (oauth2-proxy's session ends with the provider's one-hour token) and measures `GET /oauth2/auth` with that session's cookie right after our JWT forward check.\n\n", d.meta["oauth2_proxy"])
	p("| round | oauth2-proxy req/s | p50 | p99 | ours /forward req/s | p50 | p99 | ours ÷ oauth2-proxy | CPU µs/request (oauth2-proxy / ours) | errors (oauth2-proxy / ours) | other processes, cores (oauth2-proxy / ours) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for r := 1; r <= d.rounds; r++ {
		o, f := d.run(r, o2pCase, o2pServer), d.run(r, "forward_jwt", "ours")
		if o == nil || f == nil {
			continue
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |\n", r, rps(o.RPS), ms(o.P50), ms(o.P99), rps(f.RPS), ms(f.P50), ms(f.P99),
			ratio(f.RPS/o.RPS), cpuCell(o), cpuCell(f), d.errNote(o), d.errNote(f), other(o), other(f))
	}
	p("\n")
}

// cpuCell is a run's CPU µs per request (server + database server).
func cpuCell(r *wrkRun) string {
	s, db, ok := r.cpuPerRequest()
	switch {
	case !ok:
		return "?"
	case db > 0:
		return fmt.Sprintf("%s + %s", us(s), us(db))
	}
	return us(s)
}

// writeCPU is the table of CPU time per request of every row.
func (d *reportData) writeCPU(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## CPU time per request (median over rounds)\n\n")
	p("The server's CPU time (user + system, from `/proc/PID/stat` of its processes before and after the run) divided by the requests wrk counted, and the same for the database server's processes (PostgreSQL, MySQL/MariaDB; on this machine, so other jobs' queries to it count too). Unlike req/s, this hardly moves when wrk or other jobs take the cores, and it shows what a row costs beyond the empty handler's own: compare a fixed-cookie row with the empty handler's fixed-cookie figure, a rotating row with its rotating one (the Lua script costs wrk, not the server, but the server reads a different cookie each time).\n\n")
	p("| row | req/s | server CPU µs/request | database server CPU µs/request | empty handler, same cookie mode | server ÷ empty handler |\n|---|---:|---:|---:|---:|---:|\n")
	emptyMed := func(rot bool) float64 {
		id := "ceiling"
		if rot {
			id = "ceiling_rot"
		}
		return median(d.series(func(r int) (float64, bool) { s, _, ok := d.run(r, id, "empty").cpuPerRequest(); return s, ok }))
	}
	for _, row := range d.rows() {
		v := d.series(func(r int) (float64, bool) { return field(d.run(r, row.id, row.server), "rps") })
		srv := d.series(func(r int) (float64, bool) { s, _, ok := d.run(r, row.id, row.server).cpuPerRequest(); return s, ok })
		db := d.series(func(r int) (float64, bool) { _, x, ok := d.run(r, row.id, row.server).cpuPerRequest(); return x, ok })
		if len(srv) == 0 {
			p("| %s | %s | ? | ? | ? | ? |\n", row.label, rps(median(v)))
			continue
		}
		dbCell := ""
		if median(db) > 0 {
			dbCell = us(median(db))
		}
		e := emptyMed(row.rot)
		eCell, ratioCell := "?", "?"
		if e > 0 {
			eCell, ratioCell = us(e), ratio(median(srv)/e)
		}
		p("| %s | %s | %s | %s | %s | %s |\n", row.label, rps(median(v)), us(median(srv)), dbCell, eCell, ratioCell)
	}
	p("\n")
}

// writeForwardTargets is the targets of the forward check.
func (d *reportData) writeForwardTargets(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	// The forward check with a JWT session costs no more than GET /session:
	// judged on the server's CPU time per request, with req/s alongside.
	for _, c := range fwdCases[:2] {
		label := fmt.Sprintf("forward check with a JWT session costs no more than GET /session (server CPU µs/request; cookie: %s)", d.cookieKind(c.rot, c.size))
		v := d.series(func(r int) (float64, bool) {
			f, _, ok1 := d.run(r, c.id, "ours").cpuPerRequest()
			s, _, ok2 := d.run(r, c.session, "ours").cpuPerRequest()
			return f / s, ok1 && ok2 && s > 0
		})
		if len(v) == 0 {
			p("- [ ] not measured: %s\n", label)
			continue
		}
		e := d.run(1, c.id, "ours").errorCount()
		for r := 2; r <= d.rounds; r++ {
			e += d.run(r, c.id, "ours").errorCount()
		}
		p("- %s: %s — forward ÷ /session %s (%s; %s vs %s; req/s forward ÷ /session %s)\n", mark(median(v) <= 1 && e == 0), label, ratio(median(v)), rounds(v, ratio),
			d.cpuMed(c.id, "ours", false), d.cpuMed(c.session, "ours", false), ratio(median(d.ratioSeries(c.id, "ours", c.session, "ours"))))
	}
	label := fmt.Sprintf("forward check with PostgreSQL database sessions ≥%.0f× NextAuth's JWT /session (%s sessions; cookie: the signed-in session)", fwdPGMinVsNextAuth, d.sizeLabel("small"))
	if v := d.ratioSeries("fwd_pg_small", "ours", "session_jwt", "nextauth"); len(v) > 0 {
		p("- %s: %s — %s (%s)\n", mark(median(v) >= fwdPGMinVsNextAuth), label, ratio(median(v)), rounds(v, ratio))
	} else {
		p("- [ ] not measured: %s\n", label)
	}
	label = fmt.Sprintf("forward check (JWT session) ≥%.1f× %s's /oauth2/auth req/s with p99 no worse", fwdMinVsOAuth2Proxy, d.o2pName())
	v := d.ratioSeries("forward_jwt", "ours", o2pCase, o2pServer)
	if len(v) == 0 {
		p("- [ ] not measured: %s\n", label)
		return
	}
	p99f, p99o := d.med("forward_jwt", "ours", "p99"), d.med(o2pCase, o2pServer, "p99")
	p("- %s: %s — %s (%s); p99 %s vs %s\n", mark(median(v) >= fwdMinVsOAuth2Proxy && p99f <= p99o), label, ratio(median(v)), rounds(v, ratio), ms(p99f), ms(p99o))
	if d.run(1, "ceiling_paced", "empty") != nil {
		d.pacedP99Target(b, fmt.Sprintf("forward check (JWT session) p99 no worse than %s's at the same request rate (paced rows)", d.o2pName()),
			"forward_jwt_paced", "ours", o2pCase+"_paced", o2pServer, 1)
	}
}
