// Package postgres is a [nextauth.Adapter] backed by PostgreSQL through a
// pgx connection pool.
//
// The tables are exactly those of NextAuth's official PostgreSQL adapter
// (@auth/pg-adapter, docs/compatibility.md#adapters-and-the-data-model):
// users, accounts, sessions and verification_token, with the same quoted
// camelCase columns and types, so a database already used by a Node NextAuth
// app can be shared with this adapter. [Adapter.Migrate] creates the tables
// when they are missing and adds the unique keys, foreign keys and indexes a
// production store needs when they are missing; it never alters or drops a
// column.
//
// IDs are the SERIAL integers of the users table written as decimal
// strings; an ID that is not such a string is simply not found. A user's
// name, e-mail or image that is null, absent or "" is stored as NULL and a
// NULL is read back as [nextauth.Null]; other empty strings (account
// tokens) are stored as NULL and read back as ""; an account's ExpiresAt
// of 0 is stored as NULL. Times come back in UTC with the
// microsecond precision of TIMESTAMPTZ.
//
// Every lookup the server makes on a request is a single indexed statement:
// GET /session with database sessions costs one query (a JOIN of sessions
// and users on the "sessionToken" unique index) however many sessions are
// stored.
//
// # Use
//
//	a, err := postgres.Connect(ctx, os.Getenv("DATABASE_URL")) // pool, migrate; a owns the pool
//	if w, ok := errors.AsType[*postgres.SchemaWarning](err); ok {
//		log.Print(w) // existing rows prevent some keys; the adapter works
//	} else if err != nil {
//		log.Fatal(err)
//	}
//	defer a.Close()
//	h, err := nextauth.New(nextauth.Config{Adapter: a, ...})
//
// With a pool of one's own, postgres.New(pool) wraps it without taking
// ownership; call [Adapter.Migrate] once at start.
//
// # Rate limits
//
// [Adapter.RateStore] (or [NewRateStore] on a pool of one's own) keeps the
// server's rate-limit buckets and lockout records in
// nextauth_rate_buckets and nextauth_rate_counters, tables of this package
// that [Adapter.Migrate] creates, so that every server of a fleet enforces
// one limit. Each call is one statement on the database's clock;
// [Adapter.DeleteExpired] removes the stale rows.
//
// # Limits
//
// The column types are @auth/pg-adapter's: users.name and email,
// sessions."sessionToken", and accounts' type, provider and
// "providerAccountId" are VARCHAR(255), so a longer value (in characters)
// is an error (SQLSTATE 22001, neither ErrConflict nor ErrNotFound); the
// other strings are TEXT. NextAuth's session tokens are 36 characters.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
)

// Adapter stores NextAuth's users, accounts, sessions and verification
// tokens in PostgreSQL. It implements [nextauth.Adapter],
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater],
// [nextauth.SessionLister], [nextauth.JWTRevoker] and [io.Closer],
// and is safe for concurrent use.
type Adapter struct {
	pool  *pgxpool.Pool
	owned bool // Close closes pool (made by Connect)

	// userCols caches the users table's columns (UserColumns).
	userCols atomic.Pointer[map[string]bool]
}

// Interface checks.
var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.ExpiredDeleter  = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ io.Closer                = (*Adapter)(nil)
)

// New returns an adapter using pool. The caller keeps ownership of pool:
// [Adapter.Close] does not close it. New does not touch the database; call
// [Adapter.Migrate] before first use unless the schema is managed
// elsewhere.
func New(pool *pgxpool.Pool) *Adapter {
	return &Adapter{pool: pool}
}

// Connect opens a connection pool for dsn (a postgres:// URL or a
// "key=value" string, as pgxpool.ParseConfig accepts), runs
// [Adapter.Migrate] and returns an adapter that owns the pool:
// [Adapter.Close] closes it.
//
// If Migrate reports only a [*SchemaWarning] (a constraint that existing
// data prevents), Connect returns the usable adapter together with that
// warning; the caller should log it and go on. On any other error the pool
// is closed and the adapter is nil.
func Connect(ctx context.Context, dsn string) (*Adapter, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	a := &Adapter{pool: pool, owned: true}
	if err := a.Migrate(ctx); err != nil {
		if _, ok := errors.AsType[*SchemaWarning](err); ok {
			return a, err
		}
		pool.Close()
		return nil, err
	}
	return a, nil
}

