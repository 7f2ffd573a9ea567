package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// wrkRun is one wrk run, as bench/wrk/report.lua prints it after
// "BENCH_JSON ". Latencies are in microseconds.
type wrkRun struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	RPS        float64 `json:"rps"`
	P50        float64 `json:"p50_us"`
	P90        float64 `json:"p90_us"`
	P99        float64 `json:"p99_us"`
	Max        float64 `json:"max_us"`
	// CPU is the BENCH_CPU line run.sh appends.
	CPU    *cpuLine `json:"-"`
	busy   bool     // other processes used more than max_other cores
	Errors struct {
		Connect int64 `json:"connect"`
		Read    int64 `json:"read"`
		Write   int64 `json:"write"`
		Status  int64 `json:"status"`
		Timeout int64 `json:"timeout"`
	} `json:"errors"`
}

// cpuLine is the BENCH_CPU line: cores used over the run, and CPU ticks.
type cpuLine struct {
	Machine float64 `json:"machine_busy_cores"`
	Server  float64 `json:"server_cores"` // the server and its database server
	Wrk     float64 `json:"wrk_cores"`
	Other   float64 `json:"other_cores"`
	// CPU time in clock ticks (Hz a second) over the run: the server's
	// processes (utime + stime from /proc/PID/stat) and the database
	// server's (PostgreSQL's or MySQL's/MariaDB's processes, 0 for
	// the other rows).
	ServerTicks int64 `json:"server_ticks"`
	DBTicks     int64 `json:"db_ticks"`
	Hz          int64 `json:"hz"`
}

// cpuPerRequest is the server's CPU time per request in microseconds, and
// its database server's; ok is false for a run without the figures.
func (r *wrkRun) cpuPerRequest() (server, db float64, ok bool) {
	if r == nil || r.CPU == nil || r.CPU.Hz <= 0 || r.Requests <= 0 {
		return 0, 0, false
	}
	us := 1e6 / float64(r.CPU.Hz) / float64(r.Requests)
	return float64(r.CPU.ServerTicks) * us, float64(r.CPU.DBTicks) * us, true
}

func (r *wrkRun) errorCount() int64 {
	if r == nil {
		return 0
	}
	e := r.Errors
	return e.Connect + e.Read + e.Write + e.Status + e.Timeout
}

// pairCase is a request type measured on both servers.
type pairCase struct {
	id, short, title string
	target           float64 // minimum ours/NextAuth ratio, 0: none
}

var pairCases = []pairCase{
	{"session_jwt", "GET /session, valid JWT cookie", "GET /api/auth/session with a valid JWT session cookie", 20},
	{"session_none", "GET /session, no cookie", "GET /api/auth/session without a cookie", 20},
	{"csrf", "GET /csrf", "GET /api/auth/csrf (no cookie: a new token and cookie each time)", 20},
	{"providers", "GET /providers", "GET /api/auth/providers", 20},
	{"signin", "POST /callback/credentials (sign-in)", "POST /api/auth/callback/credentials (sign-in: CSRF check, bcrypt cost 4, new JWT cookie)", 0},
	{"session_jwt_rot", "GET /session, {cookies} distinct JWT cookies, rotating", "GET /api/auth/session rotating through {cookies} distinct valid JWT session cookies (wrk's Lua request())", 0},
}

// cookies is how many distinct cookies the rotating rows send (meta
// cookies; token_sample in runs made before it).
func (d *reportData) cookies() string {
	v := d.meta["cookies"]
	if v == "" {
		v = d.meta["token_sample"]
	}
	if n, err := strconv.Atoi(v); err == nil {
		return count(n)
	}
	return "many"
}

// expand fills {cookies} in a label.
func (d *reportData) expand(s string) string { return strings.ReplaceAll(s, "{cookies}", d.cookies()) }

// dbCase is a database-session row, measured on our server only.
// rot: the requests rotate through the cookies of many stored sessions
// (bench/wrk/report.lua) instead of sending the signed-in session's cookie
// every time.
type dbCase struct {
	id, store, size string
	rot             bool
	minVsNextAuth   float64
}

var dbCases = []dbCase{
	{"db_sqlite_small", "SQLite", "small", false, 12},
	{"db_sqlite_large", "SQLite", "large", false, 12},
	{"db_pg_small", "PostgreSQL", "small", false, 7},
	{"db_pg_large", "PostgreSQL", "large", false, 7},
	{"db_my_small", storeMySQL, "small", false, 5},
	{"db_my_large", storeMySQL, "large", false, 5},
	{"db_sqlite_small_rot", "SQLite", "small", true, 12},
	{"db_sqlite_large_rot", "SQLite", "large", true, 12},
	{"db_pg_small_rot", "PostgreSQL", "small", true, 7},
	{"db_pg_large_rot", "PostgreSQL", "large", true, 7},
	{"db_my_small_rot", storeMySQL, "small", true, 5},
	{"db_my_large_rot", storeMySQL, "large", true, 5},
}

