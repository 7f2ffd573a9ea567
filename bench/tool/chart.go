package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// The chart of the report (report -svg): one line per measured row, the
// median over rounds of its requests per second (left, linear scale) and
// its p99 latency (right, log scale: the sign-in's p99 is tens of times
// the others'), coloured by server. Plain SVG written by hand, so the
// benchmark needs no plotting library.

// chartColors are the colours of the chart's groups (rowRef.group).
var chartColors = map[string]string{
	"ours":         "#1f6feb",
	"nextauth":     "#e8590c",
	"oauth2-proxy": "#2b8a3e",
	"ceiling":      "#868e96",
}

var chartGroupNames = []struct{ group, name string }{
	{"ours", "ours (nextauth-go)"},
	{"nextauth", "NextAuth.js"},
	{"oauth2-proxy", "oauth2-proxy"},
	{"ceiling", "empty handler (ceiling)"},
}

// chartBar is one line of the chart.
type chartBar struct {
	label, group string
	rps, p99MS   float64
}

// Layout of the chart, in pixels.
const (
	chartLabelW = 430 // the labels' column
	chartRPSW   = 380 // the req/s panel
	chartGap    = 90  // between the panels (room for the req/s values)
	chartP99W   = 300 // the p99 panel
	chartRight  = 80  // after the p99 panel (room for its values)
	chartTop    = 86  // title, legend and the axes' titles
	chartRowH   = 18
	chartBottom = 40 // the axes' tick labels and a note
)

// chart is the SVG of the run's rows.
func (d *reportData) chart() []byte {
	var bars []chartBar
	for _, r := range d.rows() {
		label := r.short
		switch r.group {
		case "ours":
			label = "ours · " + label
		case "nextauth":
			label = "NextAuth · " + label
		case "oauth2-proxy":
			label = d.o2pName() + " · " + label
		}
		bars = append(bars, chartBar{label: label, group: r.group, rps: d.med(r.id, r.server, "rps"), p99MS: d.med(r.id, r.server, "p99") / 1000})
	}
	return renderChart(fmt.Sprintf("nextauth-go benchmark, %s (median of %d round(s), wrk -t%s -c%s -d%s)", d.meta["date"], d.rounds, d.meta["threads"], d.meta["connections"], d.meta["duration"]), bars)
}

// renderChart draws bars under title.
func renderChart(title string, bars []chartBar) []byte {
	width := chartLabelW + chartRPSW + chartGap + chartP99W + chartRight
	height := chartTop + max(len(bars), 1)*chartRowH + chartBottom
	rpsX := float64(chartLabelW)
	p99X := float64(chartLabelW + chartRPSW + chartGap)

	maxRPS, minP99, maxP99 := 0.0, math.Inf(1), 0.0
	for _, b := range bars {
		maxRPS = math.Max(maxRPS, b.rps)
		if b.p99MS > 0 {
			minP99, maxP99 = math.Min(minP99, b.p99MS), math.Max(maxP99, b.p99MS)
		}
	}
	rpsTop := niceCeil(maxRPS)
	// The p99 scale spans whole decades around the values, starting at
	// least a factor of two below the smallest, so that its bar shows.
	lo, hi := -1.0, 1.0
	if maxP99 > 0 {
		lo, hi = math.Floor(math.Log10(minP99/2)), math.Ceil(math.Log10(maxP99))
		if hi <= lo {
			hi = lo + 1
		}
	}
	rpsLen := func(v float64) float64 { return v / rpsTop * chartRPSW }
	p99Len := func(v float64) float64 {
		if v <= 0 {
			return 0
		}
		return math.Max(0, (math.Log10(v)-lo)/(hi-lo)*chartP99W)
	}

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="10" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	x := 10.0
	for _, g := range chartGroupNames {
		p(`<rect x="%.0f" y="32" width="12" height="12" fill="%s"/><text x="%.0f" y="42">%s</text>`+"\n", x, chartColors[g.group], x+16, html.EscapeString(g.name))
		x += 16 + 7*float64(len(g.name)) + 24
	}
	axisY := float64(chartTop - 6)
	p(`<text x="%.0f" y="%.0f" font-weight="bold">requests per second (higher is better)</text>`+"\n", rpsX, axisY-8)
	p(`<text x="%.0f" y="%.0f" font-weight="bold">p99 latency, ms, log scale (lower is better)</text>`+"\n", p99X, axisY-8)

	bottom := float64(chartTop + max(len(bars), 1)*chartRowH)
	// Grid lines and tick labels.
	for i := 0; i <= 4; i++ {
		v := rpsTop * float64(i) / 4
		gx := rpsX + rpsLen(v)
		p(`<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#dee2e6"/>`+"\n", gx, float64(chartTop), gx, bottom)
		p(`<text x="%.1f" y="%.0f" text-anchor="middle" fill="#495057">%s</text>`+"\n", gx, bottom+14, rps(v))
	}
	for e := lo; e <= hi; e++ {
		v := math.Pow(10, e)
		gx := p99X + p99Len(v)
		p(`<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#dee2e6"/>`+"\n", gx, float64(chartTop), gx, bottom)
		p(`<text x="%.1f" y="%.0f" text-anchor="middle" fill="#495057">%s</text>`+"\n", gx, bottom+14, strconv.FormatFloat(v, 'f', -1, 64))
	}
	if len(bars) == 0 {
		p(`<text x="%.0f" y="%d">no rows measured</text>`+"\n", rpsX, chartTop+13)
	}
	for i, bar := range bars {
		y := float64(chartTop + i*chartRowH)
		if i%2 == 1 {
			p(`<rect x="0" y="%.0f" width="%d" height="%d" fill="#f8f9fa"/>`+"\n", y, width, chartRowH)
		}
		color := chartColors[bar.group]
		p(`<text x="%.0f" y="%.0f" text-anchor="end">%s</text>`+"\n", rpsX-6, y+13, html.EscapeString(bar.label))
		p(`<rect x="%.1f" y="%.0f" width="%.1f" height="%d" fill="%s"/>`+"\n", rpsX, y+3, rpsLen(bar.rps), chartRowH-6, color)
		p(`<text x="%.1f" y="%.0f" fill="#212529">%s</text>`+"\n", rpsX+rpsLen(bar.rps)+4, y+13, rps(bar.rps))
		p(`<rect x="%.1f" y="%.0f" width="%.1f" height="%d" fill="%s" fill-opacity="0.75"/>`+"\n", p99X, y+3, p99Len(bar.p99MS), chartRowH-6, color)
		p(`<text x="%.1f" y="%.0f" fill="#212529">%s</text>`+"\n", p99X+p99Len(bar.p99MS)+4, y+13, ms(bar.p99MS*1000))
	}
	p(`<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#495057"/>`+"\n", rpsX, float64(chartTop), rpsX, bottom)
	p(`<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#495057"/>`+"\n", p99X, float64(chartTop), p99X, bottom)
	p(`<text x="10" y="%.0f" fill="#495057">Generated by bench/run.sh (bench/tool report -svg); the tables are in RESULTS.md.</text>`+"\n", bottom+32)
	p("</svg>\n")
	return []byte(b.String())
}

// niceCeil is the smallest of 1, 2, 2.5, 5 and 10 times a power of ten that
// is at least v (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}
