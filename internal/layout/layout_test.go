package layout

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// fixtures are the schemas the official tools make (testdata), with the
// layout each must be detected as.
var fixtures = []struct {
	file    string
	d       Dialect
	want    Name
	variant string
}{
	{"pg-adapter-postgres.sql", Postgres, PgAdapter, ""},
	{"pg-adapter-keys-postgres.sql", Postgres, PgAdapter, ""},
	{"prisma-postgres.sql", Postgres, Prisma, "next-auth v4"},
	{"prisma-mysql.sql", MySQL, Prisma, "next-auth v4"},
	{"prisma-sqlite.sql", SQLite, Prisma, "next-auth v4"},
	{"prisma-authjs-postgres.sql", Postgres, Prisma, "Auth.js"},
	{"prisma-authjs-mysql.sql", MySQL, Prisma, "Auth.js"},
	{"prisma-authjs-sqlite.sql", SQLite, Prisma, "Auth.js"},
	{"kysely-postgres.sql", Postgres, Kysely, ""},
	{"drizzle-postgres.sql", Postgres, Drizzle, ""},
	{"drizzle-mysql.sql", MySQL, Drizzle, ""},
	{"drizzle-sqlite.sql", SQLite, Drizzle, ""},
	{"typeorm-postgres.sql", Postgres, TypeORM, ""},
	{"typeorm-mysql.sql", MySQL, TypeORM, ""},
}

// TestFixtures loads each tool's schema into a fresh database of its
// dialect, with an app table beside it, and detects its layout.
func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			s := loadFixture(t, f.d, f.file, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)")
			got, err := Detect(s, f.d)
			if err != nil || got.Layout != f.want || got.Variant != f.variant || len(got.Tables) != 4 {
				t.Fatalf("Detect(%s) = %v, %v, want %s %q", f.file, got, err, f.want, f.variant)
			}
			if forced, err := Expect(s, f.d, f.want); err != nil || forced.Layout != f.want {
				t.Errorf("Expect(%s, %s) = %v, %v, want it", f.file, f.want, forced, err)
			}
		})
	}
}

