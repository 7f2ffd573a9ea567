package sqllayout_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
)

// TestUserColumns runs the shared UserColumns check on columns an app
// added to Prisma's User, on SQLite, PostgreSQL and MySQL.
func TestUserColumns(t *testing.T) {
	drop := adaptertest.UserColumnDrop
	tests := []struct {
		name  string
		open  func(t *testing.T) *sql.DB
		d     sqllayout.Dialect
		alter []string
		set   string
	}{
		{"sqlite", func(t *testing.T) *sql.DB { return sqliteDB(t, "prisma-sqlite") }, sqllayout.SQLite,
			[]string{`ALTER TABLE "User" ADD COLUMN role TEXT`, `ALTER TABLE "User" ADD COLUMN age INTEGER`, `ALTER TABLE "User" ADD COLUMN "` + drop + `" TEXT`},
			`UPDATE "User" SET role = 'admin', age = 42, "` + drop + `" = 'x' WHERE id = ?`},
		{"postgres", func(t *testing.T) *sql.DB { return postgresDB(t, "prisma-postgres") }, sqllayout.Postgres,
			[]string{`ALTER TABLE "User" ADD COLUMN role TEXT`, `ALTER TABLE "User" ADD COLUMN age INTEGER`, `ALTER TABLE "User" ADD COLUMN "` + drop + `" TEXT`},
			`UPDATE "User" SET role = 'admin', age = 42, "` + drop + `" = 'x' WHERE id = $1`},
		{"mysql", func(t *testing.T) *sql.DB { return mysqlDB(t, "prisma-mysql") }, sqllayout.MySQL,
			[]string{"ALTER TABLE `User` ADD COLUMN role VARCHAR(32)", "ALTER TABLE `User` ADD COLUMN age INT", "ALTER TABLE `User` ADD COLUMN `" + drop + "` TEXT"},
			"UPDATE `User` SET role = 'admin', age = 42, `" + drop + "` = 'x' WHERE id = ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tt.open(t)
			exec := func(t *testing.T, q string, args ...any) {
				t.Helper()
				if _, err := db.Exec(q, args...); err != nil {
					t.Fatal(err)
				}
			}
			adaptertest.RunUserColumns(t, adaptertest.UserColumnsCase{
				AddColumns: func(t *testing.T) {
					for _, q := range tt.alter {
						exec(t, q)
					}
				},
				Adapter: func(t *testing.T) adaptertest.UserColumnsAdapter {
					a, err := sqllayout.New(context.Background(), db, tt.d, sqllayout.Prisma)
					if err != nil {
						t.Fatal(err)
					}
					return a
				},
				Set:           func(t *testing.T, id string) { exec(t, tt.set, id) },
				UnknownUserID: "cnotauser0000000000000000",
			})
		})
	}
}
