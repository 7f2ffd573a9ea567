// Command hydra is Ory Hydra (github.com/ory/hydra/v2, the version pinned
// in this folder's go.mod and go.sum), built for the tests as a second
// OpenID Provider from another code base than authtest's zitadel one
// (authtest.NewHydra starts it). It is its own module so that Hydra's
// dependencies stay out of the project's go.mod.
//
// Build it with SQLite, which DSN=memory needs (cgo):
//
//	cd authtest/hydra && go build -tags sqlite -o "$(go env GOCACHE)/../nextauth-test/hydra" .
//
// scripts/test.sh (stage setup) builds it into the cache directory
// authtest.HydraBinary names and exports NEXTAUTH_TEST_HYDRA.
//
// The one change to Hydra's own command: every outgoing HTTP request that
// goes through http.DefaultTransport may only reach loopback addresses.
// Hydra queues an anonymous usage report at start even with
// --sqa-opt-out; here it, and anything else bound off the machine, fails
// before any name is resolved.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ory/hydra/v2/cmd"
)

func main() {
	http.DefaultTransport = loopbackOnly()
	cmd.Execute()
}

// loopbackOnly is http.DefaultTransport without proxies, dialling only
// 127.0.0.0/8, ::1 and localhost.
func loopbackOnly() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 5 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("hydra (nextauth tests): %s is not a loopback address", host)
		}
		return d.DialContext(ctx, network, addr)
	}
	return t
}
