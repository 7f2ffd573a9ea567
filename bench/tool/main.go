// Command tool is the helper of bench/run.sh: the steps that are easier to
// get right in Go than in shell.
//
//	tool freeport N                      print N free TCP ports on 127.0.0.1
//	tool db-url ADMIN_URL NAME           print ADMIN_URL with its database replaced by NAME
//	tool db-create ADMIN_URL NAME...     drop (if present) and create each database
//	tool db-drop ADMIN_URL NAME...       drop each database if present (PostgreSQL: forcing connections off)
//	tool db-version ADMIN_URL            print the server's version
//	                                     (ADMIN_URL: postgres://… or mysql://…, a user that may create databases)
//	tool schema DB_URL FILE.sql          run a schema file (another adapter's tables) in the database
//	tool seed DB_URL TOTAL EMAIL [LAYOUT]
//	                                     add sessions of the user with EMAIL until the sessions
//	                                     table holds TOTAL rows (sqlite://FILE, postgres://… or
//	                                     mysql://…); with LAYOUT, through the server's adapter for it
//	tool tokens DB_URL N OUTFILE         write up to N stored session tokens, picked at random
//	tool jwt-cookies COOKIE N OUTFILE    write N distinct JWT session tokens with the claims of
//	                                     the session cookie COOKIE (secret: NEXTAUTH_SECRET)
//	tool oidc-op -addr A -client-id I -client-secret S -redirect URI -user SUB,EMAIL,NAME
//	                                     serve the tests' OpenID Provider until SIGTERM
//	tool oauth2-proxy-login -proxy URL -user NAME
//	                                     sign in on oauth2-proxy through that provider and
//	                                     print its session cookie
//	tool bcrypt HASH PASSWORD N         print the CPU µs of one bcrypt comparison (mean of N)
//	tool startup -bin B -config C -dir D -n N
//	                                     time from process start to the first 200 of GET /healthz
//	tool report -dir D -out FILE [-svg FILE.svg]
//	                                     write RESULTS.md (and the chart) from the run directory D
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tool freeport|db-url|db-create|db-drop|db-version|schema|seed|tokens|jwt-cookies|oidc-op|oauth2-proxy-login|bcrypt|startup|report ...")
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "freeport":
		err = freeport(args)
	case "db-url":
		err = dbURLCmd(args)
	case "db-create":
		err = dbCreate(args)
	case "db-drop":
		err = dbDrop(args)
	case "db-version":
		err = dbVersion(args)
	case "schema":
		err = schema(args)
	case "seed":
		err = seed(args)
	case "tokens":
		err = tokens(args)
	case "jwt-cookies":
		err = jwtCookies(args)
	case "oidc-op":
		err = oidcOP(args)
	case "oauth2-proxy-login":
		err = oauth2ProxyLogin(args)
	case "bcrypt":
		err = bcryptCost(args)
	case "startup":
		err = startup(args)
	case "report":
		err = report(args)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench tool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
