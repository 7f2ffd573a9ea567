package config

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/layout"
)

// served is the layout this version reads and writes; it creates it in an
// empty database.
const served = layout.PgAdapter

// servedTables names the tables of the served layout, for messages.
const servedTables = "users, accounts, sessions, verification_token"

// UnservedError is a database holding a NextAuth layout this version does
// not read or write yet: the server refuses it rather than create its own
// tables beside the app's.
type UnservedError struct {
	// Layout is what the database holds.
	Layout layout.Result
	// Forced is the database_layout that asked for it, if any.
	Forced string
}

// Error names the layout found and the one served.
func (e *UnservedError) Error() string {
	what := "the database holds the " + string(e.Layout.Layout) + " layout"
	if e.Layout.Layout == layout.Empty {
		what = "database_layout: " + e.Forced + ", but the database has none of its tables"
	} else {
		tables := strings.Join(e.Layout.Tables, ", ")
		if e.Layout.Variant != "" {
			tables = e.Layout.Variant + ": tables " + tables
		} else {
			tables = "tables " + tables
		}
		what += " (" + tables + ")"
	}
	return what + "; this version serves only the " + string(served) + " layout (" + servedTables +
		"), which it creates in an empty database; nothing was created or changed"
}

// checkLayout classifies the database's tables (or checks the forced
// database_layout alone): the served layout and an empty database are
// served; another layout is an [*UnservedError]; a partial or mixed one a
// *layout.Mismatch.
func (f *File) checkLayout(s layout.Schema, d layout.Dialect) (layout.Result, error) {
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
	case r.Layout == served:
		return r, nil
	case r.Layout == layout.Empty && (forced == "" || forced == served):
		return r, nil
	}
	return r, &UnservedError{Layout: r, Forced: f.DatabaseLayout}
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
