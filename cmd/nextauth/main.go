// Command nextauth serves NextAuth.js v4's auth routes (/api/auth/*) as a
// stand-alone server, configured by a YAML file and the environment
// (docs/configuration.md).
//
// Usage:
//
//	nextauth [--config nextauth.yaml] [--addr :3000] [--dev] [--pprof-addr 127.0.0.1:6060]
//	nextauth check [--config nextauth.yaml] [--dev]
//	nextauth migrate [--dry-run] --config nextauth.yaml
//	nextauth hash-password [--cost 10] < password.txt
//	nextauth --version
//
// Providers are the file's providers: (credentials, email, oidc, oauth and
// the presets such as github), followed, as in Auth.js v5, by each preset
// whose AUTH_<ID>_ID and AUTH_<ID>_SECRET are set and which the file does
// not have. No client secret is ever printed or logged.
//
// The server answers the auth routes under the base path of the configured
// URL (default http://localhost:3000/api/auth), GET /healthz with "ok",
// GET /readyz with 200 once the database and the OpenID Connect providers
// answer, and, with admin: set, the admin API. It connects the configured
// database at start (migrating its schema), deletes expired sessions and
// e-mail tokens periodically, serves Prometheus metrics on metrics_addr,
// logs one line per request, reloads its configuration on SIGHUP without
// dropping a request, and stops gracefully on SIGINT or SIGTERM.
//
// --dev starts without a secret and, without a config file, with an SQLite
// database ./nextauth.db, a user "dev" whose random password is printed
// and e-mail sign-in whose links are printed; the generated secret is kept
// in ./nextauth.db.secret for the next start. / then shows the current
// session.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/config"
	"github.com/nextauth-go/nextauth/internal/metrics"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
)

// version is the release, set when building with
// -ldflags "-X main.version=v1.2.3"; when empty, the module version from
// the build info is shown. The linker writes it; nothing else does.
var version string

// Server limits.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10 // session cookies are chunked at 4 kB
	shutdownTimeout   = 5 * time.Second
)

// defaultGCPercent is the garbage collector's target (GOGC) when the
// environment sets none. The server's live heap is small (a few MB), so
// at Go's default of 100 the heap's 4 MB floor makes it collect every few
// hundred to thousand requests, and under load collection took up to a
// tenth of the CPU of a request (bench/README.md, "Profile of the
// binary"). At 200 the floor is 8 MB: half as many collections, for about
// 4 MB more peak memory. 400 gained little more throughput for 12 MB more
// (measured side by side: JWT /session +7 % at 200, +11 % at 400, peak
// RSS 34, 38 and 46 MB). GOGC (and GOMEMLIMIT) in the environment still
// decide.
const defaultGCPercent = 200

// tuneGC sets defaultGCPercent unless env has GOGC; it returns the
// previous setting and whether it changed it.
func tuneGC(env func(string) string) (previous int, set bool) {
	if env("GOGC") != "" {
		return 0, false
	}
	return debug.SetGCPercent(defaultGCPercent), true
}

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	c := &cli{env: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, random: rand.Reader, hup: hup}
	err := c.run(ctx, os.Args[1:])
	signal.Stop(hup)
	stop()
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		os.Exit(2) // the flag package has printed the problem and the usage
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run is the whole program but for reloads on SIGHUP: args without the
// program name, the environment through env, and the standard streams.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &cli{env: env, stdin: stdin, stdout: stdout, stderr: stderr, random: rand.Reader}
	return c.run(ctx, args)
}

// cli holds what the program reads and writes; tests fill in onListen
// and onService.
type cli struct {
	env            func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	random         io.Reader
	// hup delivers the signals that reload the configuration (SIGHUP in
	// main); nil for none.
	hup <-chan os.Signal
	// onListen, if set, is called with the address the server listens on,
	// before it serves.
	onListen func(net.Addr)
	// onService, if set, is called with the service before it serves (to
	// reload it directly).
	onService func(*service)
	// metricsAddr is where the metrics listener listens, once it does.
	metricsAddr net.Addr
	// pprofAddr is where the profiling listener (--pprof-addr) listens,
	// once it does.
	pprofAddr net.Addr
}

// usageError is a command-line mistake the flag package has reported.
type usageError struct{ err error }

func (e *usageError) Error() string { return "nextauth: " + e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// parseFlags parses args, wrapping mistakes in usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintf(fs.Output(), "%v\n", err)
		fs.Usage()
		return &usageError{err}
	}
	return nil
}

func (c *cli) run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "hash-password":
			return c.hashPassword(args[1:])
		case "check":
			return c.check(args[1:])
		case "migrate":
			return c.migrate(ctx, args[1:])
		}
	}
	return c.serve(ctx, args)
}