// Close closes the pool if the adapter was made by [Connect]; an adapter
// made by [New] leaves its pool to the caller. Close always returns nil.
func (a *Adapter) Close() error {
	if a.owned {
		a.pool.Close()
	}
	return nil
}

// SQL statements, unexported so tests can EXPLAIN them.
const (
	userColumns = `u.id, u.name, u.email, u."emailVerified", u.image`

	sqlCreateUser = `INSERT INTO users AS u (name, email, "emailVerified", image)
VALUES ($1, $2, $3, $4)
RETURNING ` + userColumns

	sqlGetUser = `SELECT ` + userColumns + ` FROM users u WHERE u.id = $1`

	sqlGetUserByEmail = `SELECT ` + userColumns + ` FROM users u WHERE u.email = $1`

	sqlGetUserByAccount = `SELECT ` + userColumns + `
FROM accounts a JOIN users u ON u.id = a."userId"
WHERE a.provider = $1 AND a."providerAccountId" = $2`

	sqlUpdateUser = `UPDATE users AS u SET name = $2, email = $3, "emailVerified" = $4, image = $5
WHERE u.id = $1
RETURNING ` + userColumns

	// sqlDeleteUser deletes the user's sessions and accounts itself, so
	// that a database whose foreign keys could not be added (orphaned rows
	// in an old NextAuth database) behaves like one with ON DELETE CASCADE.
	sqlDeleteUser = `WITH s AS (DELETE FROM sessions WHERE "userId" = $1),
a AS (DELETE FROM accounts WHERE "userId" = $1)
DELETE FROM users WHERE id = $1`

	// sqlLinkAccount and sqlCreateSession insert only when the user exists,
	// which the foreign key also enforces (then 23503) where it exists.
	sqlLinkAccount = `INSERT INTO accounts ("userId", type, provider, "providerAccountId",
refresh_token, access_token, expires_at, token_type, scope, id_token, session_state)
SELECT $1::integer, $2, $3, $4, $5, $6, $7::bigint, $8, $9, $10, $11
WHERE EXISTS (SELECT 1 FROM users WHERE id = $1::integer)`

	accountColumns = `"userId", type, provider, "providerAccountId", refresh_token, access_token,
expires_at, token_type, scope, id_token, session_state`

	sqlGetAccount = `SELECT ` + accountColumns + `
FROM accounts WHERE provider = $1 AND "providerAccountId" = $2`

	// sqlGetUserAccount: of several accounts at one provider, the most
	// recently linked, which has the largest SERIAL id. The "userId" index
	// finds the user's few rows; they are sorted, not the table.
	sqlGetUserAccount = `SELECT ` + accountColumns + `
FROM accounts WHERE "userId" = $1 AND provider = $2
ORDER BY id DESC LIMIT 1`

	// sqlUpdateAccount: one statement, so concurrent updates of an account
	// each replace all token columns; the row lock orders them.
	sqlUpdateAccount = `UPDATE accounts SET refresh_token = $3, access_token = $4, expires_at = $5::bigint,
token_type = $6, scope = $7, id_token = $8, session_state = $9
WHERE provider = $1 AND "providerAccountId" = $2
RETURNING ` + accountColumns

	sqlUnlinkAccount = `DELETE FROM accounts WHERE provider = $1 AND "providerAccountId" = $2`

	sessionColumns = `"sessionToken", "userId", expires`

	sqlCreateSession = `INSERT INTO sessions ("sessionToken", "userId", expires)
SELECT $1, $2::integer, $3::timestamptz
WHERE EXISTS (SELECT 1 FROM users WHERE id = $2::integer)
RETURNING ` + sessionColumns

	sqlGetSessionAndUser = `SELECT s."sessionToken", s."userId", s.expires, ` + userColumns + `
FROM sessions s JOIN users u ON u.id = s."userId"
WHERE s."sessionToken" = $1`

	sqlUpdateSession = `UPDATE sessions SET expires = $2 WHERE "sessionToken" = $1
RETURNING ` + sessionColumns

	sqlDeleteSession = `DELETE FROM sessions WHERE "sessionToken" = $1
RETURNING ` + sessionColumns

	sqlCreateVerificationToken = `INSERT INTO verification_token (identifier, expires, token)
VALUES ($1, $2, $3)`

	sqlUseVerificationToken = `DELETE FROM verification_token
WHERE identifier = $1 AND token = $2
RETURNING identifier, expires, token`

	// sqlDeleteExpired also deletes the rate-limit buckets idle for a
	// whole window and the forgotten lockout records. Those were written on the
	// database's clock: a rate row goes only once both clocks agree it is
	// stale. They have no expiry index (see createRateTables): their
	// tables hold one row per recently limited key.
	sqlDeleteExpired = `WITH s AS (DELETE FROM sessions WHERE expires < $1 RETURNING 1),
t AS (DELETE FROM verification_token WHERE expires < $1 RETURNING 1),
` + sqlStaleRateRows + `
SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM t)`

	// sqlStaleRateRows are the common table expressions deleting the
	// stale rate-limit rows ($1 is now).
	sqlStaleRateRows = `b AS (DELETE FROM nextauth_rate_buckets
  WHERE updated < least($1, clock_timestamp()) - window_us * interval '1 microsecond'),
c AS (DELETE FROM nextauth_rate_counters WHERE expires < least($1, clock_timestamp()))`

	// sqlDeleteExpiredNoRates is sqlDeleteExpired for a schema without
	// the rate-limit tables (managed elsewhere, Migrate never run).
	sqlDeleteExpiredNoRates = `WITH s AS (DELETE FROM sessions WHERE expires < $1 RETURNING 1),
t AS (DELETE FROM verification_token WHERE expires < $1 RETURNING 1)
SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM t)`
)

