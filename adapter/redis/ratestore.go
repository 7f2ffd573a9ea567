package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
)

// luaTake takes a token from a bucket: KEYS[1] bucket (a hash of tokens
// and updated, Unix µs of the Redis server's clock); ARGV[1] limit,
// ARGV[2] window (µs), ARGV[3] key TTL (ms, one window: by then the bucket
// is full again, the same as absent). Returns 1 if a token was taken, 0 if
// not. A refused Take writes nothing: the tokens it would store are those
// the next call computes anyway. A clock that went back (a failover to a
// server behind) refills nothing until it catches up.
const luaTake = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local tokens = limit
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
if b[1] and b[2] then
  tokens = tonumber(b[1])
  local updated = tonumber(b[2])
  if now > updated then
    tokens = math.min(limit, tokens + limit * (now - updated) / tonumber(ARGV[2]))
  else
    now = updated
  end
end
if tokens < 1 then return 0 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens - 1), 'updated', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

// luaRefund gives a token back: KEYS[1] bucket; ARGV[1] limit. A bucket
// that is gone is full (it expires only when it would be full anyway), so
// only an existing one changes; the refill since updated is left to the
// next Take, which caps the sum at limit.
const luaRefund = `
local tokens = redis.call('HGET', KEYS[1], 'tokens')
if not tokens then return 0 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', math.min(tonumber(ARGV[1]), tonumber(tokens) + 1)))
return 1
`

// luaIncr increments a counter: KEYS[1] counter; ARGV[1] TTL (ms; 0 or
// less deletes the counter at once). Returns the new count.
const luaIncr = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
`

// rateStore is the [nextauth.RateStore] of [Adapter.RateStore] and
// [NewRateStore].
type rateStore struct {
	client                      goredis.UniversalClient
	bucketPrefix, counterPrefix string
	take, refund, incr          *goredis.Script
}

var _ nextauth.RateStore = (*rateStore)(nil)

// RateStore returns a [nextauth.RateStore] on the adapter's client and key
// prefix, so that every server of a fleet shares one rate limit (see
// [NewRateStore]).
func (a *Adapter) RateStore() nextauth.RateStore {
	return newRateStore(a.client, a.prefix)
}

// NewRateStore returns a [nextauth.RateStore] in Redis, for servers that
// need one without the adapter (JWT sessions). prefix starts every key, as
// [Options.KeyPrefix] does; "" means [DefaultKeyPrefix]. The caller owns
// client.
//
// Each call is one round trip and atomic, computed on the Redis server's
// clock, so the servers of a fleet enforce one limit whatever their
// clocks say:
//
//   - Take runs one script on the hash rate:bucket:<limit>:<window µs>:<key>
//     (a bucket per key, limit and window, like
//     the in-memory default (internal/ratelimit.Store)), which expires one window after the
//     last token taken, when it would be full anyway;
//   - Incr runs INCR and PEXPIRE in one script on rate:count:<key>;
//     Count is a GET of it and Reset a DEL.
//
// A window must be positive; it counts in whole microseconds (rounded up).
// A ttl counts in whole milliseconds (rounded up); zero or less forgets
// the counter at once.
func NewRateStore(client goredis.UniversalClient, prefix string) nextauth.RateStore {
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	return newRateStore(client, prefix)
}

func newRateStore(client goredis.UniversalClient, prefix string) *rateStore {
	return &rateStore{
		client:        client,
		bucketPrefix:  prefix + "rate:bucket:",
		counterPrefix: prefix + "rate:count:",
		take:          goredis.NewScript(luaTake),
		refund:        goredis.NewScript(luaRefund),
		incr:          goredis.NewScript(luaIncr),
	}
}

// Take takes one token from the bucket of key, limit and window.
func (s *rateStore) Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	if window <= 0 {
		return false, fmt.Errorf("redis: take rate token: window %v is not positive", window)
	}
	if limit < 1 {
		return false, nil // an empty bucket: no need to ask
	}
	us := max(1, ceilDiv(window, time.Microsecond))
	ms := max(1, ceilDiv(window, time.Millisecond))
	k := fmt.Sprintf("%s%d:%d:%s", s.bucketPrefix, limit, us, key)
	v, err := s.take.Run(ctx, s.client, []string{k}, limit, us, ms).Int64()
	if err != nil {
		return false, wrap("take rate token", err)
	}
	return v == 1, nil
}

// Refund gives one token back to the bucket of key, limit and window.
func (s *rateStore) Refund(ctx context.Context, key string, limit int, window time.Duration) error {
	if window <= 0 || limit < 1 {
		return nil
	}
	k := fmt.Sprintf("%s%d:%d:%s", s.bucketPrefix, limit, max(1, ceilDiv(window, time.Microsecond)), key)
	if err := s.refund.Run(ctx, s.client, []string{k}, limit).Err(); err != nil {
		return wrap("refund rate token", err)
	}
	return nil
}

// Incr adds one to key's counter and makes it expire ttl from now.
func (s *rateStore) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	n, err := s.incr.Run(ctx, s.client, []string{s.counterPrefix + key}, ceilDiv(ttl, time.Millisecond)).Int64()
	if err != nil {
		return 0, wrap("increment rate counter", err)
	}
	return n, nil
}

// Count returns key's counter, 0 once Redis has expired it.
func (s *rateStore) Count(ctx context.Context, key string) (int64, error) {
	n, err := s.client.Get(ctx, s.counterPrefix+key).Int64()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read rate counter", err)
	}
	return n, nil
}

// Reset deletes key's counter.
func (s *rateStore) Reset(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.counterPrefix+key).Err(); err != nil {
		return wrap("reset rate counter", err)
	}
	return nil
}

// ceilDiv is d in units, rounded up; 0 for d of 0 or less.
func ceilDiv(d, unit time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	n := d / unit
	if d%unit != 0 {
		n++
	}
	return int64(n)
}