// loadFixture creates the tables of testdata/file and the extra
// statements in a fresh database of dialect d and inspects it.
func loadFixture(t *testing.T, d Dialect, file string, extra ...string) Schema {
	t.Helper()
	ddl, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var s Schema
	switch d {
	case Postgres:
		conn, err := pgx.Connect(ctx, servicetest.PostgresDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, q := range append([]string{string(ddl), "SET search_path = public"}, extra...) {
			if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		s, err = InspectPostgres(ctx, conn)
	case MySQL:
		_, dsn := servicetest.MySQLDatabase(t)
		db, err := sql.Open("mysql", dsn+"&multiStatements=true")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range append([]string{string(ddl)}, extra...) {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		s, err = InspectMySQL(ctx, db)
	case SQLite:
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "app.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range append([]string{string(ddl)}, extra...) {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		s, err = InspectSQLite(ctx, db)
	}
	if err != nil {
		t.Fatalf("inspect %s: %v", file, err)
	}
	return s
}

// cols makes a table's columns, all of type text unless "name:type".
func cols(names ...string) []Column {
	var c []Column
	for _, n := range names {
		name, typ, ok := strings.Cut(n, ":")
		if !ok {
			typ = "text"
		}
		c = append(c, Column{name, typ})
	}
	return c
}

var (
	pgUsers    = cols("id:integer", "name", "email", "emailVerified:timestamp with time zone", "image")
	pgAccounts = cols("id:integer", "userId:integer", "type", "provider", "providerAccountId", "refresh_token", "access_token",
		"expires_at:bigint", "id_token", "scope", "session_state", "token_type")
	pgSessions = cols("id:integer", "userId:integer", "expires:timestamp with time zone", "sessionToken")
	pgTokens   = cols("identifier", "expires:timestamp with time zone", "token")
)

func pgAdapter() Schema {
	return Schema{"users": pgUsers, "accounts": pgAccounts, "sessions": pgSessions, "verification_token": pgTokens}
}

func TestDetect(t *testing.T) {
	withTable := func(s Schema, name string, c []Column) Schema { s[name] = c; return s }
	without := func(s Schema, name string) Schema { delete(s, name); return s }
	prismaSQLite := Schema{
		"User":              cols("id", "name", "email", "emailVerified:datetime", "image"),
		"Account":           cols("id", "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at:integer", "token_type", "scope", "id_token", "session_state"),
		"Session":           cols("id", "sessionToken", "userId", "expires:datetime"),
		"VerificationToken": cols("identifier", "token", "expires:datetime"),
	}
	tests := []struct {
		name    string
		s       Schema
		d       Dialect
		want    Name
		wantErr []string // parts of the Mismatch message
	}{
		{"empty", Schema{}, Postgres, Empty, nil},
		{"only the app's and the server's tables", Schema{"posts": cols("id"), "nextauth_migrations": cols("version")}, Postgres, Empty, nil},
		{"pg-adapter", pgAdapter(), Postgres, PgAdapter, nil},
		{"pg-adapter with app tables and extra columns", withTable(withTable(pgAdapter(), "posts", cols("id")), "users",
			append(clone(pgUsers), Column{"role", "text"})), Postgres, PgAdapter, nil},
		{"pg-adapter's names with text ids (Prisma's @@map)", withTable(pgAdapter(), "users",
			cols("id:text", "name", "email", "emailVerified", "image")), Postgres, Empty,
			[]string{`"users" with an id of type text`, "integer (SERIAL) ids"}},
		{"pg-adapter on MySQL, int(11) ids", withTable(pgAdapter(), "users",
			cols("id:int(11)", "name", "email", "emailVerified", "image")), MySQL, PgAdapter, nil},
		{"half pg-adapter", without(without(pgAdapter(), "sessions"), "verification_token"), Postgres, Empty,
			[]string{`found "users"; "accounts"`, `"sessions", "verification_token"`}},
		{"users of the app", withTable(Schema{}, "users", cols("id", "login", "password")), Postgres, Empty,
			[]string{`"users" without name, email, emailVerified, image`}},
		{"pg-adapter lacking a column", withTable(pgAdapter(), "sessions", cols("id", "userId", "expires")), Postgres, Empty,
			[]string{`"sessions" without sessionToken`}},
		{"pg-adapter and Drizzle at once", withTable(pgAdapter(), "user", cols("id", "name", "email", "emailVerified", "image")), Postgres, Empty,
			[]string{`"user"`, "the drizzle tables"}},
		{"both verification tables", withTable(pgAdapter(), "verification_tokens", cols("id", "identifier", "token", "expires")), Postgres, Empty,
			[]string{`"verification_tokens"`}},
		{"Prisma on SQLite, names in other case", Schema{
			"USER": prismaSQLite["User"], "account": prismaSQLite["Account"], "Session": prismaSQLite["Session"], "verificationtoken": prismaSQLite["VerificationToken"],
		}, SQLite, Prisma, nil},
		{"Prisma's names in other case on PostgreSQL are other tables", Schema{
			"USER": prismaSQLite["User"], "account": prismaSQLite["Account"], "Session": prismaSQLite["Session"], "VerificationToken": prismaSQLite["VerificationToken"],
		}, Postgres, Empty, []string{`"Session"`, `"VerificationToken"`}},
		{"MySQL column names ignore case", Schema{
			"users": cols("ID:int", "Name", "EMAIL", "emailverified", "image"), "accounts": pgAccounts, "sessions": pgSessions, "verification_token": pgTokens,
		}, MySQL, PgAdapter, nil},
		{"PostgreSQL column names are exact", Schema{
			"users": cols("id", "name", "email", "emailverified", "image"), "accounts": pgAccounts, "sessions": pgSessions, "verification_token": pgTokens,
		}, Postgres, Empty, []string{`"users" without emailVerified`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.s, tt.d)
			if tt.wantErr == nil {
				if err != nil || got.Layout != tt.want {
					t.Errorf("Detect = %v, %v, want %q", got, err, tt.want)
				}
				return
			}
			var mm *Mismatch
			if !errors.As(err, &mm) {
				t.Fatalf("Detect = %v, %v, want a *Mismatch", got, err)
			}
			for _, part := range tt.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("Detect error = %q, want it to hold %q", err, part)
				}
			}
		})
	}
}

func clone(c []Column) []Column { return append([]Column(nil), c...) }

// TestExpect checks a forced layout alone: the others' tables are
// ignored, its own must be complete.
func TestExpect(t *testing.T) {
	s := pgAdapter()
	s["user"] = cols("id", "name", "email", "emailVerified", "image") // a stray Drizzle table
	if got, err := Expect(s, Postgres, PgAdapter); err != nil || got.Layout != PgAdapter {
		t.Errorf("Expect(pg-adapter beside a stray table) = %v, %v, want pg-adapter", got, err)
	}
	if got, err := Expect(s, Postgres, Drizzle); err == nil {
		t.Errorf("Expect(drizzle with only its user table) = %v, want a Mismatch", got)
	}
	if got, err := Expect(Schema{}, Postgres, Prisma); err != nil || got.Layout != Empty {
		t.Errorf("Expect(empty, prisma) = %v, %v, want Empty", got, err)
	}
}
