package nextauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/form"
	"github.com/nextauth-go/nextauth/internal/pages"
	"github.com/nextauth-go/nextauth/jwt"
)

// Defaults of NextAuth v4 (core.md §1.4).
const (
	DefaultSessionMaxAge    = 30 * 24 * time.Hour
	DefaultSessionUpdateAge = 24 * time.Hour
	DefaultMaxBodyBytes     = 1 << 20
	checkCookieMaxAge       = 900 // seconds, OAuth check cookies
)

// Handler serves NextAuth's REST API (GET /api/auth/session, …). It is an
// [http.Handler]: mount it at the base path of [Config.URL], with or without
// the prefix stripped. It is safe for concurrent use.
type Handler struct {
	cfg         Config
	sites       []*site  // Config.URL first, then Config.URLs
	secrets     []string // current first, then previous
	codec       *jwt.Codec
	providers   []Provider
	byID        map[string]Provider
	pages       *pages.Renderer
	log         *slog.Logger
	routes      map[string]map[string]routeFunc
	rates       RateStore
	corsOrigins map[string]bool

	refreshes refreshGroup // access-token refreshes in flight
}

// cookieDef is one cookie's resolved name and attributes.
type cookieDef struct {
	name string
	opts cookie.Options
}

type cookieSet struct {
	sessionToken, callbackURL, csrfToken, pkce, state, nonce cookieDef
}

type routeFunc func(h *Handler, s *state)

