package main

import (
	"fmt"
	"strings"
)

// The paced rows: the same requests as some saturating rows, but each of
// wrk's connections waits pace_ms after an answer before it sends the next
// request (wrk's delay() hook, bench/wrk/report.lua), so that every server
// gets about the same request rate, well below what any of them can take.
// Under saturation a closed-loop load generator's latency is mostly its
// own queue (mean latency = connections ÷ req/s), so a server that answers
// three times as many requests keeps each one waiting a third as long on
// average while its tail depends on how the kernel shares two cores
// between wrk and the server; at the same moderate rate, p99 compares what
// each server does to a request.
type pacedRow struct {
	id, server, label string
}

func (d *reportData) pacedRows() []pacedRow {
	return []pacedRow{
		{"ceiling_paced", "empty", "empty handler"},
		{"session_jwt_paced", "ours", "ours, GET /api/auth/session, JWT session"},
		{"forward_jwt_paced", "ours", "ours, GET /api/auth/forward, JWT session"},
		{o2pCase + "_paced", o2pServer, d.o2pName() + ", GET /oauth2/auth, cookie session"},
	}
}

// writePaced is the table of the paced rows.
func (d *reportData) writePaced(b *strings.Builder) {
	if d.run(1, "ceiling_paced", "empty") == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("\n### At the same request rate (median over rounds)\n\n")
	p("The same requests with each of the %s connections waiting %s ms after an answer before its next request (wrk's `delay()`), right after the saturating rows: every server gets about the same request rate, below what any of them can take, so p99 shows what a server does to a request rather than the load generator's queue. Latency counts from the request's first byte sent, not from the pause.\n\n",
		d.meta["connections"], d.meta["pace_ms"])
	p("| server, request | req/s | p50 | p90 | p99 | server CPU µs/request |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range d.pacedRows() {
		if d.run(1, r.id, r.server) == nil {
			continue
		}
		p("| %s | %s | %s | %s | %s | %s |\n", r.label, rps(d.med(r.id, r.server, "rps")), ms(d.med(r.id, r.server, "p50")),
			ms(d.med(r.id, r.server, "p90")), ms(d.med(r.id, r.server, "p99")), d.cpuMed(r.id, r.server, false))
	}
	p("\n")
}

// pacedP99Target judges a p99 of ours against another server's at the
// same request rate: ours ≤ limit × theirs, per round.
func (d *reportData) pacedP99Target(b *strings.Builder, label, id, server, otherID, otherServer string, limit float64) {
	q := d.p99Ratios(id, server, otherID, otherServer)
	if len(q) == 0 {
		fmt.Fprintf(b, "- [ ] not measured: %s\n", label)
		return
	}
	fmt.Fprintf(b, "- %s: %s — %s (%s; p99 %s vs %s at %s vs %s req/s)\n", mark(median(q) <= limit), label, ratio(median(q)), rounds(q, ratio),
		ms(d.med(id, server, "p99")), ms(d.med(otherID, otherServer, "p99")), rps(d.med(id, server, "rps")), rps(d.med(otherID, otherServer, "rps")))
}

// p99Ratios is, round by round, the p99 of one row ÷ the p99 of another
// measured in the same round.
func (d *reportData) p99Ratios(id, server, otherID, otherServer string) []float64 {
	return d.fieldRatios("p99", id, server, otherID, otherServer)
}
