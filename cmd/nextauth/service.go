package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/config"
	"github.com/nextauth-go/nextauth/internal/metrics"
	"github.com/nextauth-go/nextauth/webhook"
)

// service serves one configuration, a generation, at a time, and swaps in
// a new one when the configuration is reloaded (SIGHUP) without dropping a
// request: each request is served to its end by the generation it began
// with, and a generation's database is closed only once its last request
// has finished, if the next generation did not keep it.
type service struct {
	c          *cli
	ctx        context.Context // the server's; ends at shutdown
	configPath string
	dev        bool
	port       string // the main listener's, for --dev's url

	metrics    *metrics.Metrics
	httpClient *http.Client       // the identity providers', measured
	rates      nextauth.RateStore // in-process limits, kept across reloads
	devSecret  string             // --dev's secret made for this run, kept across reloads

	cur      atomic.Pointer[generation]
	reloadMu sync.Mutex     // one reload at a time
	retiring sync.WaitGroup // old generations waiting for their requests
}

// generation is one configuration being served.
type generation struct {
	file    *config.File
	auth    *nextauth.Handler
	handler http.Handler // the routes in their middleware
	log     *slog.Logger
	db      *database
	// stopEvents stops the event delivery worker and waits for it; nil
	// without an events key.
	stopEvents func()

	oauth       []oauthProvider
	formOrigins []string
	csp         pagePolicy  // of the HTML pages (ready.go)
	notReady    atomic.Bool // the last /readyz failed

	// active counts the requests being served; once retired is set, the
	// last one to finish closes drained.
	active    atomic.Int64
	retired   atomic.Bool
	drained   chan struct{}
	drainOnce sync.Once

	// warmed is closed once the warm-up (ready.go warm) has ended, so
	// that nothing but a discovery rebuilds the CSP after it; tests wait
	// on it.
	warmed chan struct{}
}

// database is an open store and its cleanup loop; generations share it
// while the database key stays the same.
type database struct {
	store *config.Store
	stop  func() // ends the cleanup loop and waits for it; nil without one
}

// close ends the cleanup loop and closes the store.
func (d *database) close() error {
	if d.stop != nil {
		d.stop()
	}
	return d.store.Close()
}

// ServeHTTP serves r with the current generation.
func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := s.acquire()
	defer g.release()
	g.handler.ServeHTTP(w, r)
}

// acquire counts a request in with the current generation and returns it.
func (s *service) acquire() *generation {
	for {
		if g := s.cur.Load(); g.acquire() {
			return g
		}
		// g was replaced and is draining: the current one is newer.
	}
}

// acquire counts a request in, unless g is retired.
func (g *generation) acquire() bool {
	g.active.Add(1)
	if g.retired.Load() {
		g.release()
		return false
	}
	return true
}

// release counts a request out.
func (g *generation) release() {
	if g.active.Add(-1) == 0 && g.retired.Load() {
		g.drainOnce.Do(func() { close(g.drained) })
	}
}

// drain retires g and waits until its last request has finished.
func (g *generation) drain() {
	g.retired.Store(true)
	if g.active.Load() == 0 {
		g.drainOnce.Do(func() { close(g.drained) })
	}
	<-g.drained
}

// prepared is a configuration checked, with its database open, not yet
// serving.
type prepared struct {
	file  *config.File
	cfg   nextauth.Config
	db    *database
	fresh bool // db was opened for it (not kept from the generation before)
	log   *slog.Logger
	setup config.DevSetup
	// events delivers the events key's webhooks; nil without one.
	events *webhook.Dispatcher
}

// newLogger is f's logger, adding the request id to records logged with
// a request's context.
func newLogger(f *config.File, c *cli) *slog.Logger {
	return slog.New(requestIDHandler{f.Logger(c.stderr).Handler()})
}

