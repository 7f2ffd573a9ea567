// Package sqllayout is a [nextauth.Adapter] on the tables another NextAuth
// adapter already made: Prisma's (NextAuth v4's documented schema, with
// cuid text ids and @@unique keys, or Auth.js's, with composite keys),
// Kysely's, Drizzle's and TypeORM's, on PostgreSQL, MySQL/MariaDB and
// SQLite, through database/sql (the pgx stdlib driver,
// github.com/go-sql-driver/mysql, modernc.org/sqlite).
//
// It reads and writes the rows as that adapter does, so that the Node app
// and this server can share one database during a move:
//
//   - ids of new rows: Prisma's are cuids (its @default(cuid())), the
//     others' random UUIDs (crypto.randomUUID(), TypeORM's uuid); a table
//     without an id column (Drizzle's, Prisma's Auth.js Account and
//     Session) gets none;
//   - times: PostgreSQL timestamp(3) / timestamp / timestamptz hold the
//     instant (a UTC wall clock without time zone); MySQL DATETIME(3) and
//     TIMESTAMP a UTC wall clock, to the column's precision (Drizzle's
//     TIMESTAMP expires keeps whole seconds); on SQLite, Drizzle's
//     integers of milliseconds, and Prisma's DateTime either as Prisma 7's
//     driver adapters write it (ISO text "2006-01-02T15:04:05.000+00:00")
//     or as older Prisma did (integer milliseconds): the adapter writes
//     what the existing rows hold, and ISO text in a database without a
//     time yet; TypeORM's varchar dates hold decimal milliseconds. Every
//     encoding is read whatever the layout;
//   - Prisma's Auth.js tables have createdAt and updatedAt: both are set
//     on insert and updatedAt on every update, as Prisma's client does;
//   - null, absent or empty user fields are NULL, read back as
//     [nextauth.Null]; empty account tokens NULL, read back as "".
//
// It never creates, alters or drops a table. What the tables do not
// enforce it does itself: Kysely's and TypeORM's accounts have no unique
// key on (provider, providerAccountId), nor TypeORM's verification_tokens
// on (identifier, token), so linking and storing take a lock on the key (pg_advisory_xact_lock,
// GET_LOCK) and look before inserting, unless New finds a unique index
// that keeps the key unique (the nextauth_accounts_provider_key and
// nextauth_tokens_key that `nextauth migrate` adds); a user's accounts and sessions are
// deleted with it whatever the foreign keys say. On MySQL, whose string
// collations ignore case and trailing spaces, lookups compare byte for
// byte (the key's index finds the candidates); the tables' unique keys
// still compare as their collation does.
//
// Limits are the tables': a value longer than its column (Prisma's
// VARCHAR(191) on MySQL) or a time outside its range (MySQL TIMESTAMP:
// 1970 to 2038) is an error; a NOT NULL e-mail (Prisma's Auth.js and
// Kysely's schemas) refuses users without one. GetUserAccount returns the
// most recently linked of several accounts at one provider where the
// tables tell (SQLite's rowid, Prisma's cuid ids or createdAt), any one
// of them elsewhere.
//
// Beside the [nextauth.Adapter] methods it implements
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater] and
// [nextauth.SessionLister]; not [nextauth.JWTRevoker] nor a RateStore,
// which need tables of the server's own: the ServerTables of
// adapter/postgres, adapter/mysql and adapter/sqlite keep them beside the
// layout (the binary combines both).
package sqllayout

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/layout"
	"github.com/nextauth-go/nextauth/internal/sqltx"
)

// Dialect is the kind of database behind the *sql.DB.
type Dialect int

// The dialects and the drivers they expect.
const (
	Postgres Dialect = iota // github.com/jackc/pgx/v5/stdlib ("pgx")
	MySQL                   // github.com/go-sql-driver/mysql ("mysql")
	SQLite                  // modernc.org/sqlite ("sqlite")
)

// Layouts this package serves, as internal/layout names them.
const (
	Prisma  = string(layout.Prisma)
	Kysely  = string(layout.Kysely)
	Drizzle = string(layout.Drizzle)
	TypeORM = string(layout.TypeORM)
)

// Adapter reads and writes one layout's tables. It is safe for concurrent
// use.
type Adapter struct {
	db      *sql.DB
	d       Dialect
	name    string
	variant string
	t       tables
	q       statements
	// prepared holds, on SQLite, the statements of q prepared once (by
	// SQL text): SQLite's parser and planner cost more than a lookup on a
	// small table, and the modernc.org/sqlite driver prepares every
	// unprepared query anew. PostgreSQL's pgx caches prepared statements
	// per connection itself, and MySQL runs the statements with
	// interpolated parameters like adapter/mysql.
	prepared map[string]*sql.Stmt
}

// Interface checks.
var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.ExpiredDeleter  = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ nextauth.SessionLister   = (*Adapter)(nil)
)

// tables is what New learnt about the layout's tables.
type tables struct {
	user, account, session, token string // names as stored
	userID                        idKind
	userUUID                      bool // users.id (and "userId") are PostgreSQL uuid
	accountID, sessionID, tokenID bool // the table has an id column to fill
	// stamps: the table has createdAt / updatedAt.
	userCreated, userUpdated, accountCreated, accountUpdated, sessionCreated, sessionUpdated bool
	emailVerified, sessionExpires, tokenExpires, userStamp, accountStamp, sessionStamp       timeCol
	// accountOrder orders a user's accounts newest first ("" if nothing
	// tells).
	accountOrder string
	// accountsUnkeyed, tokensUnkeyed: the accounts (Kysely, TypeORM) or
	// verification tokens (TypeORM) have no unique key on their NextAuth
	// key (none that `nextauth migrate` added either); the adapter locks
	// the key and looks instead.
	accountsUnkeyed, tokensUnkeyed bool
	// userCols are the user table's columns as stored, for UserColumns
	// (which may read columns the app added to its user model).
	userCols map[string]bool
	// types are the PostgreSQL types of the account and session columns
	// (table → column → type), for the casts INSERT … SELECT needs.
	types map[string]map[string]string
}

