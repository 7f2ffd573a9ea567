package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// TestSessionClaims: claims are kept per session, replaced, and deleted
// with their session; UserColumns reads only real columns.
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
	if _, err := a.db.Exec(`ALTER TABLE users ADD COLUMN "role; DROP TABLE users" TEXT`); err != nil {
		t.Fatal(err)
	}
	a.userCols.Store(nil)
	got, err := a.UserColumns(ctx, u.ID, []string{"email", `role; DROP TABLE users`, `x" FROM users; --`})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"email": "a@example.com", "role; DROP TABLE users": nil}) {
		t.Errorf("UserColumns = %v, %v", got, err)
	}
	if _, err := a.UserColumns(ctx, "999", []string{"email"}); !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("UserColumns of an unknown user = %v, want ErrNotFound", err)
	}
}
