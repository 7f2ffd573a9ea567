package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// startupResult is what startup prints: milliseconds from starting the
// process to its first 200 on GET /healthz, per trial.
type startupResult struct {
	Trials int `json:"trials"`
	// FreshMS: the SQLite file does not exist (created and migrated at start).
	FreshMS []float64 `json:"fresh_ms"`
	// ExistingMS: the file exists, schema up to date.
	ExistingMS []float64 `json:"existing_ms"`
}

// startup times the binary on the embedded default store, SQLite: it
// starts it (database sessions in DIR/startup.db), polls /healthz every
// 0.5 ms from the moment before exec, and stops it with SIGTERM. One
// untimed start first loads the binary into the page cache.
func startup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	bin := fs.String("bin", "", "the nextauth binary")
	cfg := fs.String("config", "", "its YAML config")
	dir := fs.String("dir", "", "folder for the SQLite file")
	n := fs.Int("n", 10, "trials of each kind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *cfg == "" || *dir == "" || *n < 1 {
		return errors.New("usage: startup -bin B -config C -dir D [-n N]")
	}
	db := filepath.Join(*dir, "startup.db")
	removeDB := func() {
		for _, s := range []string{"", "-wal", "-shm", "-journal", ".secret"} {
			os.Remove(db + s)
		}
	}
	defer removeDB()
	res := startupResult{Trials: *n}
	removeDB()
	if _, err := startOnce(*bin, *cfg, db); err != nil { // warm-up, untimed
		return err
	}
	for range *n {
		removeDB()
		ms, err := startOnce(*bin, *cfg, db)
		if err != nil {
			return err
		}
		res.FreshMS = append(res.FreshMS, ms)
	}
	for range *n {
		ms, err := startOnce(*bin, *cfg, db)
		if err != nil {
			return err
		}
		res.ExistingMS = append(res.ExistingMS, ms)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// startOnce starts the server on a free port and returns the milliseconds
// until /healthz answered 200.
func startOnce(bin, cfg, db string) (float64, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--config", cfg, "--addr", addr)
	cmd.Env = append(os.Environ(),
		"NEXTAUTH_URL=http://"+addr+"/api/auth",
		"BENCH_DATABASE=sqlite://"+db,
		"BENCH_SESSION_STRATEGY=database",
	)
	var stderr cappedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	url := "http://" + addr + "/healthz"
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	deadline := start.Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ms := float64(time.Since(start).Microseconds()) / 1000
				stop()
				return ms, nil
			}
		}
		select {
		case err := <-exited:
			return 0, fmt.Errorf("%s exited before answering (%v): %s", bin, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return 0, fmt.Errorf("%s did not answer %s within 30 s: %s", bin, url, stderr.String())
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// cappedBuffer keeps the first 4 kB written to it.
type cappedBuffer struct{ b []byte }

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *cappedBuffer) String() string { return strconv.Quote(string(c.b)) }
