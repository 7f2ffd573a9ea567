package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/nextauth-go/nextauth"
)

// expiredBatch is how many expired rows one DELETE of DeleteExpired removes.
const expiredBatch = 1000

// CreateUser stores u (u.ID is ignored) and returns it with its new ID, the
// decimal form of the integer key. An e-mail already used is
// [nextauth.ErrConflict].
func (a *Adapter) CreateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	const op = "create user"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.User{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	var id int64
	err = st.createUser.QueryRowContext(ctx, nullField(u.Name), nullField(u.Email), nullTime(u.EmailVerified), nullField(u.Image)).Scan(&id)
	if err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	u.ID = strconv.FormatInt(id, 10)
	u.Name, u.Email, u.Image = storedField(u.Name), storedField(u.Email), storedField(u.Image)
	u.EmailVerified = storedTime(u.EmailVerified)
	return u, nil
}

// GetUser returns the user with id; an id that is not the decimal form of
// an integer key is [nextauth.ErrNotFound].
func (a *Adapter) GetUser(ctx context.Context, id string) (nextauth.User, error) {
	const op = "get user"
	key, ok := parseID(id)
	if !ok {
		return nextauth.User{}, notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.User{}, err
	}
	u, err := scanUser(st.getUser.QueryRowContext(ctx, key))
	if err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	return u, nil
}

// GetUserByEmail returns the user with exactly this e-mail (byte for byte:
// no case folding, as the flows lower-case e-mails themselves).
func (a *Adapter) GetUserByEmail(ctx context.Context, email string) (nextauth.User, error) {
	const op = "get user by email"
	if email == "" {
		return nextauth.User{}, notFound(op) // "" is NULL: nobody's e-mail
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.User{}, err
	}
	u, err := scanUser(st.getByEmail.QueryRowContext(ctx, email))
	if err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	return u, nil
}

// GetUserByAccount returns the user linked to the provider account.
func (a *Adapter) GetUserByAccount(ctx context.Context, provider, providerAccountID string) (nextauth.User, error) {
	const op = "get user by account"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.User{}, err
	}
	u, err := scanUser(st.getByAcct.QueryRowContext(ctx, provider, providerAccountID))
	if err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	return u, nil
}