// New checks cfg and returns a Handler. It reports every problem at once.
func New(cfg Config) (*Handler, error) {
	cfg.Providers = append([]Provider(nil), cfg.Providers...)
	cfg.PreviousSecrets = append([]string(nil), cfg.PreviousSecrets...)
	var errs []error
	if cfg.Secret == "" {
		errs = append(errs, ErrNoSecret)
	}
	u, err := parseBaseURL(cfg.URL)
	if err != nil {
		errs = append(errs, configError("url: %w", err))
	}
	if cfg.Session.Strategy == "" {
		cfg.Session.Strategy = StrategyJWT
		if cfg.Adapter != nil {
			cfg.Session.Strategy = StrategyDatabase
		}
	}
	switch cfg.Session.Strategy {
	case StrategyJWT:
	case StrategyDatabase:
		if cfg.Adapter == nil {
			errs = append(errs, configError("session strategy %q needs an Adapter", StrategyDatabase))
		}
	default:
		errs = append(errs, configError("session strategy %q: want %q or %q", cfg.Session.Strategy, StrategyJWT, StrategyDatabase))
	}
	defaultRate(&cfg.EmailRateLimit, 5, 10)
	defaultRate(&cfg.CredentialsRateLimit, 10, 30)
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
		cfg.Session.MaxAge = DefaultSessionMaxAge
	}
	if cfg.Session.UpdateAge == 0 {
		cfg.Session.UpdateAge = DefaultSessionUpdateAge
	}
	if cfg.JWT.MaxAge == 0 {
		cfg.JWT.MaxAge = jwt.DefaultMaxAge
	}
	if cfg.Session.MaxAge < 0 || cfg.Session.UpdateAge < 0 || cfg.JWT.MaxAge < 0 {
		errs = append(errs, configError("session and jwt max ages must not be negative"))
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
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

	h := &Handler{cfg: cfg, log: cfg.Logger, byID: map[string]Provider{}, rates: cfg.RateStore, corsOrigins: map[string]bool{}}
	if h.rates == nil {
		h.rates = NewMemoryRateStore(cfg.Now)
	}
	for _, o := range cfg.CORSOrigins {
		if uo := urlOrigin(o); uo == "" || uo != strings.ToLower(strings.TrimSuffix(o, "/")) {
			errs = append(errs, configError("cors origin %q: want scheme://host[:port]", o))
			continue
		}
		h.corsOrigins[strings.TrimSuffix(o, "/")] = true
	}
	h.secrets = append([]string{cfg.Secret}, cfg.PreviousSecrets...)
	for i, s := range cfg.PreviousSecrets {
		if s == "" {
			errs = append(errs, configError("previous secret %d is empty", i+1))
		}
	}
	for i, p := range cfg.Providers {
		if p == nil {
			errs = append(errs, configError("provider %d is nil", i+1))
			continue
		}
		info := p.Info()
		if v, ok := p.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				errs = append(errs, configError("provider %q: %w", info.ID, err))
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
		switch info.Type {
		case TypeCredentials:
			if _, ok := p.(CredentialsProvider); !ok {
				errs = append(errs, configError("credentials provider %q has no Authorize (CALLBACK_CREDENTIALS_HANDLER_ERROR)", info.ID))
			}
		case TypeOAuth:
			if _, ok := p.(OAuthProvider); !ok {
				errs = append(errs, configError("oauth provider %q does not implement OAuthProvider", info.ID))
			}
		case TypeEmail:
			if _, ok := p.(EmailProvider); !ok {
				errs = append(errs, configError("email provider %q does not implement EmailProvider", info.ID))
			}
			if cfg.Adapter == nil {
				errs = append(errs, configError("email provider %q needs an Adapter to store its tokens (EMAIL_REQUIRES_ADAPTER_ERROR)", info.ID))
			}
		default:
			errs = append(errs, configError("provider %q: type %q is not supported", info.ID, info.Type))
		}
		h.byID[info.ID] = p
		h.providers = append(h.providers, p)
	}
	if cfg.Secret != "" {
		h.codec, err = jwt.NewCodec(jwt.Options{Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, Now: cfg.Now, Rand: cfg.Rand})
		if err != nil {
			errs = append(errs, configError("jwt: %w", err))
		}
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
	h.routes = routeTable()
	return h, nil
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

// buildCookies resolves cookie names and attributes (core.md §4.1) with the
// configured overrides.
func buildCookies(secure bool, c Cookies) cookieSet {
	prefix := ""
	if secure {
		prefix = "__Secure-"
	}
	csrfName := "next-auth.csrf-token"
	if secure {
		csrfName = "__Host-next-auth.csrf-token"
	}
	def := func(name string, maxAge int, o CookieOptions) cookieDef {
		d := cookieDef{name: name, opts: cookie.Options{Path: "/", HTTPOnly: true, Secure: secure, SameSite: "lax", MaxAge: maxAge}}
		if o.Name != "" {
			d.name = o.Name
		}
		if o.Domain != "" {
			d.opts.Domain = o.Domain
		}
		if o.Path != "" {
			d.opts.Path = o.Path
		}
		switch o.SameSite {
		case http.SameSiteStrictMode:
			d.opts.SameSite = "strict"
		case http.SameSiteNoneMode:
			d.opts.SameSite = "none"
		case http.SameSiteLaxMode:
			d.opts.SameSite = "lax"
		}
		if o.Secure != nil {
			d.opts.Secure = *o.Secure
		}
		if o.HTTPOnly != nil {
			d.opts.HTTPOnly = *o.HTTPOnly
		}
		if o.MaxAge != 0 {
			d.opts.MaxAge = o.MaxAge
		}
		return d
	}
	return cookieSet{
		sessionToken: def(prefix+"next-auth.session-token", 0, c.SessionToken),
		callbackURL:  def(prefix+"next-auth.callback-url", 0, c.CallbackURL),
		csrfToken:    def(csrfName, 0, c.CSRFToken),
		pkce:         def(prefix+"next-auth.pkce.code_verifier", checkCookieMaxAge, c.PKCECodeVerifier),
		state:        def(prefix+"next-auth.state", checkCookieMaxAge, c.State),
		nonce:        def(prefix+"next-auth.nonce", 0, c.Nonce),
	}
}

// providersJSON renders GET /providers once per site: the map never
// changes.
func providersJSON(providers []Provider, base string) []byte {
	b := []byte{'{'}
	for i, p := range providers {
		info := p.Info()
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, info.ID)
		b = append(b, `:{"id":`...)
		b = appendJSONString(b, info.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, info.Name)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, string(info.Type))
		b = append(b, `,"signinUrl":`...)
		b = appendJSONString(b, base+"/signin/"+info.ID)
		b = append(b, `,"callbackUrl":`...)
		b = appendJSONString(b, base+"/callback/"+info.ID)
		b = append(b, '}')
	}
	return append(b, '}')
}

