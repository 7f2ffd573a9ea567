package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// UserColumns returns the values of those of names that are columns of
// the users table (read from information_schema; the app may have added
// them), as JSON values, for userID's row ([nextauth.UserColumnReader]).
// A column name reaches SQL only once matched against the table's own,
// quoted. The values are JSON_OBJECT's: numbers (BOOLEAN, a TINYINT(1), as
// 0 or 1; BIT as an unsigned number), JSON columns as JSON, binary
// strings (users.email is VARBINARY) as utf8mb4 text, times and the rest
// as MySQL writes them as text.
func (a *Adapter) UserColumns(ctx context.Context, userID string, names []string) (map[string]any, error) {
	const op = "user columns"
	key, ok := parseID(userID)
	if !ok {
		return nil, notFound(op)
	}
	cols, err := a.userColumnSet(ctx)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var sel strings.Builder
	var args []any
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		typ, ok := cols[n]
		if !ok || seen[n] {
			continue
		}
		seen[n] = true
		if len(args) > 0 {
			sel.WriteString(", ")
		}
		sel.WriteString("?, " + columnJSON(n, typ))
		args = append(args, n)
	}
	// With no column the query still tells an unknown user (no row) from
	// a known one ({}).
	var s string
	err = a.db.QueryRowContext(ctx, "SELECT JSON_OBJECT("+sel.String()+") FROM users WHERE id = ?", append(args, key)...).Scan(&s)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("mysql: %s: %w", op, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// columnJSON is the expression that hands column n, of information_schema
// data type typ, to JSON_OBJECT: binary strings converted to text (MySQL 8
// would write them as base64), BIT as a number (MariaDB writes its raw
// bytes, which is not JSON).
func columnJSON(n, typ string) string {
	q := "`" + strings.ReplaceAll(n, "`", "``") + "`"
	switch typ {
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return "CONVERT(" + q + " USING utf8mb4)"
	case "bit":
		return "CAST(" + q + " AS UNSIGNED)"
	}
	return q
}

// userColumnSet maps each column of the users table (in the connection's
// database) to its data type, in lower case; read once.
func (a *Adapter) userColumnSet(ctx context.Context) (map[string]string, error) {
	if cols := a.userCols.Load(); cols != nil {
		return *cols, nil
	}
	rows, err := a.db.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns"+
		" WHERE table_schema = DATABASE() AND table_name = 'users'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			return nil, err
		}
		cols[n] = strings.ToLower(typ)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	a.userCols.Store(&cols)
	return cols, nil
}

var (
	_ nextauth.SessionClaimsStore = (*Adapter)(nil)
	_ nextauth.UserColumnReader   = (*Adapter)(nil)
)
