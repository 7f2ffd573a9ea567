package webhook

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/jwt"
)

// Event types, as NextAuth names its events. There is no per-request
// "session" event: it would send a message on every session read.
const (
	TypeSignIn      = "signIn"
	TypeSignOut     = "signOut"
	TypeCreateUser  = "createUser"
	TypeUpdateUser  = "updateUser"
	TypeLinkAccount = "linkAccount"
)

// Types lists the event types, in the order of the documentation.
func Types() []string {
	return []string{TypeSignIn, TypeSignOut, TypeCreateUser, TypeUpdateUser, TypeLinkAccount}
}

// KnownType reports whether t is one of [Types].
func KnownType(t string) bool {
	switch t {
	case TypeSignIn, TypeSignOut, TypeCreateUser, TypeUpdateUser, TypeLinkAccount:
		return true
	}
	return false
}

// Payload is the JSON body of an event message (docs/events.md):
//
//	{"id":"evt_…","type":"signIn","timestamp":"2025-01-02T03:04:05.678Z","data":{…}}
//
// ID is also the message's webhook-id, the same on every retry: receivers
// de-duplicate by it.
type Payload struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Account is an account as events send it: the link, never its tokens.
type Account struct {
	UserID            string `json:"userId,omitempty"`
	Type              string `json:"type"`
	Provider          string `json:"provider"`
	ProviderAccountID string `json:"providerAccountId"`
}

// accountOf drops a's tokens; nil stays nil.
func accountOf(a *nextauth.Account) *Account {
	if a == nil {
		return nil
	}
	return &Account{UserID: a.UserID, Type: a.Type, Provider: a.Provider, ProviderAccountID: a.ProviderAccountID}
}

// SignInData is the data of a signIn event.
type SignInData struct {
	User      nextauth.User  `json:"user"`
	Account   *Account       `json:"account"`
	Profile   map[string]any `json:"profile,omitempty"`
	IsNewUser bool           `json:"isNewUser"`
}

// SignOutData is the data of a signOut event: the JWT's claims (JWT
// sessions; without the provider tokens of "oauth") or the ended session
// (database sessions; without its token).
type SignOutData struct {
	Token   jwt.Claims   `json:"token,omitempty"`
	Session *SessionData `json:"session,omitempty"`
}

// SessionData is a database session in a signOut event.
type SessionData struct {
	UserID  string    `json:"userId"`
	Expires time.Time `json:"expires"`
}

// UserData is the data of createUser and updateUser events.
type UserData struct {
	User nextauth.User `json:"user"`
}

// LinkAccountData is the data of a linkAccount event.
type LinkAccountData struct {
	User    nextauth.User  `json:"user"`
	Account Account        `json:"account"`
	Profile map[string]any `json:"profile,omitempty"`
}

// secretClaims are the claims never sent in an event.
var secretClaims = []string{"oauth"}

func signOutData(e nextauth.SignOutEvent) SignOutData {
	var d SignOutData
	if e.Token != nil {
		d.Token = maps.Clone(e.Token)
		for _, c := range secretClaims {
			delete(d.Token, c)
		}
	}
	if e.Session != nil {
		d.Session = &SessionData{UserID: e.Session.UserID, Expires: e.Session.Expires.UTC()}
	}
	return d
}

// NewID returns a new message id: "msg_" and 26 random base32 characters.
func NewID() string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	var b [26]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return "msg_" + string(b[:])
}

// newMessage builds the message of event typ with data at now.
func newMessage(typ string, data any, now time.Time) (Message, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Message{}, fmt.Errorf("webhook: marshal %s event: %w", typ, err)
	}
	id := NewID()
	body, err := json.Marshal(Payload{ID: id, Type: typ, Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"), Data: raw})
	if err != nil {
		return Message{}, fmt.Errorf("webhook: marshal %s event: %w", typ, err)
	}
	return Message{ID: id, Type: typ, Body: body}, nil
}
