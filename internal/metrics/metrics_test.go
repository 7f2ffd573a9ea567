package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRecords(t *testing.T) {
	m := New("v1.2.3")
	m.Request("session", http.StatusOK, 250*time.Millisecond)
	m.Request("session", http.StatusOK, 500*time.Millisecond)
	m.Request("signin", http.StatusFound, 20*time.Second)
	m.SignIn("github", "ok")
	m.SignIn("credentials", "CredentialsSignin")
	m.SignIn("credentials", "CredentialsSignin")
	m.RateLimited("credentials_client")
	m.Reload(true)
	m.Reload(false)
	m.Reload(false)

	const want = `
# HELP nextauth_build_info Always 1; the version label is the server's version.
# TYPE nextauth_build_info gauge
nextauth_build_info{version="v1.2.3"} 1
# HELP nextauth_config_reloads_total Configuration reloads, by result ("ok", or "rejected" when the new configuration had problems).
# TYPE nextauth_config_reloads_total counter
nextauth_config_reloads_total{result="ok"} 1
nextauth_config_reloads_total{result="rejected"} 2
# HELP nextauth_http_requests_total HTTP requests answered, by route (the NextAuth action, or healthz, readyz, admin, home, other) and status code.
# TYPE nextauth_http_requests_total counter
nextauth_http_requests_total{route="session",status="200"} 2
nextauth_http_requests_total{route="signin",status="302"} 1
# HELP nextauth_rate_limited_total Requests refused by a rate limit or the lockout, by limit.
# TYPE nextauth_rate_limited_total counter
nextauth_rate_limited_total{limit="credentials_client"} 1
# HELP nextauth_sign_ins_total Sign-in attempts, by provider id and outcome ("ok" or a NextAuth error code such as CredentialsSignin).
# TYPE nextauth_sign_ins_total counter
nextauth_sign_ins_total{outcome="CredentialsSignin",provider="credentials"} 2
nextauth_sign_ins_total{outcome="ok",provider="github"} 1
`
	names := []string{"nextauth_build_info", "nextauth_config_reloads_total", "nextauth_http_requests_total", "nextauth_rate_limited_total", "nextauth_sign_ins_total"}
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	const wantLatency = `
# HELP nextauth_http_request_duration_seconds Time to answer HTTP requests, by route.
# TYPE nextauth_http_request_duration_seconds histogram
nextauth_http_request_duration_seconds_bucket{route="session",le="0.005"} 0
nextauth_http_request_duration_seconds_bucket{route="session",le="0.01"} 0
nextauth_http_request_duration_seconds_bucket{route="session",le="0.025"} 0
nextauth_http_request_duration_seconds_bucket{route="session",le="0.05"} 0
nextauth_http_request_duration_seconds_bucket{route="session",le="0.1"} 0
nextauth_http_request_duration_seconds_bucket{route="session",le="0.25"} 1
nextauth_http_request_duration_seconds_bucket{route="session",le="0.5"} 2
nextauth_http_request_duration_seconds_bucket{route="session",le="1"} 2
nextauth_http_request_duration_seconds_bucket{route="session",le="2.5"} 2
nextauth_http_request_duration_seconds_bucket{route="session",le="5"} 2
nextauth_http_request_duration_seconds_bucket{route="session",le="10"} 2
nextauth_http_request_duration_seconds_bucket{route="session",le="+Inf"} 2
nextauth_http_request_duration_seconds_sum{route="session"} 0.75
nextauth_http_request_duration_seconds_count{route="session"} 2
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.005"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.01"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.025"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.05"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.1"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.25"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="0.5"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="1"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="2.5"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="5"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="10"} 0
nextauth_http_request_duration_seconds_bucket{route="signin",le="+Inf"} 1
nextauth_http_request_duration_seconds_sum{route="signin"} 20
nextauth_http_request_duration_seconds_count{route="signin"} 1
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(wantLatency), "nextauth_http_request_duration_seconds"); err != nil {
		t.Error(err)
	}
}

// TestOwnRegistry checks that two Metrics coexist: nothing is registered
// globally, where the second registration would panic.
func TestOwnRegistry(t *testing.T) {
	a, b := New("a"), New("b")
	a.Request("csrf", http.StatusOK, time.Millisecond)
	if n := testutil.CollectAndCount(a.requests); n != 1 {
		t.Errorf("a has %d request series, want 1", n)
	}
	if n := testutil.CollectAndCount(b.requests); n != 0 {
		t.Errorf("a request recorded in one Metrics shows in another: %d series", n)
	}
}

func TestLint(t *testing.T) {
	m := New("v0")
	m.Request("session", http.StatusOK, time.Millisecond)
	m.SignIn("github", "ok")
	m.RateLimited("lockout")
	m.Reload(true)
	m.idpLatency.WithLabelValues("idp.example").Observe(0.1)
	m.idpErrors.WithLabelValues("idp.example", ReasonTransport).Inc()
	problems, err := testutil.GatherAndLint(m.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "nextauth_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

// errTransport fails every request.
type errTransport struct{}

func (errTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestTransport(t *testing.T) {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		case "/userinfo":
			http.Error(w, "down", http.StatusBadGateway)
		default:
			_, _ = io.WriteString(w, "{}")
		}
	}))
	defer idp.Close()
	m := New("v0")
	client := &http.Client{Transport: m.Transport(nil)}
	for _, path := range []string{"/.well-known/openid-configuration", "/jwks", "/token", "/userinfo"} {
		res, err := client.Get(idp.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
	}
	failing := &http.Client{Transport: m.Transport(errTransport{})}
	if _, err := failing.Get("https://IdP.Example/token"); err == nil {
		t.Fatal("a request through a failing transport succeeded")
	}

	host := strings.TrimPrefix(idp.URL, "http://")
	want := `
# HELP nextauth_idp_request_errors_total Identity provider requests that failed (transport) or were answered with a 4xx or 5xx status, by host.
# TYPE nextauth_idp_request_errors_total counter
nextauth_idp_request_errors_total{host="` + host + `",reason="status_4xx"} 1
nextauth_idp_request_errors_total{host="` + host + `",reason="status_5xx"} 1
nextauth_idp_request_errors_total{host="idp.example",reason="transport"} 1
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want), "nextauth_idp_request_errors_total"); err != nil {
		t.Error(err)
	}
	counts := map[string]uint64{}
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "nextauth_idp_request_duration_seconds" {
			continue
		}
		for _, metric := range f.GetMetric() {
			counts[metric.GetLabel()[0].GetValue()] = metric.GetHistogram().GetSampleCount()
		}
	}
	if counts[host] != 4 || counts["idp.example"] != 1 || len(counts) != 2 {
		t.Errorf("nextauth_idp_request_duration_seconds counts = %v, want %s: 4 and idp.example: 1", counts, host)
	}
}

