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
// connects the database (database:) and the e-mail senders it names;
// [File.Reuse] builds a reloaded configuration on the [Store] already open
// when the database did not change ([Store.Serves]); and [File.Migrate]
// only brings the database schema up to date. The server's own keys
// (admin, metrics_addr, log) are read from the File: [File.AdminPath],
// [File.BasePaths], [File.Logger].
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
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strconv"
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
	// URLs are more public URLs the routes answer under (other host
	// names of the same deployment).
	URLs []string `yaml:"urls"`
	// Secret keys tokens and cookies.
	Secret string `yaml:"secret"`
	// PreviousSecrets are older secrets still accepted.
	PreviousSecrets []string `yaml:"previous_secrets"`
	// Database is the URL of the store of users, accounts, sessions and
	// e-mail tokens: sqlite://FILE, file:FILE (Prisma's), postgres://…,
	// mysql://…, redis://… or rediss://….
	// "" means none (JWT sessions, no e-mail sign-in).
	Database string `yaml:"database"`
	// DatabaseOptions tunes the database.
	DatabaseOptions DatabaseOptions `yaml:"database_options"`
	// DatabaseLayout forces the layout of the database's tables
	// (pg-adapter, prisma, kysely, drizzle, typeorm) instead of detecting
	// it; "" detects.
	DatabaseLayout string `yaml:"database_layout"`
	// PrismaSchema is the path of the app's schema.prisma (relative to the
	// config file's folder): a relative file: database path is resolved
	// against its folder, as Prisma does.
	PrismaSchema string `yaml:"prisma_schema"`
	// TrustProxy lists the reverse proxies (CIDR networks or single IP
	// addresses) whose X-Forwarded-* and X-Request-Id headers are believed.
	TrustProxy []string `yaml:"trust_proxy"`
	// CORSOrigins are the origins (scheme://host[:port]) of browser apps
	// on other sites allowed to call the routes with credentials.
	CORSOrigins []string `yaml:"cors_origins"`
	// RedirectHosts are other hosts a callbackUrl may lead to
	// (docs/forward-auth.md).
	RedirectHosts []string `yaml:"redirect_hosts"`
	// Forward turns on the forward-auth check (docs/forward-auth.md).
	Forward *Forward `yaml:"forward"`
	// Introspect turns on POST {base}/introspect for backends
	// (docs/forward-auth.md).
	Introspect *Introspect `yaml:"introspect"`
	// Allow restricts who may sign in.
	Allow Allow `yaml:"allow"`
	// Claims are claims computed at sign-in: claim name → CEL expression
	// over user, account, profile and token (package rules).
	Claims ClaimRules `yaml:"claims"`
	// Cookies overrides cookie names and attributes.
	Cookies Cookies `yaml:"cookies"`
	// Session configures sessions.
	Session Session `yaml:"session"`
	// JWT configures the session token.
	JWT JWT `yaml:"jwt"`
	// EmailRateLimit bounds how many sign-in e-mails are sent. Its
	// per_account was per_address, still read (with a warning).
	EmailRateLimit RateLimit `yaml:"email_rate_limit"`
	// CredentialsRateLimit bounds credentials sign-in attempts.
	CredentialsRateLimit RateLimit `yaml:"credentials_rate_limit"`
	// LogRateLimit bounds POST /_log, the browser client's log proxy, per
	// client (per_client and window only).
	LogRateLimit RateLimit `yaml:"log_rate_limit"`
	// Lockout locks an account out of credentials sign-in after repeated
	// failures.
	Lockout Lockout `yaml:"lockout"`
	// RateLimit tunes how every rate limit counts clients.
	RateLimit RateLimitOptions `yaml:"rate_limit"`
	// Theme styles the built-in pages.
	Theme Theme `yaml:"theme"`
	// Pages replaces built-in pages.
	Pages Pages `yaml:"pages"`
	// Debug turns on NextAuth's debug logs (and log level debug).
	Debug bool `yaml:"debug"`
	// Log configures the server's logs.
	Log Log `yaml:"log"`
	// Admin turns on the admin API ([nextauth.Handler.AdminHandler]).
	Admin Admin `yaml:"admin"`
	// Events sends the events (sign-in, sign-out, …) as signed webhooks
	// (docs/events.md).
	Events Events `yaml:"events"`
	// Hooks are webhooks asked during a sign-in and when the session
	// token is made or updated (docs/hooks.md).
	Hooks Hooks `yaml:"hooks"`
	// MetricsAddr is where the server serves Prometheus metrics
	// (host:port, its own listener); "" means nowhere.
	MetricsAddr string `yaml:"metrics_addr"`
	// Providers are the ways to sign in, in order.
	Providers []Provider `yaml:"providers"`

	// EnvProviders are the presets the environment configures
	// (AUTH_<ID>_ID, AUTH_<ID>_SECRET, …), half-configured ones included,
	// sorted by id; [File.AutoConfigured] says which of them are added.
	EnvProviders []EnvProvider `yaml:"-"`

	// HTTPClient sends the OAuth providers' requests (discovery, keys,
	// token, userinfo); nil means each provider's own. The server sets it
	// to measure them. Set it before [File.NextAuth] or [File.Open].
	HTTPClient *http.Client `yaml:"-"`

	// HookLogger gets the hooks' failures that do not fail a request
	// (on_error: allow, updates); nil means slog.Default(). Set it before
	// [File.NextAuth] or [File.Open].
	HookLogger *slog.Logger `yaml:"-"`

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
	deprecated []*Problem     // old keys still read, for Warnings
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
	// ServerTables (SQL databases holding another adapter's layout:
	// Prisma, Drizzle, Kysely, TypeORM) lets the server create its own
	// nextauth_* tables beside that layout, for JWT revocation and shared
	// rate limits; nil means true. With false it creates nothing, and
	// those stay unavailable or in the process.
	ServerTables *bool `yaml:"server_tables"`
}

