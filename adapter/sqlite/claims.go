package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// SetSessionClaims stores the claims of the session sessionToken in
// nextauth_session_claims, replacing any ([nextauth.SessionClaimsStore]).
// The row is deleted with its session.
func (a *Adapter) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	const op = "set session claims"
	b, err := json.Marshal(claims)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := a.lock(ctx); err != nil {
		return wrap(ctx, op, err)
	}
	defer a.unlock()
	_, err = a.db.ExecContext(ctx, `INSERT INTO nextauth_session_claims ("sessionToken", claims) VALUES (?, ?)
ON CONFLICT ("sessionToken") DO UPDATE SET claims = excluded.claims`, sessionToken, string(b))
	if err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// SessionClaims returns the claims stored for sessionToken; nil when
// there are none.
func (a *Adapter) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	const op = "session claims"
	var s string
	err := a.db.QueryRowContext(ctx, `SELECT claims FROM nextauth_session_claims WHERE "sessionToken" = ?`, sessionToken).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return m, nil
}

// UserColumns returns the values of those of names that are columns of
// the users table (read with PRAGMA table_info; the app may have added
// them), as JSON values, for userID's row ([nextauth.UserColumnReader]).
// A column name reaches SQL only once matched against the table's own.
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
	args := []any{}
	for _, n := range names {
		if !cols[n] {
			continue
		}
		if sel.Len() > 0 {
			sel.WriteString(", ")
		}
		sel.WriteString(`?, "` + n + `"`) // n is a real column's name; a double quote in it is refused by userColumnSet
		args = append(args, n)
	}
	// With no column the query still tells an unknown user (no row) from
	// a known one ({}).
	var s string
	err = a.db.QueryRowContext(ctx, `SELECT json_object(`+sel.String()+`) FROM users WHERE id = ?`, append(args, key)...).Scan(&s)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// userColumnSet is the set of the users table's columns, read once.
// Names holding a double quote are left out, so that quoting one is
// enough to use it.
func (a *Adapter) userColumnSet(ctx context.Context) (map[string]bool, error) {
	if cols := a.userCols.Load(); cols != nil {
		return *cols, nil
	}
	rows, err := a.db.QueryContext(ctx, `SELECT name FROM pragma_table_info('users')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !strings.Contains(n, `"`) {
			cols[n] = true
		}
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
