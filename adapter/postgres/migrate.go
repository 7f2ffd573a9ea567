package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SchemaWarning is returned by [Adapter.Migrate] (and [Connect]) when every
// migration step ran but some constraints could not be added because of
// the data already stored: duplicate e-mails, session tokens or provider
// accounts for a unique key, rows pointing to missing users for a foreign
// key. The adapter works (each lookup still has an index), but the database
// does not enforce those rules. The problems are recorded in
// nextauth_migrations.warnings; once the data is fixed, the next Migrate
// adds the missing constraints and clears the record.
type SchemaWarning struct {
	// Problems has one line per constraint not added, naming the table,
	// the columns and the database's reason.
	Problems []string
}

// Error lists the problems on one line.
func (w *SchemaWarning) Error() string {
	return "postgres: migrate: schema incomplete (the adapter works, but the database does not enforce): " +
		strings.Join(w.Problems, "; ")
}

// migrationLockKey is the pg_advisory_xact_lock key serialising Migrate
// calls across processes ("nextauth" in ASCII).
const migrationLockKey int64 = 0x6e65787461757468

// migration is one versioned schema step. run returns the problems it
// tolerated (see SchemaWarning); an error aborts the step.
type migration struct {
	version int
	name    string
	run     func(ctx context.Context, tx pgx.Tx) (problems []string, err error)
}

// SchemaVersion is the schema version [Adapter.Migrate] brings a database
// to: the number of migration steps this version knows.
func SchemaVersion() int { return len(migrations()) }

// migrations returns the steps in order. Never edit or reorder an applied
// step: append.
func migrations() []migration {
	return []migration{
		{1, "create the @auth/pg-adapter tables when missing", createTables},
		{2, "add missing unique keys, foreign keys and indexes", addConstraints},
		{3, "create the rate-limit tables when missing", createRateTables},
		{4, "create the JWT revocation tables when missing", createRevocationTables},
		{5, "add the lock end to the rate-limit counters", addLockoutColumn},
		{6, "create the session claims table when missing", createClaimsTable},
	}
}

const sqlCreateMigrationsTable = `CREATE TABLE IF NOT EXISTS nextauth_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  warnings   TEXT
)`

// Migrate brings the database schema up to date and is safe to call on
// every start:
//
//   - on an empty database it creates users, accounts, sessions and
//     verification_token exactly as @auth/pg-adapter names and types them,
//     plus UNIQUE (email), UNIQUE (provider, "providerAccountId"),
//     UNIQUE ("sessionToken"), PRIMARY KEY (identifier, token), foreign keys
//     to users ON DELETE CASCADE, and indexes on accounts("userId"),
//     sessions("userId"), sessions(expires) and verification_token(expires);
//   - on a database made by @auth/pg-adapter's schema.sql it adds only the
//     keys and indexes that are missing, found by their columns in
//     pg_index and pg_constraint whatever their names; it never alters or
//     drops a column;
//   - it creates nextauth_rate_buckets and nextauth_rate_counters (with
//     locked_until) for [Adapter.RateStore] (tables of this package alone:
//     NextAuth's are not touched);
//   - it creates nextauth_revoked_sessions and nextauth_revoked_users for
//     [nextauth.JWTRevoker], and nextauth_session_claims for
//     [nextauth.SessionClaimsStore], tables of this package alone too;
//   - applied steps are recorded in nextauth_migrations (version,
//     applied_at, warnings) and not run again, so a second call changes
//     nothing.
//
// Each step runs in its own transaction holding pg_advisory_xact_lock, so
// instances starting together apply it once, one after the other.
//
// When existing rows prevent a constraint (duplicates, orphans), Migrate
// does not stop: it creates a plain index for the lookup instead, applies
// the remaining steps and returns a [*SchemaWarning] listing what is not
// enforced; that step is retried by the next Migrate. Adding a constraint
// to a large existing table locks it while the index is built.
func (a *Adapter) Migrate(ctx context.Context) error {
	var problems []string
	for _, m := range migrations() {
		p, err := a.apply(ctx, m)
		if err != nil {
			return err
		}
		problems = append(problems, p...)
	}
	if len(problems) > 0 {
		return &SchemaWarning{Problems: problems}
	}
	return nil
}

