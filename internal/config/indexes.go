package config

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/layout"
)

// migrateIndexes plans the indexes another adapter's layout (r.Layout)
// lacks and, unless r is a dry run, shows the plan (when show is not nil)
// and adds them: nextauth_-named indexes only, never a change to the
// adapter's tables or columns (see [layout.PlanIndexes]).
func migrateIndexes(ctx context.Context, d *database, r *MigrateResult, show func(plan string)) (err error) {
	var (
		h  *sql.DB
		ld layout.Dialect
	)
	switch d.kind {
	case KindSQLite:
		ld = layout.SQLite
		if r.DryRun {
			h, err = sqlite.OpenReadOnly(d.path) // changes nothing, not even the journal mode
		} else {
			h, err = openSQLite(d)
		}
	case KindPostgres:
		ld = layout.Postgres
		var pool *pgxpool.Pool
		if pool, err = pgxpool.New(ctx, d.dsn); err != nil {
			return err
		}
		defer pool.Close()
		h = stdlib.OpenDBFromPool(pool)
	case KindMySQL:
		ld = layout.MySQL
		h, err = mysql.Open(d.dsn, mysql.Options{MaxConns: 2})
	default:
		return nil
	}
	if err != nil {
		return err
	}
	defer func() {
		if cerr := h.Close(); err == nil {
			err = cerr
		}
	}()
	if r.Indexes, err = layout.PlanIndexes(ctx, h, ld, r.Layout); err != nil {
		return err
	}
	if r.DryRun || len(r.Indexes.Pending()) == 0 {
		return nil
	}
	if show != nil {
		show(r.PlanString())
	}
	r.Added, err = r.Indexes.Apply(ctx, h)
	if err != nil && len(r.Added) > 0 {
		return fmt.Errorf("added %s, then: %w", strings.Join(r.Added, ", "), err)
	}
	return err
}

// NotAdded is how many indexes of the plan duplicate keys kept out: rows
// the app must merge or delete before migrate can add a unique key.
func (r MigrateResult) NotAdded() int {
	if r.Indexes == nil {
		return 0
	}
	n := 0
	for _, s := range r.Indexes.Steps {
		if s.Blocked() {
			n++
		}
	}
	return n
}

// PlanString describes, for another adapter's layout, what migrate does:
// the layout served as it is, the indexes it adds (each statement and
// why), those duplicate keys keep out and what is not offered; for the
// server's own layout it is [MigrateResult.String].
func (r MigrateResult) PlanString() string {
	if !foreign(r.Layout) {
		return r.String()
	}
	head := fmt.Sprintf("%s: layout %s, served as it is", r.Database, foreignTables(r.Layout))
	if r.Indexes == nil {
		return head + "; nothing to migrate"
	}
	var b strings.Builder
	b.WriteString(head)
	pending := r.Indexes.Pending()
	switch {
	case len(r.Indexes.Steps) == 0:
		b.WriteString("; its tables have every index the server needs; nothing to migrate")
	case len(pending) == 0:
		b.WriteString("; nothing to migrate until the rows sharing a key below are merged or deleted")
	default:
		fmt.Fprintf(&b, "\nplan: add %d index%s (the tables and their columns stay as they are):", len(pending), plural(len(pending), "es"))
		for _, s := range pending {
			fmt.Fprintf(&b, "\n  %s;\n    -- %s", s.SQL, s.Why)
		}
	}
	for _, s := range r.Indexes.Steps {
		if s.Blocked() {
			b.WriteString("\nnot added: " + s.BlockedReason())
		}
	}
	for _, n := range r.Indexes.Notes {
		b.WriteString("\nnote: " + n)
	}
	return b.String()
}

// Outcome is the last line of [MigrateResult.String] for another adapter's
// layout: what a dry run would have added, or which indexes were added;
// "" when the plan had nothing to add.
func (r MigrateResult) Outcome() string {
	if r.Indexes == nil || len(r.Indexes.Pending()) == 0 && len(r.Added) == 0 {
		return ""
	}
	if r.DryRun {
		return "dry run: nothing changed"
	}
	if len(r.Added) == 0 {
		return "nothing added (the indexes were added meanwhile)"
	}
	return fmt.Sprintf("added %d index%s: %s", len(r.Added), plural(len(r.Added), "es"), strings.Join(r.Added, ", "))
}

// foreignString is [MigrateResult.String] for another adapter's layout.
func (r MigrateResult) foreignString() string {
	s := r.PlanString()
	if o := r.Outcome(); o != "" {
		s += "\n" + o
	}
	return s
}

// plural is suffix unless n is 1.
func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}
