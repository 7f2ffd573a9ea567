package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
)

// The profiling listener (--pprof-addr): Go's runtime profiles (CPU,
// heap, allocations, goroutines, mutex, block, execution trace) under
// /debug/pprof/, for `go tool pprof`. It is off unless the flag is given,
// it is never the main listener, and it listens on a loopback address
// only: a profile shows the program's memory and code paths, and a CPU
// profile or trace costs the server CPU while it runs, so it is for an
// operator on the machine, not for the network.

// pprofMux serves the runtime profiles under /debug/pprof/.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // the index and every named profile (heap, allocs, …)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// checkLoopback refuses an address whose host is not a loopback IP
// address (an empty host would listen on every interface; a name could
// resolve to anything).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("nextauth: --pprof-addr %q: %w", addr, err)
	}
	if a, err := netip.ParseAddr(host); err == nil && a.IsLoopback() {
		return nil
	}
	return fmt.Errorf("nextauth: --pprof-addr %q: the profiling listener serves loopback only: want 127.0.0.1:PORT or [::1]:PORT", addr)
}

// listenPprof starts the profiling listener on addr (loopback only); the
// server it returns serves until closed.
func listenPprof(ctx context.Context, addr string) (*http.Server, net.Addr, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("nextauth: --pprof-addr: %w", err)
	}
	// No WriteTimeout: a CPU profile or trace answers after its seconds=.
	srv := &http.Server{Handler: pprofMux(), ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr(), nil
}
