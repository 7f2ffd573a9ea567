package layout

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Index is an index of a table as inspected: a primary key, a unique
// constraint or an index made by CREATE INDEX.
type Index struct {
	// Table and Name are the table's and the index's names as stored.
	Table, Name string
	// Columns are the indexed columns in order; an expression is "".
	Columns []string
	// Unique: the index rejects a second row with the same key.
	Unique bool
	// Usable: the index covers every row and is valid (not partial, not
	// a PostgreSQL index whose build failed); only a usable index counts
	// as serving a lookup or enforcing a key.
	Usable bool
}

// Indexes are a database's indexes as inspected.
type Indexes []Index

// pgIndexes lists the key columns of every index of the current schema's
// tables (INCLUDE columns left out); an expression's column is NULL.
const pgIndexes = `SELECT t.relname, i.relname, x.indisunique, x.indisvalid AND x.indpred IS NULL, k.ord, a.attname
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
WHERE n.nspname = current_schema() AND k.ord <= x.indnkeyatts
ORDER BY 1, 2, 5`

// mysqlIndexes lists the columns of every index of the database's tables.
const mysqlIndexes = `SELECT table_name, index_name, non_unique = 0, 1, seq_in_index, column_name
FROM information_schema.statistics
WHERE table_schema = DATABASE()
ORDER BY 1, 2, 5`

// sqliteIndexes lists the columns of every index of the file's tables
// (the automatic indexes of PRIMARY KEY and UNIQUE constraints included; an
// INTEGER PRIMARY KEY is the rowid and has none).
const sqliteIndexes = `SELECT m.name, il.name, il."unique", NOT il.partial, ii.seqno, ii.name
FROM sqlite_master m
JOIN pragma_index_list(m.name) il
JOIN pragma_index_info(il.name) ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY 1, 2, 5`

// InspectIndexes reads the indexes of the tables of db's current
// PostgreSQL schema, MySQL database or SQLite file (a PostgreSQL db is one
// of the pgx stdlib driver).
func InspectIndexes(ctx context.Context, db *sql.DB, d Dialect) (Indexes, error) {
	q := map[Dialect]string{Postgres: pgIndexes, MySQL: mysqlIndexes, SQLite: sqliteIndexes}[d]
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("layout: inspect indexes: %w", err)
	}
	defer rows.Close()
	var ix Indexes
	for rows.Next() {
		var (
			table, name    string
			unique, usable bool
			ord            int
			col            sql.NullString
		)
		if err := rows.Scan(&table, &name, &unique, &usable, &ord, &col); err != nil {
			return nil, fmt.Errorf("layout: inspect indexes: %w", err)
		}
		if n := len(ix); n > 0 && ix[n-1].Table == table && ix[n-1].Name == name {
			ix[n-1].Columns = append(ix[n-1].Columns, col.String)
			continue
		}
		ix = append(ix, Index{Table: table, Name: name, Columns: []string{col.String}, Unique: unique, Usable: usable})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("layout: inspect indexes: %w", err)
	}
	return ix, nil
}

// of are the indexes of table, as the dialect compares table names.
func (ix Indexes) of(d Dialect, table string) []Index {
	m := matcher{d: d}
	var out []Index
	for _, i := range ix {
		if m.same(i.Table, table) {
			out = append(out, i)
		}
	}
	return out
}

// Keyed reports whether a usable unique index of table enforces that no
// two rows share the values of cols: its columns are cols or some of
// them (a key on token alone keeps (identifier, token) unique too).
// Column names compare as the dialect compares them.
func (ix Indexes) Keyed(d Dialect, table string, cols ...string) bool {
	for _, i := range ix.of(d, table) {
		if i.Usable && i.Unique && subset(d, i.Columns, cols) {
			return true
		}
	}
	return false
}

// Leads reports whether a usable index of table starts with cols (in any
// order), so that a lookup on them can use it.
func (ix Indexes) Leads(d Dialect, table string, cols ...string) bool {
	for _, i := range ix.of(d, table) {
		if i.Usable && len(i.Columns) >= len(cols) && subset(d, i.Columns[:len(cols)], cols) {
			return true
		}
	}
	return false
}

// subset reports whether every name of a is one of b.
func subset(d Dialect, a, b []string) bool {
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return sameColumn(d, x, y) }) {
			return false
		}
	}
	return true
}

// sameColumn reports whether column names a and b name one column:
// PostgreSQL compares them exactly, MySQL and SQLite ignore case.
func sameColumn(d Dialect, a, b string) bool {
	if d == Postgres {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// named is the index called name, where the dialect looks names up:
// PostgreSQL and SQLite in the whole schema, MySQL per table.
func (ix Indexes) named(d Dialect, table, name string) (Index, bool) {
	m := matcher{d: d}
	for _, i := range ix {
		if strings.EqualFold(i.Name, name) && (d != MySQL || m.same(i.Table, table)) {
			return i, true
		}
	}
	return Index{}, false
}
