// Package config turns the nextauth binary's YAML file and environment into
// a [nextauth.Config].
//
// The sources, each winning over the one before:
//
//  1. the YAML file, if any, after ${NAME} and ${NAME:-default} are
//     replaced with environment variables in its text;
//  2. the environment: NEXTAUTH_URL, NEXTAUTH_SECRET (or else AUTH_SECRET)
//     and NEXTAUTH_SECRET_PREVIOUS (comma-separated); and, as in Auth.js
//     v5, each preset (github, google, …) whose AUTH_<ID>_ID and
//     AUTH_<ID>_SECRET are set is added unless the file has it
//     ([File.AutoConfigured]);
//  3. the command line, which sets fields of [File] directly (--dev calls
//     [File.Dev]).
//
// Checking and building are pure: [File.NextAuth] opens no file and no
// connection, so a configuration can be checked offline. [File.Open] then
// connects the database (database:) and the e-mail senders it names, and
// [File.Migrate] only brings the database schema up to date.
//
// Keys are snake_case; unknown keys are problems. Each provider type owns
// its keys: an entry of providers: is read as a node, its type: picked, and
// the rest decoded strictly into that type's struct (a plain switch in
// [Provider]). Every problem found — YAML syntax, unknown keys, wrong kinds,
// invalid values — is reported at once, as a [*Problem] naming the file,
// line and key path. docs/configuration.md documents every key.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth/provider"
)

// File is a configuration as read from a YAML file and the environment,
// not yet checked; [File.NextAuth] checks it and builds the
// [nextauth.Config]. Fields are the file's keys (yaml tags); zero values
// mean NextAuth's defaults.
type File struct {
	// URL is the public URL of the auth routes; its path is the base path.
	URL string `yaml:"url"`
	// Secret keys tokens and cookies.
	Secret string `yaml:"secret"`
	// PreviousSecrets are older secrets still accepted.
	PreviousSecrets []string `yaml:"previous_secrets"`
	// Database is the URL of the store of users, accounts, sessions and
	// e-mail tokens: sqlite://FILE, postgres://…, redis://… or rediss://….
	// "" means none (JWT sessions, no e-mail sign-in).
	Database string `yaml:"database"`
	// DatabaseOptions tunes the database.
	DatabaseOptions DatabaseOptions `yaml:"database_options"`
	// Allow restricts who may sign in.
	Allow Allow `yaml:"allow"`
	// Cookies overrides cookie names and attributes.
	Cookies Cookies `yaml:"cookies"`
	// Session configures sessions.
	Session Session `yaml:"session"`
	// JWT configures the session token.
	JWT JWT `yaml:"jwt"`
	// EmailRateLimit bounds how many sign-in e-mails are sent.
	EmailRateLimit RateLimit `yaml:"email_rate_limit"`
	// Theme styles the built-in pages.
	Theme Theme `yaml:"theme"`
	// Pages replaces built-in pages.
	Pages Pages `yaml:"pages"`
	// Debug turns on NextAuth's debug logs (and log level debug).
	Debug bool `yaml:"debug"`
	// Log configures the server's logs.
	Log Log `yaml:"log"`
	// Providers are the ways to sign in, in order.
	Providers []Provider `yaml:"providers"`

	// EnvProviders are the presets the environment configures
	// (AUTH_<ID>_ID, AUTH_<ID>_SECRET, …), half-configured ones included,
	// sorted by id; [File.AutoConfigured] says which of them are added.
	EnvProviders []EnvProvider `yaml:"-"`

	// Path is the file read; "" when there was none.
	Path string `yaml:"-"`
	// Unset lists the ${NAME} references without a value or default; they
	// expanded to "".
	Unset []UnsetVar `yaml:"-"`
	// URLSource and SecretSource name the environment variable URL and
	// Secret came from ("NEXTAUTH_URL", "NEXTAUTH_SECRET", "AUTH_SECRET"),
	// or are "" when they came from the file or are unset.
	URLSource, SecretSource string `yaml:"-"`
	// PreviousSecretsSource is "NEXTAUTH_SECRET_PREVIOUS" when
	// PreviousSecrets came from the environment.
	PreviousSecretsSource string `yaml:"-"`

	problems   []error        // found while reading; NextAuth reports them again
	unreadable bool           // the YAML did not parse, so its secret is unknown
	lines      map[string]int // key path → line, for later problems
	dev        bool           // [File.Dev] ran: the console e-mail server is allowed
}

