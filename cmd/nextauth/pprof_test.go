package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestPprofListener checks that the runtime profiles are served only on
// --pprof-addr's own listener, and only when it is given.
func TestPprofListener(t *testing.T) {
	env := map[string]string{"NEXTAUTH_SECRET": "s"}
	off := startServer(t, env)
	if off.pprof != "" {
		t.Fatalf("a profiling listener at %s without --pprof-addr", off.pprof)
	}
	if res, _ := do(t, newRequest(t, http.MethodGet, off.base+"/debug/pprof/", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the main listener = %d, want 404", res.StatusCode)
	}

	on := startServer(t, env, "--pprof-addr", "127.0.0.1:0")
	if on.pprof == "" {
		t.Fatal("no profiling listener with --pprof-addr")
	}
	if res, body := do(t, newRequest(t, http.MethodGet, on.pprof+"/debug/pprof/goroutine?debug=1", nil)); res.StatusCode != http.StatusOK || !strings.Contains(body, "goroutine profile: total") {
		t.Errorf("GET /debug/pprof/goroutine = %d %.80q, want the goroutine profile", res.StatusCode, body)
	}
	if res, _ := do(t, newRequest(t, http.MethodGet, on.pprof+"/debug/pprof/allocs", nil)); res.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/allocs = %d, want 200", res.StatusCode)
	}
	if res, _ := do(t, newRequest(t, http.MethodGet, on.pprof+"/api/auth/session", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/auth/session on the profiling listener = %d, want 404", res.StatusCode)
	}
	if res, _ := do(t, newRequest(t, http.MethodGet, on.base+"/debug/pprof/", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the main listener = %d, want 404", res.StatusCode)
	}
}

// TestPprofLoopbackOnly checks that --pprof-addr refuses an address that
// is not a loopback IP address, before anything starts.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.0.2.1:6060", "localhost:6060", "example.com:6060", "6060"} {
		err := run(context.Background(), []string{"--pprof-addr", addr}, envOf(map[string]string{"NEXTAUTH_SECRET": "s"}), strings.NewReader(""), &lockedBuffer{}, &lockedBuffer{})
		if err == nil || !strings.Contains(err.Error(), "--pprof-addr") {
			t.Errorf("--pprof-addr %s: %v, want a refusal", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "127.0.0.2:0"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%q) = %v, want nil", addr, err)
		}
	}
}
