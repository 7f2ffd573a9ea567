package provider

import (
	"github.com/nextauth-go/nextauth"
)

// This file is the one place the built-in presets are defined: NextAuth
// 4.24.15's packages/next-auth/src/providers/*, as summarised in
// docs/compatibility.md#presets. URLs may hold the placeholders {issuer}
// (PresetOptions.Issuer, with any trailing "/" removed), {tenant_id} and
// {client_id}.

// preset is one row of the table.
type preset struct {
	id, name string
	kind     PresetKind
	// issuer is the expected issuer (id_token iss, RFC 9207 callback iss)
	// for presets that fix one; otherwise the user's Issuer option is used.
	issuer    string
	wellKnown string
	// authURL, tokenURL, userinfoURL, jwksURL are used without wellKnown.
	authURL, tokenURL, userinfoURL, jwksURL string
	// params are the authorization params in NextAuth's insertion order,
	// "scope" included when the preset configures one (none → "openid" is
	// sent, docs/compatibility.md#authorization-request).
	params [][2]string
	// checks; nil means NextAuth's default, state only.
	checks []string
	// authMethod is the token_endpoint_auth_method when the preset sets one.
	authMethod string
	// idTokenAlg is id_token_signed_response_alg when not RS256.
	idTokenAlg string
	// tokenParams are extra token-request body fields.
	tokenParams [][2]string
	// needIssuer: the Issuer option is required (no defaultIssuer).
	needIssuer bool
	// defaultIssuer and defaultTenant fill an empty Issuer / TenantID.
	defaultIssuer, defaultTenant string
	// tenant: the preset reads the TenantID option.
	tenant bool
	// adjust finishes presets whose shape depends on options.
	adjust func(p *PresetInfo, o PresetOptions) error
	style  *nextauth.ProviderStyle
	// profile maps the raw profile; fetch, when set, replaces the userinfo
	// GET (NextAuth's userinfo.request).
	profile presetProfile
	fetch   func(p PresetInfo, o PresetOptions) presetFetch
	// doc is a short note shown in PresetInfo.Notes.
	doc string
}

func presetScope(s string) [][2]string { return [][2]string{{"scope", s}} }

func presetStyle(bg, text string) *nextauth.ProviderStyle {
	return &nextauth.ProviderStyle{Bg: bg, Text: text}
}

