package provider

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// Exchange completes a callback (docs/compatibility.md#callback-algorithm,
// steps 4–8): it checks the callback parameters against the check values,
// redeems the code, validates the id_token (OpenID Connect flow) or fetches
// the userinfo, and maps the profile. Every failure is an OAuthCallback error
// except a profile that cannot be mapped, which wraps [nextauth.ErrProfile].
//
// The token request is made by hand, not with golang.org/x/oauth2: exactly
// the configured client authentication (no auto-detection, the secret
// form-encoded as encodeURIComponent does), and only an HTTP 200 JSON
// object is accepted, with every field kept (x/oauth2 takes any 2xx and
// form-encoded bodies).
func (p *oauthProvider) Exchange(ctx context.Context, req nextauth.CallbackRequest) (*nextauth.OAuthResult, error) {
	if p.err != nil {
		return nil, p.err
	}
	if err := oauthCallbackError(req.Params); err != nil {
		return nil, fmt.Errorf("provider: %s: %w", p.cfg.ID, err)
	}
	m, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.checkCallback(m, req); err != nil {
		return nil, fmt.Errorf("provider: %s: callback: %w", p.cfg.ID, err)
	}
	tokens, err := p.redeem(ctx, m, req)
	if err != nil {
		return nil, fmt.Errorf("provider: %s: %w", p.cfg.ID, err)
	}

	var raw map[string]any
	switch {
	case p.cfg.UserinfoRequest != nil:
		raw, err = p.cfg.UserinfoRequest(ctx, p.fetchClient, *tokens)
	case p.idToken:
		raw = p.oidcUserinfoClaims(ctx, m, tokens, tokens.Claims, oidcLogger(req))
	default:
		raw, err = p.userinfo(ctx, m, tokens)
	}
	if err != nil {
		return nil, fmt.Errorf("provider: %s: userinfo: %w", p.cfg.ID, err)
	}

	profile := p.cfg.Profile
	switch {
	case profile != nil:
	case p.oidc:
		profile = oidcDefaultProfile
	default:
		profile = oauthDefaultProfile
	}
	user, err := profile(raw, *tokens)
	if err != nil {
		return nil, fmt.Errorf("provider: %s: %w: %w", p.cfg.ID, nextauth.ErrProfile, err)
	}
	if user.Email.Valid() {
		user.Email = nextauth.String(strings.ToLower(user.Email.String()))
	}
	if len(p.cfg.ProfileClaims) > 0 {
		if user.Claims == nil {
			user.Claims = profileClaims(raw, p.cfg.ProfileClaims)
		} else {
			for k, v := range profileClaims(raw, p.cfg.ProfileClaims) {
				user.Claims[k] = v
			}
		}
	}
	if user.ID == "" {
		return nil, fmt.Errorf("provider: %s: %w: profile id is missing in %s OAuth profile response", p.cfg.ID, nextauth.ErrProfile, p.cfg.Name)
	}
	p.warnNoIdentity(ctx, oidcLogger(req), user, tokens, raw)
	return &nextauth.OAuthResult{
		User: user,
		Account: nextauth.Account{
			Type:              string(nextauth.TypeOAuth),
			Provider:          p.cfg.ID,
			ProviderAccountID: user.ID,
			AccessToken:       tokens.AccessToken,
			TokenType:         tokens.TokenType,
			RefreshToken:      tokens.RefreshToken,
			Scope:             tokens.Scope,
			IDToken:           tokens.IDToken,
			ExpiresAt:         tokens.ExpiresAt,
			SessionState:      tokens.SessionState,
		},
		Profile:    raw,
		TokenExtra: tokens.Extra,
	}, nil
}

// oauthCallbackError reports an error the authorization server sent back
// (error, error_description, error_uri). The handler normally answers those
// itself (docs/compatibility.md#callback-algorithm, step 1) before calling
// Exchange.
func oauthCallbackError(params map[string]string) error {
	code := params["error"]
	if code == "" {
		return nil // an empty error is no error, as in NextAuth and openid-client
	}
	msg := "authorization server returned error " + strconv.Quote(code)
	if d := params["error_description"]; d != "" {
		msg += ": " + d
	}
	return errors.New(msg)
}

