package nextauth

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/nextauth-go/nextauth/jwt"
)

// Defaults of NextAuth v4 that are not Config fields of their own.
const (
	defaultSessionMaxAge    = 30 * 24 * time.Hour
	defaultSessionUpdateAge = 24 * time.Hour
	defaultMaxBodyBytes     = 1 << 20 // Next.js's body parser limit
	defaultEmailMaxAge      = 24 * time.Hour
)

// Config configures a [Handler]. The zero value of every field means
// NextAuth v4's default; only Secret is required. [New] copies the Config, so
// changing it afterwards has no effect.
type Config struct {
	// URL is the public URL of the auth routes (NEXTAUTH_URL), e.g.
	// "https://example.com/api/auth". Its path is the base path the routes
	// answer under; "" or a bare origin means "/api/auth", and a URL without
	// a scheme gets "https://" (docs/compatibility.md#urls-and-the-base-path). Default
	// "http://localhost:3000/api/auth". An https URL turns on secure cookies.
	URL string

	// Secret (NEXTAUTH_SECRET) keys session tokens, CSRF hashes and check
	// cookies. Used literally, as Node reads it, so tokens are shared with
	// NextAuth apps using the same secret. Required.
	Secret string

	// PreviousSecrets are older secrets still accepted (session tokens, CSRF
	// hashes, check cookies, email-token hashes); nothing new is made with
	// them. Rotate by moving the current secret here.
	PreviousSecrets []string

	// Providers are the ways to sign in, in the order GET /providers and the
	// sign-in page list them. Provider ids must be unique.
	Providers []Provider

	// Adapter stores users, accounts, sessions and e-mail tokens
	// (adapter/sqlite, adapter/postgres, adapter/redis, adapter/memory). With
	// an adapter, sessions default to the "database" strategy. E-mail providers
	// need one.
	Adapter Adapter

	// Session configures sessions.
	Session SessionConfig

	// JWT configures the session token.
	JWT JWTConfig

	// Cookies overrides cookie names and attributes, per cookie.
	Cookies Cookies

	// Callbacks customise decisions; nil members behave as NextAuth's
	// defaults.
	Callbacks Callbacks

	// Events are notified after things happen; nil members are skipped.
	Events Events

	// Claims compute claims at sign-in, in order, after the provider's
	// own ([User.Claims]); each sees the claims so far and returns those
	// to add, change or (nil) remove; protected claims ([ProtectedClaim])
	// cannot be touched. They run again, in the same order, on the
	// client's update() (TriggerUpdate, with its data) and after a
	// provider access-token refresh (TriggerRefresh); there a failing
	// function is logged and changes nothing. Under the JWT strategy the
	// claims ride in the token (the JWT callback sees them); under the
	// database strategy the Adapter must be a [SessionClaimsStore], which
	// keeps them beside the session. [SessionConfig.UserFields] shows them
	// in GET /session. Package rules compiles CEL rules into one, package
	// webhook's TokenHook asks a webhook.
	Claims []ClaimsFunc

	// Pages replaces built-in pages with the application's own.
	Pages Pages

	// Theme styles the built-in pages.
	Theme Theme

	// Allow restricts who may sign in, with any provider. Empty lists let
	// anyone in.
	Allow AllowList

	// RefreshAccessTokens keeps OAuth access tokens fresh: with the JWT
	// strategy the provider's tokens ride in the token's "oauth" claim and
	// are renewed (refresh_token grant) on session reads when they expire;
	// with the database strategy [Handler.AccessToken] renews them in the
	// Adapter. Providers must implement [TokenRefresher].
	RefreshAccessTokens bool

	// EmailRateLimit bounds POST /signin/:email so it cannot be used to
	// send mail in bulk. Defaults: 5 per address and 10 per client a minute.
	EmailRateLimit RateLimit

	// CredentialsRateLimit bounds POST /callback/:credentials. Defaults: 10
	// failures per account and 30 per client a minute, and 300 requests per
	// client a minute.
	CredentialsRateLimit RateLimit

	// LogRateLimit bounds POST /_log, the browser client's log proxy that
	// anyone can write to: PerClient entries per Window (default 60 a
	// minute); beyond it the answer is 429 with an empty body and only a
	// RATE_LIMITED warning is logged. PerAccount and Requests do not apply.
	LogRateLimit RateLimit

	// Lockout locks an account out of credentials sign-in after repeated
	// failures, for a time that doubles with each failure after a lock.
	Lockout Lockout

	// RateStore keeps the rate limits and lockout records; nil keeps them
	// in this process. Share one (adapter/redis, adapter/postgres) across a
	// fleet so that it enforces one limit.
	RateStore RateStore

	// ClientIPv6Prefix is the length of the IPv6 network that the
	// per-client rate limits (EmailRateLimit.PerClient, and PerClient and
	// Requests of CredentialsRateLimit) count as one client: a host is
	// usually given a whole /64, and could otherwise rotate through its
	// addresses. IPv4 clients are counted by address. Default 64; 128
	// counts each IPv6 address; 1 to 128.
	ClientIPv6Prefix int

	// TrustProxy lists the networks of reverse proxies whose
	// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host headers are
	// believed. Requests from elsewhere are taken as they come.
	TrustProxy []netip.Prefix

	// URLs are more public URLs the routes answer under (several host
	// names for one deployment). A request whose host (as a trusted proxy
	// reports it) matches one of them is served with that URL's origin and
	// cookies; any other request with URL's.
	URLs []string

	// CORSOrigins are origins (scheme://host[:port]) of browser apps on
	// other sites allowed to call the API with credentials.
	CORSOrigins []string

	// RedirectHosts lets callbackUrls go to other hosts than the site's own
	// (docs/forward-auth.md#one-sign-in-for-the-whole-domain): exact host
	// names ("grafana.example.com"), or "*.example.com" for any one label
	// under example.com (never example.com itself). It widens NextAuth's
	// default same-origin redirect rule only; a Callbacks.Redirect decides
	// alone. Under an https URL only https targets are allowed.
	RedirectHosts []string

	// Forward turns on the forward-auth check endpoint (docs/forward-auth.md)
	// that reverse proxies ask before every request; nil leaves the route
	// table NextAuth's.
	Forward *ForwardConfig

	// Introspect turns on POST {base}/introspect (RFC 7662 shape) for
	// backends that hold a session token (docs/forward-auth.md#introspection);
	// nil leaves the route table NextAuth's.
	Introspect *IntrospectConfig

	// Observer is told about sign-ins and rate-limit hits (for metrics);
	// nil tells nobody.
	Observer Observer

	// Logger receives structured logs with NextAuth's codes in the "code"
	// attribute. nil uses slog.Default().
	Logger *slog.Logger

	// Debug logs NextAuth's debug codes (CHUNKING_SESSION_COOKIE, …).
	Debug bool

	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MB,
	// as Next.js.
	MaxBodyBytes int64

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Rand is the source of randomness for tokens; nil means crypto/rand.
	Rand io.Reader
}

