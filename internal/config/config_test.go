package config

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Hashes (bcrypt cost 4) of "alice-pw" and "bob-pw".
const (
	aliceHash = "$2a$04$KtuPByi1ulTz3NEbURgcVOllGRNggPSG8vmWH4CAMnTyj0GpUtbXC"
	bobHash   = "$2a$04$a7JeJmQ01ASuXO1H3mwdxOp36kuBMtFLDME364T/YX51alJ3EH69a"
)

// build parses yaml (with a secret prepended) and builds the Config,
// failing the test on any problem.
func build(t *testing.T, yaml string) nextauth.Config {
	t.Helper()
	f, err := Parse("t.yaml", []byte("secret: s\n"+yaml), nil)
	if err != nil {
		t.Fatalf("Parse(%q): %v", yaml, err)
	}
	cfg, err := f.NextAuth()
	if err != nil {
		t.Fatalf("NextAuth() of %q: %v", yaml, err)
	}
	return cfg
}

func boolPtr(b bool) *bool { return &b }

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		get  func(nextauth.Config) any
		want any
	}{
		{"url", "url: https://a.example/auth\n", func(c nextauth.Config) any { return c.URL }, "https://a.example/auth"},
		{"url absent", "", func(c nextauth.Config) any { return c.URL }, ""},
		{"secret", "", func(c nextauth.Config) any { return c.Secret }, "s"},
		{"previous_secrets", "previous_secrets: [a, b]\n", func(c nextauth.Config) any { return c.PreviousSecrets }, []string{"a", "b"}},
		{"allow.emails", "allow: {emails: [a@x.example]}\n", func(c nextauth.Config) any { return c.Allow.Emails }, []string{"a@x.example"}},
		{"allow.domains", "allow: {domains: [x.example, \"@y.example\"]}\n", func(c nextauth.Config) any { return c.Allow.Domains }, []string{"x.example", "@y.example"}},
		{
			"cookies.session_token", "cookies: {session_token: {name: sid, domain: .x.example, path: /app, same_site: strict, secure: true, http_only: false, max_age: 60}}\n",
			func(c nextauth.Config) any { return c.Cookies.SessionToken },
			nextauth.CookieOptions{Name: "sid", Domain: ".x.example", Path: "/app", SameSite: http.SameSiteStrictMode, Secure: boolPtr(true), HTTPOnly: boolPtr(false), MaxAge: 60},
		},
		{"cookies.callback_url", "cookies: {callback_url: {name: cb}}\n", func(c nextauth.Config) any { return c.Cookies.CallbackURL.Name }, "cb"},
		{"cookies.csrf_token", "cookies: {csrf_token: {same_site: Lax}}\n", func(c nextauth.Config) any { return c.Cookies.CSRFToken.SameSite }, http.SameSiteLaxMode},
		{"cookies.pkce_code_verifier", "cookies: {pkce_code_verifier: {max_age: 5m}}\n", func(c nextauth.Config) any { return c.Cookies.PKCECodeVerifier.MaxAge }, 300},
		{"cookies.state", "cookies: {state: {path: /s}}\n", func(c nextauth.Config) any { return c.Cookies.State.Path }, "/s"},
		{"cookies.nonce", "cookies: {nonce: {same_site: none}}\n", func(c nextauth.Config) any { return c.Cookies.Nonce.SameSite }, http.SameSiteNoneMode},
		{"session.strategy default", "", func(c nextauth.Config) any { return c.Session.Strategy }, nextauth.StrategyJWT},
		{"session.strategy", "session: {strategy: jwt}\n", func(c nextauth.Config) any { return c.Session.Strategy }, nextauth.StrategyJWT},
		{"session.max_age seconds", "session: {max_age: 2592000}\n", func(c nextauth.Config) any { return c.Session.MaxAge }, 30 * 24 * time.Hour},
		{"session.max_age duration", "session: {max_age: 720h}\n", func(c nextauth.Config) any { return c.Session.MaxAge }, 720 * time.Hour},
		{"session.max_age quoted seconds", "session: {max_age: \"3600\"}\n", func(c nextauth.Config) any { return c.Session.MaxAge }, time.Hour},
		{"session.update_age", "session: {update_age: 86400}\n", func(c nextauth.Config) any { return c.Session.UpdateAge }, 24 * time.Hour},
		{"session.max_age null", "session: {max_age: ~}\n", func(c nextauth.Config) any { return c.Session.MaxAge }, time.Duration(0)},
		{"jwt.max_age", "jwt: {max_age: 1h30m}\n", func(c nextauth.Config) any { return c.JWT.MaxAge }, 90 * time.Minute},
		{
			"theme", "theme: {color_scheme: light, brand_color: \"#346df1\", logo: /logo.png, button_text: \"#fff\"}\n",
			func(c nextauth.Config) any { return c.Theme },
			nextauth.Theme{ColorScheme: "light", BrandColor: "#346df1", Logo: "/logo.png", ButtonText: "#fff"},
		},
		{
			"pages", "pages: {sign_in: /in, sign_out: /out, error: /err, verify_request: /verify, new_user: https://x.example/new}\n",
			func(c nextauth.Config) any { return c.Pages },
			nextauth.Pages{SignIn: "/in", SignOut: "/out", Error: "/err", VerifyRequest: "/verify", NewUser: "https://x.example/new"},
		},
		{"debug", "debug: true\n", func(c nextauth.Config) any { return c.Debug }, true},
		{"debug default", "", func(c nextauth.Config) any { return c.Debug }, false},
		{"empty mapping", "theme:\n", func(c nextauth.Config) any { return c.Theme }, nextauth.Theme{}},
		{"anchors", "allow: {emails: &e [a@x.example]}\nprevious_secrets: *e\n", func(c nextauth.Config) any { return c.PreviousSecrets }, []string{"a@x.example"}},
		{"no providers", "", func(c nextauth.Config) any { return len(c.Providers) }, 0},
		{
			"credentials defaults", "providers: [{type: credentials, users: [{username: a, password_hash: \"" + aliceHash + "\"}]}]\n",
			func(c nextauth.Config) any { return c.Providers[0].Info() },
			nextauth.ProviderInfo{ID: "credentials", Name: "Credentials", Type: nextauth.TypeCredentials},
		},
		{
			"credentials id and name", "providers: [{type: credentials, id: api, name: Company login, authorize_url: http://127.0.0.1:1/a}]\n",
			func(c nextauth.Config) any { return c.Providers[0].Info() },
			nextauth.ProviderInfo{ID: "api", Name: "Company login", Type: nextauth.TypeCredentials},
		},
		{
			"credentials default fields", "providers: [{type: credentials, authorize_url: http://127.0.0.1:1/a}]\n",
			func(c nextauth.Config) any { return c.Providers[0].(nextauth.CredentialsProvider).Fields() },
			[]nextauth.CredentialField{{Name: "username", Label: "Username", Type: "text"}, {Name: "password", Label: "Password", Type: "password"}},
		},
		{
			"credentials fields", "providers: [{type: credentials, authorize_url: http://127.0.0.1:1/a, fields: [{name: otp, label: Code, type: text, placeholder: \"123456\", value: \"1\", required: true}]}]\n",
			func(c nextauth.Config) any { return c.Providers[0].(nextauth.CredentialsProvider).Fields() },
			[]nextauth.CredentialField{{Name: "otp", Label: "Code", Type: "text", Placeholder: "123456", Value: "1", Required: true}},
		},
		{
			"credentials no fields", "providers: [{type: credentials, authorize_url: http://127.0.0.1:1/a, fields: []}]\n",
			func(c nextauth.Config) any { return len(c.Providers[0].(nextauth.CredentialsProvider).Fields()) }, 0,
		},
		{
			"providers in order", "providers:\n- {type: credentials, id: b, authorize_url: http://127.0.0.1:1/a}\n- {type: credentials, id: a, authorize_url: http://127.0.0.1:1/a}\n",
			func(c nextauth.Config) any { return []string{c.Providers[0].Info().ID, c.Providers[1].Info().ID} }, []string{"b", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := build(t, tt.yaml)
			if got := tt.get(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NextAuth() of %q: got %#v, want %#v", tt.yaml, got, tt.want)
			}
		})
	}
}

