package nextauth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/jsonstr"
)

// site is one public URL the routes answer under, with everything that
// depends on it: origin and base path, whether cookies are secure, cookie
// names, check-cookie codecs and the /providers answer.
type site struct {
	url      baseURL
	secure   bool
	cookies  cookieSet
	checks   map[string]checkCookie // OAuth check cookies by check name
	provJSON []byte
}

// newSite builds the site of one public URL.
func (h *Handler) newSite(u baseURL) (*site, error) {
	st := &site{url: u, secure: strings.HasPrefix(u.origin, "https://")}
	st.cookies = buildCookies(st.secure, h.cfg.Cookies)
	if h.cfg.Secret != "" {
		checks, err := h.newCheckCookies(st.cookies)
		if err != nil {
			return nil, err
		}
		st.checks = checks
	}
	st.provJSON = providersJSON(h.providers, u.base())
	return st, nil
}

// siteFor is the site a request is for: with several URLs, the one whose
// scheme and host match the request's (as a trusted proxy reports them),
// else the first.
func (h *Handler) siteFor(r *http.Request) *site {
	if len(h.sites) == 1 {
		return h.sites[0]
	}
	host, scheme := r.Host, "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if h.trusted(r) {
		if fh := firstForwarded(r.Header.Get("X-Forwarded-Host")); fh != "" {
			host = fh
		}
		if fp := firstForwarded(r.Header.Get("X-Forwarded-Proto")); fp == "http" || fp == "https" {
			scheme = fp
		}
	}
	host = strings.ToLower(host)
	for _, st := range h.sites {
		if st.url.host == host && strings.HasPrefix(st.url.origin, scheme+"://") {
			return st
		}
	}
	for _, st := range h.sites {
		if st.url.host == host {
			return st
		}
	}
	return h.sites[0]
}

// firstForwarded is the first entry of a comma-separated forwarded header.
func firstForwarded(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// remoteAddr is the connection's peer address.
func remoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// trusted reports whether r comes straight from a trusted proxy.
func (h *Handler) trusted(r *http.Request) bool {
	if len(h.cfg.TrustProxy) == 0 {
		return false
	}
	a, ok := remoteAddr(r)
	return ok && h.trustedAddr(a)
}

func (h *Handler) trustedAddr(a netip.Addr) bool {
	for _, p := range h.cfg.TrustProxy {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client behind the request: the peer, or,
// when the peer is a trusted proxy, the last X-Forwarded-For entry that is
// not a trusted proxy itself. A header from anyone else changes nothing.
func (h *Handler) clientIP(r *http.Request) string {
	a, ok := remoteAddr(r)
	if !ok {
		return r.RemoteAddr
	}
	if !h.trustedAddr(a) {
		return a.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return a.String() // a garbled chain: trust only what we saw
			}
			hop = hop.Unmap()
			if !h.trustedAddr(hop) {
				return hop.String()
			}
			a = hop
		}
	}
	return a.String()
}

// cors answers CORS for a configured origin: the headers on every response
// to it, and the preflight (OPTIONS) itself. It reports whether the request
// was a preflight it answered.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !h.corsOrigins[origin] {
		return false
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Credentials", "true")
	hd.Add("Vary", "Origin")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	hd.Set("Access-Control-Allow-Methods", "GET, POST")
	hd.Set("Access-Control-Allow-Headers", "Content-Type")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// cookieDef is one cookie's resolved name and attributes.
type cookieDef struct {
	name string
	opts cookie.Options
}

type cookieSet struct {
	sessionToken, callbackURL, csrfToken, pkce, state, nonce cookieDef
}

// buildCookies resolves cookie names and attributes (docs/compatibility.md#cookies) with the
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
		b = jsonstr.Append(b, info.ID)
		b = append(b, `:{"id":`...)
		b = jsonstr.Append(b, info.ID)
		b = append(b, `,"name":`...)
		b = jsonstr.Append(b, info.Name)
		b = append(b, `,"type":`...)
		b = jsonstr.Append(b, string(info.Type))
		b = append(b, `,"signinUrl":`...)
		b = jsonstr.Append(b, base+"/signin/"+info.ID)
		b = append(b, `,"callbackUrl":`...)
		b = jsonstr.Append(b, base+"/callback/"+info.ID)
		b = append(b, '}')
	}
	return append(b, '}')
}
