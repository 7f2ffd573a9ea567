package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
)

// Rate-store statements, on the database's clock (UTC_TIMESTAMP(6)), so
// that the servers of a fleet enforce one limit whatever their own clocks
// say. Rows are keyed by the SHA-256 of the key.
const (
	// sqlBucketEnsure creates a full bucket when there is none and, either
	// way, takes the row's lock until the transaction ends (an update to
	// the same value still locks).
	sqlBucketEnsure = "INSERT INTO nextauth_rate_buckets (key_hash, capacity, window_us, tokens, updated)" +
		" VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE tokens = tokens"
	sqlBucketRead = "SELECT tokens, updated, UTC_TIMESTAMP(6) FROM nextauth_rate_buckets" +
		" WHERE key_hash = ? AND capacity = ? AND window_us = ? FOR UPDATE"
	sqlBucketWrite = "UPDATE nextauth_rate_buckets SET tokens = ?, updated = ?" +
		" WHERE key_hash = ? AND capacity = ? AND window_us = ?"
	// sqlBucketRefund gives a token back; a bucket that is gone is full.
	sqlBucketRefund = "UPDATE nextauth_rate_buckets SET tokens = LEAST(capacity, tokens + 1)" +
		" WHERE key_hash = ? AND capacity = ? AND window_us = ?"

	// sqlCounterEnsure creates an empty lockout record (n = 0: no
	// failure yet) when there is none and, either way, takes the row's
	// lock until the transaction ends, so that concurrent Attempts on one
	// key run one after another.
	sqlCounterEnsure = "INSERT INTO nextauth_rate_counters (key_hash, n, expires, locked_until)" +
		" VALUES (?, 0, UTC_TIMESTAMP(6), NULL) ON DUPLICATE KEY UPDATE n = n"
	sqlCounterRead = "SELECT n, expires, locked_until, UTC_TIMESTAMP(6) FROM nextauth_rate_counters" +
		" WHERE key_hash = ? FOR UPDATE"
	// sqlCounterWrite stores a counted failure: n, the expiry (now plus
	// the max duration, in µs) and the end of the lock (now plus the lock,
	// in µs; NULL when not locked), all from the now the decision read.
	sqlCounterWrite = "UPDATE nextauth_rate_counters SET n = ?, expires = ? + INTERVAL ? MICROSECOND," +
		" locked_until = IF(? > 0, ? + INTERVAL ? MICROSECOND, NULL) WHERE key_hash = ?"
	sqlCounterReset = "DELETE FROM nextauth_rate_counters WHERE key_hash = ?"
)

// rateStore is the [nextauth.RateStore] of [Adapter.RateStore].
type rateStore struct{ a *Adapter }

var _ nextauth.RateStore = rateStore{}

// RateStore returns a [nextauth.RateStore] in the adapter's database
// (nextauth_rate_buckets and nextauth_rate_counters, created by
// [Adapter.Migrate]), so that every server of a fleet enforces one limit:
//
//   - Take is one transaction on the bucket of key, limit and window (a
//     bucket per key, limit and window, like the in-memory default): the
//     row is created full if missing and locked, read with the database's
//     clock, refilled at limit per window since it was last written, and
//     written back only when a token is taken;
//   - Attempt is one transaction on key's lockout record (a row of
//     nextauth_rate_counters: failures, expiry and the end of the lock):
//     the row is created empty if missing and locked, read with the
//     database's clock (SELECT … FOR UPDATE), and, unless the account is
//     locked, written back with the failure counted and the lock it
//     brings; a refused attempt writes nothing. The row lock orders
//     concurrent calls, from one server or several, so the decision and
//     the count are one step (see [nextauth.RateStore]);
//   - Reset is one DELETE, Refund one UPDATE.
//
// [Adapter.DeleteExpired] deletes the buckets idle for a whole window and
// the forgotten lockout records. A window must be positive; windows and
// lockout durations count in whole microseconds (rounded up).
func (a *Adapter) RateStore() nextauth.RateStore { return rateStore{a} }

