package sqllayout_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
	"github.com/nextauth-go/nextauth/internal/layout"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// fixture is the schema a tool made, in internal/layout/testdata.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "layout", "testdata", name+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postgresDB is a fresh PostgreSQL database holding fixture's tables.
func postgresDB(t testing.TB, name string) *sql.DB {
	t.Helper()
	return openFixture(t, "pgx", servicetest.PostgresDatabase(t), name)
}

// openFixture loads fixture's tables into the PostgreSQL database dsn and
// opens it with driver.
func openFixture(t testing.TB, driver, dsn, name string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fixture(t, name), pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	conn.Close(ctx)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mysqlDB is a fresh MySQL database holding fixture's tables, on a pool
// opened as the server opens it.
func mysqlDB(t testing.TB, name string) *sql.DB {
	t.Helper()
	u, _ := servicetest.MySQLDatabase(t)
	return openMySQLFixture(t, u, name)
}

// openMySQLFixture loads fixture's tables into the MySQL database of the
// mysql:// URL u and opens it as the server does.
func openMySQLFixture(t testing.TB, u, name string) *sql.DB {
	t.Helper()
	dsn := servicetest.MySQLDSN(t, u, strings.TrimPrefix(u[strings.LastIndexByte(u, '/'):], "/"))
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.MultiStatements = true
	setup, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(fixture(t, name)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	setup.Close()
	db, err := mysql.Open(dsn, mysql.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteDB is a fresh SQLite file holding fixture's tables.
func sqliteDB(t testing.TB, name string) *sql.DB {
	t.Helper()
	db, _ := sqliteFile(t, name)
	return db
}

// sqliteFile is sqliteDB with the file's path.
func sqliteFile(t testing.TB, name string) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range strings.Split(fixture(t, name), ";\n") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stmt)
		}
	}
	return db, path
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// skips are the suite's subtests a layout's tables cannot pass, with why:
// limits of the tables as the tool makes them, which the official adapter
// meets alike.
var (
	// Prisma's Auth.js schema and Kysely's: "email" NOT NULL.
	emailRequired = map[string]string{
		"CreateUserWithoutEmail": "the User table's email is NOT NULL",
		"NullUserFields":         "the User table's email is NOT NULL",
		"UpdateUserClearsFields": "the User table's email is NOT NULL",
		"CreateSession":          "the User table's email is NOT NULL (the subtest makes a user without one)",
	}
	// MySQL tables of VARCHAR(191) or (255) columns.
	shortColumns = map[string]string{
		"LongValues":            "names and session tokens are VARCHAR(191/255) in this layout's MySQL tables",
		"LongText":              "images and verification tokens are VARCHAR(191/255) in this layout's MySQL tables",
		"LinkAccountLongTokens": "account tokens, scope and session_state are VARCHAR in this layout's MySQL tables",
		"UpdateAccount":         "account tokens, scope and session_state are VARCHAR in this layout's MySQL tables (the subtest stores 4 KB)",
		"GetUserAccount":        "account tokens, scope and session_state are VARCHAR in this layout's MySQL tables (the subtest stores 4 KB)",
	}
	// Tables that do not record which account was linked last.
	noLinkOrder = map[string]string{
		"GetUserAccountMostRecent": "the account table records no order of linking (random ids, no timestamp)",
		"ConcurrentUpdateAccount":  "the account table records no order of linking (random ids, no timestamp): the subtest reads the last linked of several",
	}
	// PostgreSQL tables whose expires_at is INTEGER (Prisma's Int,
	// Drizzle's integer): the subtests store 2^53-1.
	int4ExpiresAt = map[string]string{
		"LinkAccountLongTokens": "expires_at is INTEGER (int4): the subtest stores 2^53-1 (Unix seconds fit until 2038)",
		"GetUserAccount":        "expires_at is INTEGER (int4): the subtest stores 2^53-1 (Unix seconds fit until 2038)",
		"UpdateAccount":         "expires_at is INTEGER (int4): the subtest stores 2^53-1 (Unix seconds fit until 2038)",
	}
	// MySQL TIMESTAMP columns.
	mysqlTimestamp = map[string]string{
		"TimePrecision": "TIMESTAMP columns hold 1970-01-01 00:00:01 to 2038-01-19 UTC, and expires whole seconds",
	}
	// A case- and accent-insensitive unique key on e-mails.
	ciEmails = map[string]string{
		"Unicode": "the e-mail's unique key uses utf8mb4_unicode_ci, which takes NFC and NFD spellings for one",
	}
)

// run runs the suite on a, one database shared by the subtests, skipping
// those that the skip maps name.
func run(t *testing.T, a *sqllayout.Adapter, skips ...map[string]string) {
	runWith(t, a, adaptertest.Options{}, skips...)
}

// runWith is run with the suite's options.
func runWith(t *testing.T, a *sqllayout.Adapter, o adaptertest.Options, skips ...map[string]string) {
	adaptertest.RunWith(t, o, func(t *testing.T) nextauth.Adapter {
		sub := t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]
		for _, m := range skips {
			if why, ok := m[sub]; ok {
				t.Skip(why)
			}
		}
		return a
	})
}

