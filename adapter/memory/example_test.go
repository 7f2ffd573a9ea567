package memory_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/memory"
)

// A Handler with the memory adapter keeps database sessions. Here a user
// and a session are stored directly, and GET /api/auth/session reads them
// back as NextAuth would.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	store := memory.New()
	h, err := nextauth.New(nextauth.Config{
		Secret:  "a long random secret, e.g. openssl rand -base64 32",
		Adapter: store, // sessions default to the database strategy
		Now:     func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}

	// No image: a NULL column, which the session shows as null.
	user, err := store.CreateUser(ctx, nextauth.User{Name: nextauth.String("Ada Lovelace"), Email: nextauth.String("ada@example.com")})
	if err != nil {
		log.Fatal(err)
	}
	session, err := store.CreateSession(ctx, nextauth.AdapterSession{
		SessionToken: "5b8a5f36-4f2e-4c4b-9a51-3c1f0a7e2d10",
		UserID:       user.ID,
		Expires:      now.Add(30 * 24 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("user id:", user.ID)

	req := httptest.NewRequest(http.MethodGet, "http://localhost:3000/api/auth/session", nil)
	req.AddCookie(&http.Cookie{Name: "next-auth.session-token", Value: session.SessionToken})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// user id: 1
	// 200 {"user":{"name":"Ada Lovelace","email":"ada@example.com","image":null},"expires":"2026-01-31T12:00:00.000Z"}
}