// checkCallback validates the callback parameters as openid-client does
// (docs/compatibility.md#callback-algorithm, step 4): the check values are
// present for the configured checks, state matches, iss matches the issuer
// (RFC 9207), no JARM response, and no id_token in a plain OAuth callback.
func (p *oauthProvider) checkCallback(m *oauthMetadata, req nextauth.CallbackRequest) error {
	for _, c := range []struct{ check, value string }{
		{nextauth.CheckState, req.State}, {nextauth.CheckPKCE, req.CodeVerifier}, {nextauth.CheckNonce, req.Nonce},
	} {
		if p.hasCheck(c.check) && c.value == "" {
			return fmt.Errorf("the %s check is on but no %s value was given", c.check, c.check)
		}
	}
	params := req.Params
	if _, ok := params["response"]; ok {
		return errors.New("JARM responses (response parameter) are not supported")
	}
	state := params["state"]
	switch {
	case state != "" && req.State == "":
		return errors.New("checks.state argument is missing")
	case state == "" && req.State != "":
		return errors.New("state missing from the response")
	case subtle.ConstantTimeCompare([]byte(state), []byte(req.State)) != 1:
		// openid-client names both values; a check value is never put in
		// an error, which is logged (docs/compatibility.md#logging).
		return errors.New("state mismatch")
	}
	_, hasIDToken := params["id_token"]
	if iss, ok := params["iss"]; ok {
		switch {
		case m.issuer == "":
			return errors.New("issuer must be configured on the issuer")
		case iss != m.issuer:
			return fmt.Errorf("iss mismatch, expected %s, got: %s", m.issuer, iss)
		}
	} else if m.issParameterSupported && !hasIDToken {
		return errors.New("iss missing from the response")
	}
	if !p.idToken && params["id_token"] != "" {
		return errors.New("id_token detected in the response, you must use client.callback() instead of client.oauthCallback()")
	}
	return nil
}

// redeem validates an id_token the callback carries (OpenID Connect
// flow), then exchanges the code and reads the token response.
func (p *oauthProvider) redeem(ctx context.Context, m *oauthMetadata, req nextauth.CallbackRequest) (*Tokens, error) {
	params := req.Params
	if p.idToken && params["id_token"] != "" {
		if _, err := p.verifyIDToken(ctx, m, params["id_token"], oidcIDTokenCheck{
			nonce: req.Nonce, code: params["code"], state: params["state"], accessToken: params["access_token"],
		}); err != nil {
			return nil, fmt.Errorf("callback %w", err)
		}
	}
	code := params["code"]
	if code == "" {
		return nil, errors.New("callback: code missing from the response")
	}
	tokens, err := p.tokenRequest(ctx, m, code, req)
	if err != nil {
		return nil, err
	}
	if p.idToken {
		if tokens.IDToken == "" {
			return nil, errors.New("token response: id_token not present in TokenSet")
		}
		claims, err := p.verifyIDToken(ctx, m, tokens.IDToken, oidcIDTokenCheck{nonce: req.Nonce, accessToken: tokens.AccessToken})
		if err != nil {
			return nil, err
		}
		tokens.Claims = claims
		if tokens.SessionState == "" {
			tokens.SessionState = params["session_state"]
		}
	} else if tokens.IDToken != "" {
		return nil, errors.New("token response: id_token detected in the response, you must use client.callback() instead of client.oauthCallback()")
	}
	return tokens, nil
}

// tokenRequest is the authorization_code grant
// (docs/compatibility.md#token-request).
func (p *oauthProvider) tokenRequest(ctx context.Context, m *oauthMetadata, code string, req nextauth.CallbackRequest) (*Tokens, error) {
	form := [][2]string{
		{"grant_type", "authorization_code"},
		{"code", code},
		{"redirect_uri", req.RedirectURI},
	}
	if req.CodeVerifier != "" {
		form = append(form, [2]string{"code_verifier", req.CodeVerifier})
	}
	return p.postToken(ctx, m, form)
}

