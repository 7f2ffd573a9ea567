package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
)

// Rate-store statements. Each is one round trip on the database's clock
// (clock_timestamp(), read once per statement in the now CTE), so the
// servers of a fleet enforce one limit whatever their own clocks say.
const (
	// sqlRateRefill is the bucket's tokens now: refilled at capacity per
	// window since updated, never beyond capacity. A statement that
	// waited for the row lock read its clock before the winner wrote: a
	// negative elapsed time refills nothing.
	sqlRateRefill = `least(b.capacity, b.tokens + b.capacity * greatest(0, extract(epoch FROM EXCLUDED.updated - b.updated))::float8 * 1e6 / b.window_us)`

	// sqlRateTake takes a token: a new bucket is inserted full minus one;
	// an existing one is updated only if it has a token, so that a row is
	// returned exactly when a token was taken. A refused Take writes
	// nothing: the tokens it would store are those the next call computes
	// anyway. The row lock of INSERT … ON CONFLICT orders concurrent
	// calls.
	sqlRateTake = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO nextauth_rate_buckets AS b (key, capacity, window_us, tokens, updated)
SELECT $1::bytea, $2::bigint, $3::bigint, $2::bigint - 1, now.t FROM now
ON CONFLICT (key, capacity, window_us) DO UPDATE SET
  tokens = ` + sqlRateRefill + ` - 1,
  updated = greatest(b.updated, EXCLUDED.updated)
WHERE ` + sqlRateRefill + ` >= 1
RETURNING true`

	// sqlRateIncr counts from 1 again once the counter has expired.
	sqlRateIncr = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO nextauth_rate_counters AS c (key, n, expires)
SELECT $1::bytea, 1, now.t + $2::bigint * interval '1 microsecond' FROM now
ON CONFLICT (key) DO UPDATE SET
  n = CASE WHEN c.expires <= (SELECT t FROM now) THEN 1 ELSE c.n + 1 END,
  expires = EXCLUDED.expires
RETURNING n`

	// sqlRateRefund gives a token back; a bucket that is gone is full.
	sqlRateRefund = `UPDATE nextauth_rate_buckets SET tokens = least(capacity, tokens + 1)
WHERE key = $1::bytea AND capacity = $2::bigint AND window_us = $3::bigint`
	sqlRateCount = `SELECT n FROM nextauth_rate_counters WHERE key = $1::bytea AND expires > clock_timestamp()`

	sqlRateReset = `DELETE FROM nextauth_rate_counters WHERE key = $1::bytea`
)

// rateStore is the [nextauth.RateStore] of [Adapter.RateStore] and
// [NewRateStore].
type rateStore struct {
	pool *pgxpool.Pool
}

var _ nextauth.RateStore = (*rateStore)(nil)

// RateStore returns a [nextauth.RateStore] on the adapter's pool, so that
// every server of a fleet shares one rate limit (see [NewRateStore]).
func (a *Adapter) RateStore() nextauth.RateStore {
	return &rateStore{pool: a.pool}
}

// NewRateStore returns a [nextauth.RateStore] in PostgreSQL, for servers
// that need one without the adapter (JWT sessions). Its tables,
// nextauth_rate_buckets and nextauth_rate_counters, are created by
// [Adapter.Migrate] (postgres.New(pool).Migrate(ctx) once at start). The
// caller owns pool.
//
// Each call is one statement, atomic, on the database's clock:
//
//   - Take is one INSERT … ON CONFLICT DO UPDATE on the bucket of key,
//     limit and window (a bucket per key, limit and window, like
//     the in-memory default (internal/ratelimit.Store));
//   - Incr is one INSERT … ON CONFLICT DO UPDATE on key's counter, which
//     counts from 1 again once ttl has passed since the last increment;
//   - Count is one SELECT and Reset one DELETE.
//
// [Adapter.DeleteExpired] deletes the buckets idle for a whole window
// (full again, the same as absent) and the forgotten counters.
//
// Keys are compared byte for byte. A window must be positive; windows and
// ttls count in whole microseconds (rounded up); a ttl of zero or less
// forgets the counter at once.
func NewRateStore(pool *pgxpool.Pool) nextauth.RateStore {
	return &rateStore{pool: pool}
}

// Take takes one token from the bucket of key, limit and window.
func (s *rateStore) Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	if window <= 0 {
		return false, fmt.Errorf("postgres: take rate token: window %v is not positive", window)
	}
	if limit < 1 {
		return false, nil // an empty bucket: no need to ask
	}
	var ok bool
	err := s.pool.QueryRow(ctx, sqlRateTake, []byte(key), int64(limit), microseconds(window)).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: take rate token: %w", err)
	}
	return ok, nil
}

// Refund gives one token back to the bucket of key, limit and window.
func (s *rateStore) Refund(ctx context.Context, key string, limit int, window time.Duration) error {
	if window <= 0 || limit < 1 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, sqlRateRefund, []byte(key), int64(limit), microseconds(window)); err != nil {
		return fmt.Errorf("postgres: refund rate token: %w", err)
	}
	return nil
}

// Incr adds one to key's counter and makes it expire ttl from now.
func (s *rateStore) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, sqlRateIncr, []byte(key), microseconds(ttl)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: increment rate counter: %w", err)
	}
	return n, nil
}

// Count returns key's counter, 0 once expired.
func (s *rateStore) Count(ctx context.Context, key string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, sqlRateCount, []byte(key)).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: read rate counter: %w", err)
	}
	return n, nil
}

// Reset deletes key's counter.
func (s *rateStore) Reset(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, sqlRateReset, []byte(key)); err != nil {
		return fmt.Errorf("postgres: reset rate counter: %w", err)
	}
	return nil
}

// microseconds is d in whole microseconds, rounded up; 0 for d of 0 or
// less.
func microseconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	n := d / time.Microsecond
	if d%time.Microsecond != 0 {
		n++
	}
	return int64(n)
}