func TestLogger(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantLevel slog.Level // lowest level enabled
		wantJSON  bool
	}{
		{"defaults", "", slog.LevelInfo, false},
		{"level", "log: {level: warn}\n", slog.LevelWarn, false},
		{"level case", "log: {level: ERROR}\n", slog.LevelError, false},
		{"debug key", "debug: true\nlog: {level: error}\n", slog.LevelDebug, false},
		{"json", "log: {format: json, level: debug}\n", slog.LevelDebug, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte(tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			var buf strings.Builder
			log := f.Logger(&buf)
			ctx := context.Background()
			if !log.Enabled(ctx, tt.wantLevel) || log.Enabled(ctx, tt.wantLevel-1) {
				t.Errorf("Logger() of %q: lowest level enabled is not %v", tt.yaml, tt.wantLevel)
			}
			log.Error("hello")
			if got := json.Valid([]byte(buf.String())); got != tt.wantJSON {
				t.Errorf("Logger() of %q wrote %q: JSON = %v, want %v", tt.yaml, buf.String(), got, tt.wantJSON)
			}
		})
	}
}

func TestEnvPrecedence(t *testing.T) {
	const file = "url: http://file.example/api/auth\nsecret: file-secret\nprevious_secrets: [file-old]\n"
	tests := []struct {
		name         string
		yaml         string
		env          map[string]string
		wantURL      string
		wantSecret   string
		wantPrevious []string
		wantSource   string
	}{
		{"file only", file, nil, "http://file.example/api/auth", "file-secret", []string{"file-old"}, ""},
		{"NEXTAUTH_URL wins", file, map[string]string{"NEXTAUTH_URL": "https://env.example"}, "https://env.example", "file-secret", []string{"file-old"}, ""},
		{"empty NEXTAUTH_URL is unset", file, map[string]string{"NEXTAUTH_URL": ""}, "http://file.example/api/auth", "file-secret", []string{"file-old"}, ""},
		{"NEXTAUTH_SECRET wins", file, map[string]string{"NEXTAUTH_SECRET": "env"}, "http://file.example/api/auth", "env", []string{"file-old"}, "NEXTAUTH_SECRET"},
		{"AUTH_SECRET wins over file", file, map[string]string{"AUTH_SECRET": "auth"}, "http://file.example/api/auth", "auth", []string{"file-old"}, "AUTH_SECRET"},
		{"NEXTAUTH_SECRET wins over AUTH_SECRET", "", map[string]string{"AUTH_SECRET": "auth", "NEXTAUTH_SECRET": "next"}, "", "next", nil, "NEXTAUTH_SECRET"},
		{
			"NEXTAUTH_SECRET_PREVIOUS", file, map[string]string{"NEXTAUTH_SECRET_PREVIOUS": " a, b ,,c"},
			"http://file.example/api/auth", "file-secret", []string{"a", "b", "c"}, "",
		},
		{"no file", "", map[string]string{"NEXTAUTH_URL": "http://x.example", "NEXTAUTH_SECRET": "s"}, "http://x.example", "s", nil, "NEXTAUTH_SECRET"},
		{"expansion in file", "secret: ${MY_SECRET:-dflt}\n", map[string]string{"MY_SECRET": "mine"}, "", "mine", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte(tt.yaml), mapEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if f.URL != tt.wantURL {
				t.Errorf("URL = %q, want %q", f.URL, tt.wantURL)
			}
			if f.Secret != tt.wantSecret {
				t.Errorf("Secret = %q, want %q", f.Secret, tt.wantSecret)
			}
			if !reflect.DeepEqual(f.PreviousSecrets, tt.wantPrevious) {
				t.Errorf("PreviousSecrets = %q, want %q", f.PreviousSecrets, tt.wantPrevious)
			}
			if f.SecretSource != tt.wantSource {
				t.Errorf("SecretSource = %q, want %q", f.SecretSource, tt.wantSource)
			}
		})
	}
}