// postToken sends a token request with ExtraTokenParams and the client
// authentication, and reads the token set from the answer (HTTP 200 and a
// JSON object).
func (p *oauthProvider) postToken(ctx context.Context, m *oauthMetadata, form [][2]string) (*Tokens, error) {
	if m.tokenEndpoint == "" {
		return nil, errors.New("token request: no token endpoint")
	}
	for _, k := range slices.Sorted(maps.Keys(p.cfg.ExtraTokenParams)) {
		form = oauthSetParam(form, k, p.cfg.ExtraTokenParams[k])
	}
	method := p.tokenAuthMethod(m)
	switch method {
	case AuthClientSecretPost:
		form = oauthSetParam(form, "client_id", p.cfg.ClientID)
		form = oauthSetParam(form, "client_secret", p.cfg.ClientSecret)
	case AuthNone:
		form = oauthSetParam(form, "client_id", p.cfg.ClientID)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, m.tokenEndpoint, strings.NewReader(oauthFormSerialize(form)))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.Header.Set("Accept", "application/json")
	if method == AuthClientSecretBasic {
		creds := oauthBasicEscape(p.cfg.ClientID) + ":" + oauthBasicEscape(p.cfg.ClientSecret)
		hr.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds)))
	}
	body, err := p.do(hr)
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	fields, err := oauthJSONObject(body)
	if err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	return oauthTokens(fields, p.cfg.Now().Unix()), nil
}

// RefreshToken implements [nextauth.TokenRefresher]: the refresh_token
// grant at the token endpoint, with the same client authentication and
// answer rules as the code exchange. With IDToken, a returned id_token is
// validated as at sign-in except for the nonce (openid-client's refresh).
// The account carries the new token fields; its RefreshToken is empty
// when the server did not rotate the refresh token.
func (p *oauthProvider) RefreshToken(ctx context.Context, refreshToken string) (nextauth.Account, error) {
	if p.err != nil {
		return nextauth.Account{}, p.err
	}
	if refreshToken == "" {
		return nextauth.Account{}, fmt.Errorf("provider: %s: refresh: no refresh token", p.cfg.ID)
	}
	m, err := p.metadata(ctx)
	if err != nil {
		return nextauth.Account{}, err
	}
	tokens, err := p.postToken(ctx, m, [][2]string{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}})
	if err != nil {
		return nextauth.Account{}, fmt.Errorf("provider: %s: refresh: %w", p.cfg.ID, err)
	}
	if tokens.AccessToken == "" {
		return nextauth.Account{}, fmt.Errorf("provider: %s: refresh: access_token not present in TokenSet", p.cfg.ID)
	}
	if p.idToken && tokens.IDToken != "" {
		if _, err := p.verifyIDToken(ctx, m, tokens.IDToken, oidcIDTokenCheck{skipNonce: true, accessToken: tokens.AccessToken}); err != nil {
			return nextauth.Account{}, fmt.Errorf("provider: %s: refresh: %w", p.cfg.ID, err)
		}
	}
	return nextauth.Account{
		Type:         string(nextauth.TypeOAuth),
		Provider:     p.cfg.ID,
		AccessToken:  tokens.AccessToken,
		TokenType:    tokens.TokenType,
		RefreshToken: tokens.RefreshToken,
		Scope:        tokens.Scope,
		IDToken:      tokens.IDToken,
		ExpiresAt:    tokens.ExpiresAt,
		SessionState: tokens.SessionState,
	}, nil
}

// oauthBasicEscape is the form encoding of client_secret_basic:
// encodeURIComponent with %20 turned into "+" (RFC 6749 §2.3.1, as
// openid-client).
func oauthBasicEscape(s string) string {
	return strings.ReplaceAll(jsuri.EncodeURIComponent(s), "%20", "+")
}

// do sends r and returns the body of a 200 answer; any other status is an
// error, described by the OAuth error JSON when there is one.
func (p *oauthProvider) do(r *http.Request) ([]byte, error) {
	res, err := p.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxOAuthBody))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			if e.Description != "" {
				return nil, fmt.Errorf("%s (%s): %s", e.Error, res.Status, e.Description)
			}
			return nil, fmt.Errorf("%s (%s)", e.Error, res.Status)
		}
		return nil, fmt.Errorf("expected 200 OK, got: %s", res.Status)
	}
	return body, nil
}