// New returns an adapter on db's tables of layout name (Prisma, Kysely,
// Drizzle or TypeORM). It reads which tables and columns are there (their
// names as stored, optional columns, column types and, for Prisma on
// SQLite, how existing rows hold times) and fails when the database does
// not hold the layout complete. The caller keeps ownership of db; on
// MySQL, a DSN with parseTime or without works alike.
func New(ctx context.Context, db *sql.DB, d Dialect, name string) (*Adapter, error) {
	var (
		s   layout.Schema
		ld  layout.Dialect
		err error
	)
	switch d {
	case Postgres:
		ld = layout.Postgres
		s, err = layout.InspectPostgresSQL(ctx, db)
	case MySQL:
		ld = layout.MySQL
		s, err = layout.InspectMySQL(ctx, db)
	case SQLite:
		ld = layout.SQLite
		s, err = layout.InspectSQLite(ctx, db)
	default:
		return nil, fmt.Errorf("sqllayout: unknown dialect %d", d)
	}
	if err != nil {
		return nil, fmt.Errorf("sqllayout: %w", err)
	}
	switch name {
	case Prisma, Kysely, Drizzle, TypeORM:
	default:
		return nil, fmt.Errorf("sqllayout: layout %q is not one of %s, %s, %s, %s", name, Prisma, Kysely, Drizzle, TypeORM)
	}
	r, err := layout.Expect(s, ld, layout.Name(name))
	if err != nil {
		return nil, fmt.Errorf("sqllayout: %w", err)
	}
	if r.Layout == layout.Empty {
		return nil, fmt.Errorf("sqllayout: the database has none of the %s tables", name)
	}
	a := &Adapter{db: db, d: d, name: name, variant: r.Variant}
	t := &a.t
	t.user, t.account, t.session, t.token = r.Tables[0], r.Tables[1], r.Tables[2], r.Tables[3]
	has := func(table, col string) bool { return s.Type(ld, table, col) != "" }
	t.userID = idUUID
	if name == Prisma {
		t.userID = idCUID
	}
	t.userUUID = d == Postgres && s.Type(ld, t.user, "id") == "uuid"
	t.userCols = map[string]bool{}
	for _, c := range s[t.user] {
		t.userCols[c.Name] = true
	}
	t.accountID, t.sessionID, t.tokenID = has(t.account, "id"), has(t.session, "id"), has(t.token, "id")
	t.userCreated, t.userUpdated = has(t.user, "createdAt"), has(t.user, "updatedAt")
	t.accountCreated, t.accountUpdated = has(t.account, "createdAt"), has(t.account, "updatedAt")
	t.sessionCreated, t.sessionUpdated = has(t.session, "createdAt"), has(t.session, "updatedAt")
	ix, err := layout.InspectIndexes(ctx, db, ld)
	if err != nil {
		return nil, fmt.Errorf("sqllayout: %w", err)
	}
	t.accountsUnkeyed = !ix.Keyed(ld, t.account, "provider", "providerAccountId")
	t.tokensUnkeyed = !ix.Keyed(ld, t.token, "identifier", "token")
	if d == Postgres {
		t.types = map[string]map[string]string{}
		for _, tb := range []string{t.account, t.session} {
			t.types[tb] = map[string]string{}
			for _, c := range s[tb] {
				t.types[tb][c.Name] = c.Type
			}
		}
	}

	col := func(table, column string) timeCol {
		typ := s.Type(ld, table, column)
		switch {
		case name == TypeORM:
			return timeCol{kind: timeMillisText}
		case d == Postgres:
			return timeCol{kind: timeNative}
		case d == MySQL:
			return timeCol{kind: timeMySQL, prec: precision(typ)}
		case strings.Contains(typ, "int"):
			return timeCol{kind: timeMillis}
		}
		return timeCol{kind: timeISO}
	}
	t.emailVerified = col(t.user, "emailVerified")
	t.sessionExpires = col(t.session, "expires")
	t.tokenExpires = col(t.token, "expires")
	t.userStamp, t.accountStamp, t.sessionStamp = col(t.user, "updatedAt"), col(t.account, "updatedAt"), col(t.session, "updatedAt")
	if d == SQLite && name == Prisma {
		// DATETIME columns: write what the rows hold.
		k, err := a.sqliteTimeKind(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range []*timeCol{&t.emailVerified, &t.sessionExpires, &t.tokenExpires, &t.userStamp, &t.accountStamp, &t.sessionStamp} {
			c.kind = k
		}
	}
	switch {
	case d == SQLite:
		t.accountOrder = "rowid DESC"
	case name == Prisma && t.accountID:
		t.accountOrder = a.qi("id") + " DESC" // cuids grow with time
	case t.accountCreated:
		t.accountOrder = a.qi("createdAt") + " DESC"
	}
	a.q = a.statements()
	if d == SQLite {
		if err := a.prepare(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// prepare prepares the statements of a.q on SQLite. database/sql prepares
// each again on each pooled connection, on first use there. The
// statements are closed with the *sql.DB.
func (a *Adapter) prepare(ctx context.Context) error {
	a.prepared = map[string]*sql.Stmt{}
	for _, q := range a.q.all() {
		if *q == "" || a.prepared[*q] != nil {
			continue
		}
		st, err := a.db.PrepareContext(ctx, *q)
		if err != nil {
			for _, st := range a.prepared {
				st.Close()
			}
			return fmt.Errorf("sqllayout: prepare %s: %w", *q, err)
		}
		a.prepared[*q] = st
	}
	return nil
}

// queryRow is a.db.QueryRowContext, through the prepared statement of q
// where there is one.
func (a *Adapter) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := a.prepared[q]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return a.db.QueryRowContext(ctx, q, args...)
}

// query is a.db.QueryContext, through the prepared statement of q where
// there is one.
func (a *Adapter) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := a.prepared[q]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return a.db.QueryContext(ctx, q, args...)
}

// exec is a.db.ExecContext, through the prepared statement of q where
// there is one.
func (a *Adapter) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := a.prepared[q]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return a.db.ExecContext(ctx, q, args...)
}

// precision is the fractional digits of a MySQL DATETIME(n) or
// TIMESTAMP(n) type.
func precision(typ string) int {
	if i := strings.IndexByte(typ, '('); i >= 0 {
		if n, err := strconv.Atoi(strings.TrimSuffix(typ[i+1:], ")")); err == nil {
			return n
		}
	}
	return 0
}

// sqliteTimeKind is how the Prisma rows of an SQLite database hold times:
// integer milliseconds (Prisma before its driver adapters) or ISO text
// (Prisma 7), by the first time found; ISO text when there is none.
func (a *Adapter) sqliteTimeKind(ctx context.Context) (timeKind, error) {
	queries := []string{
		"SELECT typeof(expires) FROM " + a.qi(a.t.session) + " LIMIT 1",
		"SELECT typeof(expires) FROM " + a.qi(a.t.token) + " LIMIT 1",
		"SELECT typeof(" + a.qi("emailVerified") + ") FROM " + a.qi(a.t.user) + " WHERE " + a.qi("emailVerified") + " IS NOT NULL LIMIT 1",
	}
	if a.t.userCreated {
		// Auth.js's schema: Prisma's client writes createdAt itself.
		queries = append(queries, "SELECT typeof("+a.qi("createdAt")+") FROM "+a.qi(a.t.user)+" LIMIT 1")
	}
	for _, q := range queries {
		var typ string
		err := a.db.QueryRowContext(ctx, q).Scan(&typ)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return 0, fmt.Errorf("sqllayout: reading how times are stored: %w", err)
		case typ == "integer" || typ == "real":
			return timeMillis, nil
		default:
			return timeISO, nil
		}
	}
	return timeISO, nil
}

