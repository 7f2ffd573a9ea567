// Package metrics measures the nextauth server for Prometheus, in a
// registry of its own (never the global default one): requests by route
// and status and their latency, sign-ins by provider and outcome,
// rate-limit hits, the identity providers' answers, configuration
// reloads, event webhooks (delivered, failed, pending), and the Go runtime
// and process.
//
// The server serves [Metrics.Handler] on its metrics listener only, never
// on the public one.
package metrics

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/webhook"
)

// Metrics holds the server's metrics. Its methods are safe for
// concurrent use. It is a [nextauth.Observer].
type Metrics struct {
	reg *prometheus.Registry
	// series are the children of requests and latency by route and
	// status, resolved once each (see Request): a map never changed once
	// stored, replaced by a copy with one more entry under seriesMu.
	series      atomic.Pointer[map[requestKey]*requestSeries]
	seriesMu    sync.Mutex
	requests    *prometheus.CounterVec   // route, status
	latency     *prometheus.HistogramVec // route
	signIns     *prometheus.CounterVec   // provider, outcome
	rateLimited *prometheus.CounterVec   // limit
	idpLatency  *prometheus.HistogramVec // host
	idpErrors   *prometheus.CounterVec   // host, reason
	reloads     *prometheus.CounterVec   // result
	delivered   *prometheus.CounterVec   // type
	failed      *prometheus.CounterVec   // type
	pending     prometheus.Gauge
}

var (
	_ nextauth.Observer = (*Metrics)(nil)
	_ webhook.Observer  = (*Metrics)(nil)
)

// Reasons of nextauth_idp_request_errors_total.
const (
	ReasonTransport = "transport"  // no answer: refused, timed out, TLS, …
	ReasonStatus4xx = "status_4xx" // e.g. invalid_grant from the token endpoint
	ReasonStatus5xx = "status_5xx"
)

// New returns the metrics, registered in a new registry with the Go
// runtime and process collectors and nextauth_build_info{version}.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_http_requests_total",
			Help: "HTTP requests answered, by route (the NextAuth action, or healthz, readyz, admin, home, other) and status code.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nextauth_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_sign_ins_total",
			Help: `Sign-in attempts, by provider id and outcome ("ok" or a NextAuth error code such as CredentialsSignin).`,
		}, []string{"provider", "outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_rate_limited_total",
			Help: "Requests refused by a rate limit or the lockout, by limit.",
		}, []string{"limit"}),
		idpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nextauth_idp_request_duration_seconds",
			Help:    "Time until identity providers answered requests (discovery, keys, token, userinfo) with headers, or failed, by host.",
			Buckets: prometheus.DefBuckets,
		}, []string{"host"}),
		idpErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_idp_request_errors_total",
			Help: "Identity provider requests that failed (transport) or were answered with a 4xx or 5xx status, by host.",
		}, []string{"host", "reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_config_reloads_total",
			Help: `Configuration reloads, by result ("ok", or "rejected" when the new configuration had problems).`,
		}, []string{"result"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_events_delivered_total",
			Help: "Event webhooks the receiver took (answered 2xx), by event type.",
		}, []string{"type"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextauth_events_failed_total",
			Help: "Event webhook attempts that failed (an error or a non-2xx answer) and will be retried, by event type.",
		}, []string{"type"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nextauth_events_pending",
			Help: "Event webhooks not yet delivered (in the queue, all servers sharing the database), as of this server's last delivery pass.",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "nextauth_build_info",
		Help:        "Always 1; the version label is the server's version.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(
		m.requests, m.latency, m.signIns, m.rateLimited, m.idpLatency, m.idpErrors, m.reloads, m.delivered, m.failed, m.pending, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus's exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// requestKey names the series of one route and status.
type requestKey struct {
	route  string
	status int
}

// requestSeries are the children of requests and latency for one route
// and status.
type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// Request records an answered request. It is on the path of every
// request, so the children of a route and status are resolved once, the
// first time they are seen (so a series appears in the exposition once it
// has a request, as with WithLabelValues each time), and looked up after
// that without a lock or an allocation.
func (m *Metrics) Request(route string, status int, d time.Duration) {
	s := m.requestSeries(route, status)
	s.requests.Inc()
	s.latency.Observe(d.Seconds())
}

// requestSeries returns the children for route and status, resolving
// them the first time.
func (m *Metrics) requestSeries(route string, status int) *requestSeries {
	k := requestKey{route, status}
	if cur := m.series.Load(); cur != nil {
		if s, ok := (*cur)[k]; ok {
			return s
		}
	}
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	var next map[requestKey]*requestSeries
	if cur := m.series.Load(); cur != nil {
		if s, ok := (*cur)[k]; ok {
			return s
		}
		next = maps.Clone(*cur)
	} else {
		next = map[requestKey]*requestSeries{}
	}
	s := &requestSeries{
		requests: m.requests.WithLabelValues(route, strconv.Itoa(status)),
		latency:  m.latency.WithLabelValues(route),
	}
	next[k] = s
	m.series.Store(&next)
	return s
}

// SignIn records a sign-in attempt's outcome ([nextauth.Observer]).
func (m *Metrics) SignIn(provider, outcome string) {
	m.signIns.WithLabelValues(provider, outcome).Inc()
}

// RateLimited records a request refused by limit ([nextauth.Observer]).
func (m *Metrics) RateLimited(limit string) {
	m.rateLimited.WithLabelValues(limit).Inc()
}

// Reload records a configuration reload; ok is false when it was
// rejected.
func (m *Metrics) Reload(ok bool) {
	result := "ok"
	if !ok {
		result = "rejected"
	}
	m.reloads.WithLabelValues(result).Inc()
}

// EventDelivered counts an event webhook delivered ([webhook.Observer]).
func (m *Metrics) EventDelivered(eventType string) { m.delivered.WithLabelValues(eventType).Inc() }

// EventFailed counts a failed event webhook attempt ([webhook.Observer]).
func (m *Metrics) EventFailed(eventType string) { m.failed.WithLabelValues(eventType).Inc() }

// EventsPending sets the number of event webhooks not yet delivered
// ([webhook.Observer]).
func (m *Metrics) EventsPending(n int64) { m.pending.Set(float64(n)) }

// Transport wraps next (nil means http.DefaultTransport) to measure each
// request by host: the time until the response headers arrive or the
// request fails, and failures and 4xx and 5xx answers. Give it to the
// identity providers' HTTP client.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next, m: m}
}

type transport struct {
	next http.RoundTripper
	m    *Metrics
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.next.RoundTrip(r)
	host := strings.ToLower(r.URL.Host)
	t.m.idpLatency.WithLabelValues(host).Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		t.m.idpErrors.WithLabelValues(host, ReasonTransport).Inc()
	case res.StatusCode >= 500:
		t.m.idpErrors.WithLabelValues(host, ReasonStatus5xx).Inc()
	case res.StatusCode >= 400:
		t.m.idpErrors.WithLabelValues(host, ReasonStatus4xx).Inc()
	}
	return res, err
}
