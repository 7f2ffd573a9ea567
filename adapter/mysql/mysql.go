// Package mysql is a [nextauth.Adapter] backed by MySQL 8 or MariaDB 10.6+
// through database/sql and github.com/go-sql-driver/mysql.
//
// # Schema
//
// The tables and columns are those of the PostgreSQL adapter
// (adapter/postgres, @auth/pg-adapter's names): users, accounts, sessions
// and verification_token, with the camelCase columns "userId",
// "providerAccountId", "emailVerified" and "sessionToken" and the
// snake_case token columns of accounts, so that a team moving between the
// two databases finds the same tables. MySQL types replace PostgreSQL's
// (InnoDB, utf8mb4):
//
//   - ids are INT AUTO_INCREMENT, as SERIAL is int4: the same decimal
//     string ids ("1", "2", …), never reused; a string that is not such an
//     id names no row;
//   - times are DATETIME(6) in UTC (microseconds, as TIMESTAMPTZ; the
//     adapter writes and reads UTC whatever the connection's time zone);
//   - the columns that are looked up or unique (users.email,
//     accounts.provider and "providerAccountId", sessions."sessionToken",
//     verification_token.identifier) are VARBINARY, compared byte for byte
//     as PostgreSQL compares text: MySQL's string collations ignore
//     trailing spaces, and most ignore case. users.name, accounts.type are
//     VARCHAR(255); images, account tokens and verification tokens TEXT;
//     expires_at BIGINT;
//   - verification_token has no primary key on (identifier, token), which
//     MySQL cannot index for a TEXT token: a stored generated column
//     token_sha256 = UNHEX(SHA2(token, 256)) carries the UNIQUE key
//     (identifier, token_sha256) that lookups use.
//
// Limits match the PostgreSQL adapter's VARCHAR(255): a name over 255
// characters and a session token over 255 bytes are errors; e-mails and
// provider account ids take 1020 bytes (255 characters of 4 bytes).
// Unique keys, foreign keys to users ON DELETE CASCADE and indexes on
// every lookup (accounts and sessions by "userId", the expires columns)
// are created with the tables.
//
// The server's own tables, nextauth_rate_buckets and
// nextauth_rate_counters ([Adapter.RateStore]) and
// nextauth_revoked_sessions and nextauth_revoked_users
// ([nextauth.JWTRevoker]), key their rows by the SHA-256 of the key, sid
// or user id (BINARY(32)), so that any key, however long, is compared
// byte for byte. nextauth_session_claims ([nextauth.SessionClaimsStore])
// keys the claims of a database session by its token, in the type of
// sessions.sessionToken; the adapter deletes them with the session.
// nextauth_migrations records the applied steps of [Adapter.Migrate].
//
// A user's name, e-mail or image that is null, absent or "" is stored as
// NULL and a NULL is read back as [nextauth.Null]; other empty strings
// (account tokens) are stored as NULL and read back as ""; an account's
// ExpiresAt of 0 is stored as NULL.
//
// # Use
//
//	a, err := mysql.Connect(ctx, "app:secret@tcp(db:3306)/app") // the driver's DSN; pool, migrate; a owns the pool
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer a.Close()
//	h, err := nextauth.New(nextauth.Config{Adapter: a, ...})
//
// With a *sql.DB of one's own, mysql.New(db) wraps it without taking
// ownership; call [Adapter.Migrate] once at start.
package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/sqltx"
)

// Adapter stores NextAuth's users, accounts, sessions and verification
// tokens in MySQL or MariaDB. It implements [nextauth.Adapter],
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater],
// [nextauth.SessionLister], [nextauth.JWTRevoker],
// [nextauth.SessionClaimsStore], [nextauth.UserColumnReader] and
// [io.Closer], has [Adapter.RateStore], and is safe for concurrent use.
type Adapter struct {
	db    *sql.DB
	owned bool // Close closes db (made by Connect)
	// userCols caches the users table's columns and their data types
	// (UserColumns).
	userCols atomic.Pointer[map[string]string]
}

// Interface checks.
var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.ExpiredDeleter  = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ nextauth.SessionLister   = (*Adapter)(nil)
	_ nextauth.JWTRevoker      = (*Adapter)(nil)
	_ io.Closer                = (*Adapter)(nil)
)

