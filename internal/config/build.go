package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/pages"
	"github.com/nextauth-go/nextauth/provider"
)

// validator collects the problems of one [File.NextAuth] call.
type validator struct {
	f        *File
	problems []error
	// console is where console e-mail servers print; nil for nowhere.
	console io.Writer
	// built are the OAuth providers built, by id.
	built map[string]builtOAuth
}

// add records a problem with the value at key path.
func (v *validator) add(key string, err error) {
	v.problems = append(v.problems, &Problem{File: v.f.Path, Line: v.line(key), Key: key, Err: err})
}

// addf is add with a formatted message.
func (v *validator) addf(key, format string, args ...any) {
	v.add(key, fmt.Errorf(format, args...))
}

// addSourced reports a problem with a value that came from the file (key)
// or from the environment variable source.
func (v *validator) addSourced(key, source string, err error) {
	if source == "" {
		v.add(key, err)
		return
	}
	v.problems = append(v.problems, &Problem{Key: source, Err: err})
}

// line is the line of key path, or of its nearest written parent.
func (v *validator) line(key string) int {
	for key != "" {
		if l, ok := v.f.lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

// NextAuth checks f and builds the [nextauth.Config] it describes, without
// opening any file or connection. It reports every problem at once: those
// [Parse] found, then each invalid value, then a missing secret (which
// matches [nextauth.ErrNoSecret]). Logger is left nil; see [File.Logger].
//
// When f names a database, Config.Adapter stands for it but fails every
// call, and console e-mail servers print nowhere: the Config passes
// nextauth.New's checks, as the server's would, but serving needs
// [File.Open], which connects them.
func (f *File) NextAuth() (nextauth.Config, error) {
	b, err := f.build(nil)
	return b.cfg, err
}

// built is what [File.build] makes.
type built struct {
	cfg nextauth.Config
	// db is the checked database; nil without one.
	db *database
	// oauth are the OAuth providers' configurations, by id.
	oauth map[string]builtOAuth
}

// build is [File.NextAuth] with console servers printing to console; it
// also returns the checked database and OAuth configurations.
func (f *File) build(console io.Writer) (built, error) {
	v := &validator{f: f, problems: append([]error(nil), f.problems...), console: console, built: map[string]builtOAuth{}}
	cfg := nextauth.Config{
		URL:             f.URL,
		Secret:          f.Secret,
		PreviousSecrets: append([]string(nil), f.PreviousSecrets...),
		Debug:           f.Debug,
	}
	if f.URL != "" {
		if err := checkBaseURL(f.URL); err != nil {
			v.addSourced("url", f.URLSource, err)
		}
	}
	for i, s := range f.PreviousSecrets {
		if s == "" {
			v.addf("previous_secrets["+strconv.Itoa(i)+"]", "empty secret")
		}
	}
	db := v.database(f.Database, f.DatabaseOptions)
	if db != nil {
		cfg.Adapter = unopened{*db}
	}
	cfg.Allow = v.allow(f.Allow)
	cfg.Cookies = v.cookies(f.Cookies)
	cfg.Session, cfg.JWT = v.session(f.Session, f.JWT)
	cfg.URLs = v.urls(f.URLs)
	cfg.TrustProxy = v.trustProxy(f.TrustProxy)
	cfg.CORSOrigins = v.corsOrigins(f.CORSOrigins)
	cfg.RedirectHosts = append([]string(nil), f.RedirectHosts...)
	cfg.Forward = v.forward(f.Forward)
	cfg.Introspect = v.introspect(f.Introspect)
	cfg.EmailRateLimit = v.rateLimit("email_rate_limit", f.EmailRateLimit)
	cfg.CredentialsRateLimit = v.rateLimit("credentials_rate_limit", f.CredentialsRateLimit)
	cfg.LogRateLimit = v.rateLimit("log_rate_limit", f.LogRateLimit)
	cfg.Lockout = v.lockout(f.Lockout)
	cfg.ClientIPv6Prefix = v.rateLimitOptions(f.RateLimit)
	cfg.Theme = v.theme(f.Theme)
	cfg.Pages = v.pages(f.Pages)
	v.log(f.Log)
	v.admin(f.Admin)
	v.metricsAddr(f.MetricsAddr)
	v.events(f.Events)
	cfg.Providers = v.providers(f.Providers)
	if r := v.rules(f.Claims, f.Allow.Expression); r != nil {
		if r.HasClaims() {
			cfg.Claims = []nextauth.ClaimsFunc{r.Claims}
		}
		if r.HasAllow() {
			cfg.Callbacks.SignIn = r.SignIn
		}
	}
	v.hooks(f.Hooks, &cfg)
	// A missing secret is worth a problem of its own unless the file could
	// not be read or its secret key is already reported.
	if f.Secret == "" && !f.unreadable && !f.reported("secret") {
		v.add("secret", noSecretError{})
	}
	return built{cfg: cfg, db: db, oauth: v.built}, errors.Join(sortProblems(v.problems)...)
}

// sortProblems orders problems by line, keeping the order of those on one
// line; problems without a line (environment, missing keys) go last.
func sortProblems(problems []error) []error {
	lineOf := func(err error) int {
		var p *Problem
		if errors.As(err, &p) && p.Line > 0 {
			return p.Line
		}
		return math.MaxInt
	}
	slices.SortStableFunc(problems, func(a, b error) int { return cmp.Compare(lineOf(a), lineOf(b)) })
	return problems
}

// checkBaseURL checks a URL as NextAuth reads NEXTAUTH_URL: "https://" is
// assumed without a scheme (docs/compatibility.md#urls-and-the-base-path).
// Unlike NextAuth, which would read "ftp://host" as "https://ftp://host",
// another scheme is a problem.
func checkBaseURL(s string) error {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an http or https URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: want a URL with a host, e.g. http://localhost:3000/api/auth", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: want no query or fragment", s)
	}
	return nil
}

// checkHTTPURL checks an absolute http(s) URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want an absolute http or https URL", s)
	}
	return nil
}

