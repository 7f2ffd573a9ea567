package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nextauth-go/nextauth"
)

// createClaimsTable is migration 6: the claims computed at sign-in,
// beside their database session, as JSONB. No foreign key: a pg-adapter
// schema need not have a unique "sessionToken"; DeleteExpired removes the
// rows whose session is gone.
func createClaimsTable(ctx context.Context, tx pgx.Tx) ([]string, error) {
	const ddl = `CREATE TABLE IF NOT EXISTS nextauth_session_claims (
  "sessionToken" TEXT NOT NULL,
  claims         JSONB NOT NULL,
  PRIMARY KEY ("sessionToken")
)`
	_, err := tx.Exec(ctx, ddl)
	return nil, err
}

// SetSessionClaims stores the claims of the session sessionToken in
// nextauth_session_claims, replacing any ([nextauth.SessionClaimsStore]).
func (a *Adapter) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	const op = "set session claims"
	b, err := json.Marshal(claims)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err = a.pool.Exec(ctx, `INSERT INTO nextauth_session_claims ("sessionToken", claims) VALUES ($1, $2::jsonb)
ON CONFLICT ("sessionToken") DO UPDATE SET claims = EXCLUDED.claims`, sessionToken, string(b))
	if err != nil {
		return wrap(op, err, false)
	}
	return nil
}

// SessionClaims returns the claims stored for sessionToken; nil when
// there are none.
func (a *Adapter) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	const op = "session claims"
	var s string
	err := a.pool.QueryRow(ctx, `SELECT claims::text FROM nextauth_session_claims WHERE "sessionToken" = $1`, sessionToken).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(op, err, false)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return m, nil
}

// deleteOrphanClaims deletes the claims of sessions that are gone.
func (a *Adapter) deleteOrphanClaims(ctx context.Context) error {
	_, err := a.pool.Exec(ctx, `DELETE FROM nextauth_session_claims c
WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s."sessionToken" = c."sessionToken")`)
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == codeUndefinedTable {
		return nil // not migrated to version 6 yet
	}
	if err != nil {
		return wrap("delete orphan claims", err, false)
	}
	return nil
}

// UserColumns returns the values of those of names that are columns of
// the users table (read from information_schema; the app may have added
// them), as JSON values, for userID's row ([nextauth.UserColumnReader]).
// A column name reaches SQL only once matched against the table's own,
// quoted.
func (a *Adapter) UserColumns(ctx context.Context, userID string, names []string) (map[string]any, error) {
	const op = "user columns"
	key, ok := parseID(userID)
	if !ok {
		return nil, notFound(op)
	}
	cols, err := a.userColumnSet(ctx)
	if err != nil {
		return nil, wrap(op, err, false)
	}
	var sel strings.Builder
	args := []any{key}
	for _, n := range names {
		if !cols[n] {
			continue
		}
		if len(args) > 1 {
			sel.WriteString(", ")
		}
		args = append(args, n)
		fmt.Fprintf(&sel, `$%d::text, %s`, len(args), pgx.Identifier{n}.Sanitize())
	}
	// With no column the query still tells an unknown user (no row) from
	// a known one ({}).
	var s string
	if err := a.pool.QueryRow(ctx, `SELECT json_build_object(`+sel.String()+`)::text FROM users WHERE id = $1`, args...).Scan(&s); err != nil {
		return nil, wrap(op, err, false)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// userColumnSet is the set of the users table's columns (in the search
// path's schema), read once.
func (a *Adapter) userColumnSet(ctx context.Context) (map[string]bool, error) {
	if cols := a.userCols.Load(); cols != nil {
		return *cols, nil
	}
	rows, err := a.pool.Query(ctx, `SELECT column_name::text FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'users'`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	cols := make(map[string]bool, len(names))
	for _, n := range names {
		cols[n] = true
	}
	a.userCols.Store(&cols)
	return cols, nil
}

var (
	_ nextauth.SessionClaimsStore = (*Adapter)(nil)
	_ nextauth.UserColumnReader   = (*Adapter)(nil)
)