// New returns an adapter on db, a database/sql handle of the "mysql"
// driver with any DSN settings (times are written as UTC text and read in
// either form, so parseTime and loc do not matter; interpolateParams=true
// saves a round trip per statement). The caller keeps ownership of db.
// New does not touch the database; call [Adapter.Migrate] before first
// use unless the schema is managed elsewhere.
func New(db *sql.DB) *Adapter {
	return &Adapter{db: db}
}

// Options tunes [Connect].
type Options struct {
	// MaxConns is the pool size; 0 means max(4, GOMAXPROCS) × 2.
	MaxConns int
}

// Open returns a pool for dsn (the driver's DSN,
// user:password@tcp(host:3306)/database?…) as [Connect] uses it: with
// parseTime, UTC times, interpolated parameters and utf8mb4 whatever the
// DSN says about them, and o's pool size. It does not touch the
// database. The caller owns the pool.
func Open(dsn string, o Options) (*sql.DB, error) {
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: connect: %w", err)
	}
	c.ParseTime, c.Loc, c.InterpolateParams = true, time.UTC, true
	c.Collation = "utf8mb4_general_ci"
	conn, err := gomysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("mysql: connect: %w", err)
	}
	db := sql.OpenDB(conn)
	n := o.MaxConns
	if n <= 0 {
		n = 2 * max(4, runtime.GOMAXPROCS(0))
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(time.Hour)
	return db, nil
}

