package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/ratestoretest"
)

// TestRateStoreConformance runs the shared RateStore suite on the Redis
// server's clock, with a second store on its own client as the second
// server of a fleet.
func TestRateStoreConformance(t *testing.T) {
	a, _ := newTestAdapter(t, Options{})
	peer := testClient(t)
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return a.RateStore() }, ratestoretest.Options{
		NewPeer: func(*testing.T) nextauth.RateStore { return NewRateStore(peer, a.prefix) },
	})
}

// TestRateStoreKeys checks the documented keys and their expiry.
func TestRateStoreKeys(t *testing.T) {
	ctx := t.Context()
	a, client := newTestAdapter(t, Options{})
	scripts := &scriptArgs{}
	client.AddHook(scripts)
	s := a.RateStore()

	written := time.Now()
	if ok, err := s.Take(ctx, "ip:a:b", 3, 1500*time.Millisecond); !ok || err != nil {
		t.Fatalf("Take = %v, %v, want true", ok, err)
	}
	bucket := a.prefix + "rate:bucket:3:1500000:ip:a:b"
	h, err := client.HGetAll(ctx, bucket).Result()
	if err != nil || h["tokens"] != "2" || len(h) != 2 {
		t.Errorf("HGETALL %s = %v, %v, want tokens 2 and updated", bucket, h, err)
	}
	updated, err := strconv.ParseInt(h["updated"], 10, 64)
	// The server's clock, between the call and now (a minute either way
	// for the two clocks' difference).
	skew := int64(time.Minute / time.Microsecond)
	if from, to := written.UnixMicro()-skew, time.Now().UnixMicro()+skew; err != nil || updated < from || updated > to {
		t.Errorf("updated = %q, want Unix µs in [%d, %d]", h["updated"], from, to)
	}
	checkTTL(t, client, bucket, 1500*time.Millisecond, written)

	// Windows count in whole microseconds, the key's TTL in whole
	// milliseconds, both rounded up: the script is given 60000001 µs and
	// 60001 ms.
	written = time.Now()
	if ok, err := s.Take(ctx, "odd", 1, time.Minute+time.Nanosecond); !ok || err != nil {
		t.Fatalf("Take(window 1m+1ns) = %v, %v, want true", ok, err)
	}
	odd := a.prefix + "rate:bucket:1:60000001:odd"
	if got, want := scripts.lastArgs(), "[1 60000001 60001]"; got != want {
		t.Errorf("Take(window 1m+1ns) ran its script with ARGV %s, want %s (limit, window µs, TTL ms)", got, want)
	}
	checkTTL(t, client, odd, time.Minute+time.Millisecond, written)

	// A lockout record: failures and the lock's end (server µs), kept the
	// max duration after the last counted failure.
	written = time.Now()
	for range 2 {
		if ok, err := s.Attempt(ctx, "lockout:x", 2, time.Second, 2*time.Second); !ok || err != nil {
			t.Fatalf("Attempt = %v, %v, want true", ok, err)
		}
	}
	record := a.prefix + "rate:lock:lockout:x"
	h, err = client.HGetAll(ctx, record).Result()
	if err != nil || h["n"] != "2" || len(h) != 2 {
		t.Errorf("HGETALL %s = %v, %v, want n 2 and until", record, h, err)
	}
	until, err := strconv.ParseInt(h["until"], 10, 64)
	if from, to := written.Add(time.Second).UnixMicro()-skew, time.Now().Add(time.Second).UnixMicro()+skew; err != nil || until < from || until > to {
		t.Errorf("until = %q, want Unix µs in [%d, %d] (a second after the second failure)", h["until"], from, to)
	}
	checkTTL(t, client, record, 2*time.Second, written)
	if got, want := scripts.lastArgs(), "[2 1000000 2000000 2000]"; got != want {
		t.Errorf("Attempt ran its script with ARGV %s, want %s (max failures, duration µs, max duration µs, TTL ms)", got, want)
	}
	// Refused while locked: nothing written, the TTL runs on.
	if ok, err := s.Attempt(ctx, "lockout:x", 2, time.Second, time.Hour); ok || err != nil {
		t.Errorf("Attempt while locked = %v, %v, want false", ok, err)
	}
	checkTTL(t, client, record, 2*time.Second, written)
	if err := s.Reset(ctx, "lockout:x"); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, record).Result(); n != 0 || err != nil {
		t.Errorf("EXISTS %s after Reset = %d, %v, want 0", record, n, err)
	}

	var bad []string
	for _, k := range prefixKeys(t, client, a.prefix) {
		if !strings.HasPrefix(k, a.prefix+"rate:") {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		t.Errorf("keys outside %srate: %q", a.prefix, bad)
	}
}

