package ratestoretest

import (
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// tick is how long the buckets of the Refill subtest take to refill one
// token; the locks of the Lockout subtests last a few ticks.
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
// further. The bucket is never idle for a whole window until the end, so a
// store that drops idle buckets (a Redis key expiring) is held to its cap
// too. Every answer is checked against what the bucket can hold given when
// the calls ran (see [bucket.take]); on a fake clock that is one answer
// each, as the comments say.
func testRefill(e *env) {
	const limit = 4
	window := limit * tick
	b := e.newBucket(limit, window)
	// Empty: 4 allowed, then refused; refused again (free, or the bucket
	// would owe tokens that the wait below does not give back).
	b.takeN("emptying a new bucket", limit+3)

	// A token is back one tick after emptying (on a fake clock, at the
	// first poll past it, 105 ms: 1.05 tokens), no sooner.
	b.awaitToken("waiting for a token back after emptying the bucket")
	// 0.05 tokens left: refused.
	b.take("Take right after the token that came back")

	// 3 ticks later, 3.05 tokens: take one; 3 ticks more: 5.05 tokens
	// were there no limit, so 4 allowed and the fifth refused.
	e.clock.Sleep(3 * tick)
	b.take("Take 3 ticks after the bucket was emptied again")
	e.clock.Sleep(3 * tick)
	b.takeN("emptying a bucket idle long enough to fill beyond its limit", limit+1)

	// A whole window after the last Take, the bucket is full again.
	e.clock.Sleep(window)
	b.takeN("emptying a bucket idle for a whole window", limit+1)
}

// testKeys: keys are compared byte for byte; emptying one bucket or
// locking one record leaves every other key alone.
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
		if !e.attempt(e.s, key, twoFailures) {
			e.t.Errorf("keys[%d]: first Attempt = false, want true (after locking keys[:%d])", i, i)
		}
	}
	for i, key := range keys {
		if !e.attempt(e.s, key, twoFailures) {
			e.t.Errorf("keys[%d]: second Attempt = false, want true (one failure counted on it)", i)
		}
		if e.attempt(e.s, key, twoFailures) {
			e.t.Errorf("keys[%d]: third Attempt = true, want false (locked after two failures)", i)
		}
	}
}

// twoFailures is a lockout of two failures whose lock outlives the
// subtest.
var twoFailures = nextauth.Lockout{MaxFailures: 2, Duration: long, MaxDuration: long}

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

// testTakeAndAttempt: a key's bucket and its lockout record are
// separate, and Reset leaves the bucket alone.
func testTakeAndAttempt(e *env) {
	key := e.key("both")
	if n := e.takeN(e.s, key, 2, long, 2); n != 2 {
		e.t.Errorf("Take from a new bucket of 2: %d allowed, want 2", n)
	}
	if n := e.attemptN(e.s, key, twoFailures, 3); n != 2 {
		e.t.Errorf("3 Attempts (2 failures lock) on a key whose bucket is empty: %d went ahead, want 2", n)
	}
	if e.take(e.s, key, 2, long) {
		e.t.Error("Take after emptying the bucket and locking the key = true, want false")
	}
	e.reset(e.s, key)
	if e.take(e.s, key, 2, long) {
		e.t.Error("Take after Reset of the key = true, want false (Reset forgets the lockout record, not the bucket)")
	}
	if n := e.attemptN(e.s, key, twoFailures, 3); n != 2 {
		e.t.Errorf("3 Attempts after Reset: %d went ahead, want 2", n)
	}

	other := e.key("locked")
	e.attemptN(e.s, other, twoFailures, 3)
	if !e.take(e.s, other, 1, long) {
		e.t.Error("Take(1) on a locked key = false, want true")
	}
}
