package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
	"github.com/nextauth-go/nextauth/adapter/memory"
)

var _ adaptertest.AccountGetter = (*memory.Adapter)(nil)

func TestAdapter(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter { return memory.New() })
}

// TestAdapterShared runs the suite against one store shared by every
// subtest, as the SQL and Redis adapters do.
func TestAdapterShared(t *testing.T) {
	a := memory.New()
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter { return a })
}

func TestIDsCount(t *testing.T) {
	a := memory.New()
	for _, want := range []string{"1", "2", "3"} {
		u, err := a.CreateUser(t.Context(), nextauth.User{ID: "ignored"})
		if err != nil {
			t.Fatalf("CreateUser() error = %v", err)
		}
		if u.ID != want {
			t.Errorf("CreateUser().ID = %q, want %q", u.ID, want)
		}
	}
}

// TestCopies checks that no *time.Time handed in or out is shared with the
// store.
func TestCopies(t *testing.T) {
	ctx := t.Context()
	orig := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		// leak stores a user and returns a pointer the caller holds
		// afterwards, plus the user's id.
		leak func(t *testing.T, a *memory.Adapter) (*time.Time, string)
	}{
		{"CreateUser argument", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			in := nextauth.User{Email: nextauth.String("a@example.test"), EmailVerified: new(orig)}
			u, err := a.CreateUser(ctx, in)
			must(t, err)
			return in.EmailVerified, u.ID
		}},
		{"CreateUser result", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.test"), EmailVerified: new(orig)})
			must(t, err)
			return u.EmailVerified, u.ID
		}},
		{"UpdateUser argument", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.test")})
			must(t, err)
			u.EmailVerified = new(orig)
			_, err = a.UpdateUser(ctx, u)
			must(t, err)
			return u.EmailVerified, u.ID
		}},
		{"UpdateUser result", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.test")})
			must(t, err)
			u.EmailVerified = new(orig)
			got, err := a.UpdateUser(ctx, u)
			must(t, err)
			return got.EmailVerified, u.ID
		}},
		{"GetUserByEmail result", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.test"), EmailVerified: new(orig)})
			must(t, err)
			got, err := a.GetUserByEmail(ctx, u.Email.String())
			must(t, err)
			return got.EmailVerified, u.ID
		}},
		{"GetSessionAndUser result", func(t *testing.T, a *memory.Adapter) (*time.Time, string) {
			u, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.test"), EmailVerified: new(orig)})
			must(t, err)
			_, err = a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "s", UserID: u.ID, Expires: orig})
			must(t, err)
			_, got, err := a.GetSessionAndUser(ctx, "s")
			must(t, err)
			return got.EmailVerified, u.ID
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := memory.New()
			p, id := tc.leak(t, a)
			*p = p.Add(time.Hour)
			u, err := a.GetUser(ctx, id)
			must(t, err)
			if u.EmailVerified == nil || !u.EmailVerified.Equal(orig) {
				t.Errorf("GetUser(%q).EmailVerified = %v after changing the caller's copy, want %v", id, u.EmailVerified, orig)
			}
		})
	}
}

// TestCanceled checks that the memory adapter, unlike what the suite
// demands of in-memory adapters, honours a canceled context everywhere.
func TestCanceled(t *testing.T) {
	a := memory.New()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"CreateUser", func() error { _, err := a.CreateUser(ctx, nextauth.User{}); return err }},
		{"GetUser", func() error { _, err := a.GetUser(ctx, "1"); return err }},
		{"GetUserByEmail", func() error { _, err := a.GetUserByEmail(ctx, "a@example.test"); return err }},
		{"GetUserByAccount", func() error { _, err := a.GetUserByAccount(ctx, "p", "1"); return err }},
		{"UpdateUser", func() error { _, err := a.UpdateUser(ctx, nextauth.User{ID: "1"}); return err }},
		{"LinkAccount", func() error { return a.LinkAccount(ctx, nextauth.Account{UserID: "1"}) }},
		{"GetAccount", func() error { _, err := a.GetAccount(ctx, "p", "1"); return err }},
		{"UnlinkAccount", func() error { return a.UnlinkAccount(ctx, "p", "1") }},
		{"DeleteUser", func() error { return a.DeleteUser(ctx, "1") }},
		{"CreateSession", func() error { _, err := a.CreateSession(ctx, nextauth.AdapterSession{}); return err }},
		{"GetSessionAndUser", func() error { _, _, err := a.GetSessionAndUser(ctx, "s"); return err }},
		{"UpdateSession", func() error { _, err := a.UpdateSession(ctx, "s", time.Now()); return err }},
		{"DeleteSession", func() error { _, err := a.DeleteSession(ctx, "s"); return err }},
		{"CreateVerificationToken", func() error { return a.CreateVerificationToken(ctx, nextauth.VerificationToken{}) }},
		{"UseVerificationToken", func() error { _, err := a.UseVerificationToken(ctx, "i", "t"); return err }},
		{"DeleteExpired", func() error { _, _, err := a.DeleteExpired(ctx, time.Now()); return err }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s(canceled ctx) error = %v, want context.Canceled", c.name, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