func newAdapter(t *testing.T, db *sql.DB, d sqllayout.Dialect, name string) *sqllayout.Adapter {
	t.Helper()
	a, err := sqllayout.New(t.Context(), db, d, name)
	if err != nil {
		t.Fatalf("New(%s) error = %v", name, err)
	}
	return a
}

func TestPrismaPostgres(t *testing.T) {
	a := newAdapter(t, postgresDB(t, "prisma-postgres"), sqllayout.Postgres, sqllayout.Prisma)
	run(t, a, int4ExpiresAt)
}

func TestPrismaAuthJSPostgres(t *testing.T) {
	a := newAdapter(t, postgresDB(t, "prisma-authjs-postgres"), sqllayout.Postgres, sqllayout.Prisma)
	run(t, a, emailRequired, int4ExpiresAt)
}

func TestPrismaMySQL(t *testing.T) {
	a := newAdapter(t, mysqlDB(t, "prisma-mysql"), sqllayout.MySQL, sqllayout.Prisma)
	run(t, a, shortColumns, ciEmails)
}

// TestPrismaAuthJSMySQL runs on Auth.js's schema as its documentation
// asks for MySQL: refresh_token, access_token and id_token @db.Text (the
// Prisma String's VARCHAR(191) holds no real ID token).
func TestPrismaAuthJSMySQL(t *testing.T) {
	db := mysqlDB(t, "prisma-authjs-mysql")
	if _, err := db.Exec("ALTER TABLE `Account` MODIFY `refresh_token` TEXT NULL, MODIFY `access_token` TEXT NULL, MODIFY `id_token` TEXT NULL"); err != nil {
		t.Fatal(err)
	}
	a := newAdapter(t, db, sqllayout.MySQL, sqllayout.Prisma)
	run(t, a, emailRequired, shortColumns, ciEmails)
}

func TestPrismaSQLite(t *testing.T) {
	a := newAdapter(t, sqliteDB(t, "prisma-sqlite"), sqllayout.SQLite, sqllayout.Prisma)
	run(t, a)
}

func TestPrismaAuthJSSQLite(t *testing.T) {
	a := newAdapter(t, sqliteDB(t, "prisma-authjs-sqlite"), sqllayout.SQLite, sqllayout.Prisma)
	run(t, a, emailRequired)
}

func TestKyselyPostgres(t *testing.T) {
	a := newAdapter(t, postgresDB(t, "kysely-postgres"), sqllayout.Postgres, sqllayout.Kysely)
	run(t, a, emailRequired, noLinkOrder)
}

func TestDrizzlePostgres(t *testing.T) {
	a := newAdapter(t, postgresDB(t, "drizzle-postgres"), sqllayout.Postgres, sqllayout.Drizzle)
	run(t, a, noLinkOrder, int4ExpiresAt)
}

