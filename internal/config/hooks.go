package config

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/webhook"
)

// Hooks is the hooks key: webhooks asked during a sign-in (sign_in) and
// when the session token is made or changed (token), signed like the
// events (docs/hooks.md).
type Hooks struct {
	// Secret signs the requests: "whsec_" + base64 of 24 to 64 random
	// bytes.
	Secret string `yaml:"secret"`
	// IncludeTokens sends the provider's tokens to the hooks (the
	// account's, and the token's oauth claim); default false.
	IncludeTokens bool `yaml:"include_tokens"`
	// SignIn decides who may sign in.
	SignIn Hook `yaml:"sign_in"`
	// Token gives claims to merge into the session token.
	Token Hook `yaml:"token"`
}

// Hook is one hook: a URL (written alone, or as url:) and its options.
type Hook struct {
	// URL receives the requests: https, or http to a loopback address.
	URL string `yaml:"url"`
	// OnError is deny (the default) or allow.
	OnError string `yaml:"on_error"`
	// Timeout bounds each call; nil means 5 s.
	Timeout *Duration `yaml:"timeout"`
}

// decodeNode reads a hook written as its URL alone or as a mapping.
func (h *Hook) decodeNode(d *decoder, n *yaml.Node, path string) {
	if isNull(n) {
		return
	}
	if n.Kind == yaml.ScalarNode {
		h.URL = n.Value
		return
	}
	d.mapping(n, path, reflect.ValueOf(h).Elem())
}

// Hook defaults and bounds.
const (
	defaultHookTimeout = 5 * time.Second
	maxHookTimeout     = 30 * time.Second
)

func (h Hook) set() bool { return h.URL != "" || h.OnError != "" || h.Timeout != nil }

// hooks checks the hooks key and puts the hooks into cfg: the sign_in
// hook after any sign-in callback already there (a sign-in another rule
// refused is not sent to the hook), the token hook among the claims
// functions (see withTokenHook), so that it serves both session
// strategies.
func (v *validator) hooks(hk Hooks, cfg *nextauth.Config) {
	if !hk.SignIn.set() && !hk.Token.set() {
		if hk.Secret != "" || hk.IncludeTokens {
			v.addf("hooks", "no hook is set: add sign_in or token, or remove hooks")
		}
		return
	}
	var key []byte
	if hk.Secret == "" {
		v.addf("hooks.secret", `missing: the signing secret, "whsec_" + base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)`)
	} else if k, err := webhook.ParseSecret(hk.Secret); err != nil {
		v.add("hooks.secret", errors.New(strings.TrimPrefix(err.Error(), "webhook: ")))
	} else {
		key = k
	}
	client := &http.Client{}
	if hk.SignIn.set() {
		sender, onError := v.hook("hooks.sign_in", hk.SignIn, key, client)
		if sender != nil {
			h := &webhook.SignInHook{Sender: sender, OnError: onError, IncludeTokens: hk.IncludeTokens,
				Origins: origins(cfg.URL, cfg.URLs), Logger: v.f.HookLogger}
			cfg.Callbacks.SignIn = chainSignIn(cfg.Callbacks.SignIn, h.SignIn)
		}
	}
	if hk.Token.set() {
		sender, onError := v.hook("hooks.token", hk.Token, key, client)
		if sender != nil {
			h := &webhook.TokenHook{Sender: sender, OnError: onError, IncludeTokens: hk.IncludeTokens, Logger: v.f.HookLogger}
			cfg.Claims = withTokenHook(cfg.Claims, h.Claims)
		}
	}
}

// hook checks one hook; the sender is nil when it has problems.
func (v *validator) hook(path string, h Hook, key []byte, client *http.Client) (*webhook.Sender, webhook.OnError) {
	ok := key != nil
	if h.URL == "" {
		v.addf(path+".url", "missing: the URL the hook is posted to, e.g. https://app.example.com/api/nextauth-hook")
		ok = false
	} else if err := checkHookURL(h.URL); err != nil {
		v.add(path+".url", err)
		ok = false
	}
	onError := webhook.Deny
	switch h.OnError {
	case "", string(webhook.Deny):
	case string(webhook.Allow):
		onError = webhook.Allow
	default:
		v.addf(path+".on_error", "%q: want deny or allow", h.OnError)
		ok = false
	}
	timeout := defaultHookTimeout
	if h.Timeout != nil {
		if d := time.Duration(*h.Timeout); d <= 0 || d > maxHookTimeout {
			v.addf(path+".timeout", "%v: want more than 0 and at most %v (a user waits for the answer)", d, maxHookTimeout)
			ok = false
		} else {
			timeout = d
		}
	}
	if !ok {
		return nil, onError
	}
	return &webhook.Sender{URL: h.URL, Key: key, Timeout: timeout, Client: client}, onError
}

// checkHookURL accepts an https URL, or an http URL to a loopback address:
// hooks carry personal data.
func checkHookURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q: want an absolute https URL", s)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q: want no user:password@ and no #fragment", s)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q: want https (http only to a loopback address such as 127.0.0.1 or localhost): hooks carry personal data", s)
	}
	return nil
}

// origins are the origins of the public URLs (url, or its default, and
// urls), where a sign_in hook's redirect may go.
func origins(main string, more []string) []string {
	if main == "" {
		main = nextauth.DefaultURL
	}
	var out []string
	for _, s := range append([]string{main}, more...) {
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
		}
	}
	return out
}

type signInFunc = func(context.Context, nextauth.SignInParams) (nextauth.SignInResult, error)

// chainSignIn runs first, then, if it allowed, next.
func chainSignIn(first, next signInFunc) signInFunc {
	if first == nil {
		return next
	}
	return func(ctx context.Context, p nextauth.SignInParams) (nextauth.SignInResult, error) {
		res, err := first(ctx, p)
		if err != nil || res.Deny || res.Redirect != "" {
			return res, err
		}
		return next(ctx, p)
	}
}

// withTokenHook adds the token hook to the claims functions made before
// it (the claims rules): at sign-in they run first and the hook sees their
// claims; on update and refresh the hook runs first and the rules (those
// that read token) see its answer.
func withTokenHook(rules []nextauth.ClaimsFunc, hook nextauth.ClaimsFunc) []nextauth.ClaimsFunc {
	out := make([]nextauth.ClaimsFunc, 0, 2*len(rules)+1)
	for _, f := range rules {
		out = append(out, onTriggers(f, nextauth.TriggerSignIn, nextauth.TriggerSignUp))
	}
	out = append(out, hook)
	for _, f := range rules {
		out = append(out, onTriggers(f, nextauth.TriggerUpdate, nextauth.TriggerRefresh))
	}
	return out
}

// onTriggers runs f for the given triggers only.
func onTriggers(f nextauth.ClaimsFunc, triggers ...string) nextauth.ClaimsFunc {
	return func(ctx context.Context, p nextauth.ClaimsParams) (map[string]any, error) {
		if !slices.Contains(triggers, p.Trigger) {
			return nil, nil
		}
		return f(ctx, p)
	}
}
