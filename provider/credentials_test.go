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

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// emailPassword are the fields of a provider signing in by e-mail address.
var emailPassword = []nextauth.CredentialField{{Name: "email", Type: "email"}, {Name: "password", Type: "password"}}

// TestCredentialsDeclaredFields: with fields declared, Authorize sees only
// those of what was submitted, so that it checks nothing the lockout does
// not count on; without, everything.
func TestCredentialsDeclaredFields(t *testing.T) {
	submitted := nextauth.Credentials{"email": "a@example.com", "password": "p", "username": "someone-else", "csrfToken": "c", "json": "true"}
	tests := []struct {
		name   string
		fields []nextauth.CredentialField
		want   nextauth.Credentials
	}{
		{"declared", emailPassword, nextauth.Credentials{"email": "a@example.com", "password": "p"}},
		{"declared, one not submitted", []nextauth.CredentialField{{Name: "email"}, {Name: "otp"}}, nextauth.Credentials{"email": "a@example.com"}},
		{"none declared", nil, submitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got nextauth.Credentials
			p := provider.Credentials(provider.CredentialsConfig{Fields: tt.fields,
				Authorize: func(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
					got = c
					return nil, nil
				}}).(nextauth.CredentialsProvider)
			if _, err := p.Authorize(context.Background(), submitted, nil); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Authorize saw %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCredentialsRemoteDeclaredFields: an authorize_url behind a provider
// with fields receives only those: an extra field the lockout does not
// count on never reaches the service.
func TestCredentialsRemoteDeclaredFields(t *testing.T) {
	var (
		mu  sync.Mutex
		got map[string]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewDecoder(r.Body).Decode(&got)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer srv.Close()
	p := provider.Credentials(provider.CredentialsConfig{Fields: emailPassword, Authorize: provider.RemoteAuthorize(srv.URL, nil)}).(nextauth.CredentialsProvider)
	if _, err := p.Authorize(context.Background(), nextauth.Credentials{"email": "a@example.com", "password": "p", "username": "x", "csrfToken": "c"}, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]string{"email": "a@example.com", "password": "p"}; !reflect.DeepEqual(got, want) {
		t.Errorf("authorize_url received %v, want %v", got, want)
	}
}

// TestCredentialsIdentifierField: the configured identifier field is
// reported to the handler and must be a declared field that is not a
// password.
func TestCredentialsIdentifierField(t *testing.T) {
	tests := []struct {
		name    string
		fields  []nextauth.CredentialField
		id      string
		wantErr string
	}{
		{"default", emailPassword, "", ""},
		{"declared", emailPassword, "email", ""},
		{"no fields", nil, "login", ""},
		{"not declared", emailPassword, "username", `identifier_field: "username" is not one of the fields`},
		{"password", emailPassword, "password", `identifier_field: "password" is a password field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := provider.Credentials(provider.CredentialsConfig{Fields: tt.fields, IdentifierField: tt.id,
				Authorize: func(context.Context, nextauth.Credentials, *http.Request) (*nextauth.User, error) { return nil, nil }})
			if got := p.(nextauth.CredentialsIdentifier).IdentifierField(); got != tt.id {
				t.Errorf("IdentifierField() = %q, want %q", got, tt.id)
			}
			err := p.(interface{ Validate() error }).Validate()
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want %q", err, tt.wantErr)
			}
			_, err = nextauth.New(nextauth.Config{Secret: "s", Providers: []nextauth.Provider{p}})
			if (err == nil) != (tt.wantErr == "") {
				t.Errorf("New() = %v, want an error %v", err, tt.wantErr != "")
			}
		})
	}
}

// TestCredentialsCheckWhileLocked: only a provider with CheckWhileLocked
// is a decoy, and its decoy runs Authorize (on the declared fields).
func TestCredentialsCheckWhileLocked(t *testing.T) {
	var calls []nextauth.Credentials
	authorize := func(_ context.Context, c nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
		calls = append(calls, c)
		return &nextauth.User{ID: "1"}, nil
	}
	if _, ok := provider.Credentials(provider.CredentialsConfig{Authorize: authorize}).(nextauth.CredentialsDecoy); ok {
		t.Error("a provider without CheckWhileLocked is a CredentialsDecoy")
	}
	p := provider.Credentials(provider.CredentialsConfig{Fields: emailPassword, Authorize: authorize, CheckWhileLocked: true})
	d, ok := p.(nextauth.CredentialsDecoy)
	if !ok {
		t.Fatal("a provider with CheckWhileLocked is not a CredentialsDecoy")
	}
	if _, ok := p.(nextauth.CredentialsProvider); !ok {
		t.Fatal("a provider with CheckWhileLocked is not a CredentialsProvider")
	}
	d.DecoyAuthorize(context.Background(), nextauth.Credentials{"email": "a@example.com", "password": "p", "x": "y"}, nil)
	if want := []nextauth.Credentials{{"email": "a@example.com", "password": "p"}}; !reflect.DeepEqual(calls, want) {
		t.Errorf("DecoyAuthorize ran Authorize with %v, want %v", calls, want)
	}
}
