package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Store keeps token buckets and expiring counters in this process. It has
// the methods of the root package's RateStore and is its default; a fleet
// shares a store in Redis or PostgreSQL instead. It is safe for concurrent
// use.
type Store struct {
	now func() time.Time

	mu       sync.Mutex
	buckets  map[string]*Limiter // by limit/window
	counters map[string]counter
	calls    int
}

type counter struct {
	n       int64
	expires time.Time
}

// NewStore returns an empty Store reading the clock now (nil: time.Now).
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, buckets: map[string]*Limiter{}, counters: map[string]counter{}}
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

// Incr adds one to key's counter, which is forgotten ttl after its last
// increment, and returns the new count.
func (m *Store) Incr(_ context.Context, key string, ttl time.Duration) (int64, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%pruneEvery == 0 {
		for k, c := range m.counters {
			if now.After(c.expires) {
				delete(m.counters, k)
			}
		}
	}
	c := m.counters[key]
	if now.After(c.expires) {
		c.n = 0
	}
	c.n++
	c.expires = now.Add(ttl)
	m.counters[key] = c
	return c.n, nil
}

// Count returns key's counter (0 when absent or forgotten).
func (m *Store) Count(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.counters[key]
	if !ok || m.now().After(c.expires) {
		return 0, nil
	}
	return c.n, nil
}

// Reset forgets key's counter.
func (m *Store) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.counters, key)
	return nil
}
