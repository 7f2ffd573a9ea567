package config

import (
	"encoding/base64"
	"fmt"
	"io"

	"golang.org/x/crypto/bcrypt"
)

// Dev user of [File.Dev].
const (
	DevUsername = "dev"
	devUserID   = "dev"
	devName     = "Dev User"
	devEmail    = "dev@example.com"
	// devPasswordCost is the bcrypt cost of the dev password's hash. The
	// password is 96 random bits and its hash never leaves the process, so
	// a high cost would only slow the start.
	devPasswordCost = bcrypt.MinCost
)

// DevSetup says what [File.Dev] filled in.
type DevSetup struct {
	// SecretGenerated is true when there was no secret and a random one was
	// made: sessions then end when the process does.
	SecretGenerated bool
	// Username and Password sign in the user Dev added (a credentials
	// provider), when there was no config file and no provider; both ""
	// otherwise.
	Username, Password string
}

// Dev prepares f for the binary's --dev mode: a missing secret becomes 32
// random bytes from random (base64), and when there is no config file and
// no provider, a credentials provider with the user "dev" and a random
// password is added (its bcrypt hash is made here).
func (f *File) Dev(random io.Reader) (DevSetup, error) {
	var s DevSetup
	if f.Secret == "" {
		b := make([]byte, 32)
		if _, err := io.ReadFull(random, b); err != nil {
			return s, fmt.Errorf("config: dev secret: %w", err)
		}
		f.Secret, f.SecretSource = base64.StdEncoding.EncodeToString(b), ""
		s.SecretGenerated = true
	}
	if f.Path != "" || len(f.Providers) > 0 {
		return s, nil
	}
	b := make([]byte, 12)
	if _, err := io.ReadFull(random, b); err != nil {
		return s, fmt.Errorf("config: dev password: %w", err)
	}
	password := base64.RawURLEncoding.EncodeToString(b)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), devPasswordCost)
	if err != nil {
		return s, fmt.Errorf("config: dev password: %w", err)
	}
	f.Providers = append(f.Providers, Provider{
		Type: TypeCredentials,
		Credentials: &Credentials{Users: []User{{
			Username:     DevUsername,
			PasswordHash: string(hash),
			ID:           devUserID,
			Name:         devName,
			Email:        devEmail,
		}}},
	})
	s.Username, s.Password = DevUsername, password
	return s, nil
}