// CreateUser inserts u (its ID is ignored) and returns it with its new ID.
// An e-mail already used by another user is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	row := a.pool.QueryRow(ctx, sqlCreateUser, nullString(u.Name), nullString(u.Email), u.EmailVerified, nullString(u.Image))
	got, err := scanUser(row)
	if err != nil {
		return nextauth.User{}, wrap("create user", err, false)
	}
	return got, nil
}

// GetUser returns the user with id.
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	n, ok := parseID(id)
	if !ok {
		return nextauth.User{}, notFound("get user")
	}
	u, err := scanUser(a.pool.QueryRow(ctx, sqlGetUser, n))
	if err != nil {
		return nextauth.User{}, wrap("get user", err, false)
	}
	return u, nil
}

// GetUserByEmail returns the user with exactly this e-mail (compared as
// stored, case-sensitively, as @auth/pg-adapter does; the flows lower-case
// e-mails before calling).
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	if email == "" {
		return nextauth.User{}, notFound("get user by email")
	}
	u, err := scanUser(a.pool.QueryRow(ctx, sqlGetUserByEmail, email))
	if err != nil {
		return nextauth.User{}, wrap("get user by email", err, false)
	}
	return u, nil
}

// GetUserByAccount returns the user linked to the provider account.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	u, err := scanUser(a.pool.QueryRow(ctx, sqlGetUserByAccount, provider, providerAccountID))
	if err != nil {
		return nextauth.User{}, wrap("get user by account", err, false)
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
	row := a.pool.QueryRow(ctx, sqlUpdateUser, n, nullString(u.Name), nullString(u.Email), u.EmailVerified, nullString(u.Image))
	got, err := scanUser(row)
	if err != nil {
		return nextauth.User{}, wrap("update user", err, false)
	}
	return got, nil
}

// DeleteUser deletes the user with id and its accounts and sessions, in one
// statement.
func (a *Adapter) DeleteUser(ctx context.Context, id string) error {
	n, ok := parseID(id)
	if !ok {
		return notFound("delete user")
	}
	tag, err := a.pool.Exec(ctx, sqlDeleteUser, n)
	if err != nil {
		return wrap("delete user", err, false)
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete user")
	}
	return nil
}

// LinkAccount stores a provider account of user acc.UserID. Linking the
// same provider account twice is a wrapped [nextauth.ErrConflict]; an
// unknown user is a wrapped [nextauth.ErrNotFound].
func (a *Adapter) LinkAccount(ctx context.Context, acc nextauth.Account) error {
	n, ok := parseID(acc.UserID)
	if !ok {
		return notFound("link account")
	}
	tag, err := a.pool.Exec(ctx, sqlLinkAccount, n, acc.Type, acc.Provider, acc.ProviderAccountID,
		null(acc.RefreshToken), null(acc.AccessToken), nullInt(acc.ExpiresAt), null(acc.TokenType),
		null(acc.Scope), null(acc.IDToken), null(acc.SessionState))
	if err != nil {
		return wrap("link account", err, true)
	}
	if tag.RowsAffected() == 0 {
		return notFound("link account")
	}
	return nil
}

