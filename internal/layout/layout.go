// Package layout tells which NextAuth adapter's tables a database holds,
// by their names and columns, before the server writes anything to it:
// a team moving from NextAuth points the server at the database its Node
// app already has, made by @auth/pg-adapter's schema.sql, Prisma, Drizzle,
// Kysely or TypeORM, and the server must use that layout or refuse, never
// create its own tables beside it.
//
// [Inspect] reads the tables and columns of a PostgreSQL schema, a MySQL
// database or an SQLite file; [Detect] classifies them. The column sets
// are those the official tools create (internal/layout/testdata holds
// their schemas, made by drizzle-kit push, TypeORM's synchronize, Kysely's
// schema builder, and the SQL of Prisma's migrations and of pg-adapter's
// schema.sql). Tables of the app itself are ignored, as are the server's
// own nextauth_* tables.
package layout

import (
	"fmt"
	"slices"
	"strings"
)

// Name is a layout: the tables of one adapter.
type Name string

// The layouts. PgAdapter is also the server's own default layout, which it
// creates in an empty database.
const (
	// Empty is a database with no table of any layout.
	Empty     Name = ""
	PgAdapter Name = "pg-adapter"
	Prisma    Name = "prisma"
	Kysely    Name = "kysely"
	Drizzle   Name = "drizzle"
	TypeORM   Name = "typeorm"
)

// Names lists the layouts a configuration may force, in order.
func Names() []string {
	return []string{string(PgAdapter), string(Prisma), string(Kysely), string(Drizzle), string(TypeORM)}
}

// Dialect is the kind of database: it decides how names compare.
type Dialect int

// The dialects.
const (
	Postgres Dialect = iota // table and column names exact (as quoted)
	MySQL                   // table names exact (Linux), column names ignore case
	SQLite                  // table and column names ignore case
)

// Column is a column as inspected: its name and its type as the database
// reports it (lower case: "text", "uuid", "timestamp with time zone",
// "varchar(191)", "integer", …).
type Column struct {
	Name, Type string
}

// Schema is the tables of a database as inspected: table name (as stored)
// → columns.
type Schema map[string][]Column

// table is one table of a layout: its name and the columns the adapter
// reads and writes (other columns are allowed: apps add their own).
type table struct {
	name    string
	columns []string
}

// spec is a layout's four tables, in the order users, accounts, sessions,
// verification tokens. (Authenticator tables, optional, are not
// required.)
type spec struct {
	name   Name
	tables [4]table
}

var (
	userColumns    = []string{"id", "name", "email", "emailVerified", "image"}
	accountColumns = []string{"userId", "type", "provider", "providerAccountId", "refresh_token", "access_token",
		"expires_at", "token_type", "scope", "id_token", "session_state"}
	sessionColumns = []string{"sessionToken", "userId", "expires"}
	tokenColumns   = []string{"identifier", "token", "expires"}
)

func with(cols []string, more ...string) []string { return append(slices.Clone(more), cols...) }

// specs are the layouts, each with the columns its adapter uses: the
// columns of NextAuth's data model under each tool's table names, plus
// the surrogate ids those adapters have. Prisma's NextAuth v4 schema has
// an id on Account and Session, its Auth.js schema composite keys
// instead: the columns required are those both have.
func specs() []spec {
	return []spec{
		{PgAdapter, [4]table{
			{"users", userColumns},
			{"accounts", with(accountColumns, "id")},
			{"sessions", with(sessionColumns, "id")},
			{"verification_token", tokenColumns},
		}},
		{TypeORM, [4]table{
			{"users", userColumns},
			{"accounts", with(accountColumns, "id")},
			{"sessions", with(sessionColumns, "id")},
			{"verification_tokens", with(tokenColumns, "id")},
		}},
		{Prisma, [4]table{
			{"User", userColumns},
			{"Account", accountColumns},
			{"Session", sessionColumns},
			{"VerificationToken", tokenColumns},
		}},
		{Kysely, [4]table{
			{"User", userColumns},
			{"Account", with(accountColumns, "id")},
			{"Session", with(sessionColumns, "id")},
			{"VerificationToken", tokenColumns},
		}},
		{Drizzle, [4]table{
			{"user", userColumns},
			{"account", accountColumns},
			{"session", sessionColumns},
			{"verificationToken", tokenColumns},
		}},
	}
}

// specOf returns the spec of layout n.
func specOf(n Name) spec {
	for _, s := range specs() {
		if s.name == n {
			return s
		}
	}
	panic("layout: unknown layout " + string(n))
}

// Result is what [Detect] found.
type Result struct {
	// Layout is the layout, or Empty.
	Layout Name
	// Variant names a layout's variant when it has several: for Prisma
	// "next-auth v4" (ids on Account and Session) or "Auth.js" (composite
	// keys); "" otherwise.
	Variant string
	// Tables are the layout's tables as stored, users first.
	Tables []string
}