// Layout names the layout served: "prisma", "drizzle", …
func (a *Adapter) Layout() string { return a.name }

// Variant is Prisma's schema ("next-auth v4" or "Auth.js"), "" for the
// other layouts.
func (a *Adapter) Variant() string { return a.variant }

// Tables are the layout's tables as stored: users, accounts, sessions,
// verification tokens.
func (a *Adapter) Tables() []string {
	return []string{a.t.user, a.t.account, a.t.session, a.t.token}
}

// Ping checks that the database answers.
func (a *Adapter) Ping(ctx context.Context) error {
	if err := a.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqllayout: ping: %w", err)
	}
	return nil
}

// qi quotes an identifier.
func (a *Adapter) qi(name string) string {
	if a.d == MySQL {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// statements are the adapter's SQL, made once by New, with ? for each
// argument (rebound to $n on PostgreSQL).
type statements struct {
	createUser, getUser, getUserByEmail, getUserByAccount, updateUser                       string
	deleteUserSessions, deleteUserAccounts, deleteUser                                      string
	linkAccount, accountExists, getAccount, getUserAccount, accountForUpdate, updateAccount string
	unlinkAccount                                                                           string
	createSession, getSessionAndUser, getSession, updateSession, deleteSession              string
	listSessions, deleteSessionsOf                                                          string
	createToken, tokenExists, getToken, deleteToken, deleteTokenReturning                   string
	deleteExpiredSessions, deleteExpiredTokens                                              string
}

// eq is the condition column = ? (two placeholders on MySQL, where text
// also compares byte for byte).
func (a *Adapter) eq(col string, text bool) string {
	if a.d == MySQL && text {
		return "(" + col + " = ? AND CAST(" + col + " AS BINARY) = CAST(? AS BINARY))"
	}
	return col + " = ?"
}

// textArgs doubles the arguments of text conditions on MySQL (see eq).
func (a *Adapter) textArgs(vals ...any) []any {
	if a.d != MySQL {
		return vals
	}
	out := make([]any, 0, 2*len(vals))
	for _, v := range vals {
		out = append(out, v, v)
	}
	return out
}

// bind rewrites ? to $1, $2, … on PostgreSQL.
func (a *Adapter) bind(q string) string {
	if a.d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quoteAll quotes names and joins them with commas.
func (a *Adapter) quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = a.qi(n)
	}
	return strings.Join(q, ", ")
}

// marks are the placeholders of an INSERT … SELECT into table's columns:
// on PostgreSQL cast to each column's type, which a SELECT list does not
// infer.
func (a *Adapter) marks(table string, cols []string) string {
	m := make([]string, len(cols))
	for i, c := range cols {
		m[i] = "?"
		if typ := a.t.types[table][c]; typ != "" {
			m[i] = "CAST(? AS " + typ + ")"
		}
	}
	return strings.Join(m, ", ")
}

// timeExpr is the expression a time column compares and sorts by.
func (a *Adapter) timeExpr(col string, c timeCol) string {
	if c.kind != timeMillisText {
		return col
	}
	if a.d == MySQL {
		return "CAST(" + col + " AS SIGNED)"
	}
	return "CAST(" + col + " AS BIGINT)"
}

func (a *Adapter) statements() statements {
	t, qi := a.t, a.qi
	U, A, S, T := qi(t.user), qi(t.account), qi(t.session), qi(t.token)
	userID, email, ev, pid, st := qi("userId"), qi("email"), qi("emailVerified"), qi("providerAccountId"), qi("sessionToken")
	created, updated := qi("createdAt"), qi("updatedAt")
	userCols := "u.id, u.name, u." + email + ", u." + ev + ", u.image"
	if a.d == Postgres && t.userUUID {
		userCols = "u.id::text, u.name, u." + email + ", u." + ev + ", u.image"
	}
	sessUser := "s." + userID
	acctUser := userID
	if a.d == Postgres && t.userUUID {
		sessUser += "::text"
		acctUser += "::text"
	}
	var q statements

	cols, vals := []string{"id", "name", email, ev, "image"}, []string{"?", "?", "?", "?", "?"}
	if t.userCreated {
		cols, vals = append(cols, created), append(vals, "?")
	}
	if t.userUpdated {
		cols, vals = append(cols, updated), append(vals, "?")
	}
	q.createUser = "INSERT INTO " + U + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")"
	q.getUser = "SELECT " + userCols + " FROM " + U + " u WHERE " + a.eq("u.id", true)
	q.getUserByEmail = "SELECT " + userCols + " FROM " + U + " u WHERE " + a.eq("u."+email, true)
	q.getUserByAccount = "SELECT " + userCols + " FROM " + A + " a JOIN " + U + " u ON u.id = a." + userID +
		" WHERE " + a.eq("a.provider", true) + " AND " + a.eq("a."+pid, true)
	set := "name = ?, " + email + " = ?, " + ev + " = ?, image = ?"
	if t.userUpdated {
		set += ", " + updated + " = ?"
	}
	q.updateUser = "UPDATE " + U + " SET " + set + " WHERE " + a.eq("id", true)
	q.deleteUserSessions = "DELETE FROM " + S + " WHERE " + a.eq(userID, true)
	q.deleteUserAccounts = "DELETE FROM " + A + " WHERE " + a.eq(userID, true)
	q.deleteUser = "DELETE FROM " + U + " WHERE " + a.eq("id", true)

	ins := []string{"userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at",
		"token_type", "scope", "id_token", "session_state"}
	if t.accountID {
		ins = append([]string{"id"}, ins...)
	}
	if t.accountCreated {
		ins = append(ins, "createdAt")
	}
	if t.accountUpdated {
		ins = append(ins, "updatedAt")
	}
	marks := a.marks(t.account, ins)
	fromDual := ""
	if a.d == MySQL {
		fromDual = " FROM DUAL"
	}
	// Insert only for an existing user (whatever the foreign keys).
	q.linkAccount = "INSERT INTO " + A + " (" + a.quoteAll(ins) + ") SELECT " + marks + fromDual +
		" WHERE EXISTS (SELECT 1 FROM " + U + " WHERE " + a.eq("id", true) + ")"
	keyWhere := " WHERE " + a.eq("provider", true) + " AND " + a.eq(pid, true)
	q.accountExists = "SELECT 1 FROM " + A + keyWhere
	selAccount := acctUser + ", type, provider, " + pid + ", refresh_token, access_token, expires_at, token_type, scope, id_token, session_state"
	q.getAccount = "SELECT " + selAccount + " FROM " + A + keyWhere
	q.getUserAccount = "SELECT " + selAccount + " FROM " + A + " WHERE " + a.eq(userID, true) + " AND " + a.eq("provider", true)
	if t.accountOrder != "" {
		q.getUserAccount += " ORDER BY " + t.accountOrder
	}
	q.getUserAccount += " LIMIT 1"
	q.accountForUpdate = "SELECT " + acctUser + ", type FROM " + A + keyWhere
	if a.d != SQLite {
		q.accountForUpdate += " FOR UPDATE"
	}
	set = "refresh_token = ?, access_token = ?, expires_at = ?, token_type = ?, scope = ?, id_token = ?, session_state = ?"
	if t.accountUpdated {
		set += ", " + updated + " = ?"
	}
	q.updateAccount = "UPDATE " + A + " SET " + set + keyWhere
	q.unlinkAccount = "DELETE FROM " + A + keyWhere

	ins = []string{"sessionToken", "userId", "expires"}
	if t.sessionID {
		ins = append([]string{"id"}, ins...)
	}
	if t.sessionCreated {
		ins = append(ins, "createdAt")
	}
	if t.sessionUpdated {
		ins = append(ins, "updatedAt")
	}
	marks = a.marks(t.session, ins)
	q.createSession = "INSERT INTO " + S + " (" + a.quoteAll(ins) + ") SELECT " + marks + fromDual +
		" WHERE EXISTS (SELECT 1 FROM " + U + " WHERE " + a.eq("id", true) + ")"
	q.getSessionAndUser = "SELECT " + sessUser + ", s.expires, " + userCols + " FROM " + S + " s JOIN " + U +
		" u ON u.id = s." + userID + " WHERE " + a.eq("s."+st, true)
	q.getSession = "SELECT " + sessUser + ", s.expires FROM " + S + " s WHERE " + a.eq("s."+st, true)
	set = "expires = ?"
	if t.sessionUpdated {
		set += ", " + updated + " = ?"
	}
	q.updateSession = "UPDATE " + S + " SET " + set + " WHERE " + a.eq(st, true)
	q.deleteSession = "DELETE FROM " + S + " WHERE " + a.eq(st, true)
	if a.d != MySQL {
		q.deleteSession += " RETURNING " + acctUser + ", expires"
	}
	q.listSessions = "SELECT " + st + ", expires FROM " + S + " WHERE " + a.eq(userID, true) +
		" ORDER BY " + a.timeExpr("expires", t.sessionExpires) + " DESC"
	q.deleteSessionsOf = q.deleteUserSessions

	ins, marks = []string{"identifier", "token", "expires"}, "?, ?, ?"
	if t.tokenID {
		ins, marks = append([]string{"id"}, ins...), "?, "+marks
	}
	q.createToken = "INSERT INTO " + T + " (" + strings.Join(ins, ", ") + ") VALUES (" + marks + ")"
	tokWhere := " WHERE " + a.eq("identifier", true) + " AND " + a.eq("token", true)
	q.tokenExists = "SELECT 1 FROM " + T + tokWhere
	q.getToken = "SELECT expires FROM " + T + tokWhere
	q.deleteToken = "DELETE FROM " + T + tokWhere
	if a.d != MySQL {
		q.deleteTokenReturning = q.deleteToken + " RETURNING expires"
	}
	q.deleteExpiredSessions = "DELETE FROM " + S + " WHERE " + a.timeExpr("expires", t.sessionExpires) + " < ?"
	q.deleteExpiredTokens = "DELETE FROM " + T + " WHERE " + a.timeExpr("expires", t.tokenExpires) + " < ?"

	for _, p := range q.all() {
		*p = a.bind(*p)
	}
	return q
}

// all lists the statements.
func (q *statements) all() []*string {
	return []*string{&q.createUser, &q.getUser, &q.getUserByEmail, &q.getUserByAccount, &q.updateUser,
		&q.deleteUserSessions, &q.deleteUserAccounts, &q.deleteUser, &q.linkAccount, &q.accountExists, &q.getAccount,
		&q.getUserAccount, &q.accountForUpdate, &q.updateAccount, &q.unlinkAccount, &q.createSession,
		&q.getSessionAndUser, &q.getSession, &q.updateSession, &q.deleteSession, &q.listSessions, &q.deleteSessionsOf,
		&q.createToken, &q.tokenExists, &q.getToken, &q.deleteToken, &q.deleteTokenReturning,
		&q.deleteExpiredSessions, &q.deleteExpiredTokens}
}

// expiryValue is now as the expires columns compare (the session's
// encoding; TypeORM's text compares as a number).
func (a *Adapter) expiryValue(c timeCol, now time.Time) any {
	if c.kind == timeMillisText {
		return now.UTC().UnixMilli()
	}
	return c.value(now)
}

// validUserID reports whether id can name a user: any text, except that a
// PostgreSQL uuid column holds only UUIDs.
func (a *Adapter) validUserID(id string) bool {
	return id != "" && (!a.t.userUUID || isUUID(id))
}

// CreateUser inserts u with a new id of the layout's kind. An e-mail
// already used by another user is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	u.ID = newID(a.t.userID)
	now := time.Now()
	args := []any{u.ID, nullString(u.Name), nullString(u.Email), a.t.emailVerified.nullValue(u.EmailVerified), nullString(u.Image)}
	if a.t.userCreated {
		args = append(args, a.t.userStamp.value(now))
	}
	if a.t.userUpdated {
		args = append(args, a.t.userStamp.value(now))
	}
	if _, err := a.exec(ctx, a.q.createUser, args...); err != nil {
		return nextauth.User{}, a.wrap(ctx, "create user", err)
	}
	return a.stored(u), nil
}

