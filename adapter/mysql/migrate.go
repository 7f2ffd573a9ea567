package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// tableOptions ends every CREATE TABLE: InnoDB (transactions, foreign
// keys, row locks), utf8mb4 and its binary collation.
const tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

// SchemaVersion is the schema version [Adapter.Migrate] brings a database
// to: the number of steps this version knows.
func SchemaVersion() int { return len(migrations()) }

// step is one schema step: DDL statements run in order, then run if set.
// MySQL commits DDL statement by statement, so each statement and run are
// idempotent (IF NOT EXISTS, or a look at information_schema first): a
// step cut short is completed by the next Migrate.
type step struct {
	ddl []string
	run func(ctx context.Context, conn *sql.Conn) error
}

// apply runs the step's statements, then its run.
func (st step) apply(ctx context.Context, conn *sql.Conn) error {
	for _, ddl := range st.ddl {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	if st.run != nil {
		return st.run(ctx, conn)
	}
	return nil
}

// serverSteps are the steps that create only nextauth_* tables of the
// adapter's own (rate limits, revocations), which [ServerTables] needs
// beside another adapter's layout. A new step of that kind is added here
// too.
var serverSteps = []int{2, 3, 4, 5}

// migrations returns the schema steps in order: step i+1 is
// migrations()[i]. Append only; never edit a released step.
func migrations() []step {
	return []step{
		// 1: the tables of adapter/postgres (@auth/pg-adapter's names) in
		// MySQL types, with their keys and indexes.
		{ddl: []string{
			"CREATE TABLE IF NOT EXISTS users (" +
				" id INT NOT NULL AUTO_INCREMENT," +
				" name VARCHAR(255) NULL," +
				" email VARBINARY(1020) NULL," +
				" `emailVerified` DATETIME(6) NULL," +
				" image TEXT NULL," +
				" PRIMARY KEY (id)," +
				" UNIQUE KEY users_email_key (email)" +
				")" + tableOptions,
			"CREATE TABLE IF NOT EXISTS accounts (" +
				" id INT NOT NULL AUTO_INCREMENT," +
				" `userId` INT NOT NULL," +
				" type VARCHAR(255) NOT NULL," +
				" provider VARBINARY(255) NOT NULL," +
				" `providerAccountId` VARBINARY(1020) NOT NULL," +
				" refresh_token TEXT NULL," +
				" access_token TEXT NULL," +
				" expires_at BIGINT NULL," +
				" id_token TEXT NULL," +
				" scope TEXT NULL," +
				" session_state TEXT NULL," +
				" token_type TEXT NULL," +
				" PRIMARY KEY (id)," +
				" UNIQUE KEY `accounts_provider_providerAccountId_key` (provider, `providerAccountId`)," +
				" KEY `accounts_userId_idx` (`userId`)," +
				" CONSTRAINT `accounts_userId_fkey` FOREIGN KEY (`userId`) REFERENCES users (id) ON DELETE CASCADE" +
				")" + tableOptions,
			"CREATE TABLE IF NOT EXISTS sessions (" +
				" id INT NOT NULL AUTO_INCREMENT," +
				" `userId` INT NOT NULL," +
				" expires DATETIME(6) NOT NULL," +
				" `sessionToken` VARBINARY(255) NOT NULL," +
				" PRIMARY KEY (id)," +
				" UNIQUE KEY `sessions_sessionToken_key` (`sessionToken`)," +
				" KEY `sessions_userId_idx` (`userId`)," +
				" KEY sessions_expires_idx (expires)," +
				" CONSTRAINT `sessions_userId_fkey` FOREIGN KEY (`userId`) REFERENCES users (id) ON DELETE CASCADE" +
				")" + tableOptions,
			"CREATE TABLE IF NOT EXISTS verification_token (" +
				" identifier VARBINARY(1020) NOT NULL," +
				" expires DATETIME(6) NOT NULL," +
				" token TEXT NOT NULL," +
				" token_sha256 BINARY(32) AS (UNHEX(SHA2(token, 256))) STORED," +
				" UNIQUE KEY verification_token_identifier_token_key (identifier, token_sha256)," +
				" KEY verification_token_expires_idx (expires)" +
				")" + tableOptions,
		}},
		// 2: the rate-limit tables of RateStore.
		{ddl: []string{
			"CREATE TABLE IF NOT EXISTS nextauth_rate_buckets (" +
				" key_hash BINARY(32) NOT NULL," +
				" capacity BIGINT NOT NULL," +
				" window_us BIGINT NOT NULL," +
				" tokens DOUBLE NOT NULL," +
				" updated DATETIME(6) NOT NULL," +
				" PRIMARY KEY (key_hash, capacity, window_us)" +
				")" + tableOptions,
			"CREATE TABLE IF NOT EXISTS nextauth_rate_counters (" +
				" key_hash BINARY(32) NOT NULL," +
				" n BIGINT NOT NULL," +
				" expires DATETIME(6) NOT NULL," +
				" PRIMARY KEY (key_hash)" +
				")" + tableOptions,
		}},
		// 3: revoked JWT sessions (nextauth.JWTRevoker), by sid and by
		// user, indexed on expires for DeleteExpired.
		{ddl: []string{
			"CREATE TABLE IF NOT EXISTS nextauth_revoked_sessions (" +
				" sid_hash BINARY(32) NOT NULL," +
				" expires DATETIME(6) NOT NULL," +
				" PRIMARY KEY (sid_hash)," +
				" KEY nextauth_revoked_sessions_expires_idx (expires)" +
				")" + tableOptions,
			"CREATE TABLE IF NOT EXISTS nextauth_revoked_users (" +
				" user_hash BINARY(32) NOT NULL," +
				" `before` DATETIME(6) NOT NULL," +
				" expires DATETIME(6) NOT NULL," +
				" PRIMARY KEY (user_hash)," +
				" KEY nextauth_revoked_users_expires_idx (expires)" +
				")" + tableOptions,
		}},
		// 4: the end of the lock on the lockout records of RateStore
		// (NULL: not locked), so that Attempt decides and counts in one
		// transaction. A database of step 2 gets it; MySQL has no ADD
		// COLUMN IF NOT EXISTS, so it is added only when missing.
		{run: func(ctx context.Context, conn *sql.Conn) error {
			return addColumn(ctx, conn, "nextauth_rate_counters", "locked_until", "DATETIME(6) NULL")
		}},
		// 5: the claims computed at sign-in, beside their database session
		// (nextauth.SessionClaimsStore), as a JSON object, keyed by the
		// session's token in the type of sessions.sessionToken. No foreign
		// key, so that ServerTables can keep it beside another layout's
		// sessions too: the adapter deletes a session's claims with it, and
		// DeleteExpired the rows whose session is gone.
		{ddl: []string{
			"CREATE TABLE IF NOT EXISTS nextauth_session_claims (" +
				" `sessionToken` VARBINARY(255) NOT NULL," +
				" claims LONGTEXT NOT NULL," +
				" PRIMARY KEY (`sessionToken`)" +
				")" + tableOptions,
		}},
	}
}

// migrationLock is the GET_LOCK name serialising Migrate calls across
// processes, and lockWait how long a call waits for it, in seconds.
const (
	migrationLock = "nextauth_migrate"
	lockWait      = 60
)

// Migrate brings the schema up to date and is safe to call on every
// start and from several processes at once: under the named lock
// nextauth_migrate (GET_LOCK), it applies each step not yet recorded in
// nextauth_migrations, then records it. Every step is idempotent (CREATE
// TABLE IF NOT EXISTS; step 4 adds nextauth_rate_counters.locked_until
// only when missing), so a step cut short is completed by the next call. A
// table of the same name that lacks a column the adapter uses (made for
// something else) is an error naming the columns, before any step runs;
// a database migrated by a newer version of this package is an error too.
func (a *Adapter) Migrate(ctx context.Context) error {
	return locked(ctx, a.db, "migrate", a.migrate)
}

// locked runs f on one connection of db holding the named lock
// nextauth_migrate; op names the caller in errors.
func locked(ctx context.Context, db *sql.DB, op string, f func(ctx context.Context, conn *sql.Conn) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql: %s: %w", op, err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", migrationLock, lockWait).Scan(&got); err != nil {
		return fmt.Errorf("mysql: %s: lock: %w", op, err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("mysql: %s: lock %s not granted within %d s", op, migrationLock, lockWait)
	}
	defer func() {
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", migrationLock)
		err = errors.Join(err, uerr)
	}()
	return f(ctx, conn)
}

// migrate is Migrate under the lock.
func (a *Adapter) migrate(ctx context.Context, conn *sql.Conn) error {
	if err := checkColumns(ctx, conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS nextauth_migrations ("+
		" version INT NOT NULL, applied_at DATETIME(6) NOT NULL, PRIMARY KEY (version))"+tableOptions); err != nil {
		return fmt.Errorf("mysql: migrate: create nextauth_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM nextauth_migrations")
	if err != nil {
		return fmt.Errorf("mysql: migrate: read nextauth_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("mysql: migrate: read nextauth_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("mysql: migrate: read nextauth_migrations: %w", err)
	}
	steps := migrations()
	for v := range applied {
		if v < 1 || v > len(steps) {
			return fmt.Errorf("mysql: migrate: database has schema version %d, this version of nextauth knows 1 to %d", v, len(steps))
		}
	}
	for i, st := range steps {
		v := i + 1
		if applied[v] {
			continue
		}
		if err := st.apply(ctx, conn); err != nil {
			return fmt.Errorf("mysql: migrate: step %d: %w", v, err)
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO nextauth_migrations (version, applied_at) VALUES (?, UTC_TIMESTAMP(6))", v); err != nil {
			return fmt.Errorf("mysql: migrate: record step %d: %w", v, err)
		}
	}
	return nil
}

// addColumn adds column (of type def) to table unless table already has
// it.
func addColumn(ctx context.Context, conn *sql.Conn, table, column, def string) error {
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.columns"+
		" WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?", table, column).Scan(&n); err != nil {
		return fmt.Errorf("look for %s.%s: %w", table, column, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN "+column+" "+def); err != nil {
		return fmt.Errorf("add %s.%s: %w", table, column, err)
	}
	return nil
}

// Version returns the highest schema step applied (0 for a database
// Migrate never ran on).
func (a *Adapter) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := a.db.QueryRowContext(ctx, "SELECT MAX(version) FROM nextauth_migrations").Scan(&v)
	if isCode(err, codeNoSuchTable) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mysql: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// requiredColumns lists, table by table, the columns the adapter uses.
func requiredColumns() [][]string {
	return [][]string{
		{"users", "id", "name", "email", "emailVerified", "image"},
		{"accounts", "id", "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token",
			"expires_at", "id_token", "scope", "session_state", "token_type"},
		{"sessions", "id", "userId", "expires", "sessionToken"},
		{"verification_token", "identifier", "expires", "token", "token_sha256"},
	}
}

// checkColumns fails clearly when an existing table lacks a column the
// adapter uses, before anything is created.
func checkColumns(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, "SELECT table_name, column_name FROM information_schema.columns"+
		" WHERE table_schema = DATABASE() AND table_name IN ('users', 'accounts', 'sessions', 'verification_token')")
	if err != nil {
		return fmt.Errorf("mysql: migrate: check columns: %w", err)
	}
	have := map[string]map[string]bool{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return fmt.Errorf("mysql: migrate: check columns: %w", err)
		}
		if have[t] == nil {
			have[t] = map[string]bool{}
		}
		have[t][c] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("mysql: migrate: check columns: %w", err)
	}
	var missing []string
	for _, tc := range requiredColumns() {
		cols, exists := have[tc[0]]
		if !exists {
			continue
		}
		for _, c := range tc[1:] {
			if !cols[c] {
				missing = append(missing, tc[0]+"."+c)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mysql: migrate: existing tables lack columns the adapter needs (not this adapter's schema?): %s",
			strings.Join(missing, ", "))
	}
	return nil
}
