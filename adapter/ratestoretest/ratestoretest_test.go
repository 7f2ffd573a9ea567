package ratestoretest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/ratestoretest"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
)

// t0 is where the fake clocks start.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestMemory runs the suite against the in-memory store on a fake clock.
func TestMemory(t *testing.T) {
	clock := ratestoretest.NewFakeClock(t0)
	s := ratelimit.NewStore(clock.Now)
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return s }, ratestoretest.Options{
		Clock:   clock,
		NewPeer: func(*testing.T) nextauth.RateStore { return s }, // one process: the same store
	})
}

// TestMemoryRealClock runs the suite against the in-memory store on the
// system clock, as it runs against Redis and PostgreSQL: its real-time
// checks must hold for a correct store however loaded the machine is.
func TestMemoryRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps about 1.5 s")
	}
	s := ratelimit.NewStore(nil)
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return s }, ratestoretest.Options{})
}

// The suite is checked the way mutation testing does it: each mutant is a
// store with one contract violation, and the suite, run in a child
// process, must fail the subtest that guards that rule.

// mutantEnv names the mutant a child process runs the suite against.
const mutantEnv = "RATESTORETEST_MUTANT"

// flaws are the contract violations refStore can commit.
type flaws struct {
	extraToken     bool // a bucket holds one token more than its limit
	noRefill       bool // buckets never refill
	noCap          bool // idle buckets fill beyond their limit
	doubleRate     bool // buckets refill twice as fast
	chargeRefused  bool // a refused Take still takes a token (into debt)
	foldCase       bool // keys compared case-insensitively
	truncateKeys   bool // keys compared on their first 64 bytes
	oneBucketPer   bool // one bucket per key, whatever the limit and window
	takeCounts     bool // Take also counts a failure on the key's lockout record
	resetRefills   bool // Reset also forgets the key's buckets
	racyTake       bool // Take reads and writes the bucket in two steps
	racyAttempt    bool // Attempt decides and counts in two steps
	noLock         bool // Attempt never refuses
	noDouble       bool // every lock lasts Duration
	noCapLock      bool // locks double beyond MaxDuration (and the record is kept while locked)
	forgetAtUnlock bool // a record is forgotten when its lock ends (not MaxDuration after the failure)
	noForget       bool // records are never forgotten
	forgetAtFirst  bool // a record is forgotten MaxDuration after its first failure
	refusedCounts  bool // a refused attempt counts a failure and locks again
	acceptBadArgs  bool // Attempt takes a max of 0 failures or durations of 0
	resetNoop      bool // Reset does nothing
	ctxUnwrapped   bool // a canceled context is an error not wrapping context.Canceled
	ctxAfterEffect bool // a canceled context is an error, after the call took effect
}

// refStore is a simple, correct RateStore (a token bucket per key, limit
// and window; a lockout record per key) that commits the flaws it is told
// to.
type refStore struct {
	now   func() time.Time
	flaws flaws

	mu      sync.Mutex
	buckets map[bucketID]*bucket
	records map[string]*record
}

type bucketID struct {
	key    string
	limit  int
	window time.Duration
}

type bucket struct {
	tokens float64
	last   time.Time
}

type record struct {
	n                           int64
	first, lockedUntil, expires time.Time
}

func newRefStore(now func() time.Time, f flaws) *refStore {
	return &refStore{now: now, flaws: f, buckets: map[bucketID]*bucket{}, records: map[string]*record{}}
}

func (s *refStore) normKey(key string) string {
	if s.flaws.foldCase {
		key = strings.ToLower(key)
	}
	if s.flaws.truncateKeys && len(key) > 64 {
		key = key[:64]
	}
	return key
}

// ctxErr applies the context flaws: nil to go on, or the error to return
// (after the call, with ctxAfterEffect).
func (s *refStore) ctxErr(ctx context.Context) (before, after error) {
	if ctx.Err() == nil {
		return nil, nil
	}
	switch {
	case s.flaws.ctxUnwrapped:
		return errors.New("ref: call abandoned"), nil
	case s.flaws.ctxAfterEffect:
		return nil, ctx.Err()
	}
	return ctx.Err(), nil
}

