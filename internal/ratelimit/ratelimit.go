// Package ratelimit is an in-memory token bucket per key: Limit events per
// Window, refilled continuously, with idle keys forgotten.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows at most limit events per window for each key. It is safe
// for concurrent use. The zero value is not usable; call New.
type Limiter struct {
	limit  float64
	window time.Duration
	mu     sync.Mutex
	keys   map[string]bucket
	calls  int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// pruneEvery is how many calls pass between sweeps of idle keys.
const pruneEvery = 1024

// New returns a limiter of limit events per window for each key.
func New(limit int, window time.Duration) *Limiter {
	return &Limiter{limit: float64(limit), window: window, keys: map[string]bucket{}}
}

// Allow takes one token of key's bucket at now and reports whether there
// was one.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%pruneEvery == 0 {
		l.prune(now)
	}
	b, ok := l.keys[key]
	if !ok {
		b = bucket{tokens: l.limit, last: now}
	} else if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.limit, b.tokens+l.limit*float64(elapsed)/float64(l.window))
		b.last = now
	}
	if b.tokens < 1 {
		l.keys[key] = b
		return false
	}
	b.tokens--
	l.keys[key] = b
	return true
}

// Refund gives one token back to key's bucket at now, never beyond the
// limit. A key it does not remember has a full bucket already.
func (l *Limiter) Refund(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	if !ok {
		return
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.limit, b.tokens+l.limit*float64(elapsed)/float64(l.window))
		b.last = now
	}
	b.tokens = min(l.limit, b.tokens+1)
	l.keys[key] = b
}

// prune forgets keys whose bucket has refilled completely.
func (l *Limiter) prune(now time.Time) {
	for k, b := range l.keys {
		if now.Sub(b.last) >= l.window {
			delete(l.keys, k)
		}
	}
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
