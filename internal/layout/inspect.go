package layout

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgInspect lists the tables and columns of the current schema.
const pgInspect = `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
ORDER BY c.relname, a.attnum`

// PgQuerier is what [InspectPostgres] reads through: a *pgxpool.Pool, a
// *pgx.Conn or a pgx.Tx.
type PgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// InspectPostgres reads the tables (and partitioned tables) of the
// connection's current schema (the first of its search_path that exists:
// Prisma's ?schema=) with their columns and types.
func InspectPostgres(ctx context.Context, q PgQuerier) (Schema, error) {
	rows, err := q.Query(ctx, pgInspect)
	if err != nil {
		return nil, fmt.Errorf("layout: inspect: %w", err)
	}
	s := Schema{}
	for rows.Next() {
		var t string
		var c Column
		if err := rows.Scan(&t, &c.Name, &c.Type); err != nil {
			rows.Close()
			return nil, fmt.Errorf("layout: inspect: %w", err)
		}
		s[t] = append(s[t], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("layout: inspect: %w", err)
	}
	return s, nil
}

// InspectPostgresSQL is [InspectPostgres] through database/sql (the pgx
// stdlib driver).
func InspectPostgresSQL(ctx context.Context, db *sql.DB) (Schema, error) {
	return inspectSQL(ctx, db, pgInspect)
}

// InspectMySQL reads the base tables of the connection's database with
// their columns and types.
func InspectMySQL(ctx context.Context, db *sql.DB) (Schema, error) {
	return inspectSQL(ctx, db, `SELECT c.table_name, c.column_name, c.column_type
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.ordinal_position`)
}

// InspectSQLite reads the tables of an SQLite database with their columns
// and declared types.
func InspectSQLite(ctx context.Context, db *sql.DB) (Schema, error) {
	return inspectSQL(ctx, db, `SELECT m.name, p.name, p.type
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, p.cid`)
}

func inspectSQL(ctx context.Context, db *sql.DB, query string) (Schema, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("layout: inspect: %w", err)
	}
	defer rows.Close()
	s := Schema{}
	for rows.Next() {
		var t string
		var c Column
		if err := rows.Scan(&t, &c.Name, &c.Type); err != nil {
			return nil, fmt.Errorf("layout: inspect: %w", err)
		}
		c.Type = strings.ToLower(c.Type)
		s[t] = append(s[t], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("layout: inspect: %w", err)
	}
	return s, nil
}