// Lockout is progressive lockout after failed credentials sign-ins, per
// account (the provider's identifier field, see [CredentialsIdentifier]).
// Each attempt is counted as a failure before its password is checked, in
// one atomic step of the [RateStore] with the decision, so that parallel
// guesses get no more than MaxFailures checks; a right password clears the
// account's failures. While locked, every attempt is refused with a wrong
// password's answer, without being counted.
type Lockout struct {
	// MaxFailures is how many failures in a row an account may have: the
	// one that reaches it locks the account. Default 5; negative turns
	// lockout off.
	MaxFailures int
	// Duration is the first lock's length. The failures are remembered
	// until MaxDuration after the last one, so each failure after a lock
	// has ended locks again at once, for twice as long as the lock before,
	// up to MaxDuration. Defaults 1 minute and 1 hour.
	Duration, MaxDuration time.Duration
}

// Observer is told what happens, for metrics. Its methods must be cheap and
// safe for concurrent use.
type Observer interface {
	// SignIn reports a sign-in attempt's outcome: "ok" or a NextAuth error
	// code (CredentialsSignin, OAuthCallback, …).
	SignIn(provider, outcome string)
	// RateLimited reports a request refused by a rate limit or lockout:
	// "email_account", "email_client", "credentials_account",
	// "credentials_client", "lockout" or "log_client".
	RateLimited(limit string)
}

// SessionStrategy is how sessions are kept: "jwt" (an encrypted cookie) or
// "database" (the Adapter). The constants are in session_jwt.go and
// session_db.go, beside their implementations.
type SessionStrategy string

// SessionConfig is NextAuth's `session` option.
type SessionConfig struct {
	// Strategy is "database" when an Adapter is set, else "jwt".
	Strategy SessionStrategy
	// MaxAge is how long an idle session lives. Default 30 days.
	MaxAge time.Duration
	// UpdateAge is how often a database session's expiry is extended.
	// Default 24 hours. JWT sessions are re-issued on every GET /session.
	UpdateAge time.Duration
	// GenerateSessionToken makes database session tokens; nil means a
	// random UUID v4, as NextAuth.
	GenerateSessionToken func() (string, error)
	// UserFields are fields copied into GET /session's user, after name,
	// email and image (none by default, NextAuth's answer). "id" is the
	// user's id: the token's sub (JWT strategy) or the user row's id
	// (database strategy). Any other name is the token's claim of that
	// name (JWT strategy), or (database strategy) the session's stored
	// claim of that name ([SessionClaimsStore]), else the user row's
	// column of that name ([UserColumnReader]: columns the app added). A
	// field without a value is left out.
	UserFields []string
}

