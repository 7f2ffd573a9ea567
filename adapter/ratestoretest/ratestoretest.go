// Package ratestoretest is the conformance suite for [nextauth.RateStore]
// implementations. Every store's tests call [Run]:
//
//	func TestRateStore(t *testing.T) {
//		ratestoretest.Run(t, func(t *testing.T) nextauth.RateStore { return redis.NewRateStore(client, prefix) },
//			ratestoretest.Options{NewPeer: func(t *testing.T) nextauth.RateStore { return redis.NewRateStore(other, prefix) }})
//	}
//
// The suite checks the contract documented on [nextauth.RateStore]: a
// bucket allows exactly its limit at once, then refills continuously,
// never beyond the limit; a lockout record allows MaxFailures attempts,
// then refuses for a lock that doubles with each failure after it, at
// most MaxDuration, keeps its failures MaxDuration after the last one
// (not just until the lock ends), and writes nothing when it refuses;
// Reset forgets a record; concurrent calls lose no update and a record
// decides and counts in one step (of many concurrent attempts exactly
// MaxFailures go ahead); and, given [Options.NewPeer], two instances over
// one backend share their state, as a fleet of servers must.
//
// # Time
//
// A store on a server (Redis, PostgreSQL) reads the server's clock, so the
// suite lets real time pass: its buckets refill one token per 100 ms and
// its locks last a few 100 ms, and the Refill and Lockout… subtests take
// about 3 s together. A store whose clock the test controls passes a
// [FakeClock] in [Options.Clock] and takes no time.
//
// No check depends on how fast the machine is. The suite notes when each
// call began and when it returned, so it knows the store handled the call
// somewhere in between, and it asserts only what follows from that: a
// Take must be refused when, however the calls were timed within their
// intervals, the bucket cannot hold a token (and allowed when it must), and
// an attempt must be refused when the lock cannot have ended (and allowed
// when it must have). A slow call widens the interval, which leaves fewer
// outcomes certain, never a wrong one; on a [FakeClock] the intervals are
// instants and every outcome is checked exactly. Where the suite waits for
// something (a token back, a lock ended), it polls for it, failing when it
// did not come by the time it had to.
//
// # Decisions the contract leaves to the suite
//
//   - Take with a limit of 0 refuses.
//   - Buckets with the same key but another limit or window are separate
//     buckets, as in the in-memory default (internal/ratelimit.Store): taking from one leaves
//     the other full.
//   - Take and Attempt keep separate state: a key's bucket and its lockout
//     record do not affect each other, and Reset leaves the bucket alone.
//   - Keys are compared byte for byte, whatever they contain (":", "%",
//     spaces, non-ASCII text, NUL, bytes that are not UTF-8, 1 KB).
//   - Attempt with fewer than 1 failure or a duration that is not positive
//     is an error.
//   - A call with a canceled context that returns an error must wrap
//     [context.Canceled] and have had no effect; in-memory stores may
//     ignore ctx (the subtest logs it).
package ratestoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Clock is the time the store under test reads, as the suite sees it: the
// suite notes when its calls begin and end with Now and lets time pass with
// Sleep.
type Clock interface {
	Now() time.Time
	Sleep(d time.Duration)
}

// RealClock returns the system clock, the right one for a store that reads
// a server's clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time        { return time.Now() }
func (realClock) Sleep(d time.Duration) { time.Sleep(d) }

