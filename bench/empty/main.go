// Command empty is the ceiling of bench/run.sh: a net/http server whose
// handler does nothing (200, empty body), measured with the same wrk
// settings as the auth servers, so their figures can be read as a fraction
// of what this machine's Go HTTP stack and load generator can do at all.
//
//	empty -addr 127.0.0.1:3999
//
// bench/profile.sh also runs it as controls between that ceiling and our
// server: with -timeouts, the server limits of cmd/nextauth (deadlines set
// on every request); with -replay FILE as well, answering every request
// with the status-200 headers and body of a response that `curl -si` saved
// (Date and Content-Length left to net/http), so that it writes what our
// server writes, and does nothing else; with -work as well, doing on top of
// that replay only the work a NextAuth-compatible answer cannot skip (see
// floor.go): the floor of that route for any server built on net/http with
// our token codec.
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
	work := flag.String("work", "", "with -replay, also do the unavoidable `work` of a route: session_jwt or csrf (secret from NEXTAUTH_SECRET)")
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
	if *work != "" && *replay == "" {
		log.Fatal("-work needs -replay")
	}
	if *replay != "" {
		a, err := readAnswer(*replay)
		if err != nil {
			log.Fatal(err)
		}
		srv.Handler = a.replay()
		if *work != "" {
			if srv.Handler, err = a.floor(*work, os.Getenv("NEXTAUTH_SECRET")); err != nil {
				log.Fatal(err)
			}
		}
	}
	log.Fatal(srv.ListenAndServe())
}

// answer is a response saved by `curl -si`: its headers (without Date and
// Content-Length, which net/http writes) and its body.
type answer struct {
	hdr  http.Header
	body string
}

func readAnswer(file string) (*answer, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	head, body, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	lines := strings.Split(head, "\n")
	a := &answer{hdr: http.Header{}, body: body}
	for _, l := range lines[1:] { // after the status line
		k, v, _ := strings.Cut(l, ": ")
		if k != "Date" && k != "Content-Length" {
			a.hdr[k] = append(a.hdr[k], v)
		}
	}
	return a, nil
}

// replay answers with the saved headers and body, assigned straight into
// the header map: the least a handler can do to send them.
func (a *answer) replay() http.Handler {
	b := []byte(a.body)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range a.hdr {
			h[k] = v
		}
		_, _ = w.Write(b)
	})
}