func TestEnvProblemNamesVariable(t *testing.T) {
	f, err := Parse("t.yaml", []byte("url: http://ok.example\nsecret: s\n"), mapEnv(map[string]string{"NEXTAUTH_URL": "ftp://bad.example"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.NextAuth()
	const want = `config: NEXTAUTH_URL: "ftp://bad.example": want an http or https URL`
	if err == nil || err.Error() != want {
		t.Errorf("NextAuth() = %v, want %s", err, want)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"unknown top-level key", "secret: s\ncolour: red\n", []string{
			"config: t.yaml:2: colour: unknown key; known keys here: url, urls, secret, previous_secrets, database, database_options, database_layout, prisma_schema, trust_proxy, cors_origins, redirect_hosts, forward, introspect, allow, claims, cookies, session, jwt, email_rate_limit, credentials_rate_limit, log_rate_limit, lockout, rate_limit, theme, pages, debug, log, admin, events, hooks, metrics_addr, providers",
		}},
		{"unknown nested key", "secret: s\ntheme:\n  colour: red\n", []string{
			"config: t.yaml:3: theme.colour: unknown key; known keys here: color_scheme, brand_color, logo, button_text",
		}},
		{"repeated key", "secret: s\nsecret: t\n", []string{"config: t.yaml:2: secret: repeated key (first on line 1)"}},
		{"repeated claim", "secret: s\nclaims:\n  a: '1'\n  a: '2'\n", []string{"config: t.yaml:4: claims.a: repeated key (first on line 3)"}},
		{"repeated user claim", "secret: s\nproviders:\n- type: credentials\n  users:\n  - username: u\n    password_hash: x\n    claims:\n      r: 1\n      r: 2\n", []string{
			"config: t.yaml:6: providers[0].users[0].password_hash: not a bcrypt hash",
			"config: t.yaml:9: providers[0].users[0].claims.r: repeated key (first on line 8)",
		}},
		{"wrong kind", "secret: s\ndebug: yes\n", []string{`config: t.yaml:2: debug: want true or false, got "yes"`}},
		{"list for string", "secret: [a]\n", []string{"config: t.yaml:1: secret: want a string, got a list"}},
		{"string for list", "secret: s\nprevious_secrets: a\n", []string{`config: t.yaml:2: previous_secrets: want a list, got "a"`}},
		{"bad duration", "secret: s\nsession:\n  max_age: soon\n", []string{
			`config: t.yaml:3: session.max_age: want whole seconds (e.g. 3600) or a duration such as "720h" or "30m", got "soon"`,
		}},
		{"fractional seconds", "secret: s\njwt: {max_age: 1.5}\n", []string{
			`config: t.yaml:2: jwt.max_age: want whole seconds (e.g. 3600) or a duration such as "720h" or "30m", got "1.5"`,
		}},
		{"negative age", "secret: s\nsession: {update_age: -1}\n", []string{"config: t.yaml:2: session.update_age: must not be negative"}},
		{"bad same_site", "secret: s\ncookies:\n  state:\n    same_site: sometimes\n", []string{
			`config: t.yaml:4: cookies.state.same_site: "sometimes": want lax, strict or none`,
		}},
		{"bad url", "secret: s\nurl: ftp://x\n", []string{`config: t.yaml:2: url: "ftp://x": want an http or https URL`}},
		{"secret not set", "secret: ${UNSET}\n", []string{"config: t.yaml:1: secret: no secret (NO_SECRET)"}},
		{"no secret", "url: http://x.example\n", []string{
			`config: t.yaml: secret: no secret (NO_SECRET): set NEXTAUTH_SECRET, e.g. export NEXTAUTH_SECRET="$(openssl rand -base64 32)", or the config file's secret key; for a local try without one, run with --dev`,
		}},
		{"no type", "secret: s\nproviders:\n  - id: x\n", []string{"config: t.yaml:3: providers[0].type: missing; supported types: credentials"}},
		{"unknown type", "secret: s\nproviders:\n  - type: saml\n", []string{`config: t.yaml:3: providers[0].type: unknown provider type "saml"; supported types: credentials`}},
		{"type owns its keys", "secret: s\nproviders:\n  - type: credentials\n    authorize_url: http://127.0.0.1:1/\n    client_id: x\n", []string{
			"config: t.yaml:5: providers[0].client_id: unknown key; known keys here: id, name, fields, identifier_field, users, authorize_url, allow_dangerous_email_account_linking",
		}},
		{"neither users nor authorize_url", "secret: s\nproviders:\n  - type: credentials\n", []string{
			"config: t.yaml:3: providers[0]: a credentials provider needs users (static users) or authorize_url (a remote check)",
		}},
		{"both users and authorize_url", "secret: s\nproviders:\n- type: credentials\n  authorize_url: http://127.0.0.1:1/\n  users: [{username: a, password_hash: \"" + aliceHash + "\"}]\n", []string{
			"config: t.yaml:3: providers[0]: set users or authorize_url, not both",
		}},
		{"bad bcrypt hash", "secret: s\nproviders:\n- type: credentials\n  users:\n  - username: a\n    password_hash: hunter2\n", []string{
			"config: t.yaml:6: providers[0].users[0].password_hash: not a bcrypt hash (make one with: nextauth hash-password; quote it in YAML): crypto/bcrypt: hashedSecret too short to be a bcrypted password",
		}},
		{"duplicate ids", "secret: s\nproviders:\n- {type: credentials, authorize_url: http://127.0.0.1:1/}\n- type: credentials\n  authorize_url: http://127.0.0.1:1/\n", []string{
			`config: t.yaml:4: providers[1].id: "credentials" is already the id of providers[0]; give each provider its own id`,
		}},
		{"a problem per provider", "secret: s\nproviders:\n- {type: credentials, id: a}\n- {type: credentials, id: b}\n", []string{
			"config: t.yaml:3: providers[0]: a credentials provider needs users (static users) or authorize_url (a remote check)",
			"config: t.yaml:4: providers[1]: a credentials provider needs users (static users) or authorize_url (a remote check)",
		}},
		{"openid scope in authorization_url", "secret: s\nproviders:\n- type: oauth\n  id: acme\n  client_id: c\n  client_secret: x\n" +
			"  authorization_url: https://acme.example/a?scope=openid+email\n  token_url: https://acme.example/t\n  userinfo_url: https://acme.example/u\n", []string{
			"config: t.yaml:3: providers[0].issuer: missing: the id_token flow checks the id_token's iss against issuer",
			"config: t.yaml:3: providers[0].jwks_url: missing: the id_token flow needs the key set",
		}},
		{"syntax", "secret: s\nurl: [\n", []string{"config: t.yaml:2: invalid YAML: did not find expected node content"}},
		{"all at once", "url: ftp://x\ntheme: {color_scheme: neon}\ncookies: {nonce: {max_age: -1s}}\n", []string{
			`config: t.yaml:1: url: "ftp://x": want an http or https URL`,
			`config: t.yaml:2: theme.color_scheme: "neon": want auto, light or dark`,
			"config: t.yaml:3: cookies.nonce.max_age: must not be negative",
			"config: t.yaml: secret: no secret (NO_SECRET)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte(tt.yaml), nil)
			_, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("NextAuth() of %q = %d problems:\n%s\nwant %d:\n%s", tt.yaml, len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("NextAuth() of %q: problem %d = %q, want %q", tt.yaml, i, got[i], tt.want[i])
				}
			}
		})
	}
}

// problemLines lists the problems joined in err, checking each is a
// *Problem.
func problemLines(err error) []string {
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{"not joined: " + err.Error()}
	}
	var lines []string
	for _, e := range joined.Unwrap() {
		var p *Problem
		if !errors.As(e, &p) {
			lines = append(lines, "not a *Problem: "+e.Error())
			continue
		}
		lines = append(lines, e.Error())
	}
	return lines
}