// checkTTL checks that key expires ttl after a write made after since: its
// PTTL is at most ttl, and at least ttl less the time since then (and a
// millisecond, Redis's resolution). The lower bound widens when the
// machine is slow, instead of failing.
func checkTTL(t *testing.T, client *goredis.Client, key string, ttl time.Duration, since time.Time) {
	t.Helper()
	d := pttl(t, client, key)
	elapsed := time.Since(since)
	if d > ttl || d < ttl-elapsed-time.Millisecond {
		t.Errorf("PTTL %s = %v, want %v less at most the %v since the write", key, d, ttl, elapsed.Round(time.Millisecond))
	}
}

// scriptArgs is a client hook that keeps the ARGV of the last script run
// with one key (EVALSHA or EVAL sha|script numkeys key argv...).
type scriptArgs struct {
	mu   sync.Mutex
	last []any
}

func (h *scriptArgs) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *scriptArgs) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if args := cmd.Args(); (cmd.Name() == "evalsha" || cmd.Name() == "eval") && len(args) >= 4 {
			h.mu.Lock()
			h.last = args[4:]
			h.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (h *scriptArgs) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// lastArgs is the ARGV of the last script, as fmt prints a slice.
func (h *scriptArgs) lastArgs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprint(h.last)
}

// TestNewRateStoreDefaultPrefix: an empty prefix is DefaultKeyPrefix, as
// for the adapter.
func TestNewRateStoreDefaultPrefix(t *testing.T) {
	ctx := t.Context()
	client := testClient(t)
	key := strings.TrimSuffix(uniquePrefix(), ":")
	record := DefaultKeyPrefix + "rate:lock:" + key
	t.Cleanup(func() { client.Del(ctx, record) })
	if _, err := NewRateStore(client, "").Attempt(ctx, key, 5, time.Minute, time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := client.HGet(ctx, record, "n").Result(); v != "1" || err != nil {
		t.Errorf("HGET %s n = %q, %v, want 1", record, v, err)
	}
}

// TestRateStoreClockBack: a bucket last written by a server whose clock
// was ahead (before a failover) keeps its tokens until the clock catches
// up, instead of going negative.
func TestRateStoreClockBack(t *testing.T) {
	ctx := t.Context()
	a, client := newTestAdapter(t, Options{})
	s := a.RateStore()
	bucket := a.prefix + "rate:bucket:3:60000000:k"
	future := time.Now().Add(time.Hour).UnixMicro()
	if err := client.HSet(ctx, bucket, "tokens", "2", "updated", strconv.FormatInt(future, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, false} {
		if ok, err := s.Take(ctx, "k", 3, time.Minute); ok != want || err != nil {
			t.Errorf("Take #%d = %v, %v, want %v", i+1, ok, err, want)
		}
	}
	if got, err := client.HGet(ctx, bucket, "updated").Result(); err != nil || got != strconv.FormatInt(future, 10) {
		t.Errorf("updated = %q, %v, want the later time %d kept", got, err, future)
	}
}

// TestRateStoreErrors: bad windows and server failures are errors naming
// the operation, with the cause in the chain.
func TestRateStoreErrors(t *testing.T) {
	ctx := t.Context()
	a, _ := newTestAdapter(t, Options{})
	for _, w := range []time.Duration{0, -time.Second} {
		if _, err := a.RateStore().Take(ctx, "k", 1, w); err == nil || !strings.HasPrefix(err.Error(), "redis: take rate token: ") {
			t.Errorf("Take(window %v) error = %v, want a redis: take rate token error", w, err)
		}
	}

	closed := testClient(t)
	_ = closed.Close()
	s := NewRateStore(closed, a.prefix)
	calls := []struct {
		name string
		call func() error
	}{
		{"take rate token", func() error { _, err := s.Take(ctx, "k", 1, time.Minute); return err }},
		{"count failure", func() error { _, err := s.Attempt(ctx, "k", 5, time.Minute, time.Hour); return err }},
		{"reset lockout", func() error { return s.Reset(ctx, "k") }},
	}
	for _, c := range calls {
		err := c.call()
		if !errors.Is(err, goredis.ErrClosed) || !strings.HasPrefix(err.Error(), "redis: "+c.name+": ") {
			t.Errorf("%s on a closed client error = %v, want %q wrapping goredis.ErrClosed", c.name, err, "redis: "+c.name+": …")
		}
	}
}
