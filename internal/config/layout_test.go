package config

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/layout"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// appDB is a database of one kind holding the tables of fixtures of
// internal/layout/testdata, with a way to list its tables.
type appDB struct {
	url    string           // as database: takes it
	tables func() []string  // the tables, sorted
	bytes  func() []byte    // SQLite: the file's content; nil otherwise
	exec   func(sql string) // runs statements
	// schema describes every table, column and index, one sorted line
	// each.
	schema func() []string
}

// newAppDB creates a fresh database of kind holding the tables of the
// fixtures (file names in internal/layout/testdata) and the statements
// extra.
func newAppDB(t *testing.T, kind string, fixtures []string, extra ...string) appDB {
	t.Helper()
	ctx := context.Background()
	var a appDB
	switch kind {
	case KindPostgres:
		a.url = servicetest.PostgresDatabase(t)
		a.exec = func(q string) {
			t.Helper()
			conn, err := pgx.Connect(ctx, a.url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
				t.Fatalf("%.60s…: %v", q, err)
			}
		}
		a.schema = func() []string {
			t.Helper()
			db, err := sql.Open("pgx", a.url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			return schemaLines(t, db, layout.Postgres)
		}
		a.tables = func() []string {
			t.Helper()
			conn, err := pgx.Connect(ctx, a.url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			rows, _ := conn.Query(ctx, `SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			return names
		}
	case KindMySQL:
		var dsn string
		a.url, dsn = servicetest.MySQLDatabase(t)
		db, err := sql.Open("mysql", dsn+"&multiStatements=true")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		a.exec = func(q string) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%.60s…: %v", q, err)
			}
		}
		a.tables = func() []string {
			return queryNames(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1")
		}
		a.schema = func() []string { return schemaLines(t, db, layout.MySQL) }
	case KindSQLite:
		path := filepath.Join(t.TempDir(), "app.db")
		a.url = "sqlite://" + path
		open := func() *sql.DB {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		a.exec = func(q string) {
			t.Helper()
			db := open()
			defer db.Close()
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%.60s…: %v", q, err)
			}
		}
		a.tables = func() []string {
			db := open()
			defer db.Close()
			return queryNames(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
		}
		a.schema = func() []string {
			db := open()
			defer db.Close()
			return schemaLines(t, db, layout.SQLite)
		}
		a.bytes = func() []byte {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Errorf("%s-wal exists: the file was opened for writing", path)
			}
			return b
		}
	}
	for _, f := range fixtures {
		ddl, err := os.ReadFile(filepath.Join("..", "layout", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		a.exec(string(ddl))
	}
	for _, q := range extra {
		a.exec(q)
	}
	return a
}

// schemaLines describes db's tables, columns and indexes, one sorted line
// each.
func schemaLines(t *testing.T, db *sql.DB, d layout.Dialect) []string {
	t.Helper()
	ctx := context.Background()
	inspect := map[layout.Dialect]func(context.Context, *sql.DB) (layout.Schema, error){
		layout.Postgres: layout.InspectPostgresSQL, layout.MySQL: layout.InspectMySQL, layout.SQLite: layout.InspectSQLite,
	}[d]
	s, err := inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := layout.InspectIndexes(ctx, db, d)
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
		lines = append(lines, fmt.Sprintf("index %s on %s (%s) unique=%v", i.Name, i.Table, strings.Join(i.Columns, ", "), i.Unique))
	}
	slices.Sort(lines)
	return lines
}

// newLines are the lines of after that before lacks.
func newLines(before, after []string) []string {
	var out []string
	for _, l := range after {
		if !slices.Contains(before, l) {
			out = append(out, l)
		}
	}
	return out
}

func queryNames(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// typeormSQLite is TypeORM's tables on SQLite, a layout on a database this
// version does not serve it on.
const typeormSQLite = `CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, email TEXT UNIQUE, "emailVerified" TEXT, image TEXT);
CREATE TABLE accounts (id TEXT PRIMARY KEY, "userId" TEXT, type TEXT, provider TEXT, "providerAccountId" TEXT, refresh_token TEXT,
  access_token TEXT, expires_at INTEGER, token_type TEXT, scope TEXT, id_token TEXT, session_state TEXT);
CREATE TABLE sessions (id TEXT PRIMARY KEY, "sessionToken" TEXT UNIQUE, "userId" TEXT, expires TEXT);
CREATE TABLE verification_tokens (id TEXT PRIMARY KEY, token TEXT, identifier TEXT, expires TEXT)`

// TestLayoutRefused points the server's Open, Migrate and Migrate's dry
// run at half and mixed layouts, and at a layout on a database it is not
// served on: each refuses, names what it found, and creates nothing (the
// tables before and after are the same; an SQLite file is not written).
func TestLayoutRefused(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		fixtures []string
		extra    []string
		want     string // a part of the error
	}{
		{"typeorm on sqlite", KindSQLite, nil, []string{typeormSQLite}, "the database holds the typeorm layout (tables users, accounts, sessions, verification_tokens) on SQLite; this version serves the typeorm layout on PostgreSQL, MySQL/MariaDB only"},

		{"half prisma on postgres", KindPostgres, []string{"prisma-postgres.sql"}, []string{`DROP TABLE "VerificationToken"`}, `found "User"; "Account"; "Session"`},
		{"half drizzle on mysql", KindMySQL, []string{"drizzle-mysql.sql"}, []string{"DROP TABLE `verificationToken`"}, `found "user"`},
		{"half prisma on sqlite", KindSQLite, []string{"prisma-sqlite.sql"}, []string{`DROP TABLE "Session"`}, `found "User"; "Account"; "VerificationToken"`},
		{"pg-adapter and drizzle on postgres", KindPostgres, []string{"pg-adapter-postgres.sql", "drizzle-postgres.sql"}, nil, "several at once"},
		{"typeorm and prisma on mysql", KindMySQL, []string{"typeorm-mysql.sql", "prisma-mysql.sql"}, nil, "several at once"},
		{"an app's users table on postgres", KindPostgres, nil, []string{"CREATE TABLE users (id SERIAL PRIMARY KEY, login TEXT)"}, `"users" without name, email, emailVerified, image`},
		{"an app's users table on mysql", KindMySQL, nil, []string{"CREATE TABLE users (id INT PRIMARY KEY, login TEXT)"}, `"users" without name, email, emailVerified, image`},
		{"an app's User table on sqlite", KindSQLite, nil, []string{"CREATE TABLE user (id INTEGER PRIMARY KEY, login TEXT)"}, `"user" without name, email, emailVerified, image`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newAppDB(t, tt.kind, tt.fixtures, tt.extra...)
			before := db.tables()
			var content []byte
			if db.bytes != nil {
				content = db.bytes()
			}
			f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, store, err := f.Open(context.Background(), nil); err == nil || store != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open() = %v, %v, want an error with %q", store, err, tt.want)
			} else if !strings.Contains(err.Error(), "nothing was created or changed") {
				t.Errorf("Open() error = %q, want it to say nothing was created", err)
			}
			for name, migrate := range map[string]func(context.Context) (MigrateResult, error){"Migrate": f.Migrate, "MigrateDryRun": f.MigrateDryRun} {
				if r, err := migrate(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s() = %q, %v, want an error with %q", name, r, err, tt.want)
				}
			}
			if after := db.tables(); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("tables after = %v, before = %v: something was created", after, before)
			}
			if content != nil && !bytes.Equal(db.bytes(), content) {
				t.Errorf("the SQLite file changed")
			}
		})
	}
}

// TestLayoutServed: the pg-adapter layout made by its schema.sql, with an
// app's own table beside it, is served and migrated without touching the
// app's table; a new database gets the layout; the dry run says so.
func TestLayoutServed(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		fixtures []string
	}{
		{"pg-adapter docs schema", KindPostgres, []string{"pg-adapter-postgres.sql"}},
		{"pg-adapter repository schema", KindPostgres, []string{"pg-adapter-keys-postgres.sql"}},
		{"empty postgres", KindPostgres, nil},
		{"empty mysql", KindMySQL, nil},
		{"empty sqlite", KindSQLite, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newAppDB(t, tt.kind, tt.fixtures, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)")
			db.exec("INSERT INTO posts (id, title) VALUES (1, 'kept')")
			f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			dry, err := f.MigrateDryRun(context.Background())
			wantDry := "layout pg-adapter (users, accounts, sessions, verification_token)"
			if tt.fixtures == nil {
				wantDry = "no NextAuth table: the pg-adapter layout (users, accounts, sessions, verification_token) would be created"
			}
			if err != nil || !strings.Contains(dry.String(), wantDry) || !strings.HasSuffix(dry.String(), "(dry run: nothing changed)") {
				t.Errorf("MigrateDryRun() = %q, %v, want %q", dry, err, wantDry)
			}
			if tt.fixtures == nil {
				if got := db.tables(); strings.Join(got, ",") != "posts" {
					t.Errorf("after the dry run the tables are %v, want only posts", got)
				}
			}
			_, store, err := f.Open(context.Background(), nil)
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer store.Close()
			want := "pg-adapter: tables users, accounts, sessions, verification_token"
			if tt.fixtures == nil {
				want = "pg-adapter (created in an empty database)"
			}
			if got := store.LayoutDescription(); got != want {
				t.Errorf("LayoutDescription() = %q, want %q", got, want)
			}
			if _, err := store.Adapter.CreateUser(context.Background(), nextauth.User{Email: nextauth.String("a@example.com")}); err != nil {
				t.Errorf("CreateUser() = %v", err)
			}
			db.exec("UPDATE posts SET title = 'kept' WHERE id = 1 AND title = 'kept'") // still there
			if got := db.tables(); !strings.Contains(","+strings.Join(got, ",")+",", ",posts,") {
				t.Errorf("tables after Open() = %v, want the app's posts kept", got)
			}
		})
	}
}

// TestDatabaseLayoutKey forces a layout: the forced one is checked alone
// (other tables are ignored), and a forced layout this version does not
// serve is refused even in an empty database.
func TestDatabaseLayoutKey(t *testing.T) {
	ctx := context.Background()
	// A stray Drizzle user table beside pg-adapter's: detection refuses,
	// database_layout: pg-adapter serves.
	db := newAppDB(t, KindPostgres, []string{"pg-adapter-keys-postgres.sql"}, `CREATE TABLE "user" (id TEXT PRIMARY KEY, name TEXT, email TEXT, "emailVerified" TIMESTAMP, image TEXT)`)
	f, _ := Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\n"), nil)
	if _, _, err := f.Open(ctx, nil); err == nil || !errors.As(err, new(*layout.Mismatch)) {
		t.Errorf("Open() of pg-adapter beside a stray user table = %v, want a layout.Mismatch", err)
	}
	f, _ = Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\ndatabase_layout: pg-adapter\n"), nil)
	_, store, err := f.Open(ctx, nil)
	if err != nil {
		t.Fatalf("Open() with database_layout: pg-adapter = %v", err)
	}
	store.Close()

	empty := newAppDB(t, KindSQLite, nil)
	f, _ = Parse("t.yaml", []byte("secret: s\ndatabase: \""+empty.url+"\"\ndatabase_layout: prisma\n"), nil)
	_, _, err = f.Open(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "database_layout: prisma, but the database has none of its tables; the server creates only the pg-adapter layout") {
		t.Errorf("Open() of an empty database with database_layout: prisma = %v, want a refusal", err)
	}
	if got := empty.tables(); len(got) != 0 {
		t.Errorf("tables after the refusal = %v, want none", got)
	}
}

// TestLayoutInPrismaSchema: with Prisma's ?schema=, the tables looked at
// are those of that schema: Prisma's tables there are served, and
// pg-adapter's tables in public do not count.
func TestLayoutInPrismaSchema(t *testing.T) {
	db := newAppDB(t, KindPostgres, []string{"pg-adapter-postgres.sql"})
	ddl, err := os.ReadFile(filepath.Join("..", "layout", "testdata", "prisma-postgres.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db.exec(`CREATE SCHEMA "App"; SET search_path = "App"; ` + string(ddl))
	sep := "?"
	if strings.Contains(db.url, "?") {
		sep = "&"
	}
	f, _ := Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+sep+"schema=App\"\n"), nil)
	_, store, err := f.Open(context.Background(), nil)
	if err != nil || !strings.HasPrefix(store.LayoutDescription(), "prisma (next-auth v4)") {
		t.Fatalf("Open(…?schema=App) = %v, want the prisma layout served", err)
	}
	store.Close()
	f, _ = Parse("t.yaml", []byte("secret: s\ndatabase: \""+db.url+"\"\n"), nil)
	_, store, err = f.Open(context.Background(), nil)
	if err != nil || !strings.HasPrefix(store.LayoutDescription(), "pg-adapter") {
		t.Fatalf("Open() of public = %v, want pg-adapter served", err)
	}
	store.Close()
}

// TestForeignLayoutServed points Open, Migrate and its dry run at the
// databases each official tool makes, with an app's own table beside
// them: each layout is served as it is (the log names it, a sign-in's rows
// land in its tables), Open and the dry run change nothing (no table, no
// column, no index of the layout's or the app's tables; the server's
// nextauth_* tables are made unless server_tables is false), and
// revocations and rate limits are shared through them. Migrate then adds exactly the nextauth_*
// indexes its plan lists, and nothing else; run again it has nothing to
// do, and the server still serves the tables.
func TestForeignLayoutServed(t *testing.T) {
	tests := []struct {
		name, kind, fixture, forced string
		want                        string // LayoutDescription
	}{
		{"prisma on postgres", KindPostgres, "prisma-postgres.sql", "", "prisma (next-auth v4): tables User, Account, Session, VerificationToken"},
		{"prisma Auth.js on postgres", KindPostgres, "prisma-authjs-postgres.sql", "", "prisma (Auth.js): tables User, Account, Session, VerificationToken"},
		{"prisma on mysql", KindMySQL, "prisma-mysql.sql", "", "prisma (next-auth v4): tables User, Account, Session, VerificationToken"},
		{"prisma Auth.js on mysql", KindMySQL, "prisma-authjs-mysql.sql", "", "prisma (Auth.js): tables User, Account, Session, VerificationToken"},
		{"prisma on sqlite", KindSQLite, "prisma-sqlite.sql", "", "prisma (next-auth v4): tables User, Account, Session, VerificationToken"},
		{"prisma Auth.js on sqlite", KindSQLite, "prisma-authjs-sqlite.sql", "", "prisma (Auth.js): tables User, Account, Session, VerificationToken"},
		{"kysely on postgres", KindPostgres, "kysely-postgres.sql", "", "kysely: tables User, Account, Session, VerificationToken"},
		{"drizzle on postgres", KindPostgres, "drizzle-postgres.sql", "", "drizzle: tables user, account, session, verificationToken"},
		{"drizzle on mysql", KindMySQL, "drizzle-mysql.sql", "", "drizzle: tables user, account, session, verificationToken"},
		{"drizzle on sqlite", KindSQLite, "drizzle-sqlite.sql", "", "drizzle: tables user, account, session, verificationToken"},
		{"typeorm on postgres", KindPostgres, "typeorm-postgres.sql", "", "typeorm: tables users, accounts, sessions, verification_tokens"},
		{"typeorm on mysql", KindMySQL, "typeorm-mysql.sql", "", "typeorm: tables users, accounts, sessions, verification_tokens"},
		{"drizzle forced on postgres", KindPostgres, "drizzle-postgres.sql", "drizzle", "drizzle: tables user, account, session, verificationToken"},
		{"prisma on postgres without server tables", KindPostgres, "prisma-postgres.sql", "", "prisma (next-auth v4): tables User, Account, Session, VerificationToken"},
		{"drizzle on mysql without server tables", KindMySQL, "drizzle-mysql.sql", "", "drizzle: tables user, account, session, verificationToken"},
		{"prisma on sqlite without server tables", KindSQLite, "prisma-sqlite.sql", "", "prisma (next-auth v4): tables User, Account, Session, VerificationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := newAppDB(t, tt.kind, []string{tt.fixture}, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)")
			before := db.tables()
			yaml := "secret: s\ndatabase: \"" + db.url + "\"\n"
			if tt.forced != "" {
				yaml += "database_layout: " + tt.forced + "\n"
			}
			off := strings.HasSuffix(tt.name, "without server tables")
			if off {
				yaml += "database_options: {server_tables: false}\n"
			}
			f, err := Parse("t.yaml", []byte(yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			schema := db.schema()
			_, store, err := f.Open(ctx, nil)
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer store.Close()
			if got := db.schema(); !slices.Equal(withoutServer(got), schema) {
				t.Errorf("Open() changed the schema: added %q", newLines(schema, withoutServer(got)))
			}
			if got := store.LayoutDescription(); got != tt.want {
				t.Errorf("LayoutDescription() = %q, want %q", got, tt.want)
			}
			own := []string{"nextauth_rate_buckets", "nextauth_rate_counters", "nextauth_revoked_sessions", "nextauth_revoked_users", "nextauth_session_claims"}
			if tt.kind == KindSQLite {
				own = own[2:] // rate limits stay in the process, as on the default layout
			}
			if off {
				own = nil
			}
			switch w := strings.Join(store.Warnings, "\n"); {
			case off && (!strings.Contains(w, "JWT session revocation is unavailable") ||
				strings.Contains(w, "rate limits and lockout are kept in this process only") != (tt.kind != KindSQLite)):
				t.Errorf("Warnings = %q, want revocation (and on a server database rate limits) reported", store.Warnings)
			case !off && len(store.Warnings) > 0:
				t.Errorf("Warnings = %q, want none with the server's tables", store.Warnings)
			}
			if got, want := store.RateStore != nil, !off && tt.kind != KindSQLite; got != want {
				t.Errorf("RateStore = %T, want one in the database: %v", store.RateStore, want)
			}
			revoker, ok := store.Adapter.(nextauth.JWTRevoker)
			if ok == off {
				t.Errorf("Adapter is a JWTRevoker: %v, want %v", ok, !off)
			}
			if ok {
				// A revocation is kept in the database: a second server on it
				// sees it.
				if err := revoker.RevokeJWT(ctx, "sid-1", time.Now().Add(time.Hour)); err != nil {
					t.Fatalf("RevokeJWT() = %v", err)
				}
				if err := revoker.RevokeUserJWTs(ctx, "user-9", time.Now(), time.Hour); err != nil {
					t.Fatalf("RevokeUserJWTs() = %v", err)
				}
				_, second, err := f.Open(ctx, nil)
				if err != nil {
					t.Fatalf("second Open() = %v", err)
				}
				r2 := second.Adapter.(nextauth.JWTRevoker)
				for _, c := range []struct {
					sid, user string
					want      bool
				}{{"sid-1", "user-1", true}, {"sid-2", "user-9", true}, {"sid-2", "user-1", false}} {
					if got, err := r2.JWTRevoked(ctx, c.sid, c.user, time.Now().Add(-time.Minute)); err != nil || got != c.want {
						t.Errorf("second server: JWTRevoked(%s, %s) = %v, %v, want %v", c.sid, c.user, got, err, c.want)
					}
				}
				if err := second.Close(); err != nil {
					t.Errorf("second Close() = %v", err)
				}
			}
			if rs := store.RateStore; rs != nil {
				// Servers sharing the database share the limit.
				if ok, err := rs.Take(ctx, "k", 1, time.Hour); err != nil || !ok {
					t.Fatalf("Take() = %v, %v, want the one token", ok, err)
				}
				_, second, err := f.Open(ctx, nil)
				if err != nil {
					t.Fatalf("second Open() = %v", err)
				}
				if ok, err := second.RateStore.Take(ctx, "k", 1, time.Hour); err != nil || ok {
					t.Errorf("second server: Take() = %v, %v, want the bucket the first emptied", ok, err)
				}
				if err := second.Close(); err != nil {
					t.Errorf("second Close() = %v", err)
				}
			}
			if err := store.Ping(ctx); err != nil {
				t.Errorf("Ping() = %v", err)
			}
			a := store.Adapter
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test")})
			if err != nil {
				t.Fatalf("CreateUser() = %v", err)
			}
			if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "t1", UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
				t.Fatalf("CreateSession() = %v", err)
			}
			if _, got, err := a.GetSessionAndUser(ctx, "t1"); err != nil || got.ID != u.ID {
				t.Errorf("GetSessionAndUser() = %v, %v, want user %s", got, err, u.ID)
			}
			if d, ok := a.(nextauth.ExpiredDeleter); !ok || store.CleanupInterval == 0 {
				t.Errorf("cleanup: ExpiredDeleter %v, interval %v, want both", ok, store.CleanupInterval)
			} else if _, _, err := d.DeleteExpired(ctx, time.Now()); err != nil {
				t.Errorf("DeleteExpired() = %v", err)
			}
			wantTables := append(slices.Clone(before), own...)
			if after := db.tables(); !sameSet(after, wantTables) {
				t.Errorf("tables after = %v, want %v: the layout's, the app's and the server's own only", after, wantTables)
			}
			if got := db.schema(); !slices.Equal(withoutServer(got), schema) {
				t.Errorf("serving changed the schema: added %q", newLines(schema, withoutServer(got)))
			}
			store.Close()
			schema = db.schema() // with the server's tables, if made

			dry, err := f.MigrateDryRun(ctx)
			if err != nil || dry.Indexes == nil || len(dry.Indexes.Steps) == 0 ||
				!strings.Contains(dry.String(), "served as it is\nplan: add ") || !strings.HasSuffix(dry.String(), "\ndry run: nothing changed") {
				t.Fatalf("MigrateDryRun() = %q, %v, want a plan", dry, err)
			}
			if got := db.schema(); !slices.Equal(got, schema) {
				t.Errorf("MigrateDryRun() changed the schema: added %q", newLines(schema, got))
			}
			var shown string
			r, err := f.MigrateShowingPlan(ctx, func(plan string) { shown = plan })
			if err != nil || shown != dry.PlanString() || r.String() != shown+"\n"+r.Outcome() {
				t.Fatalf("Migrate() = %q, %v; shown %q, want the dry run's plan %q", r, err, shown, dry.PlanString())
			}
			var want []string
			for _, s := range dry.Indexes.Steps {
				if !strings.Contains(dry.String(), s.SQL+";\n    -- "+s.Why) {
					t.Errorf("the plan does not show %q and why", s.SQL)
				}
				want = append(want, s.Name)
			}
			if !slices.Equal(r.Added, want) || r.Outcome() != "added "+fmt.Sprint(len(want))+" indexes: "+strings.Join(want, ", ") {
				t.Errorf("Migrate() added %q (%q), want %q", r.Added, r.Outcome(), want)
			}
			after := db.schema()
			var made []string
			for _, l := range newLines(schema, after) {
				name, _, _ := strings.Cut(strings.TrimPrefix(l, "index "), " ")
				if !strings.HasPrefix(l, "index nextauth_") {
					t.Errorf("Migrate() made %q, want only nextauth_ indexes", l)
				}
				made = append(made, name)
			}
			slices.Sort(want)
			if !slices.Equal(made, want) {
				t.Errorf("indexes made = %q, want %q", made, want)
			}
			if gone := newLines(after, schema); len(gone) > 0 {
				t.Errorf("Migrate() removed %q", gone)
			}
			for name, migrate := range map[string]func(context.Context) (MigrateResult, error){"Migrate": f.Migrate, "MigrateDryRun": f.MigrateDryRun} {
				again, err := migrate(ctx)
				if err != nil || !strings.Contains(again.String(), "served as it is; its tables have every index the server needs; nothing to migrate") || len(again.Added) != 0 {
					t.Errorf("%s() again = %q, %v, want nothing to do", name, again, err)
				}
			}
			if got := db.schema(); !slices.Equal(got, after) {
				t.Errorf("Migrate() again changed the schema: %q", newLines(after, got))
			}

			// Served after the indexes: a sign-in's rows, and the keys the
			// unique indexes enforce.
			_, store, err = f.Open(ctx, nil)
			if err != nil {
				t.Fatalf("Open() after Migrate() = %v", err)
			}
			defer store.Close()
			a = store.Adapter
			u, err = a.CreateUser(ctx, nextauth.User{Email: nextauth.String("grace@example.test")})
			if err != nil {
				t.Fatalf("CreateUser() after Migrate() = %v", err)
			}
			acc := nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: "7"}
			if err := a.LinkAccount(ctx, acc); err != nil {
				t.Errorf("LinkAccount() after Migrate() = %v", err)
			}
			if err := a.LinkAccount(ctx, acc); !errors.Is(err, nextauth.ErrConflict) {
				t.Errorf("LinkAccount() twice after Migrate() = %v, want ErrConflict", err)
			}
			vt := nextauth.VerificationToken{Identifier: "grace@example.test", Token: "h", Expires: time.Now().Add(time.Hour)}
			if err := a.CreateVerificationToken(ctx, vt); err != nil {
				t.Errorf("CreateVerificationToken() after Migrate() = %v", err)
			}
			if err := a.CreateVerificationToken(ctx, vt); !errors.Is(err, nextauth.ErrConflict) {
				t.Errorf("CreateVerificationToken() twice after Migrate() = %v, want ErrConflict", err)
			}
			if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "t2", UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
				t.Errorf("CreateSession() after Migrate() = %v", err)
			}
			if l, ok := a.(nextauth.SessionLister); !ok {
				t.Errorf("Adapter is no SessionLister")
			} else if ss, err := l.ListSessions(ctx, u.ID); err != nil || len(ss) != 1 {
				t.Errorf("ListSessions() after Migrate() = %v, %v, want 1", ss, err)
			}
		})
	}
}

// withoutServer is schema lines without those of the server's own
// nextauth_* tables (which Open makes beside another adapter's layout).
func withoutServer(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "column nextauth_") || strings.Contains(l, " on nextauth_") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// sameSet reports whether a and b hold the same names, in any order and
// case (SQLite and MySQL keep the case of their creation).
func sameSet(a, b []string) bool {
	norm := func(s []string) []string {
		s = slices.Clone(s)
		for i := range s {
			s[i] = strings.ToLower(s[i])
		}
		slices.Sort(s)
		return s
	}
	return slices.Equal(norm(a), norm(b))
}
