package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// The adapter's SQL. Every WHERE clause is answered by an index or a
// primary key (TestQueryPlans checks), so each call costs the same with a
// thousand rows or a million.
const (
	userColumns = `id, name, email, "emailVerified", image`

	sqlCreateUser = `INSERT INTO users (name, email, "emailVerified", image) VALUES (?, ?, ?, ?) RETURNING id`
	sqlGetUser    = `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	sqlGetByEmail = `SELECT ` + userColumns + ` FROM users WHERE email = ?`
	sqlGetByAcct  = `SELECT u.id, u.name, u.email, u."emailVerified", u.image
		FROM accounts a JOIN users u ON u.id = a."userId"
		WHERE a.provider = ? AND a."providerAccountId" = ?`
	sqlUpdateUser = `UPDATE users SET name = ?, email = ?, "emailVerified" = ?, image = ? WHERE id = ?
		RETURNING ` + userColumns
	sqlDeleteUserSessions = `DELETE FROM sessions WHERE "userId" = ?`
	sqlDeleteUserAccounts = `DELETE FROM accounts WHERE "userId" = ?`
	sqlDeleteUser         = `DELETE FROM users WHERE id = ?`

	// LinkAccount and CreateSession insert from the user's row: no user, no
	// row, whether or not foreign keys are enforced on the connection.
	sqlLinkAccount = `INSERT INTO accounts ("userId", type, provider, "providerAccountId",
		refresh_token, access_token, expires_at, id_token, scope, session_state, token_type)
		SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM users WHERE id = ?1`
	accountColumns = `"userId", type, provider, "providerAccountId",
		refresh_token, access_token, expires_at, id_token, scope, session_state, token_type`

	sqlGetAccount = `SELECT ` + accountColumns + ` FROM accounts WHERE provider = ? AND "providerAccountId" = ?`
	// Several accounts at one provider: the most recently linked, which
	// has the largest id (a new rowid is the largest so far plus one). The
	// "userId" index yields its rows in id order, so nothing is sorted.
	sqlGetUserAccount = `SELECT ` + accountColumns + ` FROM accounts
		WHERE "userId" = ? AND provider = ? ORDER BY id DESC LIMIT 1`
	sqlUpdateAccount = `UPDATE accounts SET refresh_token = ?3, access_token = ?4, expires_at = ?5,
		id_token = ?6, scope = ?7, session_state = ?8, token_type = ?9
		WHERE provider = ?1 AND "providerAccountId" = ?2
		RETURNING ` + accountColumns
	sqlUnlinkAccount = `DELETE FROM accounts WHERE provider = ? AND "providerAccountId" = ?`

	sqlCreateSession     = `INSERT INTO sessions ("userId", expires, "sessionToken") SELECT id, ?2, ?3 FROM users WHERE id = ?1`
	sqlGetSessionAndUser = `SELECT s."userId", s.expires, u.name, u.email, u."emailVerified", u.image
		FROM sessions s JOIN users u ON u.id = s."userId"
		WHERE s."sessionToken" = ?`
	sqlUpdateSession = `UPDATE sessions SET expires = ? WHERE "sessionToken" = ? RETURNING "userId", expires`
	sqlDeleteSession = `DELETE FROM sessions WHERE "sessionToken" = ? RETURNING "userId", expires`

	sqlCreateToken = `INSERT INTO verification_token (identifier, expires, token) VALUES (?, ?, ?)`
	sqlUseToken    = `DELETE FROM verification_token WHERE identifier = ? AND token = ? RETURNING identifier, expires, token`

	// Expired rows go in batches of ? so that one sweep never holds the
	// write lock for long.
	sqlDeleteExpiredSessions = `DELETE FROM sessions WHERE id IN
		(SELECT id FROM sessions WHERE expires < ? LIMIT ?)`
	sqlDeleteExpiredTokens = `DELETE FROM verification_token WHERE rowid IN
		(SELECT rowid FROM verification_token WHERE expires < ? LIMIT ?)`

	// SessionLister: a user's sessions through the "userId" index (sorted
	// in Go: a user has few).
	sqlListSessions = `SELECT "sessionToken", expires FROM sessions WHERE "userId" = ?`

	// JWTRevoker. Revoking again keeps the later end and, while the user's
	// record lives (expires > ?4, now), the later "before"; an ended record
	// is replaced. JWTRevoked is one statement: two primary key lookups.
	sqlRevokeJWT = `INSERT INTO nextauth_revoked_sessions (sid, expires) VALUES (?1, ?2)
		ON CONFLICT (sid) DO UPDATE SET expires = max(expires, excluded.expires)`
	sqlRevokeUserJWTs = `INSERT INTO nextauth_revoked_users ("userId", before, expires) VALUES (?1, ?2, ?3)
		ON CONFLICT ("userId") DO UPDATE SET
		before = CASE WHEN expires > ?4 THEN max(before, excluded.before) ELSE excluded.before END,
		expires = max(expires, excluded.expires)`
	sqlJWTRevoked = `SELECT EXISTS (SELECT 1 FROM nextauth_revoked_sessions WHERE sid = ?1 AND expires > ?4)
		OR EXISTS (SELECT 1 FROM nextauth_revoked_users WHERE "userId" = ?2 AND before > ?3 AND expires > ?4)`
	sqlDeleteExpiredRevokedSessions = `DELETE FROM nextauth_revoked_sessions WHERE rowid IN
		(SELECT rowid FROM nextauth_revoked_sessions WHERE expires < ? LIMIT ?)`
	sqlDeleteExpiredRevokedUsers = `DELETE FROM nextauth_revoked_users WHERE rowid IN
		(SELECT rowid FROM nextauth_revoked_users WHERE expires < ? LIMIT ?)`
)

// statements are the adapter's prepared statements. database/sql prepares
// each once per pooled connection, on first use there.
type statements struct {
	createUser, getUser, getByEmail, getByAcct, updateUser         *sql.Stmt
	deleteUserSessions, deleteUserAccounts, deleteUser             *sql.Stmt
	linkAccount, getAccount, unlinkAccount                         *sql.Stmt
	getUserAccount, updateAccount                                  *sql.Stmt
	createSession, getSessionAndUser, updateSession, deleteSession *sql.Stmt
	createToken, useToken                                          *sql.Stmt
	deleteExpiredSessions, deleteExpiredTokens                     *sql.Stmt
	listSessions                                                   *sql.Stmt
	revokeJWT, revokeUserJWTs, jwtRevoked                          *sql.Stmt
	deleteExpiredRevokedSessions, deleteExpiredRevokedUsers        *sql.Stmt
}

// prepare prepares every statement on db, or only those on the server
// tables when serverOnly; they need the schema.
func prepare(ctx context.Context, db *sql.DB, serverOnly bool) (*statements, error) {
	st := &statements{}
	list := st.list()
	if serverOnly {
		list = st.serverList()
	}
	for _, p := range list {
		s, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			st.close()
			return nil, err
		}
		*p.stmt = s
	}
	return st, nil
}

// statement is a statement field and its SQL.
type statement struct {
	stmt  **sql.Stmt
	query string
}

// list pairs each statement field with its SQL.
func (st *statements) list() []statement {
	return append([]statement{
		{&st.createUser, sqlCreateUser},
		{&st.getUser, sqlGetUser},
		{&st.getByEmail, sqlGetByEmail},
		{&st.getByAcct, sqlGetByAcct},
		{&st.updateUser, sqlUpdateUser},
		{&st.deleteUserSessions, sqlDeleteUserSessions},
		{&st.deleteUserAccounts, sqlDeleteUserAccounts},
		{&st.deleteUser, sqlDeleteUser},
		{&st.linkAccount, sqlLinkAccount},
		{&st.getAccount, sqlGetAccount},
		{&st.unlinkAccount, sqlUnlinkAccount},
		{&st.getUserAccount, sqlGetUserAccount},
		{&st.updateAccount, sqlUpdateAccount},
		{&st.createSession, sqlCreateSession},
		{&st.getSessionAndUser, sqlGetSessionAndUser},
		{&st.updateSession, sqlUpdateSession},
		{&st.deleteSession, sqlDeleteSession},
		{&st.createToken, sqlCreateToken},
		{&st.useToken, sqlUseToken},
		{&st.deleteExpiredSessions, sqlDeleteExpiredSessions},
		{&st.deleteExpiredTokens, sqlDeleteExpiredTokens},
		{&st.listSessions, sqlListSessions},
	}, st.serverList()...)
}

// serverList pairs the statements on the server tables (nextauth_*) with
// their SQL.
func (st *statements) serverList() []statement {
	return []statement{
		{&st.revokeJWT, sqlRevokeJWT},
		{&st.revokeUserJWTs, sqlRevokeUserJWTs},
		{&st.jwtRevoked, sqlJWTRevoked},
		{&st.deleteExpiredRevokedSessions, sqlDeleteExpiredRevokedSessions},
		{&st.deleteExpiredRevokedUsers, sqlDeleteExpiredRevokedUsers},
	}
}

// close closes the statements prepared so far.
func (st *statements) close() error {
	var errs []error
	for _, p := range st.list() {
		if *p.stmt != nil {
			errs = append(errs, (*p.stmt).Close())
		}
	}
	return errors.Join(errs...)
}