// DatabaseOptions is the database_options key.
type DatabaseOptions struct {
	// KeyPrefix starts every Redis key (redis databases only); default
	// "nextauth:".
	KeyPrefix string `yaml:"key_prefix"`
	// CleanupInterval is how often expired sessions and e-mail tokens are
	// deleted (SQL databases only); nil means 10 minutes, 0 never.
	CleanupInterval *Duration `yaml:"cleanup_interval"`
}

// RateLimit is the email_rate_limit key; zero values mean the defaults, a
// negative limit turns that limit off.
type RateLimit struct {
	PerAddress int      `yaml:"per_address"`
	PerClient  int      `yaml:"per_client"`
	Window     Duration `yaml:"window"`
}

// Allow is the allow key: only these may sign in, with any provider.
type Allow struct {
	// Emails are addresses allowed to sign in (case-insensitive).
	Emails []string `yaml:"emails"`
	// Domains are e-mail domains whose addresses may sign in.
	Domains []string `yaml:"domains"`
}

// Cookies is the cookies key: per-cookie overrides.
type Cookies struct {
	SessionToken     Cookie `yaml:"session_token"`
	CallbackURL      Cookie `yaml:"callback_url"`
	CSRFToken        Cookie `yaml:"csrf_token"`
	PKCECodeVerifier Cookie `yaml:"pkce_code_verifier"`
	State            Cookie `yaml:"state"`
	Nonce            Cookie `yaml:"nonce"`
}

// Cookie overrides one cookie; empty fields keep NextAuth's default.
type Cookie struct {
	Name     string   `yaml:"name"`
	Domain   string   `yaml:"domain"`
	Path     string   `yaml:"path"`
	SameSite string   `yaml:"same_site"` // lax, strict or none
	Secure   *bool    `yaml:"secure"`
	HTTPOnly *bool    `yaml:"http_only"`
	MaxAge   Duration `yaml:"max_age"`
}

// Session is the session key.
type Session struct {
	Strategy  string   `yaml:"strategy"` // jwt or database
	MaxAge    Duration `yaml:"max_age"`
	UpdateAge Duration `yaml:"update_age"`
}

// JWT is the jwt key.
type JWT struct {
	MaxAge Duration `yaml:"max_age"`
}

// Theme is the theme key.
type Theme struct {
	ColorScheme string `yaml:"color_scheme"` // auto, light or dark
	BrandColor  string `yaml:"brand_color"`
	Logo        string `yaml:"logo"`
	ButtonText  string `yaml:"button_text"`
}

// Pages is the pages key: the application's own pages.
type Pages struct {
	SignIn        string `yaml:"sign_in"`
	SignOut       string `yaml:"sign_out"`
	Error         string `yaml:"error"`
	VerifyRequest string `yaml:"verify_request"`
	NewUser       string `yaml:"new_user"`
}

// Log is the log key.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn or error
	Format string `yaml:"format"` // text (default) or json
}

// Provider types, as written in type:. The id of every built-in preset
// ([provider.PresetIDs]: github, google, keycloak, …) is a type too.
const (
	TypeCredentials = "credentials"
	TypeEmail       = "email"
	TypeOAuth       = "oauth"
	TypeOIDC        = "oidc"
)

// supportedTypes lists the provider types for error messages.
func supportedTypes() string {
	return TypeCredentials + ", " + TypeEmail + ", " + TypeOAuth + ", " + TypeOIDC +
		" or a preset: " + strings.Join(provider.PresetIDs(), ", ")
}

// isPreset reports whether typ is the id of a built-in preset.
func isPreset(typ string) bool {
	_, ok := provider.Preset(typ)
	return ok
}

