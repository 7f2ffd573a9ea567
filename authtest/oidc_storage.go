package authtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// This file is the OpenID Provider's in-memory op.Storage: one client, a
// few users, auth requests, codes, access tokens and the signing keys. It
// is written for these tests instead of reusing zitadel's example storage,
// whose client registry is a package-level map.

// errOIDCNotFound is an unknown auth request, code or token.
var errOIDCNotFound = errors.New("authtest: not found")

// oidcTokenLifetime is the access and id_token lifetime.
const oidcTokenLifetime = time.Hour

// oidcStorage implements op.Storage for one [OIDCProvider].
type oidcStorage struct {
	client *oidcClient
	users  []OIDCUser

	mu       sync.Mutex
	requests map[string]*oidcAuthRequest
	codes    map[string]string // code → auth request id
	tokens   map[string]*oidcAccessToken
	// refreshTokens are the live refresh tokens.
	refreshTokens map[string]*oidcRefreshToken
	signing       *oidcKey
	published     []*oidcKey // newest first
	keySeq        int
}

// oidcKey is an RSA signing key and its id.
type oidcKey struct {
	id   string
	priv *rsa.PrivateKey
}

// oidcSigningKey is an [oidcKey] as op.SigningKey.
type oidcSigningKey struct{ *oidcKey }

func (k oidcSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k oidcSigningKey) Key() any                                    { return k.priv }
func (k oidcSigningKey) ID() string                                  { return k.id }

// oidcPublicKey is an [oidcKey] as op.Key (published in the JWKS).
type oidcPublicKey struct{ *oidcKey }

func (k oidcPublicKey) ID() string                         { return k.id }
func (k oidcPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k oidcPublicKey) Use() string                        { return "sig" }
func (k oidcPublicKey) Key() any                           { return &k.priv.PublicKey }

// oidcAccessToken is an issued access token.
type oidcAccessToken struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
}

// oidcRefreshToken is an issued refresh token; a copy of it is the
// op.RefreshTokenRequest of a refresh_token grant.
type oidcRefreshToken struct {
	subject, clientID string
	scopes            []string
	amr               []string
	authTime          time.Time
}

func (r *oidcRefreshToken) GetAMR() []string            { return r.amr }
func (r *oidcRefreshToken) GetAudience() []string       { return []string{r.clientID} }
func (r *oidcRefreshToken) GetAuthTime() time.Time      { return r.authTime }
func (r *oidcRefreshToken) GetClientID() string         { return r.clientID }
func (r *oidcRefreshToken) GetScopes() []string         { return r.scopes }
func (r *oidcRefreshToken) GetSubject() string          { return r.subject }
func (r *oidcRefreshToken) SetCurrentScopes(s []string) { r.scopes = s }

// oidcAuthRequest implements op.AuthRequest.
type oidcAuthRequest struct {
	id            string
	clientID      string
	redirectURI   string
	state         string
	nonce         string
	scopes        []string
	responseType  oidc.ResponseType
	responseMode  oidc.ResponseMode
	codeChallenge *oidc.CodeChallenge

	subject  string
	done     bool
	authTime time.Time
}

func (a *oidcAuthRequest) GetID() string                         { return a.id }
func (a *oidcAuthRequest) GetACR() string                        { return "" }
func (a *oidcAuthRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *oidcAuthRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *oidcAuthRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *oidcAuthRequest) GetClientID() string                   { return a.clientID }
func (a *oidcAuthRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.codeChallenge }
func (a *oidcAuthRequest) GetNonce() string                      { return a.nonce }
func (a *oidcAuthRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *oidcAuthRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *oidcAuthRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *oidcAuthRequest) GetScopes() []string                   { return a.scopes }
func (a *oidcAuthRequest) GetState() string                      { return a.state }
func (a *oidcAuthRequest) GetSubject() string                    { return a.subject }
func (a *oidcAuthRequest) Done() bool                            { return a.done }