// prepare checks f and opens its database, or keeps old's when f names
// the same one. On error nothing is left open.
func (s *service) prepare(ctx context.Context, f *config.File, old *generation) (*prepared, error) {
	p := &prepared{file: f, log: newLogger(f, s.c)}
	for _, w := range f.Warnings() {
		p.log.Warn(w)
	}
	if s.dev {
		if f.Secret == "" && s.devSecret != "" {
			f.Secret = s.devSecret // a reload keeps the sessions of this run
		}
		setup, err := f.Dev(config.DevOptions{Random: s.c.random, KeepSecret: true})
		if err != nil {
			return nil, err
		}
		if setup.SecretGenerated {
			s.devSecret = f.Secret
		}
		p.setup = setup
	}
	f.HTTPClient = s.httpClient
	f.HookLogger = p.log
	var err error
	if old != nil && old.db.store.Serves(f) {
		p.db = old.db
		// Console e-mail servers (--dev only) print the links with the
		// rest of what the developer reads.
		p.cfg, err = f.Reuse(s.c.stdout, old.db.store)
	} else {
		var store *config.Store
		p.cfg, store, err = f.Open(ctx, s.c.stdout)
		p.db, p.fresh = &database{store: store}, true
	}
	if err != nil {
		return nil, err
	}
	p.cfg.Logger = p.log
	p.cfg.Observer = s.metrics
	if p.events, err = f.EventDispatcher(ctx, p.db.store, s.metrics, p.log); err != nil {
		p.abandon()
		return nil, err
	}
	if p.events != nil {
		p.cfg.Events = p.events.Events()
	}
	if p.cfg.RateStore == nil {
		p.cfg.RateStore = s.rates
	}
	return p, nil
}

// abandon closes what prepare opened for p.
func (p *prepared) abandon() {
	if p.fresh {
		_ = p.db.close()
	}
}

// finish builds the handler of p and starts what its database needs. On
// error it closes what prepare opened.
func (s *service) finish(p *prepared) (*generation, error) {
	cfg, f, log := p.cfg, p.file, p.log
	if cfg.URL == "" && s.port != "3000" {
		if s.dev {
			// A newcomer trying --addr :8080 gets working links.
			cfg.URL = "http://localhost:" + s.port + "/api/auth"
		} else {
			log.Warn("url is not set, so links and redirects assume " + nextauth.DefaultURL +
				", but the server listens on port " + s.port + "; set NEXTAUTH_URL or url:")
		}
	}
	h, err := nextauth.New(cfg)
	if err != nil {
		p.abandon()
		return nil, err
	}
	g := &generation{file: f, auth: h, log: log, db: p.db, drained: make(chan struct{}), formOrigins: formOrigins(cfg)}
	for _, pr := range cfg.Providers {
		if op, ok := pr.(nextauth.OAuthProvider); ok {
			g.oauth = append(g.oauth, oauthProvider{id: pr.Info().ID, p: op})
		}
	}
	g.updateCSP(nil) // from the configuration; discovery adds to it
	if d := p.events; d != nil {
		ectx, cancel := context.WithCancel(s.ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = d.Run(ectx) // ends with ectx
		}()
		g.stopEvents = func() { cancel(); <-done }
		log.Info("events sent as webhooks", "url", f.Events.URL, "queue", eventQueueName(p.db.store))
	}

	basePaths := f.BasePaths()
	adminPath := f.AdminPath()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+config.HealthzPath, healthz)
	mux.HandleFunc("GET "+config.ReadyzPath, g.readyz)
	for _, base := range basePaths {
		// Both the base path itself and the tree below it go to h, so
		// that ServeMux adds no redirect of its own: h answers /api/auth
		// with 404 and a trailing slash with 308, as Next.js does.
		mux.Handle(base, h)
		mux.Handle(base+"/", h)
	}
	if adminPath != "" {
		mux.Handle(adminPath+"/", http.StripPrefix(adminPath, h.AdminHandler(f.Admin.Token)))
	}
	if s.dev {
		mux.Handle("GET /{$}", devHome(h))
	}
	g.handler = g.chain(newAuthFirst(mux, h, basePaths, adminPath), s.metrics, cfg.TrustProxy, func(path string) string {
		return routeOf(path, basePaths, adminPath, s.dev)
	})

	if p.fresh {
		st := p.db.store
		for _, w := range st.Warnings {
			log.Warn(w)
		}
		if st.Database != "" {
			attrs := []any{"database", st.Database, "cleanup_interval", st.CleanupInterval.String()}
			if l := st.LayoutDescription(); l != "" {
				attrs = append(attrs, "layout", l)
			}
			log.Info("database connected", attrs...)
		}
		if d, ok := st.Adapter.(nextauth.ExpiredDeleter); ok && st.CleanupInterval > 0 {
			cctx, cancel := context.WithCancel(s.ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				cleanup(cctx, d, st.CleanupInterval, log)
			}()
			p.db.stop = func() { cancel(); <-done }
		}
	}
	for _, e := range f.AutoConfigured() {
		log.Info("provider configured from the environment", "provider", e.Preset, "variables", strings.Join(e.Vars, ", "))
	}
	g.warmed = make(chan struct{})
	go func() {
		defer close(g.warmed)
		g.warm()
	}()
	return g, nil
}