// stored is u as the database holds it: empty fields null,
// EmailVerified to the column's precision.
func (a *Adapter) stored(u nextauth.User) nextauth.User {
	u.Name, u.Email, u.Image = storedField(u.Name), storedField(u.Email), storedField(u.Image)
	if u.EmailVerified != nil {
		t := a.t.emailVerified.round(*u.EmailVerified)
		u.EmailVerified = &t
	}
	return u
}

// GetUser returns the user with id.
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	if !a.validUserID(id) {
		return nextauth.User{}, notFound("get user")
	}
	return a.scanUser(ctx, "get user", a.queryRow(ctx, a.q.getUser, a.textArgs(id)...))
}

// GetUserByEmail returns the user with exactly this e-mail.
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	if email == "" {
		return nextauth.User{}, notFound("get user by email")
	}
	return a.scanUser(ctx, "get user by email", a.queryRow(ctx, a.q.getUserByEmail, a.textArgs(email)...))
}

// GetUserByAccount returns the user linked to the provider account.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	return a.scanUser(ctx, "get user by account",
		a.queryRow(ctx, a.q.getUserByAccount, a.textArgs(provider, providerAccountID)...))
}

// UpdateUser replaces the name, e-mail, image and EmailVerified of the
// user with u.ID and returns the stored user.
func (a *Adapter) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	const op = "update user"
	if !a.validUserID(u.ID) {
		return nextauth.User{}, notFound(op)
	}
	args := []any{nullString(u.Name), nullString(u.Email), a.t.emailVerified.nullValue(u.EmailVerified), nullString(u.Image)}
	if a.t.userUpdated {
		args = append(args, a.t.userStamp.value(time.Now()))
	}
	res, err := a.exec(ctx, a.q.updateUser, append(args, a.textArgs(u.ID)...)...)
	if err != nil {
		return nextauth.User{}, a.wrap(ctx, op, err)
	}
	if err := a.affected(ctx, op, res, func() error { _, err := a.GetUser(ctx, u.ID); return err }); err != nil {
		return nextauth.User{}, err
	}
	return a.stored(u), nil
}

