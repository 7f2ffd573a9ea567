package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// Dialect is the SQL dialect of a [SQLQueue]'s database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
	MySQL // MySQL 8 or MariaDB 10.6 and later (FOR UPDATE SKIP LOCKED)
)

// SQLQueue is a [Queue] in the table nextauth_events of an SQL database:
// a message is inserted (and committed) by Enqueue, leased by Claim,
// deleted by Done. Times are kept in Unix milliseconds of the callers'
// clocks.
//
// On PostgreSQL and MySQL/MariaDB, Claim selects due rows with FOR
// UPDATE SKIP LOCKED inside a transaction and moves their due time to the
// end of the lease, so that workers of several processes claim disjoint
// rows and never wait for each other. On SQLite, which has one writer at
// a time, Claim is a single UPDATE … RETURNING statement: atomic, so two
// workers never lease the same row either.
type SQLQueue struct {
	db      *sql.DB
	dialect Dialect
}

var _ Queue = (*SQLQueue)(nil)

// NewSQLQueue returns the queue in db (which the caller owns) and creates
// its table, nextauth_events, when missing. For PostgreSQL through pgx's
// pool, db is stdlib.OpenDBFromPool(pool).
func NewSQLQueue(ctx context.Context, db *sql.DB, dialect Dialect) (*SQLQueue, error) {
	q := &SQLQueue{db: db, dialect: dialect}
	if err := q.createTable(ctx); err != nil {
		return nil, fmt.Errorf("webhook: create nextauth_events: %w", err)
	}
	return q, nil
}

func (q *SQLQueue) createTable(ctx context.Context) error {
	switch q.dialect {
	case SQLite:
		_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS nextauth_events (
  id         TEXT NOT NULL PRIMARY KEY,
  event_type TEXT NOT NULL,
  body       BLOB NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  due        INTEGER NOT NULL,
  lease      TEXT,
  created    INTEGER NOT NULL
)`)
		if err == nil {
			_, err = q.db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS nextauth_events_due ON nextauth_events (due)`)
		}
		return err
	case Postgres:
		// Servers starting together would race on CREATE TABLE IF NOT
		// EXISTS (a duplicate pg_type row): take a transaction lock.
		tx, err := q.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('nextauth_events'))`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS nextauth_events (
  id         TEXT NOT NULL PRIMARY KEY,
  event_type TEXT NOT NULL,
  body       BYTEA NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  due        BIGINT NOT NULL,
  lease      TEXT,
  created    BIGINT NOT NULL
)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS nextauth_events_due ON nextauth_events (due)`); err != nil {
			return err
		}
		return tx.Commit()
	case MySQL:
		_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS nextauth_events (
  id         VARCHAR(64) NOT NULL PRIMARY KEY,
  event_type VARCHAR(32) NOT NULL,
  body       LONGBLOB NOT NULL,
  attempts   INT NOT NULL DEFAULT 0,
  due        BIGINT NOT NULL,
  lease      VARCHAR(64) NULL,
  created    BIGINT NOT NULL,
  INDEX nextauth_events_due (due)
) ENGINE=InnoDB`)
		return err
	}
	return fmt.Errorf("unknown dialect %d", q.dialect)
}

// bind rewrites ? placeholders as $1, $2, … for PostgreSQL.
func (q *SQLQueue) bind(query string) string {
	if q.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Enqueue implements [Queue].
func (q *SQLQueue) Enqueue(ctx context.Context, m Message) error {
	now := time.Now().UnixMilli()
	_, err := q.db.ExecContext(ctx, q.bind(`INSERT INTO nextauth_events (id, event_type, body, attempts, due, lease, created) VALUES (?, ?, ?, ?, 0, NULL, ?)`),
		m.ID, m.Type, m.Body, m.Attempts, now)
	if err != nil {
		return fmt.Errorf("webhook: enqueue %s: %w", m.ID, err)
	}
	return nil
}

// deadlockRetries is how many times a statement the database chose as a
// deadlock victim is run again: a claim locks rows through the due index
// and then the primary key, a delete in the other order, so InnoDB and
// PostgreSQL may break a cycle between workers by failing one of them.
const deadlockRetries = 5

// isDeadlock reports whether err is a deadlock or serialization failure
// that running the transaction again resolves.
func isDeadlock(err error) bool {
	if me, ok := errors.AsType[*gomysql.MySQLError](err); ok {
		return me.Number == 1213 || me.Number == 1205 // deadlock, lock wait timeout
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pe.Code == "40P01" || pe.Code == "40001"
	}
	return false
}

// again runs f until it succeeds, fails otherwise than by a deadlock, or
// has been tried deadlockRetries times.
func again[T any](f func() (T, error)) (T, error) {
	var v T
	var err error
	for range deadlockRetries {
		if v, err = f(); err == nil || !isDeadlock(err) {
			return v, err
		}
	}
	return v, err
}

// Claim implements [Queue].
func (q *SQLQueue) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error) {
	return again(func() ([]Claim, error) { return q.claim(ctx, now, lease, max) })
}

func (q *SQLQueue) claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error) {
	token := NewID()
	nowMs, until := now.UnixMilli(), now.Add(lease).UnixMilli()
	if q.dialect == SQLite {
		rows, err := q.db.QueryContext(ctx, `UPDATE nextauth_events SET due = ?, lease = ?