// storeMySQL stands for MySQL or MariaDB: the report names the one the run
// found (meta mysql_product).
const storeMySQL = "MySQL"

// store names a case's database.
func (d *reportData) store(s string) string {
	if s == storeMySQL && d.meta["mysql_product"] != "" {
		return d.meta["mysql_product"]
	}
	return s
}

// kinds are the kinds of database as case ids name them (db_pg_small,
// lay_pg_prisma), in report order, with the store they are.
var kinds = []struct{ id, store string }{{"sqlite", "SQLite"}, {"pg", "PostgreSQL"}, {"my", storeMySQL}}

// layoutCase is a row of the server on another adapter's tables
// (lay_KIND_LAYOUT), compared with the default layout's small row on the
// same database (db_KIND_small) in the same round.
type layoutCase struct {
	id, kind, store, layout string
}

// minVsDefault is the least share of the default layout's req/s a layout
// must reach on the same database.
const minVsDefault = 0.8

// layoutCases are the layout rows the run measured, by kind then layout
// name.
func (d *reportData) layoutCases() []layoutCase {
	seen := map[string]bool{}
	var out []layoutCase
	for _, k := range kinds {
		var names []string
		for key := range d.runs {
			_, rest, _ := strings.Cut(key, ".")
			id, _, _ := strings.Cut(rest, ".")
			if l, ok := strings.CutPrefix(id, "lay_"+k.id+"_"); ok && !seen[id] {
				seen[id] = true
				names = append(names, l)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			out = append(out, layoutCase{id: "lay_" + k.id + "_" + n, kind: k.id, store: k.store, layout: n})
		}
	}
	return out
}

// cookieLabel says which session cookie a database row sends.
func (d *reportData) cookieLabel(c dbCase) string {
	return d.cookieKind(c.rot, c.size)
}

// cookieKind says which session cookie a row sends: the signed-in
// session's, or distinct ones rotating (for database sessions, stored ones
// of the database of size).
func (d *reportData) cookieKind(rot bool, size string) string {
	if !rot {
		return "the signed-in session"
	}
	v := d.meta["cookies"]
	if v == "" {
		v = d.meta["token_sample"]
	}
	n, err1 := strconv.Atoi(v)
	if size == "" {
		return d.cookies() + " distinct, rotating"
	}
	stored, err2 := strconv.Atoi(d.meta["sessions_"+size])
	if err1 == nil && err2 == nil {
		return count(min(n, stored)) + " distinct, rotating"
	}
	return "distinct stored sessions, rotating"
}

type reportData struct {
	dir     string
	meta    map[string]string
	metaKey []string
	rounds  int
	runs    map[string]*wrkRun // "r1.session_jwt.ours"
	rss     [][]string
	startup *startupResult
	// chartPath is the chart's path from the report's folder, "" if none.
	chartPath string
}

func (d *reportData) run(round int, id, server string) *wrkRun {
	return d.runs[fmt.Sprintf("r%d.%s.%s", round, id, server)]
}

func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "", "the run directory")
	out := fs.String("out", "", "the Markdown file to write")
	svg := fs.String("svg", "", "also write the chart of req/s and p99 per row (SVG) here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *out == "" {
		return errors.New("usage: report -dir D -out FILE [-svg FILE.svg]")
	}
	d := &reportData{dir: *dir, meta: map[string]string{}, runs: map[string]*wrkRun{}}
	if err := d.load(); err != nil {
		return err
	}
	if *svg != "" {
		if err := os.WriteFile(*svg, d.chart(), 0o644); err != nil {
			return err
		}
		// The report links the chart by its path from the report's folder.
		rel, err := filepath.Rel(filepath.Dir(*out), *svg)
		if err != nil {
			rel = *svg
		}
		d.chartPath = filepath.ToSlash(rel)
	}
	var b strings.Builder
	d.write(&b)
	return os.WriteFile(*out, []byte(b.String()), 0o644)
}