// Connect opens a pool for dsn with [Open], runs [Adapter.Migrate] and
// returns an adapter that owns the pool: [Adapter.Close] closes it.
func Connect(ctx context.Context, dsn string, o Options) (*Adapter, error) {
	db, err := Open(dsn, o)
	if err != nil {
		return nil, err
	}
	a := &Adapter{db: db, owned: true}
	if err := a.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Close closes the pool if the adapter was made by [Connect]; an adapter
// made by [New] leaves its pool to the caller.
func (a *Adapter) Close() error {
	if a.owned {
		if err := a.db.Close(); err != nil {
			return fmt.Errorf("mysql: close: %w", err)
		}
	}
	return nil
}

// Ping checks that the database answers.
func (a *Adapter) Ping(ctx context.Context) error {
	if err := a.db.PingContext(ctx); err != nil {
		return fmt.Errorf("mysql: ping: %w", err)
	}
	return nil
}

// SQL statements. Every WHERE clause is answered by a primary key, a
// unique key or an index.
const (
	userColumns = "u.id, u.name, u.email, u.`emailVerified`, u.image"

	sqlCreateUser     = "INSERT INTO users (name, email, `emailVerified`, image) VALUES (?, ?, ?, ?)"
	sqlGetUser        = "SELECT " + userColumns + " FROM users u WHERE u.id = ?"
	sqlGetUserByEmail = "SELECT " + userColumns + " FROM users u WHERE u.email = ?"
	sqlGetUserByAcct  = "SELECT " + userColumns + " FROM accounts a JOIN users u ON u.id = a.`userId`" +
		" WHERE a.provider = ? AND a.`providerAccountId` = ?"
	sqlUpdateUser = "UPDATE users SET name = ?, email = ?, `emailVerified` = ?, image = ? WHERE id = ?"
	// The foreign keys cascade to accounts and sessions.
	sqlDeleteUser = "DELETE FROM users WHERE id = ?"

	accountColumns = "`userId`, type, provider, `providerAccountId`, refresh_token, access_token," +
		" expires_at, token_type, scope, id_token, session_state"
	sqlLinkAccount = "INSERT INTO accounts (" + accountColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	sqlGetAccount  = "SELECT " + accountColumns + " FROM accounts WHERE provider = ? AND `providerAccountId` = ?"
	// sqlGetUserAccount: of several accounts at one provider, the most
	// recently linked, which has the largest id.
	sqlGetUserAccount = "SELECT " + accountColumns + " FROM accounts WHERE `userId` = ? AND provider = ?" +
		" ORDER BY id DESC LIMIT 1"
	sqlUpdateAccount = "UPDATE accounts SET refresh_token = ?, access_token = ?, expires_at = ?, token_type = ?," +
		" scope = ?, id_token = ?, session_state = ? WHERE provider = ? AND `providerAccountId` = ?"
	sqlGetAccountForUpdate = "SELECT `userId`, type FROM accounts WHERE provider = ? AND `providerAccountId` = ?"
	sqlUnlinkAccount       = "DELETE FROM accounts WHERE provider = ? AND `providerAccountId` = ?"

	sqlCreateSession     = "INSERT INTO sessions (`sessionToken`, `userId`, expires) VALUES (?, ?, ?)"
	sqlGetSessionAndUser = "SELECT s.`userId`, s.expires, " + userColumns +
		" FROM sessions s JOIN users u ON u.id = s.`userId` WHERE s.`sessionToken` = ?"
	sqlGetSession    = "SELECT `userId`, expires FROM sessions WHERE `sessionToken` = ?"
	sqlUpdateSession = "UPDATE sessions SET expires = ? WHERE `sessionToken` = ?"
	sqlDeleteSession = "DELETE FROM sessions WHERE `sessionToken` = ?"

	sqlCreateToken = "INSERT INTO verification_token (identifier, expires, token) VALUES (?, ?, ?)"
	tokenWhere     = " WHERE identifier = ? AND token_sha256 = UNHEX(SHA2(?, 256))"
	sqlGetToken    = "SELECT expires, token FROM verification_token" + tokenWhere
	sqlDeleteToken = "DELETE FROM verification_token" + tokenWhere

	sqlDeleteExpiredSessions = "DELETE FROM sessions WHERE expires < ? LIMIT " + batch
	sqlDeleteExpiredTokens   = "DELETE FROM verification_token WHERE expires < ? LIMIT " + batch
	// Rate rows stale by both clocks: buckets idle for a whole window
	// (full again, the same as absent) and lockout records past their expiry.
	sqlDeleteExpiredBuckets = "DELETE FROM nextauth_rate_buckets" +
		" WHERE updated < LEAST(?, UTC_TIMESTAMP(6)) - INTERVAL window_us MICROSECOND LIMIT " + batch
	sqlDeleteExpiredCounters = "DELETE FROM nextauth_rate_counters WHERE expires < LEAST(?, UTC_TIMESTAMP(6)) LIMIT " + batch
)

// batch is how many expired rows one DELETE of DeleteExpired removes, so
// that a sweep never holds many row locks at once.
const batch = "1000"

// CreateUser inserts u (its ID is ignored) and returns it with its new ID.
// An e-mail already used by another user is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	res, err := a.db.ExecContext(ctx, sqlCreateUser, nullString(u.Name), nullString(u.Email), nullTime(u.EmailVerified), nullString(u.Image))
	if err != nil {
		return nextauth.User{}, wrap(ctx, "create user", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nextauth.User{}, wrap(ctx, "create user", err)
	}
	return stored(u, id), nil
}

// stored is u as the database holds it with id: empty fields are null,
// EmailVerified in UTC to the microsecond.
func stored(u nextauth.User, id int64) nextauth.User {
	u.ID = strconv.FormatInt(id, 10)
	u.Name, u.Email, u.Image = storedField(u.Name), storedField(u.Email), storedField(u.Image)
	if u.EmailVerified != nil {
		t := u.EmailVerified.UTC().Truncate(time.Microsecond)
		u.EmailVerified = &t
	}
	return u
}

// GetUser returns the user with id.
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	n, ok := parseID(id)
	if !ok {
		return nextauth.User{}, notFound("get user")
	}
	u, err := scanUser(a.db.QueryRowContext(ctx, sqlGetUser, n))
	if err != nil {
		return nextauth.User{}, wrap(ctx, "get user", err)
	}
	return u, nil
}

// GetUserByEmail returns the user with exactly this e-mail (byte for byte;
// the flows lower-case e-mails before calling).
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	if email == "" {
		return nextauth.User{}, notFound("get user by email")
	}
	u, err := scanUser(a.db.QueryRowContext(ctx, sqlGetUserByEmail, []byte(email)))
	if err != nil {
		return nextauth.User{}, wrap(ctx, "get user by email", err)
	}
	return u, nil
}