func (s *refStore) Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	before, after := s.ctxErr(ctx)
	if before != nil {
		return false, before
	}
	key = s.normKey(key)
	if s.flaws.takeCounts {
		if _, err := s.Attempt(context.Background(), key, 2, time.Hour, time.Hour); err != nil {
			return false, err
		}
	}
	id := bucketID{key, limit, window}
	if s.flaws.oneBucketPer {
		id = bucketID{key: key}
	}
	s.mu.Lock()
	now := s.now()
	b, ok := s.buckets[id]
	capacity := float64(limit)
	if s.flaws.extraToken {
		capacity++
	}
	var state bucket
	if ok {
		state = *b
		if elapsed := now.Sub(b.last); elapsed > 0 && !s.flaws.noRefill {
			rate := float64(limit) / float64(window)
			if s.flaws.doubleRate {
				rate *= 2
			}
			state.tokens += rate * float64(elapsed)
			if !s.flaws.noCap {
				state.tokens = min(capacity, state.tokens)
			}
			state.last = now
		}
	} else {
		state = bucket{tokens: capacity, last: now}
	}
	if s.flaws.racyTake {
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
		s.mu.Lock()
	}
	allowed := state.tokens >= 1
	if allowed || s.flaws.chargeRefused {
		state.tokens--
	}
	s.buckets[id] = &state
	s.mu.Unlock()
	return allowed, after
}

func (s *refStore) Refund(ctx context.Context, key string, limit int, window time.Duration) error {
	before, after := s.ctxErr(ctx)
	if before != nil {
		return before
	}
	id := bucketID{s.normKey(key), limit, window}
	if s.flaws.oneBucketPer {
		id = bucketID{key: id.key}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[id]; ok {
		b.tokens++
		if !s.flaws.noCap {
			b.tokens = min(float64(limit), b.tokens)
		}
	}
	return after
}

func (s *refStore) Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	before, after := s.ctxErr(ctx)
	if before != nil {
		return false, before
	}
	if !s.flaws.acceptBadArgs && (maxFailures < 1 || duration <= 0 || maxDuration <= 0) {
		return false, errors.New("ref: bad lockout")
	}
	key = s.normKey(key)
	s.mu.Lock()
	now := s.now()
	var r record
	if old, ok := s.records[key]; ok && (s.flaws.noForget || now.Before(old.expires)) {
		r = *old
	}
	if s.flaws.racyAttempt {
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
		s.mu.Lock()
	}
	lockFor := func(n int64) time.Duration {
		if n < int64(maxFailures) {
			return 0
		}
		d := duration
		for i := int64(maxFailures); i < n && !s.flaws.noDouble && (s.flaws.noCapLock || d < maxDuration); i++ {
			d *= 2
		}
		if !s.flaws.noCapLock {
			d = min(d, maxDuration)
		}
		return d
	}
	if now.Before(r.lockedUntil) && !s.flaws.noLock {
		if s.flaws.refusedCounts {
			r.n++
			r.lockedUntil = now.Add(lockFor(r.n))
			s.records[key] = &r
		}
		s.mu.Unlock()
		return false, after
	}
	if r.n == 0 {
		r.first = now
	}
	r.n++
	if d := lockFor(r.n); d > 0 {
		r.lockedUntil = now.Add(d)
	}
	r.expires = now.Add(maxDuration)
	switch {
	case s.flaws.noCapLock && r.lockedUntil.After(r.expires):
		r.expires = r.lockedUntil // kept as long as its lock
	case s.flaws.forgetAtUnlock && r.lockedUntil.After(now):
		r.expires = r.lockedUntil
	case s.flaws.forgetAtFirst:
		r.expires = r.first.Add(maxDuration)
	}
	s.records[key] = &r
	s.mu.Unlock()
	return true, after
}

func (s *refStore) Reset(ctx context.Context, key string) error {
	before, after := s.ctxErr(ctx)
	if before != nil {
		return before
	}
	key = s.normKey(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.flaws.resetNoop {
		delete(s.records, key)
	}
	if s.flaws.resetRefills {
		for id := range s.buckets {
			if id.key == key {
				delete(s.buckets, id)
			}
		}
	}
	return after
}

// slowStore is a correct store whose calls each take 250 ms of its clock,
// longer than a token takes to come back in the Refill subtest: a loaded
// machine. The suite must pass it, however little it can then tell.
type slowStore struct {
	nextauth.RateStore
	clock *ratestoretest.FakeClock
}

// slowCall is how long each call of a slowStore takes.
const slowCall = 250 * time.Millisecond

func (s slowStore) Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	s.clock.Sleep(slowCall)
	return s.RateStore.Take(ctx, key, limit, window)
}

func (s slowStore) Refund(ctx context.Context, key string, limit int, window time.Duration) error {
	s.clock.Sleep(slowCall)
	return s.RateStore.Refund(ctx, key, limit, window)
}

func (s slowStore) Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	s.clock.Sleep(slowCall)
	return s.RateStore.Attempt(ctx, key, maxFailures, duration, maxDuration)
}

func (s slowStore) Reset(ctx context.Context, key string) error {
	s.clock.Sleep(slowCall)
	return s.RateStore.Reset(ctx, key)
}

