package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
)

// StaticUser is a user of [StaticUsers]: a user name, a bcrypt hash of the
// password and the user signed in on success.
type StaticUser struct {
	Username     string
	PasswordHash string
	User         nextauth.User
}

// StaticUsers returns an authorize func that checks the "username" and
// "password" fields against users. Unknown user names and wrong passwords
// are indistinguishable, in answer and in time; give it to [Credentials]
// with CheckWhileLocked so that a locked account is too (each call is one
// bcrypt comparison), and with Fields naming username and password (or
// none), so that the lockout counts on the user name it checks. It reports
// users without a user name, id or valid bcrypt hash, and duplicate user
// names.
func StaticUsers(users []StaticUser) (AuthorizeFunc, error) {
	byName := make(map[string]StaticUser, len(users))
	var errs []error
	for i, u := range users {
		switch {
		case u.Username == "":
			errs = append(errs, fmt.Errorf("provider: user %d has no username", i+1))
		case u.User.ID == "":
			errs = append(errs, fmt.Errorf("provider: user %q has no id", u.Username))
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			errs = append(errs, fmt.Errorf("provider: user %q: password_hash is not a bcrypt hash: %w", u.Username, err))
		}
		if _, dup := byName[u.Username]; dup && u.Username != "" {
			errs = append(errs, fmt.Errorf("provider: user %q is listed twice", u.Username))
		}
		byName[u.Username] = u
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// An unknown user name is checked against this hash of a random
	// password, at the highest cost in use, so that it takes as long as a
	// wrong password.
	cost := bcrypt.MinCost
	for _, u := range users {
		if c, _ := bcrypt.Cost([]byte(u.PasswordHash)); c > cost {
			cost = c
		}
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword(random[:32], cost)
	if err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	dummyHash := string(dummy)
	return func(_ context.Context, creds nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
		u, found := byName[creds["username"]]
		hash := u.PasswordHash
		if !found {
			hash = dummyHash
		}
		if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(creds["password"])); err != nil || !found {
			return nil, nil
		}
		user := u.User
		return &user, nil
	}, nil
}

// nextAuthFields are fields NextAuth's client adds to every sign-in post;
// [RemoteAuthorize] does not forward them.
var nextAuthFields = [...]string{"csrfToken", "callbackUrl", "json", "redirect"}

// maxRemoteResponse bounds what [RemoteAuthorize] reads of an answer.
const maxRemoteResponse = 1 << 20

// RemoteAuthorize returns an authorize func that POSTs the submitted fields
// (without csrfToken, callbackUrl, json and redirect; through [Credentials]
// with Fields, only those) as a JSON object to endpoint. A 200 answer with a user object ({"id", "name", "email",
// "image"}; a null member is null in the session, a missing one is left
// out, as NextAuth does with authorize()'s user) signs that user in, its other members being the user's claims ([nextauth.User.Claims]); 401, 403 and 404 are a failed sign-in; any
// other answer, or none within the client's timeout, is an error. client nil
// means a client with a 10 s timeout.
func RemoteAuthorize(endpoint string, client *http.Client) AuthorizeFunc {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return func(ctx context.Context, creds nextauth.Credentials, _ *http.Request) (*nextauth.User, error) {
		fields := make(map[string]string, len(creds))
		for k, v := range creds {
			fields[k] = v
		}
		for _, k := range nextAuthFields {
			delete(fields, k)
		}
		body, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("provider: authorize: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("provider: authorize: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("provider: authorize: %w", err)
		}
		defer res.Body.Close()
		data, err := io.ReadAll(io.LimitReader(res.Body, maxRemoteResponse))
		if err != nil {
			return nil, fmt.Errorf("provider: authorize: reading answer: %w", err)
		}
		switch res.StatusCode {
		case http.StatusOK:
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return nil, nil
		default:
			return nil, fmt.Errorf("provider: authorize: endpoint answered %s", res.Status)
		}
		// A null member is null, a missing one absent, as authorize()'s
		// user object is in NextAuth.
		var u struct {
			ID    json.RawMessage     `json:"id"`
			Name  nextauth.NullString `json:"name"`
			Email nextauth.NullString `json:"email"`
			Image nextauth.NullString `json:"image"`
		}
		if err := json.Unmarshal(data, &u); err != nil {
			return nil, fmt.Errorf("provider: authorize: answer is not a user object: %w", err)
		}
		id, err := idString(u.ID)
		if err != nil {
			return nil, err
		}
		claims, err := extraMembers(data)
		if err != nil {
			return nil, err
		}
		return &nextauth.User{ID: id, Name: u.Name, Email: u.Email, Image: u.Image, Claims: claims}, nil
	}
}

// idString accepts a user id given as a JSON string or number, as
// NextAuth's String(user.id) does.
func idString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && s != "" {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", errors.New("provider: authorize: answer has no user id")
}

// extraMembers are the members of a user object beyond id, name, email and
// image: the user's claims; nil when there are none.
func extraMembers(data []byte) (map[string]any, error) {
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("provider: authorize: answer is not a user object: %w", err)
	}
	for _, k := range [...]string{"id", "name", "email", "image"} {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}