// GetUserByAccount returns the user linked to the provider account.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	u, err := scanUser(a.db.QueryRowContext(ctx, sqlGetUserByAcct, []byte(provider), []byte(providerAccountID)))
	if err != nil {
		return nextauth.User{}, wrap(ctx, "get user by account", err)
	}
	return u, nil
}

// UpdateUser replaces the name, e-mail, image and EmailVerified of the user
// with u.ID and returns the stored user.
func (a *Adapter) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	n, ok := parseID(u.ID)
	if !ok {
		return nextauth.User{}, notFound("update user")
	}
	if _, err := a.db.ExecContext(ctx, sqlUpdateUser, nullString(u.Name), nullString(u.Email), nullTime(u.EmailVerified), nullString(u.Image), n); err != nil {
		return nextauth.User{}, wrap(ctx, "update user", err)
	}
	// Rows affected counts changed rows (unless clientFoundRows): an
	// update to the same values changes none. Whether the user exists is
	// asked instead.
	if _, err := a.GetUser(ctx, u.ID); err != nil {
		return nextauth.User{}, err
	}
	return stored(u, int64(n)), nil
}

// DeleteUser deletes the user with id and, by the foreign keys' cascade,
// its accounts and sessions, with the sessions' claims, in one
// transaction.
func (a *Adapter) DeleteUser(ctx context.Context, id string) error {
	n, ok := parseID(id)
	if !ok {
		return notFound("delete user")
	}
	var k int64
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		if err := execClaims(ctx, tx, sqlDeleteUserClaims, n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, sqlDeleteUser, n)
		if err != nil {
			return err
		}
		k, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return wrap(ctx, "delete user", err)
	}
	if k == 0 {
		return notFound("delete user")
	}
	return nil
}

// LinkAccount stores a provider account of user acc.UserID. Linking the
// same provider account twice is a wrapped [nextauth.ErrConflict]; an
// unknown user is a wrapped [nextauth.ErrNotFound] (the foreign key).
func (a *Adapter) LinkAccount(ctx context.Context, acc nextauth.Account) error {
	n, ok := parseID(acc.UserID)
	if !ok {
		return notFound("link account")
	}
	_, err := a.db.ExecContext(ctx, sqlLinkAccount, n, acc.Type, []byte(acc.Provider), []byte(acc.ProviderAccountID),
		null(acc.RefreshToken), null(acc.AccessToken), nullInt(acc.ExpiresAt), null(acc.TokenType),
		null(acc.Scope), null(acc.IDToken), null(acc.SessionState))
	if err != nil {
		return wrap(ctx, "link account", err)
	}
	return nil
}

// GetAccount returns the provider account as stored (Auth.js's
// getAccount; the conformance suite's adaptertest.AccountGetter).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	acc, err := scanAccount(a.db.QueryRowContext(ctx, sqlGetAccount, []byte(provider), []byte(providerAccountID)))
	if err != nil {
		return nextauth.Account{}, wrap(ctx, "get account", err)
	}
	return acc, nil
}

// GetUserAccount returns userID's account at provider, the most recently
// linked (the largest id) of several.
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	n, ok := parseID(userID)
	if !ok {
		return nextauth.Account{}, notFound("get user account")
	}
	acc, err := scanAccount(a.db.QueryRowContext(ctx, sqlGetUserAccount, n, []byte(provider)))
	if err != nil {
		return nextauth.Account{}, wrap(ctx, "get user account", err)
	}
	return acc, nil
}

