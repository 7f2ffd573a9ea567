package cookie

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// sessionOpts returns the default options of NextAuth's session-token cookie over http.
func sessionOpts() Options { return Options{Path: "/", HTTPOnly: true, SameSite: "lax"} }

func TestSerialize(t *testing.T) {
	csrf := strings.Repeat("0f", 32) + "|" + strings.Repeat("a1", 32)
	const jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAECAwQFBgcICQoL.D9w7kt5B9FSTpYnNJhtDKaYlEN_T.z3uTqHwh-ysnhgkcx5SdRg"
	state := time.Date(2026, 11, 27, 8, 54, 13, 0, time.UTC)
	sessionExp := time.Date(2026, 12, 27, 8, 39, 18, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name, cookie, value string
		o                   Options
		expires             time.Time
		want                string
	}{
		{
			name: "csrf", cookie: "next-auth.csrf-token", value: csrf, o: sessionOpts(),
			want: "next-auth.csrf-token=" + strings.Repeat("0f", 32) + "%7C" + strings.Repeat("a1", 32) + "; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name: "callback url", cookie: "next-auth.callback-url", value: "http://localhost:3111", o: sessionOpts(),
			want: "next-auth.callback-url=http%3A%2F%2Flocalhost%3A3111; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name: "state", cookie: "next-auth.state", value: jwe,
			o: Options{Path: "/", HTTPOnly: true, SameSite: "lax", MaxAge: 900}, expires: state,
			want: "next-auth.state=" + jwe + "; Max-Age=900; Path=/; Expires=Fri, 27 Nov 2026 08:54:13 GMT; HttpOnly; SameSite=Lax",
		},
		{
			name: "session", cookie: "next-auth.session-token", value: jwe, o: sessionOpts(), expires: sessionExp,
			want: "next-auth.session-token=" + jwe + "; Path=/; Expires=Sun, 27 Dec 2026 08:39:18 GMT; HttpOnly; SameSite=Lax",
		},
		{
			name: "expires in another zone", cookie: "n", value: "v", o: Options{}, expires: sessionExp.In(paris),
			want: "n=v; Expires=Sun, 27 Dec 2026 08:39:18 GMT",
		},
		{
			name: "host csrf", cookie: "__Host-next-auth.csrf-token", value: "ab|cd",
			o:    Options{Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: true},
			want: "__Host-next-auth.csrf-token=ab%7Ccd; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			// Observed from npm cookie 0.7.2 serialize with every option.
			name: "every attribute", cookie: "n", value: "v|é 😀",
			o: Options{MaxAge: 900, Domain: "ex.com", Path: "/p", HTTPOnly: true, Secure: true,
				Partitioned: true, Priority: "HIGH", SameSite: "None"},
			expires: sessionExp,
			want:    "n=v%7C%C3%A9%20%F0%9F%98%80; Max-Age=900; Domain=ex.com; Path=/p; Expires=Sun, 27 Dec 2026 08:39:18 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None",
		},
		{name: "strict", cookie: "n", value: "", o: Options{SameSite: "STRICT"}, want: "n=; SameSite=Strict"},
		{name: "unknown same-site omitted", cookie: "n", value: "x", o: Options{SameSite: "sometimes"}, want: "n=x"},
		{name: "priority low medium", cookie: "n", value: "x", o: Options{Priority: "medium"}, want: "n=x; Priority=Medium"},
		{name: "negative max-age deletes", cookie: "n", value: "x", o: Options{MaxAge: -5}, want: "n=x; Max-Age=0"},
		{name: "bare", cookie: "n", value: "", want: "n="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Serialize(tt.cookie, tt.value, tt.o, tt.expires); got != tt.want {
				t.Errorf("Serialize(%q, %q, %+v, %v) =\n%q, want\n%q", tt.cookie, tt.value, tt.o, tt.expires, got, tt.want)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name, cookie string
		o            Options
		want         string
	}{
		{"observed session deletion", "next-auth.session-token", sessionOpts(),
			"next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"},
		{"max-age option ignored", "next-auth.state", Options{Path: "/", MaxAge: 900, Secure: true},
			"next-auth.state=; Max-Age=0; Path=/; Secure"},
		{"domain and partitioned kept", "c", Options{Domain: ".ex.com", Partitioned: true, SameSite: "none"},
			"c=; Max-Age=0; Domain=.ex.com; Partitioned; SameSite=None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Delete(tt.cookie, tt.o); got != tt.want {
				t.Errorf("Delete(%q, %+v) = %q, want %q", tt.cookie, tt.o, got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		cookie string
		o      Options
		wantOK bool
	}{
		{"defaults", "__Secure-next-auth.session-token", Options{Path: "/", SameSite: "lax"}, true},
		{"domain with dot", "n", Options{Domain: ".example.co.uk"}, true},
		{"every option", "n", Options{Domain: "a-b.example", Path: "/x:y=z", SameSite: "None", Priority: "low"}, true},
		{"empty name", "", Options{}, false},
		{"name with space", "a b", Options{}, false},
		{"name with equals", "a=b", Options{}, false},
		{"domain hyphen start", "n", Options{Domain: "-ex.com"}, false},
		{"domain trailing dot", "n", Options{Domain: "ex.com."}, false},
		{"domain too long label", "n", Options{Domain: strings.Repeat("a", 64) + ".com"}, false},
		{"path semicolon", "n", Options{Path: "/a;b"}, false},
		{"path non-ASCII", "n", Options{Path: "/é"}, false},
		{"bad same-site", "n", Options{SameSite: "yes"}, false},
		{"bad priority", "n", Options{Priority: "urgent"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.cookie, tt.o)
			if (err == nil) != tt.wantOK {
				t.Errorf("Check(%q, %+v) = %v, want ok %v", tt.cookie, tt.o, err, tt.wantOK)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "cookie: ") {
				t.Errorf("Check(%q, %+v) = %q, want a \"cookie: \" prefix", tt.cookie, tt.o, err)
			}
		})
	}
}

// TestAppendHTTPDate checks the Expires writer against time's own
// http.TimeFormat, over years, months, week days and times of day,
// including years that need padding or do not fit four digits.
func TestAppendHTTPDate(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 12, 27, 8, 39, 18, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(33, 3, 4, 5, 6, 7, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 0, 0, 0, time.FixedZone("ahead", 5*3600+1800)),
		{},
	}
	for i := range 3000 { // every day of eight years and every hour, minute and second value
		times = append(times, time.Date(2020, 1, 1, i%24, i%60, (i*7)%60, 0, time.UTC).AddDate(0, 0, i))
	}
	for _, tm := range times {
		want := tm.UTC().AppendFormat([]byte("x"), http.TimeFormat)
		if got := appendHTTPDate([]byte("x"), tm); string(got) != string(want) {
			t.Errorf("appendHTTPDate(%v) = %q, want %q", tm, got, want)
		}
	}
}