// checkPageURL checks a page path ("/login") or an absolute http(s) URL.
func checkPageURL(s string) error {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		if _, err := url.Parse(s); err != nil {
			return fmt.Errorf("not a URL path: %w", err)
		}
		return nil
	}
	if err := checkHTTPURL(s); err != nil {
		return fmt.Errorf("%q: want a path starting with / or an absolute http or https URL", s)
	}
	return nil
}

func (v *validator) allow(a Allow) nextauth.AllowList {
	for i, e := range a.Emails {
		if at := strings.LastIndexByte(e, '@'); at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t") {
			v.addf("allow.emails["+strconv.Itoa(i)+"]", "%q is not an e-mail address", e)
		}
	}
	for i, d := range a.Domains {
		d = strings.TrimPrefix(d, "@")
		if d == "" || strings.ContainsAny(d, "@/: \t") {
			v.addf("allow.domains["+strconv.Itoa(i)+"]", "%q is not a domain name (e.g. example.com)", a.Domains[i])
		}
	}
	return nextauth.AllowList{
		Emails:  append([]string(nil), a.Emails...),
		Domains: append([]string(nil), a.Domains...),
	}
}

func (v *validator) cookies(c Cookies) nextauth.Cookies {
	return nextauth.Cookies{
		SessionToken:     v.cookie("cookies.session_token", c.SessionToken),
		CallbackURL:      v.cookie("cookies.callback_url", c.CallbackURL),
		CSRFToken:        v.cookie("cookies.csrf_token", c.CSRFToken),
		PKCECodeVerifier: v.cookie("cookies.pkce_code_verifier", c.PKCECodeVerifier),
		State:            v.cookie("cookies.state", c.State),
		Nonce:            v.cookie("cookies.nonce", c.Nonce),
	}
}

func (v *validator) cookie(key string, c Cookie) nextauth.CookieOptions {
	o := nextauth.CookieOptions{Name: c.Name, Domain: c.Domain, Path: c.Path, Secure: c.Secure, HTTPOnly: c.HTTPOnly}
	if c.Name != "" && !validCookieName(c.Name) {
		v.addf(key+".name", "%q is not a cookie name (letters, digits and !#$%%&'*+-.^_`|~)", c.Name)
	}
	if strings.ContainsAny(c.Domain, ";, \t\r\n") {
		v.addf(key+".domain", "%q is not a domain", c.Domain)
	}
	if c.Path != "" && (!strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, "; \t\r\n")) {
		v.addf(key+".path", "%q: want a path starting with /", c.Path)
	}
	switch strings.ToLower(c.SameSite) {
	case "":
	case "lax":
		o.SameSite = http.SameSiteLaxMode
	case "strict":
		o.SameSite = http.SameSiteStrictMode
	case "none":
		o.SameSite = http.SameSiteNoneMode
		if c.Secure != nil && !*c.Secure {
			v.addf(key+".same_site", "none needs secure: true (browsers drop SameSite=None cookies that are not Secure)")
		}
	default:
		v.addf(key+".same_site", "%q: want lax, strict or none", c.SameSite)
	}
	o.MaxAge = v.seconds(key+".max_age", c.MaxAge)
	return o
}