// UpdateAccount replaces the token fields of the account (acc.Provider,
// acc.ProviderAccountID), empty ones with NULL, and returns the stored
// account; its UserID and Type stay as linked. The row is locked, updated
// and read in one transaction, so concurrent updates each store all their
// tokens. An account that is not linked is a wrapped
// [nextauth.ErrNotFound].
func (a *Adapter) UpdateAccount(ctx context.Context, acc nextauth.Account) (nextauth.Account, error) {
	const op = "update account"
	var got nextauth.Account
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, sqlGetAccountForUpdate+" FOR UPDATE", []byte(acc.Provider), []byte(acc.ProviderAccountID)).
			Scan(&userID, &got.Type)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlUpdateAccount, null(acc.RefreshToken), null(acc.AccessToken), nullInt(acc.ExpiresAt),
			null(acc.TokenType), null(acc.Scope), null(acc.IDToken), null(acc.SessionState),
			[]byte(acc.Provider), []byte(acc.ProviderAccountID))
		if err != nil {
			return err
		}
		got.UserID = strconv.FormatInt(userID, 10)
		return nil
	})
	if err != nil {
		return nextauth.Account{}, wrap(ctx, op, err)
	}
	got.Provider, got.ProviderAccountID = acc.Provider, acc.ProviderAccountID
	got.RefreshToken, got.AccessToken, got.ExpiresAt, got.TokenType = acc.RefreshToken, acc.AccessToken, acc.ExpiresAt, acc.TokenType
	got.Scope, got.IDToken, got.SessionState = acc.Scope, acc.IDToken, acc.SessionState
	return got, nil
}

// UnlinkAccount removes the provider account; an unknown one is a wrapped
// [nextauth.ErrNotFound].
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	res, err := a.db.ExecContext(ctx, sqlUnlinkAccount, []byte(provider), []byte(providerAccountID))
	if err != nil {
		return wrap(ctx, "unlink account", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("unlink account")
	}
	return nil
}

// CreateSession stores a database session; an unknown user is a wrapped
// [nextauth.ErrNotFound], a reused token a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	n, ok := parseID(s.UserID)
	if !ok {
		return nextauth.AdapterSession{}, notFound("create session")
	}
	if _, err := a.db.ExecContext(ctx, sqlCreateSession, []byte(s.SessionToken), n, dbTime(s.Expires)); err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, "create session", err)
	}
	s.Expires = s.Expires.UTC().Truncate(time.Microsecond)
	return s, nil
}

// GetSessionAndUser returns the session with sessionToken and its user,
// expired or not, in one query.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	var (
		userID  int64
		expires timeValue
		u       userRow
	)
	err := a.db.QueryRowContext(ctx, sqlGetSessionAndUser, []byte(sessionToken)).
		Scan(&userID, &expires, &u.id, &u.name, &u.email, &u.emailVerified, &u.image)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap(ctx, "get session and user", err)
	}
	s := nextauth.AdapterSession{SessionToken: sessionToken, UserID: strconv.FormatInt(userID, 10), Expires: expires.t}
	return s, u.user(), nil
}

// UpdateSession sets the expiry of the session with sessionToken and
// returns the stored session.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	if _, err := a.db.ExecContext(ctx, sqlUpdateSession, dbTime(expires), []byte(sessionToken)); err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, "update session", err)
	}
	s, err := a.getSession(ctx, a.db, sessionToken, "")
	if err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, "update session", err)
	}
	return s, nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// getSession reads the session with sessionToken; lock is "" or
// " FOR UPDATE".
func (a *Adapter) getSession(ctx context.Context, q querier, sessionToken, lock string) (nextauth.AdapterSession, error) {
	var (
		userID  int64
		expires timeValue
	)
	if err := q.QueryRowContext(ctx, sqlGetSession+lock, []byte(sessionToken)).Scan(&userID, &expires); err != nil {
		return nextauth.AdapterSession{}, err
	}
	return nextauth.AdapterSession{SessionToken: sessionToken, UserID: strconv.FormatInt(userID, 10), Expires: expires.t}, nil
}

// DeleteSession deletes the session with sessionToken and its claims
// and returns it, locked, read and deleted in one transaction.
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	var s nextauth.AdapterSession
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = a.getSession(ctx, tx, sessionToken, " FOR UPDATE"); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, sqlDeleteSession, []byte(sessionToken)); err != nil {
			return err
		}
		return execClaims(ctx, tx, sqlDeleteSessionClaims, []byte(sessionToken))
	})
	if err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, "delete session", err)
	}
	return s, nil
}

// CreateVerificationToken stores an e-mail sign-in token; the same
// identifier and token twice is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	if _, err := a.db.ExecContext(ctx, sqlCreateToken, []byte(t.Identifier), dbTime(t.Expires), t.Token); err != nil {
		return wrap(ctx, "create verification token", err)
	}
	return nil
}