// affected checks that res changed a row; on MySQL, which counts changed
// rows only, exists says whether the row is there.
func (a *Adapter) affected(ctx context.Context, op string, res sql.Result, exists func() error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return a.wrap(ctx, op, err)
	}
	if n > 0 {
		return nil
	}
	if a.d == MySQL {
		return exists()
	}
	return notFound(op)
}

// DeleteUser deletes the user with id, its sessions and its accounts, in
// one transaction (TypeORM's foreign keys do not cascade).
func (a *Adapter) DeleteUser(ctx context.Context, id string) error {
	const op = "delete user"
	if !a.validUserID(id) {
		return notFound(op)
	}
	var n int64
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{a.q.deleteUserSessions, a.q.deleteUserAccounts} {
			if _, err := tx.ExecContext(ctx, q, a.textArgs(id)...); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, a.q.deleteUser, a.textArgs(id)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return a.wrap(ctx, op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// LinkAccount stores a provider account of user acc.UserID. Linking the
// same provider account twice is a wrapped [nextauth.ErrConflict]; an
// unknown user a wrapped [nextauth.ErrNotFound].
func (a *Adapter) LinkAccount(ctx context.Context, acc nextauth.Account) error {
	const op = "link account"
	if !a.validUserID(acc.UserID) {
		return notFound(op)
	}
	var args []any
	if a.t.accountID {
		args = append(args, newID(a.t.userID))
	}
	args = append(args, acc.UserID, acc.Type, acc.Provider, acc.ProviderAccountID, null(acc.RefreshToken),
		null(acc.AccessToken), nullInt(acc.ExpiresAt), null(acc.TokenType), null(acc.Scope), null(acc.IDToken),
		null(acc.SessionState))
	now := time.Now()
	if a.t.accountCreated {
		args = append(args, a.t.accountStamp.value(now))
	}
	if a.t.accountUpdated {
		args = append(args, a.t.accountStamp.value(now))
	}
	args = append(args, a.textArgs(acc.UserID)...)
	insert := func(x execer) error {
		res, err := x.ExecContext(ctx, a.q.linkAccount, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: no user %q", nextauth.ErrNotFound, acc.UserID)
		}
		return nil
	}
	var err error
	if a.t.accountsUnkeyed {
		err = a.locked(ctx, "account\x00"+acc.Provider+"\x00"+acc.ProviderAccountID, func(x execer) error {
			if err := a.exists(ctx, x, a.q.accountExists, acc.Provider, acc.ProviderAccountID); err != nil {
				return err
			}
			return insert(x)
		})
	} else {
		err = insert(a.db)
	}
	if err != nil {
		return a.wrap(ctx, op, err)
	}
	return nil
}

// errExists is a row that is there already, where no unique key says so.
var errExists = fmt.Errorf("%w: already stored", nextauth.ErrConflict)

// exists returns errExists when q finds a row for the text keys.
func (a *Adapter) exists(ctx context.Context, x execer, q string, keys ...any) error {
	var one int
	err := x.QueryRowContext(ctx, q, a.textArgs(keys...)...).Scan(&one)
	switch {
	case err == nil:
		return errExists
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}

// execer is a *sql.DB, *sql.Conn or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// locked runs f holding a lock on key that every server on the database
// sees: a transaction-scoped advisory lock on PostgreSQL, a named lock of
// the connection on MySQL; SQLite has one writer at a time (f runs in a
// write transaction).
func (a *Adapter) locked(ctx context.Context, key string, f func(x execer) error) error {
	sum := sha256.Sum256([]byte("nextauth\x00" + a.name + "\x00" + key))
	switch a.d {
	case Postgres:
		return a.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(beUint64(sum[:8]))); err != nil {
				return err
			}
			return f(tx)
		})
	case MySQL:
		conn, err := a.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		name := "nextauth:" + hex.EncodeToString(sum[:20])
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 10)", name).Scan(&got); err != nil {
			return err
		}
		if got.Int64 != 1 {
			return errors.New("timed out waiting for a lock")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", name)
		return f(conn)
	}
	return a.inTx(ctx, func(tx *sql.Tx) error { return f(tx) })
}

