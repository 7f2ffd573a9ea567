package main

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth/jwt"
)

const testSecret = "bench-tool-test-secret"

func TestSessionToken(t *testing.T) {
	for _, tc := range []struct {
		name, header, want, err string
	}{
		{"one cookie", "next-auth.session-token=abc", "abc", ""},
		{"among others", "a=1; next-auth.session-token=abc; b=2", "abc", ""},
		{"chunks in order", "next-auth.session-token.0=ab; next-auth.session-token.1=cd", "abcd", ""},
		{"chunks out of order", "next-auth.session-token.1=cd; next-auth.session-token.0=ab", "abcd", ""},
		{"a chunk missing", "next-auth.session-token.0=ab; next-auth.session-token.2=ef", "", "chunk next-auth.session-token.1 is missing"},
		{"no session cookie", "next-auth.csrf-token=x", "", "no next-auth.session-token cookie"},
		{"not a cookie header", ";;;", "", "COOKIE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sessionToken(tc.header)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("sessionToken(%q) = %q, %v; want an error with %q", tc.header, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("sessionToken(%q) = %q, %v; want %q", tc.header, got, err, tc.want)
			}
		})
	}
}

// TestJWTCookies mints tokens from a signed-in session's cookie: all
// distinct, each decoding with the secret to the session's claims with a
// new jti.
func TestJWTCookies(t *testing.T) {
	claims := jwt.Claims{"name": "Alice", "email": "alice@example.com", "sub": "1"}
	signedIn, err := jwt.Encode(testSecret, claims, 0)
	if err != nil {
		t.Fatal(err)
	}
	old, err := jwt.Decode(testSecret, signedIn)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "tokens")
	t.Setenv("NEXTAUTH_SECRET", testSecret)
	if err := jwtCookies([]string{"x=1; " + sessionCookieName + "=" + signedIn, "50", out}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d tokens, want 50", len(lines))
	}
	seen := map[string]bool{}
	for _, tok := range lines {
		if seen[tok] {
			t.Fatalf("token %q twice", tok)
		}
		seen[tok] = true
		c, err := jwt.Decode(testSecret, tok)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		for k, v := range claims {
			if c[k] != v {
				t.Errorf("claim %s = %v, want %v", k, c[k], v)
			}
		}
		if c["jti"] == old["jti"] || c["jti"] == nil {
			t.Errorf("jti %v: want a new one", c["jti"])
		}
	}

	for _, tc := range []struct {
		name   string
		args   []string
		secret string
		want   string
	}{
		{"wrong secret", []string{sessionCookieName + "=" + signedIn, "1", out}, "another-secret", "decoding"},
		{"no secret", []string{sessionCookieName + "=" + signedIn, "1", out}, "", "NEXTAUTH_SECRET"},
		{"bad count", []string{sessionCookieName + "=" + signedIn, "0", out}, testSecret, "N:"},
		{"too few arguments", []string{signedIn}, testSecret, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NEXTAUTH_SECRET", tc.secret)
			if err := jwtCookies(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("jwtCookies: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0, 1}, {-3, 1}, {1, 1}, {1.5, 2}, {2.2, 2.5}, {3, 5}, {46515, 50000}, {95217, 100000}, {100000, 100000}, {0.07, 0.1},
	} {
		if got := niceCeil(tc.in); got < tc.want*0.999999 || got > tc.want*1.000001 {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestRenderChart checks that the chart is well-formed XML with one bar
// pair and label per row, labels escaped, and a bar length that grows with
// req/s.
func TestRenderChart(t *testing.T) {
	for _, tc := range []struct {
		name string
		bars []chartBar
	}{
		{"none", nil},
		{"one", []chartBar{{"ours · GET /session", "ours", 46515, 18.3}}},
		// the smallest p99 just above a power of ten still gets a bar
		{"near a decade", []chartBar{{"ours · a", "ours", 1000, 10.3}, {"NextAuth · b", "nextauth", 100, 90}}},
		{"several", []chartBar{
			{"ours · GET /session", "ours", 46515, 18.3},
			{"NextAuth · GET /session", "nextauth", 3457, 32.6},
			{"oauth2-proxy · GET /oauth2/auth <cookie> & co", "oauth2-proxy", 20000, 5},
			{"empty handler", "ceiling", 95217, 7.9},
			{"sign-in", "ours", 2321, 221},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg := renderChart("title <&>", tc.bars)
			dec := xml.NewDecoder(strings.NewReader(string(svg)))
			var texts []string
			rects := map[string][]float64{} // fill colour → widths
			inText := false
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed XML: %v\n%s", err, svg)
				}
				switch e := tok.(type) {
				case xml.StartElement:
					inText = e.Name.Local == "text"
					if e.Name.Local == "rect" {
						var fill string
						var w float64
						for _, a := range e.Attr {
							switch a.Name.Local {
							case "fill":
								fill = a.Value
							case "width":
								w = atof(t, a.Value)
							}
						}
						rects[fill] = append(rects[fill], w)
					}
				case xml.CharData:
					if inText {
						texts = append(texts, string(e))
					}
				case xml.EndElement:
					inText = false
				}
			}
			all := strings.Join(texts, "\n")
			if !strings.Contains(all, "title <&>") {
				t.Errorf("no title in %q", all)
			}
			for _, b := range tc.bars {
				if !strings.Contains(all, b.label) {
					t.Errorf("no label %q", b.label)
				}
			}
			if len(tc.bars) > 0 {
				// every p99 bar shows, the smallest too (log scale)
				for _, b := range tc.bars {
					w := rects[chartColors[b.group]]
					if p99 := w[len(w)-1]; p99 < 20 {
						t.Errorf("%s: p99 bar %.1f px long", b.label, p99)
					}
				}
			}
			if len(tc.bars) == 5 {
				// ours: the legend's square, then per bar a req/s and a p99 rect
				w := rects[chartColors["ours"]]
				if len(w) != 5 || !(w[1] > w[3]) {
					t.Errorf("ours' rects %v: want legend + 2 bars × 2, the 46,515 req/s bar longer than the 2,321 one", w)
				}
			}
		})
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	if s == "100%" {
		return -1
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("width %q: %v", s, err)
	}
	return v
}

func TestCPUPerRequest(t *testing.T) {
	r := &wrkRun{Requests: 100000}
	if _, _, ok := r.cpuPerRequest(); ok {
		t.Error("a run without BENCH_CPU has no CPU figure")
	}
	r.CPU = &cpuLine{ServerTicks: 1500, DBTicks: 500, Hz: 100}
	s, db, ok := r.cpuPerRequest()
	// 15 s of CPU over 100,000 requests: 150 µs each; 5 s: 50 µs.
	if !ok || s != 150 || db != 50 {
		t.Errorf("cpuPerRequest = %v, %v, %v; want 150, 50, true", s, db, ok)
	}
	var none *wrkRun
	if _, _, ok := none.cpuPerRequest(); ok {
		t.Error("a missing run has no CPU figure")
	}
}

// TestCeilingTargets judges the ratios to the empty handler and reports
// the sign-in's bcrypt share from runs made up for the test.
func TestCeilingTargets(t *testing.T) {
	// run: req/s, p99 in µs, and CPU ticks at 100 Hz over 100,000 requests
	// (1 tick = 0.1 µs a request).
	run := func(rps, p99 float64, ticks int64) *wrkRun {
		return &wrkRun{Requests: 100000, RPS: rps, P99: p99, CPU: &cpuLine{ServerTicks: ticks, Hz: 100}}
	}
	for _, tc := range []struct {
		name string
		runs map[string]*wrkRun
		meta map[string]string
		want []string
	}{
		{
			name: "met",
			runs: map[string]*wrkRun{
				"r1.session_jwt_rot.ours": run(72000, 9000, 250), "r1.ceiling_rot.empty": run(100000, 8000, 200),
				"r1.session_jwt.ours": run(71000, 16000, 260), "r1.ceiling.empty": run(100000, 10000, 190),
				"r1.session_none.ours": run(86000, 1, 1), "r1.csrf.ours": run(90000, 1, 1), "r1.providers.ours": run(85000, 1, 1),
				"r1.signin.ours": run(2000, 1, 10000), "r1.signin.nextauth": run(500, 1, 40000),
			},
			meta: map[string]string{"cookies": "10000", "bcrypt_us_ours": "900", "bcrypt_us_nextauth": "1500"},
			want: []string{
				"[x] met: JWT /session, 10,000 distinct cookies rotating (the empty handler with the same cookies) ≥70 % of the empty handler's req/s — 72.0 % (rounds: 72.0 %; server CPU per request: ours 25.0 µs, empty handler 20.0 µs)",
				"[x] met: JWT /session, 10,000 distinct cookies rotating (the empty handler with the same cookies) p99 ≤1.5× the empty handler's p99 — 1.12×",
				"[ ] **not met**: JWT /session, the signed-in session's cookie (the empty handler without a cookie) p99 ≤1.5× the empty handler's p99 — 1.60×",
				"[x] met: /session without a cookie ≥85 %",
				"[x] met: /providers ≥85 % of the empty handler's req/s — 85.0 %",
				"reported: sign-in (POST /callback/credentials, bcrypt cost 4 on both) — ours 2,000 req/s, NextAuth 500 req/s (4.00×); ours: 1000 µs of CPU per sign-in, of which one bcrypt comparison 900 µs (90 %); NextAuth (bcryptjs): 4000 µs of CPU per sign-in, of which one bcrypt comparison 1500 µs (38 %).",
			},
		},
		{
			name: "below and missing",
			runs: map[string]*wrkRun{
				"r1.session_jwt_rot.ours": run(69000, 9000, 250), "r1.ceiling_rot.empty": run(100000, 8000, 200),
				"r1.csrf.ours": run(84000, 1, 1), "r1.ceiling.empty": run(100000, 10000, 190),
				"r1.signin.ours": run(2000, 1, 10000), "r1.signin.nextauth": run(500, 1, 40000),
			},
			meta: map[string]string{"cookies": "10000"},
			want: []string{
				"[ ] **not met**: JWT /session, 10,000 distinct cookies rotating (the empty handler with the same cookies) ≥70 % of the empty handler's req/s — 69.0 %",
				"[ ] not measured: JWT /session, the signed-in session's cookie (the empty handler without a cookie) ≥70 %",
				"[ ] **not met**: /csrf without a cookie ≥85 % of the empty handler's req/s — 84.0 %",
				"ours: 1000 µs of CPU per sign-in, bcrypt not timed",
			},
		},
		{
			name: "no sign-in",
			runs: map[string]*wrkRun{},
			want: []string{"[ ] not measured: sign-in at the same bcrypt cost"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &reportData{rounds: 1, runs: tc.runs, meta: tc.meta}
			if d.meta == nil {
				d.meta = map[string]string{}
			}
			var b strings.Builder
			d.writeCeilingTargets(&b)
			d.writeSignInCost(&b)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestPacedRows(t *testing.T) {
	run := func(rps, p50, p90, p99 float64) *wrkRun {
		return &wrkRun{Requests: 10000, RPS: rps, P50: p50, P90: p90, P99: p99, CPU: &cpuLine{ServerTicks: 30, Hz: 100}}
	}
	// with adds the saturating rows the target writers judge before the
	// paced ones.
	with := func(paced map[string]*wrkRun) map[string]*wrkRun {
		paced["r1.session_jwt.ours"], paced["r1.ceiling.empty"] = run(20000, 1, 1, 20000), run(30000, 1, 1, 9000)
		paced["r1.forward_jwt.ours"], paced["r1.o2p_auth.oauth2proxy"] = run(22000, 1, 1, 19000), run(7000, 1, 1, 18000)
		return paced
	}
	for _, tc := range []struct {
		name string
		runs map[string]*wrkRun
		want []string
		not  []string
	}{
		{
			name: "met",
			runs: with(map[string]*wrkRun{
				"r1.ceiling_paced.empty": run(3600, 500, 1000, 2000), "r1.session_jwt_paced.ours": run(3550, 600, 1200, 2900),
				"r1.forward_jwt_paced.ours": run(3580, 550, 1100, 2400), "r1.o2p_auth_paced.oauth2proxy": run(3400, 900, 1800, 2500),
			}),
			want: []string{
				"### At the same request rate",
				"each of the 32 connections waiting 8 ms",
				"| empty handler | 3,600 | 0.50 ms | 1.00 ms | 2.00 ms | 30.0 µs |",
				"| oauth2-proxy v7.15.6, GET /oauth2/auth, cookie session | 3,400 |",
				"[x] met: JWT /session, the signed-in session's cookie (the empty handler without a cookie) p99 ≤1.5× the empty handler's at the same request rate (paced rows) — 1.45× (rounds: 1.45×; p99 2.90 ms vs 2.00 ms at 3,550 vs 3,600 req/s)",
				"[x] met: forward check (JWT session) p99 no worse than oauth2-proxy v7.15.6's at the same request rate (paced rows) — 0.96×",
			},
		},
		{
			name: "not met",
			runs: with(map[string]*wrkRun{
				"r1.ceiling_paced.empty": run(3600, 500, 1000, 2000), "r1.session_jwt_paced.ours": run(3550, 600, 1200, 3100),
				"r1.forward_jwt_paced.ours": run(3580, 550, 1100, 2600),
			}),
			want: []string{
				"[ ] **not met**: JWT /session, the signed-in session's cookie (the empty handler without a cookie) p99 ≤1.5× the empty handler's at the same request rate (paced rows) — 1.55×",
				"[ ] not measured: forward check (JWT session) p99 no worse than oauth2-proxy v7.15.6's at the same request rate",
				"[ ] **not met**: forward check (JWT session) ≥1.5× oauth2-proxy v7.15.6's /oauth2/auth req/s with p99 no worse — 3.14× (rounds: 3.14×); p99 19.0 ms vs 18.0 ms",
			},
			not: []string{"GET /oauth2/auth, cookie session |"},
		},
		{
			name: "no paced rows",
			runs: map[string]*wrkRun{},
			not:  []string{"same request rate"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &reportData{rounds: 1, runs: tc.runs, meta: map[string]string{"connections": "32", "pace_ms": "8", "oauth2_proxy_version": "v7.15.6"}}
			var b strings.Builder
			d.writePaced(&b)
			d.writeCeilingTargets(&b)
			d.writeForwardTargets(&b)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
			for _, w := range tc.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("unexpected %q in:\n%s", w, b.String())
				}
			}
		})
	}
}
