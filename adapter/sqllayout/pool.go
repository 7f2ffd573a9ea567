package sqllayout

import (
	"database/sql"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresDB returns a database/sql handle on pool for [New] with
// [Postgres]. Unlike stdlib.OpenDBFromPool alone, which keeps no idle
// connection (each query acquires a pool connection, wraps it in a new
// database/sql connection and releases both), the handle keeps up to the
// pool's size checked out between queries and reuses them: on GET
// /session that was a fifth of the client's CPU. Connections go back to
// the pool after its MaxConnLifetime, so the pool still renews them.
// Closing the handle gives them back; the caller closes the pool after.
func PostgresDB(pool *pgxpool.Pool) *sql.DB {
	db := stdlib.OpenDBFromPool(pool)
	c := pool.Config()
	n := int(c.MaxConns)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if c.MaxConnLifetime > 0 {
		db.SetConnMaxLifetime(c.MaxConnLifetime)
	}
	return db
}
