package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nextauth-go/nextauth"
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

	// sqlCounterIncr counts from 1 again once the counter has expired
	// (MySQL assigns left to right: n reads the old expires).
	sqlCounterIncr = "INSERT INTO nextauth_rate_counters (key_hash, n, expires)" +
		" VALUES (?, 1, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND) ON DUPLICATE KEY UPDATE" +
		" n = IF(expires <= UTC_TIMESTAMP(6), 1, n + 1), expires = VALUES(expires)"
	sqlCounterRead  = "SELECT n FROM nextauth_rate_counters WHERE key_hash = ?"
	sqlCounterCount = "SELECT n FROM nextauth_rate_counters WHERE key_hash = ? AND expires > UTC_TIMESTAMP(6)"
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
//   - Incr is one transaction of an INSERT … ON DUPLICATE KEY UPDATE on
//     key's counter, which counts from 1 again once ttl has passed since
//     the last increment, and a read of the count under its lock;
//   - Count is one SELECT, Reset one DELETE, Refund one UPDATE.
//
// [Adapter.DeleteExpired] deletes the buckets idle for a whole window and
// the forgotten counters. A window must be positive; windows and ttls
// count in whole microseconds (rounded up); a ttl of zero or less forgets
// the counter at once.
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

// Incr adds one to key's counter and makes it expire ttl from now.
func (s rateStore) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	h := keyHash(key)
	var n int64
	err := s.a.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlCounterIncr, h, microseconds(ttl)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, sqlCounterRead, h).Scan(&n)
	})
	if err != nil {
		return 0, wrap(ctx, "increment rate counter", err)
	}
	return n, nil
}

// Count returns key's counter, 0 once expired.
func (s rateStore) Count(ctx context.Context, key string) (int64, error) {
	var n int64
	err := s.a.db.QueryRowContext(ctx, sqlCounterCount, keyHash(key)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap(ctx, "read rate counter", err)
	}
	return n, nil
}

// Reset deletes key's counter.
func (s rateStore) Reset(ctx context.Context, key string) error {
	if _, err := s.a.db.ExecContext(ctx, sqlCounterReset, keyHash(key)); err != nil {
		return wrap(ctx, "reset rate counter", err)
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