// presetTable returns every preset, sorted by id. It builds a fresh table
// on each call, so callers may keep or change what they get.
func presetTable() []preset {
	oidcClaims := claimsProfile("sub", "name", "email", "picture")
	return []preset{
		{
			id: "42-school", name: "42 School", kind: KindOAuth2,
			authURL:     "https://api.intra.42.fr/oauth/authorize",
			tokenURL:    "https://api.intra.42.fr/oauth/token",
			userinfoURL: "https://api.intra.42.fr/v2/me",
			params:      presetScope("public"),
			profile:     fortyTwoProfile,
		},
		{
			id: "apple", name: "Apple", kind: KindOIDC,
			wellKnown: "https://appleid.apple.com/.well-known/openid-configuration",
			params:    [][2]string{{"scope", "name email"}, {"response_mode", "form_post"}},
			checks:    []string{"pkce"},
			profile:   claimsProfile("sub", "name", "email", ""),
			style:     presetStyle("#000", "#fff"),
			doc: "Apple answers with a cross-site form_post: the PKCE cookie must be configured " +
				"SameSite=None; Secure or the callback fails with \"PKCE code_verifier cookie was missing\". " +
				"The client secret is an ES256 JWT the user generates. The first-login name is never filled.",
		},
		{
			id: "atlassian", name: "Atlassian", kind: KindOAuth2,
			authURL:     "https://auth.atlassian.com/authorize",
			tokenURL:    "https://auth.atlassian.com/oauth/token",
			userinfoURL: "https://api.atlassian.com/me",
			params:      [][2]string{{"audience", "api.atlassian.com"}, {"prompt", "consent"}},
			profile:     claimsProfile("account_id", "name", "email", "picture"),
			style:       presetStyle("#fff", "#0052cc"),
			doc:         "No scope is configured, so scope=openid is sent: set Scope (e.g. \"read:me\").",
		},
		{
			id: "auth0", name: "Auth0", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email profile"),
			checks:     []string{"pkce", "state"},
			profile:    claimsProfile("sub", "nickname", "email", "picture"),
			style:      presetStyle("#EB5424", "#fff"),
		},
		{
			id: "authentik", name: "Authentik", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email profile"),
			checks:     []string{"pkce", "state"},
			profile:    nameOrPreferredUsername,
		},
		{
			id: "azure-ad", name: "Azure Active Directory", kind: KindOIDC,
			wellKnown:     "https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration?appid={client_id}",
			tenant:        true,
			defaultTenant: "common",
			params:        presetScope("openid profile email"),
			profile:       claimsProfile("sub", "name", "email", ""),
			style:         presetStyle("#0072c6", "#fff"),
			doc: "Multi-tenant ({tenant_id} common, organizations, consumers) issuers are checked against the " +
				"id_token's tid. The Microsoft Graph profile photo v4 fetches is not fetched: image is always empty.",
		},
		{
			id: "azure-ad-b2c", name: "Azure Active Directory B2C", kind: KindOIDC,
			wellKnown: "{issuer}/.well-known/openid-configuration",
			tenant:    true,
			adjust:    adjustAzureADB2C,
			profile:   azureADB2CProfile,
			style:     presetStyle("#0072c6", "#fff"),
			doc: "Issuer defaults to https://{tenant_id}.b2clogin.com/{tenant_id}.onmicrosoft.com/{PrimaryUserFlow}/v2.0; " +
				"no scope is configured, so scope=openid is sent.",
		},
		{
			id: "battlenet", name: "Battle.net", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			profile:    claimsProfile("sub", "battle_tag", "", ""),
			style:      presetStyle("#148eff", "#fff"),
			doc:        "Issuer is the region's, e.g. https://oauth.battle.net or https://eu.battle.net/oauth.",
		},
		{
			id: "box", name: "Box", kind: KindOAuth2,
			authURL:     "https://account.box.com/api/oauth2/authorize",
			tokenURL:    "https://api.box.com/oauth2/token",
			userinfoURL: "https://api.box.com/2.0/users/me",
			profile:     claimsProfile("id", "name", "login", "avatar_url"),
			style:       presetStyle("#0075C9", "#fff"),
		},
		{
			id: "boxyhq-saml", name: "BoxyHQ SAML", kind: KindOAuth2,
			authURL:     "{issuer}/api/oauth/authorize",
			tokenURL:    "{issuer}/api/oauth/token",
			userinfoURL: "{issuer}/api/oauth/userinfo",
			needIssuer:  true,
			params:      [][2]string{{"provider", "saml"}},
			checks:      []string{"pkce", "state"},
			profile:     joinedNameProfile("id", "firstName", "lastName", "email"),
		},
		{
			id: "cognito", name: "Cognito", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			profile:    oidcClaims,
			style:      presetStyle("#fff", "#C17B9E"),
			doc:        "Issuer is https://cognito-idp.{region}.amazonaws.com/{user pool id}; no scope is configured, so scope=openid is sent.",
		},
		{
			id: "coinbase", name: "Coinbase", kind: KindOAuth2,
			authURL:     "https://www.coinbase.com/oauth/authorize",
			tokenURL:    "https://api.coinbase.com/oauth/token",
			userinfoURL: "https://api.coinbase.com/v2/user",
			params:      presetScope("wallet:user:email wallet:user:read"),
			profile:     nestedProfile([]any{"data"}, "id", "name", "email", "avatar_url"),
		},
		{
			id: "discord", name: "Discord", kind: KindOAuth2,
			authURL:     "https://discord.com/api/oauth2/authorize",
			tokenURL:    "https://discord.com/api/oauth2/token",
			userinfoURL: "https://discord.com/api/users/@me",
			params:      presetScope("identify email"),
			profile:     discordProfile,
			style:       presetStyle("#5865F2", "#fff"),
		},
		{
			id: "dropbox", name: "Dropbox", kind: KindOAuth2,
			authURL:     "https://www.dropbox.com/oauth2/authorize",
			tokenURL:    "https://api.dropboxapi.com/oauth2/token",
			userinfoURL: "https://api.dropboxapi.com/2/users/get_current_account",
			params:      [][2]string{{"token_access_type", "offline"}, {"scope", "account_info.read"}},
			checks:      []string{"state", "pkce"},
			profile:     dropboxProfile,
			doc:         "The profile is read with a GET, as in v4 (Dropbox documents POST for this endpoint).",
		},
		{
			id: "duende-identityserver6", name: "DuendeIdentityServer6", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid profile email"),
			checks:     []string{"pkce", "state"},
			profile:    claimsProfile("sub", "name", "email", ""),
		},
		{
			id: "eveonline", name: "EVE Online", kind: KindOAuth2,
			authURL:     "https://login.eveonline.com/v2/oauth/authorize",
			tokenURL:    "https://login.eveonline.com/v2/oauth/token",
			userinfoURL: "https://login.eveonline.com/oauth/verify",
			params:      presetScope("publicData"),
			profile:     eveOnlineProfile,
		},
		{
			id: "facebook", name: "Facebook", kind: KindOAuth2,
			authURL:     "https://www.facebook.com/v11.0/dialog/oauth",
			tokenURL:    "https://graph.facebook.com/oauth/access_token",
			userinfoURL: "https://graph.facebook.com/me?fields=id,name,email,picture",
			params:      presetScope("email"),
			profile:     facebookProfile,
			fetch:       func(p PresetInfo, _ PresetOptions) presetFetch { return facebookFetch(p.UserinfoURL) },
			style:       presetStyle("#006aff", "#fff"),
		},
		{
			id: "faceit", name: "FACEIT", kind: KindOAuth2,
			authURL:     "https://accounts.faceit.com/accounts",
			tokenURL:    "https://api.faceit.com/auth/v1/oauth/token",
			userinfoURL: "https://api.faceit.com/auth/v1/resources/userinfo",
			params:      [][2]string{{"redirect_popup", "true"}},
			profile:     claimsProfile("guid", "name", "email", "picture"),
		},
		{
			id: "foursquare", name: "Foursquare", kind: KindOAuth2,
			authURL:     "https://foursquare.com/oauth2/authenticate",
			tokenURL:    "https://foursquare.com/oauth2/access_token",
			userinfoURL: "https://api.foursquare.com/v2/users/self",
			profile:     foursquareProfile,
			fetch: func(p PresetInfo, _ PresetOptions) presetFetch {
				return foursquareFetch(p.UserinfoURL, "20230131")
			},
			style: presetStyle("#000", "#fff"),
		},
		{
			id: "fusionauth", name: "FusionAuth", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			tenant:     true,
			adjust:     adjustFusionAuth,
			params:     presetScope("openid offline_access"),
			checks:     []string{"pkce", "state"},
			profile:    claimsProfile("sub", "preferred_username", "email", pvNoMember),
			doc:        "TenantID is only needed when the server has more than one tenant.",
		},
		{
			id: "github", name: "GitHub", kind: KindOAuth2,
			issuer:      "https://github.com/login/oauth",
			authURL:     "https://github.com/login/oauth/authorize",
			tokenURL:    "https://github.com/login/oauth/access_token",
			userinfoURL: "https://api.github.com/user",
			params:      presetScope("read:user user:email"),
			profile:     githubProfile,
			fetch: func(p PresetInfo, _ PresetOptions) presetFetch {
				return githubFetch(p.UserinfoURL, "https://api.github.com/user/emails")
			},
			style: presetStyle("#24292f", "#fff"),
			doc: "When the profile's e-mail is null the primary (else first) address of " +
				"GET https://api.github.com/user/emails is used. Issuer is the RFC 9207 iss GitHub sends.",
		},
		{
			id: "gitlab", name: "GitLab", kind: KindOAuth2,
			authURL:     "https://gitlab.com/oauth/authorize",
			tokenURL:    "https://gitlab.com/oauth/token",
			userinfoURL: "https://gitlab.com/api/v4/user",
			params:      presetScope("read_user"),
			checks:      []string{"pkce", "state"},
			profile:     gitlabProfile,
			style:       presetStyle("#FC6D26", "#fff"),
		},
		{
			id: "google", name: "Google", kind: KindOIDC,
			wellKnown: "https://accounts.google.com/.well-known/openid-configuration",
			params:    presetScope("openid email profile"),
			checks:    []string{"pkce", "state"},
			profile:   oidcClaims,
			style:     presetStyle("#fff", "#000"),
		},
		{
			id: "hubspot", name: "HubSpot", kind: KindOAuth2,
			authURL:     "https://app.hubspot.com/oauth/authorize",
			tokenURL:    "https://api.hubapi.com/oauth/v1/token",
			userinfoURL: "https://api.hubapi.com/oauth/v1/access-tokens",
			params:      [][2]string{{"scope", "oauth"}, {"client_id", "{client_id}"}},
			authMethod:  "client_secret_post",
			profile:     claimsProfile("user_id", "user", "user", ""),
			fetch:       func(p PresetInfo, _ PresetOptions) presetFetch { return hubspotFetch(p.UserinfoURL) },
			style:       presetStyle("#ff7a59", "#fff"),
			doc:         "The profile is the access token's metadata, GET {UserinfoURL}/{access_token}.",
		},
		{
			id: "identity-server4", name: "IdentityServer4", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid profile email"),
			checks:     []string{"pkce", "state"},
			profile:    claimsProfile("sub", "name", "email", ""),
		},
		{
			id: "instagram", name: "Instagram", kind: KindOAuth2,
			authURL:     "https://api.instagram.com/oauth/authorize",
			tokenURL:    "https://api.instagram.com/oauth/access_token",
			userinfoURL: "https://graph.instagram.com/me?fields=id,username,account_type,name",
			params:      presetScope("user_profile"),
			authMethod:  "client_secret_post",
			profile:     claimsProfile("id", "username", "", ""),
			style:       presetStyle("#fff", "#000"),
		},
		{
			id: "kakao", name: "Kakao", kind: KindOAuth2,
			authURL:     "https://kauth.kakao.com/oauth/authorize",
			tokenURL:    "https://kauth.kakao.com/oauth/token",
			userinfoURL: "https://kapi.kakao.com/v2/user/me",
			params:      presetScope(""),
			authMethod:  "client_secret_post",
			profile:     kakaoProfile,
		},
		{
			id: "keycloak", name: "Keycloak", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email profile"),
			checks:     []string{"pkce", "state"},
			profile:    nameOrPreferredUsername,
			style:      presetStyle("#fff", "#000"),
			doc:        "Issuer is the realm URL, e.g. https://kc.example.com/realms/myrealm.",
		},
		{
			id: "line", name: "LINE", kind: KindOIDC,
			wellKnown:  "https://access.line.me/.well-known/openid-configuration",
			params:     presetScope("openid profile"),
			idTokenAlg: "HS256",
			profile:    oidcClaims,
			style:      presetStyle("#00C300", "#fff"),
			doc:        "id_tokens are HS256, keyed with the client secret.",
		},
		{
			id: "linkedin", name: "LinkedIn", kind: KindOIDC,
			issuer:      "https://www.linkedin.com",
			authURL:     "https://www.linkedin.com/oauth/v2/authorization",
			tokenURL:    "https://www.linkedin.com/oauth/v2/accessToken",
			userinfoURL: "https://api.linkedin.com/v2/userinfo",
			jwksURL:     "https://www.linkedin.com/oauth/openid/jwks",
			params:      presetScope("openid profile email"),
			authMethod:  "client_secret_post",
			profile:     oidcClaims,
			style:       presetStyle("#069", "#fff"),
			doc: "Sign In with LinkedIn using OpenID Connect: issuer, JWKS and a claims profile set, which " +
				"v4's preset lacks (its id_token check always fails). Differs from v4 on purpose.",
		},
		{
			id: "mailchimp", name: "Mailchimp", kind: KindOAuth2,
			authURL:     "https://login.mailchimp.com/oauth2/authorize",
			tokenURL:    "https://login.mailchimp.com/oauth2/token",
			userinfoURL: "https://login.mailchimp.com/oauth2/metadata",
			profile:     mailchimpProfile,
			style:       presetStyle("#000", "#fff"),
		},
		{
			id: "mailru", name: "Mail.ru", kind: KindOAuth2,
			authURL:     "https://oauth.mail.ru/login",
			tokenURL:    "https://oauth.mail.ru/token",
			userinfoURL: "https://oauth.mail.ru/userinfo",
			params:      presetScope("userinfo"),
			profile:     claimsProfile("id", "name", "email", "image"),
		},
		{
			id: "medium", name: "Medium", kind: KindOAuth2,
			authURL:     "https://medium.com/m/oauth/authorize",
			tokenURL:    "https://api.medium.com/v1/tokens",
			userinfoURL: "https://api.medium.com/v1/me",
			params:      presetScope("basicProfile"),
			profile:     nestedProfile([]any{"data"}, "id", "name", "", "imageUrl"),
		},
		{
			id: "naver", name: "Naver", kind: KindOAuth2,
			authURL:     "https://nid.naver.com/oauth2.0/authorize",
			tokenURL:    "https://nid.naver.com/oauth2.0/token",
			userinfoURL: "https://openapi.naver.com/v1/nid/me",
			checks:      []string{"state"},
			profile:     nestedProfile([]any{"response"}, "id", "nickname", "email", "profile_image"),
		},
		{
			id: "netlify", name: "Netlify", kind: KindOAuth2,
			authURL:     "https://app.netlify.com/authorize",
			tokenURL:    "https://api.netlify.com/oauth/token",
			userinfoURL: "https://api.netlify.com/api/v1/user",
			profile:     claimsProfile("id", "full_name", "email", "avatar_url"),
		},
		{
			id: "okta", name: "Okta", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email profile"),
			profile:    nameOrPreferredUsername,
			style:      presetStyle("#000", "#fff"),
		},
		{
			id: "onelogin", name: "OneLogin", kind: KindOIDC,
			wellKnown:  "{issuer}/oidc/2/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid profile email"),
			profile:    claimsProfile("sub", "nickname", "email", "picture"),
		},
		{
			id: "osso", name: "Osso", kind: KindOAuth2,
			authURL:     "{issuer}/oauth/authorize",
			tokenURL:    "{issuer}/oauth/token",
			userinfoURL: "{issuer}/oauth/me",
			needIssuer:  true,
			profile:     claimsProfile("id", "name", "email", ""),
		},
		{
			id: "osu", name: "Osu!", kind: KindOAuth2,
			authURL:     "https://osu.ppy.sh/oauth/authorize",
			tokenURL:    "https://osu.ppy.sh/oauth/token",
			userinfoURL: "https://osu.ppy.sh/api/v2/me",
			params:      presetScope("identify"),
			profile:     claimsProfile("id", "username", "", "avatar_url"),
		},
		{
			id: "passage", name: "Passage", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email"),
			checks:     []string{"pkce", "state"},
			authMethod: "client_secret_basic",
			profile:    claimsProfile("sub", "", "email", ""),
			style: &nextauth.ProviderStyle{
				Bg: "#fff", BgDark: "#fff", Text: "#000", TextDark: "#000",
			},
		},
		{
			id: "patreon", name: "Patreon", kind: KindOAuth2,
			authURL:     "https://www.patreon.com/oauth2/authorize",
			tokenURL:    "https://www.patreon.com/api/oauth2/token",
			userinfoURL: "https://www.patreon.com/api/oauth2/api/current_user",
			params:      presetScope("identity identity[email]"),
			profile:     patreonProfile,
			style:       presetStyle("#e85b46", "#fff"),
		},
		{
			id: "pinterest", name: "Pinterest", kind: KindOAuth2,
			authURL:     "https://www.pinterest.com/oauth",
			tokenURL:    "https://api.pinterest.com/v5/oauth/token",
			userinfoURL: "https://api.pinterest.com/v5/user_account",
			params:      presetScope("user_accounts:read"),
			checks:      []string{"state"},
			profile:     claimsProfile("username", "username", "", "profile_image"),
		},
		{
			id: "pipedrive", name: "Pipedrive", kind: KindOAuth2,
			authURL:     "https://oauth.pipedrive.com/oauth/authorize",
			tokenURL:    "https://oauth.pipedrive.com/oauth/token",
			userinfoURL: "https://api.pipedrive.com/users/me",
			profile:     pipedriveProfile,
		},
		{
			id: "reddit", name: "Reddit", kind: KindOAuth2,
			authURL:     "https://www.reddit.com/api/v1/authorize",
			tokenURL:    "https://www.reddit.com/api/v1/access_token",
			userinfoURL: "https://oauth.reddit.com/api/v1/me",
			params:      presetScope("identity"),
			profile:     claimsProfile("id", "name", "", ""),
		},
		{
			id: "salesforce", name: "Salesforce", kind: KindOAuth2,
			authURL:       "{issuer}/services/oauth2/authorize",
			tokenURL:      "{issuer}/services/oauth2/token",
			userinfoURL:   "{issuer}/services/oauth2/userinfo",
			defaultIssuer: "https://login.salesforce.com",
			params:        [][2]string{{"display", "page"}},
			checks:        []string{"none"},
			profile:       claimsProfile("user_id", "", "", "picture"),
		},
		{
			id: "slack", name: "Slack", kind: KindOIDC,
			wellKnown: "https://slack.com/.well-known/openid-configuration",
			params:    presetScope("openid profile email"),
			profile:   oidcClaims,
			style:     presetStyle("#000", "#fff"),
		},
		{
			id: "spotify", name: "Spotify", kind: KindOAuth2,
			authURL:     "https://accounts.spotify.com/authorize",
			tokenURL:    "https://accounts.spotify.com/api/token",
			userinfoURL: "https://api.spotify.com/v1/me",
			params:      presetScope("user-read-email"),
			profile:     spotifyProfile,
			style:       presetStyle("#000", "#fff"),
		},
		{
			id: "strava", name: "Strava", kind: KindOAuth2,
			authURL:     "https://www.strava.com/api/v3/oauth/authorize",
			tokenURL:    "https://www.strava.com/api/v3/oauth/token",
			userinfoURL: "https://www.strava.com/api/v3/athlete",
			params:      [][2]string{{"scope", "read"}, {"approval_prompt", "auto"}, {"response_type", "code"}},
			authMethod:  "client_secret_post",
			profile:     spacedNameProfile("id", "firstname", "lastname", "", "profile"),
		},
		{
			id: "todoist", name: "Todoist", kind: KindOAuth2,
			authURL:     "https://todoist.com/oauth/authorize",
			tokenURL:    "https://todoist.com/oauth/access_token",
			userinfoURL: "https://api.todoist.com/sync/v9/sync",
			params:      presetScope("data:read"),
			authMethod:  "client_secret_post",
			profile:     claimsProfile("id", "full_name", "email", "avatar_big"),
			fetch:       func(p PresetInfo, _ PresetOptions) presetFetch { return todoistFetch(p.UserinfoURL) },
			style:       presetStyle("#E44332", "#000"),
			doc:         "The profile is the user resource of a Sync API POST to UserinfoURL.",
		},
		{
			id: "trakt", name: "Trakt", kind: KindOAuth2,
			authURL:     "https://trakt.tv/oauth/authorize",
			tokenURL:    "https://api.trakt.tv/oauth/token",
			userinfoURL: "https://api.trakt.tv/users/me?extended=full",
			params:      presetScope(""),
			profile:     traktProfile,
			fetch: func(p PresetInfo, o PresetOptions) presetFetch {
				return traktFetch(p.UserinfoURL, o.ClientID)
			},
			style: presetStyle("#ED2224", "#fff"),
		},
		{
			id: "twitch", name: "Twitch", kind: KindOIDC,
			wellKnown: "https://id.twitch.tv/oauth2/.well-known/openid-configuration",
			params: [][2]string{
				{"scope", "openid user:read:email"},
				{"claims", `{"id_token":{"email":null,"picture":null,"preferred_username":null}}`},
			},
			profile: claimsProfile("sub", "preferred_username", "email", "picture"),
			style:   presetStyle("#65459B", "#fff"),
		},
		{
			id: "twitter", name: "Twitter", kind: KindOAuth2,
			authURL:     "https://twitter.com/i/oauth2/authorize",
			tokenURL:    "https://api.twitter.com/2/oauth2/token",
			userinfoURL: "https://api.twitter.com/2/users/me?user.fields=profile_image_url",
			params:      presetScope("users.read tweet.read offline.access"),
			checks:      []string{"pkce", "state"},
			tokenParams: [][2]string{{"client_id", "{client_id}"}},
			profile:     nestedProfile([]any{"data"}, "id", "name", "", "profile_image_url"),
			style:       presetStyle("#1da1f2", "#fff"),
			doc: "OAuth 2.0 (v4's version: \"2.0\") only; v4's default OAuth 1.0a \"Twitter (Legacy)\" " +
				"is not supported. The API gives no e-mail.",
		},
		{
			id: "united-effects", name: "United Effects", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     [][2]string{{"scope", "openid email profile"}, {"resource", "{issuer}"}},
			checks:     []string{"pkce", "state"},
			profile:    claimsProfile("sub", "", "email", ""),
		},
		{
			id: "vk", name: "VK", kind: KindOAuth2,
			authURL:     "https://oauth.vk.com/authorize",
			tokenURL:    "https://oauth.vk.com/access_token",
			userinfoURL: "https://api.vk.com/method/users.get?fields=photo_100&v=5.131",
			params:      [][2]string{{"scope", "email"}, {"v", "5.131"}},
			authMethod:  "client_secret_post",
			profile:     vkProfile,
			style:       presetStyle("#07F", "#fff"),
			doc:         "The token request carries no v= parameter: v4 drops the token URL's query.",
		},
		{
			id: "wikimedia", name: "Wikimedia", kind: KindOAuth2,
			authURL:     "https://meta.wikimedia.org/w/rest.php/oauth2/authorize",
			tokenURL:    "https://meta.wikimedia.org/w/rest.php/oauth2/access_token",
			userinfoURL: "https://meta.wikimedia.org/w/rest.php/oauth2/resource/profile",
			params:      presetScope(""),
			profile:     claimsProfile("sub", "username", "email", pvNoMember),
			style:       presetStyle("#000", "#fff"),
		},
		{
			id: "wordpress", name: "WordPress.com", kind: KindOAuth2,
			authURL:     "https://public-api.wordpress.com/oauth2/authorize",
			tokenURL:    "https://public-api.wordpress.com/oauth2/token",
			userinfoURL: "https://public-api.wordpress.com/rest/v1/me",
			params:      presetScope("auth"),
			profile:     claimsProfile("ID", "display_name", "email", "avatar_URL"),
		},
		{
			id: "workos", name: "WorkOS", kind: KindOAuth2,
			authURL:       "{issuer}/sso/authorize",
			tokenURL:      "{issuer}/sso/token",
			userinfoURL:   "{issuer}/sso/profile",
			defaultIssuer: "https://api.workos.com/",
			authMethod:    "client_secret_post",
			profile:       workosProfile,
			style:         presetStyle("#6363f1", "#fff"),
			doc:           "Pass the connection or organization as an authorization param (connection=…, organization=…).",
		},
		{
			id: "yandex", name: "Yandex", kind: KindOAuth2,
			authURL:     "https://oauth.yandex.ru/authorize",
			tokenURL:    "https://oauth.yandex.ru/token",
			userinfoURL: "https://login.yandex.ru/info?format=json",
			params:      presetScope("login:info login:email login:avatar"),
			profile:     yandexProfile,
			style:       presetStyle("#ffcc00", "#000"),
		},
		{
			id: "zitadel", name: "ZITADEL", kind: KindOIDC,
			wellKnown:  "{issuer}/.well-known/openid-configuration",
			needIssuer: true,
			params:     presetScope("openid email profile"),
			checks:     []string{"pkce", "state"},
			profile:    oidcClaims,
		},
		{
			id: "zoho", name: "Zoho", kind: KindOAuth2,
			authURL:     "https://accounts.zoho.com/oauth/v2/auth",
			tokenURL:    "https://accounts.zoho.com/oauth/v2/token",
			userinfoURL: "https://accounts.zoho.com/oauth/user/info",
			params:      presetScope("AaaServer.profile.Read"),
			profile:     spacedNameProfile("ZUID", "First_Name", "Last_Name", "Email", ""),
		},
		{
			id: "zoom", name: "Zoom", kind: KindOAuth2,
			authURL:     "https://zoom.us/oauth/authorize",
			tokenURL:    "https://zoom.us/oauth/token",
			userinfoURL: "https://api.zoom.us/v2/users/me",
			params:      presetScope(""),
			profile:     spacedNameProfile("id", "first_name", "last_name", "email", "pic_url"),
		},
	}
}
