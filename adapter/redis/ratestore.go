package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
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

// luaAttempt is one credentials attempt on a lockout record: KEYS[1]
// record (a hash of n, the failures, and until, the end of the lock in
// Unix µs of the Redis server's clock); ARGV[1] max failures, ARGV[2]
// lock duration (µs), ARGV[3] max duration (µs), ARGV[4] key TTL (ms, the
// max duration: the record is forgotten that long after the last counted
// failure). Returns 0, writing nothing, while the lock lasts; else counts
// the failure, locks from max failures on for the duration doubled per
// failure beyond them (at most the max duration), and returns 1. Numbers
// are written with string.format: Lua's own conversion keeps only 14
// digits.
const luaAttempt = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local r = redis.call('HMGET', KEYS[1], 'n', 'until')
local n = tonumber(r[1]) or 0
local locked = tonumber(r[2]) or 0
if now < locked then return 0 end
n = n + 1
local maxf = tonumber(ARGV[1])
if n >= maxf then
  locked = now + math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(n - maxf, 62))
end
redis.call('HSET', KEYS[1], 'n', string.format('%.0f', n), 'until', string.format('%.0f', locked))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

// rateStore is the [nextauth.RateStore] of [Adapter.RateStore] and
// [NewRateStore].
type rateStore struct {
	client                   goredis.UniversalClient
	bucketPrefix, lockPrefix string
	take, refund, attempt    *goredis.Script
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
//   - Attempt runs one script on the hash rate:lock:<key> (the failures
//     and the end of the lock), which expires the max duration after the
//     last counted failure; Reset is a DEL of it.
//
// A window must be positive; it counts in whole microseconds (rounded up).
// Lock durations count in whole microseconds and the record's TTL in whole
// milliseconds (both rounded up).
func NewRateStore(client goredis.UniversalClient, prefix string) nextauth.RateStore {
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	return newRateStore(client, prefix)
}

func newRateStore(client goredis.UniversalClient, prefix string) *rateStore {
	return &rateStore{
		client:       client,
		bucketPrefix: prefix + "rate:bucket:",
		lockPrefix:   prefix + "rate:lock:",
		take:         goredis.NewScript(luaTake),
		refund:       goredis.NewScript(luaRefund),
		attempt:      goredis.NewScript(luaAttempt),
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

// Attempt counts a credentials attempt on key's lockout record unless it
// is locked (see [nextauth.RateStore]).
func (s *rateStore) Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	if err := ratelimit.CheckLockout(maxFailures, duration, maxDuration); err != nil {
		return false, fmt.Errorf("redis: count failure: %w", err)
	}
	v, err := s.attempt.Run(ctx, s.client, []string{s.lockPrefix + key}, maxFailures,
		ceilDiv(duration, time.Microsecond), ceilDiv(maxDuration, time.Microsecond), ceilDiv(maxDuration, time.Millisecond)).Int64()
	if err != nil {
		return false, wrap("count failure", err)
	}
	return v == 1, nil
}

// Reset deletes key's lockout record.
func (s *rateStore) Reset(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.lockPrefix+key).Err(); err != nil {
		return wrap("reset lockout", err)
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