func TestDrizzleMySQL(t *testing.T) {
	a := newAdapter(t, mysqlDB(t, "drizzle-mysql"), sqllayout.MySQL, sqllayout.Drizzle)
	// session.expires and verificationToken.expires are TIMESTAMP: whole
	// seconds.
	runWith(t, a, adaptertest.Options{ExpiresPrecision: time.Second}, shortColumns, noLinkOrder, mysqlTimestamp)
}

func TestDrizzleSQLite(t *testing.T) {
	a := newAdapter(t, sqliteDB(t, "drizzle-sqlite"), sqllayout.SQLite, sqllayout.Drizzle)
	run(t, a)
}

func TestTypeORMPostgres(t *testing.T) {
	a := newAdapter(t, postgresDB(t, "typeorm-postgres"), sqllayout.Postgres, sqllayout.TypeORM)
	run(t, a, noLinkOrder)
}

func TestTypeORMMySQL(t *testing.T) {
	a := newAdapter(t, mysqlDB(t, "typeorm-mysql"), sqllayout.MySQL, sqllayout.TypeORM)
	run(t, a, shortColumns, noLinkOrder)
}

// migrated adds the indexes `nextauth migrate` plans for db's layout
// (internal/layout.PlanIndexes) and fails unless it added some.
func migrated(t *testing.T, db *sql.DB, d sqllayout.Dialect) *sql.DB {
	t.Helper()
	ctx := t.Context()
	ld := map[sqllayout.Dialect]layout.Dialect{sqllayout.Postgres: layout.Postgres, sqllayout.MySQL: layout.MySQL, sqllayout.SQLite: layout.SQLite}[d]
	inspect := map[layout.Dialect]func(context.Context, *sql.DB) (layout.Schema, error){
		layout.Postgres: layout.InspectPostgresSQL, layout.MySQL: layout.InspectMySQL, layout.SQLite: layout.InspectSQLite,
	}[ld]
	s, err := inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r, err := layout.Detect(s, ld)
	if err != nil {
		t.Fatal(err)
	}
	p, err := layout.PlanIndexes(ctx, db, ld, r)
	if err != nil {
		t.Fatal(err)
	}
	if added, err := p.Apply(ctx, db); err != nil || len(added) == 0 {
		t.Fatalf("Apply() = %q, %v, want indexes added", added, err)
	}
	return db
}

// TestMigrated runs the suite on tables with the indexes `nextauth
// migrate` adds, one layout per database at least, among them those
// whose unique keys it adds (TypeORM's, Kysely's): the adapter then
// leaves the keys to them instead of locking and looking.
func TestMigrated(t *testing.T) {
	t.Run("typeorm/postgres", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, postgresDB(t, "typeorm-postgres"), sqllayout.Postgres), sqllayout.Postgres, sqllayout.TypeORM), noLinkOrder)
	})
	t.Run("kysely/postgres", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, postgresDB(t, "kysely-postgres"), sqllayout.Postgres), sqllayout.Postgres, sqllayout.Kysely), emailRequired, noLinkOrder)
	})
	t.Run("typeorm/mysql", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, mysqlDB(t, "typeorm-mysql"), sqllayout.MySQL), sqllayout.MySQL, sqllayout.TypeORM), shortColumns, noLinkOrder)
	})
	t.Run("prisma/mysql", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, mysqlDB(t, "prisma-mysql"), sqllayout.MySQL), sqllayout.MySQL, sqllayout.Prisma), shortColumns, ciEmails)
	})
	t.Run("drizzle/sqlite", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, sqliteDB(t, "drizzle-sqlite"), sqllayout.SQLite), sqllayout.SQLite, sqllayout.Drizzle))
	})
	t.Run("prisma/sqlite", func(t *testing.T) {
		run(t, newAdapter(t, migrated(t, sqliteDB(t, "prisma-sqlite"), sqllayout.SQLite), sqllayout.SQLite, sqllayout.Prisma))
	})
}
