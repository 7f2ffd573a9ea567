package ratestoretest

import (
	"context"
	"errors"
	"sync"

	"github.com/nextauth-go/nextauth"
)

// testIncr: a counter counts from 1, one per key, and Count reads it
// without changing it.
func testIncr(e *env) {
	a, b := e.key("a"), e.key("b")
	if n := e.count(e.s, a); n != 0 {
		e.t.Errorf("Count of a new key = %d, want 0", n)
	}
	for want := int64(1); want <= 3; want++ {
		if n := e.incr(e.s, a, long); n != want {
			e.t.Errorf("Incr #%d = %d, want %d", want, n, want)
		}
	}
	for range 2 {
		if n := e.count(e.s, a); n != 3 {
			e.t.Errorf("Count after 3 Incr = %d, want 3", n)
		}
	}
	if n := e.incr(e.s, b, long); n != 1 {
		e.t.Errorf("Incr of another key = %d, want 1", n)
	}
	if n := e.incr(e.s, a, long); n != 4 {
		e.t.Errorf("Incr #4 = %d, want 4", n)
	}
	if n := e.count(e.s, b); n != 1 {
		e.t.Errorf("Count of the other key = %d, want 1", n)
	}
}

// testIncrExpires: a counter is forgotten ttl after its last increment,
// not its first; Count sees it until then and 0 after. Every count is
// checked against what the counter can be given when the calls ran (see
// [counter.check]).
func testIncrExpires(e *env) {
	ttl := 3 * tick
	step := ttl * 6 / 10
	other := e.newCounter("other", long)
	other.incr("a counter with ttl 1h")
	c := e.newCounter("counter", ttl)
	c.incr("first increment")
	e.clock.Sleep(step)
	c.incr("increment 0.6 ttl after the first")
	e.clock.Sleep(step)
	c.incr("increment 0.6 ttl after the second, 1.2 ttl after the first")
	c.count("right after the third increment")
	c.awaitForgotten("waiting for the counter to be forgotten")
	c.incr("increment after the counter was forgotten")
	other.incr("a counter with ttl 1h, again")
}

// testReset: Reset forgets one counter; resetting an unknown key is no
// error.
func testReset(e *env) {
	a, b := e.key("a"), e.key("b")
	for range 3 {
		e.incr(e.s, a, long)
	}
	e.incr(e.s, b, long)
	e.reset(e.s, a)
	if n := e.count(e.s, a); n != 0 {
		e.t.Errorf("Count after Reset = %d, want 0", n)
	}
	if n := e.count(e.s, b); n != 1 {
		e.t.Errorf("Count of another key after Reset = %d, want 1", n)
	}
	if n := e.incr(e.s, a, long); n != 1 {
		e.t.Errorf("Incr after Reset = %d, want 1", n)
	}
	if n := e.incr(e.s, b, long); n != 2 {
		e.t.Errorf("Incr of another key after Reset = %d, want 2", n)
	}
	e.reset(e.s, e.key("unknown"))
	e.reset(e.s, a)
	e.reset(e.s, a)
	if n := e.incr(e.s, a, long); n != 1 {
		e.t.Errorf("Incr after Reset twice = %d, want 1", n)
	}
}

// Rounds and goroutines of the concurrency subtests.
const (
	concurrentRounds   = 4
	concurrentRacers   = 16
	concurrentLimit    = 10
	concurrentIncrEach = 4
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

// concurrentIncr has 16 goroutines increment one counter 4 times each,
// goroutine i through stores[i%len(stores)], and checks that the counts
// returned are 1 to 64, each once.
func (e *env) concurrentIncr(stores ...nextauth.RateStore) {
	e.t.Helper()
	key := e.key("counter")
	const total = concurrentRacers * concurrentIncrEach
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		errs []error
	)
	race(concurrentRacers, func(i int) {
		for range concurrentIncrEach {
			n, err := stores[i%len(stores)].Incr(e.ctx, key, long)
			mu.Lock()
			if err != nil {
				errs = append(errs, err)
			} else {
				seen[n]++
			}
			mu.Unlock()
		}
	})
	if err := errors.Join(errs...); err != nil {
		e.t.Fatalf("concurrent Incr error = %v", err)
	}
	for n := int64(1); n <= total; n++ {
		if seen[n] != 1 {
			e.t.Errorf("%d concurrent Incr calls returned %d %d times, want once (each of 1 to %d once)", total, n, seen[n], total)
		}
	}
	if n := e.count(stores[len(stores)-1], key); n != total {
		e.t.Errorf("Count after %d concurrent Incr = %d, want %d", total, n, total)
	}
	if n := e.incr(stores[0], key, long); n != total+1 {
		e.t.Errorf("Incr after %d concurrent ones = %d, want %d", total, n, total+1)
	}
}

// testConcurrentIncr: concurrent increments lose no update.
func testConcurrentIncr(e *env) {
	for range concurrentRounds {
		e.concurrentIncr(e.s)
	}
}

// testSharedBackend: two instances over one backend see one bucket and
// one counter per key, also when called concurrently.
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

	counter := e.key("counter")
	for i, s := range []nextauth.RateStore{e.s, p, e.s} {
		if n := e.incr(s, counter, long); n != int64(i+1) {
			e.t.Errorf("Incr #%d (alternating instances) = %d, want %d", i+1, n, i+1)
		}
	}
	if n := e.count(p, counter); n != 3 {
		e.t.Errorf("second instance: Count after 3 Incr through both = %d, want 3", n)
	}
	e.reset(p, counter)
	if n := e.count(e.s, counter); n != 0 {
		e.t.Errorf("first instance: Count after the second's Reset = %d, want 0", n)
	}
	if n := e.incr(e.s, counter, long); n != 1 {
		e.t.Errorf("first instance: Incr after the second's Reset = %d, want 1", n)
	}

	for round := range concurrentRounds {
		if n := e.concurrentTake(e.s, p); n != concurrentLimit {
			e.t.Errorf("round %d: %d concurrent Takes through two instances from a bucket of %d allowed %d, want %d",
				round, concurrentRacers, concurrentLimit, n, concurrentLimit)
		}
	}
	e.concurrentIncr(e.s, p)
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
	counter := e.key("counter")
	if _, err := e.s.Incr(ctx, counter, long); check("Incr", err) {
		if n := e.incr(e.s, counter, long); n != 1 {
			e.t.Errorf("Incr after a canceled Incr = %d, want 1 (the failed call counted)", n)
		}
	}
	if _, err := e.s.Count(ctx, counter); err != nil && !errors.Is(err, context.Canceled) {
		e.t.Errorf("Count with a canceled context error = %v, want one wrapping context.Canceled", err)
	}
	kept := e.key("kept")
	e.incr(e.s, kept, long)
	if err := e.s.Reset(ctx, kept); check("Reset", err) {
		if n := e.incr(e.s, kept, long); n != 2 {
			e.t.Errorf("Incr after a canceled Reset = %d, want 2 (the failed call reset the counter)", n)
		}
	}
	if ignored {
		e.t.Log("the store ignores a canceled context in some calls (acceptable for an in-memory store)")
	}
}