func TestNoSecretIsErrNoSecret(t *testing.T) {
	f, err := Parse("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.NextAuth()
	if !errors.Is(err, nextauth.ErrNoSecret) {
		t.Errorf("NextAuth() without secret = %v, want errors.Is ErrNoSecret", err)
	}
	if err == nil || !strings.Contains(err.Error(), "NO_SECRET") || !strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Errorf("NextAuth() without secret = %v, want a message with NO_SECRET and how to make one", err)
	}
}

func TestLoad(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		f, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
		if f != nil || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load(missing) = %v, %v, want nil, ErrNotExist", f, err)
		}
	})
	t.Run("no file", func(t *testing.T) {
		f, err := Load("", mapEnv(map[string]string{"NEXTAUTH_SECRET": "s"}))
		if err != nil || f.Secret != "s" || f.Path != "" {
			t.Errorf("Load(\"\") = %+v, %v, want secret from env", f, err)
		}
	})
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte("secret: ${S}\ncolour: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(path, mapEnv(map[string]string{"S": "from-env"}))
		want := path + ":2: colour: unknown key"
		if f == nil || f.Secret != "from-env" || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s) = %+v, %v, want secret from-env and problem %q", path, f, err, want)
		}
	})
}

func TestWarnings(t *testing.T) {
	f, err := Parse("c.yaml", []byte("url: ${U:-http://x.example}\nsecret: ${MISSING}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`config: c.yaml:2: ${MISSING} is not set and has no default (${MISSING:-default}); it expanded to ""`}
	if got := f.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings() = %q, want %q", got, want)
	}
}

func TestStaticUsersSignIn(t *testing.T) {
	cfg := build(t, "providers:\n- type: credentials\n  users:\n  - {username: alice, password_hash: \""+aliceHash+"\", id: \"1\", name: Alice, email: a@x.example, image: /a.png}\n  - {username: bob, password_hash: \""+bobHash+"\"}\n")
	p := cfg.Providers[0].(nextauth.CredentialsProvider)
	tests := []struct {
		user, password string
		want           *nextauth.User
	}{
		{"alice", "alice-pw", &nextauth.User{ID: "1", Name: nextauth.String("Alice"), Email: nextauth.String("a@x.example"), Image: nextauth.String("/a.png")}},
		{"bob", "bob-pw", &nextauth.User{ID: "bob"}}, // id defaults to the user name
		{"alice", "bob-pw", nil},                     // (unknown users are package provider's to test)
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.password, func(t *testing.T) {
			got, err := p.Authorize(context.Background(), nextauth.Credentials{"username": tt.user, "password": tt.password}, nil)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Authorize(%s, %s) = %+v, %v, want %+v", tt.user, tt.password, got, err, tt.want)
			}
		})
	}
}

func TestAuthorizeURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"password":"pw","username":"u"}` {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"id":7,"name":"U"}`)
	}))
	defer srv.Close()
	cfg := build(t, "providers: [{type: credentials, authorize_url: \""+srv.URL+"\"}]\n")
	p := cfg.Providers[0].(nextauth.CredentialsProvider)
	got, err := p.Authorize(context.Background(), nextauth.Credentials{"username": "u", "password": "pw", "csrfToken": "x"}, nil)
	want := &nextauth.User{ID: "7", Name: nextauth.String("U")}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Authorize() = %+v, %v, want %+v", got, err, want)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"defaults", "", "url: http://localhost:3000/api/auth (default)\ndatabase: none\nsessions: jwt\nproviders: none\n"},
		{
			"providers", "url: https://x.example/auth\nproviders: [{type: credentials, id: api, name: Company login, authorize_url: http://127.0.0.1:1/}]\n",
			"url: https://x.example/auth\ndatabase: none\nsessions: jwt\nproviders:\n  api (credentials, \"Company login\")\n",
		},
		{
			"database", "database: postgres://u:pw@db.example/auth\nproviders: [{type: email, server: file:m.log}]\n",
			"url: http://localhost:3000/api/auth (default)\ndatabase: postgres://u:xxxxx@db.example/auth\nsessions: database\nproviders:\n  email (email, \"Email\")\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := f.NextAuth()
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Summary(cfg); got != tt.want {
				t.Errorf("Summary() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	cause := errors.New("bad")
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f.yaml", Line: 3, Key: "a.b", Err: cause}, "config: f.yaml:3: a.b: bad"},
		{Problem{File: "f.yaml", Key: "a", Err: cause}, "config: f.yaml: a: bad"},
		{Problem{Line: 2, Err: cause}, "config: line 2: bad"},
		{Problem{Key: "NEXTAUTH_URL", Err: cause}, "config: NEXTAUTH_URL: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(&tt.p, cause) {
				t.Errorf("errors.Is(%q, cause) = false, want true", tt.want)
			}
		})
	}
}