func beUint64(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// GetAccount returns the provider account as stored (Auth.js's
// getAccount).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	acc, err := scanAccount(a.queryRow(ctx, a.q.getAccount, a.textArgs(provider, providerAccountID)...))
	if err != nil {
		return nextauth.Account{}, a.wrap(ctx, "get account", err)
	}
	return acc, nil
}

// GetUserAccount returns userID's account at provider: of several, the
// most recently linked where the tables tell (see the package
// documentation).
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	const op = "get user account"
	if !a.validUserID(userID) {
		return nextauth.Account{}, notFound(op)
	}
	acc, err := scanAccount(a.queryRow(ctx, a.q.getUserAccount, a.textArgs(userID, provider)...))
	if err != nil {
		return nextauth.Account{}, a.wrap(ctx, op, err)
	}
	return acc, nil
}

// UpdateAccount replaces the token fields of the account (acc.Provider,
// acc.ProviderAccountID) and returns the stored account, locked, read and
// updated in one transaction.
func (a *Adapter) UpdateAccount(ctx context.Context, acc nextauth.Account) (nextauth.Account, error) {
	var got nextauth.Account
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		key := a.textArgs(acc.Provider, acc.ProviderAccountID)
		if err := tx.QueryRowContext(ctx, a.q.accountForUpdate, key...).Scan(&got.UserID, &got.Type); err != nil {
			return err
		}
		args := []any{null(acc.RefreshToken), null(acc.AccessToken), nullInt(acc.ExpiresAt), null(acc.TokenType),
			null(acc.Scope), null(acc.IDToken), null(acc.SessionState)}
		if a.t.accountUpdated {
			args = append(args, a.t.accountStamp.value(time.Now()))
		}
		_, err := tx.ExecContext(ctx, a.q.updateAccount, append(args, key...)...)
		return err
	})
	if err != nil {
		return nextauth.Account{}, a.wrap(ctx, "update account", err)
	}
	got.Provider, got.ProviderAccountID = acc.Provider, acc.ProviderAccountID
	got.RefreshToken, got.AccessToken, got.ExpiresAt, got.TokenType = acc.RefreshToken, acc.AccessToken, acc.ExpiresAt, acc.TokenType
	got.Scope, got.IDToken, got.SessionState = acc.Scope, acc.IDToken, acc.SessionState
	return got, nil
}

