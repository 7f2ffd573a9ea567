package provider

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth"
)

// presetTestOptions are options that satisfy every preset's requirements.
func presetTestOptions(id string) PresetOptions {
	o := PresetOptions{ClientID: "client-id", ClientSecret: "client-secret"}
	if p, _ := lookupPreset(id); p.needIssuer {
		o.Issuer = "https://issuer.example"
	}
	if id == "azure-ad-b2c" {
		o.TenantID, o.PrimaryUserFlow = "contoso", "B2C_1_signin"
	}
	return o
}

// TestPresetProfiles maps each sample profile in testdata/profiles
// (<preset>.json, and <preset>.<case>.json for the edge cases of a mapping)
// with the preset's Profile (docs/compatibility.md#presets).
func TestPresetProfiles(t *testing.T) {
	tests := []struct {
		file    string
		want    nextauth.User
		wantErr bool
	}{
		{file: "42-school.json", want: nextauth.User{ID: "2", Name: nextauth.String("Juliette Aubin"), Email: nextauth.String("andre@42.fr"), Image: nextauth.String("https://cdn.intra.42.fr/users/andre.jpg")}},
		{file: "apple.json", want: nextauth.User{ID: "001234.1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d.1234", Email: nextauth.String("abc123xyz@privaterelay.appleid.com"), Image: nextauth.Null()}},
		{file: "atlassian.json", want: nextauth.User{ID: "112233aa-bb11-cc22-33dd-445566abcabc", Name: nextauth.String("Mia Krystof"), Email: nextauth.String("mia@example.com"), Image: nextauth.String("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa-bb11-cc22-33dd-445566abcabc/1234abcd-9876-54aa-33aa-1234dfsade9487ds")}},
		{file: "auth0.json", want: nextauth.User{ID: "auth0|5f7c8ec7c33c6c004bbafe82", Name: nextauth.String("janedoe"), Email: nextauth.String("jane.doe@example.com"), Image: nextauth.String("https://s.gravatar.com/avatar/dd8a1c2e8f.png")}},
		{file: "authentik.json", want: nextauth.User{ID: "f9a8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@authentik.company")}},
		{file: "authentik.no-name.json", want: nextauth.User{ID: "f9a8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8", Name: nextauth.String("jane"), Email: nextauth.String("jane@authentik.company")}},
		{file: "azure-ad.json", want: nextauth.User{ID: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Name: nextauth.String("Abe Lincoln"), Email: nextauth.String("AbeLi@microsoft.com"), Image: nextauth.Null()}},
		{file: "azure-ad-b2c.json", want: nextauth.User{ID: "ffffffff-eeee-dddd-cccc-bbbbbbbbbbbb", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@contoso.com"), Image: nextauth.Null()}},
		{file: "battlenet.json", want: nextauth.User{ID: "123456789", Name: nextauth.String("Player#1234"), Email: nextauth.Null(), Image: nextauth.Null()}},
		{file: "box.json", want: nextauth.User{ID: "11446498", Name: nextauth.String("Aaron Levie"), Email: nextauth.String("ceo@example.com"), Image: nextauth.String("https://www.box.com/api/avatar/large/181225")}},
		{file: "boxyhq-saml.json", want: nextauth.User{ID: "bdc2f2a5e0ee7f8bd33e6d1e6d4a29b8b0ae8e6b", Name: nextauth.String("SAML Jackson"), Email: nextauth.String("jackson@example.com"), Image: nextauth.Null()}},
		{file: "boxyhq-saml.no-last-name.json", want: nextauth.User{ID: "bdc2f2a5e0ee7f8bd33e6d1e6d4a29b8b0ae8e6b", Name: nextauth.String("SAML"), Email: nextauth.String("jackson@example.com"), Image: nextauth.Null()}},
		{file: "coinbase.json", want: nextauth.User{ID: "9da7a204-544e-5fd1-9a12-61176c5d4cd8", Name: nextauth.String("User One"), Email: nextauth.String("user1@example.com"), Image: nextauth.String("https://images.coinbase.com/avatar?h=vR%2FY8igBoPwuwGren5JMwvDNGpURAY&s=128")}},
		{file: "cognito.json", want: nextauth.User{ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Name: nextauth.String("Anaya Example"), Email: nextauth.String("anaya@example.com"), Image: nextauth.String("https://example.com/anaya.png")}},
		{file: "discord.json", want: nextauth.User{ID: "80351110224678912", Name: nextauth.String("nelly"), Email: nextauth.String("nelly@discord.com"), Image: nextauth.String("https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png")}},
		{file: "discord.animated-avatar.json", want: nextauth.User{ID: "80351110224678912", Name: nextauth.String("nelly"), Email: nextauth.String("nelly@discord.com"), Image: nextauth.String("https://cdn.discordapp.com/avatars/80351110224678912/a_1269e74af4df7417b13759eae50c83dc.gif")}},
		{file: "discord.null-avatar.json", want: nextauth.User{ID: "80351110224678912", Name: nextauth.String("nelly"), Email: nextauth.String("nelly@discord.com"), Image: nextauth.String("https://cdn.discordapp.com/embed/avatars/2.png")}}, // 1337 % 5
		{file: "discord.new-username.json", want: nextauth.User{ID: "80351110224678912", Name: nextauth.String("nelly.dev"), Email: nextauth.String("nelly@discord.com"), Image: nextauth.String("https://cdn.discordapp.com/embed/avatars/0.png")}},
		{file: "dropbox.json", want: nextauth.User{ID: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", Name: nextauth.String("Franz Ferdinand (Personal)"), Email: nextauth.String("franz@dropbox.com"), Image: nextauth.String("https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA?vers=1556069330102&size=128x128")}},
		{file: "duende-identityserver6.json", want: nextauth.User{ID: "818727", Name: nextauth.String("Alice Smith"), Email: nextauth.String("AliceSmith@email.com"), Image: nextauth.Null()}},
		{file: "eveonline.json", want: nextauth.User{ID: "95465499", Name: nextauth.String("CCP Bartender"), Email: nextauth.Null(), Image: nextauth.String("https://image.eveonline.com/Character/95465499_128.jpg")}},
		{file: "facebook.json", want: nextauth.User{ID: "10158229283649917", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@example.com"), Image: nextauth.String("https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158229283649917&height=50&width=50&ext=1700000000&hash=AbQ")}},
		{file: "facebook.no-picture.json", wantErr: true}, // picture.data.url throws in v4
		{file: "faceit.json", want: nextauth.User{ID: "0b7e8e2a-1234-4d6e-9a4b-2f7c3e1a5b6c", Name: nextauth.String("Player One"), Email: nextauth.String("player@example.com"), Image: nextauth.String("https://assets.faceit-cdn.net/avatars/0b7e8e2a.jpg")}},
		{file: "foursquare.json", want: nextauth.User{ID: "1234567", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@example.com"), Image: nextauth.String("https://fastly.4sqi.net/img/user/original/1234567-ABCDEFGHIJKLMNOP.jpg")}},
		{file: "foursquare.no-photo.json", want: nextauth.User{ID: "1234567", Name: nextauth.String("Jane Doe"), Image: nextauth.Null()}},
		{file: "fusionauth.json", want: nextauth.User{ID: "2fa09fe7-4a3a-4e4a-8d5a-c1a0b7b2c0ae", Name: nextauth.String("richard"), Email: nextauth.String("richard@piedpiper.com")}},
		{file: "github.json", want: nextauth.User{ID: "583231", Name: nextauth.String("The Octocat"), Email: nextauth.String("Octocat@GitHub.com"), Image: nextauth.String("https://avatars.githubusercontent.com/u/583231?v=4")}},
		{file: "github.null-name.json", want: nextauth.User{ID: "583231", Name: nextauth.String("octocat"), Email: nextauth.Null(), Image: nextauth.String("https://avatars.githubusercontent.com/u/583231?v=4")}},
		{file: "gitlab.json", want: nextauth.User{ID: "1", Name: nextauth.String("John Smith"), Email: nextauth.String("john@example.com"), Image: nextauth.String("https://gitlab.com/uploads/-/system/user/avatar/1/avatar.png")}},
		{file: "gitlab.null-name.json", want: nextauth.User{ID: "1", Name: nextauth.String("john_smith"), Email: nextauth.String("john@example.com"), Image: nextauth.String("https://gitlab.com/uploads/-/system/user/avatar/1/avatar.png")}},
		{file: "google.json", want: nextauth.User{ID: "110169484474386276334", Name: nextauth.String("Jane Smith"), Email: nextauth.String("jsmith@example.com"), Image: nextauth.String("https://lh3.googleusercontent.com/a/ACg8ocKx3J9Qx=s96-c")}},
		{file: "hubspot.json", want: nextauth.User{ID: "123", Name: nextauth.String("test@hubspot.com"), Email: nextauth.String("test@hubspot.com"), Image: nextauth.Null()}},
		{file: "identity-server4.json", want: nextauth.User{ID: "818727", Name: nextauth.String("Alice Smith"), Email: nextauth.String("AliceSmith@email.com"), Image: nextauth.Null()}},
		{file: "instagram.json", want: nextauth.User{ID: "17841405793187218", Name: nextauth.String("jayposiris"), Email: nextauth.Null(), Image: nextauth.Null()}},
		{file: "kakao.json", want: nextauth.User{ID: "3456789012", Name: nextauth.String("홍길동"), Email: nextauth.String("sample@sample.com"), Image: nextauth.String("http://k.kakaocdn.net/dn/abc/img_640x640.jpg")}},
		{file: "kakao.no-account.json", want: nextauth.User{ID: "3456789012"}},
		{file: "keycloak.json", want: nextauth.User{ID: "f:2f3c1a0e-8b7d-4c6e-9a5b-1d2e3f4a5b6c:jane", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@example.com")}},
		{file: "keycloak.no-name.json", want: nextauth.User{ID: "f:2f3c1a0e-8b7d-4c6e-9a5b-1d2e3f4a5b6c:jane", Name: nextauth.String("jane"), Email: nextauth.String("jane@example.com")}},
		{file: "line.json", want: nextauth.User{ID: "U1234567890abcdef1234567890abcdef", Name: nextauth.String("Taro Line"), Email: nextauth.String("taro.line@example.com"), Image: nextauth.String("https://profile.line-scdn.net/0h8ZcAbcDefGH")}},
		{file: "linkedin.json", want: nextauth.User{ID: "782bbtaQ", Name: nextauth.String("John Doe"), Email: nextauth.String("doe@email.com"), Image: nextauth.String("https://media.licdn.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/1516264586447")}},
		{file: "mailchimp.json", want: nextauth.User{ID: "12345", Name: nextauth.String("Freddie's Jokes"), Email: nextauth.String("freddie@mailchimp.com"), Image: nextauth.Null()}},
		{file: "mailru.json", want: nextauth.User{ID: "123456789", Name: nextauth.String("Ivan Ivanov"), Email: nextauth.String("ivan@mail.ru"), Image: nextauth.String("https://filin.mail.ru/pic?d=abc")}},
		{file: "medium.json", want: nextauth.User{ID: "5303d74c64f66366f00cb9b2a94f3251bf5", Name: nextauth.String("Jamie Talbot"), Email: nextauth.Null(), Image: nextauth.String("https://images.medium.com/0*fkfQiTzT7TlUGGyI.png")}},
		{file: "naver.json", want: nextauth.User{ID: "32742776", Name: nextauth.String("OpenAPI"), Email: nextauth.String("openapi@naver.com"), Image: nextauth.String("https://ssl.pstatic.net/static/pwe/address/nodata_33x33.gif")}},
		{file: "naver.error.json", wantErr: true}, // response.id throws in v4
		{file: "netlify.json", want: nextauth.User{ID: "5f3c1f2e4a2b3c001f5e6d7a", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@example.com"), Image: nextauth.String("https://avatars.githubusercontent.com/u/1?v=4")}},
		{file: "okta.json", want: nextauth.User{ID: "00uid4BxXw6I6TV4m0g3", Name: nextauth.String("John Doe"), Email: nextauth.String("john.doe@example.com"), Image: nextauth.String("https://example.com/john.doe.jpg")}},
		{file: "onelogin.json", want: nextauth.User{ID: "12345678", Name: nextauth.String("jdoe"), Email: nextauth.String("jane@example.com")}},
		{file: "osso.json", want: nextauth.User{ID: "5ae0ec1b-1f7e-4a2b-9a4f-3c8d7e6f5a4b", Email: nextauth.String("user@example.com"), Image: nextauth.Null()}},
		{file: "osu.json", want: nextauth.User{ID: "2", Name: nextauth.String("peppy"), Email: nextauth.Null(), Image: nextauth.String("https://a.ppy.sh/2?1657169614.jpeg")}},
		{file: "passage.json", want: nextauth.User{ID: "VzABj2Ra9SVZTJwSkvBQOGLE", Name: nextauth.Null(), Email: nextauth.String("user@example.com"), Image: nextauth.Null()}},
		{file: "patreon.json", want: nextauth.User{ID: "207", Name: nextauth.String("Corgi The Dev"), Email: nextauth.String("corgi@example.com"), Image: nextauth.String("https://c8.patreon.com/2/200/207")}},
		{file: "patreon.no-attributes.json", wantErr: true}, // data.attributes.full_name throws in v4
		{file: "pinterest.json", want: nextauth.User{ID: "pinterestuser", Name: nextauth.String("pinterestuser"), Email: nextauth.Null(), Image: nextauth.String("https://i.pinimg.com/280x280_RS/5a/1b/2c/5a1b2c.jpg")}},
		{file: "pipedrive.json", want: nextauth.User{ID: "123", Name: nextauth.String("Jane Doe"), Email: nextauth.String("jane@pipedrive.com"), Image: nextauth.String("https://pipedrive-profile-pics.s3.example.com/123.png")}},
		{file: "reddit.json", want: nextauth.User{ID: "1w72", Name: nextauth.String("spez"), Email: nextauth.Null(), Image: nextauth.Null()}},
		{file: "salesforce.json", want: nextauth.User{ID: "005x00000012Q9P", Name: nextauth.Null(), Email: nextauth.Null(), Image: nextauth.String("https://example.file.force.com/profilephoto/005/F")}},
		{file: "slack.json", want: nextauth.User{ID: "U0R7MFMJM", Name: nextauth.String("krane"), Email: nextauth.String("krane@slack-corp.com"), Image: nextauth.String("https://secure.gravatar.com/avatar/bc7fa1d7f0.jpg?s=512")}},
		{file: "spotify.json", want: nextauth.User{ID: "wizzler", Name: nextauth.String("JM Wizzler"), Email: nextauth.String("email@example.com"), Image: nextauth.String("https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228")}},
		{file: "spotify.no-images.json", want: nextauth.User{ID: "wizzler", Name: nextauth.String("JM Wizzler"), Email: nextauth.String("email@example.com")}},
		{file: "strava.json", want: nextauth.User{ID: "134815", Name: nextauth.String("Marianne Teutenberg"), Email: nextauth.Null(), Image: nextauth.String("https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/2/large.jpg")}},
		{file: "todoist.json", want: nextauth.User{ID: "2671355", Name: nextauth.String("Example User"), Email: nextauth.String("me@example.com"), Image: nextauth.String("https://dcff1xvirvpfp.cloudfront.net/abc_big.jpg")}},
		{file: "trakt.json", want: nextauth.User{ID: "sean", Name: nextauth.String("Sean Rudford"), Email: nextauth.Null(), Image: nextauth.String("https://walter.trakt.tv/images/users/000/000/001/avatars/large/0ba3f72910.jpg")}},
		{file: "twitch.json", want: nextauth.User{ID: "713936733", Name: nextauth.String("medrewsta"), Email: nextauth.String("medrewsta@example.com"), Image: nextauth.String("https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-300x300.png")}},
		{file: "twitter.json", want: nextauth.User{ID: "2244994945", Name: nextauth.String("Developers"), Email: nextauth.Null(), Image: nextauth.String("https://pbs.twimg.com/profile_images/1683899100922511378/5lY42eHs_normal.jpg")}},
		{file: "twitter.error.json", wantErr: true}, // no data wrapper: data.id throws in v4
		{file: "united-effects.json", want: nextauth.User{ID: "af2c1f0e-5a8b-4d3c-9e7f-1b2a3c4d5e6f", Name: nextauth.Null(), Email: nextauth.String("user@unitedeffects.com"), Image: nextauth.Null()}},
		{file: "vk.json", want: nextauth.User{ID: "210700286", Name: nextauth.String("Lindsey Stirling"), Email: nextauth.Null(), Image: nextauth.String("https://sun1-83.userapi.com/s/v1/ig2/abc.jpg?size=100x100&quality=95&crop=0,0,400,400&ava=1")}},
		{file: "vk.error.json", want: nextauth.User{Name: nextauth.String(""), Email: nextauth.Null()}}, // response?.[0] ?? {}: no id, so NextAuth rejects it later
		{file: "wikimedia.json", want: nextauth.User{ID: "12345678", Name: nextauth.String("Example"), Email: nextauth.String("example@example.org")}},
		{file: "wordpress.json", want: nextauth.User{ID: "12345678", Name: nextauth.String("wpcomuser"), Email: nextauth.String("user@example.com"), Image: nextauth.String("https://0.gravatar.com/avatar/8ab4ef2b?s=96&d=identicon")}},
		{file: "workos.json", want: nextauth.User{ID: "prof_01DMC79VCBZ0NY2099737PSVF1", Name: nextauth.String("Todd Rundgren"), Email: nextauth.String("todd@example.com"), Image: nextauth.String("https://example.com/todd.jpg")}},
		{file: "workos.no-picture.json", want: nextauth.User{ID: "prof_01DMC79VCBZ0NY2099737PSVF1", Name: nextauth.String("Todd Rundgren"), Email: nextauth.String("todd@example.com"), Image: nextauth.Null()}},
		{file: "yandex.json", want: nextauth.User{ID: "1000034426", Name: nextauth.String("Ivan"), Email: nextauth.String("test@yandex.ru"), Image: nextauth.String("https://avatars.yandex.net/get-yapic/131652443/islands-200")}},
		{file: "yandex.avatar-empty.json", want: nextauth.User{ID: "1000034427", Name: nextauth.String("Petr Petrov"), Email: nextauth.String("petr@yandex.ru"), Image: nextauth.Null()}},
		{file: "zitadel.json", want: nextauth.User{ID: "174876845638959105", Name: nextauth.String("Road Runner"), Email: nextauth.String("road.runner@acme.ch"), Image: nextauth.String("https://my-instance.zitadel.cloud/assets/v1/170086774599581953/users/avatar/174876845638959105")}},
		{file: "zoho.json", want: nextauth.User{ID: "12345678", Name: nextauth.String("John Doe"), Email: nextauth.String("john@zoho.com"), Image: nextauth.Null()}},
		{file: "zoom.json", want: nextauth.User{ID: "KDcuGIm1QgePTO8WbOqwIQ", Name: nextauth.String("Jill Chill"), Email: nextauth.String("jchill@example.com"), Image: nextauth.String("https://example.com/photo.jpg")}},
		{file: "zoom.no-last-name.json", want: nextauth.User{ID: "KDcuGIm1QgePTO8WbOqwIQ", Name: nextauth.String("Jill undefined"), Email: nextauth.String("jchill@example.com"), Image: nextauth.String("https://example.com/photo.jpg")}}, // a v4 template literal
	}

	files, err := filepath.Glob(filepath.Join("testdata", "profiles", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("testdata/profiles/%s has no test case", filepath.Base(f))
		}
	}
	for _, id := range PresetIDs() {
		if !covered[id+".json"] {
			t.Errorf("preset %s has no sample profile testdata/profiles/%s.json", id, id)
		}
	}

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			id, _, _ := strings.Cut(strings.TrimSuffix(tt.file, ".json"), ".")
			data, err := os.ReadFile(filepath.Join("testdata", "profiles", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any // decoded as the OAuth provider decodes: numbers are float64
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			cfg, err := presetConfig(id, presetTestOptions(id))
			if err != nil {
				t.Fatalf("presetConfig(%q) error: %v", id, err)
			}
			got, err := cfg.Profile(raw, Tokens{AccessToken: "at"})
			if tt.wantErr {
				if err == nil {
					t.Errorf("%s profile(%s) = %+v, want an error", id, tt.file, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s profile(%s) = %+v, %v, want %+v", id, tt.file, got, err, tt.want)
			}
		})
	}
}

// TestPresetTable checks each preset against NextAuth 4.24.15's presets
// (docs/compatibility.md#presets; LinkedIn: the corrected OpenID Connect
// configuration).
func TestPresetTable(t *testing.T) {
	type want struct {
		kind                        PresetKind
		wellKnown, issuer           string
		auth, token, userinfo, jwks string
		params                      [][2]string // in order; scope included when configured
		checks                      []string
		method, alg                 string
		tokenParams                 [][2]string
	}
	sc := func(s string, more ...string) [][2]string {
		p := [][2]string{{"scope", s}}
		for i := 0; i+1 < len(more); i += 2 {
			p = append(p, [2]string{more[i], more[i+1]})
		}
		return p
	}
	state, pkceState := []string{"state"}, []string{"pkce", "state"}
	const wk = "{issuer}/.well-known/openid-configuration"
	tests := map[string]want{
		"42-school":              {kind: KindOAuth2, auth: "https://api.intra.42.fr/oauth/authorize", token: "https://api.intra.42.fr/oauth/token", userinfo: "https://api.intra.42.fr/v2/me", params: sc("public"), checks: state},
		"apple":                  {kind: KindOIDC, wellKnown: "https://appleid.apple.com/.well-known/openid-configuration", params: sc("name email", "response_mode", "form_post"), checks: []string{"pkce"}},
		"atlassian":              {kind: KindOAuth2, auth: "https://auth.atlassian.com/authorize", token: "https://auth.atlassian.com/oauth/token", userinfo: "https://api.atlassian.com/me", params: [][2]string{{"audience", "api.atlassian.com"}, {"prompt", "consent"}}, checks: state},
		"auth0":                  {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile"), checks: pkceState},
		"authentik":              {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile"), checks: pkceState},
		"azure-ad":               {kind: KindOIDC, wellKnown: "https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration?appid={client_id}", params: sc("openid profile email"), checks: state},
		"azure-ad-b2c":           {kind: KindOIDC, wellKnown: wk, checks: state},
		"battlenet":              {kind: KindOIDC, wellKnown: wk, checks: state},
		"box":                    {kind: KindOAuth2, auth: "https://account.box.com/api/oauth2/authorize", token: "https://api.box.com/oauth2/token", userinfo: "https://api.box.com/2.0/users/me", checks: state},
		"boxyhq-saml":            {kind: KindOAuth2, auth: "{issuer}/api/oauth/authorize", token: "{issuer}/api/oauth/token", userinfo: "{issuer}/api/oauth/userinfo", params: [][2]string{{"provider", "saml"}}, checks: pkceState},
		"coinbase":               {kind: KindOAuth2, auth: "https://www.coinbase.com/oauth/authorize", token: "https://api.coinbase.com/oauth/token", userinfo: "https://api.coinbase.com/v2/user", params: sc("wallet:user:email wallet:user:read"), checks: state},
		"cognito":                {kind: KindOIDC, wellKnown: wk, checks: state},
		"discord":                {kind: KindOAuth2, auth: "https://discord.com/api/oauth2/authorize", token: "https://discord.com/api/oauth2/token", userinfo: "https://discord.com/api/users/@me", params: sc("identify email"), checks: state},
		"dropbox":                {kind: KindOAuth2, auth: "https://www.dropbox.com/oauth2/authorize", token: "https://api.dropboxapi.com/oauth2/token", userinfo: "https://api.dropboxapi.com/2/users/get_current_account", params: [][2]string{{"token_access_type", "offline"}, {"scope", "account_info.read"}}, checks: []string{"state", "pkce"}},
		"duende-identityserver6": {kind: KindOIDC, wellKnown: wk, params: sc("openid profile email"), checks: pkceState},
		"eveonline":              {kind: KindOAuth2, auth: "https://login.eveonline.com/v2/oauth/authorize", token: "https://login.eveonline.com/v2/oauth/token", userinfo: "https://login.eveonline.com/oauth/verify", params: sc("publicData"), checks: state},
		"facebook":               {kind: KindOAuth2, auth: "https://www.facebook.com/v11.0/dialog/oauth", token: "https://graph.facebook.com/oauth/access_token", userinfo: "https://graph.facebook.com/me?fields=id,name,email,picture", params: sc("email"), checks: state},
		"faceit":                 {kind: KindOAuth2, auth: "https://accounts.faceit.com/accounts", token: "https://api.faceit.com/auth/v1/oauth/token", userinfo: "https://api.faceit.com/auth/v1/resources/userinfo", params: [][2]string{{"redirect_popup", "true"}}, checks: state},
		"foursquare":             {kind: KindOAuth2, auth: "https://foursquare.com/oauth2/authenticate", token: "https://foursquare.com/oauth2/access_token", userinfo: "https://api.foursquare.com/v2/users/self", checks: state},
		"fusionauth":             {kind: KindOIDC, wellKnown: wk, params: sc("openid offline_access"), checks: pkceState},
		"github":                 {kind: KindOAuth2, issuer: "https://github.com/login/oauth", auth: "https://github.com/login/oauth/authorize", token: "https://github.com/login/oauth/access_token", userinfo: "https://api.github.com/user", params: sc("read:user user:email"), checks: state},
		"gitlab":                 {kind: KindOAuth2, auth: "https://gitlab.com/oauth/authorize", token: "https://gitlab.com/oauth/token", userinfo: "https://gitlab.com/api/v4/user", params: sc("read_user"), checks: pkceState},
		"google":                 {kind: KindOIDC, wellKnown: "https://accounts.google.com/.well-known/openid-configuration", params: sc("openid email profile"), checks: pkceState},
		"hubspot":                {kind: KindOAuth2, auth: "https://app.hubspot.com/oauth/authorize", token: "https://api.hubapi.com/oauth/v1/token", userinfo: "https://api.hubapi.com/oauth/v1/access-tokens", params: sc("oauth", "client_id", "{client_id}"), checks: state, method: "client_secret_post"},
		"identity-server4":       {kind: KindOIDC, wellKnown: wk, params: sc("openid profile email"), checks: pkceState},
		"instagram":              {kind: KindOAuth2, auth: "https://api.instagram.com/oauth/authorize", token: "https://api.instagram.com/oauth/access_token", userinfo: "https://graph.instagram.com/me?fields=id,username,account_type,name", params: sc("user_profile"), checks: state, method: "client_secret_post"},
		"kakao":                  {kind: KindOAuth2, auth: "https://kauth.kakao.com/oauth/authorize", token: "https://kauth.kakao.com/oauth/token", userinfo: "https://kapi.kakao.com/v2/user/me", params: sc(""), checks: state, method: "client_secret_post"},
		"keycloak":               {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile"), checks: pkceState},
		"line":                   {kind: KindOIDC, wellKnown: "https://access.line.me/.well-known/openid-configuration", params: sc("openid profile"), checks: state, alg: "HS256"},
		"linkedin":               {kind: KindOIDC, issuer: "https://www.linkedin.com", auth: "https://www.linkedin.com/oauth/v2/authorization", token: "https://www.linkedin.com/oauth/v2/accessToken", userinfo: "https://api.linkedin.com/v2/userinfo", jwks: "https://www.linkedin.com/oauth/openid/jwks", params: sc("openid profile email"), checks: state, method: "client_secret_post"},
		"mailchimp":              {kind: KindOAuth2, auth: "https://login.mailchimp.com/oauth2/authorize", token: "https://login.mailchimp.com/oauth2/token", userinfo: "https://login.mailchimp.com/oauth2/metadata", checks: state},
		"mailru":                 {kind: KindOAuth2, auth: "https://oauth.mail.ru/login", token: "https://oauth.mail.ru/token", userinfo: "https://oauth.mail.ru/userinfo", params: sc("userinfo"), checks: state},
		"medium":                 {kind: KindOAuth2, auth: "https://medium.com/m/oauth/authorize", token: "https://api.medium.com/v1/tokens", userinfo: "https://api.medium.com/v1/me", params: sc("basicProfile"), checks: state},
		"naver":                  {kind: KindOAuth2, auth: "https://nid.naver.com/oauth2.0/authorize", token: "https://nid.naver.com/oauth2.0/token", userinfo: "https://openapi.naver.com/v1/nid/me", checks: state},
		"netlify":                {kind: KindOAuth2, auth: "https://app.netlify.com/authorize", token: "https://api.netlify.com/oauth/token", userinfo: "https://api.netlify.com/api/v1/user", checks: state},
		"okta":                   {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile"), checks: state},
		"onelogin":               {kind: KindOIDC, wellKnown: "{issuer}/oidc/2/.well-known/openid-configuration", params: sc("openid profile email"), checks: state},
		"osso":                   {kind: KindOAuth2, auth: "{issuer}/oauth/authorize", token: "{issuer}/oauth/token", userinfo: "{issuer}/oauth/me", checks: state},
		"osu":                    {kind: KindOAuth2, auth: "https://osu.ppy.sh/oauth/authorize", token: "https://osu.ppy.sh/oauth/token", userinfo: "https://osu.ppy.sh/api/v2/me", params: sc("identify"), checks: state},
		"passage":                {kind: KindOIDC, wellKnown: wk, params: sc("openid email"), checks: pkceState, method: "client_secret_basic"},
		"patreon":                {kind: KindOAuth2, auth: "https://www.patreon.com/oauth2/authorize", token: "https://www.patreon.com/api/oauth2/token", userinfo: "https://www.patreon.com/api/oauth2/api/current_user", params: sc("identity identity[email]"), checks: state},
		"pinterest":              {kind: KindOAuth2, auth: "https://www.pinterest.com/oauth", token: "https://api.pinterest.com/v5/oauth/token", userinfo: "https://api.pinterest.com/v5/user_account", params: sc("user_accounts:read"), checks: state},
		"pipedrive":              {kind: KindOAuth2, auth: "https://oauth.pipedrive.com/oauth/authorize", token: "https://oauth.pipedrive.com/oauth/token", userinfo: "https://api.pipedrive.com/users/me", checks: state},
		"reddit":                 {kind: KindOAuth2, auth: "https://www.reddit.com/api/v1/authorize", token: "https://www.reddit.com/api/v1/access_token", userinfo: "https://oauth.reddit.com/api/v1/me", params: sc("identity"), checks: state},
		"salesforce":             {kind: KindOAuth2, auth: "{issuer}/services/oauth2/authorize", token: "{issuer}/services/oauth2/token", userinfo: "{issuer}/services/oauth2/userinfo", params: [][2]string{{"display", "page"}}, checks: []string{"none"}},
		"slack":                  {kind: KindOIDC, wellKnown: "https://slack.com/.well-known/openid-configuration", params: sc("openid profile email"), checks: state},
		"spotify":                {kind: KindOAuth2, auth: "https://accounts.spotify.com/authorize", token: "https://accounts.spotify.com/api/token", userinfo: "https://api.spotify.com/v1/me", params: sc("user-read-email"), checks: state},
		"strava":                 {kind: KindOAuth2, auth: "https://www.strava.com/api/v3/oauth/authorize", token: "https://www.strava.com/api/v3/oauth/token", userinfo: "https://www.strava.com/api/v3/athlete", params: sc("read", "approval_prompt", "auto", "response_type", "code"), checks: state, method: "client_secret_post"},
		"todoist":                {kind: KindOAuth2, auth: "https://todoist.com/oauth/authorize", token: "https://todoist.com/oauth/access_token", userinfo: "https://api.todoist.com/sync/v9/sync", params: sc("data:read"), checks: state, method: "client_secret_post"},
		"trakt":                  {kind: KindOAuth2, auth: "https://trakt.tv/oauth/authorize", token: "https://api.trakt.tv/oauth/token", userinfo: "https://api.trakt.tv/users/me?extended=full", params: sc(""), checks: state},
		"twitch":                 {kind: KindOIDC, wellKnown: "https://id.twitch.tv/oauth2/.well-known/openid-configuration", params: sc("openid user:read:email", "claims", `{"id_token":{"email":null,"picture":null,"preferred_username":null}}`), checks: state},
		"twitter":                {kind: KindOAuth2, auth: "https://twitter.com/i/oauth2/authorize", token: "https://api.twitter.com/2/oauth2/token", userinfo: "https://api.twitter.com/2/users/me?user.fields=profile_image_url", params: sc("users.read tweet.read offline.access"), checks: pkceState, tokenParams: [][2]string{{"client_id", "{client_id}"}}},
		"united-effects":         {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile", "resource", "{issuer}"), checks: pkceState},
		"vk":                     {kind: KindOAuth2, auth: "https://oauth.vk.com/authorize", token: "https://oauth.vk.com/access_token", userinfo: "https://api.vk.com/method/users.get?fields=photo_100&v=5.131", params: sc("email", "v", "5.131"), checks: state, method: "client_secret_post"},
		"wikimedia":              {kind: KindOAuth2, auth: "https://meta.wikimedia.org/w/rest.php/oauth2/authorize", token: "https://meta.wikimedia.org/w/rest.php/oauth2/access_token", userinfo: "https://meta.wikimedia.org/w/rest.php/oauth2/resource/profile", params: sc(""), checks: state},
		"wordpress":              {kind: KindOAuth2, auth: "https://public-api.wordpress.com/oauth2/authorize", token: "https://public-api.wordpress.com/oauth2/token", userinfo: "https://public-api.wordpress.com/rest/v1/me", params: sc("auth"), checks: state},
		"workos":                 {kind: KindOAuth2, auth: "{issuer}/sso/authorize", token: "{issuer}/sso/token", userinfo: "{issuer}/sso/profile", checks: state, method: "client_secret_post"},
		"yandex":                 {kind: KindOAuth2, auth: "https://oauth.yandex.ru/authorize", token: "https://oauth.yandex.ru/token", userinfo: "https://login.yandex.ru/info?format=json", params: sc("login:info login:email login:avatar"), checks: state},
		"zitadel":                {kind: KindOIDC, wellKnown: wk, params: sc("openid email profile"), checks: pkceState},
		"zoho":                   {kind: KindOAuth2, auth: "https://accounts.zoho.com/oauth/v2/auth", token: "https://accounts.zoho.com/oauth/v2/token", userinfo: "https://accounts.zoho.com/oauth/user/info", params: sc("AaaServer.profile.Read"), checks: state},
		"zoom":                   {kind: KindOAuth2, auth: "https://zoom.us/oauth/authorize", token: "https://zoom.us/oauth/token", userinfo: "https://api.zoom.us/v2/users/me", params: sc(""), checks: state},
	}
	if ids := PresetIDs(); len(ids) != len(tests) {
		var missing []string
		for _, id := range ids {
			if _, ok := tests[id]; !ok {
				missing = append(missing, id)
			}
		}
		t.Errorf("PresetIDs() has %d presets, the table %d; untested: %v", len(ids), len(tests), missing)
	}
	for id, w := range tests {
		t.Run(id, func(t *testing.T) {
			p, ok := Preset(id)
			if !ok {
				t.Fatalf("Preset(%q) = _, false, want true", id)
			}
			got := want{
				kind: p.Kind, wellKnown: p.WellKnown, issuer: p.Issuer,
				auth: p.AuthorizationURL, token: p.TokenURL, userinfo: p.UserinfoURL, jwks: p.JWKSURL,
				params: p.AuthorizationParams, checks: p.Checks,
				method: p.TokenEndpointAuthMethod, alg: p.IDTokenSigningAlg, tokenParams: p.TokenParams,
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("Preset(%q) =\n%+v\nwant\n%+v", id, got, w)
			}
			if p.ID != id || p.Name == "" {
				t.Errorf("Preset(%q) ID, Name = %q, %q, want %q and a name", id, p.ID, p.Name, id)
			}
			if p.Style != nil && p.Style.Logo != "" {
				t.Errorf("Preset(%q).Style.Logo = %q, want empty", id, p.Style.Logo)
			}
		})
	}
}

func TestPresetIDsSortedAndUnique(t *testing.T) {
	ids := PresetIDs()
	if !slices.IsSorted(ids) {
		t.Errorf("PresetIDs() = %v, want sorted", ids)
	}
	if c := slices.Compact(slices.Clone(ids)); len(c) != len(ids) {
		t.Errorf("PresetIDs() has duplicates: %v", ids)
	}
	// The table itself is kept in id order, which PresetsFromEnv relies on.
	var table []string
	for _, p := range presetTable() {
		table = append(table, p.id)
	}
	if !slices.Equal(table, ids) {
		t.Errorf("presetTable() order = %v, want %v", table, ids)
	}
	if _, ok := Preset("no-such-preset"); ok {
		t.Error(`Preset("no-such-preset") ok = true, want false`)
	}
}

// TestPresetCopies checks Preset hands out copies: changing one does not
// change the next.
func TestPresetCopies(t *testing.T) {
	p, _ := Preset("google")
	p.AuthorizationParams[0][1] = "changed"
	p.Checks[0] = "changed"
	p.Style.Bg = "changed"
	q, _ := Preset("google")
	if s, _ := q.Scope(); s != "openid email profile" || q.Checks[0] != "pkce" || q.Style.Bg != "#fff" {
		t.Errorf("Preset(google) after changing a copy = scope %q, checks %v, bg %q, want the preset's", s, q.Checks, q.Style.Bg)
	}
}

func TestPresetScope(t *testing.T) {
	tests := []struct {
		id     string
		want   string
		wantOK bool
	}{
		{"github", "read:user user:email", true},
		{"zoom", "", true},
		{"box", "", false},
	}
	for _, tt := range tests {
		p, _ := Preset(tt.id)
		if got, ok := p.Scope(); !reflect.DeepEqual(got, tt.want) || ok != tt.wantOK {
			t.Errorf("Preset(%q).Scope() = %q, %v, want %q, %v", tt.id, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestFromPresetErrors(t *testing.T) {
	ok := PresetOptions{ClientID: "id", ClientSecret: "secret"}
	with := func(f func(*PresetOptions)) PresetOptions {
		o := ok
		f(&o)
		return o
	}
	tests := []struct {
		name    string
		id      string
		opts    PresetOptions
		missing []string // MissingOptionError options, in order
		other   error    // or an error that errors.Is matches
		message string   // or a substring of the message
	}{
		{name: "unknown", id: "myspace", opts: ok, other: ErrUnknownPreset},
		{name: "no client", id: "github", opts: PresetOptions{}, missing: []string{"ClientID", "ClientSecret"}},
		{name: "no secret", id: "google", opts: with(func(o *PresetOptions) { o.ClientSecret = "" }), missing: []string{"ClientSecret"}},
		{name: "auth0 issuer", id: "auth0", opts: ok, missing: []string{"Issuer"}},
		{name: "keycloak issuer", id: "keycloak", opts: ok, missing: []string{"Issuer"}},
		{name: "okta issuer", id: "okta", opts: ok, missing: []string{"Issuer"}},
		{name: "cognito issuer", id: "cognito", opts: ok, missing: []string{"Issuer"}},
		{name: "fusionauth issuer", id: "fusionauth", opts: ok, missing: []string{"Issuer"}},
		{name: "zitadel issuer", id: "zitadel", opts: ok, missing: []string{"Issuer"}},
		{name: "authentik issuer", id: "authentik", opts: ok, missing: []string{"Issuer"}},
		{name: "everything", id: "keycloak", opts: PresetOptions{}, missing: []string{"ClientID", "ClientSecret", "Issuer"}},
		{name: "b2c", id: "azure-ad-b2c", opts: with(func(o *PresetOptions) { o.TenantID = "contoso" }), missing: []string{"Issuer", "PrimaryUserFlow"}},
		{name: "tenant on github", id: "github", opts: with(func(o *PresetOptions) { o.TenantID = "x" }), message: "TenantID is not used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromPreset(tt.id, tt.opts)
			if err == nil {
				t.Fatalf("FromPreset(%q, %+v) = %v, nil, want an error", tt.id, tt.opts, p)
			}
			if p != nil {
				t.Errorf("FromPreset(%q) provider = %v, want nil with an error", tt.id, p)
			}
			switch {
			case tt.other != nil:
				if !errors.Is(err, tt.other) {
					t.Errorf("FromPreset(%q) error = %v, want %v", tt.id, err, tt.other)
				}
			case tt.message != "":
				if !strings.Contains(err.Error(), tt.message) {
					t.Errorf("FromPreset(%q) error = %v, want it to contain %q", tt.id, err, tt.message)
				}
			default:
				var got []string
				for _, e := range leafErrors(err) {
					var m *MissingOptionError
					if errors.As(e, &m) {
						got = append(got, m.Option)
					}
				}
				if !slices.Equal(got, tt.missing) {
					t.Errorf("FromPreset(%q) missing options = %v (%v), want %v", tt.id, got, err, tt.missing)
				}
			}
		})
	}
}

// leafErrors flattens errors.Join trees.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func TestMissingOptionErrorMessage(t *testing.T) {
	tests := []struct {
		err  MissingOptionError
		want string
	}{
		{MissingOptionError{"keycloak", "Issuer"}, "provider: preset keycloak: Issuer is required (env AUTH_KEYCLOAK_ISSUER)"},
		{MissingOptionError{"azure-ad", "ClientSecret"}, "provider: preset azure-ad: ClientSecret is required (env AUTH_AZURE_AD_SECRET)"},
		{MissingOptionError{"github", "ClientID"}, "provider: preset github: ClientID is required (env AUTH_GITHUB_ID)"},
		{MissingOptionError{"github", "Other"}, "provider: preset github: Other is required"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestPresetOptionsMerge checks NextAuth's merge semantics
// (docs/compatibility.md#provider-model) and the placeholders.
func TestPresetOptionsMerge(t *testing.T) {
	base := PresetOptions{ClientID: "cid", ClientSecret: "sec"}
	tests := []struct {
		name  string
		id    string
		opts  func(*PresetOptions)
		check func(t *testing.T, c OAuthConfig)
	}{
		{
			name: "params keep the preset's scope", id: "google",
			opts: func(o *PresetOptions) {
				o.AuthorizationParams = map[string]string{"prompt": "consent", "access_type": "offline"}
			},
			check: func(t *testing.T, c OAuthConfig) {
				want := [][2]string{{"scope", "openid email profile"}, {"access_type", "offline"}, {"prompt", "consent"}}
				if !reflect.DeepEqual(c.AuthorizationParamList, want) {
					t.Errorf("AuthorizationParamList = %v, want %v", c.AuthorizationParamList, want)
				}
			},
		},
		{
			name: "scope replaces in place", id: "dropbox",
			opts: func(o *PresetOptions) { o.Scope = "account_info.read files.content.read" },
			check: func(t *testing.T, c OAuthConfig) {
				want := [][2]string{{"token_access_type", "offline"}, {"scope", "account_info.read files.content.read"}}
				if !reflect.DeepEqual(c.AuthorizationParamList, want) {
					t.Errorf("AuthorizationParamList = %v, want %v", c.AuthorizationParamList, want)
				}
			},
		},
		{
			name: "checks replace", id: "google",
			opts: func(o *PresetOptions) { o.Checks = []string{"nonce"} },
			check: func(t *testing.T, c OAuthConfig) {
				if !slices.Equal(c.Checks, []string{"nonce"}) {
					t.Errorf("Checks = %v, want [nonce]", c.Checks)
				}
			},
		},
		{
			name: "id, name, style, linking", id: "github",
			opts: func(o *PresetOptions) {
				o.ID, o.Name = "github-enterprise", "GitHub Enterprise"
				o.Style = &nextauth.ProviderStyle{Bg: "#000"}
				o.AllowDangerousEmailAccountLinking = true
			},
			check: func(t *testing.T, c OAuthConfig) {
				if c.ID != "github-enterprise" || c.Name != "GitHub Enterprise" || c.Style.Bg != "#000" || !c.AllowDangerousEmailAccountLinking {
					t.Errorf("config = id %q name %q style %+v linking %v, want the options", c.ID, c.Name, c.Style, c.AllowDangerousEmailAccountLinking)
				}
			},
		},
		{
			name: "issuer replaces the preset's", id: "github",
			opts: func(o *PresetOptions) { o.Issuer = "https://ghe.example.com/login/oauth" },
			check: func(t *testing.T, c OAuthConfig) {
				if c.Issuer != "https://ghe.example.com/login/oauth" {
					t.Errorf("Issuer = %q, want the option", c.Issuer)
				}
			},
		},
		{
			name: "issuer placeholder, trailing slash", id: "keycloak",
			opts: func(o *PresetOptions) { o.Issuer = "https://kc.example.com/realms/r/" },
			check: func(t *testing.T, c OAuthConfig) {
				if c.WellKnown != "https://kc.example.com/realms/r/.well-known/openid-configuration" {
					t.Errorf("WellKnown = %q", c.WellKnown)
				}
				if c.IDToken == nil || !*c.IDToken {
					t.Errorf("IDToken = %v, want true", c.IDToken)
				}
			},
		},
		{
			name: "azure tenant defaults to common", id: "azure-ad",
			check: func(t *testing.T, c OAuthConfig) {
				if want := "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration?appid=cid"; c.WellKnown != want {
					t.Errorf("WellKnown = %q, want %q", c.WellKnown, want)
				}
			},
		},
		{
			name: "azure tenant", id: "azure-ad",
			opts: func(o *PresetOptions) { o.TenantID = "9122040d-6c67-4c5b-b112-36a304b66dad" },
			check: func(t *testing.T, c OAuthConfig) {
				if want := "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0/.well-known/openid-configuration?appid=cid"; c.WellKnown != want {
					t.Errorf("WellKnown = %q, want %q", c.WellKnown, want)
				}
			},
		},
		{
			name: "b2c issuer from tenant and flow", id: "azure-ad-b2c",
			opts: func(o *PresetOptions) { o.TenantID, o.PrimaryUserFlow = "contoso", "B2C_1_signin" },
			check: func(t *testing.T, c OAuthConfig) {
				if want := "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration"; c.WellKnown != want {
					t.Errorf("WellKnown = %q, want %q", c.WellKnown, want)
				}
			},
		},
		{
			name: "fusionauth tenant", id: "fusionauth",
			opts: func(o *PresetOptions) { o.Issuer, o.TenantID = "https://auth.example.com", "t1" },
			check: func(t *testing.T, c OAuthConfig) {
				if want := "https://auth.example.com/.well-known/openid-configuration?tenantId=t1"; c.WellKnown != want {
					t.Errorf("WellKnown = %q, want %q", c.WellKnown, want)
				}
				if v, _ := presetParamValue(c.AuthorizationParamList, "tenantId"); v != "t1" {
					t.Errorf("tenantId param = %q, want t1", v)
				}
			},
		},
		{
			name: "salesforce default issuer, none sent as expected issuer", id: "salesforce",
			check: func(t *testing.T, c OAuthConfig) {
				if c.AuthorizationURL != "https://login.salesforce.com/services/oauth2/authorize" || c.Issuer != "" {
					t.Errorf("AuthorizationURL, Issuer = %q, %q", c.AuthorizationURL, c.Issuer)
				}
			},
		},
		{
			name: "workos default issuer", id: "workos",
			check: func(t *testing.T, c OAuthConfig) {
				if c.TokenURL != "https://api.workos.com/sso/token" {
					t.Errorf("TokenURL = %q", c.TokenURL)
				}
			},
		},
		{
			name: "united-effects resource", id: "united-effects",
			opts: func(o *PresetOptions) { o.Issuer = "https://auth.unitedeffects.com/abc" },
			check: func(t *testing.T, c OAuthConfig) {
				if v, _ := presetParamValue(c.AuthorizationParamList, "resource"); v != "https://auth.unitedeffects.com/abc" {
					t.Errorf("resource = %q", v)
				}
			},
		},
		{
			name: "twitter sends client_id to the token endpoint", id: "twitter",
			check: func(t *testing.T, c OAuthConfig) {
				if c.ExtraTokenParams["client_id"] != "cid" {
					t.Errorf("ExtraTokenParams = %v, want client_id=cid", c.ExtraTokenParams)
				}
			},
		},
		{
			name: "hubspot client_id param", id: "hubspot",
			check: func(t *testing.T, c OAuthConfig) {
				if v, _ := presetParamValue(c.AuthorizationParamList, "client_id"); v != "cid" {
					t.Errorf("client_id = %q", v)
				}
			},
		},
		{
			name: "public client needs no secret", id: "gitlab",
			opts: func(o *PresetOptions) { o.ClientSecret, o.TokenEndpointAuthMethod = "", "none" },
			check: func(t *testing.T, c OAuthConfig) {
				if c.TokenEndpointAuthMethod != "none" {
					t.Errorf("TokenEndpointAuthMethod = %q, want none", c.TokenEndpointAuthMethod)
				}
			},
		},
		{
			name: "profile override and configure", id: "github",
			opts: func(o *PresetOptions) {
				o.Profile = func(map[string]any, Tokens) (nextauth.User, error) { return nextauth.User{ID: "mine"}, nil }
				o.Configure = func(c *OAuthConfig) { c.Name = "configured" }
			},
			check: func(t *testing.T, c OAuthConfig) {
				if u, _ := c.Profile(nil, Tokens{}); u.ID != "mine" || c.Name != "configured" {
					t.Errorf("Profile().ID, Name = %q, %q, want mine, configured", u.ID, c.Name)
				}
			},
		},
		{
			name: "kind sets IDToken", id: "github",
			check: func(t *testing.T, c OAuthConfig) {
				if c.IDToken == nil || *c.IDToken {
					t.Errorf("IDToken = %v, want false", c.IDToken)
				}
				if c.UserinfoRequest == nil {
					t.Error("UserinfoRequest = nil, want the /user/emails fallback")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			if tt.opts != nil {
				tt.opts(&o)
			}
			c, err := presetConfig(tt.id, o)
			if err != nil {
				t.Fatalf("presetConfig(%q) error: %v", tt.id, err)
			}
			tt.check(t, c)
		})
	}
}

func TestConvenienceConstructors(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    nextauth.Provider
		want nextauth.ProviderInfo
		ok   bool
	}{
		{"GitHub", GitHub(PresetOptions{ClientID: "a", ClientSecret: "b"}), nextauth.ProviderInfo{ID: "github", Name: "GitHub", Type: nextauth.TypeOAuth}, true},
		{"Google", Google(PresetOptions{ClientID: "a", ClientSecret: "b", ID: "g2"}), nextauth.ProviderInfo{ID: "g2", Name: "Google", Type: nextauth.TypeOAuth}, true},
		{"GitHub missing secret", GitHub(PresetOptions{ClientID: "a"}), nextauth.ProviderInfo{ID: "github", Name: "GitHub", Type: nextauth.TypeOAuth}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			info := tt.p.Info()
			info.Style = nil
			if info != tt.want {
				t.Errorf("Info() = %+v, want %+v", info, tt.want)
			}
			op, isOAuth := tt.p.(nextauth.OAuthProvider)
			if !isOAuth {
				t.Fatalf("%T is not a nextauth.OAuthProvider", tt.p)
			}
			_, err := op.AuthorizationURL(t.Context(), nextauth.AuthorizationRequest{
				RedirectURI: "https://app.example/api/auth/callback/x", State: "s", CodeChallenge: "c",
			})
			if tt.ok {
				// Google needs discovery; only GitHub can build a URL offline.
				if tt.name == "GitHub" && err != nil {
					t.Errorf("AuthorizationURL() error = %v, want nil", err)
				}
				return
			}
			var m *MissingOptionError
			if !errors.As(err, &m) || m.Option != "ClientSecret" {
				t.Errorf("AuthorizationURL() error = %v, want ClientSecret missing", err)
			}
		})
	}
}
