package adaptertest

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/nextauth-go/nextauth"
)

// UserColumnsAdapter is an adapter that reads the columns an application
// added to its user model ([nextauth.UserColumnReader]).
type UserColumnsAdapter interface {
	nextauth.Adapter
	nextauth.UserColumnReader
}

// UserColumnsCase is the store under [RunUserColumns].
type UserColumnsCase struct {
	// AddColumns adds to the user table the application's columns role
	// (text), age (integer) and "role; DROP TABLE users" (text: a name
	// SQL must quote), as the application's migration would. Nil for a
	// store without a schema (Redis), where a field is a column of the
	// records that have it: there a field not set yet is left out, where
	// an added column reads null.
	AddColumns func(t *testing.T)
	// Adapter returns the adapter; it is called after AddColumns, as an
	// adapter may read the table's columns once.
	Adapter func(t *testing.T) UserColumnsAdapter
	// Set sets, in userID's row only, role to 'admin', age to 42 and
	// "role; DROP TABLE users" to 'x', as the application would.
	Set func(t *testing.T, userID string)
	// UnknownUserID is an id of the adapter's form that names no user.
	UnknownUserID string
}

// UserColumnDrop is the column of [UserColumnsCase] whose name SQL must
// quote.
const UserColumnDrop = "role; DROP TABLE users"

// RunUserColumns checks UserColumns: the columns named are read as JSON
// values of the user's own row (null until set, then the string or
// number the application wrote, read live), a name that is not a column
// is left out (and, holding SQL, changes nothing), the table's own
// columns are read too, and an unknown user is [nextauth.ErrNotFound]
// whether or not a name is a column.
func RunUserColumns(t *testing.T, c UserColumnsCase) {
	t.Helper()
	ctx := context.Background()
	if c.AddColumns != nil {
		c.AddColumns(t)
	}
	a := c.Adapter(t)
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("bob@example.test")})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"role", "age", UserColumnDrop, "missing", "email", "role",
		`x" FROM users; --`, "x` FROM users; --", "x' OR '1'='1"}
	unset := map[string]any{"email": "ada@example.test"}
	if c.AddColumns != nil {
		maps.Copy(unset, map[string]any{"role": nil, "age": nil, UserColumnDrop: nil})
	}
	check := func(label, id string, want map[string]any) {
		t.Helper()
		got, err := a.UserColumns(ctx, id, names)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("UserColumns(%s) %s = %v, %v, want %v", id, label, got, err, want)
		}
	}
	check("before Set", u.ID, unset)
	if got, err := a.UserColumns(ctx, u.ID, []string{"missing"}); err != nil || len(got) != 0 {
		t.Errorf("UserColumns(%s, [missing]) = %v, %v, want nothing", u.ID, got, err)
	}
	if got, err := a.UserColumns(ctx, u.ID, nil); err != nil || len(got) != 0 {
		t.Errorf("UserColumns(%s, no names) = %v, %v, want nothing", u.ID, got, err)
	}

	c.Set(t, u.ID)
	check("after Set", u.ID, map[string]any{"role": "admin", "age": float64(42), UserColumnDrop: "x", "email": "ada@example.test"})
	otherWant := maps.Clone(unset)
	otherWant["email"] = "bob@example.test"
	check("of another user after Set", other.ID, otherWant)

	for _, id := range []string{c.UnknownUserID, "not a user id"} {
		if got, err := a.UserColumns(ctx, id, names); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("UserColumns(unknown %q) = %v, %v, want ErrNotFound", id, got, err)
		}
		if got, err := a.UserColumns(ctx, id, []string{"missing"}); !errors.Is(err, nextauth.ErrNotFound) {
			t.Errorf("UserColumns(unknown %q, no column) = %v, %v, want ErrNotFound", id, got, err)
		}
	}
	// The names that were not columns changed nothing.
	for _, v := range []nextauth.User{u, other} {
		if _, err := a.GetUser(ctx, v.ID); err != nil {
			t.Errorf("GetUser(%s) at the end = %v", v.ID, err)
		}
	}
}
