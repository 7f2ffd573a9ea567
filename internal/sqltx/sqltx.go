// Package sqltx runs a function in a database/sql transaction, the way the
// SQL adapters (adapter/mysql, adapter/sqllayout) need it: rolled back on
// any error, committed otherwise, and tried again on errors the database
// asks to retry (a MySQL deadlock).
package sqltx

import (
	"context"
	"database/sql"
)

// Run runs f in a transaction of db begun with opts, committing when f
// returns nil and rolling back otherwise. When the attempt's error is one
// retry reports true for (nil: none), the whole transaction runs again,
// up to attempts times in all.
func Run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, attempts int, retry func(error) bool, f func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := once(ctx, db, opts, f)
		if err != nil && attempt < attempts && retry != nil && retry(err) {
			continue
		}
		return err
	}
}

// once is one attempt of Run.
func once(ctx context.Context, db *sql.DB, opts *sql.TxOptions, f func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
