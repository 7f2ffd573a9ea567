// Command empty is the ceiling of bench/run.sh: a net/http server whose
// handler does nothing (200, empty body), measured with the same wrk
// settings as the auth servers, so their figures can be read as a fraction
// of what this machine's Go HTTP stack and load generator can do at all.
//
//	empty -addr 127.0.0.1:3999
//
// bench/profile.sh also runs it as two controls between that ceiling and
// our server: with -timeouts, the server limits of cmd/nextauth (deadlines
// set on every request); with -replay FILE as well, answering every
// request with the status-200 headers and body of a response that
// `curl -si` saved (Date and Content-Length left to net/http), so that it
// writes what our server writes, and does nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3999", "listen address")
	timeouts := flag.Bool("timeouts", false, "set cmd/nextauth's server limits (timeouts, header size)")
	replay := flag.String("replay", "", "answer with the headers and body of this `file` (curl -si output)")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	if *timeouts {
		// The values of cmd/nextauth/main.go.
		srv.ReadHeaderTimeout = 10 * time.Second
		srv.ReadTimeout = 30 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = 120 * time.Second
		srv.MaxHeaderBytes = 64 << 10
	}
	if *replay != "" {
		h, err := replayHandler(*replay)
		if err != nil {
			log.Fatal(err)
		}
		srv.Handler = h
	}
	log.Fatal(srv.ListenAndServe())
}

// replayHandler answers with the headers and body saved in file, assigned
// straight into the header map: the least a handler can do to send them.
func replayHandler(file string) (http.Handler, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	head, body, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	lines := strings.Split(head, "\n")
	hdr := http.Header{}
	for _, l := range lines[1:] { // after the status line
		k, v, _ := strings.Cut(l, ": ")
		if k != "Date" && k != "Content-Length" {
			hdr[k] = append(hdr[k], v)
		}
	}
	b := []byte(body)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range hdr {
			h[k] = v
		}
		_, _ = w.Write(b)
	}), nil
}
