package layout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// want is an index a production store needs on one of a layout's tables:
// a unique key NextAuth relies on, or an index a lookup or the cleanup
// sweep uses.
type want struct {
	name    string // of the index to add: nextauth_…
	table   int    // 0 users, 1 accounts, 2 sessions, 3 verification tokens
	columns []string
	unique  bool
	// secret columns are not shown in full when duplicates are reported.
	secret []string
	why    string
}

// wants are the indexes the server's use of a layout's tables needs, in
// the order a plan lists them.
var wants = []want{
	{"nextauth_users_email_key", 0, []string{"email"}, true, nil,
		"one user per e-mail address: e-mail sign-in and account linking look users up by email"},
	{"nextauth_accounts_provider_key", 1, []string{"provider", "providerAccountId"}, true, nil,
		"(provider, providerAccountId) names one account: every OAuth sign-in looks it up, and without a unique key " +
			"two sign-ins at once (from the Node app, or from servers that do not share a lock) can link it twice"},
	{"nextauth_accounts_user_idx", 1, []string{"userId"}, false, nil,
		"deleting a user and finding a user's account at a provider look accounts up by userId"},
	{"nextauth_sessions_token_key", 2, []string{"sessionToken"}, true, []string{"sessionToken"},
		"a session token names one session: every request with a database session looks it up"},
	{"nextauth_sessions_user_idx", 2, []string{"userId"}, false, nil,
		"listing and ending a user's sessions (sign-out everywhere, the admin API) and deleting a user look sessions up by userId"},
	{"nextauth_sessions_expires_idx", 2, []string{"expires"}, false, nil,
		"the cleanup sweep deletes expired sessions by expires"},
	{"nextauth_tokens_key", 3, []string{"identifier", "token"}, true, []string{"token"},
		"(identifier, token) names one e-mail sign-in token: without a unique key the same token can be stored twice"},
	{"nextauth_tokens_expires_idx", 3, []string{"expires"}, false, nil,
		"the cleanup sweep deletes expired e-mail tokens by expires"},
}

// Step is one index a plan adds.
type Step struct {
	// Name is the index's name (nextauth_…), Table the table's as stored.
	Name, Table string
	// Columns are the indexed columns as stored.
	Columns []string
	// Unique: a unique index, added only when no two rows share a key.
	Unique bool
	// Why says what needs the index.
	Why string
	// SQL is the statement that adds it, idempotent (IF NOT EXISTS on
	// PostgreSQL and SQLite; on MySQL, Apply looks in
	// information_schema first).
	SQL string
	// Duplicates, for a unique index, are keys more than one row holds
	// (up to 10, secrets shortened); DuplicateKeys counts them all. Any
	// duplicate blocks the step: rows are never deleted.
	Duplicates    []string
	DuplicateKeys int
}

// Blocked reports whether duplicates keep the step from being applied.
func (s Step) Blocked() bool { return s.DuplicateKeys > 0 }

// BlockedReason says why a blocked step is not applied, naming the
// duplicate keys.
func (s Step) BlockedReason() string {
	more := ""
	if s.DuplicateKeys > len(s.Duplicates) {
		more = fmt.Sprintf(", and %d more", s.DuplicateKeys-len(s.Duplicates))
	}
	return fmt.Sprintf("%s: %d (%s) key(s) of %q are held by more than one row: %s%s; "+
		"merge or delete those rows yourself and run migrate again (no row was deleted)",
		s.Name, s.DuplicateKeys, strings.Join(s.Columns, ", "), s.Table, strings.Join(s.Duplicates, "; "), more)
}

// Plan is what [PlanIndexes] found: the indexes to add to a layout's
// tables, and what is not offered and why.
type Plan struct {
	Steps []Step
	Notes []string
	d     Dialect
}

// Pending are the steps not blocked.
func (p *Plan) Pending() []Step {
	var out []Step
	for _, s := range p.Steps {
		if !s.Blocked() {
			out = append(out, s)
		}
	}
	return out
}