// Events is the events key: where the events go as signed webhooks.
type Events struct {
	// URL receives the events: https, or http to a loopback address.
	URL string `yaml:"url"`
	// Secret signs them: "whsec_" + base64 of 24 to 64 random bytes.
	Secret string `yaml:"secret"`
	// Types are the events sent: signIn, signOut, createUser, updateUser,
	// linkAccount; empty means all.
	Types []string `yaml:"types"`
	// Timeout bounds each delivery attempt; nil means 10 s.
	Timeout *Duration `yaml:"timeout"`
}

// RateLimit is the email_rate_limit, credentials_rate_limit and
// log_rate_limit keys; zero values mean the defaults, a negative limit
// turns that limit off.
type RateLimit struct {
	// PerAccount bounds the attempts on one account (e-mail address or
	// user name) per Window. email_rate_limit also reads it from
	// per_address, its name before credentials_rate_limit existed.
	PerAccount int `yaml:"per_account"`
	// PerClient bounds the attempts of one client (IP address) per Window.
	PerClient int `yaml:"per_client"`
	// Requests (credentials_rate_limit only) bounds every request of one
	// client per Window, successful or not.
	Requests int      `yaml:"requests"`
	Window   Duration `yaml:"window"`
}

// RateLimitOptions is the rate_limit key.
type RateLimitOptions struct {
	// IPv6Prefix is the length of the IPv6 network per-client limits count
	// as one client; 0 means 64.
	IPv6Prefix int `yaml:"ipv6_prefix"`
}

// aliasPerAddress is the old name of email_rate_limit.per_account.
const aliasPerAddress = "per_address"

// decodeNode decodes the mapping strictly; under email_rate_limit it
// also reads per_address into PerAccount and records a deprecation
// warning.
func (r *RateLimit) decodeNode(d *decoder, n *yaml.Node, path string) {
	*r = RateLimit{}
	if isNull(n) {
		return
	}
	if path != "email_rate_limit" || n.Kind != yaml.MappingNode {
		d.mapping(n, path, reflect.ValueOf(r).Elem())
		return
	}
	hasAccount := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "per_account" {
			hasAccount = true
		}
	}
	// The alias is decoded in its place, renamed, so problems keep the
	// file's order; those found in its value then get its name back.
	rest := *n
	rest.Content = nil
	aliasLine := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode || k.Value != aliasPerAddress {
			rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
			continue
		}
		key := joinKey(path, aliasPerAddress)
		switch {
		case aliasLine != 0:
			d.fail(k, key, "repeated key (first on line %d)", aliasLine)
		case hasAccount:
			d.fail(k, key, "is the old name of per_account; keep only per_account")
		default:
			aliasLine = k.Line
			d.deprecated = append(d.deprecated, &Problem{File: d.file, Line: k.Line, Key: key,
				Err: errors.New("deprecated: renamed per_account (same meaning); per_address is still read")})
			renamed := *k
			renamed.Value = "per_account"
			rest.Content = append(rest.Content, &renamed, n.Content[i+1])
		}
	}
	before := len(d.problems)
	d.mapping(&rest, path, reflect.ValueOf(r).Elem())
	if aliasLine == 0 {
		return
	}
	account, alias := joinKey(path, "per_account"), joinKey(path, aliasPerAddress)
	d.lines[alias] = aliasLine
	for _, err := range d.problems[before:] {
		if p, ok := err.(*Problem); ok && (p.Key == account || strings.HasPrefix(p.Key, account+"[")) {
			p.Key = alias + strings.TrimPrefix(p.Key, account)
		}
	}
}

