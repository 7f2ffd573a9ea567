package main

import (
	"errors"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// bcryptCost measures what one password check costs our server: the CPU
// time (user + system, this process) of bcrypt.CompareHashAndPassword,
// the call the credentials provider makes, over n comparisons of
// password with hash after one untimed comparison. It prints the
// microseconds per comparison, which bench/run.sh sets beside the server's
// CPU time per sign-in to give the share of a sign-in spent in bcrypt.
func bcryptCost(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: bcrypt HASH PASSWORD N")
	}
	hash, password := []byte(args[0]), []byte(args[1])
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 1 {
		return fmt.Errorf("N %q: want a whole number ≥ 1", args[2])
	}
	if err := bcrypt.CompareHashAndPassword(hash, password); err != nil {
		return fmt.Errorf("the password does not match the hash: %w", err)
	}
	before, err := cpuTime()
	if err != nil {
		return err
	}
	for range n {
		if err := bcrypt.CompareHashAndPassword(hash, password); err != nil {
			return err
		}
	}
	after, err := cpuTime()
	if err != nil {
		return err
	}
	fmt.Printf("%.1f\n", float64(after-before)/float64(time.Microsecond)/float64(n))
	return nil
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() (time.Duration, error) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), nil
}
