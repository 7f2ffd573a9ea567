package redis

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// setMembers writes members into the stored user id as an application
// would: read the JSON, add the members, write it back.
func setMembers(t *testing.T, a *Adapter, client *goredis.Client, id string, members map[string]string) {
	t.Helper()
	ctx := context.Background()
	s, err := client.Get(ctx, a.userPrefix+id).Result()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range members {
		m[k] = json.RawMessage(v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, a.userPrefix+id, b, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestUserColumns runs the shared UserColumns check on members an app
// writes into its users' records (no schema: a member is a column of the
// records that have it).
func TestUserColumns(t *testing.T) {
	a, client := newTestAdapter(t, Options{})
	adaptertest.RunUserColumns(t, adaptertest.UserColumnsCase{
		Adapter: func(*testing.T) adaptertest.UserColumnsAdapter { return a },
		Set: func(t *testing.T, id string) {
			setMembers(t, a, client, id, map[string]string{"role": `"admin"`, "age": `42`, adaptertest.UserColumnDrop: `"x"`})
		},
		UnknownUserID: "00000000-0000-4000-8000-000000000000",
	})
}

// TestUserColumnsOwnMembers: the adapter's own members are always there,
// null when not set (as GetUser reads them, "" too); an app member holds
// any JSON value.
func TestUserColumnsOwnMembers(t *testing.T) {
	ctx := context.Background()
	a, client := newTestAdapter(t, Options{})
	u := mustCreateUser(t, a, "ada@example.test")
	setMembers(t, a, client, u.ID, map[string]string{"image": `""`, "prefs": `{"theme":["dark",1]}`, "active": `true`, "gone": `null`})
	got, err := a.UserColumns(ctx, u.ID, []string{"id", "name", "email", "image", "emailVerified", "prefs", "active", "gone", "other"})
	want := map[string]any{"id": u.ID, "name": "Ada", "email": "ada@example.test", "image": nil, "emailVerified": nil,
		"prefs": map[string]any{"theme": []any{"dark", float64(1)}}, "active": true, "gone": nil}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("UserColumns = %v, %v\nwant %v", got, err, want)
	}
}

// TestUpdateUserKeepsAppMembers: UpdateUser replaces the adapter's
// members and keeps those the app added, byte for byte (a number beyond
// float64, an empty array), so that an e-mail sign-in, which updates the
// user, keeps the app's role.
func TestUpdateUserKeepsAppMembers(t *testing.T) {
	ctx := context.Background()
	a, client := newTestAdapter(t, Options{})
	u := mustCreateUser(t, a, "ada@example.test")
	app := map[string]string{"role": `"admin"`, "n": `12345678901234567890`, "tags": `[]`, "x/<y>": `{"a":"é"}`}
	setMembers(t, a, client, u.ID, app)
	now := time.Now()
	u.Name, u.EmailVerified, u.Email = nextauth.String("Ada"), &now, nextauth.String("ada@example.org")
	got, err := a.UpdateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := a.GetUser(ctx, u.ID); err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("GetUser after UpdateUser = %+v, %v; want %+v", back, err, got)
	}
	s := client.Get(ctx, a.userPrefix+u.ID).Val()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range app {
		if string(m[k]) != v {
			t.Errorf("member %s after UpdateUser = %s, want %s (stored %s)", k, m[k], v, s)
		}
	}
	if string(m["name"]) != `"Ada"` || string(m["email"]) != `"ada@example.org"` {
		t.Errorf("stored user after UpdateUser = %s, want the new name and e-mail", s)
	}
	// Clearing the name removes the adapter's member, not the app's.
	u.Name = nextauth.Null()
	if _, err := a.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	cols, err := a.UserColumns(ctx, u.ID, []string{"name", "role"})
	if err != nil || !reflect.DeepEqual(cols, map[string]any{"name": nil, "role": "admin"}) {
		t.Errorf("UserColumns after clearing the name = %v, %v", cols, err)
	}
}

// TestUpdateUserScriptChanged: the update script writes nothing, e-mail
// index included, when the stored user is not the one its record was made
// from, and UpdateUser then reads it again.
func TestUpdateUserScriptChanged(t *testing.T) {
	ctx := context.Background()
	a, client := newTestAdapter(t, Options{})
	u := mustCreateUser(t, a, "ada@example.test")
	stale := client.Get(ctx, a.userPrefix+u.ID).Val()
	setMembers(t, a, client, u.ID, map[string]string{"role": `"admin"`})
	current := client.Get(ctx, a.userPrefix+u.ID).Val()
	moved := u
	moved.Email = nextauth.String("ada@example.org")
	data, err := encodeUser(moved)
	if err != nil {
		t.Fatal(err)
	}
	err = a.runStatus(ctx, a.scripts.updateUser, a.userKeys(moved), u.ID, data, a.emailPrefix, stale)
	if !errors.Is(err, errChanged) {
		t.Fatalf("update script with a stale record = %v, want errChanged", err)
	}
	if s := client.Get(ctx, a.userPrefix+u.ID).Val(); s != current {
		t.Errorf("stored user after a refused update = %s, want %s", s, current)
	}
	if n := client.Exists(ctx, a.emailPrefix+"ada@example.org").Val(); n != 0 {
		t.Error("a refused update indexed the new e-mail")
	}
	if _, err := a.UpdateUser(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if got, err := a.GetUserByEmail(ctx, "ada@example.org"); err != nil || got.ID != u.ID {
		t.Errorf("GetUserByEmail(new) = %+v, %v", got, err)
	}
	if cols, err := a.UserColumns(ctx, u.ID, []string{"role"}); err != nil || cols["role"] != "admin" {
		t.Errorf("UserColumns(role) after UpdateUser = %v, %v", cols, err)
	}
}
