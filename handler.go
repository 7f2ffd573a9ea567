package nextauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/form"
	"github.com/nextauth-go/nextauth/internal/pages"
	"github.com/nextauth-go/nextauth/internal/ratelimit"
	"github.com/nextauth-go/nextauth/jwt"
)

// Handler serves NextAuth's REST API (GET /api/auth/session, …). It is an
// [http.Handler]: mount it at the base path of [Config.URL], with or without
// the prefix stripped. It is safe for concurrent use.
type Handler struct {
	cfg         Config
	sites       []*site  // Config.URL first, then Config.URLs
	secrets     []string // current first, then previous
	codec       *jwt.Codec
	sessions    sessionStrategy
	providers   []Provider
	byID        map[string]Provider
	pages       *pages.Renderer
	log         *slog.Logger
	routes      map[string]map[string]routeFunc
	rates       RateStore
	corsOrigins map[string]bool
	fwd         *forwardSetup    // nil: no forward check route
	intro       *introspectSetup // nil: no introspection route
	redirects   []string         // normalised RedirectHosts

	refreshes refreshGroup // access-token refreshes in flight
}

type routeFunc func(h *Handler, s *state)

// New checks cfg and returns a Handler. It reports every problem at once,
// the providers' own included.
func New(cfg Config) (*Handler, error) {
	cfg.Providers = append([]Provider(nil), cfg.Providers...)
	cfg.PreviousSecrets = append([]string(nil), cfg.PreviousSecrets...)
	errs := cfg.setDefaults()
	if cfg.Session.Strategy == "" {
		cfg.Session.Strategy = StrategyJWT
		if cfg.Adapter != nil {
			cfg.Session.Strategy = StrategyDatabase
		}
	}
	switch cfg.Session.Strategy {
	case StrategyJWT, StrategyDatabase:
		if cfg.Session.Strategy == StrategyDatabase && cfg.Adapter == nil {
			errs = append(errs, configError("session strategy %q needs an Adapter", StrategyDatabase))
		}
	default:
		errs = append(errs, configError("session strategy %q: want %q or %q", cfg.Session.Strategy, StrategyJWT, StrategyDatabase))
	}
	u, err := parseBaseURL(cfg.URL)
	if err != nil {
		errs = append(errs, configError("url: %w", err))
	}
	urls := []baseURL{u}
	for _, raw := range cfg.URLs {
		extra, err := parseBaseURL(raw)
		if err != nil {
			errs = append(errs, configError("urls: %w", err))
			continue
		}
		urls = append(urls, extra)
	}

	h := &Handler{cfg: cfg, log: cfg.Logger, byID: map[string]Provider{}, rates: cfg.RateStore, corsOrigins: map[string]bool{}}
	if h.rates == nil {
		h.rates = ratelimit.NewStore(cfg.Now)
	}
	for _, o := range cfg.CORSOrigins {
		if uo := urlOrigin(o); uo == "" || uo != strings.ToLower(strings.TrimSuffix(o, "/")) {
			errs = append(errs, configError("cors origin %q: want scheme://host[:port]", o))
			continue
		}
		h.corsOrigins[strings.TrimSuffix(o, "/")] = true
	}
	cfg.Session.UserFields = append([]string(nil), cfg.Session.UserFields...)
	cfg.Claims = append([]ClaimsFunc(nil), cfg.Claims...)
	errs = append(errs, userFieldsProblems(cfg.Session.UserFields)...)
	for i, f := range cfg.Claims {
		if f == nil {
			errs = append(errs, configError("claims function %d is nil", i+1))
		}
	}
	if _, ok := cfg.Adapter.(SessionClaimsStore); len(cfg.Claims) > 0 && cfg.Session.Strategy == StrategyDatabase && !ok {
		errs = append(errs, configError("claims (claims rules, the token hook) under database sessions need an adapter that stores them beside the session (SessionClaimsStore: adapter/sqlite, adapter/postgres, adapter/mysql, adapter/redis, another layout with the server tables); use jwt sessions with this one"))
	}
	h.cfg = cfg
	h.secrets = append([]string{cfg.Secret}, cfg.PreviousSecrets...)
	errs = append(errs, h.addProviders()...)
	if cfg.Secret != "" {
		h.codec, err = jwt.NewCodec(jwt.Options{Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, Now: cfg.Now, Rand: cfg.Rand})
		if err != nil {
			errs = append(errs, configError("jwt: %w", err))
		}
	}
	fwd, ferrs := newForward(cfg, cfg.Session.Strategy)
	errs = append(errs, ferrs...)
	if st := cfg.Cookies.SessionToken; fwd != nil && st.Domain != "" {
		// A session cookie shared with sibling hosts must be __Secure-:
		// any of them could otherwise set one that shadows it.
		for _, bu := range urls {
			if bu.origin != "" && !strings.HasPrefix(bu.origin, "https://") {
				errs = append(errs, configError("forward with cookies.session_token.domain needs an https url, so that the session cookie is __Secure- (docs/forward-auth.md#one-sign-in-for-the-whole-domain); %s is not", bu.origin))
			}
		}
		if (st.Secure != nil && !*st.Secure) || (st.Name != "" && !strings.HasPrefix(st.Name, "__Secure-") && !strings.HasPrefix(st.Name, "__Host-")) {
			errs = append(errs, configError("forward with cookies.session_token.domain needs a secure session cookie named __Secure-…"))
		}
	}
	h.fwd = fwd
	fwdAction := ""
	if fwd != nil {
		fwdAction = fwd.action
	}
	intro, ierrs := newIntrospect(cfg, fwdAction)
	errs = append(errs, ierrs...)
	h.intro = intro
	for _, rh := range cfg.RedirectHosts {
		n, ok := normalHostPattern(rh)
		if !ok {
			errs = append(errs, configError("redirect host %q: want a host name or *.domain, without scheme or port", rh))
			continue
		}
		h.redirects = append(h.redirects, n)
	}
	if h.pages, err = pages.New(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, bu := range urls {
		st, err := h.newSite(bu)
		if err != nil {
			return nil, configError("check cookies: %w", err)
		}
		h.sites = append(h.sites, st)
	}
	if cfg.Session.Strategy == StrategyDatabase {
		h.sessions = newDBSessions(h)
	} else {
		h.sessions = newJWTSessions(h)
	}
	h.routes = routeTable()
	return h, nil
}

// addProviders checks the configured providers (each one's own Validate
// included) and indexes them by id.
func (h *Handler) addProviders() []error {
	var errs []error
	for i, p := range h.cfg.Providers {
		if p == nil {
			errs = append(errs, configError("provider %d is nil", i+1))
			continue
		}
		info := p.Info()
		invalid := false
		if v, ok := p.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				// One line per problem, each naming the provider.
				list := []error{err}
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					list = j.Unwrap()
				}
				for _, e := range list {
					errs = append(errs, configError("provider %q: %w", info.ID, e))
				}
				invalid = true
			}
		}
		switch {
		case info.ID == "":
			errs = append(errs, configError("provider %d has no id", i+1))
		case strings.ContainsAny(info.ID, "/?#%"):
			errs = append(errs, configError("provider id %q must not contain / ? # or %%", info.ID))
		case h.byID[info.ID] != nil:
			errs = append(errs, configError("provider id %q is used twice", info.ID))
		}
		switch {
		case invalid:
			// The provider named its problems; the checks of its kind
			// would only repeat them.
		case info.Type == TypeCredentials:
			if _, ok := p.(CredentialsProvider); !ok {
				errs = append(errs, configError("credentials provider %q has no Authorize (CALLBACK_CREDENTIALS_HANDLER_ERROR)", info.ID))
			}
		case info.Type == TypeOAuth:
			if _, ok := p.(OAuthProvider); !ok {
				errs = append(errs, configError("oauth provider %q does not implement OAuthProvider", info.ID))
			}
		case info.Type == TypeEmail:
			if _, ok := p.(EmailProvider); !ok {
				errs = append(errs, configError("email provider %q does not implement EmailProvider", info.ID))
			}
		default:
			errs = append(errs, configError("provider %q: type %q is not supported", info.ID, info.Type))
		}
		if info.Type == TypeEmail && h.cfg.Adapter == nil {
			errs = append(errs, configError("email provider %q needs an Adapter to store its tokens (EMAIL_REQUIRES_ADAPTER_ERROR)", info.ID))
		}
		h.byID[info.ID] = p
		h.providers = append(h.providers, p)
	}
	return errs
}