// String describes r: "prisma (Auth.js) with tables User, Account, …", or
// "no NextAuth table".
func (r Result) String() string {
	if r.Layout == Empty {
		return "no NextAuth table"
	}
	s := string(r.Layout)
	if r.Variant != "" {
		s += " (" + r.Variant + ")"
	}
	return s + ": tables " + strings.Join(r.Tables, ", ")
}

// Mismatch is why a database cannot be served: a layout's tables are
// partly there, or lack columns its adapter needs, or tables of several
// layouts are there at once.
type Mismatch struct {
	// Found lists what is there: each table of a layout, with the
	// columns it lacks.
	Found []string
	// Expected says what a complete layout would have.
	Expected []string
}

// Error names what was found and what was expected.
func (m *Mismatch) Error() string {
	return "layout: the database holds part of a NextAuth layout or several at once; found " +
		strings.Join(m.Found, "; ") + "; expected " + strings.Join(m.Expected, ", or ") +
		" (nothing was created or changed)"
}

// Detect classifies s: Empty when it has no table of any layout (other
// tables are the app's); a layout when it has exactly that layout's four
// tables, each with the columns its adapter uses; otherwise a [*Mismatch].
// Prisma and Kysely share their table names and columns: Kysely's ids
// are uuid and its times timestamptz, Prisma's are text and timestamp(3),
// and a database that could be either is Prisma's. On SQLite, where
// Prisma's User and Drizzle's user are the same table, the stored name and
// the types (Drizzle writes integer times) tell them apart.
func Detect(s Schema, d Dialect) (Result, error) {
	m := matcher{s: s, d: d}
	// Which layouts have any of their tables, and which have all four
	// with every column.
	var any, complete []Name
	for _, sp := range specs() {
		n := 0
		for _, t := range sp.tables {
			if m.has(t.name) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		any = append(any, sp.name)
		if n == 4 && len(m.missing(sp)) == 0 {
			complete = append(complete, sp.name)
		}
	}
	if len(any) == 0 {
		return Result{Layout: Empty}, nil
	}
	name, ok := m.choose(any, complete)
	if !ok {
		return Result{}, m.mismatch(any)
	}
	if id := typeOf(m.columns("users"), "id", m.d); name == PgAdapter && !integerType(id) {
		// pg-adapter's names with text ids: another adapter's tables
		// renamed (Prisma's @@map), which the server would migrate.
		return Result{}, &Mismatch{
			Found:    []string{`"users" with an id of type ` + id},
			Expected: []string{`the pg-adapter tables with integer (SERIAL) ids`},
		}
	}
	return m.result(name), nil
}

// integerType reports whether a column type from typeOf may be an integer
// ("?", a type not inspected, may).
func integerType(t string) bool {
	return t == "?" || strings.Contains(t, "int") || strings.Contains(t, "serial")
}

// choose picks the layout when exactly one family of table names is
// there, complete.
func (m matcher) choose(any, complete []Name) (Name, bool) {
	if len(complete) == 0 {
		return Empty, false
	}
	// Tables that are not those of a complete layout belong to another
	// one: mixed.
	for _, n := range any {
		if slices.Contains(complete, n) {
			continue
		}
		if !m.sameTables(n, complete) {
			return Empty, false
		}
	}
	if len(complete) > 1 && slices.Contains(complete, Drizzle) && slices.Contains(complete, Prisma) {
		// SQLite: Prisma's and Drizzle's tables are the same tables.
		if m.drizzle() {
			return Drizzle, true
		}
		complete = slices.DeleteFunc(slices.Clone(complete), func(n Name) bool { return n == Drizzle })
	}
	switch {
	case len(complete) == 1:
		return complete[0], true
	case len(complete) == 2 && slices.Contains(complete, Prisma) && slices.Contains(complete, Kysely):
		if m.kysely() {
			return Kysely, true
		}
		return Prisma, true
	}
	return Empty, false
}

// sameTables reports whether every table of layout n that is there is a
// table of one of the complete layouts (pg-adapter and TypeORM share
// users, accounts and sessions; on SQLite Prisma and Drizzle share all).
func (m matcher) sameTables(n Name, complete []Name) bool {
	for _, t := range specOf(n).tables {
		if !m.has(t.name) {
			continue
		}
		shared := false
		for _, c := range complete {
			for _, ct := range specOf(c).tables {
				if m.same(t.name, ct.name) {
					shared = true
				}
			}
		}
		if !shared {
			return false
		}
	}
	return true
}

// kysely reports whether the User table is Kysely's: a uuid id or
// timestamptz times (Prisma writes text ids and timestamp(3)).
func (m matcher) kysely() bool {
	cols := m.columns("User")
	return typeOf(cols, "id", m.d) == "uuid" || strings.Contains(typeOf(cols, "emailVerified", m.d), "with time zone")
}

// drizzle reports whether SQLite's user table is Drizzle's: created as
// "user" or "verificationToken", or with integer times (Prisma's are
// DATETIME).
func (m matcher) drizzle() bool {
	if m.stored("User") == "user" || m.stored("VerificationToken") == "verificationToken" {
		return true
	}
	return typeOf(m.columns("Session"), "expires", m.d) == "integer"
}

// Expect checks s for layout n alone, as when a configuration forces it:
// Empty when none of n's tables is there, n when all four are with their
// columns, else a [*Mismatch]. Tables of other layouts are ignored.
func Expect(s Schema, d Dialect, n Name) (Result, error) {
	m := matcher{s: s, d: d}
	sp := specOf(n)
	found := 0
	for _, t := range sp.tables {
		if m.has(t.name) {
			found++
		}
	}
	switch {
	case found == 0:
		return Result{Layout: Empty}, nil
	case found == 4 && len(m.missing(sp)) == 0:
		return m.result(n), nil
	}
	return Result{}, m.mismatch([]Name{n})
}

// result is the Result of layout n.
func (m matcher) result(n Name) Result {
	r := Result{Layout: n}
	for _, t := range specOf(n).tables {
		r.Tables = append(r.Tables, m.stored(t.name))
	}
	if n == Prisma {
		r.Variant = "next-auth v4"
		if typeOf(m.columns("Account"), "id", m.d) == "" {
			r.Variant = "Auth.js"
		}
	}
	return r
}

// mismatch describes the tables of the layouts in any.
func (m matcher) mismatch(any []Name) *Mismatch {
	mm := &Mismatch{}
	seen := map[string]bool{}
	var expected []expect
	for _, n := range any {
		sp := specOf(n)
		for _, t := range sp.tables {
			stored := m.stored(t.name)
			if stored == "" || seen[stored] {
				continue
			}
			seen[stored] = true
			desc := quote(stored)
			if miss := m.missingColumns(t); len(miss) > 0 {
				desc += " without " + strings.Join(miss, ", ")
			}
			mm.Found = append(mm.Found, desc)
		}
		var names []string
		for _, t := range sp.tables {
			names = append(names, quote(t.name))
		}
		tables := strings.Join(names, ", ")
		if i := slices.IndexFunc(expected, func(e expect) bool { return e.tables == tables }); i >= 0 {
			expected[i].layouts = append(expected[i].layouts, string(n)) // Prisma and Kysely
			continue
		}
		expected = append(expected, expect{[]string{string(n)}, tables})
	}
	for _, e := range expected {
		mm.Expected = append(mm.Expected, fmt.Sprintf("the %s tables %s with their columns", strings.Join(e.layouts, " or "), e.tables))
	}
	return mm
}

// expect is an expected set of tables and the layouts that have it.
type expect struct {
	layouts []string
	tables  string
}

func quote(s string) string { return `"` + s + `"` }

// matcher compares names as the dialect does.
type matcher struct {
	s Schema
	d Dialect
}

// same reports whether table names a and b name one table.
func (m matcher) same(a, b string) bool {
	if m.d == SQLite {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// stored is the name the table named name is stored under, "" if none.
func (m matcher) stored(name string) string {
	for t := range m.s {
		if m.same(t, name) {
			return t
		}
	}
	return ""
}

func (m matcher) has(name string) bool { return m.stored(name) != "" }

func (m matcher) columns(name string) []Column { return m.s[m.stored(name)] }

// missingColumns lists t's columns its table lacks.
func (m matcher) missingColumns(t table) []string {
	cols := m.columns(t.name)
	var miss []string
	for _, c := range t.columns {
		if typeOf(cols, c, m.d) == "" {
			miss = append(miss, c)
		}
	}
	return miss
}

// missing lists the columns sp's tables lack.
func (m matcher) missing(sp spec) []string {
	var miss []string
	for _, t := range sp.tables {
		for _, c := range m.missingColumns(t) {
			miss = append(miss, t.name+"."+c)
		}
	}
	return miss
}

// typeOf is the type of column name in cols ("" if there is none; a column
// of unknown type is "?"). PostgreSQL compares names exactly, MySQL and
// SQLite ignore case.
func typeOf(cols []Column, name string, d Dialect) string {
	for _, c := range cols {
		if c.Name == name || (d != Postgres && strings.EqualFold(c.Name, name)) {
			if c.Type == "" {
				return "?"
			}
			return strings.ToLower(c.Type)
		}
	}
	return ""
}

// Type is the type of column in table (as [Column.Type], lower case), ""
// when either is not there; names compare as the dialect compares them.
func (s Schema) Type(d Dialect, table, column string) string {
	m := matcher{s: s, d: d}
	return typeOf(m.columns(table), column, d)
}
