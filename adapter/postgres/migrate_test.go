package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
)

// pgAdapterSchema is the schema @auth/pg-adapter documents (no unique keys, no
// foreign keys; docs/compatibility.md#adapters-and-the-data-model), in its
// order: the fixture the layout detection is tested on.
var pgAdapterSchema = readFixture("../../internal/layout/testdata/pg-adapter-postgres.sql")

// readFixture is the text of a test fixture file; it panics when the file
// is missing (the package's tests cannot run without it).
func readFixture(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pgAdapterSchemaInline is the variant of the same schema with the keys
// written inline (UNIQUE, REFERENCES users ON DELETE CASCADE), which gives
// PostgreSQL's default constraint names.
const pgAdapterSchemaInline = `
CREATE TABLE users (
  id SERIAL, name VARCHAR(255), email VARCHAR(255) UNIQUE, "emailVerified" TIMESTAMPTZ, image TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE accounts (
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  type VARCHAR(255) NOT NULL, provider VARCHAR(255) NOT NULL, "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT, access_token TEXT, expires_at BIGINT, id_token TEXT, scope TEXT,
  session_state TEXT, token_type TEXT,
  PRIMARY KEY (id),
  UNIQUE (provider, "providerAccountId")
);
CREATE TABLE sessions (
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) UNIQUE NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE verification_token (
  identifier TEXT NOT NULL, expires TIMESTAMPTZ NOT NULL, token TEXT NOT NULL,
  PRIMARY KEY (identifier, token)
);`

// pgAdapterSchemaCustom adds keys a DBA might have added under other names
// and shapes: a unique index instead of a constraint, a foreign key
// without cascade, keys in another column order.
var pgAdapterSchemaCustom = pgAdapterSchema + `
ALTER TABLE users ADD CONSTRAINT uq_user_mail UNIQUE (email);
CREATE UNIQUE INDEX ix_session_token ON sessions ("sessionToken");
CREATE UNIQUE INDEX ix_account ON accounts ("providerAccountId", provider);
ALTER TABLE accounts ADD CONSTRAINT fk_account_user FOREIGN KEY ("userId") REFERENCES users (id);
CREATE INDEX ix_session_expiry ON sessions (expires, "userId");`

// nodeRows is what Node's @auth/pg-adapter would have stored: ids from the
// SERIAL defaults, NULLs for missing values.
const nodeRows = `
INSERT INTO users (name, email, "emailVerified", image) VALUES
  ('Ada Lovelace', 'ada@example.test', '2024-01-02 03:04:05.678+00', 'https://example.test/ada.png'),
  (NULL, 'bob@example.test', NULL, NULL);
INSERT INTO accounts ("userId", provider, type, "providerAccountId", access_token, expires_at,
  refresh_token, id_token, scope, session_state, token_type) VALUES
  (1, 'github', 'oauth', '583231', 'gho_abc', 1700000000, 'ghr_def', NULL, 'read:user,user:email', NULL, 'bearer'),
  (2, 'google', 'oauth', '1089', 'ya29', 1700003600, NULL, 'eyJ.id.token', 'openid email', 'st', 'Bearer');
INSERT INTO sessions ("userId", expires, "sessionToken") VALUES
  (1, '2030-01-01 00:00:00+00', '2c1a8d1e-8c3f-4b7e-9a51-0f2a8f1d2e3c'),
  (2, '2020-01-01 00:00:00+00', '7d4c6a0b-1e2f-4a3b-8c9d-0e1f2a3b4c5d');
INSERT INTO verification_token (identifier, expires, token) VALUES
  ('bob@example.test', '2030-01-01 00:00:00+00', 'c0ffee');`

// columns lists the columns of the four tables: table, position, name,
// type, NOT NULL, default.
func columns(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	return queryStrings(t, pool, `SELECT format('%s %s %s %s %s %s', c.relname, a.attnum, a.attname,
  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relname IN ('users', 'accounts', 'sessions', 'verification_token')
  AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1`)
}

// constraints lists "table: definition" of every constraint and "index:
// definition" of every index, names left out.
func constraints(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	return queryStrings(t, pool, `SELECT conrelid::regclass || ': ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND contype IN ('p', 'u', 'f')
UNION ALL
SELECT 'index: ' || regexp_replace(indexdef, 'INDEX \S+ ON', 'INDEX ON')
FROM pg_indexes WHERE schemaname = current_schema()
ORDER BY 1`)
}

// snapshot is the whole schema and the migration records, for "nothing
// changed" checks.
func snapshot(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	s := append(columns(t, pool), constraints(t, pool)...)
	s = append(s, queryStrings(t, pool, `SELECT 'index name: ' || indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`)...)
	return append(s, queryStrings(t, pool, `SELECT format('migration %s %s %s', version, applied_at, warnings) FROM nextauth_migrations ORDER BY version`)...)
}

func queryStrings(t *testing.T, pool *pgxpool.Pool, sql string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", firstLine(sql), err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fullSchema is what constraints lists after Migrate on an empty database.
var fullSchema = []string{
	`accounts: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`,
	`accounts: PRIMARY KEY (id)`,
	`accounts: UNIQUE (provider, "providerAccountId")`,
	`index: CREATE INDEX ON public.accounts USING btree ("userId")`,
	`index: CREATE INDEX ON public.nextauth_revoked_sessions USING btree (expires)`,
	`index: CREATE INDEX ON public.nextauth_revoked_users USING btree (expires)`,
	`index: CREATE INDEX ON public.sessions USING btree ("userId")`,
	`index: CREATE INDEX ON public.sessions USING btree (expires)`,
	`index: CREATE INDEX ON public.verification_token USING btree (expires)`,
	`index: CREATE UNIQUE INDEX ON public.accounts USING btree (id)`,
	`index: CREATE UNIQUE INDEX ON public.accounts USING btree (provider, "providerAccountId")`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_migrations USING btree (version)`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_rate_buckets USING btree (key, capacity, window_us)`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_rate_counters USING btree (key)`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_revoked_sessions USING btree (sid)`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_revoked_users USING btree ("userId")`,
	`index: CREATE UNIQUE INDEX ON public.nextauth_session_claims USING btree ("sessionToken")`,
	`index: CREATE UNIQUE INDEX ON public.sessions USING btree ("sessionToken")`,
	`index: CREATE UNIQUE INDEX ON public.sessions USING btree (id)`,
	`index: CREATE UNIQUE INDEX ON public.users USING btree (email)`,
	`index: CREATE UNIQUE INDEX ON public.users USING btree (id)`,
	`index: CREATE UNIQUE INDEX ON public.verification_token USING btree (identifier, token)`,
	`nextauth_migrations: PRIMARY KEY (version)`,
	`nextauth_rate_buckets: PRIMARY KEY (key, capacity, window_us)`,
	`nextauth_rate_counters: PRIMARY KEY (key)`,
	`nextauth_revoked_sessions: PRIMARY KEY (sid)`,
	`nextauth_revoked_users: PRIMARY KEY ("userId")`,
	`nextauth_session_claims: PRIMARY KEY ("sessionToken")`,
	`sessions: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`,
	`sessions: PRIMARY KEY (id)`,
	`sessions: UNIQUE ("sessionToken")`,
	`users: PRIMARY KEY (id)`,
	`users: UNIQUE (email)`,
	`verification_token: PRIMARY KEY (identifier, token)`,
}

// allApplied is nextauth_migrations after a clean Migrate.
var allApplied = []string{"1 -", "2 -", "3 -", "4 -", "5 -", "6 -"}

func checkLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func migrationRecords(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	return queryStrings(t, pool, `SELECT format('%s %s', version, coalesce(warnings, '-')) FROM nextauth_migrations ORDER BY version`)
}

func TestMigrateEmptyDatabase(t *testing.T) {
	a := newAdapter(t)

	// The columns are exactly @auth/pg-adapter's.
	ref := newPool(t, newDatabase(t))
	exec(t, ref, pgAdapterSchema)
	checkLines(t, "columns after Migrate, vs. @auth/pg-adapter's schema", columns(t, a.pool), columns(t, ref))
	checkLines(t, "keys and indexes after Migrate", constraints(t, a.pool), fullSchema)
	checkLines(t, "nextauth_migrations", migrationRecords(t, a.pool), allApplied)
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	a := newAdapter(t)
	before := snapshot(t, a.pool)
	for range 2 {
		if err := a.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	checkLines(t, "schema and records after migrating again", snapshot(t, a.pool), before)
}

func TestMigrateConcurrent(t *testing.T) {
	const instances = 6
	for round := range 3 {
		dsn := newDatabase(t)
		adapters := make([]*Adapter, instances)
		for i := range adapters {
			adapters[i] = New(newPool(t, dsn))
		}
		errs := make([]error, instances)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, a := range adapters {
			wg.Go(func() {
				<-start
				errs[i] = a.Migrate(t.Context())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: instance %d: Migrate: %v", round, i, err)
			}
		}
		checkLines(t, fmt.Sprintf("round %d: keys and indexes", round), constraints(t, adapters[0].pool), fullSchema)
		checkLines(t, fmt.Sprintf("round %d: nextauth_migrations", round), migrationRecords(t, adapters[0].pool), allApplied)
	}
}

func TestMigrateExistingDatabase(t *testing.T) {
	for _, tc := range []struct {
		name, ddl string
		want      []string // constraints after Migrate
	}{
		{"pg-adapter schema", pgAdapterSchema, fullSchema},
		{"pg-adapter schema with inline keys", pgAdapterSchemaInline, fullSchema},
		// Theirs are kept as they are (no cascade, other column order, an
		// index leading with expires) and not duplicated; ours fill the gaps.
		{"keys added by a DBA", pgAdapterSchemaCustom, []string{
			`accounts: FOREIGN KEY ("userId") REFERENCES users(id)`,
			`accounts: PRIMARY KEY (id)`,
			`index: CREATE INDEX ON public.accounts USING btree ("userId")`,
			`index: CREATE INDEX ON public.nextauth_revoked_sessions USING btree (expires)`,
			`index: CREATE INDEX ON public.nextauth_revoked_users USING btree (expires)`,
			`index: CREATE INDEX ON public.sessions USING btree ("userId")`,
			`index: CREATE INDEX ON public.sessions USING btree (expires, "userId")`,
			`index: CREATE INDEX ON public.verification_token USING btree (expires)`,
			`index: CREATE UNIQUE INDEX ON public.accounts USING btree ("providerAccountId", provider)`,
			`index: CREATE UNIQUE INDEX ON public.accounts USING btree (id)`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_migrations USING btree (version)`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_rate_buckets USING btree (key, capacity, window_us)`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_rate_counters USING btree (key)`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_revoked_sessions USING btree (sid)`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_revoked_users USING btree ("userId")`,
			`index: CREATE UNIQUE INDEX ON public.nextauth_session_claims USING btree ("sessionToken")`,
			`index: CREATE UNIQUE INDEX ON public.sessions USING btree ("sessionToken")`,
			`index: CREATE UNIQUE INDEX ON public.sessions USING btree (id)`,
			`index: CREATE UNIQUE INDEX ON public.users USING btree (email)`,
			`index: CREATE UNIQUE INDEX ON public.users USING btree (id)`,
			`index: CREATE UNIQUE INDEX ON public.verification_token USING btree (identifier, token)`,
			`nextauth_migrations: PRIMARY KEY (version)`,
			`nextauth_rate_buckets: PRIMARY KEY (key, capacity, window_us)`,
			`nextauth_rate_counters: PRIMARY KEY (key)`,
			`nextauth_revoked_sessions: PRIMARY KEY (sid)`,
			`nextauth_revoked_users: PRIMARY KEY ("userId")`,
			`nextauth_session_claims: PRIMARY KEY ("sessionToken")`,
			`sessions: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`,
			`sessions: PRIMARY KEY (id)`,
			`users: PRIMARY KEY (id)`,
			`users: UNIQUE (email)`,
			`verification_token: PRIMARY KEY (identifier, token)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			pool := newPool(t, newDatabase(t))
			exec(t, pool, tc.ddl)
			exec(t, pool, nodeRows)
			cols := columns(t, pool)

			a := New(pool)
			if err := a.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			checkLines(t, "columns after Migrate (never altered)", columns(t, pool), cols)
			checkLines(t, "keys and indexes after Migrate", constraints(t, pool), tc.want)
			checkLines(t, "nextauth_migrations", migrationRecords(t, pool), allApplied)
			before := snapshot(t, pool)
			if err := a.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
			checkLines(t, "schema after migrating again", snapshot(t, pool), before)

			checkNodeRows(t, a)
		})
	}
}

// checkNodeRows reads nodeRows back through the adapter and checks the
// rules the migration added.
func checkNodeRows(t *testing.T, a *Adapter) {
	t.Helper()
	ctx := t.Context()
	verified := time.Date(2024, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	ada := nextauth.User{ID: "1", Name: nextauth.String("Ada Lovelace"), Email: nextauth.String("ada@example.test"), Image: nextauth.String("https://example.test/ada.png"), EmailVerified: &verified}
	bob := nextauth.User{ID: "2", Name: nextauth.Null(), Email: nextauth.String("bob@example.test"), Image: nextauth.Null()} // NULL columns

	checkUser := func(call string, got nextauth.User, err error, want nextauth.User) {
		t.Helper()
		if err != nil {
			t.Errorf("%s error = %v", call, err)
			return
		}
		if !sameUser(got, want) {
			t.Errorf("%s = %+v, want %+v", call, got, want)
		}
	}
	u, err := a.GetUser(ctx, "1")
	checkUser(`GetUser("1")`, u, err, ada)
	u, err = a.GetUserByEmail(ctx, "bob@example.test")
	checkUser("GetUserByEmail(bob)", u, err, bob)
	u, err = a.GetUserByAccount(ctx, "github", "583231")
	checkUser("GetUserByAccount(github, 583231)", u, err, ada)

	acc, err := a.GetAccount(ctx, "google", "1089")
	wantAcc := nextauth.Account{UserID: "2", Type: "oauth", Provider: "google", ProviderAccountID: "1089",
		AccessToken: "ya29", ExpiresAt: 1700003600, IDToken: "eyJ.id.token", Scope: "openid email", SessionState: "st", TokenType: "Bearer"}
	if err != nil || acc != wantAcc {
		t.Errorf("GetAccount(google, 1089) = %+v, %v, want %+v", acc, err, wantAcc)
	}

	s, u, err := a.GetSessionAndUser(ctx, "2c1a8d1e-8c3f-4b7e-9a51-0f2a8f1d2e3c")
	wantS := nextauth.AdapterSession{SessionToken: "2c1a8d1e-8c3f-4b7e-9a51-0f2a8f1d2e3c", UserID: "1", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err != nil || s != wantS {
		t.Errorf("GetSessionAndUser(ada's) = %+v, %v, want %+v", s, err, wantS)
	}
	checkUser("GetSessionAndUser(ada's) user", u, err, ada)

	vt, err := a.UseVerificationToken(ctx, "bob@example.test", "c0ffee")
	wantVT := nextauth.VerificationToken{Identifier: "bob@example.test", Token: "c0ffee", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err != nil || vt != wantVT {
		t.Errorf("UseVerificationToken(bob's) = %+v, %v, want %+v", vt, err, wantVT)
	}

	// New rows continue the SERIAL ids; the new keys hold.
	c, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("carl@example.test")})
	if err != nil || c.ID != "3" {
		t.Errorf("CreateUser(carl) = %+v, %v, want ID 3", c, err)
	}
	if _, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test")}); !errors.Is(err, nextauth.ErrConflict) {
		t.Errorf("CreateUser(ada's e-mail) error = %v, want ErrConflict", err)
	}
	err = a.LinkAccount(ctx, nextauth.Account{UserID: "3", Type: "oauth", Provider: "github", ProviderAccountID: "583231"})
	if !errors.Is(err, nextauth.ErrConflict) {
		t.Errorf("LinkAccount(ada's github account to carl) error = %v, want ErrConflict", err)
	}
	// Deleting a user deletes its rows, whatever the foreign keys say.
	if err := a.DeleteUser(ctx, "1"); err != nil {
		t.Fatalf(`DeleteUser("1") error = %v`, err)
	}
	if _, _, err := a.GetSessionAndUser(ctx, wantS.SessionToken); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetSessionAndUser(ada's) after DeleteUser error = %v, want ErrNotFound", err)
	}
	if _, err := a.GetAccount(ctx, "github", "583231"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetAccount(ada's) after DeleteUser error = %v, want ErrNotFound", err)
	}
}

func sameUser(a, b nextauth.User) bool {
	if (a.EmailVerified == nil) != (b.EmailVerified == nil) ||
		a.EmailVerified != nil && !a.EmailVerified.Equal(*b.EmailVerified) {
		return false
	}
	a.EmailVerified, b.EmailVerified = nil, nil
	return reflect.DeepEqual(a, b)
}

// TestMigrateDuplicatesAndOrphans: existing data that breaks a key does not
// stop the migration; it is reported, recorded, served by a plain index,
// and fixed by the next Migrate once the data is cleaned.
func TestMigrateDuplicatesAndOrphans(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	pool := newPool(t, dsn)
	exec(t, pool, pgAdapterSchema)
	exec(t, pool, nodeRows)
	exec(t, pool, `
INSERT INTO users (name, email) VALUES ('Ada again', 'ada@example.test');  -- id 3: duplicate e-mail
INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (99, now(), 'orphan');`)
	cols := columns(t, pool)

	a := New(pool)
	err := a.Migrate(ctx)
	w, ok := errors.AsType[*SchemaWarning](err)
	if !ok {
		t.Fatalf("Migrate error = %v, want a *SchemaWarning", err)
	}
	if len(w.Problems) != 2 ||
		!strings.Contains(w.Problems[0], "users (email) not made UNIQUE") || !strings.Contains(w.Problems[0], "(email)=(ada@example.test) is duplicated") ||
		!strings.Contains(w.Problems[1], `sessions ("userId") has no foreign key`) || !strings.Contains(w.Problems[1], "(userId)=(99)") {
		t.Errorf("Migrate problems = %q, want the duplicate e-mail and the orphaned session", w.Problems)
	}
	if !strings.HasPrefix(err.Error(), "postgres: migrate: ") {
		t.Errorf("warning text = %q, want prefix %q", err, "postgres: migrate: ")
	}
	checkLines(t, "columns after Migrate (never altered)", columns(t, pool), cols)
	got := constraints(t, pool)
	for _, c := range []string{
		`accounts: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`,
		`accounts: UNIQUE (provider, "providerAccountId")`,
		`sessions: UNIQUE ("sessionToken")`,
		`index: CREATE INDEX ON public.users USING btree (email)`, // stands in for UNIQUE
		`index: CREATE INDEX ON public.sessions USING btree (expires)`,
	} {
		if !slices.Contains(got, c) {
			t.Errorf("after Migrate, missing %s", c)
		}
	}
	for _, c := range []string{`users: UNIQUE (email)`, `sessions: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`} {
		if slices.Contains(got, c) {
			t.Errorf("after Migrate, %s exists although the data breaks it", c)
		}
	}
	recs := migrationRecords(t, pool)
	if len(recs) != len(allApplied) || recs[0] != "1 -" || !strings.Contains(recs[1], "users (email)") || !strings.Contains(recs[1], "sessions (") || !slices.Equal(recs[2:], allApplied[2:]) {
		t.Errorf("nextauth_migrations = %q, want step 2 recorded with both warnings, the others without", recs)
	}

	// The adapter works, each lookup still indexed; DeleteUser removes the
	// sessions the missing foreign key would have cascaded.
	if _, _, err := a.GetSessionAndUser(ctx, "2c1a8d1e-8c3f-4b7e-9a51-0f2a8f1d2e3c"); err != nil {
		t.Errorf("GetSessionAndUser(ada's) error = %v", err)
	}
	if _, _, err := a.GetSessionAndUser(ctx, "orphan"); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("GetSessionAndUser(orphan) error = %v, want ErrNotFound", err)
	}
	if err := a.DeleteUser(ctx, "2"); err != nil {
		t.Fatalf(`DeleteUser("2") error = %v`, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE "userId" = 2`).Scan(&n); err != nil || n != 0 {
		t.Errorf(`sessions of user 2 after DeleteUser = %d, %v, want 0`, n, err)
	}
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "x", UserID: "99", Expires: time.Now()}); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("CreateSession(user 99) without the foreign key error = %v, want ErrNotFound", err)
	}
	fill(t, a, 20000)
	checkPlans(t, a, allStatements())

	// Connect reports the same warning with a usable adapter.
	c, err := Connect(ctx, dsn)
	if _, ok := errors.AsType[*SchemaWarning](err); !ok || c == nil {
		t.Fatalf("Connect = %v, %v, want an adapter and a *SchemaWarning", c, err)
	}
	if _, err := c.GetUser(ctx, "1"); err != nil {
		t.Errorf("GetUser through Connect's adapter error = %v", err)
	}
	c.Close()

	// Clean the data: the next Migrate adds what was missing.
	exec(t, pool, `DELETE FROM users WHERE id = 3; DELETE FROM sessions WHERE "userId" NOT IN (SELECT id FROM users)`)
	if err := a.Migrate(ctx); err != nil {
		t.Fatalf("Migrate after cleaning: %v", err)
	}
	got = constraints(t, pool)
	for _, c := range []string{`users: UNIQUE (email)`, `sessions: FOREIGN KEY ("userId") REFERENCES users(id) ON DELETE CASCADE`} {
		if !slices.Contains(got, c) {
			t.Errorf("after cleaning and Migrate, missing %s", c)
		}
	}
	if slices.Contains(got, `index: CREATE INDEX ON public.users USING btree (email)`) {
		t.Error("after cleaning and Migrate, the stand-in index on users (email) is still there")
	}
	checkLines(t, "nextauth_migrations after cleaning", migrationRecords(t, pool), allApplied)
	before := snapshot(t, pool)
	if err := a.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	checkLines(t, "schema after migrating again", snapshot(t, pool), before)
}

// TestMigrateForeignTables: tables of the same names with other columns are
// an error before anything is created or changed.
func TestMigrateForeignTables(t *testing.T) {
	pool := newPool(t, newDatabase(t))
	exec(t, pool, `CREATE TABLE users (id UUID PRIMARY KEY, mail TEXT)`)
	err := New(pool).Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), `lack columns the adapter needs`) ||
		!strings.Contains(err.Error(), `users."name", users."email", users."emailVerified", users."image"`) || !strings.HasPrefix(err.Error(), "postgres: migrate: ") {
		t.Fatalf("Migrate error = %v, want one naming users' missing columns", err)
	}
	// Step 1 rolled back: not even nextauth_migrations was created.
	tables := queryStrings(t, pool, `SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace ORDER BY 1`)
	checkLines(t, "tables after the failed Migrate", tables, []string{"users"})
}