// Take takes one token from the bucket of key, limit and window.
func (s rateStore) Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	if window <= 0 {
		return false, fmt.Errorf("mysql: take rate token: window %v is not positive", window)
	}
	if limit < 1 {
		return false, nil // an empty bucket: no need to ask
	}
	h, capacity, win := keyHash(key), int64(limit), microseconds(window)
	taken := false
	err := s.a.inTx(ctx, func(tx *sql.Tx) error {
		taken = false
		if _, err := tx.ExecContext(ctx, sqlBucketEnsure, h, capacity, win, float64(capacity)); err != nil {
			return err
		}
		var (
			tokens         float64
			updated, dbNow timeValue
		)
		if err := tx.QueryRowContext(ctx, sqlBucketRead, h, capacity, win).Scan(&tokens, &updated, &dbNow); err != nil {
			return err
		}
		// A clock that went back refills nothing.
		elapsed := max(0, dbNow.t.Sub(updated.t).Microseconds())
		tokens = math.Min(float64(capacity), tokens+float64(capacity)*float64(elapsed)/float64(win))
		if tokens < 1 {
			return nil // refused: nothing written, the lock goes with the commit
		}
		taken = true
		_, err := tx.ExecContext(ctx, sqlBucketWrite, tokens-1, dbTime(dbNow.t), h, capacity, win)
		return err
	})
	if err != nil {
		return false, wrap(ctx, "take rate token", err)
	}
	return taken, nil
}

// Refund gives one token back to the bucket of key, limit and window.
func (s rateStore) Refund(ctx context.Context, key string, limit int, window time.Duration) error {
	if window <= 0 || limit < 1 {
		return nil
	}
	if _, err := s.a.db.ExecContext(ctx, sqlBucketRefund, keyHash(key), int64(limit), microseconds(window)); err != nil {
		return wrap(ctx, "refund rate token", err)
	}
	return nil
}

// Attempt counts a credentials attempt on key's lockout record unless it
// is locked (see [nextauth.RateStore]).
func (s rateStore) Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error) {
	if err := ratelimit.CheckLockout(maxFailures, duration, maxDuration); err != nil {
		return false, fmt.Errorf("mysql: count failure: %w", err)
	}
	h := keyHash(key)
	allowed := false
	err := s.a.inTx(ctx, func(tx *sql.Tx) error {
		allowed = false
		if _, err := tx.ExecContext(ctx, sqlCounterEnsure, h); err != nil {
			return err
		}
		var (
			n                           int64
			expires, lockedUntil, dbNow timeValue
		)
		if err := tx.QueryRowContext(ctx, sqlCounterRead, h).Scan(&n, &expires, &lockedUntil, &dbNow); err != nil {
			return err
		}
		now := dbNow.t
		// A new record (n = 0) and one past its expiry count from 1 again,
		// whatever lock they held.
		fresh := n == 0 || !now.Before(expires.t)
		if !fresh && lockedUntil.valid && now.Before(lockedUntil.t) {
			return nil // locked: refused, nothing written
		}
		if fresh {
			n = 0
		}
		n++
		lock := microseconds(ratelimit.LockDuration(n, maxFailures, duration, maxDuration))
		at := dbTime(now)
		if _, err := tx.ExecContext(ctx, sqlCounterWrite, n, at, microseconds(maxDuration), lock, at, lock, h); err != nil {
			return err
		}
		allowed = true
		return nil
	})
	if err != nil {
		return false, wrap(ctx, "count failure", err)
	}
	return allowed, nil
}

// Reset deletes key's lockout record.
func (s rateStore) Reset(ctx context.Context, key string) error {
	if _, err := s.a.db.ExecContext(ctx, sqlCounterReset, keyHash(key)); err != nil {
		return wrap(ctx, "reset lockout", err)
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