// UnlinkAccount removes the provider account; an unknown one is a wrapped
// [nextauth.ErrNotFound].
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	res, err := a.exec(ctx, a.q.unlinkAccount, a.textArgs(provider, providerAccountID)...)
	if err != nil {
		return a.wrap(ctx, "unlink account", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("unlink account")
	}
	return nil
}

// CreateSession stores a database session; an unknown user is a wrapped
// [nextauth.ErrNotFound], a reused token a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	const op = "create session"
	if !a.validUserID(s.UserID) {
		return nextauth.AdapterSession{}, notFound(op)
	}
	var args []any
	if a.t.sessionID {
		args = append(args, newID(a.t.userID))
	}
	args = append(args, s.SessionToken, s.UserID, a.t.sessionExpires.value(s.Expires))
	now := time.Now()
	if a.t.sessionCreated {
		args = append(args, a.t.sessionStamp.value(now))
	}
	if a.t.sessionUpdated {
		args = append(args, a.t.sessionStamp.value(now))
	}
	res, err := a.exec(ctx, a.q.createSession, append(args, a.textArgs(s.UserID)...)...)
	if err != nil {
		return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nextauth.AdapterSession{}, notFound(op)
	}
	s.Expires = a.t.sessionExpires.round(s.Expires)
	return s, nil
}

// GetSessionAndUser returns the session with sessionToken and its user,
// expired or not, in one query.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	var (
		s       = nextauth.AdapterSession{SessionToken: sessionToken}
		expires = timeScan{wall: a.d == MySQL}
		r       = userRow{emailVerified: timeScan{wall: a.d == MySQL}}
	)
	err := a.queryRow(ctx, a.q.getSessionAndUser, a.textArgs(sessionToken)...).
		Scan(&s.UserID, &expires, &r.id, &r.name, &r.email, &r.emailVerified, &r.image)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, a.wrap(ctx, "get session and user", err)
	}
	s.Expires = expires.t
	return s, r.user(), nil
}

// UpdateSession sets the expiry of the session with sessionToken and
// returns the stored session.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	const op = "update session"
	args := []any{a.t.sessionExpires.value(expires)}
	if a.t.sessionUpdated {
		args = append(args, a.t.sessionStamp.value(time.Now()))
	}
	res, err := a.exec(ctx, a.q.updateSession, append(args, a.textArgs(sessionToken)...)...)
	if err != nil {
		return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
	} else if n == 0 && a.d != MySQL {
		return nextauth.AdapterSession{}, notFound(op)
	}
	s, err := a.getSession(ctx, a.db, sessionToken)
	if err != nil {
		return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
	}
	return s, nil
}

// getSession reads the session with sessionToken.
func (a *Adapter) getSession(ctx context.Context, x execer, sessionToken string) (nextauth.AdapterSession, error) {
	s := nextauth.AdapterSession{SessionToken: sessionToken}
	expires := timeScan{wall: a.d == MySQL}
	if err := x.QueryRowContext(ctx, a.q.getSession, a.textArgs(sessionToken)...).Scan(&s.UserID, &expires); err != nil {
		return nextauth.AdapterSession{}, err
	}
	s.Expires = expires.t
	return s, nil
}

// DeleteSession deletes the session with sessionToken and returns it.
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	const op = "delete session"
	if a.d != MySQL {
		s := nextauth.AdapterSession{SessionToken: sessionToken}
		var expires timeScan
		err := a.queryRow(ctx, a.q.deleteSession, a.textArgs(sessionToken)...).Scan(&s.UserID, &expires)
		if err != nil {
			return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
		}
		s.Expires = expires.t
		return s, nil
	}
	var s nextauth.AdapterSession
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = a.getSession(ctx, tx, sessionToken); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, a.q.deleteSession, a.textArgs(sessionToken)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return sql.ErrNoRows
		}
		return nil
	})
	if err != nil {
		return nextauth.AdapterSession{}, a.wrap(ctx, op, err)
	}
	return s, nil
}

// ListSessions returns userID's sessions, newest expiry first.
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	const op = "list sessions"
	if !a.validUserID(userID) {
		return nil, nil
	}
	rows, err := a.query(ctx, a.q.listSessions, a.textArgs(userID)...)
	if err != nil {
		return nil, a.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []nextauth.AdapterSession
	for rows.Next() {
		s := nextauth.AdapterSession{UserID: userID}
		expires := timeScan{wall: a.d == MySQL}
		if err := rows.Scan(&s.SessionToken, &expires); err != nil {
			return nil, a.wrap(ctx, op, err)
		}
		s.Expires = expires.t
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, a.wrap(ctx, op, err)
	}
	return out, nil
}

// DeleteUserSessions deletes userID's sessions and says how many there
// were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	if !a.validUserID(userID) {
		return 0, nil
	}
	res, err := a.exec(ctx, a.q.deleteSessionsOf, a.textArgs(userID)...)
	if err != nil {
		return 0, a.wrap(ctx, "delete user sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, a.wrap(ctx, "delete user sessions", err)
	}
	return n, nil
}

// CreateVerificationToken stores an e-mail sign-in token; the same
// identifier and token twice is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	const op = "create verification token"
	var args []any
	if a.t.tokenID {
		args = append(args, newID(a.t.userID))
	}
	args = append(args, t.Identifier, t.Token, a.t.tokenExpires.value(t.Expires))
	var err error
	if a.t.tokensUnkeyed {
		err = a.locked(ctx, "token\x00"+t.Identifier+"\x00"+t.Token, func(x execer) error {
			if err := a.exists(ctx, x, a.q.tokenExists, t.Identifier, t.Token); err != nil {
				return err
			}
			_, err := x.ExecContext(ctx, a.q.createToken, args...)
			return err
		})
	} else {
		_, err = a.exec(ctx, a.q.createToken, args...)
	}
	if err != nil {
		return a.wrap(ctx, op, err)
	}
	return nil
}