func (d *reportData) load() error {
	f, err := os.Open(filepath.Join(d.dir, "meta.env"))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if _, seen := d.meta[k]; !seen {
			d.metaKey = append(d.metaKey, k)
		}
		d.meta[k] = v
	}
	if err := sc.Err(); err != nil {
		return err
	}
	maxOther, err := strconv.ParseFloat(d.meta["max_other"], 64)
	if err != nil {
		maxOther = 0.5
	}
	defer func() {
		for _, r := range d.runs {
			r.busy = r.CPU != nil && r.CPU.Other > maxOther
		}
	}()
	d.rounds, err = strconv.Atoi(d.meta["rounds"])
	if err != nil {
		return fmt.Errorf("meta.env: rounds: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(d.dir, "wrk", "r*.txt"))
	if err != nil {
		return err
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		key := strings.TrimSuffix(filepath.Base(name), ".txt")
		var cpu []byte
		for line := range strings.Lines(string(data)) {
			line = strings.TrimSpace(line)
			if j, ok := strings.CutPrefix(line, "BENCH_JSON "); ok {
				var r wrkRun
				if err := json.Unmarshal([]byte(j), &r); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				d.runs[key] = &r
			}
			if j, ok := strings.CutPrefix(line, "BENCH_CPU "); ok {
				cpu = []byte(j)
			}
		}
		if r := d.runs[key]; r != nil && cpu != nil {
			if err := json.Unmarshal(cpu, &r.CPU); err != nil {
				return fmt.Errorf("%s: BENCH_CPU: %w", name, err)
			}
		}
		if d.runs[key] == nil {
			return fmt.Errorf("%s: no BENCH_JSON line (did wrk fail?)", name)
		}
	}
	if data, err := os.ReadFile(filepath.Join(d.dir, "rss.txt")); err == nil {
		for line := range strings.Lines(string(data)) {
			if f := strings.Fields(line); len(f) >= 7 {
				d.rss = append(d.rss, f)
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join(d.dir, "startup.json")); err == nil {
		d.startup = &startupResult{}
		if err := json.Unmarshal(data, d.startup); err != nil {
			return fmt.Errorf("startup.json: %w", err)
		}
	}
	return nil
}

// Formatting helpers.

func ms(us float64) string {
	switch m := us / 1000; {
	case m < 10:
		return fmt.Sprintf("%.2f ms", m)
	case m < 100:
		return fmt.Sprintf("%.1f ms", m)
	default:
		return fmt.Sprintf("%.0f ms", m)
	}
}

func rps(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ratio(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.1f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

func pct(v float64) string { return fmt.Sprintf("%.0f %%", v*100) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func list(v []float64, f func(float64) string) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = f(x)
	}
	return strings.Join(parts, ", ")
}

func count(n int) string { return rps(float64(n)) }

func (d *reportData) sizeLabel(size string) string {
	n, err := strconv.Atoi(d.meta["sessions_"+size])
	if err != nil {
		return size
	}
	return count(n)
}

// series collects f over the rounds where every run it needs exists.
func (d *reportData) series(f func(round int) (float64, bool)) []float64 {
	var out []float64
	for r := 1; r <= d.rounds; r++ {
		if v, ok := f(r); ok {
			out = append(out, v)
		}
	}
	return out
}

// ratioSeries is, round by round, one row's req/s ÷ another's in the same round.
func (d *reportData) ratioSeries(aID, aSrv, bID, bSrv string) []float64 {
	return d.fieldRatios("rps", aID, aSrv, bID, bSrv)
}

// fieldRatios is, round by round, a figure of one row (field's name) ÷ the
// same figure of another row measured in the same round.
func (d *reportData) fieldRatios(name, aID, aSrv, bID, bSrv string) []float64 {
	return d.series(func(r int) (float64, bool) {
		a, okA := field(d.run(r, aID, aSrv), name)
		b, okB := field(d.run(r, bID, bSrv), name)
		if !okA || !okB || b == 0 {
			return 0, false
		}
		return a / b, true
	})
}

// other is the CPU, in cores, that processes other than the server and
// wrk used during the run.
func other(r *wrkRun) string {
	if r == nil || r.CPU == nil {
		return "?"
	}
	s := fmt.Sprintf("%.2f", max(r.CPU.Other, 0))
	if r.busy {
		s += " †"
	}
	return s
}

func plural(n, what string) string {
	if n == "1" {
		return n + " " + what
	}
	return n + " " + what + "s"
}

func (d *reportData) errNote(runs ...*wrkRun) string {
	var n int64
	for _, r := range runs {
		n += r.errorCount()
	}
	return strconv.FormatInt(n, 10)
}

func (d *reportData) write(b *strings.Builder) {
	m := d.meta
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("# Benchmark: nextauth-go vs NextAuth.js v4\n\n")
	p("Generated by `bench/run.sh` on %s (do not edit by hand; run `make bench` again). ", m["date"])
	p("How to run it and what each row means: [README.md](README.md).\n\n")
	p("**Read with care.** %s The load generator (`wrk`) runs on the same cores as the server under test, ", m["machine_note"])
	p("so absolute figures understate every server; the two servers are measured alternately, with the same settings, ")
	p("in the same run, and the ratios between them (and to the empty handler measured alongside) are the figures to compare. ")
	p("Load average before the run: %s; after: %s.\n\n", m["load_before"], m["load_after"])
	if d.chartPath != "" {
		p("![Requests per second and p99 latency of every row: ours, NextAuth.js, oauth2-proxy and the empty handler](%s)\n\n", d.chartPath)
		p("The chart ([%s](%s)) shows the median over rounds of every row below: requests per second on the left, p99 latency on the right.\n\n", d.chartPath, d.chartPath)
	}

	p("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range []string{"cpu", "nproc", "memory", "kernel", "os", "go", "node", "nextjs", "nextauth_js", "wrk", "commit"} {
		if v, ok := m[k]; ok {
			p("| %s | %s |\n", strings.ReplaceAll(k, "_", "."), v)
		}
	}
	p("\n## Settings\n\n")
	p("- wrk `-t%s -c%s -d%s --latency --timeout 5s`, %d round(s); before the first round each server and request type is warmed up for %s.\n",
		m["threads"], m["connections"], m["duration"], d.rounds, m["warmup"])
	if w := m["wait_idle"]; w != "" && w != "0" {
		p("- Before each measured run the script waits (at most %s s) for a second in which the whole machine used less than 0.25 cores, so that runs start when other jobs pause; it cannot keep them from starting during a run.\n", w)
	}
	if m["retries"] != "" && m["retries"] != "0" {
		p("- A run during which other processes used more than %s cores was measured again, at most %s time(s) (the last attempt counts, busy or not); this run repeated %s. Runs that still had more are marked †.\n", m["max_other"], m["retries"], plural(m["busy_repeats"], "run"))
	}
	p("- Each round measures every request type on our server and on NextAuth one after the other; the order flips every round (odd rounds: ours first). The empty handler runs right after the JWT `/session` pair, and again with the rotating-cookie script right after the rotating JWT `/session` pair; then our forward-auth check and oauth2-proxy's `/oauth2/auth`, then the paced rows (below) if the run has them; the database-session rows come last, each database's forward-check rows right after its `/session` rows.\n")
	p("- Rotating cookies: those rows send each request with another of %s distinct valid session cookies (`bench/wrk/report.lua`, from a file: JWTs minted with the benchmark's secret by `bench/tool jwt-cookies` from the signed-in session's claims; for database sessions, tokens of stored sessions), every thread walking the list in turn, so nothing a server might cache per cookie helps.\n", d.cookies())
	p("- Both servers: secret `%s` (a fixed benchmark value), `NEXTAUTH_URL=http://127.0.0.1:PORT` (plain HTTP, so cookies are `next-auth.*` without `__Secure-`), JWT sessions, ", m["secret_note"])
	p("one credentials provider `credentials` with one user, `alice`, checked against the same bcrypt hash at cost 4 (NextAuth: `bcryptjs` %s in `authorize`; ours: a static user in `bench/nextauth.yaml`).\n", m["bcryptjs"])
	p("- NextAuth.js: `next-auth@%s` in a minimal Next.js %s pages-router app (`bench/nextauth-app/`), `next build` then `next start`, `NODE_ENV=production`.\n", m["nextauth_js"], m["nextjs"])
	p("- Ours: `go build -o bench/.out/nextauth ./cmd/nextauth`, started with `bench/nextauth.yaml`, log level warn, the forward-auth check on (`forward: {default: allow}`). The database rows run the same binary and config with `database:` set and `session.strategy: database`.\n")
	p("- Database sessions: the user signs in once through the API (a real row and cookie); the table is then filled with bulk INSERTs to %s and %s sessions (random UUID tokens, unexpired). SQLite: a file in `bench/.out/run/`. PostgreSQL: %s. MySQL/MariaDB: %s.\n",
		d.sizeLabel("small"), d.sizeLabel("large"), m["postgres"], orNot(m["mysql"]))
	p("- Load average (1, 5, 15 min) at the start of each round: %s.\n", m["round_loads"])
	p("- \"Other processes, cores\": CPU time that processes other than the server under test and `wrk` used during that run (from `/proc/stat`, `/proc/PID/stat` and the shell's `times`), in cores out of %s. For the PostgreSQL and MySQL/MariaDB rows the database server's processes (on this machine) count as the server's, not as other processes (so do other jobs' queries to the same database server). Near 0 means the run had the machine to itself; the run script and the idle servers account for a few hundredths.\n", m["nproc"])
	p("- Latencies: wrk's p50 and p99 over all requests of a run (from a Lua `done()` that prints JSON). Errors: socket errors plus non-2xx/3xx answers (a run with more than 0.1 %% stops the benchmark).\n\n")

	// Summary.
	p("## Summary (median over rounds)\n\n")
	p("| request | ours req/s | NextAuth req/s | ours/NextAuth | ours p50 / p99 | NextAuth p50 / p99 |\n|---|---:|---:|---:|---:|---:|\n")
	for _, c := range pairCases {
		o := d.series(func(r int) (float64, bool) { x := d.run(r, c.id, "ours"); return field(x, "rps") })
		n := d.series(func(r int) (float64, bool) { x := d.run(r, c.id, "nextauth"); return field(x, "rps") })
		if len(o) == 0 || len(n) == 0 {
			continue
		}
		p("| %s | %s | %s | %s | %s / %s | %s / %s |\n", d.expand(c.short), rps(median(o)), rps(median(n)), ratio(median(d.ratioSeries(c.id, "ours", c.id, "nextauth"))),
			ms(d.med(c.id, "ours", "p50")), ms(d.med(c.id, "ours", "p99")), ms(d.med(c.id, "nextauth", "p50")), ms(d.med(c.id, "nextauth", "p99")))
	}
	if e := d.series(func(r int) (float64, bool) { return field(d.run(r, "ceiling", "empty"), "rps") }); len(e) > 0 {
		p("| empty handler (ceiling) | %s | | | %s / %s | |\n", rps(median(e)), ms(d.med("ceiling", "empty", "p50")), ms(d.med("ceiling", "empty", "p99")))
	}
	if e := d.series(func(r int) (float64, bool) { return field(d.run(r, "ceiling_rot", "empty"), "rps") }); len(e) > 0 {
		p("| empty handler, %s cookies rotating (ceiling of the rotating rows) | %s | | | %s / %s | |\n", d.cookies(), rps(median(e)), ms(d.med("ceiling_rot", "empty", "p50")), ms(d.med("ceiling_rot", "empty", "p99")))
	}
	for _, c := range dbCases {
		if o := d.series(func(r int) (float64, bool) { return field(d.run(r, c.id, "ours"), "rps") }); len(o) > 0 {
			p("| GET /session, database session (%s, %s stored; cookie: %s) | %s | | %s of NextAuth's JWT /session | %s / %s | |\n", d.store(c.store), d.sizeLabel(c.size), d.cookieLabel(c), rps(median(o)),
				ratio(median(d.ratioSeries(c.id, "ours", "session_jwt", "nextauth"))), ms(d.med(c.id, "ours", "p50")), ms(d.med(c.id, "ours", "p99")))
		}
	}
	for _, c := range d.layoutCases() {
		if o := d.series(func(r int) (float64, bool) { return field(d.run(r, c.id, "ours"), "rps") }); len(o) > 0 {
			p("| GET /session, database session (%s, %s layout, %s stored; cookie: the signed-in session) | %s | | %s of NextAuth's JWT /session; %s of the default layout | %s / %s | |\n",
				d.store(c.store), c.layout, d.sizeLabel("small"), rps(median(o)),
				ratio(median(d.ratioSeries(c.id, "ours", "session_jwt", "nextauth"))), pct(median(d.ratioSeries(c.id, "ours", "db_"+c.kind+"_small", "ours"))),
				ms(d.med(c.id, "ours", "p50")), ms(d.med(c.id, "ours", "p99")))
		}
	}
	d.writeForwardSummary(b)
	d.writePaced(b)

	// Per request type.
	p("## Per request type, per round\n\n")
	for _, c := range pairCases {
		p("### %s\n\n", d.expand(c.title))
		p("| round | ours req/s | ours p50 | ours p99 | NextAuth req/s | NextAuth p50 | NextAuth p99 | ours/NextAuth | errors (ours / NextAuth) | other processes, cores (ours / NextAuth) |\n")
		p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for r := 1; r <= d.rounds; r++ {
			o, n := d.run(r, c.id, "ours"), d.run(r, c.id, "nextauth")
			if o == nil || n == nil {
				continue
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n", r, rps(o.RPS), ms(o.P50), ms(o.P99), rps(n.RPS), ms(n.P50), ms(n.P99),
				ratio(o.RPS/n.RPS), d.errNote(o), d.errNote(n), other(o), other(n))
		}
		p("\n")
	}

	// Ceiling.
	p("### Ceiling: an empty `net/http` handler (`bench/empty/`)\n\n")
	p("| round | empty req/s | empty p50 | empty p99 | ours JWT /session, share of ceiling | ours JWT /session p99 ÷ empty p99 | ours /session without cookie, share of ceiling | errors | other processes, cores |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for r := 1; r <= d.rounds; r++ {
		e, j, nc := d.run(r, "ceiling", "empty"), d.run(r, "session_jwt", "ours"), d.run(r, "session_none", "ours")
		if e == nil || j == nil || nc == nil {
			continue
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, rps(e.RPS), ms(e.P50), ms(e.P99), pct(j.RPS/e.RPS), ratio(j.P99/e.P99), pct(nc.RPS/e.RPS), d.errNote(e), other(e))
	}
	p("\n")

	// Database sessions.
	p("### GET /api/auth/session with a database session (ours only)\n\n")
	p("NextAuth.js v4 cannot keep a credentials sign-in in a database session, so these rows are compared with NextAuth's JWT `/session` figure of the same round. ")
	p("Cookie \"the signed-in session\": every request sends the cookie of the session made by signing in through the API (one hot row). ")
	p("Cookie \"distinct, rotating\": the requests rotate through the cookies of that many stored sessions, in random order (wrk's Lua `request()`, which costs the load generator some CPU, so compare these rows with each other and with the empty handler's rotating row).\n\n")
	p("| round | store | sessions stored | cookie | req/s | p50 | p99 | × NextAuth JWT /session | errors | other processes, cores |\n|---:|---|---:|---|---:|---:|---:|---:|---:|---:|\n")
	anyDB := false
	for r := 1; r <= d.rounds; r++ {
		for _, c := range dbCases {
			o, n := d.run(r, c.id, "ours"), d.run(r, "session_jwt", "nextauth")
			if o == nil || n == nil {
				continue
			}
			anyDB = true
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, d.store(c.store), d.sizeLabel(c.size), d.cookieLabel(c), rps(o.RPS), ms(o.P50), ms(o.P99), ratio(o.RPS/n.RPS), d.errNote(o), other(o))
		}
	}
	if !anyDB {
		p("| | not measured | | | | | | | | |\n")
	}
	p("\n%s vs %s sessions (req/s with %s ÷ req/s with %s; 1.00× means no slowdown):\n\n", d.sizeLabel("small"), d.sizeLabel("large"), d.sizeLabel("small"), d.sizeLabel("large"))
	my := d.store(storeMySQL)
	p("| round | SQLite, signed-in session | SQLite, rotating cookies | PostgreSQL, signed-in session | PostgreSQL, rotating cookies | %s, signed-in session | %s, rotating cookies |\n|---:|---:|---:|---:|---:|---:|---:|\n", my, my)
	for r := 1; r <= d.rounds; r++ {
		cell := func(small, large string) string {
			a, b := d.run(r, small, "ours"), d.run(r, large, "ours")
			if a == nil || b == nil {
				return "not measured"
			}
			return ratio(a.RPS / b.RPS)
		}
		p("| %d | %s | %s | %s | %s | %s | %s |\n", r, cell("db_sqlite_small", "db_sqlite_large"), cell("db_sqlite_small_rot", "db_sqlite_large_rot"),
			cell("db_pg_small", "db_pg_large"), cell("db_pg_small_rot", "db_pg_large_rot"),
			cell("db_my_small", "db_my_large"), cell("db_my_small_rot", "db_my_large_rot"))
	}
	p("\n")

	// Layouts.
	p("### GET /api/auth/session on other adapters' tables (ours only)\n\n")
	p("The server on the tables another NextAuth adapter made (each made from the schema its official tooling wrote, `internal/layout/testdata/LAYOUT-KIND.sql`, with `database_layout` set), ")
	p("signed in through the API and seeded through the server's adapter for that layout to %s sessions, like the default layout's %s-session row on the same database, which each round measures right before them. ", d.sizeLabel("small"), d.sizeLabel("small"))
	p("\"÷ default\" is the layout's req/s over that row's in the same round. `pg-adapter` is @auth/pg-adapter's own schema file, which the default adapter serves (adding the keys it lacks).\n\n")
	p("| round | store | layout | req/s | p50 | p99 | ÷ default layout | × NextAuth JWT /session | errors | other processes, cores |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	anyLayout := false
	for r := 1; r <= d.rounds; r++ {
		for _, c := range d.layoutCases() {
			o, def, n := d.run(r, c.id, "ours"), d.run(r, "db_"+c.kind+"_small", "ours"), d.run(r, "session_jwt", "nextauth")
			if o == nil {
				continue
			}
			anyLayout = true
			vsDef, vsNext := "not measured", "not measured"
			if def != nil && def.RPS > 0 {
				vsDef = pct(o.RPS / def.RPS)
			}
			if n != nil && n.RPS > 0 {
				vsNext = ratio(o.RPS / n.RPS)
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, d.store(c.store), c.layout, rps(o.RPS), ms(o.P50), ms(o.P99), vsDef, vsNext, d.errNote(o), other(o))
		}
	}
	if !anyLayout {
		p("| | not measured | | | | | | | | |\n")
	}
	p("\n")

	d.writeForwardRounds(b)
	d.writeCPU(b)

	// Memory.
	p("## Peak memory\n\n")
	p("Peak resident set size: `VmHWM` from `/proc/PID/status`, read after the last round, so the peak over the process's whole life, all its load included. ")
	p("The other columns are taken at the same moment: `RssAnon` and `RssFile` (`/proc/PID/status`) split the resident set into private memory and pages of mapped files; ")
	p("`Pss` (`/proc/PID/smaps_rollup`) counts a page mapped several times, or shared with other processes, only in proportion. ")
	p("For our server `RssFile` is almost all the executable's own pages (its code and read-only data, mapped from the file, shared by every process running it and reclaimable by the operating system); the SQLite store reads its file with read(2), without a memory map, so the database's pages are in the page cache, not in RSS.\n\n")
	p("| process | peak RSS (VmHWM) | RssAnon | RssFile | Pss | Pss_Anon |\n|---|---:|---:|---:|---:|---:|\n")
	for _, f := range d.rss {
		p("| %s | %s | %s | %s | %s | %s |\n", d.processLabel(f), kb(f[1]), kb(f[2]), kb(f[3]), kb(f[4]), kb(f[5]))
	}
	p("\n")

	// Startup.
	p("## Startup\n\n")
	if s := d.startup; s != nil {
		p("Our binary with `bench/nextauth.yaml` on SQLite (the embedded default store; database sessions), from `exec` to the first `200` of `GET /healthz` (polled every 0.5 ms), %d trials each, after one untimed start:\n\n", s.Trials)
		p("| | median | min | max | all |\n|---|---:|---:|---:|---|\n")
		p("| new database file (created and migrated) | %.1f ms | %.1f ms | %.1f ms | %s |\n", median(s.FreshMS), slices.Min(s.FreshMS), slices.Max(s.FreshMS), list(s.FreshMS, func(v float64) string { return fmt.Sprintf("%.1f", v) }))
		p("| existing database file | %.1f ms | %.1f ms | %.1f ms | %s |\n\n", median(s.ExistingMS), slices.Min(s.ExistingMS), slices.Max(s.ExistingMS), list(s.ExistingMS, func(v float64) string { return fmt.Sprintf("%.1f", v) }))
	} else {
		p("Not measured.\n\n")
	}

	d.writeTargets(b)
}

// processLabel names a line of rss.txt: "KEY HWM ANON FILE PROCESSES".
func (d *reportData) processLabel(f []string) string {
	var name string
	switch f[0] {
	case "ours":
		name = "ours, JWT sessions"
	case "nextauth":
		name = "NextAuth.js (next start)"
	case "empty":
		name = "empty handler"
	case o2pServer:
		name = d.o2pName() + " (cookie sessions)"
	default:
		name = f[0]
		for _, c := range dbCases {
			if c.id == f[0] {
				name = fmt.Sprintf("ours, %s, %s sessions", d.store(c.store), d.sizeLabel(c.size))
			}
		}
		for _, c := range d.layoutCases() {
			if c.id == f[0] {
				name = fmt.Sprintf("ours, %s, %s layout, %s sessions", d.store(c.store), c.layout, d.sizeLabel("small"))
			}
		}
	}
	if len(f) > 6 && f[6] != "1" {
		name += fmt.Sprintf(" (%s processes, summed)", f[6])
	}
	return name
}

// orNot is a meta value, or "not measured" for a run made before it existed.
func orNot(s string) string {
	if s == "" {
		return "not measured"
	}
	return s
}

func kb(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%.1f MiB", v/1024)
}

func field(r *wrkRun, name string) (float64, bool) {
	if r == nil {
		return 0, false
	}
	switch name {
	case "rps":
		return r.RPS, true
	case "p50":
		return r.P50, true
	case "p90":
		return r.P90, true
	case "p99":
		return r.P99, true
	}
	return 0, false
}

func (d *reportData) med(id, server, name string) float64 {
	return median(d.series(func(r int) (float64, bool) { return field(d.run(r, id, server), name) }))
}

// mark is a target's check box.
func mark(ok bool) string {
	if ok {
		return "[x] met"
	}
	return "[ ] **not met**"
}

// rounds lists every round's value of a target.
func rounds(v []float64, f func(float64) string) string {
	return "rounds: " + list(v, f)
}

func (d *reportData) writeTargets(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Targets\n\n")
	p("Judged on the median over the %d round(s) (every round's value is listed); a target whose runs had errors is not met.", d.rounds)
	busy, total := 0, 0
	for _, r := range d.runs {
		total++
		if r.busy {
			busy++
		}
	}
	p(" %d of the %d measured runs shared the machine with other processes above %s cores (marked † in the tables).\n\n", busy, total, d.meta["max_other"])
	errs := func(ids ...[2]string) (n int64) {
		for r := 1; r <= d.rounds; r++ {
			for _, id := range ids {
				n += d.run(r, id[0], id[1]).errorCount()
			}
		}
		return n
	}
	errText := func(n int64) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprintf("; %d errors", n)
	}
	for _, c := range pairCases {
		if c.target == 0 {
			continue
		}
		v := d.ratioSeries(c.id, "ours", c.id, "nextauth")
		if len(v) == 0 {
			p("- [ ] not measured: ≥%.0f× NextAuth for %s\n", c.target, c.id)
			continue
		}
		e := errs([2]string{c.id, "ours"}, [2]string{c.id, "nextauth"})
		p("- %s: ≥%.0f× NextAuth for %s — %s (%s%s)\n", mark(median(v) >= c.target && e == 0), c.target, c.title, ratio(median(v)), rounds(v, ratio), errText(e))
	}
	d.writeForwardTargets(b)
	d.writeCeilingTargets(b)
	d.writeSignInCost(b)
	for _, c := range dbCases {
		if c.rot {
			continue // the targets are defined on the signed-in session's cookie
		}
		v := d.ratioSeries(c.id, "ours", "session_jwt", "nextauth")
		label := fmt.Sprintf("database /session on %s (%s sessions) ≥%.0f× NextAuth's JWT /session", d.store(c.store), d.sizeLabel(c.size), c.minVsNextAuth)
		if len(v) == 0 {
			p("- [ ] not measured: %s\n", label)
			continue
		}
		e := errs([2]string{c.id, "ours"})
		p("- %s: %s — %s (%s%s)\n", mark(median(v) >= c.minVsNextAuth && e == 0), label, ratio(median(v)), rounds(v, ratio), errText(e))
	}
	for _, c := range d.layoutCases() {
		v := d.ratioSeries(c.id, "ours", "db_"+c.kind+"_small", "ours")
		label := fmt.Sprintf("%s layout on %s ≥%s of the default layout's database /session (%s sessions)", c.layout, d.store(c.store), pct(minVsDefault), d.sizeLabel("small"))
		if len(v) == 0 {
			p("- [ ] not measured: %s\n", label)
			continue
		}
		e := errs([2]string{c.id, "ours"})
		p("- %s: %s — %s (%s%s)\n", mark(median(v) >= minVsDefault && e == 0), label, pct(median(v)), rounds(v, pct), errText(e))
	}
	for _, s := range []struct{ store, small, large, cookie string }{
		{"SQLite", "db_sqlite_small", "db_sqlite_large", "signed-in session"},
		{"PostgreSQL", "db_pg_small", "db_pg_large", "signed-in session"},
		{storeMySQL, "db_my_small", "db_my_large", "signed-in session"},
		{"SQLite", "db_sqlite_small_rot", "db_sqlite_large_rot", "many stored sessions rotating, a stricter variant"},
		{"PostgreSQL", "db_pg_small_rot", "db_pg_large_rot", "many stored sessions rotating, a stricter variant"},
		{storeMySQL, "db_my_small_rot", "db_my_large_rot", "many stored sessions rotating, a stricter variant"},
	} {
		v := d.ratioSeries(s.small, "ours", s.large, "ours")
		label := fmt.Sprintf("%s: %s vs %s sessions ≤1.5× (req/s ratio; cookie: %s)", d.store(s.store), d.sizeLabel("small"), d.sizeLabel("large"), s.cookie)
		if len(v) == 0 {
			p("- [ ] not measured: %s\n", label)
			continue
		}
		p("- %s: %s — %s (%s)\n", mark(median(v) <= 1.5), label, ratio(median(v)), rounds(v, ratio))
	}
	var ours []string
	allOK := len(d.rss) > 0
	for _, f := range d.rss {
		if f[0] != "ours" && !strings.HasPrefix(f[0], "db_") && !strings.HasPrefix(f[0], "lay_") {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			allOK = false
			continue
		}
		s := fmt.Sprintf("%s %s", d.processLabel(f), kb(f[1]))
		if v > 64*1024 {
			allOK = false
			s += fmt.Sprintf(" (of which RssFile %s; at the end RssAnon %s, Pss %s)", kb(f[3]), kb(f[2]), kb(f[4]))
		}
		ours = append(ours, s)
	}
	if len(ours) > 0 {
		p("- %s: peak RSS (VmHWM) ≤64 MiB under load, each of our server processes — %s\n", mark(allOK), strings.Join(ours, "; "))
	} else {
		p("- [ ] not measured: peak RSS ≤64 MiB\n")
	}
	if s := d.startup; s != nil {
		p("- %s: startup to first served request ≤200 ms (SQLite, new file) — median %.1f ms (max %.1f ms; existing file: median %.1f ms)\n",
			mark(median(s.FreshMS) <= 200), median(s.FreshMS), slices.Max(s.FreshMS), median(s.ExistingMS))
	} else {
		p("- [ ] not measured: startup ≤200 ms\n")
	}
}