// UpdateUser replaces the name, e-mail, image and EmailVerified of the user
// with u.ID (empty and nil values clear them) and returns the stored user.
func (a *Adapter) UpdateUser(ctx context.Context, u nextauth.User) (nextauth.User, error) {
	const op = "update user"
	key, ok := parseID(u.ID)
	if !ok {
		return nextauth.User{}, notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.User{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	got, err := scanUser(st.updateUser.QueryRowContext(ctx,
		nullField(u.Name), nullField(u.Email), nullTime(u.EmailVerified), nullField(u.Image), key))
	if err != nil {
		return nextauth.User{}, wrap(ctx, op, err)
	}
	return got, nil
}

// DeleteUser deletes the user with id, its accounts and its sessions, in
// one transaction. An unknown id is [nextauth.ErrNotFound].
func (a *Adapter) DeleteUser(ctx context.Context, id string) (err error) {
	const op = "delete user"
	key, ok := parseID(id)
	if !ok {
		return notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(ctx, op, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// Explicit rather than left to ON DELETE CASCADE, which needs
	// foreign_keys=ON on the connection.
	for _, s := range []*sql.Stmt{st.deleteUserSessions, st.deleteUserAccounts} {
		if _, err := tx.StmtContext(ctx, s).ExecContext(ctx, key); err != nil {
			return wrap(ctx, op, err)
		}
	}
	res, err := tx.StmtContext(ctx, st.deleteUser).ExecContext(ctx, key)
	if err != nil {
		return wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(ctx, op, err)
	}
	if n == 0 {
		err = notFound(op)
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// LinkAccount stores a provider account of user acct.UserID. The same
// provider account linked twice is [nextauth.ErrConflict]; an unknown user
// is [nextauth.ErrNotFound].
func (a *Adapter) LinkAccount(ctx context.Context, acct nextauth.Account) error {
	const op = "link account"
	key, ok := parseID(acct.UserID)
	if !ok {
		return notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	res, err := st.linkAccount.ExecContext(ctx, key, acct.Type, acct.Provider, acct.ProviderAccountID,
		nullString(acct.RefreshToken), nullString(acct.AccessToken), nullInt(acct.ExpiresAt), nullString(acct.IDToken),
		nullString(acct.Scope), nullString(acct.SessionState), nullString(acct.TokenType))
	if err != nil {
		return wrap(ctx, op, err)
	}
	return mustAffect(ctx, op, res)
}

// GetAccount returns the provider account as stored (Auth.js's getAccount;
// not part of [nextauth.Adapter]).
func (a *Adapter) GetAccount(ctx context.Context, provider, providerAccountID string) (nextauth.Account, error) {
	const op = "get account"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.Account{}, err
	}
	acct, err := scanAccount(st.getAccount.QueryRowContext(ctx, provider, providerAccountID))
	if err != nil {
		return nextauth.Account{}, wrap(ctx, op, err)
	}
	return acct, nil
}

// GetUserAccount returns userID's account at provider, found through the
// "userId" index. Of several accounts at one provider it returns the most
// recently linked. An id that is not the decimal form of an integer key is
// [nextauth.ErrNotFound].
func (a *Adapter) GetUserAccount(ctx context.Context, userID, provider string) (nextauth.Account, error) {
	const op = "get user account"
	key, ok := parseID(userID)
	if !ok {
		return nextauth.Account{}, notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.Account{}, err
	}
	acct, err := scanAccount(st.getUserAccount.QueryRowContext(ctx, key, provider))
	if err != nil {
		return nextauth.Account{}, wrap(ctx, op, err)
	}
	return acct, nil
}

// UpdateAccount replaces the token fields of the account (acct.Provider,
// acct.ProviderAccountID), empty ones with NULL, in one UPDATE …
// RETURNING, and returns the stored account; its UserID and Type stay as
// linked. An account that is not linked is [nextauth.ErrNotFound].
func (a *Adapter) UpdateAccount(ctx context.Context, acct nextauth.Account) (nextauth.Account, error) {
	const op = "update account"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.Account{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.Account{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	got, err := scanAccount(st.updateAccount.QueryRowContext(ctx, acct.Provider, acct.ProviderAccountID,
		nullString(acct.RefreshToken), nullString(acct.AccessToken), nullInt(acct.ExpiresAt), nullString(acct.IDToken),
		nullString(acct.Scope), nullString(acct.SessionState), nullString(acct.TokenType)))
	if err != nil {
		return nextauth.Account{}, wrap(ctx, op, err)
	}
	return got, nil
}

// UnlinkAccount removes the provider account; one that is not linked is
// [nextauth.ErrNotFound].
func (a *Adapter) UnlinkAccount(ctx context.Context, provider, providerAccountID string) error {
	const op = "unlink account"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	res, err := st.unlinkAccount.ExecContext(ctx, provider, providerAccountID)
	if err != nil {
		return wrap(ctx, op, err)
	}
	return mustAffect(ctx, op, res)
}

// CreateSession stores a database session; an unknown user is
// [nextauth.ErrNotFound], a reused token [nextauth.ErrConflict].
func (a *Adapter) CreateSession(ctx context.Context, s nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	const op = "create session"
	key, ok := parseID(s.UserID)
	if !ok {
		return nextauth.AdapterSession{}, notFound(op)
	}
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.AdapterSession{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	res, err := st.createSession.ExecContext(ctx, key, s.Expires.UnixMilli(), s.SessionToken)
	if err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	if err := mustAffect(ctx, op, res); err != nil {
		return nextauth.AdapterSession{}, err
	}
	s.UserID = strconv.FormatInt(key, 10)
	s.Expires = fromMillis(s.Expires.UnixMilli())
	return s, nil
}

// GetSessionAndUser returns the session with sessionToken and its user,
// expired or not, in one indexed query.
func (a *Adapter) GetSessionAndUser(ctx context.Context, sessionToken string) (nextauth.AdapterSession, nextauth.User, error) {
	const op = "get session and user"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, err
	}
	var (
		userID, expires    int64
		name, email, image sql.NullString
		emailVerified      sql.NullInt64
	)
	err = st.getSessionAndUser.QueryRowContext(ctx, sessionToken).Scan(&userID, &expires, &name, &email, &emailVerified, &image)
	if err != nil {
		return nextauth.AdapterSession{}, nextauth.User{}, wrap(ctx, op, err)
	}
	id := strconv.FormatInt(userID, 10)
	s := nextauth.AdapterSession{SessionToken: sessionToken, UserID: id, Expires: fromMillis(expires)}
	u := nextauth.User{ID: id, Name: field(name), Email: field(email), Image: field(image), EmailVerified: nullMillis(emailVerified)}
	return s, u, nil
}

// UpdateSession sets a session's expiry and returns the stored session.
func (a *Adapter) UpdateSession(ctx context.Context, sessionToken string, expires time.Time) (nextauth.AdapterSession, error) {
	const op = "update session"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.AdapterSession{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	s, err := scanSession(sessionToken, st.updateSession.QueryRowContext(ctx, expires.UnixMilli(), sessionToken))
	if err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	return s, nil
}

// DeleteSession deletes a session and returns what was deleted.
func (a *Adapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	const op = "delete session"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.AdapterSession{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	s, err := scanSession(sessionToken, st.deleteSession.QueryRowContext(ctx, sessionToken))
	if err != nil {
		return nextauth.AdapterSession{}, wrap(ctx, op, err)
	}
	return s, nil
}

// CreateVerificationToken stores an e-mail sign-in token; an (identifier,
// token) pair already stored is [nextauth.ErrConflict].
func (a *Adapter) CreateVerificationToken(ctx context.Context, t nextauth.VerificationToken) error {
	const op = "create verification token"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return err
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	if _, err := st.createToken.ExecContext(ctx, t.Identifier, t.Expires.UnixMilli(), t.Token); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// UseVerificationToken deletes the token and returns it, expired or not,
// with one DELETE … RETURNING: of two concurrent calls, exactly one gets it.
func (a *Adapter) UseVerificationToken(ctx context.Context, identifier, token string) (nextauth.VerificationToken, error) {
	const op = "use verification token"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return nextauth.VerificationToken{}, err
	}
	if err := a.lock(ctx); err != nil {
		return nextauth.VerificationToken{}, wrap(ctx, op, err)
	}
	defer a.unlock()
	var (
		t       nextauth.VerificationToken
		expires int64
	)
	if err := st.useToken.QueryRowContext(ctx, identifier, token).Scan(&t.Identifier, &expires, &t.Token); err != nil {
		return nextauth.VerificationToken{}, wrap(ctx, op, err)
	}
	t.Expires = fromMillis(expires)
	return t, nil
}

// DeleteExpired deletes the sessions and verification tokens whose expiry is
// before now (NextAuth's "expires < now"), a thousand rows per statement so
// that requests keep getting the write lock in between, and returns how
// many of each it deleted. It then deletes the JWT revocations that ended
// before now (not counted). On error, the counts say what was deleted
// before.
func (a *Adapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	const op = "delete expired"
	st, err := a.statementsFor(ctx)
	if err != nil {
		return 0, 0, err
	}
	cutoff := now.UnixMilli()
	if a.serverOnly {
		return 0, 0, a.deleteExpiredRevocations(ctx, st, cutoff)
	}
	sessions, err = a.deleteBatches(ctx, op, st.deleteExpiredSessions, cutoff)
	if err != nil {
		return sessions, 0, err
	}
	tokens, err = a.deleteBatches(ctx, op, st.deleteExpiredTokens, cutoff)
	if err != nil {
		return sessions, tokens, err
	}
	return sessions, tokens, a.deleteExpiredRevocations(ctx, st, cutoff)
}

// deleteExpiredRevocations deletes the JWT revocations that ended before
// cutoff (Unix milliseconds).
func (a *Adapter) deleteExpiredRevocations(ctx context.Context, st *statements, cutoff int64) error {
	for _, s := range []*sql.Stmt{st.deleteExpiredRevokedSessions, st.deleteExpiredRevokedUsers} {
		if _, err := a.deleteBatches(ctx, "delete expired", s, cutoff); err != nil {
			return err
		}
	}
	return nil
}

// deleteBatches runs s(cutoff, expiredBatch) until it deletes less than a
// full batch, taking the write lock for each run only.
func (a *Adapter) deleteBatches(ctx context.Context, op string, s *sql.Stmt, cutoff int64) (int64, error) {
	var total int64
	for {
		n, err := a.deleteBatch(ctx, s, cutoff)
		total += n
		if err != nil {
			return total, wrap(ctx, op, err)
		}
		if n < expiredBatch {
			return total, nil
		}
	}
}

// deleteBatch runs one batch of deleteBatches under the write lock.
func (a *Adapter) deleteBatch(ctx context.Context, s *sql.Stmt, cutoff int64) (int64, error) {
	if err := a.lock(ctx); err != nil {
		return 0, err
	}
	defer a.unlock()
	res, err := s.ExecContext(ctx, cutoff, expiredBatch)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// parseID returns the integer key of a user id in canonical decimal form.
func parseID(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	return n, true
}

// mustAffect turns a statement that changed no row into
// [nextauth.ErrNotFound].
func mustAffect(ctx context.Context, op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(ctx, op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// scanUser reads the columns of userColumns.
func scanUser(row *sql.Row) (nextauth.User, error) {
	var (
		id                 int64
		name, email, image sql.NullString
		emailVerified      sql.NullInt64
	)
	if err := row.Scan(&id, &name, &email, &emailVerified, &image); err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{
		ID:            strconv.FormatInt(id, 10),
		Name:          field(name),
		Email:         field(email),
		Image:         field(image),
		EmailVerified: nullMillis(emailVerified),
	}, nil
}

// scanAccount reads the columns of accountColumns.
func scanAccount(row *sql.Row) (nextauth.Account, error) {
	var (
		userID                                 int64
		refresh, access, idToken, scope, state sql.NullString
		tokenType                              sql.NullString
		expiresAt                              sql.NullInt64
		acct                                   nextauth.Account
	)
	err := row.Scan(&userID, &acct.Type, &acct.Provider, &acct.ProviderAccountID,
		&refresh, &access, &expiresAt, &idToken, &scope, &state, &tokenType)
	if err != nil {
		return nextauth.Account{}, err
	}
	acct.UserID = strconv.FormatInt(userID, 10)
	acct.RefreshToken, acct.AccessToken, acct.IDToken = refresh.String, access.String, idToken.String
	acct.Scope, acct.SessionState, acct.TokenType = scope.String, state.String, tokenType.String
	acct.ExpiresAt = expiresAt.Int64
	return acct, nil
}

// scanSession reads "userId", expires of the session with token.
func scanSession(token string, row *sql.Row) (nextauth.AdapterSession, error) {
	var userID, expires int64
	if err := row.Scan(&userID, &expires); err != nil {
		return nextauth.AdapterSession{}, err
	}
	return nextauth.AdapterSession{SessionToken: token, UserID: strconv.FormatInt(userID, 10), Expires: fromMillis(expires)}, nil
}

// nullField is a user field as stored: NULL when null, absent or "".
func nullField(n nextauth.NullString) any { return nullString(n.String()) }

// storedField is n as nullField stores it and field reads it back.
func storedField(n nextauth.NullString) nextauth.NullString {
	return nextauth.NullIfEmpty(n.String())
}

// field reads a user column: NULL is null, anything else its value.
func field(ns sql.NullString) nextauth.NullString {
	if !ns.Valid {
		return nextauth.Null()
	}
	return nextauth.String(ns.String)
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullInt is n, or NULL for 0.
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// nullTime is *t in milliseconds since the epoch, or NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// storedTime is *t as it comes back from the database.
func storedTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := fromMillis(t.UnixMilli())
	return &v
}

// nullMillis is the time of a nullable milliseconds column.
func nullMillis(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMillis(ms.Int64)
	return &t
}

// fromMillis is the UTC time ms milliseconds after the Unix epoch.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
