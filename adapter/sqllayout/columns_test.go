package sqllayout_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
)

// TestUserColumns reads columns an app added to Prisma's User, as JSON
// values, on SQLite, PostgreSQL and MySQL; names that are not columns are
// left out, and an unknown user is ErrNotFound.
func TestUserColumns(t *testing.T) {
	tests := []struct {
		name  string
		open  func(t *testing.T) *sql.DB
		d     sqllayout.Dialect
		alter []string
	}{
		{"sqlite", func(t *testing.T) *sql.DB { return sqliteDB(t, "prisma-sqlite") }, sqllayout.SQLite,
			[]string{`ALTER TABLE "User" ADD COLUMN role TEXT`, `ALTER TABLE "User" ADD COLUMN age INTEGER`, `ALTER TABLE "User" ADD COLUMN "odd; name" TEXT`}},
		{"postgres", func(t *testing.T) *sql.DB { return postgresDB(t, "prisma-postgres") }, sqllayout.Postgres,
			[]string{`ALTER TABLE "User" ADD COLUMN role TEXT`, `ALTER TABLE "User" ADD COLUMN age INTEGER`, `ALTER TABLE "User" ADD COLUMN "odd; name" TEXT`}},
		{"mysql", func(t *testing.T) *sql.DB { return mysqlDB(t, "prisma-mysql") }, sqllayout.MySQL,
			[]string{"ALTER TABLE `User` ADD COLUMN role VARCHAR(32)", "ALTER TABLE `User` ADD COLUMN age INT", "ALTER TABLE `User` ADD COLUMN `odd; name` TEXT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := tt.open(t)
			for _, q := range tt.alter {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			a, err := sqllayout.New(ctx, db, tt.d, sqllayout.Prisma)
			if err != nil {
				t.Fatal(err)
			}
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test")})
			if err != nil {
				t.Fatal(err)
			}
			names := []string{"role", "age", "odd; name", "missing", "email", "role"}
			got, err := a.UserColumns(ctx, u.ID, names)
			want := map[string]any{"role": nil, "age": nil, "odd; name": nil, "email": "ada@example.test"}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("UserColumns() = %v, %v, want %v", got, err, want)
			}
			q := `UPDATE "User" SET role = 'admin', age = 42, "odd; name" = 'x'`
			if tt.d == sqllayout.MySQL {
				q = "UPDATE `User` SET role = 'admin', age = 42, `odd; name` = 'x'"
			}
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
			got, err = a.UserColumns(ctx, u.ID, names)
			want = map[string]any{"role": "admin", "age": float64(42), "odd; name": "x", "email": "ada@example.test"}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("UserColumns() after UPDATE = %v, %v, want %v", got, err, want)
			}
			if _, err := a.UserColumns(ctx, "cnotauser0000000000000000", names); !errors.Is(err, nextauth.ErrNotFound) {
				t.Errorf("UserColumns(unknown) = %v, want ErrNotFound", err)
			}
			if _, err := a.UserColumns(ctx, "cnotauser0000000000000000", []string{"missing"}); !errors.Is(err, nextauth.ErrNotFound) {
				t.Errorf("UserColumns(unknown, no column) = %v, want ErrNotFound", err)
			}
		})
	}
}
