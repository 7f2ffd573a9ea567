package ratestoretest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nextauth-go/nextauth"
)

// testLockout: MaxFailures attempts go ahead, then the account is locked
// for Duration; the failure history outlives the lock, so the first
// failure after it locks again at once, for twice as long. Refused
// attempts change nothing. Every answer is checked against what the
// record can be given when the calls ran (see [record.attempt]).
func testLockout(e *env) {
	r := e.newRecord(nextauth.Lockout{MaxFailures: 3, Duration: tick, MaxDuration: long})
	r.attemptN("the first 3 failures", 3)
	r.attemptN("right after the third failure (locked for 1 tick)", 2)
	r.awaitAllowed("waiting for the first lock to end")
	r.attempt("right after the first failure after the lock (locked again, 2 ticks: the history is kept)")
	e.clock.Sleep(tick + tick/2)
	r.attempt("1.5 ticks after the fourth failure (the lock doubled to 2 ticks)")
	r.awaitAllowed("waiting for the doubled lock to end")
	r.attempt("right after the fifth failure (locked for 4 ticks)")
}

// testLockoutCap: the lock doubles up to MaxDuration and no further.
func testLockoutCap(e *env) {
	r := e.newRecord(nextauth.Lockout{MaxFailures: 1, Duration: 3 * tick / 2, MaxDuration: 2 * tick})
	r.attempt("the first failure (locked for 1.5 ticks)")
	r.awaitAllowed("waiting for the first lock to end")
	// 3 ticks were there no cap: the lock ends after 2.
	r.attempt("right after the second failure (locked for 2 ticks, the max duration)")
	r.awaitAllowed("waiting for the capped lock to end")
}

// testLockoutForgotten: a record is forgotten MaxDuration after its last
// counted failure, not its first, and not when its lock ends.
func testLockoutForgotten(e *env) {
	r := e.newRecord(nextauth.Lockout{MaxFailures: 2, Duration: tick, MaxDuration: 4 * tick})
	r.attempt("the first failure")
	e.clock.Sleep(2 * tick)
	r.attempt("the second failure, 2 ticks after the first (locked for 1 tick)")
	r.attempt("right after the second failure")
	e.clock.Sleep(3 * tick)
	r.attempt("3 ticks after the second failure, 5 after the first (remembered: locked for 2 ticks)")
	r.attempt("right after the third failure")
	e.clock.Sleep(4*tick + poll)
	r.attempt("max duration after the last failure (forgotten)")
	r.attempt("the second failure after the record was forgotten (locked for 1 tick)")
	r.attempt("right after it")
}

// testLockoutReset: Reset forgets one record, failures and lock; resetting
// an unknown key is no error.
func testLockoutReset(e *env) {
	a := e.newRecord(twoFailures)
	b := e.newRecord(twoFailures)
	a.attemptN("locking a", 3)
	b.attempt("one failure on b")
	a.reset()
	a.attemptN("a after Reset (2 failures to the lock again)", 3)
	b.attemptN("b after a's Reset (one more failure to the lock)", 2)
	e.reset(e.s, e.key("unknown"))
	a.reset()
	a.reset()
	a.attemptN("a after Reset twice", 3)
}

// testLockoutArguments: Attempt refuses arguments outside its contract
// with an error; a max of 1 failure locks at the first.
func testLockoutArguments(e *env) {
	for _, lo := range []nextauth.Lockout{
		{MaxFailures: 0, Duration: long, MaxDuration: long},
		{MaxFailures: -1, Duration: long, MaxDuration: long},
		{MaxFailures: 1, Duration: 0, MaxDuration: long},
		{MaxFailures: 1, Duration: long, MaxDuration: -time.Second},
	} {
		if _, err := e.s.Attempt(e.ctx, e.key("bad"), lo.MaxFailures, lo.Duration, lo.MaxDuration); err == nil {
			e.t.Errorf("Attempt(%d, %v, %v) error = nil, want one", lo.MaxFailures, lo.Duration, lo.MaxDuration)
		}
	}
	one := nextauth.Lockout{MaxFailures: 1, Duration: long, MaxDuration: long}
	if n := e.attemptN(e.s, e.key("one"), one, 3); n != 1 {
		e.t.Errorf("3 Attempts with a max of 1 failure: %d went ahead, want 1", n)
	}
}

// Rounds and goroutines of the concurrency subtests.
const (
	concurrentRounds      = 4
	concurrentRacers      = 16
	concurrentLimit       = 10
	concurrentMaxFailures = 5
)

