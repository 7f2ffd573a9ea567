package config

import (
	"context"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
)

// serverTables are a database engine's nextauth_* tables of the server's
// own (adapter/postgres, adapter/mysql and adapter/sqlite ServerTables),
// kept beside another adapter's layout for what that layout has no table
// for: JWT revocation, the claims of database sessions, and shared rate
// limits where the engine keeps them.
type serverTables interface {
	nextauth.JWTRevoker
	nextauth.SessionClaimsStore
	Migrate(ctx context.Context) error
	DeleteExpired(ctx context.Context, now time.Time) error
	// DeleteSessionClaims deletes one session's claims.
	DeleteSessionClaims(ctx context.Context, sessionToken string) error
	// DeleteOrphanSessionClaims deletes the claims whose session is no
	// longer a row of table (quoted) with the token in column (quoted).
	DeleteOrphanSessionClaims(ctx context.Context, table, column string) error
}

// foreignAdapter is another adapter's layout (adapter/sqllayout) with the
// server's own tables beside it.
type foreignAdapter struct {
	*sqllayout.Adapter
	own serverTables
}

var (
	_ nextauth.JWTRevoker         = foreignAdapter{}
	_ nextauth.ExpiredDeleter     = foreignAdapter{}
	_ nextauth.SessionLister      = foreignAdapter{}
	_ nextauth.SessionClaimsStore = foreignAdapter{}
	_ nextauth.UserColumnReader   = foreignAdapter{}
	_ rateStorer                  = foreignAdapter{}
)

// SetSessionClaims stores a database session's claims in the server's
// tables (the layout has no column for them).
func (f foreignAdapter) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	return f.own.SetSessionClaims(ctx, sessionToken, claims)
}

// SessionClaims reads a database session's claims from the server's
// tables.
func (f foreignAdapter) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	return f.own.SessionClaims(ctx, sessionToken)
}

// DeleteSession deletes the layout's session, then its claims in the
// server's tables (those of an unknown session too). The claims of
// sessions deleted otherwise (DeleteUser, DeleteUserSessions, the
// application itself) are removed by DeleteExpired.
func (f foreignAdapter) DeleteSession(ctx context.Context, sessionToken string) (nextauth.AdapterSession, error) {
	s, err := f.Adapter.DeleteSession(ctx, sessionToken)
	if cerr := f.own.DeleteSessionClaims(ctx, sessionToken); err == nil && cerr != nil {
		return s, cerr
	}
	return s, err
}

// RevokeJWT records the revocation in the server's tables.
func (f foreignAdapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	return f.own.RevokeJWT(ctx, sid, expires)
}

// RevokeUserJWTs records the revocation in the server's tables.
func (f foreignAdapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	return f.own.RevokeUserJWTs(ctx, userID, before, maxAge)
}

// JWTRevoked looks in the server's tables.
func (f foreignAdapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	return f.own.JWTRevoked(ctx, sid, userID, authTime)
}

// DeleteExpired deletes the layout's expired sessions and e-mail tokens,
// then the stale rows of the server's tables and the claims whose session
// row is gone.
func (f foreignAdapter) DeleteExpired(ctx context.Context, now time.Time) (sessions, tokens int64, err error) {
	sessions, tokens, err = f.Adapter.DeleteExpired(ctx, now)
	if err != nil {
		return sessions, tokens, err
	}
	if err := f.own.DeleteExpired(ctx, now); err != nil {
		return sessions, tokens, err
	}
	table, column := f.SessionTokens()
	return sessions, tokens, f.own.DeleteOrphanSessionClaims(ctx, table, column)
}

// RateStore is the server tables' rate store, or nil (the in-process
// default) when the engine keeps none (SQLite).
func (f foreignAdapter) RateStore() nextauth.RateStore {
	if rs, ok := f.own.(rateStorer); ok {
		return rs.RateStore()
	}
	return nil
}

// beside serves a, another adapter's layout, with own, the server's
// tables, beside it: own's missing tables are created first. With
// database_options.server_tables: false it serves a alone and creates
// nothing.
func (f *File) beside(ctx context.Context, a *sqllayout.Adapter, own serverTables) (nextauth.Adapter, error) {
	if !f.DatabaseOptions.serverTables() {
		return a, nil
	}
	if err := own.Migrate(ctx); err != nil {
		return nil, err
	}
	return foreignAdapter{Adapter: a, own: own}, nil
}

// serverTables reports database_options.server_tables (default true).
func (o DatabaseOptions) serverTables() bool { return o.ServerTables == nil || *o.ServerTables }