// GetAccount returns the provider account as stored (Auth.js's
// getAccount; the conformance suite's adaptertest.AccountGetter).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	acc, err := scanAccount(a.pool.QueryRow(ctx, sqlGetAccount, provider, providerAccountID))
	if err != nil {
		return nextauth.Account{}, wrap("get account", err, false)
	}
	return acc, nil
}

// GetUserAccount returns userID's account at provider, found through the
// accounts("userId") index. Of several accounts at one provider it returns
// the most recently linked (the largest id).
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	n, ok := parseID(userID)
	if !ok {
		return nextauth.Account{}, notFound("get user account")
	}
	acc, err := scanAccount(a.pool.QueryRow(ctx, sqlGetUserAccount, n, provider))
	if err != nil {
		return nextauth.Account{}, wrap("get user account", err, false)
	}
	return acc, nil
}

// UpdateAccount replaces the token fields of the account (acc.Provider,
// acc.ProviderAccountID), empty ones with NULL, in one UPDATE … RETURNING,
// and returns the stored account; its UserID and Type stay as linked. An
// account that is not linked is a wrapped [nextauth.ErrNotFound].
func (a *Adapter) UpdateAccount(ctx context.Context, acc nextauth.Account) (nextauth.Account, error) {
	got, err := scanAccount(a.pool.QueryRow(ctx, sqlUpdateAccount, acc.Provider, acc.ProviderAccountID,
		null(acc.RefreshToken), null(acc.AccessToken), nullInt(acc.ExpiresAt), null(acc.TokenType),
		null(acc.Scope), null(acc.IDToken), null(acc.SessionState)))
	if err != nil {
		return nextauth.Account{}, wrap("update account", err, false)
	}
	return got, nil
}

// UnlinkAccount removes the provider account; an unknown one is a wrapped
// [nextauth.ErrNotFound].
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	tag, err := a.pool.Exec(ctx, sqlUnlinkAccount, provider, providerAccountID)
	if err != nil {
		return wrap("unlink account", err, false)
	}
	if tag.RowsAffected() == 0 {
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
	got, err := scanSession(a.pool.QueryRow(ctx, sqlCreateSession, s.SessionToken, n, s.Expires))
	if err != nil {
		return nextauth.AdapterSession{}, wrap("create session", err, true)
	}
	return got, nil
}

// GetSessionAndUser returns the session with sessionToken and its user,
// expired or not, in one query.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	var (
		s      nextauth.AdapterSession
		userID int32
		u      userRow
	)
	err := a.pool.QueryRow(ctx, sqlGetSessionAndUser, sessionToken).
		Scan(&s.SessionToken, &userID, &s.Expires, &u.id, &u.name, &u.email, &u.emailVerified, &u.image)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap("get session and user", err, false)
	}
	s.UserID = strconv.FormatInt(int64(userID), 10)
	s.Expires = s.Expires.UTC()
	return s, u.user(), nil
}

// UpdateSession sets the expiry of the session with sessionToken and
// returns the stored session.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	s, err := scanSession(a.pool.QueryRow(ctx, sqlUpdateSession, sessionToken, expires))
	if err != nil {
		return nextauth.AdapterSession{}, wrap("update session", err, false)
	}
	return s, nil
}

// DeleteSession deletes the session with sessionToken and returns it.
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	s, err := scanSession(a.pool.QueryRow(ctx, sqlDeleteSession, sessionToken))
	if err != nil {
		return nextauth.AdapterSession{}, wrap("delete session", err, false)
	}
	return s, nil
}

// CreateVerificationToken stores an e-mail sign-in token; the same
// identifier and token twice is a wrapped [nextauth.ErrConflict].
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	if _, err := a.pool.Exec(ctx, sqlCreateVerificationToken, t.Identifier, t.Expires, t.Token); err != nil {
		return wrap("create verification token", err, false)
	}
	return nil
}

// UseVerificationToken deletes and returns the token with identifier and
// (hashed) token, expired or not, in one DELETE … RETURNING statement: of
// two concurrent calls exactly one gets it.
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	var t nextauth.VerificationToken
	err := a.pool.QueryRow(ctx, sqlUseVerificationToken, identifier, token).Scan(&t.Identifier, &t.Expires, &t.Token)
	if err != nil {
		return nextauth.VerificationToken{}, wrap("use verification token", err, false)
	}
	t.Expires = t.Expires.UTC()
	return t, nil
}

