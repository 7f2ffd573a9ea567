package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Store keeps token buckets and lockout records in this process. It has
// the methods of the root package's RateStore and is its default; a fleet
// shares a store in Redis or PostgreSQL instead. It is safe for concurrent
// use.
type Store struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*Limiter // by limit/window
	records map[string]record
	calls   int
}

// record is one account's lockout record.
type record struct {
	failures    int64
	lockedUntil time.Time
	expires     time.Time // when it is forgotten
}

// NewStore returns an empty Store reading the clock now (nil: time.Now).
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, buckets: map[string]*Limiter{}, records: map[string]record{}}
}

// Take takes one token from key's bucket, which holds limit tokens and
// refills completely over window, and reports whether there was one.
// Buckets of different limits or windows are separate.
func (m *Store) Take(_ context.Context, key string, limit int, window time.Duration) (bool, error) {
	m.mu.Lock()
	id := window.String() + "/" + strconv.Itoa(limit)
	l, ok := m.buckets[id]
	if !ok {
		l = New(limit, window)
		m.buckets[id] = l
	}
	m.mu.Unlock()
	return l.Allow(key, m.now()), nil
}

// Refund gives one token back to the bucket of key, limit and window,
// never beyond limit.
func (m *Store) Refund(_ context.Context, key string, limit int, window time.Duration) error {
	m.mu.Lock()
	l, ok := m.buckets[window.String()+"/"+strconv.Itoa(limit)]
	m.mu.Unlock()
	if ok {
		l.Refund(key, m.now())
	}
	return nil
}

// Attempt refuses while key's account is locked; otherwise it counts a
// failure, locks the account once maxFailures are reached (duration
// doubled for each failure beyond, at most maxDuration) and allows. The
// record is forgotten maxDuration after its last counted failure. One
// mutex makes the decision and the count one step.
func (m *Store) Attempt(_ context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	if err := CheckLockout(maxFailures, duration, maxDuration); err != nil {
		return false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%pruneEvery == 0 {
		for k, r := range m.records {
			if !now.Before(r.expires) {
				delete(m.records, k)
			}
		}
	}
	r, ok := m.records[key]
	if !ok || !now.Before(r.expires) {
		r = record{}
	}
	if now.Before(r.lockedUntil) {
		return false, nil
	}
	r.failures++
	if lock := LockDuration(r.failures, maxFailures, duration, maxDuration); lock > 0 {
		r.lockedUntil = now.Add(lock)
	}
	r.expires = now.Add(maxDuration)
	m.records[key] = r
	return true, nil
}

// Reset forgets key's lockout record.
func (m *Store) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, key)
	return nil
}

// LockDuration is how long an account with failures counted failures is
// locked: 0 below maxFailures, then duration doubled for each failure
// beyond maxFailures, at most maxDuration (the rule of the root package's
// RateStore.Attempt, for stores written in Go).
func LockDuration(failures int64, maxFailures int, duration, maxDuration time.Duration) time.Duration {
	if failures < int64(maxFailures) {
		return 0
	}
	d := duration
	for i := int64(maxFailures); i < failures && d < maxDuration; i++ {
		if d > maxDuration/2 {
			return maxDuration
		}
		d *= 2
	}
	return min(d, maxDuration)
}

// CheckLockout reports lockout parameters that RateStore.Attempt does not
// take: maxFailures below 1, or a duration or maxDuration that is not
// positive.
func CheckLockout(maxFailures int, duration, maxDuration time.Duration) error {
	if maxFailures < 1 || duration <= 0 || maxDuration <= 0 {
		return fmt.Errorf("ratelimit: lockout of %d failures, %v, at most %v: want at least 1 failure and positive durations",
			maxFailures, duration, maxDuration)
	}
	return nil
}
