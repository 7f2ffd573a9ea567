package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/ratestoretest"
)

// TestRateStoreConformance runs the shared RateStore suite on the
// database's clock, with a second store on its own pool as the second
// server of a fleet.
func TestRateStoreConformance(t *testing.T) {
	dsn := newDatabase(t)
	a := New(newPool(t, dsn))
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	peer := newPool(t, dsn)
	ratestoretest.Run(t, func(*testing.T) nextauth.RateStore { return a.RateStore() }, ratestoretest.Options{
		NewPeer: func(*testing.T) nextauth.RateStore { return NewRateStore(peer) },
	})
}

// rateKeys lists the keys of the rate-limit tables: "bucket <key>
// <capacity> <window µs>" and "counter <key> <n>" (a lockout record).
func rateKeys(t *testing.T, a *Adapter) []string {
	t.Helper()
	return queryStrings(t, a.pool, `SELECT format('bucket %s %s %s', convert_from(key, 'UTF8'), capacity, window_us) FROM nextauth_rate_buckets
UNION ALL SELECT format('counter %s %s', convert_from(key, 'UTF8'), n) FROM nextauth_rate_counters
ORDER BY 1`)
}

// TestDeleteExpiredRateRows: DeleteExpired deletes the buckets idle for a
// whole window and the lockout records past their max duration, once both
// its now and the database's clock say so, and keeps the rest.
func TestDeleteExpiredRateRows(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	s := a.RateStore()
	const short = 200 * time.Millisecond
	for _, b := range []struct {
		key    string
		window time.Duration
	}{{"stale", short}, {"fresh", time.Hour}} {
		if ok, err := s.Take(ctx, b.key, 2, b.window); !ok || err != nil {
			t.Fatalf("Take(%s) = %v, %v, want true", b.key, ok, err)
		}
	}
	for _, c := range []struct {
		key string
		ttl time.Duration
	}{{"stale", short}, {"fresh", time.Hour}} {
		if _, err := s.Attempt(ctx, c.key, 5, c.ttl, c.ttl); err != nil {
			t.Fatalf("Attempt(%s): %v", c.key, err)
		}
	}
	all := []string{"bucket fresh 2 3600000000", "bucket stale 2 200000", "counter fresh 1", "counter stale 1"}
	checkLines(t, "rate rows", rateKeys(t, a), all)

	deleteExpired := func(now time.Time) {
		t.Helper()
		sessions, tokens, err := a.DeleteExpired(ctx, now)
		if sessions != 0 || tokens != 0 || err != nil {
			t.Fatalf("DeleteExpired(%v) = %d, %d, %v, want 0, 0, nil", now, sessions, tokens, err)
		}
	}
	// Wait until the database's clock says the short-lived rows are stale
	// (the event itself, however long the calls above took).
	waitDBClock(t, a, `SELECT clock_timestamp() > (SELECT updated + window_us * interval '1 microsecond' FROM nextauth_rate_buckets WHERE key = 'stale')
  AND clock_timestamp() > (SELECT expires FROM nextauth_rate_counters WHERE key = 'stale')`)

	// A now that is behind holds them back.
	deleteExpired(time.Now().Add(-time.Hour))
	checkLines(t, "rate rows after DeleteExpired(now - 1h)", rateKeys(t, a), all)

	// The database's clock holds back a now that is ahead: the rows of an
	// hour stay; the stale ones go.
	deleteExpired(time.Now().Add(24 * time.Hour))
	checkLines(t, "rate rows after DeleteExpired(now + 24h)", rateKeys(t, a), []string{"bucket fresh 2 3600000000", "counter fresh 1"})

	// Deleted rows were stale: a new bucket and record start afresh.
	if ok, err := s.Attempt(ctx, "stale", 5, time.Hour, time.Hour); !ok || err != nil {
		t.Errorf("Attempt(stale) after DeleteExpired = %v, %v, want true", ok, err)
	}
	for i := range 2 {
		if ok, err := s.Take(ctx, "stale", 2, short); !ok || err != nil {
			t.Errorf("Take #%d from a new bucket of 2 after DeleteExpired = %v, %v, want true", i+1, ok, err)
		}
	}
	checkLines(t, "rate rows after new Attempt and Take", rateKeys(t, a),
		[]string{"bucket fresh 2 3600000000", "bucket stale 2 200000", "counter fresh 1", "counter stale 1"})
}

// waitDBClock polls a query of one boolean, on the database's clock, until
// it is true.
func waitDBClock(t *testing.T, a *Adapter, query string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var done bool
		if err := a.pool.QueryRow(t.Context(), query).Scan(&done); err != nil {
			t.Fatalf("%s: %v", firstLine(query), err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still false after 30 s: %s", query)
		}
	}
}

