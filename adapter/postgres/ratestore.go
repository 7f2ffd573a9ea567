package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
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

	// sqlRateAttempt is one credentials attempt on a lockout record
	// ($1 key, $2 max failures, $3 lock duration µs, $4 max duration µs):
	// a new record counts 1; an existing one is updated only when its lock
	// has ended, so that a row is returned exactly when the attempt may go
	// ahead. A record past its expiry counts from 1 again. The row lock of
	// INSERT … ON CONFLICT orders concurrent calls, and the update sees the
	// row as the call before it left it.
	sqlRateAttempt = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO nextauth_rate_counters AS c (key, n, expires, locked_until)
SELECT $1::bytea, 1, now.t + $4::bigint * interval '1 microsecond',
  CASE WHEN 1 >= $2::bigint THEN now.t + ` + sqlLockFirst + ` END FROM now
ON CONFLICT (key) DO UPDATE SET
  n = ` + sqlNewFailures + `,
  expires = EXCLUDED.expires,
  locked_until = CASE WHEN ` + sqlNewFailures + ` >= $2::bigint
    THEN (SELECT t FROM now) + ` + sqlLockNew + ` END
WHERE c.expires <= (SELECT t FROM now) OR c.locked_until IS NULL OR c.locked_until <= (SELECT t FROM now)
RETURNING true`

	// sqlNewFailures is the record's failures with this one: from 1 again
	// once it has expired.
	sqlNewFailures = `(CASE WHEN c.expires <= (SELECT t FROM now) THEN 1 ELSE c.n + 1 END)`

	// sqlLockFirst and sqlLockNew are the lock of a record with 1 failure
	// and with sqlNewFailures: the duration ($3 µs) doubled for each
	// failure beyond the max failures ($2), at most the max duration ($4
	// µs), as an interval.
	sqlLockFirst = `least($4::bigint::float8, $3::bigint::float8 * power(2::float8, least(1 - $2::bigint, 62)::float8)) * interval '1 microsecond'`
	sqlLockNew   = `least($4::bigint::float8, $3::bigint::float8 * power(2::float8, least(` + sqlNewFailures + ` - $2::bigint, 62)::float8)) * interval '1 microsecond'`

	// sqlRateRefund gives a token back; a bucket that is gone is full.
	sqlRateRefund = `UPDATE nextauth_rate_buckets SET tokens = least(capacity, tokens + 1)
WHERE key = $1::bytea AND capacity = $2::bigint AND window_us = $3::bigint`
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
//   - Attempt is one INSERT … ON CONFLICT DO UPDATE … WHERE on key's
//     lockout record (a row of nextauth_rate_counters: failures, expiry
//     and the end of the lock), which decides and counts at once;
//   - Reset is one DELETE.
//
// [Adapter.DeleteExpired] deletes the buckets idle for a whole window
// (full again, the same as absent) and the forgotten lockout records.
//
// Keys are compared byte for byte. A window must be positive; windows and
// lockout durations count in whole microseconds (rounded up).
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

// Attempt counts a credentials attempt on key's lockout record unless it
// is locked (see [nextauth.RateStore]).
func (s *rateStore) Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	if err := ratelimit.CheckLockout(maxFailures, duration, maxDuration); err != nil {
		return false, fmt.Errorf("postgres: count failure: %w", err)
	}
	var ok bool
	err := s.pool.QueryRow(ctx, sqlRateAttempt, []byte(key), int64(maxFailures), microseconds(duration), microseconds(maxDuration)).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: count failure: %w", err)
	}
	return ok, nil
}

// Reset deletes key's lockout record.
func (s *rateStore) Reset(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, sqlRateReset, []byte(key)); err != nil {
		return fmt.Errorf("postgres: reset lockout: %w", err)
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
