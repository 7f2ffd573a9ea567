package sqlite

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestSessionClaims: claims are kept per session, replaced, and deleted
// with their session.
func TestSessionClaims(t *testing.T) {
	ctx := context.Background()
	a, err := OpenAdapter(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "tok", UserID: u.ID, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, claims := range []map[string]any{{"role": "user"}, {"role": "admin", "groups": []any{"a"}}} {
		if err := a.SetSessionClaims(ctx, "tok", claims); err != nil {
			t.Fatal(err)
		}
		if got, err := a.SessionClaims(ctx, "tok"); err != nil || !reflect.DeepEqual(got, claims) {
			t.Errorf("SessionClaims = %v, %v; want %v", got, err, claims)
		}
	}
	if _, err := a.DeleteSession(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.SessionClaims(ctx, "tok"); err != nil || got != nil {
		t.Errorf("SessionClaims after DeleteSession = %v, %v; want none", got, err)
	}
}

// TestUserColumns runs the shared UserColumns check on columns added to
// the default layout's users table.
func TestUserColumns(t *testing.T) {
	ctx := context.Background()
	a, err := OpenAdapter(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	exec := func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := a.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	adaptertest.RunUserColumns(t, adaptertest.UserColumnsCase{
		AddColumns: func(t *testing.T) {
			exec(t, `ALTER TABLE users ADD COLUMN role TEXT`)
			exec(t, `ALTER TABLE users ADD COLUMN age INTEGER`)
			exec(t, `ALTER TABLE users ADD COLUMN "`+adaptertest.UserColumnDrop+`" TEXT`)
		},
		Adapter: func(*testing.T) adaptertest.UserColumnsAdapter { return a },
		Set: func(t *testing.T, id string) {
			exec(t, `UPDATE users SET role = 'admin', age = 42, "`+adaptertest.UserColumnDrop+`" = 'x' WHERE id = ?`, id)
		},
		UnknownUserID: "999",
	})
}