// serve runs the server until ctx ends, reloading its configuration on
// each signal of c.hup.
func (c *cli) serve(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("nextauth", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	configPath := fs.String("config", "", "YAML config `file` (see docs/configuration.md); SIGHUP reloads it")
	addr := fs.String("addr", ":3000", "`address` to listen on")
	dev := fs.Bool("dev", false, "development mode: keep a generated secret and, without --config, use ./nextauth.db with a user \"dev\" and printed e-mail links")
	showVersion := fs.Bool("version", false, "print the version and exit")
	pprofAddr := fs.String("pprof-addr", "", "loopback `address` (127.0.0.1:PORT) to serve Go's runtime profiles on, under /debug/pprof/; off by default")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage:\n"+
			"  nextauth [--config nextauth.yaml] [--addr :3000] [--dev] [--pprof-addr 127.0.0.1:6060]\n"+
			"  nextauth check [--config nextauth.yaml] [--dev]\n"+
			"  nextauth migrate [--dry-run] --config nextauth.yaml\n"+
			"  nextauth hash-password [--cost 10] < password\n"+
			"  nextauth --version\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *showVersion {
		_, err := fmt.Fprintf(c.stdout, "nextauth %s\n", buildVersion())
		return err
	}

	if *pprofAddr != "" {
		if err := checkLoopback(*pprofAddr); err != nil {
			return err
		}
	}
	f, err := config.Load(*configPath, c.env)
	if err != nil {
		return err
	}
	m := metrics.New(buildVersion())
	s := &service{
		c: c, ctx: ctx, configPath: *configPath, dev: *dev, metrics: m,
		httpClient: &http.Client{Transport: m.Transport(nil)},
		rates:      ratelimit.NewStore(nil),
	}
	p, err := s.prepare(ctx, f, nil)
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		p.abandon()
		return fmt.Errorf("nextauth: %w", err)
	}
	_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	g, err := s.finish(p)
	if err != nil {
		_ = ln.Close()
		return err
	}
	s.cur.Store(g)
	log := g.log
	if *dev {
		c.announceDev(log, g.auth, p.setup, p.db.store)
	}
	var metricsSrv *http.Server
	if f.MetricsAddr != "" {
		mln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", f.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return errors.Join(fmt.Errorf("nextauth: metrics_addr: %w", err), s.close(false))
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = newServer(mux, log)
		go func() { _ = metricsSrv.Serve(mln) }()
		log.Info("serving metrics", "addr", mln.Addr().String(), "path", "/metrics")
		c.metricsAddr = mln.Addr()
	}
	defer func() {
		if metricsSrv != nil {
			_ = metricsSrv.Close()
		}
	}()
	if *pprofAddr != "" {
		pprofSrv, a, err := listenPprof(ctx, *pprofAddr)
		if err != nil {
			_ = ln.Close()
			return errors.Join(err, s.close(false))
		}
		defer func() { _ = pprofSrv.Close() }()
		log.Warn("serving runtime profiles (--pprof-addr): for profiling only", "addr", a.String(), "path", "/debug/pprof/")
		c.pprofAddr = a
	}

	reloadCtx, stopReloads := context.WithCancel(ctx)
	reloadsDone := make(chan struct{})
	go s.reloadOn(reloadCtx, c.hup, reloadsDone)

	log.Info("listening", "addr", ln.Addr().String(), "url", g.auth.BaseURL(), "version", buildVersion())
	if c.onListen != nil {
		c.onListen(ln.Addr())
	}
	if c.onService != nil {
		c.onService(s)
	}
	err = serve(ctx, newServer(s, log), ln, log)
	stopReloads()
	<-reloadsDone
	return errors.Join(err, s.close(err == nil))
}

// announceDev tells the developer what --dev filled in.
func (c *cli) announceDev(log *slog.Logger, h *nextauth.Handler, s config.DevSetup, store *config.Store) {
	log.Warn("development mode (--dev): not for production")
	if s.SecretGenerated {
		log.Warn("NO SECRET SET: using a random secret for this run only; every session ends when the server stops. " +
			"Set NEXTAUTH_SECRET (e.g. openssl rand -base64 32) to keep sessions")
	}
	var b strings.Builder
	if s.Username != "" {
		fmt.Fprintf(&b, "\nnextauth --dev: sign in at %s/signin?callbackUrl=/ with\n  username: %s\n  password: %s\n",
			h.BaseURL(), s.Username, s.Password)
		if s.ConsoleEmail {
			b.WriteString("or with any e-mail address: its sign-in link is printed here.\n")
		}
	}
	if store.Database != "" && s.Database != "" {
		fmt.Fprintf(&b, "database: %s (%s sessions)\n", store.Database, nextauth.StrategyDatabase)
	}
	switch {
	case s.SecretFile != "" && s.SecretCreated:
		fmt.Fprintf(&b, "secret: made and kept in %s for the next start (mode 0600; delete it to end every session)\n", s.SecretFile)
	case s.SecretFile != "":
		fmt.Fprintf(&b, "secret: read from %s (delete it to end every session)\n", s.SecretFile)
	}
	if b.Len() > 0 {
		fmt.Fprintf(c.stdout, "%s\n", b.String())
	}
}