func TestHandler(t *testing.T) {
	m := New("v9.8.7")
	m.Request("csrf", http.StatusOK, time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d, want 200", res.StatusCode)
	}
	for _, want := range []string{
		`nextauth_build_info{version="v9.8.7"} 1`,
		`nextauth_http_requests_total{route="csrf",status="200"} 1`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /metrics has no %q", want)
		}
	}
}

func TestEventMetrics(t *testing.T) {
	m := New("v1")
	m.EventDelivered("signIn")
	m.EventDelivered("signIn")
	m.EventFailed("signOut")
	m.EventsPending(3)
	want := `# HELP nextauth_events_delivered_total Event webhooks the receiver took (answered 2xx), by event type.
# TYPE nextauth_events_delivered_total counter
nextauth_events_delivered_total{type="signIn"} 2
# HELP nextauth_events_failed_total Event webhook attempts that failed (an error or a non-2xx answer) and will be retried, by event type.
# TYPE nextauth_events_failed_total counter
nextauth_events_failed_total{type="signOut"} 1
# HELP nextauth_events_pending Event webhooks not yet delivered (in the queue, all servers sharing the database), as of this server's last delivery pass.
# TYPE nextauth_events_pending gauge
nextauth_events_pending 3
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want),
		"nextauth_events_delivered_total", "nextauth_events_failed_total", "nextauth_events_pending"); err != nil {
		t.Error(err)
	}
}

// TestRequestSeriesConcurrent records requests from many goroutines, each
// route and status first seen by several at once: every request is
// counted once, and a route's statuses share its latency series.
func TestRequestSeriesConcurrent(t *testing.T) {
	m := New("v1")
	routes := []string{"session", "csrf", "providers"}
	statuses := []int{http.StatusOK, http.StatusNotFound, http.StatusTooManyRequests}
	const perGoroutine = 50
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < perGoroutine; i++ {
				for _, rt := range routes {
					for _, st := range statuses {
						m.Request(rt, st, time.Millisecond)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, rt := range routes {
		for _, st := range statuses {
			if got := testutil.ToFloat64(m.requests.WithLabelValues(rt, strconv.Itoa(st))); got != 8*perGoroutine {
				t.Errorf("requests{route=%q,status=%d} = %v, want %d", rt, st, got, 8*perGoroutine)
			}
		}
	}
	if n := testutil.CollectAndCount(m.latency); n != len(routes) {
		t.Errorf("%d latency series, want %d (one per route)", n, len(routes))
	}
}

// TestRequestAllocations checks that recording a request of a route and
// status seen before allocates nothing: it is on every request's path.
func TestRequestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts; run without -race")
	}
	m := New("v1")
	m.Request("session", http.StatusOK, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() { m.Request("session", http.StatusOK, time.Millisecond) }); n != 0 {
		t.Errorf("Request allocates %.0f times, want 0", n)
	}
}