// Provider is one entry of providers:. Type says which of the per-type
// fields is set; each type has its own keys.
type Provider struct {
	// Type is the entry's type: key.
	Type string
	// Credentials is set for type credentials.
	Credentials *Credentials
	// Email is set for type email.
	Email *Email
	// OAuth is set for type oauth.
	OAuth *OAuth
	// OIDC is set for type oidc.
	OIDC *OIDC
	// Preset is set when Type is a preset id.
	Preset *Preset
}

// decodeNode reads type: and decodes the other keys strictly into the
// type's own struct.
func (p *Provider) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a provider (a mapping with a type key), got %s", describe(n))
		return
	}
	rest := *n
	rest.Content = nil
	var typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "type" && typeNode == nil {
			typeNode = resolve(n.Content[i+1])
			d.lines[joinKey(path, "type")] = k.Line
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	if typeNode == nil || isNull(typeNode) {
		d.fail(n, joinKey(path, "type"), "missing; supported types: %s", supportedTypes())
		return
	}
	if typeNode.Kind != yaml.ScalarNode {
		d.fail(typeNode, joinKey(path, "type"), "want a provider type (%s), got %s", supportedTypes(), describe(typeNode))
		return
	}
	p.Type = typeNode.Value
	var keys any // the type's own struct
	switch {
	case p.Type == TypeCredentials:
		p.Credentials = &Credentials{}
		keys = p.Credentials
	case p.Type == TypeEmail:
		p.Email = &Email{}
		keys = p.Email
	case p.Type == TypeOAuth:
		p.OAuth = &OAuth{}
		keys = p.OAuth
	case p.Type == TypeOIDC:
		p.OIDC = &OIDC{}
		keys = p.OIDC
	case isPreset(p.Type):
		p.Preset = &Preset{}
		keys = p.Preset
	default:
		d.fail(typeNode, joinKey(path, "type"), "unknown provider type %q; supported types: %s", p.Type, supportedTypes())
		return
	}
	d.decode(&rest, path, reflect.ValueOf(keys).Elem())
}

// ID is the provider's id: its id key, else its type (NextAuth's default;
// a preset's id is its type).
func (p *Provider) ID() string {
	var id string
	switch {
	case p.Credentials != nil:
		id = p.Credentials.ID
	case p.Email != nil:
		id = p.Email.ID
	case p.OAuth != nil:
		id = p.OAuth.ID
	case p.OIDC != nil:
		id = p.OIDC.ID
	case p.Preset != nil:
		id = p.Preset.ID
	}
	if id == "" {
		return p.Type
	}
	return id
}

// Credentials is a provider of type credentials: sign-in with a user name
// and password, checked against Users or by a POST to AuthorizeURL
// (exactly one of the two).
type Credentials struct {
	// ID defaults to "credentials".
	ID string `yaml:"id"`
	// Name defaults to "Credentials".
	Name string `yaml:"name"`
	// Fields are the inputs of the built-in sign-in page. nil means a user
	// name and a password; an empty list hides the provider from the page.
	Fields []Field `yaml:"fields"`
	// Users are static users with bcrypt password hashes.
	Users []User `yaml:"users"`
	// AuthorizeURL receives the submitted fields as JSON; a 200 answer with
	// a user object signs in.
	AuthorizeURL string `yaml:"authorize_url"`
}

// Field is one input of a credentials form.
type Field struct {
	Name        string `yaml:"name"`
	Label       string `yaml:"label"`
	Type        string `yaml:"type"`
	Placeholder string `yaml:"placeholder"`
	Value       string `yaml:"value"`
	Required    bool   `yaml:"required"`
}

// Email is a provider of type email: sign-in with a link sent by e-mail
// (NextAuth's Email provider). It needs a database.
type Email struct {
	// ID defaults to "email".
	ID string `yaml:"id"`
	// Name defaults to "Email".
	Name string `yaml:"name"`
	// Server says how links are sent: smtp://[user:password@]host[:port]
	// (STARTTLS), smtps://… (TLS from the start), "console" (printed; --dev
	// only) or "file:PATH" (appended to a file).
	Server string `yaml:"server"`
	// From is the sender address, e.g. "Acme <no-reply@acme.example>".
	From string `yaml:"from"`
	// MaxAge is how long a link stays valid; default 24 hours.
	MaxAge Duration `yaml:"max_age"`
}