// validCookieName reports whether s is an RFC 6265 token.
func validCookieName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// seconds checks a cookie age and returns it in whole seconds.
func (v *validator) seconds(key string, d Duration) int {
	switch {
	case d < 0:
		v.addf(key, "must not be negative")
		return 0
	case d > 0 && time.Duration(d) < time.Second:
		v.addf(key, "%s is less than a second", time.Duration(d))
		return 0
	}
	return int(time.Duration(d) / time.Second)
}

// age checks a session or token age.
func (v *validator) age(key string, d Duration) time.Duration {
	if d < 0 {
		v.addf(key, "must not be negative")
		return 0
	}
	return time.Duration(d)
}

func (v *validator) session(s Session, j JWT) (nextauth.SessionConfig, nextauth.JWTConfig) {
	sc := nextauth.SessionConfig{
		MaxAge:     v.age("session.max_age", s.MaxAge),
		UpdateAge:  v.age("session.update_age", s.UpdateAge),
		UserFields: v.userFields(s.UserFields),
	}
	switch s.Strategy {
	case "":
		sc.Strategy = nextauth.StrategyJWT
		if v.f.Database != "" {
			sc.Strategy = nextauth.StrategyDatabase
		}
	case string(nextauth.StrategyJWT):
		sc.Strategy = nextauth.StrategyJWT
	case string(nextauth.StrategyDatabase):
		sc.Strategy = nextauth.StrategyDatabase
		if v.f.Database == "" {
			v.addf("session.strategy", "database sessions need a database; set database:, e.g. sqlite://nextauth.db")
		}
	default:
		v.addf("session.strategy", "%q: want jwt or database", s.Strategy)
	}
	return sc, nextauth.JWTConfig{MaxAge: v.age("jwt.max_age", j.MaxAge)}
}

func (v *validator) theme(t Theme) nextauth.Theme {
	switch t.ColorScheme {
	case "", "auto", "light", "dark":
	default:
		v.addf("theme.color_scheme", "%q: want auto, light or dark", t.ColorScheme)
	}
	if t.BrandColor != "" && !pages.ValidColor(t.BrandColor) {
		v.addf("theme.brand_color", "%q is not a CSS colour (e.g. #346df1, rgb(52 109 241) or blue)", t.BrandColor)
	}
	if t.ButtonText != "" && !pages.ValidColor(t.ButtonText) {
		v.addf("theme.button_text", "%q is not a CSS colour (e.g. #fff)", t.ButtonText)
	}
	if t.Logo != "" && !strings.HasPrefix(t.Logo, "data:image/") {
		if err := checkPageURL(t.Logo); err != nil {
			v.add("theme.logo", err)
		}
	}
	return nextauth.Theme{ColorScheme: t.ColorScheme, BrandColor: t.BrandColor, Logo: t.Logo, ButtonText: t.ButtonText}
}

func (v *validator) pages(p Pages) nextauth.Pages {
	for _, pg := range [...]struct{ key, val string }{
		{"pages.sign_in", p.SignIn}, {"pages.sign_out", p.SignOut}, {"pages.error", p.Error},
		{"pages.verify_request", p.VerifyRequest}, {"pages.new_user", p.NewUser},
	} {
		if pg.val == "" {
			continue
		}
		if err := checkPageURL(pg.val); err != nil {
			v.add(pg.key, err)
		}
	}
	return nextauth.Pages{SignIn: p.SignIn, SignOut: p.SignOut, Error: p.Error, VerifyRequest: p.VerifyRequest, NewUser: p.NewUser}
}

func (v *validator) log(l Log) {
	if l.Level != "" {
		if _, err := parseLevel(l.Level); err != nil {
			v.add("log.level", err)
		}
	}
	switch l.Format {
	case "", "text", "json":
	default:
		v.addf("log.format", "%q: want text or json", l.Format)
	}
}

// parseLevel reads debug, info, warn or error.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
}