// RateLimit bounds how often something may happen within Window. Zero
// fields take the defaults; a negative limit turns that limit off.
type RateLimit struct {
	// PerAccount is how many attempts one account may see per Window: the
	// e-mail address for e-mail sign-in, the value of the provider's
	// identifier field for credentials (see [CredentialsIdentifier]).
	PerAccount int
	// PerClient is how many attempts one client (IP address, or IPv6
	// network of [Config.ClientIPv6Prefix]) may make per Window.
	PerClient int
	// Requests (credentials only) is how many requests one client may send
	// per Window, whatever their outcome: a ceiling on raw volume. For
	// credentials, PerAccount and PerClient count only failed attempts (a
	// right password gives its tokens back), so that users who sign in
	// often from one address (a test suite, a kiosk, an office) are never
	// refused. Default 300.
	Requests int
	// Window is the period the limits count over. Default one minute.
	Window time.Duration
}

// JWTConfig is NextAuth's `jwt` option.
type JWTConfig struct {
	// MaxAge is the lifetime of the token minted at sign-in. Default 30
	// days; as in NextAuth it is independent of Session.MaxAge, which the
	// tokens re-issued by GET /session use.
	MaxAge time.Duration
}

// CookieOptions overrides one cookie. Zero fields keep the default.
type CookieOptions struct {
	Name     string
	Domain   string // e.g. ".example.com" to share a session across sub-domains
	Path     string
	SameSite http.SameSite // http.SameSiteDefaultMode keeps Lax
	Secure   *bool
	HTTPOnly *bool
	// MaxAge, in seconds, of the OAuth check cookies (default 900).
	MaxAge int
}

// Cookies holds per-cookie overrides (NextAuth's `cookies` option). Unlike
// NextAuth, an override is merged over the default: set only what changes.
type Cookies struct {
	SessionToken     CookieOptions
	CallbackURL      CookieOptions
	CSRFToken        CookieOptions
	PKCECodeVerifier CookieOptions
	State            CookieOptions
	Nonce            CookieOptions
}

// Pages are the application's own pages, used instead of the built-in ones
// (NextAuth's `pages` option). Paths may be relative ("/login") or absolute.
type Pages struct {
	SignIn        string
	SignOut       string
	Error         string
	VerifyRequest string
	NewUser       string
}

// Theme styles the built-in pages.
type Theme struct {
	ColorScheme string // "auto" (default), "light" or "dark"
	BrandColor  string // CSS colour, e.g. "#346df1"
	Logo        string // URL of an image shown above the card
	ButtonText  string // CSS colour of button text
}

// AllowList restricts sign-in to listed e-mail addresses or domains.
type AllowList struct {
	Emails  []string
	Domains []string
}

// Callbacks are NextAuth's `callbacks`: func fields, nil for the default.
type Callbacks struct {
	// SignIn decides whether a user may sign in. The default allows.
	SignIn func(ctx context.Context, p SignInParams) (SignInResult, error)

	// Redirect resolves a callbackUrl. The default keeps a URL only if it is
	// relative or on the same origin as baseURL, else returns baseURL
	// (docs/compatibility.md#callbackurl-and-redirects).
	Redirect func(ctx context.Context, url, baseURL string) (string, error)

	// JWT shapes the session token; it runs at sign-in and on every
	// /session read and update. The default returns p.Token. Returning a nil
	// token ends the session.
	JWT func(ctx context.Context, p JWTParams) (jwt.Claims, error)

	// Session shapes what GET /session returns. The default returns
	// p.Session.
	Session func(ctx context.Context, p SessionParams) (*Session, error)
}

// SignInParams are the arguments of [Callbacks.SignIn].
type SignInParams struct {
	User    *User
	Account *Account
	// Profile is the provider's raw profile (OAuth).
	Profile map[string]any
	// Credentials are the submitted fields (credentials providers).
	Credentials Credentials
	// VerificationRequest is true when an e-mail sign-in link is about to be
	// sent (email providers).
	VerificationRequest bool
}

// SignInResult is a [Callbacks.SignIn] decision. The zero value allows.
type SignInResult struct {
	// Deny refuses the sign-in with AccessDenied.
	Deny bool
	// Redirect, if set, stops the sign-in and sends the user there.
	Redirect string
}

// Triggers of the JWT and Session callbacks.
const (
	TriggerSignIn = "signIn"
	TriggerSignUp = "signUp"
	TriggerUpdate = "update"
	// TriggerRefresh is a [ClaimsFunc]'s trigger after the provider's
	// access token was renewed ([Config.RefreshAccessTokens]).
	TriggerRefresh = "refresh"
)

