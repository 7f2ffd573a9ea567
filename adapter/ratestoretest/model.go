package ratestoretest

import (
	"time"

	"github.com/nextauth-go/nextauth"
)

// poll is how often the suite asks again while it waits for a token to come
// back or a counter to be forgotten. It divides no tick evenly, so that a
// poll seldom lands on the instant a token is exactly whole.
const poll = 7 * time.Millisecond

// waitLimit bounds a wait for something the contract says must happen
// sooner, so that a store that never refills or never forgets fails instead
// of hanging; a correct store is checked long before (see [bucket.take]
// and [counter.check]).
const waitLimit = 100 * tick

// eps absorbs floating-point rounding in token counts.
const eps = 1e-6

// span is when the suite called the store and when the call returned: the
// store handled the call at some instant in between.
type span struct{ start, end time.Time }

// call runs f and returns when it ran, on the store's clock.
func (e *env) call(f func()) span {
	start := e.clock.Now()
	f()
	return span{start, e.clock.Now()}
}

// slack is how far the store's clock may disagree with the suite's over an
// interval of length d: none for a [FakeClock]; else 2 ms and 0.1 % of d,
// for a server's clock resolution (Redis expires keys in whole
// milliseconds) and for the rate at which the wall clock a server reads
// may be slewed against the monotonic clock the suite reads.
func (e *env) slack(d time.Duration) time.Duration {
	if _, ok := e.clock.(*FakeClock); ok {
		return 0
	}
	return 2*time.Millisecond + d.Abs()/1000
}

// between bounds the time that passed between the instants at which the
// store handled two calls: at least lo, at most hi.
func (e *env) between(earlier, later span) (lo, hi time.Duration) {
	lo = later.start.Sub(earlier.end)
	lo = max(0, lo-e.slack(lo))
	hi = later.end.Sub(earlier.start)
	hi += e.slack(hi)
	return lo, hi
}

// bucket follows one bucket of the store under test: lo and hi bound the
// tokens it holds right after the last call, whenever within its span the
// store handled that call. A correct store never leaves these bounds; how
// close they are depends on how long the calls took, never whether they
// hold.
type bucket struct {
	e      *env
	s      nextauth.RateStore
	key    string
	limit  int
	window time.Duration

	lo, hi float64 // tokens after the last call
	last   span    // the last call; zero before the first
	broken bool    // an answer was impossible: the bounds are unknown
}

// newBucket follows a new bucket (a fresh key) of limit per window in e.s.
func (e *env) newBucket(limit int, window time.Duration) *bucket {
	return &bucket{e: e, s: e.s, key: e.key("bucket"), limit: limit, window: window}
}

// refill is how many tokens a bucket gets back in d, not counting its cap.
func (b *bucket) refill(d time.Duration) float64 {
	return float64(b.limit) * float64(d) / float64(b.window)
}

// take calls Take and checks the answer against what the bucket may hold:
// a Take is allowed only if the bucket can have a token, and refused only
// if it can lack one. what describes the call for the failure message. It
// returns the answer.
func (b *bucket) take(what string) bool {
	b.e.t.Helper()
	var ok bool
	sp := b.e.call(func() { ok = b.e.take(b.s, b.key, b.limit, b.window) })
	capacity := float64(b.limit)
	lo, hi := capacity, capacity // a new bucket is full
	if !b.last.start.IsZero() {
		minGap, maxGap := b.e.between(b.last, sp)
		lo = min(capacity, b.lo+b.refill(minGap))
		hi = min(capacity, b.hi+b.refill(maxGap))
	}
	b.last = sp
	switch {
	case ok && hi < 1-eps:
		b.e.t.Errorf("%s: Take from a bucket of %d per %v = true, want false: it holds at most %.2f tokens by then "+
			"(it refills faster than %d per %v, holds more than %d, or a refused Take was not free)",
			what, b.limit, b.window, hi, b.limit, b.window, b.limit)
		b.lo, b.hi, b.broken = 0, capacity, true // unknown from here on
	case !ok && lo >= 1+eps:
		b.e.t.Errorf("%s: Take from a bucket of %d per %v = false, want true: it holds at least %.2f tokens by then "+
			"(it refills slower than %d per %v, or a refused Take cost a token)",
			what, b.limit, b.window, lo, b.limit, b.window)
		b.lo, b.hi, b.broken = 0, capacity, true
	case ok:
		b.lo, b.hi = max(0, lo-1), hi-1
	default: // refused: fewer than 1 token, and none taken
		b.lo, b.hi = min(lo, 1), min(hi, 1)
	}
	return ok
}