// BasePath is the path the routes answer under, e.g. "/api/auth" (of
// Config.URL).
func (h *Handler) BasePath() string { return h.sites[0].url.path }

// BaseURL is origin plus base path, e.g. "https://example.com/api/auth" (of
// Config.URL).
func (h *Handler) BaseURL() string { return h.sites[0].url.base() }

// ServeHTTP answers one request: CORS, the site it is for, the route for
// its action and method, the body, the callbackUrl check and the CSRF and
// callbackUrl set-up, then the route itself (routes.go).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(h.corsOrigins) > 0 && h.cors(w, r) {
		return
	}
	st := h.siteFor(r)
	if p := r.URL.EscapedPath(); len(p) > 1 && p[len(p)-1] == '/' {
		trailingSlash(w, r, st.url.path)
		return
	}
	action, providerID, ok := splitPath(r, st.url.path)
	if !ok {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	if action == "" {
		notFound(w)
		return
	}
	if h.fwd != nil && action == h.fwd.action && providerID == "" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			unsupported(w, r.Method)
			return
		}
		h.forward(w, r, st)
		return
	}
	if h.intro != nil && action == h.intro.action && providerID == "" {
		h.introspect(w, r)
		return
	}
	route := h.routes[action][r.Method]
	if route == nil {
		unsupported(w, r.Method)
		return
	}
	s := &state{site: st, w: w, r: r, ctx: r.Context(), action: action, providerID: providerID}
	s.cookies = s.cookieBuf[:0]
	s.query = form.ParseQuery(r.URL.RawQuery)
	if !h.readBody(s) {
		return
	}
	if jsonField, ok := s.body.String("json"); ok && jsonField == "true" {
		s.json = true
	}
	if !h.assertCallbackURL(s) {
		return
	}
	if action != "providers" && action != "_log" {
		if err := h.initCSRF(s); err != nil {
			h.serverError(s, "CSRF_ERROR", err)
			return
		}
		if err := h.initCallbackURL(s); err != nil {
			h.serverError(s, "CALLBACK_URL_ERROR", err)
			return
		}
	}
	route(h, s)
}

func (h *Handler) now() time.Time { return h.cfg.Now() }

// debug logs a NextAuth debug code when Config.Debug is set.
func (h *Handler) debug(ctx context.Context, code string, attrs ...slog.Attr) {
	if h.cfg.Debug {
		h.log.LogAttrs(ctx, slog.LevelDebug, strings.ToLower(code), append([]slog.Attr{slog.String("code", code)}, attrs...)...)
	}
}

func (h *Handler) logError(ctx context.Context, code string, err error) {
	h.log.LogAttrs(ctx, slog.LevelError, strings.ToLower(code), slog.String("code", code), slog.String("err", errString(err)))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
