package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nextauth-go/nextauth"
)

// presetRecorded is one request a fake provider server saw.
type presetRecorded struct {
	Method, Host, Path, Query, Auth, Body string
	Header                                http.Header
}

// presetServer answers requests for any host: the transport sends every
// request to one httptest server, keeping the original host in the
// record, and a handler table keyed by "host/path" answers.
type presetServer struct {
	t      *testing.T
	mu     sync.Mutex
	seen   []presetRecorded
	routes map[string]func(w http.ResponseWriter, r *http.Request)
	srv    *httptest.Server
}

func newPresetServer(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) *presetServer {
	s := &presetServer{t: t, routes: routes}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		host := r.Header.Get("X-Original-Host")
		s.mu.Lock()
		s.seen = append(s.seen, presetRecorded{
			Method: r.Method, Host: host, Path: r.URL.Path, Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), Body: string(body), Header: r.Header.Clone(),
		})
		s.mu.Unlock()
		h, ok := s.routes[host+r.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s https://%s%s", r.Method, host, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// client returns an HTTP client whose requests all reach the fake server.
func (s *presetServer) client() *http.Client {
	target, _ := url.Parse(s.srv.URL)
	return &http.Client{Transport: presetRewrite{target: target}}
}

func (s *presetServer) requests() []presetRecorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

type presetRewrite struct{ target *url.URL }

func (rw presetRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Original-Host", r.URL.Host)
	r.URL.Scheme, r.URL.Host = rw.target.Scheme, rw.target.Host
	r.Host = rw.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

func presetJSON(status int, v any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

// TestPresetFetchGitHub covers the /user/emails fallback
// (docs/compatibility.md#presets).
func TestPresetFetchGitHub(t *testing.T) {
	user := func(email any) map[string]any {
		return map[string]any{"id": 1.0, "login": "octocat", "name": nil, "email": email}
	}
	emails := func(status int, list any) func(http.ResponseWriter, *http.Request) { return presetJSON(status, list) }
	tests := []struct {
		name      string
		user      map[string]any
		emails    func(http.ResponseWriter, *http.Request)
		wantEmail any
		wantErr   bool
		wantCalls int
	}{
		{name: "public email", user: user("pub@example.com"), wantEmail: "pub@example.com", wantCalls: 1},
		{
			name: "primary", user: user(nil), wantCalls: 2, wantEmail: "primary@example.com",
			emails: emails(200, []map[string]any{{"email": "other@example.com"}, {"email": "primary@example.com", "primary": true}}),
		},
		{
			name: "first without primary", user: user(nil), wantCalls: 2, wantEmail: "first@example.com",
			emails: emails(200, []map[string]any{{"email": "first@example.com"}, {"email": "second@example.com"}}),
		},
		{name: "emails forbidden", user: user(nil), wantCalls: 2, wantEmail: nil, emails: emails(403, map[string]any{"message": "Resource not accessible"})},
		{name: "empty string email counts as none", user: user(""), wantCalls: 2, wantEmail: "p@example.com", emails: emails(200, []map[string]any{{"email": "p@example.com", "primary": true}})},
		{name: "empty list", user: user(nil), wantCalls: 2, wantErr: true, emails: emails(200, []any{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes := map[string]func(http.ResponseWriter, *http.Request){"api.github.com/user": presetJSON(200, tt.user)}
			if tt.emails != nil {
				routes["api.github.com/user/emails"] = tt.emails
			}
			s := newPresetServer(t, routes)
			cfg, err := presetConfig("github", PresetOptions{ClientID: "id", ClientSecret: "secret"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := cfg.UserinfoRequest(t.Context(), s.client(), Tokens{AccessToken: "gho_abc", TokenType: "bearer"})
			if tt.wantErr {
				if err == nil {
					t.Errorf("github userinfo = %v, want an error", got)
				}
			} else if err != nil || got["email"] != tt.wantEmail || got["login"] != "octocat" {
				t.Errorf("github userinfo = %v, %v, want email %v", got, err, tt.wantEmail)
			}
			reqs := s.requests()
			if len(reqs) != tt.wantCalls {
				t.Fatalf("github userinfo made %d requests, want %d", len(reqs), tt.wantCalls)
			}
			if r := reqs[0]; r.Method != "GET" || r.Path != "/user" || r.Auth != "Bearer gho_abc" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("user request = %s %s, Authorization %q, Accept %q, want GET /user, Bearer gho_abc, application/json", r.Method, r.Path, r.Auth, r.Header.Get("Accept"))
			}
			if len(reqs) > 1 {
				if r := reqs[1]; r.Method != "GET" || r.Path != "/user/emails" || r.Auth != "token gho_abc" {
					t.Errorf("emails request = %s %s, Authorization %q, want GET /user/emails, token gho_abc", r.Method, r.Path, r.Auth)
				}
			}
		})
	}
}

// TestPresetFetchOthers covers the other presets with a custom profile
// request (NextAuth's userinfo.request).
func TestPresetFetchOthers(t *testing.T) {
	tests := []struct {
		id      string
		routes  map[string]func(http.ResponseWriter, *http.Request)
		want    map[string]any
		wantErr bool
		check   func(t *testing.T, r presetRecorded)
	}{
		{
			id:     "facebook",
			routes: map[string]func(http.ResponseWriter, *http.Request){"graph.facebook.com/me": presetJSON(200, map[string]any{"id": "1"})},
			want:   map[string]any{"id": "1"},
			check: func(t *testing.T, r presetRecorded) {
				if r.Query != "fields=id,name,email,picture" || r.Auth != "Bearer at" {
					t.Errorf("facebook request query %q auth %q, want fields=id,name,email,picture and Bearer at", r.Query, r.Auth)
				}
			},
		},
		{
			id:     "hubspot",
			routes: map[string]func(http.ResponseWriter, *http.Request){"api.hubapi.com/oauth/v1/access-tokens/at": presetJSON(200, map[string]any{"user_id": 123.0})},
			want:   map[string]any{"user_id": 123.0},
			check: func(t *testing.T, r presetRecorded) {
				if r.Method != "GET" || r.Auth != "" || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("hubspot request %s auth %q content-type %q, want GET, none, application/json", r.Method, r.Auth, r.Header.Get("Content-Type"))
				}
			},
		},
		{
			id:     "todoist",
			routes: map[string]func(http.ResponseWriter, *http.Request){"api.todoist.com/sync/v9/sync": presetJSON(200, map[string]any{"user": map[string]any{"id": "2671355"}, "sync_token": "x"})},
			want:   map[string]any{"id": "2671355"},
			check: func(t *testing.T, r presetRecorded) {
				var body map[string]any
				_ = json.Unmarshal([]byte(r.Body), &body)
				want := map[string]any{"sync_token": "*", "resource_types": `["user"]`}
				if r.Method != "POST" || r.Auth != "Bearer at" || !reflect.DeepEqual(body, want) {
					t.Errorf("todoist request %s auth %q body %s, want POST, Bearer at, %v", r.Method, r.Auth, r.Body, want)
				}
			},
		},
		{
			id:     "trakt",
			routes: map[string]func(http.ResponseWriter, *http.Request){"api.trakt.tv/users/me": presetJSON(200, map[string]any{"username": "sean"})},
			want:   map[string]any{"username": "sean"},
			check: func(t *testing.T, r presetRecorded) {
				if r.Query != "extended=full" || r.Auth != "Bearer at" || r.Header.Get("trakt-api-version") != "2" || r.Header.Get("trakt-api-key") != "cid" {
					t.Errorf("trakt request query %q auth %q headers %v", r.Query, r.Auth, r.Header)
				}
			},
		},
		{
			id:      "trakt",
			routes:  map[string]func(http.ResponseWriter, *http.Request){"api.trakt.tv/users/me": presetJSON(401, map[string]any{"error": "invalid_token"})},
			wantErr: true,
		},
		{
			id:     "foursquare",
			routes: map[string]func(http.ResponseWriter, *http.Request){"api.foursquare.com/v2/users/self": presetJSON(200, map[string]any{"response": map[string]any{}})},
			want:   map[string]any{"response": map[string]any{}},
			check: func(t *testing.T, r presetRecorded) {
				q, _ := url.ParseQuery(r.Query)
				if q.Get("v") != "20230131" || q.Get("oauth_token") != "at" || r.Auth != "" {
					t.Errorf("foursquare request query %q auth %q", r.Query, r.Auth)
				}
			},
		},
		{
			id:      "foursquare",
			routes:  map[string]func(http.ResponseWriter, *http.Request){"api.foursquare.com/v2/users/self": presetJSON(500, map[string]any{})},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s := newPresetServer(t, tt.routes)
			cfg, err := presetConfig(tt.id, PresetOptions{ClientID: "cid", ClientSecret: "secret"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.UserinfoRequest == nil {
				t.Fatalf("%s: UserinfoRequest = nil, want the preset's", tt.id)
			}
			got, err := cfg.UserinfoRequest(t.Context(), s.client(), Tokens{AccessToken: "at", TokenType: "bearer"})
			if tt.wantErr {
				if err == nil {
					t.Errorf("%s userinfo = %v, want an error", tt.id, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s userinfo = %v, %v, want %v", tt.id, got, err, tt.want)
			}
			if reqs := s.requests(); len(reqs) != 1 {
				t.Errorf("%s made %d requests, want 1", tt.id, len(reqs))
			} else if tt.check != nil {
				tt.check(t, reqs[0])
			}
		})
	}
}

// TestPresetGitHubExchange runs a GitHub callback through the OAuth
// provider: token request, /user, /user/emails, profile mapping.
func TestPresetGitHubExchange(t *testing.T) {
	s := newPresetServer(t, map[string]func(http.ResponseWriter, *http.Request){
		"github.com/login/oauth/access_token": presetJSON(200, map[string]any{"access_token": "gho_abc", "token_type": "bearer", "scope": "read:user,user:email"}),
		"api.github.com/user":                 presetJSON(200, map[string]any{"id": 583231, "login": "octocat", "name": nil, "email": nil, "avatar_url": "https://avatars.example/u/583231"}),
		"api.github.com/user/emails":          presetJSON(200, []map[string]any{{"email": "Octocat@GitHub.com", "primary": true, "verified": true}}),
	})
	p, err := FromPreset("github", PresetOptions{ClientID: "cid", ClientSecret: "secret", HTTPClient: s.client()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.(nextauth.OAuthProvider).Exchange(t.Context(), nextauth.CallbackRequest{
		RedirectURI: "https://app.example/api/auth/callback/github",
		Params:      map[string]string{"code": "c0de", "state": "st", "iss": "https://github.com/login/oauth"},
		State:       "st",
	})
	if err != nil {
		t.Fatalf("Exchange() error: %v", err)
	}
	want := nextauth.User{ID: "583231", Name: nextauth.String("octocat"), Email: nextauth.String("octocat@github.com"), Image: nextauth.String("https://avatars.example/u/583231")}
	if !reflect.DeepEqual(res.User, want) {
		t.Errorf("Exchange().User = %+v, want %+v", res.User, want)
	}
	if res.Account.ProviderAccountID != "583231" || res.Account.Provider != "github" || res.Account.AccessToken != "gho_abc" {
		t.Errorf("Exchange().Account = %+v", res.Account)
	}
	if reqs := s.requests(); len(reqs) != 3 || reqs[0].Method != "POST" || !strings.HasPrefix(reqs[0].Auth, "Basic ") {
		t.Errorf("requests = %+v, want a Basic-authenticated token POST, then /user and /user/emails", reqs)
	}
}

// TestPresetAuthorizationURLs builds every preset's authorization URL with
// fixed check values and checks the endpoint and the parameter order of
// docs/compatibility.md#authorization-request: client_id, scope,
// response_type, redirect_uri, the preset's params in order, then the check
// values.
func TestPresetAuthorizationURLs(t *testing.T) {
	const redirect = "https://app.example/api/auth/callback/"
	for _, id := range PresetIDs() {
		t.Run(id, func(t *testing.T) {
			opts := presetTestOptions(id)
			info, _ := Preset(id)
			discovered := "https://op.example/" + id + "/authorize"
			routes := map[string]func(http.ResponseWriter, *http.Request){}
			resolved, err := resolvePreset(id, opts)
			if err != nil {
				t.Fatal(err)
			}
			endpoint := resolved.info.AuthorizationURL
			if wk := resolved.info.WellKnown; wk != "" {
				u, _ := url.Parse(wk)
				routes[u.Host+u.Path] = presetJSON(200, map[string]any{
					"issuer":                 "https://op.example/" + id,
					"authorization_endpoint": discovered,
					"token_endpoint":         "https://op.example/" + id + "/token",
					"jwks_uri":               "https://op.example/" + id + "/jwks",
				})
				endpoint = discovered
			}
			s := newPresetServer(t, routes)
			opts.HTTPClient = s.client()
			p, err := FromPreset(id, opts)
			if err != nil {
				t.Fatal(err)
			}
			op := p.(nextauth.OAuthProvider)
			req := nextauth.AuthorizationRequest{RedirectURI: redirect + id}
			checks := op.Checks()
			var wantTail [][2]string
			for _, c := range checks {
				switch c {
				case nextauth.CheckState:
					req.State = "state-value"
				case nextauth.CheckPKCE:
					req.CodeChallenge = "challenge-value"
				case nextauth.CheckNonce:
					req.Nonce = "nonce-value"
				}
			}
			if req.State != "" {
				wantTail = append(wantTail, [2]string{"state", req.State})
			}
			if req.CodeChallenge != "" {
				wantTail = append(wantTail, [2]string{"code_challenge", req.CodeChallenge}, [2]string{"code_challenge_method", "S256"})
			}
			if !slices.Equal(checks, presetEffectiveChecks(info.Checks)) {
				t.Errorf("%s Checks() = %v, want %v", id, checks, presetEffectiveChecks(info.Checks))
			}

			got, err := op.AuthorizationURL(t.Context(), req)
			if err != nil {
				t.Fatalf("AuthorizationURL() error: %v", err)
			}
			base, query, _ := strings.Cut(got, "?")
			if base != endpoint {
				t.Errorf("AuthorizationURL() = %s, want it to start with %s?", got, endpoint)
			}

			scope, ok := info.Scope()
			if !ok {
				scope = "openid"
			}
			want := [][2]string{{"client_id", "client-id"}, {"scope", scope}, {"response_type", "code"}, {"redirect_uri", redirect + id}}
			for _, kv := range resolved.info.AuthorizationParams {
				want = oauthSetParam(want, kv[0], kv[1])
			}
			want = append(want, wantTail...)
			var gotPairs [][2]string
			for _, pair := range strings.Split(query, "&") {
				k, v, _ := strings.Cut(pair, "=")
				k, _ = url.QueryUnescape(k)
				v, _ = url.PathUnescape(v)
				gotPairs = append(gotPairs, [2]string{k, v})
			}
			if !reflect.DeepEqual(gotPairs, want) {
				t.Errorf("AuthorizationURL() params =\n%v\nwant\n%v", gotPairs, want)
			}
			if strings.Contains(query, "+") {
				t.Errorf("AuthorizationURL() = %s, want spaces as %%20", got)
			}
		})
	}
}

// presetEffectiveChecks is what the OAuth provider runs for a preset's
// checks: "none" is no check.
func presetEffectiveChecks(checks []string) []string {
	var out []string
	for _, c := range checks {
		if c != "none" {
			out = append(out, c)
		}
	}
	return out
}

func TestPresetEnvVar(t *testing.T) {
	tests := []struct{ id, suffix, want string }{
		{"github", "ID", "AUTH_GITHUB_ID"},
		{"azure-ad", "SECRET", "AUTH_AZURE_AD_SECRET"},
		{"azure-ad-b2c", "TENANT_ID", "AUTH_AZURE_AD_B2C_TENANT_ID"},
		{"42-school", "ISSUER", "AUTH_42_SCHOOL_ISSUER"},
	}
	for _, tt := range tests {
		if got := PresetEnvVar(tt.id, tt.suffix); got != tt.want {
			t.Errorf("PresetEnvVar(%q, %q) = %q, want %q", tt.id, tt.suffix, got, tt.want)
		}
	}
}

func TestPresetsFromEnv(t *testing.T) {
	env := map[string]string{
		"AUTH_GITHUB_ID":                      "gh-id",
		"AUTH_GITHUB_SECRET":                  "gh-secret",
		"AUTH_AZURE_AD_ID":                    "az-id",
		"AUTH_AZURE_AD_SECRET":                "az-secret",
		"AUTH_AZURE_AD_TENANT_ID":             "tenant",
		"AUTH_KEYCLOAK_ID":                    "kc-id",
		"AUTH_KEYCLOAK_SECRET":                "kc-secret",
		"AUTH_KEYCLOAK_ISSUER":                "https://kc.example.com/realms/r",
		"AUTH_GOOGLE_SECRET":                  "secret without id: not configured",
		"AUTH_SLACK_TENANT_ID":                "ignored: slack has no tenant",
		"AUTH_AZURE_AD_B2C_ID":                "b2c-id",
		"AUTH_AZURE_AD_B2C_SECRET":            "b2c-secret",
		"AUTH_AZURE_AD_B2C_TENANT_ID":         "contoso",
		"AUTH_AZURE_AD_B2C_PRIMARY_USER_FLOW": "B2C_1_signin",
		"AUTH_SLACK_ID":                       "sl-id",
		"AUTH_SLACK_SECRET":                   "sl-secret",
	}
	got := PresetsFromEnv(func(k string) string { return env[k] })
	want := []EnvPreset{
		{Preset: "azure-ad", Options: PresetOptions{ClientID: "az-id", ClientSecret: "az-secret", TenantID: "tenant"}},
		{Preset: "azure-ad-b2c", Options: PresetOptions{ClientID: "b2c-id", ClientSecret: "b2c-secret", TenantID: "contoso", PrimaryUserFlow: "B2C_1_signin"}},
		{Preset: "github", Options: PresetOptions{ClientID: "gh-id", ClientSecret: "gh-secret"}},
		{Preset: "keycloak", Options: PresetOptions{ClientID: "kc-id", ClientSecret: "kc-secret", Issuer: "https://kc.example.com/realms/r"}},
		{Preset: "slack", Options: PresetOptions{ClientID: "sl-id", ClientSecret: "sl-secret"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PresetsFromEnv() =\n%+v\nwant\n%+v", got, want)
	}

	providers, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("FromEnv() error: %v", err)
	}
	var ids []string
	for _, p := range providers {
		ids = append(ids, p.Info().ID)
	}
	if wantIDs := []string{"azure-ad", "azure-ad-b2c", "github", "keycloak", "slack"}; !slices.Equal(ids, wantIDs) {
		t.Errorf("FromEnv() ids = %v, want %v", ids, wantIDs)
	}
}

func TestFromEnvErrors(t *testing.T) {
	env := map[string]string{
		"AUTH_GITHUB_ID":     "gh-id",
		"AUTH_GITHUB_SECRET": "gh-secret",
		"AUTH_KEYCLOAK_ID":   "kc-id",
		"AUTH_OKTA_ID":       "okta-id",
		"AUTH_OKTA_SECRET":   "okta-secret",
	}
	providers, err := FromEnv(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("FromEnv() error = nil, want the keycloak and okta problems")
	}
	for _, want := range []string{"AUTH_KEYCLOAK_SECRET", "AUTH_KEYCLOAK_ISSUER", "AUTH_OKTA_ISSUER"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("FromEnv() error = %q, want it to name %s", err, want)
		}
	}
	if len(providers) != 1 || providers[0].Info().ID != "github" {
		t.Errorf("FromEnv() providers = %v, want github only", providers)
	}
	if got, err := FromEnv(func(string) string { return "" }); len(got) != 0 || err != nil {
		t.Errorf("FromEnv(empty) = %v, %v, want none, nil", got, err)
	}
}

func TestPresetJSValues(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"String(123)", pvString(123.0), "123"},
		{"String(1.5)", pvString(1.5), "1.5"},
		{"String(2**53)", pvString(9007199254740992.0), "9007199254740992"},
		{"String(1e21)", pvString(1e21), "1e+21"},
		{"String(-1e-7)", pvString(-1e-7), "-1e-7"},
		{"String(null)", pvString(nil), "null"},
		{"String(undefined)", pvString(pvUndefined{}), "undefined"},
		{"String(true)", pvString(true), "true"},
		{"String(json.Number)", pvString(json.Number("3456789012")), "3456789012"},
		{"String([1,null,'a'])", pvString([]any{1.0, nil, "a"}), "1,,a"},
		{"String({})", pvString(map[string]any{}), "[object Object]"},
		{"parseInt('0042') % 5", pvNumber(float64(int(pvParseInt("0042")) % 5)), "2"},
		{"parseInt('  -7x')", pvNumber(pvParseInt("  -7x")), "-7"},
		{"parseInt('x')", pvNumber(pvParseInt("x")), "NaN"},
		{"parseInt(undefined)", pvNumber(pvParseInt(pvUndefined{})), "NaN"},
		{"[a, '', b].filter(Boolean).join", pvJoinTruthy("a", "", nil, pvUndefined{}, 0.0, "b"), "a b"},
		{"null ?? undefined", fmt.Sprint(pvCoalesce(nil, pvUndefined{}) == pvUndefined{}), "true"},
		{"'' ?? 'x'", pvString(pvCoalesce("", "x")), ""},
		{"v?.a?.[0]?.b of missing", pvString(pvOpt(map[string]any{}, "a", 0, "b")), "undefined"},
		{"v?.a[1] out of range", pvString(pvOpt(map[string]any{"a": []any{1.0}}, "a", 1)), "undefined"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	pathTests := []struct {
		v       any
		keys    []any
		want    any
		wantErr string
	}{
		{map[string]any{"a": map[string]any{"b": "x"}}, []any{"a", "b"}, "x", ""},
		{map[string]any{"a": nil}, []any{"a", "b"}, nil, "a.b"},
		{map[string]any{}, []any{"a", "b", "c"}, nil, "a.b"},
		{map[string]any{"a": []any{}}, []any{"a", 0, "c"}, nil, "a[0].c"},
		{map[string]any{"a": "str"}, []any{"a", "b"}, pvUndefined{}, ""},
	}
	for _, tt := range pathTests {
		got, err := pvPath(tt.v, tt.keys...)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("pvPath(%v, %v) = %v, %v, want error about %s", tt.v, tt.keys, got, err, tt.wantErr)
			}
		case err != nil || !reflect.DeepEqual(got, tt.want):
			t.Errorf("pvPath(%v, %v) = %v, %v, want %v", tt.v, tt.keys, got, err, tt.want)
		}
	}
}