// Lockout is the lockout key: credentials sign-in refused after
// MaxFailures failures in a row, for Duration, doubled with each further
// failure up to MaxDuration. Zero values mean the defaults (5, 1 minute,
// 1 hour); a negative MaxFailures turns lockout off.
type Lockout struct {
	MaxFailures int      `yaml:"max_failures"`
	Duration    Duration `yaml:"duration"`
	MaxDuration Duration `yaml:"max_duration"`
}

// Admin is the admin key: the admin API, served under Path on the main
// listener to callers presenting Token as a bearer token.
type Admin struct {
	// Token is the bearer token; at least [MinAdminTokenLength]
	// characters. "" leaves the admin API off. Nothing shows it.
	Token string `yaml:"token"`
	// Path is where the API is mounted; default [DefaultAdminPath].
	Path string `yaml:"path"`
}

// Allow is the allow key: only these may sign in, with any provider.
type Allow struct {
	// Emails are addresses allowed to sign in (case-insensitive).
	Emails []string `yaml:"emails"`
	// Domains are e-mail domains whose addresses may sign in.
	Domains []string `yaml:"domains"`
	// Expression is a CEL rule over user, account and profile that must
	// be true for a sign-in (AccessDenied otherwise), beside the lists.
	Expression Expression `yaml:"expression"`
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
	// UserFields are fields copied into GET /session's user: id, and
	// claims or (database sessions) user-row columns by name.
	UserFields []string `yaml:"user_fields"`
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
	// IdentifierField names the field identifying the account, which the
	// per-account rate limit and the lockout count on; "" means username,
	// else email, else the first field that is not a password. One of
	// Fields; with fields: [] it is needed for any per-account protection.
	IdentifierField string `yaml:"identifier_field"`
	// Users are static users with bcrypt password hashes.
	Users []User `yaml:"users"`
	// AuthorizeURL receives the submitted fields as JSON; a 200 answer with
	// a user object signs in.
	AuthorizeURL string `yaml:"authorize_url"`
	// AllowDangerousEmailAccountLinking lets a first sign-in under database
	// sessions link to an existing user with the e-mail address the user
	// has here; without it such a sign-in is refused (CredentialsSignin).
	AllowDangerousEmailAccountLinking bool `yaml:"allow_dangerous_email_account_linking"`
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
	// Claims are more claims of the user, kept in the session token.
	Claims UserClaims `yaml:"claims"`
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
	d.text = strings.Split(text, "\n")
	d.problems = append(d.problems, probs...)
	if strings.TrimSpace(text) != "" {
		f.decodeYAML(d, text)
	}
	f.problems = sortProblems(d.problems)
	f.deprecated = d.deprecated
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
// references that expanded to "", deprecated keys, a trust_proxy entry
// that trusts every address, and a credentials provider without an
// identifier field (no per-account rate limit or lockout).
func (f *File) Warnings() []string {
	var w []string
	for _, u := range f.Unset {
		w = append(w, fmt.Sprintf("config: %s:%d: ${%s} is not set and has no default (${%s:-default}); it expanded to \"\"", f.Path, u.Line, u.Name, u.Name))
	}
	for _, p := range f.deprecated {
		w = append(w, p.Error())
	}
	for i, s := range f.TrustProxy {
		if p, err := parseTrustedProxy(s); err == nil && p.Bits() == 0 {
			key := "trust_proxy[" + strconv.Itoa(i) + "]"
			w = append(w, (&Problem{File: f.Path, Line: f.lines[key], Key: key,
				Err: fmt.Errorf("%s trusts every address: any client can then choose the address rate limits count and logs show; list your proxies' networks", p)}).Error())
		}
	}
	for i, p := range f.Providers {
		if c := p.Credentials; c != nil && c.IdentifierField == "" && len(c.Users) == 0 && c.Fields != nil && !hasIdentifier(c.Fields) {
			key := "providers[" + strconv.Itoa(i) + "].identifier_field"
			w = append(w, (&Problem{File: f.Path, Line: f.lines["providers["+strconv.Itoa(i)+"].fields"], Key: key,
				Err: errors.New("missing: without a field naming the account (fields lists no user name or other text field), " +
					"this provider has no per-account rate limit and no lockout; set identifier_field to the field your users sign in with")}).Error())
		}
	}
	return w
}

// hasIdentifier reports whether fields have one that can name the account:
// one that is not a password.
func hasIdentifier(fields []Field) bool {
	for _, f := range fields {
		if f.Type != "password" {
			return true
		}
	}
	return false
}
