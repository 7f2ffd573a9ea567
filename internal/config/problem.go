package config

import (
	"strconv"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// Problem is one thing wrong with a configuration. [Load], [Parse] and
// [File.NextAuth] return every Problem they find, joined with errors.Join.
type Problem struct {
	// File is the config file's path; "" when the value came from the
	// environment.
	File string
	// Line is the 1-based line in File; 0 when unknown.
	Line int
	// Column is the 1-based column in Line (problems inside a CEL
	// expression); 0 when not given.
	Column int
	// Key is the key path, e.g. "providers[1].users[0].password_hash", or
	// the environment variable the value came from, e.g. "NEXTAUTH_URL".
	// "" for problems of the whole file.
	Key string
	// Err says what is wrong.
	Err error
}

// Error reads "config: FILE:LINE: KEY: what is wrong" (FILE:LINE:COLUMN
// when the column is known).
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	switch {
	case p.File != "":
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Line))
			if p.Column > 0 {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(p.Column))
			}
		}
		b.WriteString(": ")
	case p.Line > 0:
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	if p.Err != nil {
		b.WriteString(p.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

// noSecretError is the missing-secret problem: NextAuth's NO_SECRET, with
// the way out. It matches [nextauth.ErrNoSecret] under errors.Is.
type noSecretError struct{}

func (noSecretError) Error() string {
	return "no secret (NO_SECRET): set NEXTAUTH_SECRET, e.g. export NEXTAUTH_SECRET=\"$(openssl rand -base64 32)\", " +
		"or the config file's secret key; for a local try without one, run with --dev"
}

func (noSecretError) Is(target error) bool { return target == nextauth.ErrNoSecret }