// PlanIndexes inspects db, which must hold layout r's tables, and plans
// the indexes a production store needs that its tables lack: unique keys
// on what NextAuth treats as unique, and indexes on what the server looks
// rows up and sweeps them by. An index whose work an existing usable
// index does (a unique key on some of the columns; an index starting with
// them) is not planned. Each unique step is checked for duplicate keys,
// as the index would compare them (the columns' collation), and blocked
// when there are any. Nothing is changed.
//
// Only additive, nextauth_-named indexes are planned: never a change to
// the adapter's tables or columns. TypeORM's expires, text holding
// milliseconds that the sweep compares as numbers, gets no index (an
// index on the text would not serve it, one on the number could refuse
// the Node adapter's writes); nor does a MySQL TEXT or BLOB column, which
// can only be indexed by a prefix.
func PlanIndexes(ctx context.Context, db *sql.DB, d Dialect, r Result) (*Plan, error) {
	if r.Layout == Empty || len(r.Tables) != 4 {
		return nil, errors.New("layout: no layout to plan indexes for")
	}
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
		return nil, err
	}
	ix, err := InspectIndexes(ctx, db, d)
	if err != nil {
		return nil, err
	}
	p := &Plan{d: d}
	for _, w := range wants {
		table := r.Tables[w.table]
		cols := make([]string, len(w.columns))
		for i, c := range w.columns {
			cols[i] = storedColumn(s[table], c, d)
			if cols[i] == "" {
				return nil, fmt.Errorf("layout: %q has no column %s", table, c)
			}
		}
		if w.unique && ix.Keyed(d, table, cols...) || !w.unique && ix.Leads(d, table, cols...) {
			continue
		}
		if old, ok := ix.named(d, table, w.name); ok {
			p.Notes = append(p.Notes, fmt.Sprintf("an index %s is on %q but does not serve (%s): drop it and run migrate again",
				old.Name, old.Table, describeIndex(old)))
			continue
		}
		if r.Layout == TypeORM && w.columns[0] == "expires" {
			p.Notes = append(p.Notes, fmt.Sprintf("no index on %q (expires): TypeORM keeps it as text holding milliseconds, "+
				"which the cleanup sweep compares as a number; an index on the text would not serve it", table))
			continue
		}
		if d == MySQL {
			if long := textColumns(s[table], cols, d); len(long) > 0 {
				p.Notes = append(p.Notes, fmt.Sprintf("no index %s: %q (%s) is TEXT or BLOB, which MySQL indexes only by a prefix",
					w.name, table, strings.Join(long, ", ")))
				continue
			}
		}
		st := Step{Name: w.name, Table: table, Columns: cols, Unique: w.unique, Why: w.why}
		st.SQL = createIndex(d, st)
		if w.unique {
			if err := duplicates(ctx, db, d, &st, w.secret); err != nil {
				return nil, err
			}
		}
		p.Steps = append(p.Steps, st)
	}
	return p, nil
}

// describeIndex says what an index that does not serve is.
func describeIndex(i Index) string {
	if !i.Usable {
		return "partial, or left invalid by a failed build"
	}
	return "on " + strings.Join(i.Columns, ", ")
}

// storedColumn is the name column is stored under in cols, "" if none.
func storedColumn(cols []Column, column string, d Dialect) string {
	for _, c := range cols {
		if sameColumn(d, c.Name, column) {
			return c.Name
		}
	}
	return ""
}

// textColumns are the names among names of columns of a TEXT or BLOB
// type.
func textColumns(cols []Column, names []string, d Dialect) []string {
	var out []string
	for _, n := range names {
		t := typeOf(cols, n, d)
		if strings.HasSuffix(t, "text") || strings.HasSuffix(t, "blob") {
			out = append(out, n)
		}
	}
	return out
}

