package main

import (
	"fmt"
	"strconv"
	"strings"
)

// ceilingTarget is a row judged against the empty handler measured in the
// same round: "ceiling" (no cookie) or "ceiling_rot" (the rotating rows'
// cookies, the same Lua script).
type ceilingTarget struct {
	id, ceiling, label string
	minShare           float64 // least req/s ÷ the empty handler's
	maxP99             float64 // largest p99 ÷ the empty handler's, 0: none
}

// ceilingTargets are the ratios to the empty handler that the benchmark
// holds our request path to (bench/README.md, "Profile of the binary").
var ceilingTargets = []ceilingTarget{
	{"session_jwt_rot", "ceiling_rot", "JWT /session, {cookies} distinct cookies rotating (the empty handler with the same cookies)", 0.70, 1.5},
	{"session_jwt", "ceiling", "JWT /session, the signed-in session's cookie (the empty handler without a cookie)", 0.70, 1.5},
	{"session_none", "ceiling", "/session without a cookie", 0.85, 0},
	{"csrf", "ceiling", "/csrf without a cookie", 0.85, 0},
	{"providers", "ceiling", "/providers", 0.85, 0},
}

// pct1 is a share with one decimal: a share just under its target (69.9 %)
// does not print as the target itself.
func pct1(v float64) string { return fmt.Sprintf("%.1f %%", v*100) }

// writeCeilingTargets judges ceilingTargets, each with the server CPU per
// request of ours and of the empty handler beside it.
func (d *reportData) writeCeilingTargets(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	for _, t := range ceilingTargets {
		label := d.expand(t.label)
		v := d.ratioSeries(t.id, "ours", t.ceiling, "empty")
		if len(v) == 0 {
			p("- [ ] not measured: %s ≥%s of the empty handler's req/s\n", label, pct(t.minShare))
			continue
		}
		p("- %s: %s ≥%s of the empty handler's req/s — %s (%s; server CPU per request: ours %s, empty handler %s)\n",
			mark(median(v) >= t.minShare), label, pct(t.minShare), pct1(median(v)), rounds(v, pct1),
			d.cpuMed(t.id, "ours", false), d.cpuMed(t.ceiling, "empty", false))
		if t.maxP99 == 0 {
			continue
		}
		if q := d.p99Ratios(t.id, "ours", t.ceiling, "empty"); len(q) > 0 {
			p("- %s: %s p99 ≤%.1f× the empty handler's p99 — %s (%s; ours %s vs empty %s)\n",
				mark(median(q) <= t.maxP99), label, t.maxP99, ratio(median(q)), rounds(q, ratio),
				ms(d.med(t.id, "ours", "p99")), ms(d.med(t.ceiling, "empty", "p99")))
		}
		if t.id == "session_jwt" && d.run(1, "ceiling_paced", "empty") != nil {
			d.pacedP99Target(b, fmt.Sprintf("%s p99 ≤%.1f× the empty handler's at the same request rate (paced rows)", label, t.maxP99),
				"session_jwt_paced", "ours", "ceiling_paced", "empty", t.maxP99)
		}
	}
}

// writeSignInCost reports (no target: bcrypt sets it) the sign-in row at
// the benchmark's bcrypt cost, and the share of each server's CPU per
// sign-in that one bcrypt comparison takes, timed apart by bench/run.sh
// (meta bcrypt_us_ours, bcrypt_us_nextauth).
func (d *reportData) writeSignInCost(b *strings.Builder) {
	o, n := d.med("signin", "ours", "rps"), d.med("signin", "nextauth", "rps")
	if o == 0 || n == 0 {
		fmt.Fprintf(b, "- [ ] not measured: sign-in at the same bcrypt cost\n")
		return
	}
	share := func(server, key string) string {
		var cpu []float64
		for r := 1; r <= d.rounds; r++ {
			if s, _, ok := d.run(r, "signin", server).cpuPerRequest(); ok {
				cpu = append(cpu, s)
			}
		}
		if len(cpu) == 0 || median(cpu) == 0 {
			return "CPU per sign-in not measured"
		}
		c, err := strconv.ParseFloat(d.meta[key], 64)
		if err != nil {
			return us(median(cpu)) + " of CPU per sign-in, bcrypt not timed"
		}
		return fmt.Sprintf("%s of CPU per sign-in, of which one bcrypt comparison %s (%s)", us(median(cpu)), us(c), pct(c/median(cpu)))
	}
	fmt.Fprintf(b, "- reported: sign-in (POST /callback/credentials, bcrypt cost 4 on both) — ours %s req/s, NextAuth %s req/s (%s); ours: %s; NextAuth (bcryptjs): %s. bcrypt timed apart from the servers, on one thread, after the rounds.\n",
		rps(o), rps(n), ratio(o/n), share("ours", "bcrypt_us_ours"), share("nextauth", "bcrypt_us_nextauth"))
}