// apply runs m unless it is recorded as applied without warnings.
func (a *Adapter) apply(ctx context.Context, m migration) (problems []string, err error) {
	tx, err := a.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
		return nil, fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlCreateMigrationsTable); err != nil {
		return nil, fmt.Errorf("postgres: migrate: create nextauth_migrations: %w", err)
	}
	var (
		recorded bool
		warnings *string
	)
	err = tx.QueryRow(ctx, `SELECT true, warnings FROM nextauth_migrations WHERE version = $1`, m.version).
		Scan(&recorded, &warnings)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: migrate: read nextauth_migrations: %w", err)
	}
	if recorded && warnings == nil {
		return nil, tx.Rollback(ctx) // applied: nothing to do
	}
	problems, err = m.run(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: step %d (%s): %w", m.version, m.name, err)
	}
	var record any
	if len(problems) > 0 {
		record = strings.Join(problems, "\n")
	}
	if recorded {
		_, err = tx.Exec(ctx, `UPDATE nextauth_migrations SET applied_at = now(), warnings = $2 WHERE version = $1`,
			m.version, record)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO nextauth_migrations (version, warnings) VALUES ($1, $2)`,
			m.version, record)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: record step %d: %w", m.version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: migrate: commit step %d: %w", m.version, err)
	}
	return problems, nil
}

// createTables is step 1: the tables of @auth/pg-adapter (same names,
// columns and types, primary keys included), each only when missing.
func createTables(ctx context.Context, tx pgx.Tx) ([]string, error) {
	if err := checkColumns(ctx, tx, true); err != nil {
		return nil, err
	}
	const ddl = `
CREATE TABLE IF NOT EXISTS users (
  id              SERIAL,
  name            VARCHAR(255),
  email           VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image           TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS accounts (
  id                  SERIAL,
  "userId"            INTEGER NOT NULL,
  type                VARCHAR(255) NOT NULL,
  provider            VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token       TEXT,
  access_token        TEXT,
  expires_at          BIGINT,
  id_token            TEXT,
  scope               TEXT,
  session_state       TEXT,
  token_type          TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS sessions (
  id             SERIAL,
  "userId"       INTEGER NOT NULL,
  expires        TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS verification_token (
  identifier TEXT NOT NULL,
  expires    TIMESTAMPTZ NOT NULL,
  token      TEXT NOT NULL,
  PRIMARY KEY (identifier, token)
);`
	// A multi-statement string goes through the simple protocol.
	if _, err := tx.Exec(ctx, ddl, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	return nil, nil
}

// createRateTables is step 3: the tables of [Adapter.RateStore], each only
// when missing. Keys are BYTEA, compared byte for byte whatever they
// contain (a user name with a NUL or invalid UTF-8 included). The tables
// are written on every rate-limited request and read by primary key only
// (DeleteExpired scans them): no other index, and a fillfactor leaving
// room on each page, so that updates can be HOT and write no index entry.
func createRateTables(ctx context.Context, tx pgx.Tx) ([]string, error) {
	const ddl = `
CREATE TABLE IF NOT EXISTS nextauth_rate_buckets (
  key       BYTEA NOT NULL,
  capacity  BIGINT NOT NULL,
  window_us BIGINT NOT NULL,
  tokens    DOUBLE PRECISION NOT NULL,
  updated   TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (key, capacity, window_us)
) WITH (fillfactor = 70);
CREATE TABLE IF NOT EXISTS nextauth_rate_counters (
  key     BYTEA NOT NULL,
  n       BIGINT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (key)
) WITH (fillfactor = 70);`
	if _, err := tx.Exec(ctx, ddl, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	return nil, nil
}

// addLockoutColumn is step 5: nextauth_rate_counters, the lockout records
// of [Adapter.RateStore], get the end of the lock (NULL: not locked), so
// that the count and the decision are one statement.
func addLockoutColumn(ctx context.Context, tx pgx.Tx) ([]string, error) {
	_, err := tx.Exec(ctx, `ALTER TABLE nextauth_rate_counters ADD COLUMN IF NOT EXISTS locked_until TIMESTAMPTZ`)
	return nil, err
}

// uniqueKey is a unique constraint step 2 makes sure of. fallback is the
// plain index created instead when existing duplicates prevent it.
type uniqueKey struct {
	table, name string
	cols        []string
	fallback    string
}

// userFK is a foreign key table("userId") → users(id) ON DELETE CASCADE.
type userFK struct{ table, name string }

// plainIndex is an index on one column.
type plainIndex struct{ table, name, col string }

// uniqueKeys, userFKs and plainIndexes are what step 2 makes sure of.
func uniqueKeys() []uniqueKey {
	return []uniqueKey{
		{"users", "users_email_key", []string{"email"}, "users_email_idx"},
		{"accounts", "accounts_provider_providerAccountId_key", []string{"provider", "providerAccountId"}, "accounts_provider_providerAccountId_idx"},
		{"sessions", "sessions_sessionToken_key", []string{"sessionToken"}, "sessions_sessionToken_idx"},
		{"verification_token", "verification_token_identifier_token_key", []string{"identifier", "token"}, "verification_token_identifier_token_idx"},
	}
}

func userFKs() []userFK {
	return []userFK{
		{"accounts", "accounts_userId_fkey"},
		{"sessions", "sessions_userId_fkey"},
	}
}

func plainIndexes() []plainIndex {
	return []plainIndex{
		{"accounts", "accounts_userId_idx", "userId"},
		{"sessions", "sessions_userId_idx", "userId"},
		{"sessions", "sessions_expires_idx", "expires"},
		{"verification_token", "verification_token_expires_idx", "expires"},
	}
}

// Catalog queries: a key or index counts whatever its name, so the
// constraints of the newer @auth/pg-adapter schema.sql (UNIQUE and
// REFERENCES inline) or ones a DBA added are not duplicated.
const (
	// sqlHasUnique: a valid, non-partial unique index on exactly these
	// columns (in any order), as UNIQUE and PRIMARY KEY constraints make.
	sqlHasUnique = `SELECT EXISTS (
  SELECT 1 FROM pg_index i
  WHERE i.indrelid = to_regclass(quote_ident($1))
    AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
    AND i.indnatts = cardinality($2::text[])
    AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
         FROM pg_attribute a
         WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[]))
      = (SELECT array_agg(c ORDER BY c) FROM unnest($2::text[]) AS c))`

	// sqlHasIndexOn: a valid, non-partial index whose first column is col.
	sqlHasIndexOn = `SELECT EXISTS (
  SELECT 1 FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indrelid = to_regclass(quote_ident($1)) AND a.attname = $2
    AND i.indisvalid AND i.indpred IS NULL)`

	// sqlHasUserFK: a foreign key from table("userId") to users.
	sqlHasUserFK = `SELECT EXISTS (
  SELECT 1 FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  WHERE c.contype = 'f' AND c.conrelid = to_regclass(quote_ident($1))
    AND c.confrelid = to_regclass('users') AND cardinality(c.conkey) = 1
    AND a.attname = 'userId')`
)

// addConstraints is step 2: the keys and indexes @auth/pg-adapter's
// documented schema lacks, each added only when absent. A unique key that
// duplicates prevent, or a foreign key that orphans prevent, becomes a
// problem (and a plain index for a unique key's lookup) instead of an
// error.
func addConstraints(ctx context.Context, tx pgx.Tx) ([]string, error) {
	if err := checkColumns(ctx, tx, false); err != nil {
		return nil, err
	}
	var problems []string
	for _, k := range uniqueKeys() {
		var has bool
		if err := tx.QueryRow(ctx, sqlHasUnique, k.table, k.cols).Scan(&has); err != nil {
			return nil, fmt.Errorf("inspect %s: %w", k.name, err)
		}
		if has {
			continue
		}
		cols := quoteList(k.cols)
		ddl := fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %s UNIQUE (%s)`,
			quote(k.table), quote(k.name), cols)
		if k.table == "verification_token" {
			// No primary key at all (@auth/pg-adapter's table has this
			// one): add it as the primary key rather than a unique key.
			var hasPK bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'p' AND conrelid = to_regclass('verification_token'))`).Scan(&hasPK)
			if err != nil {
				return nil, fmt.Errorf("inspect verification_token primary key: %w", err)
			}
			if !hasPK {
				ddl = fmt.Sprintf(`ALTER TABLE verification_token ADD CONSTRAINT verification_token_pkey PRIMARY KEY (%s)`, cols)
			}
		}
		tolerated, err := tryDDL(ctx, tx, ddl, codeUniqueViolation)
		if err != nil {
			return nil, fmt.Errorf("add unique key %s: %w", k.name, err)
		}
		if tolerated == nil {
			// The key now serves lookups; drop the stand-in index an
			// earlier Migrate made, if any (it is ours, by name).
			if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS `+quote(k.fallback)); err != nil {
				return nil, fmt.Errorf("drop index %s: %w", k.fallback, err)
			}
			continue
		}
		problems = append(problems, fmt.Sprintf("%s (%s) not made UNIQUE: %s; a plain index %s serves lookups instead; remove the duplicates and run Migrate again",
			k.table, strings.Join(k.cols, ", "), describe(tolerated), k.fallback))
		if err := ensureIndex(ctx, tx, k.table, k.fallback, k.cols); err != nil {
			return nil, err
		}
	}
	for _, fk := range userFKs() {
		var has bool
		if err := tx.QueryRow(ctx, sqlHasUserFK, fk.table).Scan(&has); err != nil {
			return nil, fmt.Errorf("inspect %s: %w", fk.name, err)
		}
		if has {
			continue
		}
		ddl := fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE`,
			quote(fk.table), quote(fk.name))
		tolerated, err := tryDDL(ctx, tx, ddl, codeForeignKeyViolation)
		if err != nil {
			return nil, fmt.Errorf("add foreign key %s: %w", fk.name, err)
		}
		if tolerated != nil {
			problems = append(problems, fmt.Sprintf(`%s ("userId") has no foreign key to users: %s; the adapter deletes a user's rows itself; delete the orphaned rows and run Migrate again`,
				fk.table, describe(tolerated)))
		}
	}
	for _, ix := range plainIndexes() {
		if err := ensureIndex(ctx, tx, ix.table, ix.name, []string{ix.col}); err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// ensureIndex creates a plain index on cols unless an index already leads
// with cols[0].
func ensureIndex(ctx context.Context, tx pgx.Tx, table, name string, cols []string) error {
	var has bool
	if err := tx.QueryRow(ctx, sqlHasIndexOn, table, cols[0]).Scan(&has); err != nil {
		return fmt.Errorf("inspect index %s: %w", name, err)
	}
	if has {
		return nil
	}
	ddl := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (%s)`, quote(name), quote(table), quoteList(cols))
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("create index %s: %w", name, err)
	}
	return nil
}

// tryDDL runs ddl under a savepoint. A failure with SQLSTATE tolerate is
// rolled back to the savepoint and returned as tolerated; other failures
// are err.
func tryDDL(ctx context.Context, tx pgx.Tx, ddl, tolerate string) (tolerated *pgconn.PgError, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := sp.Exec(ctx, ddl); err != nil {
		pgErr, ok := errors.AsType[*pgconn.PgError](err)
		if !ok || pgErr.Code != tolerate {
			return nil, err
		}
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return nil, rbErr
		}
		return pgErr, nil
	}
	return nil, sp.Commit(ctx)
}

// describe is the database's reason, with the offending key when given.
func describe(e *pgconn.PgError) string {
	if e.Detail != "" {
		return e.Message + " (" + e.Detail + ")"
	}
	return e.Message
}

// requiredColumns lists, table by table, the columns the adapter uses.
func requiredColumns() [][]string {
	return [][]string{
		{"users", "id", "name", "email", "emailVerified", "image"},
		{"accounts", "id", "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token",
			"expires_at", "id_token", "scope", "session_state", "token_type"},
		{"sessions", "id", "userId", "expires", "sessionToken"},
		{"verification_token", "identifier", "expires", "token"},
	}
}

// checkColumns fails clearly when a table lacks a column the adapter
// uses (a table of the same name made for something else), before anything
// is created or added. existingOnly skips the tables that do not exist yet.
func checkColumns(ctx context.Context, tx pgx.Tx, existingOnly bool) error {
	var tables, cols []string
	for _, tc := range requiredColumns() {
		for _, c := range tc[1:] {
			tables = append(tables, tc[0])
			cols = append(cols, c)
		}
	}
	rows, err := tx.Query(ctx, `SELECT w.t, w.c
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(t, c, n)
WHERE NOT ($3 AND to_regclass(quote_ident(w.t)) IS NULL)
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a
    WHERE a.attrelid = to_regclass(quote_ident(w.t)) AND a.attname = w.c AND a.attnum > 0 AND NOT a.attisdropped)
ORDER BY w.n`, tables, cols, existingOnly)
	if err != nil {
		return fmt.Errorf("check columns: %w", err)
	}
	missing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var t, c string
		err := r.Scan(&t, &c)
		return t + "." + quote(c), err
	})
	if err != nil {
		return fmt.Errorf("check columns: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("existing tables lack columns the adapter needs (not the @auth/pg-adapter schema?): %s",
			strings.Join(missing, ", "))
	}
	return nil
}

func quote(ident string) string { return pgx.Identifier{ident}.Sanitize() }

func quoteList(idents []string) string {
	q := make([]string, len(idents))
	for i, s := range idents {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}