// BasePath is the path the routes answer under, e.g. "/api/auth" (of
// Config.URL).
func (h *Handler) BasePath() string { return h.sites[0].url.path }

// BaseURL is origin plus base path, e.g. "https://example.com/api/auth" (of
// Config.URL).
func (h *Handler) BaseURL() string { return h.sites[0].url.base() }

// routeTable maps action → method → handler (core.md §2.2). Anything not in
// it gets the 400 "not supported" answer.
func routeTable() map[string]map[string]routeFunc {
	return map[string]map[string]routeFunc{
		"providers":      {http.MethodGet: (*Handler).getProviders},
		"session":        {http.MethodGet: (*Handler).getSession, http.MethodPost: (*Handler).postSession},
		"csrf":           {http.MethodGet: (*Handler).getCSRF},
		"signin":         {http.MethodGet: (*Handler).getSignIn, http.MethodPost: (*Handler).postSignIn},
		"signout":        {http.MethodGet: (*Handler).getSignOut, http.MethodPost: (*Handler).postSignOut},
		"callback":       {http.MethodGet: (*Handler).callback, http.MethodPost: (*Handler).callback},
		"verify-request": {http.MethodGet: (*Handler).getVerifyRequest},
		"error":          {http.MethodGet: (*Handler).getError},
		"_log":           {http.MethodPost: (*Handler).postLog},
	}
}

// state is one request on its way through the handler.
type state struct {
	site       *site
	w          http.ResponseWriter
	r          *http.Request
	ctx        context.Context
	action     string
	providerID string
	query      form.Values
	body       form.Values
	json       bool // body.json === "true"
	csrfToken  string
	csrfOK     bool
	callback   string // resolved callbackUrl
	// callbackCookie is the callback-url cookie's value, read once.
	callbackCookie string
	cookies        []string // Set-Cookie values, in emission order
	cookieBuf      [4]string
}