// User is a static user of a credentials provider.
type User struct {
	Username     string `yaml:"username"`
	PasswordHash string `yaml:"password_hash"` // bcrypt
	ID           string `yaml:"id"`            // defaults to Username
	Name         string `yaml:"name"`
	Email        string `yaml:"email"`
	Image        string `yaml:"image"`
}

// Load reads the config file at path (none when path is "") and then the
// environment through env (nil means an empty environment), as [Parse]
// does. It returns a nil File only when the file cannot be read.
func Load(path string, env func(string) string) (*File, error) {
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	f, err := Parse(path, data, env)
	return f, err
}

// Parse reads the YAML config data (from the file name, used in messages;
// nothing when data is empty), expanding ${NAME} and ${NAME:-default} in
// its text first, and then the environment variables NEXTAUTH_URL,
// NEXTAUTH_SECRET or else AUTH_SECRET, and NEXTAUTH_SECRET_PREVIOUS, which
// win over the file, and the presets configured by AUTH_<ID>_ID,
// AUTH_<ID>_SECRET, … ([File.EnvProviders]). An unset or empty variable
// counts as absent. env nil means an empty environment.
//
// It always returns a File, with what could be read, and reports every
// problem found (all [*Problem]s, joined). Values are checked by
// [File.NextAuth], which reports these problems again.
func Parse(name string, data []byte, env func(string) string) (*File, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	f := &File{Path: name, lines: map[string]int{}}
	d := &decoder{file: name, lines: f.lines}
	text, unset, probs := expand(name, string(data), env)
	f.Unset = unset
	d.problems = append(d.problems, probs...)
	if strings.TrimSpace(text) != "" {
		f.decodeYAML(d, text)
	}
	f.problems = sortProblems(d.problems)
	f.applyEnv(env)
	f.EnvProviders = readEnvProviders(env)
	return f, errors.Join(f.problems...)
}

// decodeYAML parses text and decodes its single document into f.
func (f *File) decodeYAML(d *decoder, text string) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return
		}
		d.problems = append(d.problems, syntaxProblem(d.file, err))
		f.unreadable = true
		return
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		d.problems = append(d.problems, &Problem{File: d.file, Line: more.Line, Err: errors.New("only one YAML document is allowed (remove the ---)")})
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	d.decode(root, "", reflect.ValueOf(f).Elem())
}

// syntaxProblem turns a yaml.v3 syntax error ("yaml: line 3: …") into a
// Problem with its line.
func syntaxProblem(file string, err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if _, scanErr := fmt.Sscanf(num, "%d", &line); scanErr == nil {
				msg = after
			}
		}
	}
	return &Problem{File: file, Line: line, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

// applyEnv lets the environment win over the file.
func (f *File) applyEnv(env func(string) string) {
	if v := env("NEXTAUTH_URL"); v != "" {
		f.URL, f.URLSource = v, "NEXTAUTH_URL"
	}
	for _, name := range [...]string{"NEXTAUTH_SECRET", "AUTH_SECRET"} {
		if v := env(name); v != "" {
			f.Secret, f.SecretSource = v, name
			break
		}
	}
	if v := env("NEXTAUTH_SECRET_PREVIOUS"); v != "" {
		f.PreviousSecrets, f.PreviousSecretsSource = nil, "NEXTAUTH_SECRET_PREVIOUS"
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				f.PreviousSecrets = append(f.PreviousSecrets, s)
			}
		}
	}
}

// Warnings are things worth a word that are not problems: ${NAME}
// references that expanded to "".
func (f *File) Warnings() []string {
	var w []string
	for _, u := range f.Unset {
		w = append(w, fmt.Sprintf("config: %s:%d: ${%s} is not set and has no default (${%s:-default}); it expanded to \"\"", f.Path, u.Line, u.Name, u.Name))
	}
	return w
}
