package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

func hash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestStaticUsers(t *testing.T) {
	authorize, err := provider.StaticUsers([]provider.StaticUser{
		{Username: "alice", PasswordHash: hash(t, "wonderland"), User: nextauth.User{ID: "1", Name: nextauth.String("Alice")}},
		{Username: "bob", PasswordHash: hash(t, "builder"), User: nextauth.User{ID: "2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, pass string
		wantID     string
	}{
		{"alice", "wonderland", "1"},
		{"bob", "builder", "2"},
		{"alice", "builder", ""},
		{"carol", "wonderland", ""},
		{"", "", ""},
		{"alice", strings.Repeat("x", 100), ""},
	}
	for _, tt := range tests {
		u, err := authorize(context.Background(), nextauth.Credentials{"username": tt.user, "password": tt.pass}, nil)
		got := ""
		if u != nil {
			got = u.ID
		}
		if err != nil || got != tt.wantID {
			t.Errorf("authorize(%q, %q) = %q, %v; want %q", tt.user, tt.pass, got, err, tt.wantID)
		}
	}
}

func TestStaticUsersErrors(t *testing.T) {
	_, err := provider.StaticUsers([]provider.StaticUser{
		{Username: "", PasswordHash: hash(t, "x"), User: nextauth.User{ID: "1"}},
		{Username: "a", PasswordHash: "plain", User: nextauth.User{ID: "2"}},
		{Username: "b", PasswordHash: hash(t, "x")},
		{Username: "c", PasswordHash: hash(t, "x"), User: nextauth.User{ID: "3"}},
		{Username: "c", PasswordHash: hash(t, "x"), User: nextauth.User{ID: "4"}},
	})
	if err == nil {
		t.Fatal("StaticUsers accepted bad users")
	}
	for _, want := range []string{"user 1 has no username", `"a": password_hash is not a bcrypt hash`, `"b" has no id`, `"c" is listed twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("StaticUsers error %q lacks %q", err, want)
		}
	}
}

func TestRemoteAuthorize(t *testing.T) {
	var (
		mu  sync.Mutex
		got map[string]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want json", 415)
			return
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got = body
		mu.Unlock()
		switch body["username"] {
		case "alice":
			w.Write([]byte(`{"id":7,"name":"Alice","email":"alice@example.com"}`))
		case "str":
			w.Write([]byte(`{"id":"u-1"}`))
		case "nullname":
			w.Write([]byte(`{"id":"n-1","name":null,"email":"n@example.com"}`))
		case "claims":
			w.Write([]byte(`{"id":"c-1","role":"admin","groups":["a","b"],"org":{"id":3}}`))
		case "noid":
			w.Write([]byte(`{"name":"x"}`))
		case "slow":
			<-r.Context().Done() // never answers: only the client's timeout ends it
		case "boom":
			http.Error(w, "boom", 500)
		default:
			http.Error(w, "no", 401)
		}
	}))
	defer srv.Close()
	// A generous timeout for the answers, however loaded the machine; a
	// short one where only the timeout can end the call.
	authorize := provider.RemoteAuthorize(srv.URL, &http.Client{Timeout: 30 * time.Second})
	impatient := provider.RemoteAuthorize(srv.URL, &http.Client{Timeout: 100 * time.Millisecond})
	// A null member is null, a missing one absent (left out of the
	// session), as in authorize()'s user object.
	tests := []struct {
		user     string
		wantUser *nextauth.User
		wantErr  bool
	}{
		{"alice", &nextauth.User{ID: "7", Name: nextauth.String("Alice"), Email: nextauth.String("alice@example.com")}, false},
		{"str", &nextauth.User{ID: "u-1"}, false},
		{"nullname", &nextauth.User{ID: "n-1", Name: nextauth.Null(), Email: nextauth.String("n@example.com")}, false},
		{"claims", &nextauth.User{ID: "c-1", Claims: map[string]any{"role": "admin", "groups": []any{"a", "b"}, "org": map[string]any{"id": 3.0}}}, false},
		{"mallory", nil, false},
		{"noid", nil, true},
		{"boom", nil, true},
		{"slow", nil, true},
	}
	for _, tt := range tests {
		call := authorize
		if tt.user == "slow" {
			call = impatient
		}
		u, err := call(context.Background(), nextauth.Credentials{"username": tt.user, "password": "p", "csrfToken": "secret-csrf", "json": "true"}, nil)
		if (u == nil) != (tt.wantUser == nil) || (u != nil && !reflect.DeepEqual(*u, *tt.wantUser)) || (err != nil) != tt.wantErr {
			t.Errorf("authorize(%q) = %s, %v; want %s, error %v", tt.user, userJSON(u), err, userJSON(tt.wantUser), tt.wantErr)
		}
	}
	authorize(context.Background(), nextauth.Credentials{"username": "alice", "password": "p", "csrfToken": "c", "callbackUrl": "/", "json": "true", "redirect": "false"}, nil)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got["password"] != "p" {
		t.Errorf("forwarded fields = %v, want only username and password", got)
	}
}

func TestCredentialsDefaults(t *testing.T) {
	p := provider.Credentials(provider.CredentialsConfig{Authorize: func(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) { return nil, nil }})
	if info := p.Info(); info.ID != "credentials" || info.Name != "Credentials" || info.Type != nextauth.TypeCredentials {
		t.Errorf("Info() = %+v", info)
	}
	if _, ok := p.(nextauth.CredentialsProvider); !ok {
		t.Error("a credentials provider with Authorize is not a CredentialsProvider")
	}
	_, err := nextauth.New(nextauth.Config{Secret: "s", Providers: []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{})}})
	if err == nil || !strings.Contains(err.Error(), `provider "credentials": users or authorize_url: missing`) {
		t.Errorf("New with a credentials provider without Authorize = %v, want the missing users or authorize_url named", err)
	}
}

// userJSON shows a user as JSON: null fields as null, absent ones left out.
func userJSON(u *nextauth.User) string {
	if u == nil {
		return "nil"
	}
	b, err := json.Marshal(u)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