// FakeClock is a [Clock] that moves only when Sleep is called, at once.
// Give its Now method to the store under test (e.g.
// ratelimit.NewStore(clock.Now)). It is safe for concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a [FakeClock] reading start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock d forward and returns at once.
func (c *FakeClock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Options configures [Run]. The zero value suits a store on a server
// tested alone.
type Options struct {
	// Clock is the time the store reads. Nil means [RealClock].
	Clock Clock
	// NewPeer, if set, returns another instance over the same backend as
	// the stores newStore returns (its own client or connection pool, as
	// a second server of a fleet would have); the SharedBackend subtest
	// checks that the two enforce one limit. Nil skips that subtest.
	NewPeer func(t *testing.T) nextauth.RateStore
}

// subtestTimeout bounds each subtest's context, so a store that honours
// ctx fails a deadlocked call instead of hanging the test binary.
const subtestTimeout = 60 * time.Second

// Run checks a store against the [nextauth.RateStore] contract, one
// subtest per behaviour. newStore is called once per subtest and may
// return stores over one shared backend: the suite never assumes an empty
// store, and every key it uses is unique (the subtest name plus a random
// suffix). Subtests run one after another, never in parallel. Subtest
// names are stable, so a store with a documented limitation may t.Skip one
// by name inside newStore.
func Run(t *testing.T, newStore func(t *testing.T) nextauth.RateStore, opts Options) {
	t.Helper()
	clock := opts.Clock
	if clock == nil {
		clock = RealClock()
	}
	for _, tc := range subtests() {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
			defer cancel()
			tc.run(&env{t: t, s: s, ctx: ctx, clock: clock, newPeer: opts.NewPeer})
		})
	}
}

// subtest is one behaviour Run checks.
type subtest struct {
	name string
	run  func(e *env)
}

// subtests lists what Run goes through, in order.
func subtests() []subtest {
	return []subtest{
		{"Burst", testBurst},
		{"Refill", testRefill},
		{"Keys", testKeys},
		{"Limits", testLimits},
		{"TakeAndAttempt", testTakeAndAttempt},
		{"Lockout", testLockout},
		{"LockoutCap", testLockoutCap},
		{"LockoutForgotten", testLockoutForgotten},
		{"LockoutReset", testLockoutReset},
		{"LockoutArguments", testLockoutArguments},
		{"ConcurrentTake", testConcurrentTake},
		{"ConcurrentAttempt", testConcurrentAttempt},
		{"SharedBackend", testSharedBackend},
		{"CanceledContext", testCanceledContext},
	}
}

// env is what one subtest works with.
type env struct {
	t       *testing.T
	s       nextauth.RateStore
	ctx     context.Context
	clock   Clock
	newPeer func(t *testing.T) nextauth.RateStore
}

// key returns a key unique to this subtest and call: label, a short form
// of the subtest name, and 16 random hex digits.
func (e *env) key(label string) string {
	name := e.t.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "ratestoretest:" + name + ":" + label + ":" + hex.EncodeToString(b)
}

// take calls s.Take and fails the subtest on an error.
func (e *env) take(s nextauth.RateStore, key string, limit int, window time.Duration) bool {
	e.t.Helper()
	ok, err := s.Take(e.ctx, key, limit, window)
	if err != nil {
		e.t.Fatalf("Take(%q, %d, %v) error = %v", key, limit, window, err)
	}
	return ok
}

// attempt calls s.Attempt with lo and fails the subtest on an error.
func (e *env) attempt(s nextauth.RateStore, key string, lo nextauth.Lockout) bool {
	e.t.Helper()
	ok, err := s.Attempt(e.ctx, key, lo.MaxFailures, lo.Duration, lo.MaxDuration)
	if err != nil {
		e.t.Fatalf("Attempt(%q, %d, %v, %v) error = %v", key, lo.MaxFailures, lo.Duration, lo.MaxDuration, err)
	}
	return ok
}

// reset calls s.Reset and fails the subtest on an error.
func (e *env) reset(s nextauth.RateStore, key string) {
	e.t.Helper()
	if err := s.Reset(e.ctx, key); err != nil {
		e.t.Fatalf("Reset(%q) error = %v", key, err)
	}
}

// attemptN attempts n times on one record and returns how many went ahead.
func (e *env) attemptN(s nextauth.RateStore, key string, lo nextauth.Lockout, n int) int {
	e.t.Helper()
	allowed := 0
	for range n {
		if e.attempt(s, key, lo) {
			allowed++
		}
	}
	return allowed
}

// takeN takes n times from one bucket and returns how many were allowed.
func (e *env) takeN(s nextauth.RateStore, key string, limit int, window time.Duration, n int) int {
	e.t.Helper()
	allowed := 0
	for range n {
		if e.take(s, key, limit, window) {
			allowed++
		}
	}
	return allowed
}