WHERE id IN (SELECT id FROM nextauth_events WHERE due <= ? ORDER BY due, created LIMIT ?)
RETURNING id, event_type, body, attempts`, until, token, nowMs, max)
		if err != nil {
			return nil, fmt.Errorf("webhook: claim: %w", err)
		}
		return scanClaims(rows, token)
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	rows, err := tx.QueryContext(ctx, q.bind(`SELECT id, event_type, body, attempts FROM nextauth_events
WHERE due <= ? ORDER BY due, created LIMIT ? FOR UPDATE SKIP LOCKED`), nowMs, max)
	if err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	claims, err := scanClaims(rows, token)
	if err != nil || len(claims) == 0 {
		return nil, err
	}
	args := []any{until, token}
	marks := make([]string, len(claims))
	for i, c := range claims {
		marks[i] = "?"
		args = append(args, c.ID)
	}
	if _, err := tx.ExecContext(ctx, q.bind(`UPDATE nextauth_events SET due = ?, lease = ? WHERE id IN (`+strings.Join(marks, ", ")+`)`), args...); err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	return claims, nil
}

func scanClaims(rows *sql.Rows, token string) ([]Claim, error) {
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c := Claim{Lease: token}
		if err := rows.Scan(&c.ID, &c.Type, &c.Body, &c.Attempts); err != nil {
			return nil, fmt.Errorf("webhook: claim: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	return out, nil
}

// Done implements [Queue].
func (q *SQLQueue) Done(ctx context.Context, c Claim) error {
	_, err := again(func() (sql.Result, error) {
		return q.db.ExecContext(ctx, q.bind(`DELETE FROM nextauth_events WHERE id = ? AND lease = ?`), c.ID, c.Lease)
	})
	if err != nil {
		return fmt.Errorf("webhook: delete delivered %s: %w", c.ID, err)
	}
	return nil
}

// Retry implements [Queue].
func (q *SQLQueue) Retry(ctx context.Context, c Claim, due time.Time) error {
	_, err := again(func() (sql.Result, error) {
		return q.db.ExecContext(ctx, q.bind(`UPDATE nextauth_events SET due = ?, attempts = attempts + 1, lease = NULL WHERE id = ? AND lease = ?`),
			due.UnixMilli(), c.ID, c.Lease)
	})
	if err != nil {
		return fmt.Errorf("webhook: reschedule %s: %w", c.ID, err)
	}
	return nil
}

// Pending implements [Queue].
func (q *SQLQueue) Pending(ctx context.Context) (int64, error) {
	var n int64
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM nextauth_events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("webhook: count pending: %w", err)
	}
	return n, nil
}