// TestDeleteExpiredWithoutRateTables: on a schema made elsewhere, without
// the rate-limit tables, DeleteExpired still deletes sessions and tokens.
func TestDeleteExpiredWithoutRateTables(t *testing.T) {
	pool := newPool(t, newDatabase(t))
	exec(t, pool, pgAdapterSchema)
	exec(t, pool, nodeRows)
	sessions, tokens, err := New(pool).DeleteExpired(t.Context(), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if sessions != 1 || tokens != 0 || err != nil {
		t.Errorf("DeleteExpired = %d, %d, %v, want 1 (the 2020 session), 0, nil", sessions, tokens, err)
	}
}

// TestMigrateAddsRateTables: a database migrated before the rate-limit
// tables existed gets them from step 3, and nothing else changes.
func TestMigrateAddsRateTables(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, newDatabase(t))
	a := New(pool)
	for _, m := range migrations()[:2] {
		if _, err := a.apply(ctx, m); err != nil {
			t.Fatalf("step %d: %v", m.version, err)
		}
	}
	exec(t, pool, nodeRows)
	cols := columns(t, pool)
	var want []string
	for _, c := range fullSchema {
		if !strings.Contains(c, "nextauth_rate_") && !strings.Contains(c, "nextauth_revoked_") && !strings.Contains(c, "nextauth_session_claims") { // steps 3, 4 and 6
			want = append(want, c)
		}
	}
	checkLines(t, "keys and indexes before step 3", constraints(t, pool), want)

	if err := a.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	checkLines(t, "columns after step 3 (never altered)", columns(t, pool), cols)
	checkLines(t, "keys and indexes after step 3", constraints(t, pool), fullSchema)
	checkLines(t, "nextauth_migrations", migrationRecords(t, pool), allApplied)
	checkNodeRows(t, a)
	if ok, err := a.RateStore().Attempt(ctx, "k", 5, time.Minute, time.Hour); !ok || err != nil {
		t.Errorf("Attempt after step 3 = %v, %v, want true", ok, err)
	}
}

// TestRateStoreClockBack: a bucket last written by a statement whose clock
// read was later (a waiter behind the row lock, or a clock stepped back)
// keeps its tokens until the clock catches up, instead of going negative.
func TestRateStoreClockBack(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	s := a.RateStore()
	exec(t, a.pool, `INSERT INTO nextauth_rate_buckets (key, capacity, window_us, tokens, updated)
VALUES ('k', 3, 60000000, 2, clock_timestamp() + interval '1 hour')`)
	before := queryStrings(t, a.pool, `SELECT updated::text FROM nextauth_rate_buckets`)
	for i, want := range []bool{true, true, false} {
		if ok, err := s.Take(ctx, "k", 3, time.Minute); ok != want || err != nil {
			t.Errorf("Take #%d = %v, %v, want %v", i+1, ok, err, want)
		}
	}
	checkLines(t, "updated after Take", queryStrings(t, a.pool, `SELECT updated::text FROM nextauth_rate_buckets`), before)
}

// TestRateStoreUnits: windows and lockout durations count in whole
// microseconds, rounded up.
func TestRateStoreUnits(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	s := a.RateStore()
	if ok, err := s.Take(ctx, "odd", 1, time.Minute+time.Nanosecond); !ok || err != nil {
		t.Fatalf("Take(window 1m+1ns) = %v, %v, want true", ok, err)
	}
	got := queryStrings(t, a.pool, `SELECT format('%s %s', window_us, tokens) FROM nextauth_rate_buckets`)
	checkLines(t, "bucket of a 1m+1ns window", got, []string{"60000001 0"})
	// A lock of 1m+1ns is 60000001 µs: it ends 3539999999 µs before the
	// record's expiry, an hour after the failure.
	if ok, err := s.Attempt(ctx, "odd", 1, time.Minute+time.Nanosecond, time.Hour); !ok || err != nil {
		t.Fatalf("Attempt = %v, %v, want true", ok, err)
	}
	got = queryStrings(t, a.pool, `SELECT format('%s %s', n, (extract(epoch FROM expires - locked_until) * 1e6)::bigint) FROM nextauth_rate_counters`)
	checkLines(t, "lockout record of a 1m+1ns lock", got, []string{"1 3539999999"})
}

// TestRateStoreErrors: bad windows and database failures are errors naming
// the operation.
func TestRateStoreErrors(t *testing.T) {
	ctx := t.Context()
	a := newAdapter(t)
	for _, w := range []time.Duration{0, -time.Second} {
		if _, err := a.RateStore().Take(ctx, "k", 1, w); err == nil || !strings.HasPrefix(err.Error(), "postgres: take rate token: ") {
			t.Errorf("Take(window %v) error = %v, want a postgres: take rate token error", w, err)
		}
	}
	// Without the tables (Migrate not run), each call fails.
	s := NewRateStore(newPool(t, newDatabase(t)))
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
		if err == nil || !strings.HasPrefix(err.Error(), "postgres: "+c.name+": ") || !strings.Contains(err.Error(), "42P01") {
			t.Errorf("%s without the tables error = %v, want %q naming SQLSTATE 42P01", c.name, err, "postgres: "+c.name+": …")
		}
	}
}
