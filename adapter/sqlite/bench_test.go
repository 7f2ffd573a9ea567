package sqlite

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// BenchmarkGetSessionAndUser looks sessions up among 1,000 and 100,000
// stored ones (one user each): the time per lookup must not grow with the
// number of rows (GET /session on database sessions).
func BenchmarkGetSessionAndUser(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run("sessions="+strconv.Itoa(n), func(b *testing.B) {
			a := openTestAdapter(b, tempDB(b))
			seed(b, a, n)
			// Look up a spread of stored tokens, not the same one each time.
			rng := rand.New(rand.NewPCG(1, 2))
			tokens := make([]string, 1024)
			for i := range tokens {
				tokens[i] = benchToken(rng.IntN(n))
			}
			ctx := b.Context()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s, u, err := a.GetSessionAndUser(ctx, tokens[i%len(tokens)])
				if err != nil || s.UserID != u.ID {
					b.Fatalf("GetSessionAndUser = %+v, %+v, %v", s, u, err)
				}
				i++
			}
		})
	}
}

// benchToken is the session token of the i-th seeded session, shaped like
// NextAuth's (a UUID).
func benchToken(i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
}

// seed stores n users with one session each, in one transaction.
func seed(b *testing.B, a *Adapter, n int) {
	b.Helper()
	tx, err := a.db.BeginTx(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	user, err := tx.Prepare(`INSERT INTO users (name, email, "emailVerified", image) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	session, err := tx.Prepare(`INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(30 * 24 * time.Hour).UnixMilli()
	for i := range n {
		var id int64
		err := user.QueryRow("User "+strconv.Itoa(i), "user"+strconv.Itoa(i)+"@example.com", exp, "https://example.com/a.png").Scan(&id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := session.Exec(id, exp, benchToken(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