// cleanup deletes expired sessions and e-mail tokens every interval until
// ctx ends, logging the counts at debug level and failures as warnings.
func cleanup(ctx context.Context, d nextauth.ExpiredDeleter, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sessions, tokens, err := d.DeleteExpired(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("deleting expired sessions and e-mail tokens failed", "err", err)
		default:
			log.Debug("deleted expired sessions and e-mail tokens", "sessions", sessions, "tokens", tokens)
		}
	}
}

// newServer is an http.Server with timeouts and a header limit.
func newServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve serves on ln until ctx ends, then shuts down gracefully: requests
// under way get shutdownTimeout to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("nextauth: serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("nextauth: shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("nextauth: serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// hashPassword prints the bcrypt hash of the password on stdin's first line.
func (c *cli) hashPassword(args []string) error {
	fs := flag.NewFlagSet("nextauth hash-password", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cost := fs.Int("cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt `cost` (%d to %d)", bcrypt.MinCost, bcrypt.MaxCost))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nextauth hash-password [--cost 10] < password\n\n"+
			"Reads a password (one line) on stdin and prints its bcrypt hash, for password_hash in the config.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cost < bcrypt.MinCost || *cost > bcrypt.MaxCost {
		return fmt.Errorf("nextauth: hash-password: --cost %d: want %d to %d", *cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("nextauth: hash-password: reading stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("nextauth: hash-password: no password on stdin (give one line, e.g. echo -n … | nextauth hash-password)")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), *cost)
	if err != nil {
		return fmt.Errorf("nextauth: hash-password: %w", err)
	}
	_, err = fmt.Fprintf(c.stdout, "%s\n", hash)
	return err
}

// check validates a config and reports every problem, or "ok" and a
// summary.
func (c *cli) check(args []string) error {
	fs := flag.NewFlagSet("nextauth check", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	configPath := fs.String("config", "", "YAML config `file` to check")
	dev := fs.Bool("dev", false, "check as --dev would run: a missing secret is no problem")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nextauth check [--config nextauth.yaml] [--dev]\n\n"+
			"Checks the config file and the environment and lists every problem.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := config.Load(*configPath, c.env)
	if f == nil {
		return err
	}
	for _, w := range f.Warnings() {
		fmt.Fprintf(c.stderr, "warning: %s\n", w)
	}
	if *dev {
		if _, err := f.Dev(config.DevOptions{Random: c.random}); err != nil {
			return err
		}
	}
	cfg, err := f.NextAuth()
	if err == nil {
		cfg.Logger = f.Logger(c.stderr)
		_, err = nextauth.New(cfg)
	}
	if err != nil {
		n := 1
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			n = len(joined.Unwrap())
		}
		name := *configPath
		if name == "" {
			name = "the environment"
		}
		plural := "s"
		if n == 1 {
			plural = ""
		}
		return fmt.Errorf("nextauth: check: %d problem%s in %s:\n%w", n, plural, name, err)
	}
	_, err = fmt.Fprint(c.stdout, "ok\n"+f.Summary(cfg))
	return err
}

// migrate brings the configured database's schema up to date.
func (c *cli) migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nextauth migrate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	configPath := fs.String("config", "", "YAML config `file` naming the database")
	dryRun := fs.Bool("dry-run", false, "inspect the database and print its layout and the plan (each statement and why); change nothing")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nextauth migrate [--dry-run] --config nextauth.yaml\n\n"+
			"Connects to the config's database, finds the layout of its tables and brings its schema up to date\n"+
			"(the server also does at start). On another adapter's tables (Prisma, Drizzle, Kysely, TypeORM) it\n"+
			"prints a plan, then adds the nextauth_* indexes they lack, never changing their tables or columns\n"+
			"(the server never does); --dry-run only prints what it would do.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := config.Load(*configPath, c.env)
	if f == nil {
		return err
	}
	for _, w := range f.Warnings() {
		fmt.Fprintf(c.stderr, "warning: %s\n", w)
	}
	var (
		r     config.MigrateResult
		shown bool
	)
	if *dryRun {
		r, err = f.MigrateDryRun(ctx)
	} else {
		r, err = f.MigrateShowingPlan(ctx, func(plan string) {
			fmt.Fprintf(c.stdout, "%s\n", plan)
			shown = true
		})
	}
	if err != nil {
		return fmt.Errorf("nextauth: migrate: %w", err)
	}
	out := r.String()
	if shown {
		out = r.Outcome() // the plan is printed already
	}
	if _, err := fmt.Fprintf(c.stdout, "%s\n", out); err != nil {
		return err
	}
	if n := r.NotAdded(); n > 0 && !*dryRun {
		return fmt.Errorf("nextauth: migrate: %d index(es) not added: rows share their keys (listed above); no row was deleted", n)
	}
	return nil
}

// buildVersion is version, else the module version from the build info.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
