package ratelimit

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestLockDuration(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		failures         int64
		max              int
		duration, maxDur time.Duration
		want             time.Duration
	}{
		{4, 5, m, time.Hour, 0},
		{5, 5, m, time.Hour, m},
		{6, 5, m, time.Hour, 2 * m},
		{8, 5, m, time.Hour, 8 * m},
		{11, 5, m, time.Hour, time.Hour}, // 64 min, capped
		{math.MaxInt64, 5, m, time.Hour, time.Hour},
		{1, 1, 3 * m, 2 * m, 2 * m}, // a max below the duration caps the first lock too
		{100, 1, time.Duration(math.MaxInt64 / 3), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)},
	}
	for _, tt := range tests {
		if got := LockDuration(tt.failures, tt.max, tt.duration, tt.maxDur); got != tt.want {
			t.Errorf("LockDuration(%d, %d, %v, %v) = %v, want %v", tt.failures, tt.max, tt.duration, tt.maxDur, got, tt.want)
		}
	}
}

func TestCheckLockout(t *testing.T) {
	for _, tt := range []struct {
		max      int
		d, maxD  time.Duration
		wantFail bool
	}{
		{1, time.Second, time.Second, false},
		{0, time.Second, time.Second, true},
		{1, 0, time.Second, true},
		{1, time.Second, 0, true},
	} {
		err := CheckLockout(tt.max, tt.d, tt.maxD)
		if (err != nil) != tt.wantFail {
			t.Errorf("CheckLockout(%d, %v, %v) = %v, want an error %v", tt.max, tt.d, tt.maxD, err, tt.wantFail)
		}
	}
}

// TestStorePrunesRecords: forgotten lockout records are dropped, so that
// a flood of one-off names does not grow the store for ever.
func TestStorePrunesRecords(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(func() time.Time { return now })
	for i := range pruneEvery - 1 {
		if _, err := s.Attempt(context.Background(), fmt.Sprint(i), 5, time.Minute, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Hour)
	if _, err := s.Attempt(context.Background(), "late", 5, time.Minute, time.Hour); err != nil { // the pruning call
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.records); n != 1 {
		t.Errorf("records after prune = %d, want 1", n)
	}
}