// chain wraps the routes in the cross-cutting handling (middleware.go).
func (g *generation) chain(routes http.Handler, m *metrics.Metrics, trust []netip.Prefix, route func(string) string) http.Handler {
	return &requestPath{log: g.log, metrics: m, route: route, trust: trust, csp: g.pageCSP, next: routes}
}

// reload reads the config file again and, if it has no problem, serves
// it: requests under way finish with the old configuration, and the old
// database is closed after them unless the new configuration kept it. A
// configuration with problems is rejected, each problem logged, and the
// old one keeps serving. Without --config there is nothing to reload.
func (s *service) reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.cur.Load()
	if s.configPath == "" {
		old.log.Warn("reload: the server was started without --config; nothing to reload")
		return nil
	}
	old.log.Info("reloading the configuration", "config", s.configPath)
	f, err := config.Load(s.configPath, s.c.env)
	if f == nil {
		return s.rejected(old, err)
	}
	p, err := s.prepare(s.ctx, f, old)
	if err != nil {
		return s.rejected(old, err)
	}
	g, err := s.finish(p)
	if err != nil {
		return s.rejected(old, err)
	}
	// Counted before it is served: whoever sees the new configuration
	// also sees the reload in the metrics.
	s.metrics.Reload(true)
	s.cur.Store(g)
	reopened := g.db != old.db
	g.log.Info("configuration reloaded", "config", s.configPath, "database_reopened", reopened, "url", g.auth.BaseURL())
	if f.MetricsAddr != old.file.MetricsAddr {
		g.log.Warn("metrics_addr changed: restart the server to move the metrics listener", "metrics_addr", old.file.MetricsAddr)
	}
	s.retiring.Add(1)
	go func() {
		defer s.retiring.Done()
		old.drain()
		if old.stopEvents != nil {
			old.stopEvents()
		}
		if !reopened {
			return
		}
		if err := old.db.close(); err != nil {
			g.log.Warn("closing the previous database failed", "database", old.db.store.Database, "err", err)
			return
		}
		if old.db.store.Database != "" {
			g.log.Info("previous database closed", "database", old.db.store.Database)
		}
	}()
	return nil
}

// rejected logs every problem of a rejected configuration and returns
// them.
func (s *service) rejected(old *generation, err error) error {
	s.metrics.Reload(false)
	problems := flatten(err)
	for _, p := range problems {
		old.log.Error("config problem", "problem", p.Error())
	}
	old.log.Error("reload rejected: still serving the previous configuration", "config", s.configPath, "problems", len(problems))
	return fmt.Errorf("nextauth: reload: %w", err)
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// reloadOn reloads on each signal of hup until ctx ends; done is closed
// when it returns.
func (s *service) reloadOn(ctx context.Context, hup <-chan os.Signal, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = s.reload() // reload logs what went wrong
		}
	}
}

// close closes the current database once the retired generations have
// drained (wait false: without waiting for them).
func (s *service) close(wait bool) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if wait {
		s.retiring.Wait()
	}
	g := s.cur.Load()
	if g.stopEvents != nil {
		g.stopEvents()
	}
	if err := g.db.close(); err != nil {
		return fmt.Errorf("nextauth: closing the database: %w", err)
	}
	return nil
}

// eventQueueName says where undelivered events wait, for the log.
func eventQueueName(st *config.Store) string {
	switch st.Kind {
	case "":
		return "memory (lost when the server stops)"
	case config.KindRedis:
		return "redis stream"
	}
	return "table nextauth_events"
}