// UseVerificationToken deletes and returns the token with identifier and
// (hashed) token, expired or not. It reads the row, then deletes it: the
// call whose DELETE removed the row gets it, so of two concurrent calls
// exactly one does (MySQL has no DELETE … RETURNING).
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	const op = "use verification token"
	var (
		expires timeValue
		stored  string
	)
	err := a.db.QueryRowContext(ctx, sqlGetToken, []byte(identifier), token).Scan(&expires, &stored)
	if err != nil {
		return nextauth.VerificationToken{}, wrap(ctx, op, err)
	}
	res, err := a.db.ExecContext(ctx, sqlDeleteToken, []byte(identifier), token)
	if err != nil {
		return nextauth.VerificationToken{}, wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nextauth.VerificationToken{}, notFound(op) // another call used it
	}
	return nextauth.VerificationToken{Identifier: identifier, Token: stored, Expires: expires.t}, nil
}

// DeleteExpired deletes the sessions and verification tokens that expired
// before now (expires < now, as NextAuth tests expiry) and reports how many
// of each it deleted, in batches through the expires indexes. It also
// deletes the [Adapter.RateStore] rows stale by both now and the
// database's clock, the JWT revocations that ended before now and the
// session claims whose session is gone (not counted). Tables the schema lacks ([Adapter.Migrate] not run) are
// skipped.
func (a *Adapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	cutoff := dbTime(now)
	if sessions, err = a.deleteBatches(ctx, sqlDeleteExpiredSessions, cutoff); err != nil {
		return sessions, 0, err
	}
	if tokens, err = a.deleteBatches(ctx, sqlDeleteExpiredTokens, cutoff); err != nil {
		return sessions, tokens, err
	}
	if err := a.deleteExpiredServerRows(ctx, cutoff); err != nil {
		return sessions, tokens, err
	}
	return sessions, tokens, deleteOrphanClaims(ctx, a.db, "sessions", "`sessionToken`")
}

// deleteExpiredServerRows deletes the stale rows of the adapter's own
// nextauth_* tables (rate limits, revocations); a table that is missing
// has none.
func (a *Adapter) deleteExpiredServerRows(ctx context.Context, cutoff string) error {
	for _, q := range []string{sqlDeleteExpiredBuckets, sqlDeleteExpiredCounters, sqlDeleteExpiredRevokedSessions, sqlDeleteExpiredRevokedUsers} {
		if _, err := a.deleteBatches(ctx, q, cutoff); err != nil && !isCode(err, codeNoSuchTable) {
			return err
		}
	}
	return nil
}

// deleteBatches runs q(cutoff) until it deletes less than a batch.
func (a *Adapter) deleteBatches(ctx context.Context, q, cutoff string) (int64, error) {
	full, _ := strconv.ParseInt(batch, 10, 64)
	var total int64
	for {
		res, err := a.db.ExecContext(ctx, q, cutoff)
		if err != nil {
			return total, wrap(ctx, "delete expired", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, wrap(ctx, "delete expired", err)
		}
		total += n
		if n < full {
			return total, nil
		}
	}
}

// inTx runs f in a READ COMMITTED transaction (row locks only, no gap
// locks), committing when f returns nil; a deadlock is retried.
func (a *Adapter) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	return sqltx.Run(ctx, a.db, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, 4,
		func(err error) bool { return isCode(err, codeDeadlock) }, f)
}

// userRow is a users row as scanned.
type userRow struct {
	id                 int64
	name, email, image sql.NullString
	emailVerified      timeValue
}

func (r userRow) user() nextauth.User {
	u := nextauth.User{
		ID:    strconv.FormatInt(r.id, 10),
		Name:  nullable(r.name),
		Email: nullable(r.email),
		Image: nullable(r.image),
	}
	if r.emailVerified.valid {
		t := r.emailVerified.t
		u.EmailVerified = &t
	}
	return u
}

func scanUser(row *sql.Row) (nextauth.User, error) {
	var r userRow
	if err := row.Scan(&r.id, &r.name, &r.email, &r.emailVerified, &r.image); err != nil {
		return nextauth.User{}, err
	}
	return r.user(), nil
}

