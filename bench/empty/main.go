// Command empty is the ceiling of bench/run.sh: a net/http server whose
// handler does nothing (200, empty body), measured with the same wrk
// settings as the auth servers, so their figures can be read as a fraction
// of what this machine's Go HTTP stack and load generator can do at all.
//
//	empty -addr 127.0.0.1:3999
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3999", "listen address")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	log.Fatal(srv.ListenAndServe())
}
