package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true}, {"a", 0, true}, {"a", 0, true}, {"a", 0, false},
		{"b", 0, true},
		{"a", 10 * time.Second, false}, // 0.5 token back
		{"a", 20 * time.Second, true},  // 1 token back
		{"a", 20 * time.Second, false},
		{"a", 5 * time.Minute, true}, {"a", 5 * time.Minute, true}, {"a", 5 * time.Minute, true}, {"a", 5 * time.Minute, false},
	}
	for i, s := range steps {
		if got := l.Allow(s.key, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: Allow(%q, +%v) = %v, want %v", i, s.key, s.at, got, s.want)
		}
	}
}

func TestPrune(t *testing.T) {
	t0 := time.Now()
	l := New(1, time.Second)
	for i := range pruneEvery - 1 {
		l.Allow(fmt.Sprint(i), t0)
	}
	l.Allow("late", t0.Add(2*time.Second)) // the pruning call
	if n := l.Len(); n != 1 {
		t.Errorf("Len after prune = %d, want 1", n)
	}
}

func TestConcurrent(t *testing.T) {
	l := New(100, time.Hour)
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if l.Allow("k", now) {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("allowed %d of 400 concurrent calls, want 100", allowed)
	}
}
