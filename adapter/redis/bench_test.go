package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// BenchmarkGetSessionAndUser reads sessions from stores of 1,000 and
// 100,000 sessions (one user per 10 sessions); the time per read should not
// depend on the store's size.
func BenchmarkGetSessionAndUser(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		a, _ := newTestAdapter(b, Options{})
		tokens := fillSessions(b, a, n)
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, _, err := a.GetSessionAndUser(ctx, tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i += 7919 // a prime: visit sessions out of insertion order
			}
		})
	}
}

// fillSessions creates n sessions over n/10 users with 32 concurrent
// writers and returns their tokens.
func fillSessions(b *testing.B, a *Adapter, n int) []string {
	b.Helper()
	ctx := context.Background()
	users := make([]string, max(1, n/10))
	tokens := make([]string, n)
	expires := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	const workers = 32
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(users); i += workers {
				u, err := a.CreateUser(ctx, nextauth.User{Name: nextauth.String("Bench"), Email: nextauth.String(fmt.Sprintf("bench-%d@example.com", i))})
				if err != nil {
					fail(err)
					return
				}
				users[i] = u.ID
			}
		})
	}
	wg.Wait()
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				tokens[i] = fmt.Sprintf("bench-session-%08d", i)
				s := nextauth.AdapterSession{SessionToken: tokens[i], UserID: users[i%len(users)], Expires: expires}
				if _, err := a.CreateSession(ctx, s); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatalf("filling %d sessions: %v", n, firstErr)
	}
	return tokens
}
