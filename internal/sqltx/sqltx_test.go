package sqltx_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/sqltx"
)

// TestRun: a transaction commits when f succeeds, rolls back when it
// fails, and a retried error runs the whole transaction again, at most
// attempts times.
func TestRun(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	errBusy, errOther := errors.New("busy"), errors.New("other")
	retry := func(err error) bool { return errors.Is(err, errBusy) }

	tests := []struct {
		name      string
		failures  []error // f's error on each call, then nil
		attempts  int
		wantErr   error
		wantCalls int
		wantRows  int // rows added
	}{
		{"commits", nil, 4, nil, 1, 1},
		{"retried then commits", []error{errBusy, errBusy}, 4, nil, 3, 1},
		{"retries run out", []error{errBusy, errBusy, errBusy, errBusy}, 3, errBusy, 3, 0},
		{"other error not retried", []error{errOther}, 4, errOther, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, calls := count(), 0
			err := sqltx.Run(ctx, db, nil, tt.attempts, retry, func(tx *sql.Tx) error {
				calls++
				if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (?)`, calls); err != nil {
					return err
				}
				if calls <= len(tt.failures) {
					return tt.failures[calls-1]
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || calls != tt.wantCalls {
				t.Errorf("Run() = %v after %d calls, want %v after %d", err, calls, tt.wantErr, tt.wantCalls)
			}
			if got := count() - before; got != tt.wantRows {
				t.Errorf("rows added = %d, want %d (failed attempts rolled back)", got, tt.wantRows)
			}
		})
	}
}
