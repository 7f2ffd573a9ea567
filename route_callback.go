package nextauth

import "net/http"

// callback answers GET and POST /callback/:provider.
func (h *Handler) callback(s *state) {
	p := h.byID[s.providerID]
	if p == nil {
		unsupported(s.w, s.r.Method)
		return
	}
	switch p := p.(type) {
	case CredentialsProvider:
		if s.r.Method != http.MethodPost {
			// NextAuth answers 500 here; it is the client's mistake, so 400.
			s.flushCookies()
			textResponse(s.w, http.StatusBadRequest, "Error: Callback for provider type credentials not supported")
			return
		}
		if !s.csrfOK {
			h.redirect(s, s.site.url.base()+"/signin?csrf=true", 0)
			return
		}
		h.credentialsCallback(s, p)
	case EmailProvider:
		h.emailCallback(s, p)
	case OAuthProvider:
		h.oauthCallback(s, p)
	default:
		unsupported(s.w, s.r.Method)
	}
}

// observe reports a sign-in outcome to Config.Observer.
func (h *Handler) observe(provider, outcome string) {
	if o := h.cfg.Observer; o != nil {
		o.SignIn(provider, outcome)
	}
}
