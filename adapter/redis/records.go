package redis

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// The stored JSON uses NextAuth's field names and, for dates, what
// JSON.stringify writes for a Date (ISO 8601, UTC, milliseconds), as the
// Upstash adapter stores them. The Lua scripts read "email", "userId" and
// "expires"; keep those names in sync with scripts.go.

// isoMillis is the layout of stored dates (JS Date.toISOString).
const isoMillis = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(isoMillis) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// truncate is t as stored: UTC, milliseconds.
func truncate(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// userRecord is a stored user. A NULL name, e-mail or image is a missing
// member (a member written as "" or null reads the same way).
type userRecord struct {
	ID            string `json:"id"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	Image         string `json:"image,omitempty"`
	EmailVerified string `json:"emailVerified,omitempty"`
}

// ownMembers are the members of a stored user that userRecord writes;
// any other is the application's.
var ownMembers = map[string]bool{"id": true, "name": true, "email": true, "image": true, "emailVerified": true}

// withAppMembers is data, a user as encodeUser writes it, followed by the
// members of old, the stored user, that are not ownMembers, each as it is
// stored, in the order of their names.
func withAppMembers(data, old string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(old), &m); err != nil {
		return "", fmt.Errorf("decode user: %w", err)
	}
	var names []string
	for n := range m {
		if !ownMembers[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return data, nil
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(data, "}")) // never "{}": data has an id
	for _, n := range names {
		k, err := json.Marshal(n)
		if err != nil {
			return "", err
		}
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(m[n])
	}
	b.WriteByte('}')
	return b.String(), nil
}

func encodeUser(u nextauth.User) (string, error) {
	r := userRecord{ID: u.ID, Name: u.Name.String(), Email: u.Email.String(), Image: u.Image.String()}
	if u.EmailVerified != nil {
		r.EmailVerified = formatTime(*u.EmailVerified)
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func decodeUser(s string) (nextauth.User, error) {
	var r userRecord
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nextauth.User{}, fmt.Errorf("decode user: %w", err)
	}
	u := nextauth.User{
		ID:    r.ID,
		Name:  nextauth.NullIfEmpty(r.Name),
		Email: nextauth.NullIfEmpty(r.Email),
		Image: nextauth.NullIfEmpty(r.Image),
	}
	if r.EmailVerified != "" {
		t, err := parseTime(r.EmailVerified)
		if err != nil {
			return nextauth.User{}, fmt.Errorf("decode user: emailVerified: %w", err)
		}
		u.EmailVerified = &t
	}
	return u, nil
}

type accountRecord struct {
	UserID            string `json:"userId"`
	Type              string `json:"type"`
	Provider          string `json:"provider"`
	ProviderAccountID string `json:"providerAccountId"`
	accountTokens
}

// accountTokens are the fields of accountRecord that UpdateAccount
// replaces; its script appends them, encoded on their own, to the stored
// identity fields.
type accountTokens struct {
	RefreshToken string `json:"refresh_token,omitempty"`
	AccessToken  string `json:"access_token,omitempty"`
	ExpiresAt    int64  `json:"expires_at,omitempty"`
	TokenType    string `json:"token_type,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	SessionState string `json:"session_state,omitempty"`
}

func tokensOf(a nextauth.Account) accountTokens {
	return accountTokens{RefreshToken: a.RefreshToken, AccessToken: a.AccessToken, ExpiresAt: a.ExpiresAt,
		TokenType: a.TokenType, Scope: a.Scope, IDToken: a.IDToken, SessionState: a.SessionState}
}

func encodeAccount(a nextauth.Account) (string, error) {
	b, err := json.Marshal(accountRecord{UserID: a.UserID, Type: a.Type, Provider: a.Provider,
		ProviderAccountID: a.ProviderAccountID, accountTokens: tokensOf(a)})
	return string(b), err
}

// encodeAccountTokens is the JSON object of a's token fields ("{}" when
// all are empty).
func encodeAccountTokens(a nextauth.Account) (string, error) {
	b, err := json.Marshal(tokensOf(a))
	return string(b), err
}

func decodeAccount(s string) (nextauth.Account, error) {
	var r accountRecord
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nextauth.Account{}, fmt.Errorf("decode account: %w", err)
	}
	t := r.accountTokens
	return nextauth.Account{UserID: r.UserID, Type: r.Type, Provider: r.Provider, ProviderAccountID: r.ProviderAccountID,
		RefreshToken: t.RefreshToken, AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt, TokenType: t.TokenType,
		Scope: t.Scope, IDToken: t.IDToken, SessionState: t.SessionState}, nil
}

type sessionRecord struct {
	SessionToken string `json:"sessionToken"`
	UserID       string `json:"userId"`
	Expires      string `json:"expires"`
}

func encodeSession(s nextauth.AdapterSession) (string, error) {
	b, err := json.Marshal(sessionRecord{SessionToken: s.SessionToken, UserID: s.UserID, Expires: formatTime(s.Expires)})
	return string(b), err
}

func decodeSession(s string) (nextauth.AdapterSession, error) {
	var r sessionRecord
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nextauth.AdapterSession{}, fmt.Errorf("decode session: %w", err)
	}
	t, err := parseTime(r.Expires)
	if err != nil {
		return nextauth.AdapterSession{}, fmt.Errorf("decode session: expires: %w", err)
	}
	return nextauth.AdapterSession{SessionToken: r.SessionToken, UserID: r.UserID, Expires: t}, nil
}

type tokenRecord struct {
	Identifier string `json:"identifier"`
	Token      string `json:"token"`
	Expires    string `json:"expires"`
}

func encodeToken(t nextauth.VerificationToken) (string, error) {
	b, err := json.Marshal(tokenRecord{Identifier: t.Identifier, Token: t.Token, Expires: formatTime(t.Expires)})
	return string(b), err
}

func decodeToken(s string) (nextauth.VerificationToken, error) {
	var r tokenRecord
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nextauth.VerificationToken{}, fmt.Errorf("decode verification token: %w", err)
	}
	t, err := parseTime(r.Expires)
	if err != nil {
		return nextauth.VerificationToken{}, fmt.Errorf("decode verification token: expires: %w", err)
	}
	return nextauth.VerificationToken{Identifier: r.Identifier, Token: r.Token, Expires: t}, nil
}