// oidcClient implements op.Client (and op.HasRedirectGlobs, for the
// loopback redirect URIs accepted when none is registered).
type oidcClient struct {
	id, secret   string
	method       oidc.AuthMethod
	redirectURIs []string
	loginURL     func(id string) string
}

func (c *oidcClient) GetID() string                       { return c.id }
func (c *oidcClient) RedirectURIs() []string              { return c.redirectURIs }
func (c *oidcClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *oidcClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *oidcClient) AuthMethod() oidc.AuthMethod         { return c.method }
func (c *oidcClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *oidcClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *oidcClient) LoginURL(id string) string            { return c.loginURL(id) }
func (c *oidcClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *oidcClient) IDTokenLifetime() time.Duration       { return oidcTokenLifetime }
func (c *oidcClient) DevMode() bool                        { return false }
func (c *oidcClient) IsScopeAllowed(string) bool           { return true }
func (c *oidcClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *oidcClient) ClockSkew() time.Duration             { return 0 }
func (c *oidcClient) PostLogoutRedirectURIGlobs() []string { return nil }
func (c *oidcClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *oidcClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// RedirectURIGlobs accepts any http loopback redirect URI when no redirect
// URI was registered.
func (c *oidcClient) RedirectURIGlobs() []string {
	if len(c.redirectURIs) > 0 {
		return nil
	}
	return []string{
		"http://127.0.0.1:*/**", "http://127.0.0.1/**",
		"http://localhost:*/**", "http://localhost/**",
		"http://[[]::1]:*/**", "http://[[]::1]/**",
	}
}

func newOIDCKey(seq int) (*oidcKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("authtest: rsa key: %w", err)
	}
	return &oidcKey{id: fmt.Sprintf("authtest-key-%d", seq), priv: priv}, nil
}

// rotate makes a new signing key; the old ones stay published after it.
func (s *oidcStorage) rotate() (*oidcKey, error) {
	s.mu.Lock()
	s.keySeq++
	seq := s.keySeq
	s.mu.Unlock()
	k, err := newOIDCKey(seq)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signing = k
	s.published = append([]*oidcKey{k}, s.published...)
	return k, nil
}

func (s *oidcStorage) currentKey() *oidcKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signing
}

func (s *oidcStorage) user(subject string) (OIDCUser, bool) {
	for _, u := range s.users {
		if u.Subject == subject {
			return u, true
		}
	}
	return OIDCUser{}, false
}

// approve marks an auth request as signed in by subject.
func (s *oidcStorage) approve(id, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return errOIDCNotFound
	}
	r.subject, r.done, r.authTime = subject, true, time.Now()
	return nil
}

func (s *oidcStorage) request(id string) (*oidcAuthRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	return r, ok
}

