package sqlite

import (
	"context"
	"fmt"
	"time"
)

// SchemaVersion is the schema version [Adapter.Migrate] brings a database
// to: the number of migrations this version knows.
func SchemaVersion() int { return len(migrations()) }

// ddlRevocations is migration 2, which [ServerTables.Migrate] runs too:
// every statement is idempotent.
const ddlRevocations = `CREATE TABLE IF NOT EXISTS nextauth_revoked_sessions (
	sid     TEXT PRIMARY KEY,
	expires INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS nextauth_revoked_sessions_expires_idx ON nextauth_revoked_sessions (expires);

CREATE TABLE IF NOT EXISTS nextauth_revoked_users (
	"userId" TEXT PRIMARY KEY,
	before   INTEGER NOT NULL,
	expires  INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS nextauth_revoked_users_expires_idx ON nextauth_revoked_users (expires);`

// migrations returns the schema changes in order: migration i+1 is
// migrations()[i]. Append only; never edit a released one.
func migrations() []string {
	return []string{
		// 1: NextAuth's PostgreSQL schema
		// (docs/compatibility.md#adapters-and-the-data-model) in SQLite types,
		// with its unique keys, foreign keys and lookup indexes.
		`CREATE TABLE users (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	name            TEXT,
	email           TEXT UNIQUE,
	"emailVerified" INTEGER,
	image           TEXT
) STRICT;

CREATE TABLE accounts (
	id                  INTEGER PRIMARY KEY,
	"userId"            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	type                TEXT NOT NULL,
	provider            TEXT NOT NULL,
	"providerAccountId" TEXT NOT NULL,
	refresh_token       TEXT,
	access_token        TEXT,
	expires_at          INTEGER,
	id_token            TEXT,
	scope               TEXT,
	session_state       TEXT,
	token_type          TEXT,
	UNIQUE (provider, "providerAccountId")
) STRICT;
CREATE INDEX accounts_userId_idx ON accounts ("userId");

CREATE TABLE sessions (
	id             INTEGER PRIMARY KEY,
	"userId"       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires        INTEGER NOT NULL,
	"sessionToken" TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX sessions_userId_idx ON sessions ("userId");
CREATE INDEX sessions_expires_idx ON sessions (expires);

CREATE TABLE verification_token (
	identifier TEXT NOT NULL,
	expires    INTEGER NOT NULL,
	token      TEXT NOT NULL,
	PRIMARY KEY (identifier, token)
) STRICT;
CREATE INDEX verification_token_expires_idx ON verification_token (expires);`,

		// 2: revoked JWT sessions (nextauth.JWTRevoker): by sid, and by
		// user for "sign out everywhere". Times are Unix milliseconds;
		// DeleteExpired removes the rows whose expires has passed. User ids
		// are TEXT without a foreign key: a JWT's user need not be stored.
		ddlRevocations,

		// 3: claims computed at sign-in, beside their database session
		// (nextauth.SessionClaimsStore), as a JSON object; deleted with
		// the session.
		`CREATE TABLE IF NOT EXISTS nextauth_session_claims (
	"sessionToken" TEXT PRIMARY KEY REFERENCES sessions("sessionToken") ON DELETE CASCADE,
	claims         TEXT NOT NULL
) STRICT;`,
	}
}

// Migrate brings the schema up to date: it applies, in order, every
// migration not yet recorded in the nextauth_migrations table, each in its
// own transaction together with its record, so running it again (or from
// several processes at once) is harmless. A database migrated by a newer
// version of this package is an error rather than a silent downgrade.
func (a *Adapter) Migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS nextauth_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
) STRICT`
	if _, err := a.db.ExecContext(ctx, create); err != nil {
		return wrap(ctx, "migrate", err)
	}
	applied := map[int]bool{}
	rows, err := a.db.QueryContext(ctx, `SELECT version FROM nextauth_migrations`)
	if err != nil {
		return wrap(ctx, "migrate", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return wrap(ctx, "migrate", err)
		}
		applied[v] = true
	}
	if err := rows.Close(); err != nil {
		return wrap(ctx, "migrate", err)
	}
	if err := rows.Err(); err != nil {
		return wrap(ctx, "migrate", err)
	}
	ms := migrations()
	for v := range applied {
		if v < 1 || v > len(ms) {
			return fmt.Errorf("sqlite: migrate: database has schema version %d, this version of nextauth knows 1 to %d", v, len(ms))
		}
	}
	for i, m := range ms {
		if v := i + 1; !applied[v] {
			if err := a.apply(ctx, v, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply runs migration v in one transaction. It records v first: that
// takes the write lock before anything is read, and if another process
// applied v meanwhile, the record already exists and v is skipped.
func (a *Adapter) apply(ctx context.Context, v int, script string) (err error) {
	op := fmt.Sprintf("migrate to version %d", v)
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(ctx, op, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx,
		`INSERT INTO nextauth_migrations (version, applied_at) VALUES (?, ?) ON CONFLICT (version) DO NOTHING`,
		v, time.Now().UnixMilli())
	if err != nil {
		return wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(ctx, op, err)
	} else if n == 0 {
		return tx.Rollback() // applied by someone else meanwhile
	}
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return wrap(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}