// DeleteExpired deletes the sessions and verification tokens that expired
// before now (expires < now, as NextAuth tests expiry) and reports how many
// of each it deleted. Both deletes use the expires indexes. In the same
// statement it deletes the [Adapter.RateStore] rows that are stale by both
// now and the database's clock: buckets idle for a whole window (full
// again, the same as absent) and lockout records past their expiry; those are
// not counted. Without the rate-limit tables (a schema [Adapter.Migrate]
// did not make) it deletes sessions and tokens only. A second statement
// deletes the JWT revocations that ended before now.
func (a *Adapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	err = a.pool.QueryRow(ctx, sqlDeleteExpired, now).Scan(&sessions, &tokens)
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == codeUndefinedTable {
		err = a.pool.QueryRow(ctx, sqlDeleteExpiredNoRates, now).Scan(&sessions, &tokens)
	}
	if err != nil {
		return 0, 0, wrap("delete expired", err, false)
	}
	// Then the JWT revocations that ended (not counted either).
	if err := a.deleteExpiredRevocations(ctx, now); err != nil {
		return sessions, tokens, err
	}
	if err := a.deleteOrphanClaims(ctx); err != nil {
		return sessions, tokens, err
	}
	return sessions, tokens, nil
}

// userRow is a users row as scanned, NULLs as nil.
type userRow struct {
	id                 int32
	name, email, image *string
	emailVerified      *time.Time
}

func (r userRow) user() nextauth.User {
	u := nextauth.User{
		ID:    strconv.FormatInt(int64(r.id), 10),
		Name:  nullable(r.name),
		Email: nullable(r.email),
		Image: nullable(r.image),
	}
	if r.emailVerified != nil {
		t := r.emailVerified.UTC()
		u.EmailVerified = &t
	}
	return u
}

func scanUser(row pgx.Row) (nextauth.User, error) {
	var r userRow
	if err := row.Scan(&r.id, &r.name, &r.email, &r.emailVerified, &r.image); err != nil {
		return nextauth.User{}, err
	}
	return r.user(), nil
}

// scanAccount reads the columns of accountColumns.
func scanAccount(row pgx.Row) (nextauth.Account, error) {
	var (
		acc                                                      nextauth.Account
		userID                                                   int32
		refresh, access, tokenType, scope, idToken, sessionState *string
		expiresAt                                                *int64
	)
	err := row.Scan(&userID, &acc.Type, &acc.Provider, &acc.ProviderAccountID, &refresh, &access,
		&expiresAt, &tokenType, &scope, &idToken, &sessionState)
	if err != nil {
		return nextauth.Account{}, err
	}
	acc.UserID = strconv.FormatInt(int64(userID), 10)
	acc.RefreshToken, acc.AccessToken, acc.TokenType = deref(refresh), deref(access), deref(tokenType)
	acc.Scope, acc.IDToken, acc.SessionState = deref(scope), deref(idToken), deref(sessionState)
	if expiresAt != nil {
		acc.ExpiresAt = *expiresAt
	}
	return acc, nil
}

func scanSession(row pgx.Row) (nextauth.AdapterSession, error) {
	var (
		s      nextauth.AdapterSession
		userID int32
	)
	if err := row.Scan(&s.SessionToken, &userID, &s.Expires); err != nil {
		return nextauth.AdapterSession{}, err
	}
	s.UserID = strconv.FormatInt(int64(userID), 10)
	s.Expires = s.Expires.UTC()
	return s, nil
}

// parseID reads a users.id (SERIAL, int4) written as a canonical decimal
// string; anything else cannot name a row.
func parseID(id string) (int32, bool) {
	n, err := strconv.ParseInt(id, 10, 32)
	if err != nil || strconv.FormatInt(n, 10) != id {
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

// nullable reads a user column: NULL is null, anything else its value.
func nullable(p *string) nextauth.NullString {
	if p == nil {
		return nextauth.Null()
	}
	return nextauth.String(*p)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// SQLSTATE codes the adapter tells apart: the first two map to nextauth
// sentinels.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeUndefinedTable      = "42P01" // the rate-limit tables, before Migrate
)

func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, nextauth.ErrNotFound)
}

// wrap maps no rows to ErrNotFound, a unique violation to ErrConflict and,
// when fkNotFound, a foreign key violation (unknown user) to ErrNotFound;
// the driver error stays in the chain.
func wrap(op string, err error, fkNotFound bool) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(op)
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case pgErr.Code == codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w: %w", op, nextauth.ErrConflict, err)
		case pgErr.Code == codeForeignKeyViolation && fkNotFound:
			return fmt.Errorf("postgres: %s: %w: %w", op, nextauth.ErrNotFound, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}