// UseVerificationToken deletes and returns the token with identifier and
// (hashed) token, expired or not; of concurrent calls, the one whose
// DELETE removed the row gets it.
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	const op = "use verification token"
	vt := nextauth.VerificationToken{Identifier: identifier, Token: token}
	expires := timeScan{wall: a.d == MySQL}
	key := a.textArgs(identifier, token)
	if a.d != MySQL {
		if err := a.queryRow(ctx, a.q.deleteTokenReturning, key...).Scan(&expires); err != nil {
			return nextauth.VerificationToken{}, a.wrap(ctx, op, err)
		}
		vt.Expires = expires.t
		return vt, nil
	}
	if err := a.queryRow(ctx, a.q.getToken, key...).Scan(&expires); err != nil {
		return nextauth.VerificationToken{}, a.wrap(ctx, op, err)
	}
	res, err := a.exec(ctx, a.q.deleteToken, key...)
	if err != nil {
		return nextauth.VerificationToken{}, a.wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nextauth.VerificationToken{}, notFound(op) // another call used it
	}
	vt.Expires = expires.t
	return vt, nil
}

// DeleteExpired deletes the sessions and verification tokens that expired
// before now and says how many of each.
func (a *Adapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	del := func(q string, c timeCol) (int64, error) {
		res, err := a.exec(ctx, q, a.expiryValue(c, now))
		if err != nil {
			return 0, a.wrap(ctx, "delete expired", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, a.wrap(ctx, "delete expired", err)
		}
		return n, nil
	}
	if sessions, err = del(a.q.deleteExpiredSessions, a.t.sessionExpires); err != nil {
		return 0, 0, err
	}
	tokens, err = del(a.q.deleteExpiredTokens, a.t.tokenExpires)
	return sessions, tokens, err
}

// inTx runs f in a transaction, committing when f returns nil; a MySQL
// deadlock is retried.
func (a *Adapter) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	var opts *sql.TxOptions
	if a.d == MySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return sqltx.Run(ctx, a.db, opts, 4, func(err error) bool { return a.d == MySQL && isMySQL(err, 1213) }, f)
}

// userRow is a user as scanned.
type userRow struct {
	id                 string
	name, email, image sql.NullString
	emailVerified      timeScan
}

func (r userRow) user() nextauth.User {
	return nextauth.User{
		ID:            r.id,
		Name:          nullable(r.name),
		Email:         nullable(r.email),
		Image:         nullable(r.image),
		EmailVerified: r.emailVerified.ptr(),
	}
}

func (a *Adapter) scanUser(ctx context.Context, op string, row *sql.Row) (nextauth.User, error) {
	r := userRow{emailVerified: timeScan{wall: a.d == MySQL}}
	if err := row.Scan(&r.id, &r.name, &r.email, &r.emailVerified, &r.image); err != nil {
		return nextauth.User{}, a.wrap(ctx, op, err)
	}
	return r.user(), nil
}

func scanAccount(row *sql.Row) (nextauth.Account, error) {
	var (
		acc                                                      nextauth.Account
		refresh, access, tokenType, scope, idToken, sessionState sql.NullString
		expiresAt                                                sql.NullInt64
	)
	err := row.Scan(&acc.UserID, &acc.Type, &acc.Provider, &acc.ProviderAccountID, &refresh, &access,
		&expiresAt, &tokenType, &scope, &idToken, &sessionState)
	if err != nil {
		return nextauth.Account{}, err
	}
	acc.RefreshToken, acc.AccessToken, acc.TokenType = refresh.String, access.String, tokenType.String
	acc.Scope, acc.IDToken, acc.SessionState = scope.String, idToken.String, sessionState.String
	acc.ExpiresAt = expiresAt.Int64
	return acc, nil
}

// null maps "" to SQL NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullInt maps 0 to SQL NULL.
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullString(n nextauth.NullString) any { return null(n.String()) }

func storedField(n nextauth.NullString) nextauth.NullString {
	if n.String() == "" {
		return nextauth.Null()
	}
	return n
}

func nullable(s sql.NullString) nextauth.NullString {
	if !s.Valid {
		return nextauth.Null()
	}
	return nextauth.String(s.String)
}

func notFound(op string) error {
	return fmt.Errorf("sqllayout: %s: %w", op, nextauth.ErrNotFound)
}

func isMySQL(err error, code uint16) bool {
	me, ok := errors.AsType[*gomysql.MySQLError](err)
	return ok && me.Number == code
}

// wrap maps no rows and a missing user to ErrNotFound, a duplicate key to
// ErrConflict, and keeps a done ctx's error visible to errors.Is.
func (a *Adapter) wrap(ctx context.Context, op string, err error) error {
	conflict, missing := false, false
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		conflict, missing = pe.Code == "23505", pe.Code == "23503"
	}
	if me, ok := errors.AsType[*gomysql.MySQLError](err); ok {
		conflict, missing = me.Number == 1062, me.Number == 1452
	}
	if se, ok := errors.AsType[*msqlite.Error](err); ok {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			conflict = true
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			missing = true
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound(op)
	case errors.Is(err, nextauth.ErrNotFound), errors.Is(err, nextauth.ErrConflict):
		return fmt.Errorf("sqllayout: %s: %w", op, err)
	case conflict:
		return fmt.Errorf("sqllayout: %s: %w: %w", op, nextauth.ErrConflict, err)
	case missing:
		return fmt.Errorf("sqllayout: %s: %w: %w", op, nextauth.ErrNotFound, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqllayout: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("sqllayout: %s: %w", op, err)
}

// SessionTokens returns the layout's session table and its session token
// column, each quoted for the layout's dialect, for SQL of the server's
// own tables beside the layout (the claims of sessions that are gone).
func (a *Adapter) SessionTokens() (table, column string) {
	return a.qi(a.t.session), a.qi("sessionToken")
}