// ServeHTTP routes one request (core.md §2).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(h.corsOrigins) > 0 && h.cors(w, r) {
		return
	}
	st := h.siteFor(r)
	action, providerID, ok := splitPath(r, st.url.path)
	if !ok {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	if action == "" {
		http.NotFound(w, r)
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

// splitPath strips the base path (when the router did not) and returns the
// action and provider id, each percent-decoded.
func splitPath(r *http.Request, basePath string) (action, providerID string, ok bool) {
	p := r.URL.EscapedPath()
	if rest, found := strings.CutPrefix(p, basePath); found && (rest == "" || rest[0] == '/') {
		p = rest
	}
	p = strings.TrimPrefix(p, "/")
	seg0, rest, _ := strings.Cut(p, "/")
	seg1, _, _ := strings.Cut(rest, "/")
	action, err1 := cookie.DecodeURIComponent(seg0)
	providerID, err2 := cookie.DecodeURIComponent(seg1)
	return action, providerID, err1 == nil && err2 == nil
}

// readBody parses the request body (1 MB limit → 413; invalid JSON → 400).
func (h *Handler) readBody(s *state) bool {
	if s.r.Body == nil || s.r.Body == http.NoBody {
		return true
	}
	if s.r.ContentLength > h.cfg.MaxBodyBytes {
		textResponse(s.w, http.StatusRequestEntityTooLarge, "Body exceeded 1mb limit")
		return false
	}
	data, err := io.ReadAll(http.MaxBytesReader(s.w, s.r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			textResponse(s.w, http.StatusRequestEntityTooLarge, "Body exceeded 1mb limit")
			return false
		}
		textResponse(s.w, http.StatusBadRequest, "Bad Request")
		return false
	}
	if len(data) == 0 {
		return true
	}
	s.body, err = form.Parse(s.r.Header.Get("Content-Type"), data)
	if err != nil {
		textResponse(s.w, http.StatusBadRequest, "Invalid JSON")
		return false
	}
	return true
}

// configErrorMessage is the body of a configuration error (core.md §12.2).
const configErrorMessage = `{"message":"There is a problem with the server configuration. Check the server logs for more information."}`

// assertCallbackURL rejects a query callbackUrl or callback-url cookie that
// is not an http(s) URL (INVALID_CALLBACK_URL_ERROR, core.md §6.3). NextAuth
// answers 500; a client's bad input is a 400 here, with the same body.
func (h *Handler) assertCallbackURL(s *state) bool {
	bad := ""
	s.callbackCookie, _ = cookie.Get(s.r, s.site.cookies.callbackURL.name)
	if q := s.query.First("callbackUrl"); q != "" && !validCallbackURL(q, s.site.url) {
		bad = q
	} else if c := s.callbackCookie; c != "" && !validCallbackURL(c, s.site.url) {
		bad = c
	}
	if bad == "" {
		return true
	}
	h.log.LogAttrs(s.ctx, slog.LevelError, "invalid callback URL", slog.String("code", "INVALID_CALLBACK_URL_ERROR"), slog.String("url", bad))
	isPage := s.r.Method == http.MethodGet && (s.action == "signin" || s.action == "signout" || s.action == "error" || s.action == "verify-request")
	if !isPage {
		writeJSON(s.w, http.StatusBadRequest, []byte(configErrorMessage))
		return false
	}
	if e := h.cfg.Pages.Error; e != "" && !strings.HasPrefix(s.query.First("callbackUrl"), e) {
		s.w.Header().Set("Location", e+"?error=Configuration")
		s.w.WriteHeader(http.StatusFound)
		return false
	}
	h.renderError(s, "configuration", http.StatusBadRequest, false)
	return false
}

// serverError answers a failure of ours: 500 with the configuration message.
func (h *Handler) serverError(s *state, code string, err error) {
	h.log.LogAttrs(s.ctx, slog.LevelError, "internal error", slog.String("code", code), slog.Any("err", err))
	writeJSON(s.w, http.StatusInternalServerError, []byte(configErrorMessage))
}

func (h *Handler) now() time.Time { return h.cfg.Now() }

// database reports whether sessions are kept in the adapter.
func (h *Handler) database() bool { return h.cfg.Session.Strategy == StrategyDatabase }

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

// addCookies queues Set-Cookie values.
func (s *state) addCookies(c ...string) { s.cookies = append(s.cookies, c...) }

// flushCookies writes the queued cookies into the response header.
func (s *state) flushCookies() {
	if len(s.cookies) > 0 {
		s.w.Header()["Set-Cookie"] = s.cookies
	}
}

// redirect answers a redirect result (core.md §2.5): JSON {url} with status
// (200 when 0) when the body said json=true, else a 302.
func (h *Handler) redirect(s *state, target string, status int) {
	s.flushCookies()
	if s.json {
		if status == 0 {
			status = http.StatusOK
		}
		b := make([]byte, 0, len(target)+16)
		b = append(b, `{"url":`...)
		b = appendJSONString(b, target)
		b = append(b, '}')
		writeJSON(s.w, status, b)
		return
	}
	s.w.Header().Set("Location", target)
	s.w.WriteHeader(http.StatusFound)
}

// errorURL is {base}/error?error=code.
func (s *state) errorURL(code string) string {
	return s.site.url.base() + "/error?error=" + code
}

// Header values shared by every response that sends them. They are never
// modified: net/http only reads header values.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	cacheControl    = []string{"private, no-cache, no-store"}
	pragmaNoCache   = []string{"no-cache"}
	expiresZero     = []string{"0"}
)

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// noCache are the headers GET /csrf and GET /session send (4.24.12+).
func noCache(w http.ResponseWriter) {
	hd := w.Header()
	hd["Cache-Control"] = cacheControl
	hd["Pragma"] = pragmaNoCache
	hd["Expires"] = expiresZero
}

// textResponse writes a plain-text answer without a Content-Type, as Next.js
// does for res.send(string) of the core's 400/500 texts.
func textResponse(w http.ResponseWriter, status int, body string) {
	w.Header()["Content-Type"] = nil
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// unsupported is the answer to any action/method pair NextAuth does not
// serve (core.md §2.3), with no cookies.
func unsupported(w http.ResponseWriter, method string) {
	textResponse(w, http.StatusBadRequest, fmt.Sprintf("Error: This action with HTTP %s is not supported by NextAuth.js", method))
}