// Logger returns the server's logger, writing to w as log.format and
// log.level say (text and info by default; debug: true lowers the level to
// debug). Invalid values, which [File.NextAuth] reports, fall back to the
// defaults.
func (f *File) Logger(w io.Writer) *slog.Logger {
	level, err := parseLevel(f.Log.Level)
	if err != nil {
		level = slog.LevelInfo
	}
	if f.Debug {
		level = min(level, slog.LevelDebug)
	}
	opts := &slog.HandlerOptions{Level: level}
	if f.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// providers builds each provider, checks that ids are unique, and adds
// the presets the environment configures.
func (v *validator) providers(ps []Provider) []nextauth.Provider {
	var out []nextauth.Provider
	ids := map[string]int{}
	for i := range ps {
		p := &ps[i]
		path := "providers[" + strconv.Itoa(i) + "]"
		id := p.ID()
		var built nextauth.Provider
		switch {
		case p.Credentials != nil:
			built = v.credentials(path, p.Credentials)
		case p.Email != nil:
			built = v.email(path, p.Email)
		case p.OAuth != nil:
			built = v.oauth(path, id, p.OAuth)
		case p.OIDC != nil:
			built = v.oidc(path, id, p.OIDC)
		case p.Preset != nil:
			built = v.preset(path, p.Type, id, p.Preset)
		default:
			continue // the type problem is already reported
		}
		switch first, dup := ids[id]; {
		case dup:
			v.addf(path+".id", "%q is already the id of providers[%d]; give each provider its own id", id, first)
		case strings.ContainsAny(id, "/?#% "):
			v.addf(path+".id", "%q must not contain / ? # %% or spaces", id)
		default:
			ids[id] = i
		}
		if built != nil {
			out = append(out, built)
		}
	}
	return append(out, v.envProviders()...)
}

// defaultCredentialFields are the inputs of a credentials provider without
// fields: a user name and a password, as NextAuth's documented example.
func defaultCredentialFields() []nextauth.CredentialField {
	return []nextauth.CredentialField{
		{Name: "username", Label: "Username", Type: "text"},
		{Name: "password", Label: "Password", Type: "password"},
	}
}

// credentials checks and builds a credentials provider; nil when it has
// problems.
func (v *validator) credentials(path string, c *Credentials) nextauth.Provider {
	before := len(v.problems)
	fields := defaultCredentialFields()
	if c.Fields != nil {
		fields = make([]nextauth.CredentialField, 0, len(c.Fields))
		names := map[string]bool{}
		for i, fd := range c.Fields {
			key := path + ".fields[" + strconv.Itoa(i) + "]"
			switch {
			case fd.Name == "":
				v.addf(key+".name", "missing")
			case names[fd.Name]:
				v.addf(key+".name", "%q is listed twice", fd.Name)
			}
			names[fd.Name] = true
			fields = append(fields, nextauth.CredentialField(fd))
		}
		if len(c.Users) > 0 && len(c.Fields) > 0 && (!names["username"] || !names["password"]) {
			v.addf(path+".fields", "static users sign in with fields named username and password; list both")
		}
	}
	if id := c.IdentifierField; id != "" {
		found := false
		for _, fd := range fields {
			if fd.Name == id {
				found = true
				if fd.Type == "password" {
					v.addf(path+".identifier_field", "%q is a password field: name the field that identifies the account (a user name, an e-mail address)", id)
				}
			}
		}
		switch {
		case len(c.Users) > 0 && id != "username":
			v.addf(path+".identifier_field", "%q: static users sign in with their username; leave identifier_field out or set it to username", id)
		case !found && len(fields) > 0:
			v.addf(path+".identifier_field", "%q is not one of the fields", id)
		}
	}
	var authorize provider.AuthorizeFunc
	switch {
	case len(c.Users) > 0 && c.AuthorizeURL != "":
		v.addf(path, "set users or authorize_url, not both")
	case len(c.Users) > 0:
		authorize = v.staticUsers(path, c.Users)
	case c.AuthorizeURL != "":
		if err := checkHTTPURL(c.AuthorizeURL); err != nil {
			v.add(path+".authorize_url", err)
		} else {
			authorize = provider.RemoteAuthorize(c.AuthorizeURL, nil)
		}
	default:
		v.addf(path, "a credentials provider needs users (static users) or authorize_url (a remote check)")
	}
	if len(v.problems) > before || authorize == nil {
		return nil
	}
	// Static users are checked here, by username (also with fields: []),
	// with bcrypt: a refusal for a locked account does the same work, so
	// that its time does not show the lock.
	identifier := c.IdentifierField
	if len(c.Users) > 0 {
		identifier = "username"
	}
	return provider.Credentials(provider.CredentialsConfig{ID: c.ID, Name: c.Name, Fields: fields, Authorize: authorize,
		IdentifierField: identifier, CheckWhileLocked: len(c.Users) > 0,
		AllowDangerousEmailAccountLinking: c.AllowDangerousEmailAccountLinking})
}

// staticUsers checks static users and builds their authorize func.
func (v *validator) staticUsers(path string, users []User) provider.AuthorizeFunc {
	before := len(v.problems)
	static := make([]provider.StaticUser, 0, len(users))
	seen := map[string]int{}
	for i, u := range users {
		key := path + ".users[" + strconv.Itoa(i) + "]"
		if u.Username == "" {
			v.addf(key+".username", "missing")
		} else if first, dup := seen[u.Username]; dup {
			v.addf(key+".username", "%q is already users[%d]", u.Username, first)
		} else {
			seen[u.Username] = i
		}
		if u.PasswordHash == "" {
			v.addf(key+".password_hash", "missing; make one with: nextauth hash-password")
		} else if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			v.add(key+".password_hash", fmt.Errorf("not a bcrypt hash (make one with: nextauth hash-password; quote it in YAML): %w", err))
		}
		id := u.ID
		if id == "" {
			id = u.Username
		}
		static = append(static, provider.StaticUser{
			Username:     u.Username,
			PasswordHash: u.PasswordHash,
			User: nextauth.User{ID: id, Name: configured(u.Name), Email: configured(u.Email), Image: configured(u.Image),
				Claims: v.userClaims(key+".claims", u.Claims)},
		})
	}
	if len(v.problems) > before {
		return nil
	}
	authorize, err := provider.StaticUsers(static)
	if err != nil {
		v.add(path+".users", err)
		return nil
	}
	return authorize
}

