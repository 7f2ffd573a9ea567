// Package soak holds the load, soak and fault tests of the nextauth binary
// (TestSoak, TestFaults*). They build cmd/nextauth, start two instances of
// it on loopback ports sharing one database and one secret, and drive them
// over HTTP with many concurrent clients the way a browser with
// next-auth/react does, each client checking that it always sees its own
// user. There is no non-test code: see soak_test.go and faults_test.go,
// and bench/soak.sh to run them.
//
// They run only when asked: with SOAK=1 or tests selected with -run
// (bench/soak.sh does both), so that a plain go test ./... stays short.
package soak
