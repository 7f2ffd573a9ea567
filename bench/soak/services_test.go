package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// pgServer is a throwaway PostgreSQL cluster in a temporary directory,
// which the test may stop and start (never the machine's shared server).
type pgServer struct {
	t    *testing.T
	bin  string
	dir  string
	data string
	port int
}

// postgresBin is the newest PostgreSQL server binary directory.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if fileExists(filepath.Join(dirs[i], "initdb")) && fileExists(filepath.Join(dirs[i], "pg_ctl")) {
			return dirs[i]
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// asPostgres runs a server command as the postgres user when root
// (initdb refuses root).
func asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// startPostgres initialises and starts a throwaway cluster on a free port.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		need(t, "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl): apt-get install postgresql")
	}
	dir, err := os.MkdirTemp("", "nextauth-soak-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs after the stop below
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			need(t, "running as root, but there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p := &pgServer{t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if out, err := asPostgres(filepath.Join(bin, "initdb"), "-D", p.data, "-U", "postgres", "-A", "trust", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	p.port, _ = strconv.Atoi(port)
	t.Cleanup(func() { p.stop() })
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// dsn is the URL of its postgres database.
func (p *pgServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// start starts the server (again) on its port and waits for it.
func (p *pgServer) start() error {
	out, err := asPostgres(filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-l", filepath.Join(p.dir, "pg.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, p.dir), "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "pg.log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// stop stops it at once, as a crash would (pg_ctl -m immediate).
func (p *pgServer) stop() error {
	out, err := asPostgres(filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-m", "immediate", "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("Is server running?")) {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// redisServer is a throwaway redis-server in a temporary directory, run in
// the foreground by the test, with an append-only file synced on every
// write: killed and started again, it keeps its data.
type redisServer struct {
	t    *testing.T
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		need(t, "no redis-server: apt-get install redis-server")
	}
	r := &redisServer{t: t, dir: t.TempDir()}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	r.port, _ = strconv.Atoi(port)
	t.Cleanup(r.kill)
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) start() error {
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir, "--daemonize", "no",
		"--logfile", filepath.Join(r.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	opts, err := goredis.ParseURL(r.url())
	if err != nil {
		return err
	}
	rc := goredis.NewClient(opts)
	defer rc.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rc.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			return fmt.Errorf("redis-server exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %d: no PONG within 20 s: %v", r.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops it with SIGKILL, as a crash would.
func (r *redisServer) kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// opProxy stands in front of an OpenID Provider so that the test can take
// the provider off the network and bring it back: the provider's discovery
// document and id_tokens name the proxy as issuer, so nextauth reaches the
// provider only through it.
type opProxy struct {
	t      *testing.T
	addr   string
	target *url.URL

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// newOPProxy reserves the proxy's address; serve starts it.
func newOPProxy(t *testing.T) *opProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &opProxy{t: t, addr: ln.Addr().String(), ln: ln}
	t.Cleanup(p.down)
	return p
}

func (p *opProxy) base() string { return "http://" + p.addr }

// rewriteDiscovery names the proxy instead of the provider in the
// discovery document (the issuer and every endpoint).
func (p *opProxy) rewriteDiscovery(doc map[string]any) {
	issuer, _ := doc["issuer"].(string)
	for k, v := range doc {
		if s, ok := v.(string); ok && issuer != "" && strings.HasPrefix(s, issuer) {
			doc[k] = p.base() + strings.TrimPrefix(s, issuer)
		}
	}
}

// rewriteIDToken names the proxy as the id_token's issuer.
func (p *opProxy) rewriteIDToken(claims map[string]any) { claims["iss"] = p.base() }

// serve forwards to the provider at target (again).
func (p *opProxy) serve(target string) {
	p.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = u
	if p.ln == nil {
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if p.ln, err = net.Listen("tcp", p.addr); err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			p.t.Fatalf("the OP proxy cannot listen on %s again: %v", p.addr, err)
		}
	}
	rp := &httputil.ReverseProxy{
		Rewrite:  func(r *httputil.ProxyRequest) { r.SetURL(u) },
		ErrorLog: log.New(io.Discard, "", 0), // requests cut by down()
	}
	p.srv = &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func(srv *http.Server, ln net.Listener) { _ = srv.Serve(ln) }(p.srv, p.ln)
}

// down takes the provider off the network: the proxy stops listening and
// drops its connections.
func (p *opProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		_ = p.srv.Close()
		p.srv = nil
	}
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
}
