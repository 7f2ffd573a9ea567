package postgres

import (
	"strconv"
	"testing"

	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestUserColumns runs the shared UserColumns check on columns added to
// the users table.
func TestUserColumns(t *testing.T) {
	pool := newPool(t, newDatabase(t))
	a := New(pool)
	adaptertest.RunUserColumns(t, adaptertest.UserColumnsCase{
		AddColumns: func(t *testing.T) {
			if err := a.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			exec(t, pool, `ALTER TABLE users ADD COLUMN role TEXT, ADD COLUMN age INTEGER, ADD COLUMN "`+adaptertest.UserColumnDrop+`" TEXT`)
		},
		Adapter: func(*testing.T) adaptertest.UserColumnsAdapter { return a },
		Set: func(t *testing.T, id string) {
			n, err := strconv.Atoi(id)
			if err != nil {
				t.Fatal(err)
			}
			exec(t, pool, `UPDATE users SET role = 'admin', age = 42, "`+adaptertest.UserColumnDrop+`" = 'x' WHERE id = $1`, n)
		},
		UnknownUserID: "999",
	})
}