// quoteIdent quotes an identifier for the dialect.
func quoteIdent(d Dialect, name string) string {
	if d == MySQL {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func quoteAll(d Dialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(d, n)
	}
	return strings.Join(q, ", ")
}

// createIndex is the statement adding s.
func createIndex(d Dialect, s Step) string {
	kind := "INDEX"
	if s.Unique {
		kind = "UNIQUE INDEX"
	}
	ifNot := " IF NOT EXISTS"
	if d == MySQL {
		ifNot = "" // MySQL 8 has no IF NOT EXISTS here: Apply looks first
	}
	return "CREATE " + kind + ifNot + " " + quoteIdent(d, s.Name) + " ON " + quoteIdent(d, s.Table) + " (" + quoteAll(d, s.Columns) + ")"
}

// maxShown is how many duplicate keys a blocked step names.
const maxShown = 10

// duplicates fills s.Duplicates and s.DuplicateKeys: the keys of s's
// columns that more than one row holds, grouped as the unique index would
// compare them (rows with a NULL in the key are not duplicates).
func duplicates(ctx context.Context, db *sql.DB, d Dialect, s *Step, secret []string) error {
	cols := quoteAll(d, s.Columns)
	var notNull []string
	for _, c := range s.Columns {
		notNull = append(notNull, quoteIdent(d, c)+" IS NOT NULL")
	}
	from := " FROM " + quoteIdent(d, s.Table) + " WHERE " + strings.Join(notNull, " AND ") + " GROUP BY " + cols + " HAVING count(*) > 1"
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 AS one"+from+") dup").Scan(&s.DuplicateKeys); err != nil {
		return fmt.Errorf("layout: looking for duplicate keys in %q: %w", s.Table, err)
	}
	if s.DuplicateKeys == 0 {
		return nil
	}
	text := map[Dialect]string{Postgres: "text", MySQL: "char", SQLite: "text"}[d]
	var sel []string
	for _, c := range s.Columns {
		sel = append(sel, "CAST("+quoteIdent(d, c)+" AS "+text+")")
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+", count(*)"+from+
		" ORDER BY count(*) DESC, "+cols+fmt.Sprintf(" LIMIT %d", maxShown))
	if err != nil {
		return fmt.Errorf("layout: looking for duplicate keys in %q: %w", s.Table, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]sql.NullString, len(s.Columns))
		var n int
		dest := make([]any, 0, len(vals)+1)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(append(dest, &n)...); err != nil {
			return fmt.Errorf("layout: looking for duplicate keys in %q: %w", s.Table, err)
		}
		shown := make([]string, len(vals))
		for i, v := range vals {
			shown[i] = fmt.Sprintf("%q", v.String)
			if slicesContainsFold(secret, s.Columns[i]) {
				shown[i] = shorten(v.String)
			}
		}
		s.Duplicates = append(s.Duplicates, fmt.Sprintf("(%s) in %d rows", strings.Join(shown, ", "), n))
	}
	return rows.Err()
}

func slicesContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// shorten shows the start of a secret (a session token, a hashed e-mail
// token): enough to find the rows, not enough to use it.
func shorten(v string) string {
	r := []rune(v)
	if len(r) <= 4 {
		return `"…"`
	}
	return fmt.Sprintf("%q", string(r[:4])+"…")
}

// Apply adds the plan's pending indexes, one statement each, and returns
// the names of those it added. A unique index that rows added since the
// plan prevent is marked blocked (its duplicates counted again) and not
// added; the others still are. An index another process added meanwhile
// is skipped. On any other error it stops, returning what it added
// before.
func (p *Plan) Apply(ctx context.Context, db *sql.DB) ([]string, error) {
	var added []string
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Blocked() {
			continue
		}
		if p.d == MySQL {
			var n int
			err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.statistics
WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?`, s.Table, s.Name).Scan(&n)
			if err != nil {
				return added, fmt.Errorf("layout: %s: %w", s.Name, err)
			}
			if n > 0 {
				continue // added meanwhile
			}
		}
		if _, err := db.ExecContext(ctx, s.SQL); err != nil {
			if ix, ierr := InspectIndexes(ctx, db, p.d); ierr == nil {
				if i, ok := ix.named(p.d, s.Table, s.Name); ok && i.Usable {
					continue // another migrate added it meanwhile
				}
			}
			if s.Unique && duplicateKey(err) {
				if derr := duplicates(ctx, db, p.d, s, secretOf(s.Name)); derr != nil {
					return added, derr
				}
				if s.DuplicateKeys == 0 {
					s.DuplicateKeys = 1 // gone again: still report the failed build
					s.Duplicates = []string{"a key written while the index was built"}
				}
				continue
			}
			return added, fmt.Errorf("layout: %s: %w", s.SQL, err)
		}
		added = append(added, s.Name)
	}
	return added, nil
}

// secretOf are the secret columns of the wanted index name.
func secretOf(name string) []string {
	for _, w := range wants {
		if w.name == name {
			return w.secret
		}
	}
	return nil
}

// duplicateKey reports whether err is a unique key violation.
func duplicateKey(err error) bool {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pe.Code == "23505"
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		return me.Number == 1062
	}
	if se, ok := errors.AsType[*msqlite.Error](err); ok {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}
