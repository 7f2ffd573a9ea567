package ratestoretest

import (
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// poll is how often the suite asks again while it waits for a token to come
// back or a lock to end. It divides no tick evenly, so that a
// poll seldom lands on the instant a token is exactly whole.
const poll = 7 * time.Millisecond

// waitLimit bounds a wait for something the contract says must happen
// sooner, so that a store that never refills or never unlocks fails
// instead of hanging; a correct store is checked long before (see
// [bucket.take] and [record.attempt]).
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

// record follows one lockout record of the store under test: the
// failures the store has counted, and the lock the last counted one set,
// as they must be given when the calls ran.
type record struct {
	e   *env
	s   nextauth.RateStore
	key string
	lo  nextauth.Lockout

	n       int64         // failures counted, the last allowed attempt included
	lock    time.Duration // the lock the last allowed attempt set; 0 for none
	last    span          // the last allowed attempt
	fresh   bool          // nothing counted, or certainly forgotten
	unknown bool          // the count is unknown from here on (see attempt)
	broken  bool          // an answer was impossible
}

// newRecord follows a new lockout record (a fresh key) of lo in e.s.
func (e *env) newRecord(lo nextauth.Lockout) *record {
	return &record{e: e, s: e.s, key: e.key("record"), lo: lo, fresh: true}
}

// lockFor is the lock of a record with n failures under lo: none below
// MaxFailures, then Duration doubled for each failure beyond MaxFailures,
// at most MaxDuration.
func lockFor(lo nextauth.Lockout, n int64) time.Duration {
	if n < int64(lo.MaxFailures) {
		return 0
	}
	d := lo.Duration
	for i := int64(lo.MaxFailures); i < n && d < lo.MaxDuration; i++ {
		d *= 2
	}
	return min(d, lo.MaxDuration)
}

// attempt calls Attempt and checks the answer against the record: it must
// be refused when the lock cannot have ended since the last counted
// failure, and go ahead when the lock must have ended (or the record must
// have been forgotten, MaxDuration after that failure). what describes the
// call for the failure message. It returns the answer.
//
// An attempt that went ahead when the record may or may not have been
// forgotten (a call slow enough to straddle MaxDuration) leaves the count
// unknown: the record is not checked further, which is logged.
func (r *record) attempt(what string) bool {
	r.e.t.Helper()
	var ok bool
	sp := r.e.call(func() { ok = r.e.attempt(r.s, r.key, r.lo) })
	if r.unknown || r.broken {
		return ok
	}
	mustForget, mayForget := r.fresh, r.fresh
	mustLock, mayLock := false, false
	if !r.fresh {
		minGap, maxGap := r.e.between(r.last, sp)
		mustForget, mayForget = minGap >= r.lo.MaxDuration, maxGap >= r.lo.MaxDuration
		if r.lock > 0 {
			mustLock = !mayForget && maxGap < r.lock
			mayLock = !mustForget && minGap < r.lock
		}
	}
	switch {
	case ok && mustLock:
		r.e.t.Errorf("%s: Attempt = true, want false: %d failures (max %d) lock the account for %v, which cannot have ended "+
			"(the lock is too short or does not double, the failures were forgotten before max duration %v, or the attempt was not counted)",
			what, r.n, r.lo.MaxFailures, r.lock, r.lo.MaxDuration)
		r.broken = true
	case !ok && !mayLock:
		why := "no lock: fewer failures than the max"
		switch {
		case r.fresh:
			why = "a new or forgotten record"
		case mustForget:
			why = fmt.Sprintf("the record must be forgotten: max duration %v has passed since its last failure", r.lo.MaxDuration)
		case r.lock > 0:
			why = fmt.Sprintf("the lock of %v (%d failures, max %d) must have ended", r.lock, r.n, r.lo.MaxFailures)
		}
		r.e.t.Errorf("%s: Attempt = false, want true: %s "+
			"(a lock longer than duration·2^(failures−max), at most max duration, a refused attempt that counted, or a record kept too long)",
			what, why)
		r.broken = true
	case ok:
		switch {
		case mustForget:
			r.n = 1
		case mayForget:
			r.unknown = true
			r.e.t.Logf("%s: the record may or may not have been forgotten (slow calls): not checked further", what)
			return ok
		default:
			r.n++
		}
		r.lock, r.last, r.fresh = lockFor(r.lo, r.n), sp, false
	}
	return ok
}

// attemptN attempts n times and returns how many went ahead.
func (r *record) attemptN(what string, n int) int {
	r.e.t.Helper()
	allowed := 0
	for range n {
		if r.attempt(what) {
			allowed++
		}
	}
	return allowed
}

// reset calls Reset; the record is then new.
func (r *record) reset() {
	r.e.t.Helper()
	r.e.reset(r.s, r.key)
	r.fresh, r.n, r.lock = true, 0, 0
}

// awaitAllowed polls Attempt until it goes ahead: attempt fails the subtest
// as soon as the lock must have ended and the attempt was refused, and
// waitLimit ends a wait for a store that never unlocks.
func (r *record) awaitAllowed(what string) {
	r.e.t.Helper()
	deadline := r.e.clock.Now().Add(waitLimit)
	for !r.attempt(what) {
		if r.broken {
			return
		}
		if r.e.clock.Now().After(deadline) {
			r.e.t.Errorf("%s: account still locked %v later (%d failures, max %d, lock %v)", what, waitLimit, r.n, r.lo.MaxFailures, r.lock)
			return
		}
		r.e.clock.Sleep(poll)
	}
}
