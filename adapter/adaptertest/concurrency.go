package adaptertest

import (
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Rounds and goroutines of the concurrency subtests: enough to catch a
// read-then-delete race most of the time, few enough for PostgreSQL under
// -race on two cores.
const (
	tokenRounds     = 8
	tokenGoroutines = 16
	uniqueRounds    = 3
	uniqueGoroutine = 8
)

func testConcurrentUseVerificationToken(e *env) {
	for round := range tokenRounds {
		vt := nextauth.VerificationToken{Identifier: e.email(), Token: hashToken(), Expires: ms(time.Hour)}
		e.createToken(vt)
		got := make([]nextauth.VerificationToken, tokenGoroutines)
		call := fmt.Sprintf("round %d: UseVerificationToken(%s)", round, fmtToken(vt))
		w := e.exactlyOne(call, tokenGoroutines, nextauth.ErrNotFound, func(i int) error {
			var err error
			got[i], err = e.a.UseVerificationToken(e.ctx, vt.Identifier, vt.Token)
			return err
		})
		if w >= 0 {
			e.checkToken(call, got[w], vt)
		}
		e.noToken(vt.Identifier, vt.Token, fmt.Sprintf("round %d, after the race", round))
	}
}

func testConcurrentCreateUser(e *env) {
	for round := range uniqueRounds {
		email := e.email()
		got := make([]nextauth.User, uniqueGoroutine)
		call := fmt.Sprintf("round %d: CreateUser(%q)", round, email)
		w := e.exactlyOne(call, uniqueGoroutine, nextauth.ErrConflict, func(i int) error {
			var err error
			got[i], err = e.a.CreateUser(e.ctx, nextauth.User{Name: nextauth.String(fmt.Sprint("racer ", i)), Email: nextauth.String(email)})
			return err
		})
		if w >= 0 {
			e.getUserEverywhere(got[w])
		}
	}
}

func testConcurrentLinkAccount(e *env) {
	users := make([]nextauth.User, uniqueGoroutine)
	for i := range users {
		users[i] = e.createUser(e.fullUser())
	}
	for round := range uniqueRounds {
		accs := make([]nextauth.Account, uniqueGoroutine)
		id := randHex(6)
		for i, u := range users {
			accs[i] = account(u.ID, "github")
			accs[i].ProviderAccountID = id
		}
		call := fmt.Sprintf("round %d: LinkAccount(github/%s)", round, id)
		w := e.exactlyOne(call, uniqueGoroutine, nextauth.ErrConflict, func(i int) error {
			return e.a.LinkAccount(e.ctx, accs[i])
		})
		if w >= 0 {
			e.checkUserByAccount(accs[w], users[w])
		}
	}
}

func testConcurrentCreateSession(e *env) {
	users := make([]nextauth.User, uniqueGoroutine)
	for i := range users {
		users[i] = e.createUser(e.fullUser())
	}
	for round := range uniqueRounds {
		token := sessionToken()
		sessions := make([]nextauth.AdapterSession, uniqueGoroutine)
		for i, u := range users {
			sessions[i] = nextauth.AdapterSession{SessionToken: token, UserID: u.ID, Expires: ms(time.Duration(i+1) * time.Hour)}
		}
		call := fmt.Sprintf("round %d: CreateSession(%q)", round, token)
		w := e.exactlyOne(call, uniqueGoroutine, nextauth.ErrConflict, func(i int) error {
			_, err := e.a.CreateSession(e.ctx, sessions[i])
			return err
		})
		if w >= 0 {
			e.checkSessionAndUser(sessions[w], users[w])
		}
	}
}
