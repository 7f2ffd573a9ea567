// Command tool is the helper of bench/run.sh: the steps that are easier to
// get right in Go than in shell.
//
//	tool freeport N                      print N free TCP ports on 127.0.0.1
//	tool pg-url ADMIN_URL NAME           print ADMIN_URL with its database replaced by NAME
//	tool pg-create ADMIN_URL NAME...     drop (if present) and create each database
//	tool pg-drop ADMIN_URL NAME...       drop each database if present (forcing connections off)
//	tool seed DB_URL TOTAL EMAIL         add sessions of the user with EMAIL until the
//	                                     sessions table holds TOTAL rows (sqlite://FILE or postgres://…)
//	tool tokens DB_URL N OUTFILE         write up to N stored session tokens, picked at random
//	tool startup -bin B -config C -dir D -n N
//	                                     time from process start to the first 200 of GET /healthz
//	tool report -dir D -out FILE         write RESULTS.md from the run directory D
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tool freeport|pg-url|pg-create|pg-drop|seed|tokens|startup|report ...")
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "freeport":
		err = freeport(args)
	case "pg-url":
		err = pgURLCmd(args)
	case "pg-create":
		err = pgCreate(args)
	case "pg-drop":
		err = pgDrop(args)
	case "seed":
		err = seed(args)
	case "tokens":
		err = tokens(args)
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