// Summary describes cfg, which f built, in a few lines, for nextauth
// check: the URL, the database (password masked), the session strategy
// and each provider's id, type and name; the providers the environment
// configured ([File.AutoConfigured]) name their variables. No secret is
// shown.
func (f *File) Summary(cfg nextauth.Config) string {
	var b strings.Builder
	u := cfg.URL
	if u == "" {
		u = nextauth.DefaultURL + " (default)"
	}
	fmt.Fprintf(&b, "url: %s\n", u)
	fmt.Fprintf(&b, "database: %s\n", summaryDatabase(cfg.Adapter))
	strategy := cfg.Session.Strategy
	if strategy == "" {
		strategy = nextauth.StrategyJWT
		if cfg.Adapter != nil {
			strategy = nextauth.StrategyDatabase
		}
	}
	fmt.Fprintf(&b, "sessions: %s\n", strategy)
	if len(cfg.Providers) == 0 {
		b.WriteString("providers: none\n")
		return b.String()
	}
	fromEnv := map[string][]string{}
	for _, e := range f.AutoConfigured() {
		fromEnv[e.Preset] = e.Vars
	}
	b.WriteString("providers:\n")
	for _, p := range cfg.Providers {
		info := p.Info()
		fmt.Fprintf(&b, "  %s (%s, %q)", info.ID, info.Type, info.Name)
		if vars := fromEnv[info.ID]; vars != nil {
			fmt.Fprintf(&b, " from the environment: %s", strings.Join(vars, ", "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// reported reports whether reading f found a problem with key.
func (f *File) reported(key string) bool {
	for _, err := range f.problems {
		var p *Problem
		if errors.As(err, &p) && p.Key == key {
			return true
		}
	}
	return false
}

// configured is a static user's field: its value, or absent (left out of
// the session, as a key authorize() does not return) when not configured.
func configured(s string) nextauth.NullString {
	if s == "" {
		return nextauth.NullString{}
	}
	return nextauth.String(s)
}

// userFields checks session.user_fields.
func (v *validator) userFields(fields []string) []string {
	seen := map[string]bool{}
	for i, f := range fields {
		key := "session.user_fields[" + strconv.Itoa(i) + "]"
		switch {
		case f == "":
			v.addf(key, "empty: name a claim or user column, or id")
		case f == "name" || f == "email" || f == "image":
			v.addf(key, "%q is always in the session's user", f)
		case nextauth.ProtectedClaim(f):
			v.addf(key, "%q is a claim the server keeps to itself; id is the user's id", f)
		case seen[f]:
			v.addf(key, "%q is listed twice", f)
		}
		seen[f] = true
	}
	return append([]string(nil), fields...)
}