// scanAccount reads the columns of accountColumns.
func scanAccount(row *sql.Row) (nextauth.Account, error) {
	var (
		acc                                                      nextauth.Account
		userID                                                   int64
		refresh, access, tokenType, scope, idToken, sessionState sql.NullString
		expiresAt                                                sql.NullInt64
	)
	err := row.Scan(&userID, &acc.Type, &acc.Provider, &acc.ProviderAccountID, &refresh, &access,
		&expiresAt, &tokenType, &scope, &idToken, &sessionState)
	if err != nil {
		return nextauth.Account{}, err
	}
	acc.UserID = strconv.FormatInt(userID, 10)
	acc.RefreshToken, acc.AccessToken, acc.TokenType = refresh.String, access.String, tokenType.String
	acc.Scope, acc.IDToken, acc.SessionState = scope.String, idToken.String, sessionState.String
	acc.ExpiresAt = expiresAt.Int64
	return acc, nil
}

// timeLayout is how times are written: DATETIME(6) text in UTC, so that
// the connection's loc and time zone do not matter.
const timeLayout = "2006-01-02 15:04:05.999999"

// dbTime is t as DATETIME(6) text in UTC (truncated to the microsecond).
func dbTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime is a nil *time.Time as NULL, else dbTime.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// timeValue scans a DATETIME as the driver gives it: a time.Time (with
// parseTime) or text (without), read as UTC.
type timeValue struct {
	t     time.Time
	valid bool
}

// Scan implements sql.Scanner.
func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*v = timeValue{}
	case time.Time:
		// The driver reads DATETIME in its loc; the text was UTC.
		*v = timeValue{t: time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC), valid: true}
	case []byte:
		return v.Scan(string(x))
	case string:
		t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", x, time.UTC)
		if err != nil {
			return fmt.Errorf("mysql: reading a time: %w", err)
		}
		*v = timeValue{t: t, valid: true}
	default:
		return fmt.Errorf("mysql: reading a time from %T", src)
	}
	return nil
}

// parseID reads a users.id (INT) written as a canonical decimal string;
// anything else cannot name a row.
func parseID(id string) (int32, bool) {
	n, err := strconv.ParseInt(id, 10, 32)
	if err != nil || strconv.FormatInt(n, 10) != id || n < 1 {
		return 0, false
	}
	return int32(n), true
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

// nullString maps a null, absent or empty user field to SQL NULL.
func nullString(n nextauth.NullString) any {
	return null(n.String())
}

// storedField is a user field as read back: "" and absent are null.
func storedField(n nextauth.NullString) nextauth.NullString {
	if n.String() == "" {
		return nextauth.Null()
	}
	return n
}

// nullable reads a user column: NULL is null, anything else its value.
func nullable(s sql.NullString) nextauth.NullString {
	if !s.Valid {
		return nextauth.Null()
	}
	return nextauth.String(s.String)
}

// keyHash is the SHA-256 of key, the primary key of the server's own
// tables.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// MySQL error numbers the adapter tells apart.
const (
	codeDuplicate   = 1062 // ER_DUP_ENTRY
	codeNoParent    = 1452 // ER_NO_REFERENCED_ROW_2: unknown user
	codeNoSuchTable = 1146 // ER_NO_SUCH_TABLE
	codeDeadlock    = 1213 // ER_LOCK_DEADLOCK
)

// isCode reports whether err is a MySQL error with number code.
func isCode(err error, code uint16) bool {
	me, ok := errors.AsType[*gomysql.MySQLError](err)
	return ok && me.Number == code
}

func notFound(op string) error {
	return fmt.Errorf("mysql: %s: %w", op, nextauth.ErrNotFound)
}

// wrap maps no rows and an unknown user (a foreign key) to ErrNotFound, a
// duplicate key to ErrConflict, and keeps a done ctx's error visible to
// errors.Is; the driver error stays in the chain.
func wrap(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound(op)
	case isCode(err, codeDuplicate):
		return fmt.Errorf("mysql: %s: %w: %w", op, nextauth.ErrConflict, err)
	case isCode(err, codeNoParent):
		return fmt.Errorf("mysql: %s: %w: %w", op, nextauth.ErrNotFound, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("mysql: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("mysql: %s: %w", op, err)
}
