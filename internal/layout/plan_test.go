package layout

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// openFixture creates the tables of testdata/file and the extra
// statements in a fresh database of dialect d and opens it.
func openFixture(t *testing.T, d Dialect, file string, extra ...string) *sql.DB {
	t.Helper()
	ddl, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var db *sql.DB
	switch d {
	case Postgres:
		dsn := servicetest.PostgresDatabase(t)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, q := range append([]string{string(ddl), "SET search_path = public"}, extra...) {
			if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
	case MySQL:
		_, dsn := servicetest.MySQLDatabase(t)
		setup, err := sql.Open("mysql", dsn+"&multiStatements=true")
		if err != nil {
			t.Fatal(err)
		}
		defer setup.Close()
		for _, q := range append([]string{string(ddl)}, extra...) {
			if _, err := setup.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		if db, err = sql.Open("mysql", dsn); err != nil {
			t.Fatal(err)
		}
	case SQLite:
		db, err = sql.Open("sqlite", filepath.Join(t.TempDir(), "app.db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range append([]string{string(ddl)}, extra...) {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// snapshot describes db's tables, columns and indexes, one line each,
// sorted.
func snapshot(t *testing.T, db *sql.DB, d Dialect) []string {
	t.Helper()
	ctx := context.Background()
	var s Schema
	var err error
	switch d {
	case Postgres:
		s, err = InspectPostgresSQL(ctx, db)
	case MySQL:
		s, err = InspectMySQL(ctx, db)
	case SQLite:
		s, err = InspectSQLite(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	ix, err := InspectIndexes(ctx, db, d)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for table, cols := range s {
		for _, c := range cols {
			lines = append(lines, "column "+table+"."+c.Name+" "+c.Type)
		}
	}
	for _, i := range ix {
		lines = append(lines, fmt.Sprintf("index %s on %s (%s) unique=%v usable=%v", i.Name, i.Table, strings.Join(i.Columns, ", "), i.Unique, i.Usable))
	}
	slices.Sort(lines)
	return lines
}

// added are the lines of after that before lacks.
func added(before, after []string) []string {
	var out []string
	for _, l := range after {
		if !slices.Contains(before, l) {
			out = append(out, l)
		}
	}
	return out
}

// TestPlanIndexes plans the indexes of each tool's tables (the plans are
// testdata/plans.golden, which docs/migrating.md describes), applies them,
// and checks that exactly the planned indexes were added and nothing else
// changed; planned again there is nothing to do, and applying again adds
// nothing.
func TestPlanIndexes(t *testing.T) {
	var golden bytes.Buffer
	for _, f := range fixtures {
		if f.want == PgAdapter {
			continue
		}
		t.Run(f.file, func(t *testing.T) {
			ctx := context.Background()
			db := openFixture(t, f.d, f.file, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)")
			before := snapshot(t, db, f.d)
			r, err := Detect(mustInspect(t, db, f.d), f.d)
			if err != nil {
				t.Fatal(err)
			}
			p, err := PlanIndexes(ctx, db, f.d, r)
			if err != nil {
				t.Fatalf("PlanIndexes() = %v", err)
			}
			fmt.Fprintf(&golden, "== %s\n", f.file)
			for _, s := range p.Steps {
				fmt.Fprintf(&golden, "%s\n", s.SQL)
				if s.Blocked() {
					t.Errorf("%s blocked on an empty table: %s", s.Name, s.BlockedReason())
				}
			}
			for _, n := range p.Notes {
				fmt.Fprintf(&golden, "note: %s\n", n)
			}
			if got := snapshot(t, db, f.d); !slices.Equal(got, before) {
				t.Errorf("planning changed the database: %q", added(before, got))
			}

			names, err := p.Apply(ctx, db)
			if err != nil {
				t.Fatalf("Apply() = %v", err)
			}
			var want []string
			for _, s := range p.Steps {
				want = append(want, s.Name)
			}
			if !slices.Equal(names, want) {
				t.Errorf("Apply() added %q, want %q", names, want)
			}
			after := snapshot(t, db, f.d)
			var newIndexes []string
			for _, l := range added(before, after) {
				name, _, _ := strings.Cut(strings.TrimPrefix(l, "index "), " ")
				if !strings.HasPrefix(l, "index nextauth_") || !strings.Contains(l, "usable=true") {
					t.Errorf("Apply() made %q, want only usable nextauth_ indexes", l)
				}
				newIndexes = append(newIndexes, name)
			}
			slices.Sort(want)
			if !slices.Equal(newIndexes, want) {
				t.Errorf("indexes added = %q, want %q", newIndexes, want)
			}
			for _, l := range before {
				if !slices.Contains(after, l) {
					t.Errorf("after Apply() %q is gone", l)
				}
			}

			again, err := PlanIndexes(ctx, db, f.d, r)
			if err != nil || len(again.Steps) != 0 || !slices.Equal(again.Notes, p.Notes) {
				t.Errorf("PlanIndexes() after Apply() = %+v, %v, want no step", again, err)
			}
			if names, err := p.Apply(ctx, db); err != nil || (f.d == MySQL && len(names) != 0) {
				t.Errorf("Apply() again = %q, %v, want nothing added", names, err)
			}
			if got := snapshot(t, db, f.d); !slices.Equal(got, after) {
				t.Errorf("Apply() again changed the database: %q", added(after, got))
			}
		})
	}
	if t.Failed() {
		return
	}
	path := filepath.Join("testdata", "plans.golden")
	if *update {
		if err := os.WriteFile(path, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(golden.Bytes(), want) {
		t.Errorf("plans differ from %s (go test -run TestPlanIndexes -update ./internal/layout/ rewrites it):\n%s", path, golden.Bytes())
	}
}

func mustInspect(t *testing.T, db *sql.DB, d Dialect) Schema {
	t.Helper()
	ctx := context.Background()
	var s Schema
	var err error
	switch d {
	case Postgres:
		s, err = InspectPostgresSQL(ctx, db)
	case MySQL:
		s, err = InspectMySQL(ctx, db)
	case SQLite:
		s, err = InspectSQLite(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlanIndexesDuplicates fills TypeORM's tables with two accounts of
// one provider account and two rows of one e-mail token: both unique
// indexes are blocked, naming the keys (the token shortened), the others
// are added, no row is deleted, and once the rows are merged the next
// plan adds the unique indexes.
func TestPlanIndexesDuplicates(t *testing.T) {
	for _, tt := range []struct {
		file string
		d    Dialect
	}{
		{"typeorm-postgres.sql", Postgres},
		{"typeorm-mysql.sql", MySQL},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ctx := context.Background()
			const u = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
			rows := []string{
				`INSERT INTO users (id, email) VALUES ('` + u + `', 'ada@example.test')`,
				`INSERT INTO accounts (id, "userId", type, provider, "providerAccountId") VALUES
				 ('11111111-1111-4111-8111-111111111111', '` + u + `', 'oauth', 'github', '42'),
				 ('22222222-2222-4222-8222-222222222222', '` + u + `', 'oauth', 'github', '42'),
				 ('33333333-3333-4333-8333-333333333333', '` + u + `', 'oauth', 'google', '42')`,
				`INSERT INTO verification_tokens (id, identifier, token, expires) VALUES
				 ('44444444-4444-4444-8444-444444444444', 'ada@example.test', 'c0ffee0123456789', '1900000000000'),
				 ('55555555-5555-4555-8555-555555555555', 'ada@example.test', 'c0ffee0123456789', '1900000000000')`,
			}
			if tt.d == MySQL {
				for i := range rows {
					rows[i] = strings.ReplaceAll(rows[i], `"`, "`")
				}
			}
			db := openFixture(t, tt.d, tt.file, rows...)
			count := func() string {
				var a, v int
				if err := db.QueryRow("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM verification_tokens)").Scan(&a, &v); err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(a, v)
			}
			r, err := Detect(mustInspect(t, db, tt.d), tt.d)
			if err != nil {
				t.Fatal(err)
			}
			p, err := PlanIndexes(ctx, db, tt.d, r)
			if err != nil {
				t.Fatal(err)
			}
			blocked := map[string]string{}
			for _, s := range p.Steps {
				if s.Blocked() {
					blocked[s.Name] = s.BlockedReason()
				}
			}
			wantReasons := map[string][]string{
				"nextauth_accounts_provider_key": {`1 (provider, providerAccountId) key(s) of "accounts" are held by more than one row: ("github", "42") in 2 rows`, "no row was deleted"},
				"nextauth_tokens_key":            {`("ada@example.test", "c0ff…") in 2 rows`},
			}
			if len(blocked) != len(wantReasons) {
				t.Errorf("blocked steps = %q, want %d", blocked, len(wantReasons))
			}
			for name, parts := range wantReasons {
				for _, part := range parts {
					if !strings.Contains(blocked[name], part) {
						t.Errorf("%s: %q, want it to hold %q", name, blocked[name], part)
					}
				}
			}
			if strings.Contains(blocked["nextauth_tokens_key"], "c0ffee0123456789") {
				t.Errorf("the blocked reason shows the whole token: %q", blocked["nextauth_tokens_key"])
			}
			before := count()
			names, err := p.Apply(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(names, "nextauth_accounts_provider_key") || slices.Contains(names, "nextauth_tokens_key") || len(names) != len(p.Steps)-2 {
				t.Errorf("Apply() added %q, want all but the blocked", names)
			}
			if after := count(); after != before {
				t.Errorf("rows (accounts, tokens): %s before, %s after", before, after)
			}
			ix, err := InspectIndexes(ctx, db, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if ix.Keyed(tt.d, "accounts", "provider", "providerAccountId") || ix.Keyed(tt.d, "verification_tokens", "identifier", "token") {
				t.Errorf("a blocked unique index was added: %+v", ix)
			}

			// Merged by hand: the next plan has only the unique indexes.
			for _, q := range []string{
				"DELETE FROM accounts WHERE id = '22222222-2222-4222-8222-222222222222'",
				"DELETE FROM verification_tokens WHERE id = '55555555-5555-4555-8555-555555555555'",
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			p, err = PlanIndexes(ctx, db, tt.d, r)
			if err != nil {
				t.Fatal(err)
			}
			if names, err := p.Apply(ctx, db); err != nil || !slices.Equal(names, []string{"nextauth_accounts_provider_key", "nextauth_tokens_key"}) {
				t.Errorf("Apply() after merging = %q, %v, want the two unique indexes", names, err)
			}
		})
	}
}

// TestPlanIndexesExisting checks that an index the app already has is not
// planned again, and that an index of the plan's name that does not serve
// (other columns) is reported, not replaced.
func TestPlanIndexesExisting(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t, SQLite, "drizzle-sqlite.sql",
		"CREATE INDEX app_session_user ON session (userId, expires)",
		"CREATE INDEX nextauth_sessions_expires_idx ON session (sessionToken)")
	r, err := Detect(mustInspect(t, db, SQLite), SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanIndexes(ctx, db, SQLite, r)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"nextauth_accounts_user_idx", "nextauth_tokens_expires_idx"}; !slices.Equal(names, want) {
		t.Errorf("steps = %q, want %q", names, want)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], `an index nextauth_sessions_expires_idx is on "session" but does not serve (on sessionToken): drop it`) {
		t.Errorf("notes = %q, want the index that does not serve reported", p.Notes)
	}
}
