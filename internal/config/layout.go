package config

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/layout"
)

// created is the server's own layout, which it creates in an empty
// database.
const created = layout.PgAdapter

// createdTables names the tables of the created layout, for messages.
const createdTables = "users, accounts, sessions, verification_token"

// foreignServed lists, for each layout of another adapter, the kinds of
// database on which adapter/sqllayout serves it (those its tests cover,
// with the tool's own tables).
var foreignServed = map[layout.Name][]string{
	layout.Prisma:  {KindPostgres, KindMySQL, KindSQLite},
	layout.Kysely:  {KindPostgres},
	layout.Drizzle: {KindPostgres, KindMySQL, KindSQLite},
	layout.TypeORM: {KindPostgres, KindMySQL},
}

// kindNames are the kinds of database as messages name them.
var kindNames = map[string]string{KindPostgres: "PostgreSQL", KindMySQL: "MySQL/MariaDB", KindSQLite: "SQLite"}

// UnservedError is a database this version does not serve: a NextAuth
// layout on a kind of database it does not serve that layout on, or a
// forced database_layout of another adapter whose tables are not there
// (the server creates only its own layout). The server refuses it rather
// than create its own tables beside the app's.
type UnservedError struct {
	// Layout is what the database holds.
	Layout layout.Result
	// Forced is the database_layout that asked for it, if any.
	Forced string
	// Kind is the kind of database.
	Kind string
}

// Error names the layout found and what is served.
func (e *UnservedError) Error() string {
	if e.Layout.Layout == layout.Empty {
		return "database_layout: " + e.Forced + ", but the database has none of its tables; the server creates only the " +
			string(created) + " layout (" + createdTables + ") in an empty database; nothing was created or changed"
	}
	var on []string
	for _, k := range foreignServed[e.Layout.Layout] {
		on = append(on, kindNames[k])
	}
	return "the database holds the " + describeLayout(e.Layout) + " on " + kindNames[e.Kind] + "; this version serves the " +
		string(e.Layout.Layout) + " layout on " + strings.Join(on, ", ") + " only; nothing was created or changed"
}

// describeLayout names r's layout and tables: "prisma layout (Auth.js: tables
// User, …)".
func describeLayout(r layout.Result) string {
	tables := "tables " + strings.Join(r.Tables, ", ")
	if r.Variant != "" {
		tables = r.Variant + ": " + tables
	}
	return string(r.Layout) + " layout (" + tables + ")"
}

// checkLayout classifies the database's tables (or checks the forced
// database_layout alone): the created layout and an empty database are
// served by the kind's own adapter, another adapter's layout by
// adapter/sqllayout where it is served on kind; anything else is an
// [*UnservedError], and a partial or mixed layout a *layout.Mismatch.
func (f *File) checkLayout(s layout.Schema, d layout.Dialect, kind string) (layout.Result, error) {
	forced := layout.Name(f.DatabaseLayout)
	var (
		r   layout.Result
		err error
	)
	if forced != "" {
		r, err = layout.Expect(s, d, forced)
	} else {
		r, err = layout.Detect(s, d)
	}
	if err != nil {
		return r, err
	}
	switch {
	case r.Layout == created:
		return r, nil
	case r.Layout == layout.Empty && (forced == "" || forced == created):
		return r, nil
	case r.Layout != layout.Empty && slices.Contains(foreignServed[r.Layout], kind):
		return r, nil
	}
	return r, &UnservedError{Layout: r, Forced: f.DatabaseLayout, Kind: kind}
}

// foreign reports whether r is another adapter's layout, served by
// adapter/sqllayout.
func foreign(r layout.Result) bool {
	return r.Layout != layout.Empty && r.Layout != created
}

// foreignWarnings say what the server cannot keep on another adapter's
// layout of a database of kind when database_options.server_tables is
// false: it has no table for it.
func foreignWarnings(r layout.Result, kind string) []string {
	l := string(r.Layout)
	var w []string
	if kind != KindSQLite { // SQLite keeps them in the process anyway
		w = append(w, "rate limits and lockout are kept in this process only: the "+l+" layout has no table for them "+
			"and database_options.server_tables is false (servers sharing this database count apart)")
	}
	return append(w, "JWT session revocation is unavailable on the "+l+" layout (no table for it, and "+
		"database_options.server_tables is false): signing out ends a JWT session only in the browser, and the "+
		"admin API cannot revoke JWT sessions")
}

// layoutError is a refused layout, for the database db.
func layoutError(db *database, err error) error {
	return fmt.Errorf("config: database %s: %w", db.shown, err)
}

// inspectSQLite reads the tables of db's SQLite file read-only; a file
// that does not exist yet has none.
func inspectSQLite(ctx context.Context, db *database) (layout.Schema, error) {
	if db.path == sqlite.Memory {
		return layout.Schema{}, nil
	}
	h, err := sqlite.OpenReadOnly(db.path)
	if errors.Is(err, fs.ErrNotExist) {
		return layout.Schema{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer h.Close()
	if st, err := os.Stat(db.path); err == nil && st.Size() == 0 {
		return layout.Schema{}, nil // an empty file: a new database
	}
	return layout.InspectSQLite(ctx, h)
}

// inspectPostgres reads the tables of the pool's current schema.
func inspectPostgres(ctx context.Context, pool *pgxpool.Pool) (layout.Schema, error) {
	return layout.InspectPostgres(ctx, pool)
}

// inspectMySQL reads the tables of the handle's database.
func inspectMySQL(ctx context.Context, h *sql.DB) (layout.Schema, error) {
	return layout.InspectMySQL(ctx, h)
}
