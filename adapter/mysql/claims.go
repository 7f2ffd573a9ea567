package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nextauth-go/nextauth"
)

const (
	sqlSetSessionClaims = "INSERT INTO nextauth_session_claims (`sessionToken`, claims) VALUES (?, ?)" +
		" ON DUPLICATE KEY UPDATE claims = VALUES(claims)"
	sqlSessionClaims       = "SELECT claims FROM nextauth_session_claims WHERE `sessionToken` = ?"
	sqlDeleteSessionClaims = "DELETE FROM nextauth_session_claims WHERE `sessionToken` = ?"
	// sqlDeleteUserClaims deletes the claims of a user's sessions, before
	// the sessions go.
	sqlDeleteUserClaims = "DELETE c FROM nextauth_session_claims c" +
		" JOIN sessions s ON s.`sessionToken` = c.`sessionToken` WHERE s.`userId` = ?"
)

// SetSessionClaims stores the claims of the session sessionToken in
// nextauth_session_claims, replacing any ([nextauth.SessionClaimsStore]).
// They are deleted with the session.
func (a *Adapter) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	return setSessionClaims(ctx, a.db, sessionToken, claims)
}

// SessionClaims returns the claims stored for sessionToken; nil when
// there are none.
func (a *Adapter) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	return sessionClaims(ctx, a.db, sessionToken)
}

func setSessionClaims(ctx context.Context, db *sql.DB, sessionToken string, claims map[string]any) error {
	const op = "set session claims"
	b, err := json.Marshal(claims)
	if err != nil {
		return fmt.Errorf("mysql: %s: %w", op, err)
	}
	if _, err := db.ExecContext(ctx, sqlSetSessionClaims, []byte(sessionToken), string(b)); err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

func sessionClaims(ctx context.Context, db *sql.DB, sessionToken string) (map[string]any, error) {
	const op = "session claims"
	var s string
	err := db.QueryRowContext(ctx, sqlSessionClaims, []byte(sessionToken)).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("mysql: %s: %w", op, err)
	}
	return m, nil
}

// execClaims runs a DELETE on nextauth_session_claims; a database
// migrated before step 5 has no claims to delete.
func execClaims(ctx context.Context, x interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, q string, args ...any) error {
	if _, err := x.ExecContext(ctx, q, args...); err != nil && !isCode(err, codeNoSuchTable) {
		return err
	}
	return nil
}

// deleteOrphanClaims deletes the claims whose session, a row of table
// with token column column (both quoted), is gone.
func deleteOrphanClaims(ctx context.Context, db *sql.DB, table, column string) error {
	q := "DELETE FROM nextauth_session_claims WHERE `sessionToken` NOT IN" +
		" (SELECT CAST(" + column + " AS BINARY) FROM " + table + " WHERE " + column + " IS NOT NULL)"
	if err := execClaims(ctx, db, q); err != nil {
		return wrap(ctx, "delete orphan claims", err)
	}
	return nil
}

var _ nextauth.SessionClaimsStore = (*Adapter)(nil)
