package sqllayout_test

import (
	"database/sql"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
)

// The rows the adapter writes, as the official adapters write them.

var (
	cuidForm = regexp.MustCompile(`^c[0-9a-z]{24}$`)
	uuidForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// signIn makes a user with a verified e-mail, an account and a session,
// as an OAuth sign-in does.
func signIn(t *testing.T, a nextauth.Adapter, verified, expires time.Time) (nextauth.User, nextauth.AdapterSession) {
	t.Helper()
	ctx := t.Context()
	u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("ada@example.test"), EmailVerified: &verified})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := a.LinkAccount(ctx, nextauth.Account{UserID: u.ID, Type: "oauth", Provider: "github", ProviderAccountID: "42"}); err != nil {
		t.Fatalf("LinkAccount: %v", err)
	}
	s, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "tok-1", UserID: u.ID, Expires: expires})
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "ada@example.test", Token: "hash-1", Expires: expires}); err != nil {
		t.Fatalf("CreateVerificationToken: %v", err)
	}
	return u, s
}

// query1 reads one value.
func query1(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var v sql.NullString
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.String
}

var (
	verified = time.Date(2024, 2, 29, 12, 34, 56, 789_000_000, time.UTC)
	expires  = time.Date(2031, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
)

func TestRowsPrismaPostgres(t *testing.T) {
	db := postgresDB(t, "prisma-authjs-postgres")
	a := newAdapter(t, db, sqllayout.Postgres, sqllayout.Prisma)
	if a.Variant() != "Auth.js" {
		t.Errorf("Variant() = %q, want Auth.js", a.Variant())
	}
	before := time.Now().Add(-time.Second)
	u, _ := signIn(t, a, verified, expires)
	if !cuidForm.MatchString(u.ID) {
		t.Errorf("user id %q is not a cuid", u.ID)
	}
	// TIMESTAMP(3) without time zone holds the UTC wall clock.
	if got := query1(t, db, `SELECT to_char(expires, 'YYYY-MM-DD HH24:MI:SS.MS') FROM "Session"`); got != "2031-05-06 07:08:09.123" {
		t.Errorf(`Session.expires = %s, want 2031-05-06 07:08:09.123`, got)
	}
	if got := query1(t, db, `SELECT to_char("emailVerified", 'YYYY-MM-DD HH24:MI:SS.MS') FROM "User"`); got != "2024-02-29 12:34:56.789" {
		t.Errorf(`User.emailVerified = %s, want 2024-02-29 12:34:56.789`, got)
	}
	// createdAt and updatedAt are set, as Prisma's client sets them.
	for _, table := range []string{"User", "Account", "Session"} {
		var c, up time.Time
		if err := db.QueryRow(`SELECT "createdAt", "updatedAt" FROM "`+table+`"`).Scan(&c, &up); err != nil {
			t.Fatal(err)
		}
		if c.Before(before) || up.Before(before) {
			t.Errorf("%s createdAt, updatedAt = %v, %v, want now", table, c, up)
		}
	}

	db4 := postgresDB(t, "prisma-postgres")
	a4 := newAdapter(t, db4, sqllayout.Postgres, sqllayout.Prisma)
	if a4.Variant() != "next-auth v4" {
		t.Errorf("Variant() = %q, want next-auth v4", a4.Variant())
	}
	signIn(t, a4, verified, expires)
	for _, table := range []string{"User", "Account", "Session"} {
		if id := query1(t, db4, `SELECT id FROM "`+table+`"`); !cuidForm.MatchString(id) {
			t.Errorf("%s.id = %q, not a cuid", table, id)
		}
	}
}

func TestRowsTypeORMPostgres(t *testing.T) {
	db := postgresDB(t, "typeorm-postgres")
	a := newAdapter(t, db, sqllayout.Postgres, sqllayout.TypeORM)
	u, _ := signIn(t, a, verified, expires)
	if !uuidForm.MatchString(u.ID) {
		t.Errorf("user id %q is not a UUID", u.ID)
	}
	// Dates are the decimal text of milliseconds (TypeORM's transformer).
	for q, want := range map[string]int64{
		`SELECT "emailVerified" FROM users`:                                   verified.UnixMilli(),
		`SELECT expires FROM sessions`:                                        expires.UnixMilli(),
		`SELECT expires FROM verification_tokens`:                             expires.UnixMilli(),
		`SELECT count(*)::text FROM accounts`:                                 1,
		`SELECT count(*)::text FROM verification_tokens WHERE id IS NOT NULL`: 1,
	} {
		if got := query1(t, db, q); got != strconv.FormatInt(want, 10) {
			t.Errorf("%s = %q, want %d", q, got, want)
		}
	}
}

func TestRowsDrizzleMySQL(t *testing.T) {
	db := mysqlDB(t, "drizzle-mysql")
	a := newAdapter(t, db, sqllayout.MySQL, sqllayout.Drizzle)
	_, s := signIn(t, a, verified, expires)
	// TIMESTAMP holds whole seconds; TIMESTAMP(3) milliseconds; both the
	// UTC wall clock, as drizzle-orm writes them.
	if got := query1(t, db, "SELECT CAST(expires AS CHAR) FROM `session`"); got != "2031-05-06 07:08:09" {
		t.Errorf("session.expires = %s, want 2031-05-06 07:08:09", got)
	}
	if got := query1(t, db, "SELECT CAST(`emailVerified` AS CHAR) FROM `user`"); got != "2024-02-29 12:34:56.789" {
		t.Errorf("user.emailVerified = %s, want 2024-02-29 12:34:56.789", got)
	}
	if !s.Expires.Equal(expires.Truncate(time.Second)) {
		t.Errorf("CreateSession().Expires = %v, want %v (whole seconds)", s.Expires, expires.Truncate(time.Second))
	}
}

func TestRowsDrizzleSQLite(t *testing.T) {
	db := sqliteDB(t, "drizzle-sqlite")
	a := newAdapter(t, db, sqllayout.SQLite, sqllayout.Drizzle)
	signIn(t, a, verified, expires)
	for q, want := range map[string]string{
		"SELECT typeof(expires) || ' ' || expires FROM session":           "integer " + strconv.FormatInt(expires.UnixMilli(), 10),
		"SELECT typeof(expires) || ' ' || expires FROM verificationToken": "integer " + strconv.FormatInt(expires.UnixMilli(), 10),
		"SELECT typeof(emailVerified) || ' ' || emailVerified FROM user":  "integer " + strconv.FormatInt(verified.UnixMilli(), 10),
	} {
		if got := query1(t, db, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}

// TestRowsPrismaSQLite checks that Prisma's DateTime is written as the
// rows hold it: ISO text (Prisma 7's driver adapters) in a database
// without times, integer milliseconds where older Prisma wrote them; and
// that both read back.
func TestRowsPrismaSQLite(t *testing.T) {
	const iso = "SELECT typeof(expires) || ' ' || expires FROM \"Session\" WHERE \"sessionToken\" = ?"
	t.Run("empty", func(t *testing.T) {
		db := sqliteDB(t, "prisma-authjs-sqlite")
		a := newAdapter(t, db, sqllayout.SQLite, sqllayout.Prisma)
		signIn(t, a, verified, expires)
		if got, want := query1(t, db, iso, "tok-1"), "text 2031-05-06T07:08:09.123+00:00"; got != want {
			t.Errorf("Session.expires = %q, want %q", got, want)
		}
		if got := query1(t, db, `SELECT typeof("updatedAt") FROM "User"`); got != "text" {
			t.Errorf("User.updatedAt is %s, want text", got)
		}
	})
	t.Run("milliseconds", func(t *testing.T) {
		db := sqliteDB(t, "prisma-sqlite")
		// A row as Prisma 5 wrote it.
		if _, err := db.Exec(`INSERT INTO "User" (id, email, "emailVerified") VALUES ('cold', 'old@example.test', 1700000000123);
INSERT INTO "Session" (id, "sessionToken", "userId", expires) VALUES ('csold', 'old-token', 'cold', 1900000000456)`); err != nil {
			t.Fatal(err)
		}
		a := newAdapter(t, db, sqllayout.SQLite, sqllayout.Prisma)
		signIn(t, a, verified, expires)
		if got, want := query1(t, db, iso, "tok-1"), "integer "+strconv.FormatInt(expires.UnixMilli(), 10); got != want {
			t.Errorf("Session.expires = %q, want %q", got, want)
		}
		s, u, err := a.GetSessionAndUser(t.Context(), "old-token")
		if err != nil {
			t.Fatal(err)
		}
		if !s.Expires.Equal(time.UnixMilli(1900000000456)) || u.EmailVerified == nil || !u.EmailVerified.Equal(time.UnixMilli(1700000000123)) {
			t.Errorf("old row read as %v, %v", s.Expires, u.EmailVerified)
		}
	})
	t.Run("milliseconds in createdAt", func(t *testing.T) {
		// Auth.js's schema with only a user, written by Prisma 5.
		db := sqliteDB(t, "prisma-authjs-sqlite")
		if _, err := db.Exec(`INSERT INTO "User" (id, email, "createdAt", "updatedAt") VALUES ('cold', 'old@example.test', 1700000000123, 1700000000123)`); err != nil {
			t.Fatal(err)
		}
		a := newAdapter(t, db, sqllayout.SQLite, sqllayout.Prisma)
		signIn(t, a, verified, expires)
		if got, want := query1(t, db, iso, "tok-1"), "integer "+strconv.FormatInt(expires.UnixMilli(), 10); got != want {
			t.Errorf("Session.expires = %q, want %q", got, want)
		}
	})
	t.Run("text read back", func(t *testing.T) {
		db := sqliteDB(t, "prisma-sqlite")
		if _, err := db.Exec(`INSERT INTO "User" (id, email) VALUES ('u1', 'a@example.test');
INSERT INTO "Session" (id, "sessionToken", "userId", expires) VALUES ('s1', 't1', 'u1', '2031-05-06T07:08:09.123+00:00'), ('s2', 't2', 'u1', '2031-05-06T07:08:09Z'), ('s3', 't3', 'u1', '2031-05-06 07:08:09')`); err != nil {
			t.Fatal(err)
		}
		a := newAdapter(t, db, sqllayout.SQLite, sqllayout.Prisma)
		for token, want := range map[string]time.Time{"t1": expires, "t2": expires.Truncate(time.Second), "t3": expires.Truncate(time.Second)} {
			s, _, err := a.GetSessionAndUser(t.Context(), token)
			if err != nil || !s.Expires.Equal(want) {
				t.Errorf("GetSessionAndUser(%s) = %v, %v, want %v", token, s.Expires, err, want)
			}
		}
	})
}
