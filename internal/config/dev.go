package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
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

// DevDatabase is the database --dev uses without a config file: the file
// nextauth.db in the working directory.
const DevDatabase = "sqlite://nextauth.db"

// devSecretSuffix ends the name of the file keeping the --dev secret,
// beside the SQLite database file.
const devSecretSuffix = ".secret"

// DevOptions configures [File.Dev].
type DevOptions struct {
	// Random is the source of the generated secret and password; nil means
	// crypto/rand.
	Random io.Reader
	// KeepSecret keeps a generated secret in a file beside an SQLite
	// database (FILE.secret, mode 0600) and reuses it on the next start,
	// so sessions survive restarts. Without it (nextauth check --dev), Dev
	// touches no file.
	KeepSecret bool
}

// DevSetup says what [File.Dev] filled in.
type DevSetup struct {
	// SecretGenerated is true when there was no secret and a random one was
	// made for this run only: sessions then end when the process does.
	SecretGenerated bool
	// SecretFile is the file the secret was read from or written to
	// (SecretCreated tells which); "" when the secret is not kept.
	SecretFile    string
	SecretCreated bool
	// Username and Password sign in the user Dev added (a credentials
	// provider), when there was no config file and no provider; both ""
	// otherwise.
	Username, Password string
	// Database is set to DevDatabase when Dev chose the database.
	Database string
	// ConsoleEmail is true when Dev added an e-mail provider whose links
	// are printed.
	ConsoleEmail bool
}

// Dev prepares f for the binary's --dev mode, in which the console e-mail
// server is allowed.
//
// When there is no config file and no provider, it adds what a first try
// needs: the database [DevDatabase] (unless database is set), a
// credentials provider with the user "dev" and a random password (hashed
// here), and an e-mail provider printing its links.
//
// A missing secret is then read from the file beside an SQLite database
// (o.KeepSecret), made and written there when the file does not exist, or
// else made for this run only: 32 random bytes, base64.
func (f *File) Dev(o DevOptions) (DevSetup, error) {
	random := o.Random
	if random == nil {
		random = rand.Reader
	}
	f.dev = true
	var s DevSetup
	if f.Path == "" && len(f.Providers) == 0 {
		if f.Database == "" {
			f.Database, s.Database = DevDatabase, DevDatabase
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
		f.Providers = append(f.Providers,
			Provider{Type: TypeCredentials, Credentials: &Credentials{Users: []User{{
				Username:     DevUsername,
				PasswordHash: string(hash),
				ID:           devUserID,
				Name:         devName,
				Email:        devEmail,
			}}}},
			Provider{Type: TypeEmail, Email: &Email{Server: ServerConsole}},
		)
		s.Username, s.Password, s.ConsoleEmail = DevUsername, password, true
	}
	if f.Secret != "" {
		return s, nil
	}
	if path := f.devSecretFile(); path != "" && o.KeepSecret {
		secret, created, err := keptSecret(path, random)
		if err != nil {
			return s, err
		}
		f.Secret, f.SecretSource = secret, ""
		s.SecretFile, s.SecretCreated = path, created
		return s, nil
	}
	secret, err := newSecret(random)
	if err != nil {
		return s, err
	}
	f.Secret, f.SecretSource = secret, ""
	s.SecretGenerated = true
	return s, nil
}

// devSecretFile is where --dev keeps its secret: beside the SQLite
// database file; "" for other databases.
func (f *File) devSecretFile() string {
	if f.Database == "" {
		return ""
	}
	db, err := parseDatabase(f.Database, f.fileBase())
	if err != nil || db.kind != KindSQLite || db.path == sqlite.Memory {
		return ""
	}
	return db.path + devSecretSuffix
}

// newSecret is 32 random bytes, base64.
func newSecret(random io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("config: dev secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// keptSecret reads the secret in the file at path, or makes one and
// writes it there (mode 0600) when the file does not exist.
func keptSecret(path string, random io.Reader) (secret string, created bool, err error) {
	if secret, err := readSecret(path); !errors.Is(err, fs.ErrNotExist) {
		return secret, false, err
	}
	if secret, err = newSecret(random); err != nil {
		return "", false, err
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it meanwhile: use theirs.
		secret, err := readSecret(path)
		return secret, false, err
	}
	if err != nil {
		return "", false, fmt.Errorf("config: dev secret: %w", err)
	}
	_, err = io.WriteString(file, secret+"\n")
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", false, fmt.Errorf("config: dev secret: %w", err)
	}
	return secret, true, nil
}

// readSecret reads a secret file.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: dev secret: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("config: dev secret: %s is empty; delete it to make a new secret (every session ends)", path)
	}
	return secret, nil
}