// takeN takes n times and returns how many were allowed.
func (b *bucket) takeN(what string, n int) int {
	b.e.t.Helper()
	allowed := 0
	for range n {
		if b.take(what) {
			allowed++
		}
	}
	return allowed
}

// awaitToken polls Take until it is allowed: take fails the subtest as soon
// as a token must have come back and was refused, and waitLimit ends a wait
// for a store that never gives one.
func (b *bucket) awaitToken(what string) {
	b.e.t.Helper()
	deadline := b.e.clock.Now().Add(waitLimit)
	for !b.take(what) {
		if b.broken {
			return
		}
		if b.e.clock.Now().After(deadline) {
			b.e.t.Errorf("%s: no token back in a bucket of %d per %v after %v", what, b.limit, b.window, waitLimit)
			return
		}
		b.e.clock.Sleep(poll)
	}
}

// counter follows one counter of the store under test.
type counter struct {
	e   *env
	s   nextauth.RateStore
	key string
	ttl time.Duration

	n      int64 // the count after the last increment
	gone   bool  // forgotten for certain: never counted, or read as 0
	last   span  // the last increment
	counts int   // increments so far, for messages
	broken bool  // an answer was impossible
}

// newCounter follows a new counter (a fresh key) with ttl in e.s.
func (e *env) newCounter(label string, ttl time.Duration) *counter {
	return &counter{e: e, s: e.s, key: e.key(label), ttl: ttl, gone: true}
}

// expired tells, for a call in sp, whether the counter can be forgotten by
// then (may) and whether it must be (must).
func (c *counter) expired(sp span) (may, must bool) {
	if c.gone {
		return true, true
	}
	minGap, maxGap := c.e.between(c.last, sp)
	return maxGap >= c.ttl, minGap > c.ttl
}

// check fails the subtest if got is a value the counter cannot have in sp:
// kept is its value if it was not forgotten, forgotten the value if it was.
func (c *counter) check(sp span, call string, got, kept, forgotten int64) {
	c.e.t.Helper()
	may, must := c.expired(sp)
	if got == kept && !must || got == forgotten && may {
		return
	}
	c.broken = true
	switch {
	case must:
		c.e.t.Errorf("%s = %d after %d increments with ttl %v, want %d: the ttl has passed since the last increment (the counter must be forgotten)",
			call, got, c.counts, c.ttl, forgotten)
	case may:
		c.e.t.Errorf("%s = %d after %d increments with ttl %v, want %d or, if forgotten, %d", call, got, c.counts, c.ttl, kept, forgotten)
	default:
		c.e.t.Errorf("%s = %d after %d increments with ttl %v, want %d: the ttl cannot have passed since the last increment "+
			"(a counter is forgotten ttl after its last increment, not its first)", call, got, c.counts, c.ttl, kept)
	}
}

// incr calls Incr and checks the count it returns.
func (c *counter) incr(what string) {
	c.e.t.Helper()
	var n int64
	sp := c.e.call(func() { n = c.e.incr(c.s, c.key, c.ttl) })
	c.check(sp, what+": Incr", n, c.n+1, 1)
	c.n, c.gone, c.last = n, false, sp
	c.counts++
}

// count calls Count, checks the count it returns and returns it.
func (c *counter) count(what string) int64 {
	c.e.t.Helper()
	var n int64
	sp := c.e.call(func() { n = c.e.count(c.s, c.key) })
	c.check(sp, what+": Count", n, c.n, 0)
	if n == 0 {
		c.gone = true
	}
	return n
}

// awaitForgotten polls Count until it is 0: count fails the subtest as soon
// as the ttl must have passed and the counter is still there, or if it is
// gone before the ttl can have passed.
func (c *counter) awaitForgotten(what string) {
	c.e.t.Helper()
	deadline := c.e.clock.Now().Add(waitLimit)
	for c.count(what) != 0 {
		if c.broken {
			return
		}
		if c.e.clock.Now().After(deadline) {
			c.e.t.Errorf("%s: counter with ttl %v still counted %v after the last increment", what, c.ttl, waitLimit)
			return
		}
		c.e.clock.Sleep(poll)
	}
}
