package ratestoretest

import (
	"strings"
	"time"
)

// tick is how long the real-time subtests' buckets take to refill one
// token; counters there live 3 ticks.
const tick = 100 * time.Millisecond

// long is a window or ttl no subtest outlives: nothing refills or
// expires during the subtest.
const long = time.Hour

// testBurst: a new bucket allows exactly its limit, then refuses.
func testBurst(e *env) {
	for _, limit := range []int{1, 2, 5} {
		key := e.key("bucket")
		for i := range limit {
			if !e.take(e.s, key, limit, long) {
				e.t.Errorf("Take #%d from a new bucket of %d = false, want true", i+1, limit)
			}
		}
		for i := range 3 {
			if e.take(e.s, key, limit, long) {
				e.t.Errorf("Take #%d from a bucket of %d = true, want false", limit+i+1, limit)
			}
		}
	}
	if e.take(e.s, e.key("empty"), 0, long) {
		e.t.Error("Take with limit 0 = true, want false")
	}
}

// testRefill: a bucket of 4 per 4 ticks gets one token back per tick, a
// refused Take costs nothing, and a bucket fills up to its limit and no
// further. The bucket is never idle for a whole window, so a store that
// drops idle buckets (a Redis key expiring) is held to its cap too.
func testRefill(e *env) {
	const limit = 4
	window := limit * tick
	e.timed(func(tr *trial) {
		key := e.key("bucket")
		start := e.clock.Now()
		for i := range limit {
			if !e.take(e.s, key, limit, window) {
				tr.errorf("Take #%d from a new bucket of %d per %v = false, want true", i+1, limit, window)
			}
		}
		got := e.take(e.s, key, limit, window)
		if tr.within(start, tick, "emptying the bucket") && got {
			tr.errorf("Take #%d right after %d = true, want false", limit+1, limit)
		}
		e.clock.Sleep(tick * 3 / 2)
		if !e.take(e.s, key, limit, window) {
			tr.errorf("Take %v after emptying a bucket of %d per %v (1.5 tokens back) = false, want true", tick*3/2, limit, window)
		}
		got = e.take(e.s, key, limit, window)
		if tr.within(start, 2*tick, "emptying the bucket and taking a token back") && got {
			tr.errorf("second Take %v after emptying a bucket of %d per %v = true, want false (the bucket refills too fast)", tick*3/2, limit, window)
		}

		// From half a token, 3 ticks: 3.5 tokens; take one; 3 ticks more:
		// 5.5 tokens were there no limit, so exactly 4 allowed.
		e.clock.Sleep(3 * tick)
		if !e.take(e.s, key, limit, window) {
			tr.errorf("Take %v after a token was left (3.5 tokens) = false, want true", 3*tick)
		}
		e.clock.Sleep(3 * tick)
		start = e.clock.Now()
		for i := range limit {
			if !e.take(e.s, key, limit, window) {
				tr.errorf("Take #%d from a bucket refilled to its limit = false, want true", i+1)
			}
		}
		got = e.take(e.s, key, limit, window)
		if tr.within(start, tick, "emptying the refilled bucket") && got {
			tr.errorf("Take #%d from a bucket refilled to its limit = true, want false (the bucket holds more than its limit)", limit+1)
		}
	})
}

// testKeys: keys are compared byte for byte; emptying one bucket or
// counting on one key leaves every other key alone.
func testKeys(e *env) {
	base := e.key("key")
	longKey := base + "/" + strings.Repeat("k", 1024)
	keys := []string{
		base,
		base + "x",
		strings.ToUpper(base),
		base + ":2:3600000000",
		base + "%3A",
		base + " ",
		base + "\u00e9",  // é, NFC
		base + "e\u0301", // é, NFD
		base + "\x00",
		base + "\xff", // not UTF-8
		longKey + "1", // two 1 KB keys differing in their last byte
		longKey + "2",
	}
	for i, key := range keys {
		for j := range 2 {
			if !e.take(e.s, key, 2, long) {
				e.t.Errorf("keys[%d]: Take #%d = false, want true (after emptying the buckets of keys[:%d])", i, j+1, i)
			}
		}
		if e.take(e.s, key, 2, long) {
			e.t.Errorf("keys[%d]: Take #3 from a bucket of 2 = true, want false", i)
		}
		if n := e.incr(e.s, key, long); n != 1 {
			e.t.Errorf("keys[%d]: first Incr = %d, want 1 (after counting keys[:%d])", i, n, i)
		}
	}
	for i, key := range keys {
		if n := e.incr(e.s, key, long); n != 2 {
			e.t.Errorf("keys[%d]: second Incr = %d, want 2", i, n)
		}
		if n := e.count(e.s, key); n != 2 {
			e.t.Errorf("keys[%d]: Count after two Incr = %d, want 2", i, n)
		}
	}
}

// testLimits: Take with the same key but another limit or window uses
// another bucket.
func testLimits(e *env) {
	key := e.key("bucket")
	for _, b := range []struct {
		limit  int
		window time.Duration
	}{{2, long}, {3, long}, {2, 2 * long}, {1, long}} {
		if n := e.takeN(e.s, key, b.limit, b.window, b.limit+1); n != b.limit {
			e.t.Errorf("Take(%d, %v) allowed %d of %d on a key whose other buckets are empty, want %d (each limit and window is its own bucket)",
				b.limit, b.window, n, b.limit+1, b.limit)
		}
	}
	if e.take(e.s, key, 2, long) {
		e.t.Error("Take(2, 1h) after emptying it and using other limits = true, want false")
	}
}

// testTakeAndIncr: a key's bucket and its counter are separate, and Reset
// leaves the bucket alone.
func testTakeAndIncr(e *env) {
	key := e.key("both")
	if n := e.takeN(e.s, key, 2, long, 2); n != 2 {
		e.t.Errorf("Take from a new bucket of 2: %d allowed, want 2", n)
	}
	if n := e.count(e.s, key); n != 0 {
		e.t.Errorf("Count after two Takes on the key = %d, want 0", n)
	}
	if n := e.incr(e.s, key, long); n != 1 {
		e.t.Errorf("Incr after two Takes on the key = %d, want 1", n)
	}
	if n := e.incr(e.s, key, long); n != 2 {
		e.t.Errorf("second Incr = %d, want 2", n)
	}
	if e.take(e.s, key, 2, long) {
		e.t.Error("Take after emptying the bucket and counting on the key = true, want false")
	}
	e.reset(e.s, key)
	if e.take(e.s, key, 2, long) {
		e.t.Error("Take after Reset of the key = true, want false (Reset forgets the counter, not the bucket)")
	}
	if n := e.incr(e.s, key, long); n != 1 {
		e.t.Errorf("Incr after Reset = %d, want 1", n)
	}

	other := e.key("counted")
	for range 3 {
		e.incr(e.s, other, long)
	}
	if !e.take(e.s, other, 1, long) {
		e.t.Error("Take(1) on a key counted to 3 = false, want true")
	}
}