// CreateAuthRequest implements op.AuthStorage.
func (s *oidcStorage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	id := oidcRandom()
	r := &oidcAuthRequest{
		id:           id,
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       slices.Clone([]string(req.Scopes)),
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
	}
	if req.CodeChallenge != "" {
		r.codeChallenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[id] = r
	return r, nil
}

// AuthRequestByID implements op.AuthStorage.
func (s *oidcStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	r, ok := s.request(id)
	if !ok {
		return nil, errOIDCNotFound
	}
	return r, nil
}

// AuthRequestByCode implements op.AuthStorage.
func (s *oidcStorage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[s.codes[code]]
	if !ok {
		return nil, errOIDCNotFound
	}
	return r, nil
}

// SaveAuthCode implements op.AuthStorage.
func (s *oidcStorage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest implements op.AuthStorage: the code is single use.
func (s *oidcStorage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// CreateAccessToken implements op.AuthStorage.
func (s *oidcStorage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	t := &oidcAccessToken{subject: req.GetSubject(), scopes: slices.Clone(req.GetScopes()), expires: time.Now().Add(oidcTokenLifetime)}
	if r, ok := req.(interface{ GetClientID() string }); ok {
		t.clientID = r.GetClientID()
	}
	id := oidcRandom()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = t
	return id, t.expires, nil
}

// CreateAccessAndRefreshTokens implements op.AuthStorage: zitadel calls it
// for a code whose request had the offline_access scope and for the
// refresh_token grant. Refresh tokens rotate: the one redeemed stops
// working.
func (s *oidcStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	rt := &oidcRefreshToken{subject: req.GetSubject(), scopes: slices.Clone(req.GetScopes())}
	if r, ok := req.(interface {
		GetClientID() string
		GetAMR() []string
		GetAuthTime() time.Time
	}); ok {
		rt.clientID, rt.amr, rt.authTime = r.GetClientID(), r.GetAMR(), r.GetAuthTime()
	}
	if current != "" {
		s.mu.Lock()
		_, ok := s.refreshTokens[current]
		delete(s.refreshTokens, current)
		s.mu.Unlock()
		if !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
	}
	id, exp, err := s.CreateAccessToken(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	token := oidcRandom()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshTokens[token] = rt
	return id, token, exp, nil
}

// TokenRequestByRefreshToken implements op.AuthStorage.
func (s *oidcStorage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refreshTokens[token]
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	c := *rt
	c.scopes = slices.Clone(rt.scopes)
	return &c, nil
}

// TerminateSession implements op.AuthStorage.
func (s *oidcStorage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken implements op.AuthStorage.
func (s *oidcStorage) RevokeToken(_ context.Context, tokenOrID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenOrID)
	delete(s.refreshTokens, tokenOrID)
	return nil
}

// GetRefreshTokenInfo implements op.AuthStorage.
func (s *oidcStorage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refreshTokens[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, token, nil
}

// SigningKey implements op.AuthStorage.
func (s *oidcStorage) SigningKey(context.Context) (op.SigningKey, error) {
	return oidcSigningKey{s.currentKey()}, nil
}

// SignatureAlgorithms implements op.AuthStorage.
func (s *oidcStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.AuthStorage: every key made so far, newest first.
func (s *oidcStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]op.Key, len(s.published))
	for i, k := range s.published {
		keys[i] = oidcPublicKey{k}
	}
	return keys, nil
}

// GetClientByClientID implements op.OPStorage.
func (s *oidcStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.id {
		return nil, errOIDCNotFound
	}
	return s.client, nil
}

// AuthorizeClientIDSecret implements op.OPStorage.
func (s *oidcStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.id || subtle.ConstantTimeCompare([]byte(secret), []byte(s.client.secret)) != 1 {
		return errors.New("authtest: invalid client credentials")
	}
	return nil
}

// SetUserinfoFromScopes implements op.OPStorage: the id_token claims.
func (s *oidcStorage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, subject, _ string, scopes []string) error {
	return s.setUserinfo(info, subject, scopes)
}

// SetUserinfoFromToken implements op.OPStorage: the userinfo answer.
func (s *oidcStorage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || time.Now().After(t.expires) {
		return errors.New("authtest: invalid access token")
	}
	return s.setUserinfo(info, subject, t.scopes)
}

// setUserinfo fills the claims the scopes allow: sub; email and
// email_verified for "email"; name, preferred_username, picture, groups
// and the user's other claims for "profile".
func (s *oidcStorage) setUserinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	u, ok := s.user(subject)
	if !ok {
		return errOIDCNotFound
	}
	info.Subject = u.Subject
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = u.Email, true
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername, info.Picture = u.Name, u.Email, u.Picture
			if len(u.Groups) > 0 {
				info.AppendClaims("groups", u.Groups)
			}
			for k, v := range u.Claims {
				info.AppendClaims(k, v)
			}
		}
	}
	return nil
}

// SetIntrospectionFromToken implements op.OPStorage (not offered).
func (s *oidcStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("authtest: introspection is not supported")
}

// GetPrivateClaimsFromScopes implements op.OPStorage.
func (s *oidcStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.OPStorage (no JWT profile clients).
func (s *oidcStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errOIDCNotFound
}

// ValidateJWTProfileScopes implements op.OPStorage.
func (s *oidcStorage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

// Health implements op.Storage.
func (s *oidcStorage) Health(context.Context) error { return nil }