// oauthJSONObject decodes a JSON object; anything else is an error.
func oauthJSONObject(body []byte) (map[string]any, error) {
	var v map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %w", err)
	}
	if v == nil {
		return nil, errors.New("answer is not a JSON object")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("answer has data after the JSON object")
	}
	return v, nil
}

// oauthTokens builds the token set from a token response (now in Unix
// seconds): the standard fields typed, scope arrays joined, expires_in
// turned into expires_at, the rest in Extra.
func oauthTokens(fields map[string]any, now int64) *Tokens {
	t := &Tokens{}
	str := func(k string) string {
		s, _ := fields[k].(string)
		return s
	}
	t.AccessToken = str("access_token")
	t.TokenType = str("token_type")
	t.RefreshToken = str("refresh_token")
	t.IDToken = str("id_token")
	t.SessionState = str("session_state")
	switch s := fields["scope"].(type) {
	case string:
		t.Scope = s
	case []any:
		parts := make([]string, 0, len(s))
		for _, e := range s {
			if v, ok := e.(string); ok {
				parts = append(parts, v)
			}
		}
		t.Scope = strings.Join(parts, " ")
	}
	if v, ok := fields["expires_in"]; ok {
		if n, ok := oauthNumber(v); ok {
			t.ExpiresAt = now + n
		}
	} else if n, ok := oauthNumber(fields["expires_at"]); ok {
		t.ExpiresAt = n
	}
	for k, v := range fields {
		switch k {
		case "access_token", "token_type", "refresh_token", "id_token", "session_state", "scope", "expires_in", "expires_at":
			continue
		}
		if t.Extra == nil {
			t.Extra = map[string]any{}
		}
		t.Extra[k] = v
	}
	return t
}

// oauthNumber is JavaScript's Number(v) for a JSON number or numeric
// string, truncated to whole seconds; false when it is not a finite
// number.
func oauthNumber(v any) (int64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, true
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// userinfo is the userinfo request (docs/compatibility.md#userinfo): GET with
// the configured query parameters, Authorization
// "<token_type or Bearer> <access_token>", Accept JSON; 200 and a JSON object
// required.
func (p *oauthProvider) userinfo(ctx context.Context, m *oauthMetadata, tokens *Tokens) (map[string]any, error) {
	if m.userinfoEndpoint == "" {
		return nil, errors.New("no userinfo endpoint")
	}
	if tokens.AccessToken == "" {
		return nil, errors.New("access_token not present in TokenSet")
	}
	target := m.userinfoEndpoint
	if len(p.userinfoParams) > 0 {
		u, err := parseOAuthURL(target)
		if err != nil {
			return nil, err
		}
		q := append(oauthFormParse(u.query), p.userinfoParams...)
		target = u.withQuery(oauthFormSerialize(q))
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	typ := tokens.TokenType
	if typ == "" {
		typ = "Bearer"
	}
	r.Header.Set("Authorization", typ+" "+tokens.AccessToken)
	r.Header.Set("Accept", "application/json")
	body, err := p.do(r)
	if err != nil {
		return nil, err
	}
	return oauthJSONObject(body)
}

// oauthDefaultProfile maps sub (or id), name, email and picture (or
// image). A name, e-mail or picture is the first of its claims that is a
// string or a number; else null when one of them is null, else absent (no
// such claim, or one of another kind).
func oauthDefaultProfile(raw map[string]any, _ Tokens) (nextauth.User, error) {
	pick := func(keys ...string) (nextauth.NullString, string) {
		null := false
		for _, k := range keys {
			switch v := raw[k].(type) {
			case string:
				return nextauth.String(v), v
			case float64:
				s := strconv.FormatFloat(v, 'f', -1, 64)
				return nextauth.String(s), s
			case json.Number:
				return nextauth.String(v.String()), v.String()
			case nil:
				_, present := raw[k]
				null = null || present
			}
		}
		if null {
			return nextauth.Null(), ""
		}
		return nextauth.NullString{}, ""
	}
	_, id := pick("sub", "id")
	name, _ := pick("name")
	email, _ := pick("email")
	image, _ := pick("picture", "image")
	return nextauth.User{ID: id, Name: name, Email: email, Image: image}, nil
}