// mutant is a store to run the suite against and the subtest it must fail
// ("" for a correct store).
type mutant struct {
	flaws    flaws
	unshared bool // NewPeer returns a store of its own
	memory   bool // the in-memory store itself
	slow     bool // the in-memory store, each call taking slowCall
	fails    string
	says     string // in the failing output, if set
}

func mutants() map[string]mutant {
	return map[string]mutant{
		"memory":         {memory: true},
		"slow":           {memory: true, slow: true}, // a loaded machine: no check may fail a correct store
		"ref":            {},
		"extraToken":     {flaws: flaws{extraToken: true}, fails: "Burst"},
		"noRefill":       {flaws: flaws{noRefill: true}, fails: "Refill"},
		"noCap":          {flaws: flaws{noCap: true}, fails: "Refill"},
		"doubleRate":     {flaws: flaws{doubleRate: true}, fails: "Refill"},
		"chargeRefused":  {flaws: flaws{chargeRefused: true}, fails: "Refill"},
		"foldCase":       {flaws: flaws{foldCase: true}, fails: "Keys"},
		"truncateKeys":   {flaws: flaws{truncateKeys: true}, fails: "Keys"},
		"oneBucketPer":   {flaws: flaws{oneBucketPer: true}, fails: "Limits"},
		"takeCounts":     {flaws: flaws{takeCounts: true}, fails: "TakeAndAttempt"},
		"resetRefills":   {flaws: flaws{resetRefills: true}, fails: "TakeAndAttempt"},
		"racyTake":       {flaws: flaws{racyTake: true}, fails: "ConcurrentTake"},
		"racyAttempt":    {flaws: flaws{racyAttempt: true}, fails: "ConcurrentAttempt"},
		"noLock":         {flaws: flaws{noLock: true}, fails: "Lockout"},
		"noDouble":       {flaws: flaws{noDouble: true}, fails: "Lockout"},
		"noCapLock":      {flaws: flaws{noCapLock: true}, fails: "LockoutCap"},
		"forgetAtUnlock": {flaws: flaws{forgetAtUnlock: true}, fails: "Lockout"},
		"noForget":       {flaws: flaws{noForget: true}, fails: "LockoutForgotten"},
		"forgetAtFirst":  {flaws: flaws{forgetAtFirst: true}, fails: "LockoutForgotten"},
		"refusedCounts":  {flaws: flaws{refusedCounts: true}, fails: "Lockout"},
		"acceptBadArgs":  {flaws: flaws{acceptBadArgs: true}, fails: "LockoutArguments"},
		"resetNoop":      {flaws: flaws{resetNoop: true}, fails: "LockoutReset"},
		"unshared":       {unshared: true, fails: "SharedBackend"},
		"ctxUnwrapped":   {flaws: flaws{ctxUnwrapped: true}, fails: "CanceledContext"},
		"ctxAfterEffect": {flaws: flaws{ctxAfterEffect: true}, fails: "CanceledContext"},
	}
}

// TestMutantChild runs the suite against the mutant named by mutantEnv.
func TestMutantChild(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("runs only as a child process of TestMutants")
	}
	mu, ok := mutants()[name]
	if !ok {
		t.Fatalf("unknown mutant %q", name)
	}
	clock := ratestoretest.NewFakeClock(t0)
	var s nextauth.RateStore = newRefStore(clock.Now, mu.flaws)
	if mu.memory {
		s = ratelimit.NewStore(clock.Now)
	}
	if mu.slow {
		s = slowStore{s, clock}
	}
	peer := s
	if mu.unshared {
		peer = newRefStore(clock.Now, mu.flaws)
	}
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return s }, ratestoretest.Options{
		Clock:   clock,
		NewPeer: func(*testing.T) nextauth.RateStore { return peer },
	})
}

// TestMutants checks that the suite passes the correct stores and fails
// each mutant in the subtest guarding the rule it breaks.
func TestMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	for name, mu := range mutants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutantChild$", "-test.v")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			failed := "--- FAIL: TestMutantChild/" + mu.fails + " "
			switch {
			case mu.fails == "" && err != nil:
				t.Errorf("suite against the correct store %s failed: %v\n%s", name, err, out)
			case mu.fails != "" && err == nil:
				t.Errorf("suite against mutant %s passed, want subtest %s to fail\n%s", name, mu.fails, out)
			case mu.fails != "" && !strings.Contains(string(out), failed):
				t.Errorf("suite against mutant %s: no %q in output\n%s", name, strings.TrimSpace(failed), out)
			case mu.says != "" && !strings.Contains(string(out), mu.says):
				t.Errorf("suite against mutant %s: no %q in output\n%s", name, mu.says, out)
			}
		})
	}
}