// JWTParams are the arguments of [Callbacks.JWT] (docs/compatibility.md#callbacks-and-events).
type JWTParams struct {
	Token     jwt.Claims
	User      *User          // sign-in only
	Account   *Account       // sign-in only
	Profile   map[string]any // OAuth sign-in only
	IsNewUser bool
	Trigger   string // TriggerSignIn, TriggerSignUp, TriggerUpdate or "" (a read)
	// Session is the data the client sent with update() (Trigger "update").
	Session any
	// Refreshed is true on a read that has just renewed the provider's
	// access token (Config.RefreshAccessTokens, JWT strategy).
	Refreshed bool
}

// SessionParams are the arguments of [Callbacks.Session].
type SessionParams struct {
	Session *Session
	Token   jwt.Claims // JWT strategy
	User    *User      // database strategy
	Trigger string     // TriggerUpdate on update(), else ""
	// NewSession is the data the client sent with update().
	NewSession any
}

// Events are NextAuth's `events`: called synchronously after the fact; a
// panic in one is logged and does not fail the request.
type Events struct {
	SignIn      func(ctx context.Context, e SignInEvent)
	SignOut     func(ctx context.Context, e SignOutEvent)
	CreateUser  func(ctx context.Context, u User)
	UpdateUser  func(ctx context.Context, u User)
	LinkAccount func(ctx context.Context, e LinkAccountEvent)
	Session     func(ctx context.Context, e SessionEvent)
}

// SignInEvent is the payload of [Events.SignIn].
type SignInEvent struct {
	User      User
	Account   *Account
	Profile   map[string]any
	IsNewUser bool
}

// SignOutEvent is the payload of [Events.SignOut]: the token (JWT
// strategy) or the deleted session (database strategy) that was signed out.
type SignOutEvent struct {
	Token   jwt.Claims
	Session *AdapterSession
}

// LinkAccountEvent is the payload of [Events.LinkAccount].
type LinkAccountEvent struct {
	User    User
	Account Account
	Profile map[string]any
}

// SessionEvent is the payload of [Events.Session]: the session returned,
// with the token (JWT strategy).
type SessionEvent struct {
	Session *Session
	Token   jwt.Claims
}

// setDefaults fills the zero fields of cfg with NextAuth's defaults and
// returns what is wrong with the rest (the providers, URLs and session
// strategy are New's).
func (cfg *Config) setDefaults() []error {
	var errs []error
	if cfg.Secret == "" {
		errs = append(errs, ErrNoSecret)
	}
	for i, s := range cfg.PreviousSecrets {
		if s == "" {
			errs = append(errs, configError("previous secret %d is empty", i+1))
		}
	}
	defaultRate(&cfg.EmailRateLimit, 5, 10)
	defaultRate(&cfg.CredentialsRateLimit, 10, 30)
	defaultRate(&cfg.LogRateLimit, 0, defaultLogPerClient)
	if cfg.CredentialsRateLimit.Requests == 0 {
		cfg.CredentialsRateLimit.Requests = 300
	}
	if cfg.ClientIPv6Prefix < 0 || cfg.ClientIPv6Prefix > 128 {
		errs = append(errs, configError("client IPv6 prefix %d: want 1 to 128 (0: the default, 64)", cfg.ClientIPv6Prefix))
	}
	if cfg.Lockout.MaxFailures == 0 {
		cfg.Lockout.MaxFailures = 5
	}
	if cfg.Lockout.Duration <= 0 {
		cfg.Lockout.Duration = time.Minute
	}
	if cfg.Lockout.MaxDuration <= 0 {
		cfg.Lockout.MaxDuration = time.Hour
	}
	if cfg.Session.MaxAge == 0 {
		cfg.Session.MaxAge = defaultSessionMaxAge
	}
	if cfg.Session.UpdateAge == 0 {
		cfg.Session.UpdateAge = defaultSessionUpdateAge
	}
	if cfg.JWT.MaxAge == 0 {
		cfg.JWT.MaxAge = jwt.DefaultMaxAge
	}
	if cfg.Session.MaxAge < 0 || cfg.Session.UpdateAge < 0 || cfg.JWT.MaxAge < 0 {
		errs = append(errs, configError("session and jwt max ages must not be negative"))
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch cfg.Theme.ColorScheme {
	case "", "auto", "light", "dark":
	default:
		errs = append(errs, configError("theme color scheme %q: want auto, light or dark", cfg.Theme.ColorScheme))
	}
	return errs
}

// defaultRate fills a RateLimit's zero fields.
func defaultRate(r *RateLimit, perAccount, perClient int) {
	if r.PerAccount == 0 {
		r.PerAccount = perAccount
	}
	if r.PerClient == 0 {
		r.PerClient = perClient
	}
	if r.Window <= 0 {
		r.Window = time.Minute
	}
}