// race runs f(i) in n goroutines released together.
func race(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// concurrentTake has 16 goroutines take once each from a new bucket of 10,
// goroutine i through stores[i%len(stores)], and reports how many were
// allowed; an error fails the subtest.
func (e *env) concurrentTake(stores ...nextauth.RateStore) int {
	e.t.Helper()
	key := e.key("bucket")
	var (
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	race(concurrentRacers, func(i int) {
		ok, err := stores[i%len(stores)].Take(e.ctx, key, concurrentLimit, long)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			allowed++
		}
	})
	if err := errors.Join(errs...); err != nil {
		e.t.Fatalf("concurrent Take error = %v", err)
	}
	return allowed
}

// testConcurrentTake: of 16 concurrent Takes from a bucket of 10, exactly
// 10 are allowed.
func testConcurrentTake(e *env) {
	for round := range concurrentRounds {
		if n := e.concurrentTake(e.s); n != concurrentLimit {
			e.t.Errorf("round %d: %d concurrent Takes from a bucket of %d allowed %d, want %d",
				round, concurrentRacers, concurrentLimit, n, concurrentLimit)
		}
	}
}

// concurrentAttempt has 16 goroutines attempt once each on a new record
// of 5 failures, goroutine i through stores[i%len(stores)], and checks that
// exactly 5 went ahead (the decision and the count are one step) and that
// the account is locked afterwards.
func (e *env) concurrentAttempt(round int, stores ...nextauth.RateStore) {
	e.t.Helper()
	key := e.key("record")
	lo := nextauth.Lockout{MaxFailures: concurrentMaxFailures, Duration: long, MaxDuration: long}
	var (
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	race(concurrentRacers, func(i int) {
		ok, err := stores[i%len(stores)].Attempt(e.ctx, key, lo.MaxFailures, lo.Duration, lo.MaxDuration)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			allowed++
		}
	})
	if err := errors.Join(errs...); err != nil {
		e.t.Fatalf("concurrent Attempt error = %v", err)
	}
	if allowed != concurrentMaxFailures {
		e.t.Errorf("round %d: %d concurrent Attempts on a record of %d failures: %d went ahead, want %d (the decision and the count must be one step)",
			round, concurrentRacers, concurrentMaxFailures, allowed, concurrentMaxFailures)
	}
	if e.attempt(stores[len(stores)-1], key, lo) {
		e.t.Errorf("round %d: Attempt after %d concurrent ones = true, want false (locked)", round, concurrentRacers)
	}
}

// testConcurrentAttempt: concurrent attempts cannot all go ahead while
// none has been counted.
func testConcurrentAttempt(e *env) {
	for round := range concurrentRounds {
		e.concurrentAttempt(round, e.s)
	}
}

// testSharedBackend: two instances over one backend see one bucket and
// one lockout record per key, also when called concurrently.
func testSharedBackend(e *env) {
	if e.newPeer == nil {
		e.t.Skip("no Options.NewPeer: not checking two instances over one backend")
	}
	p := e.newPeer(e.t)
	if p == nil {
		e.t.Fatal("NewPeer returned nil")
	}

	key := e.key("bucket")
	if n := e.takeN(e.s, key, 3, long, 2); n != 2 {
		e.t.Errorf("first instance: %d of 2 Takes from a new bucket of 3 allowed, want 2", n)
	}
	if !e.take(p, key, 3, long) {
		e.t.Error("second instance: Take of the third token = false, want true")
	}
	if e.take(p, key, 3, long) {
		e.t.Error("second instance: Take from the bucket the first emptied with it = true, want false")
	}
	if e.take(e.s, key, 3, long) {
		e.t.Error("first instance: Take after the second took the last token = true, want false")
	}

	lo := nextauth.Lockout{MaxFailures: 3, Duration: long, MaxDuration: long}
	rec := e.key("record")
	for i, s := range []nextauth.RateStore{e.s, p, e.s} {
		if !e.attempt(s, rec, lo) {
			e.t.Errorf("Attempt #%d (alternating instances) = false, want true", i+1)
		}
	}
	if e.attempt(p, rec, lo) {
		e.t.Error("second instance: Attempt after 3 failures through both = true, want false (locked)")
	}
	e.reset(p, rec)
	if !e.attempt(e.s, rec, lo) {
		e.t.Error("first instance: Attempt after the second's Reset = false, want true")
	}

	for round := range concurrentRounds {
		if n := e.concurrentTake(e.s, p); n != concurrentLimit {
			e.t.Errorf("round %d: %d concurrent Takes through two instances from a bucket of %d allowed %d, want %d",
				round, concurrentRacers, concurrentLimit, n, concurrentLimit)
		}
		e.concurrentAttempt(round, e.s, p)
	}
}

// testCanceledContext: with a canceled context a call either ignores ctx
// or fails with an error wrapping context.Canceled and no effect.
func testCanceledContext(e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	ignored := false
	check := func(call string, err error) bool {
		e.t.Helper()
		if err == nil {
			ignored = true
			return false
		}
		if !errors.Is(err, context.Canceled) {
			e.t.Errorf("%s with a canceled context error = %v, want one wrapping context.Canceled", call, err)
		}
		return true
	}

	bucket := e.key("bucket")
	if _, err := e.s.Take(ctx, bucket, 1, long); check("Take", err) && !e.take(e.s, bucket, 1, long) {
		e.t.Error("Take from a bucket of 1 after a canceled Take = false, want true (the failed call took the token)")
	}
	one := nextauth.Lockout{MaxFailures: 1, Duration: long, MaxDuration: long}
	rec := e.key("record")
	if _, err := e.s.Attempt(ctx, rec, one.MaxFailures, one.Duration, one.MaxDuration); check("Attempt", err) && !e.attempt(e.s, rec, one) {
		e.t.Error("Attempt with a max of 1 failure after a canceled Attempt = false, want true (the failed call counted)")
	}
	locked := e.key("locked")
	e.attempt(e.s, locked, one)
	if err := e.s.Reset(ctx, locked); check("Reset", err) && e.attempt(e.s, locked, one) {
		e.t.Error("Attempt on a locked record after a canceled Reset = true, want false (the failed call reset it)")
	}
	if ignored {
		e.t.Log("the store ignores a canceled context in some calls (acceptable for an in-memory store)")
	}
}
