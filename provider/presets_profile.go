package provider

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// This file holds the presets' profile mappings (raw profile to id, name,
// email and image, docs/compatibility.md#presets) and the few JavaScript value
// rules they need to give the same user as NextAuth 4.24.15's profile()
// functions.
//
// Raw profiles are decoded JSON: map[string]any, []any, string, float64 or
// json.Number, bool and nil. A missing key reads as pvUndefined{}; a JSON null
// reads as nil. Both are "nullish" (the ?? operator); they differ only where
// JavaScript turns them into strings ("undefined" vs "null").

// pvUndefined is JavaScript's undefined: what reading a missing property
// gives. Its zero value is the only value.
type pvUndefined struct{}

// presetProfile maps a raw profile to a user. An error is what a throwing
// profile() gives in NextAuth (reading a property of undefined): the sign-in
// goes back to the sign-in page, as does a user without an id.
type presetProfile func(raw map[string]any) (nextauth.User, error)

// errPresetProfile is a property read through a nullish value.
type errPresetProfile struct{ path string }

func (e *errPresetProfile) Error() string {
	return "provider: profile: cannot read " + e.path + " of a missing value"
}

// pvGet reads one property or index of v (JavaScript `v[key]`); a nullish v
// yields an error, as JavaScript throws a TypeError.
func pvGet(v any, key any) (any, error) {
	if pvNullish(v) {
		return nil, &errPresetProfile{fmt.Sprint(key)}
	}
	switch k := key.(type) {
	case string:
		if m, ok := v.(map[string]any); ok {
			if x, ok := m[k]; ok {
				return x, nil
			}
		}
	case int:
		if a, ok := v.([]any); ok && k >= 0 && k < len(a) {
			return a[k], nil
		}
	}
	return pvUndefined{}, nil
}

// pvPath reads a chain of properties without optional chaining
// (`v.a.b.c`): a nullish value before the last key is an error.
func pvPath(v any, keys ...any) (any, error) {
	for i, k := range keys {
		x, err := pvGet(v, k)
		if err != nil {
			return nil, &errPresetProfile{pvPathString(keys[:i+1])}
		}
		v = x
	}
	return v, nil
}

func pvPathString(keys []any) string {
	var b strings.Builder
	for i, k := range keys {
		if n, ok := k.(int); ok {
			fmt.Fprintf(&b, "[%d]", n)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, k)
	}
	return b.String()
}

// pvOpt reads a chain with optional chaining (`v?.a?.b`): any nullish step
// gives pvUndefined{}.
func pvOpt(v any, keys ...any) any {
	for _, k := range keys {
		if pvNullish(v) {
			return pvUndefined{}
		}
		v, _ = pvGet(v, k)
	}
	return v
}

// pvNullish reports whether v is null or undefined.
func pvNullish(v any) bool { return v == nil || v == pvUndefined{} }

// pvCoalesce is `a ?? b ?? …`: the first non-nullish value, else the last.
func pvCoalesce(vs ...any) any {
	for _, v := range vs {
		if !pvNullish(v) {
			return v
		}
	}
	return vs[len(vs)-1]
}

// pvTruthy is JavaScript's boolean conversion.
func pvTruthy(v any) bool {
	switch x := v.(type) {
	case nil, pvUndefined:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	}
	return true
}

// pvString is JavaScript's String(v) (and template-literal interpolation)
// for the JSON values a profile holds: null → "null", undefined →
// "undefined", numbers in JavaScript's shortest form.
func pvString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case pvUndefined:
		return "undefined"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return pvNumber(x)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if !pvNullish(e) {
				parts[i] = pvString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

// pvNumber formats f as JavaScript's Number.prototype.toString does for the
// values ids take (integers print without exponent up to 1e21).
func pvNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if a := math.Abs(f); a >= 1e21 || a < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+21 / e-07; JavaScript writes e+21 / e-7.
		mant, exp, _ := strings.Cut(s, "e")
		sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
		return mant + "e" + sign + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// pvField is an id from a profile value: nullish → "" (no id), anything
// else → String(v).
func pvField(v any) string {
	if pvNullish(v) {
		return ""
	}
	return pvString(v)
}

// pvUser is a user's name, e-mail or image from a profile value, as the
// member of the object profile() returns: undefined → absent (JSON drops
// it), null → null, anything else → String(v).
func pvUser(v any) nextauth.NullString {
	switch v.(type) {
	case pvUndefined:
		return nextauth.NullString{}
	case nil:
		return nextauth.Null()
	}
	return nextauth.String(pvString(v))
}

// pvNoMember, as a key of claimsProfile and its kin, is a member the
// preset's profile() does not return at all (undefined, left out of the
// token); "" is one it returns as null.
const pvNoMember = "-"

// pvToString is `v.toString()`: an error when v is nullish.
func pvToString(v any, name string) (string, error) {
	if pvNullish(v) {
		return "", &errPresetProfile{name + ".toString"}
	}
	return pvString(v), nil
}

// pvJoinTruthy is `[a, b].filter(Boolean).join(" ")`.
func pvJoinTruthy(vs ...any) string {
	var parts []string
	for _, v := range vs {
		if pvTruthy(v) {
			parts = append(parts, pvString(v))
		}
	}
	return strings.Join(parts, " ")
}

// pvParseInt is parseInt(s) for a base-10 string: leading whitespace, an
// optional sign, then digits; no digits gives NaN.
func pvParseInt(v any) float64 {
	s := strings.TrimLeft(pvString(v), " \t\n\r\v\f\u00a0\ufeff")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:n], 64)
	if neg {
		f = -f
	}
	return f
}

// claimsProfile maps the profile's own properties named id, name, email and
// image — the pattern most presets follow (`sub / name / email / picture`
// for OpenID Connect providers). A key "" is a member profile() sets to
// null, [pvNoMember] one it does not set; a property missing from the raw
// profile is absent, a null one null.
func claimsProfile(id, name, email, image string) presetProfile {
	get := func(raw map[string]any, k string) nextauth.NullString {
		switch k {
		case "":
			return nextauth.Null()
		case pvNoMember:
			return nextauth.NullString{}
		}
		v, ok := raw[k]
		if !ok {
			return nextauth.NullString{}
		}
		return pvUser(v)
	}
	return func(raw map[string]any) (nextauth.User, error) {
		u := nextauth.User{
			Name:  get(raw, name),
			Email: get(raw, email),
			Image: get(raw, image),
		}
		if id != "" {
			u.ID = pvField(raw[id])
		}
		return u, nil
	}
}

// nameOrPreferredUsername is `sub / name ?? preferred_username / email /
// picture` (Keycloak, Okta, Authentik).
func nameOrPreferredUsername(raw map[string]any) (nextauth.User, error) {
	return nextauth.User{
		ID:    pvField(raw["sub"]),
		Name:  pvUser(pvCoalesce(pvOpt(raw, "name"), pvOpt(raw, "preferred_username"))),
		Email: pvUser(pvOpt(raw, "email")),
		Image: pvUser(pvOpt(raw, "picture")),
	}, nil
}

// githubProfile is `String(id) / name ?? login / email / avatar_url`; it
// also serves GitLab (`name ?? username`) through githubLikeProfile.
func githubProfile(raw map[string]any) (nextauth.User, error) {
	return githubLikeProfile(raw, "login")
}

func gitlabProfile(raw map[string]any) (nextauth.User, error) {
	return githubLikeProfile(raw, "username")
}

func githubLikeProfile(raw map[string]any, login string) (nextauth.User, error) {
	id, err := pvToString(pvOpt(raw, "id"), "id")
	if err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{
		ID:    id,
		Name:  pvUser(pvCoalesce(pvOpt(raw, "name"), pvOpt(raw, login))),
		Email: pvUser(pvOpt(raw, "email")),
		Image: pvUser(pvOpt(raw, "avatar_url")),
	}, nil
}

// discordProfile builds the avatar URL as v4 does: a null avatar gives the
// default avatar number parseInt(discriminator) % 5; an "a_" hash is
// animated (gif).
func discordProfile(raw map[string]any) (nextauth.User, error) {
	var image string
	switch avatar := pvOpt(raw, "avatar").(type) {
	case nil:
		n := math.Mod(pvParseInt(pvOpt(raw, "discriminator")), 5)
		image = "https://cdn.discordapp.com/embed/avatars/" + pvNumber(n) + ".png"
	case string:
		format := "png"
		if strings.HasPrefix(avatar, "a_") {
			format = "gif"
		}
		image = "https://cdn.discordapp.com/avatars/" + pvString(pvOpt(raw, "id")) + "/" + avatar + "." + format
	default:
		// undefined.startsWith throws in v4.
		return nextauth.User{}, &errPresetProfile{"avatar.startsWith"}
	}
	return nextauth.User{
		ID:    pvField(raw["id"]),
		Name:  pvUser(pvOpt(raw, "username")),
		Email: pvUser(pvOpt(raw, "email")),
		Image: nextauth.String(image),
	}, nil
}

// azureADB2CProfile is `sub / name / emails[0] / -`.
func azureADB2CProfile(raw map[string]any) (nextauth.User, error) {
	email, err := pvPath(raw, "emails", 0)
	if err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{ID: pvField(raw["sub"]), Name: pvUser(pvOpt(raw, "name")), Email: pvUser(email), Image: nextauth.Null()}, nil
}

// facebookProfile is `id / name / email / picture.data.url`.
func facebookProfile(raw map[string]any) (nextauth.User, error) {
	image, err := pvPath(raw, "picture", "data", "url")
	if err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{ID: pvField(raw["id"]), Name: pvUser(pvOpt(raw, "name")), Email: pvUser(pvOpt(raw, "email")), Image: pvUser(image)}, nil
}

// nestedProfile maps properties of the object at path (`data`, `response`,
// …), read without optional chaining: a missing wrapper is an error.
func nestedProfile(path []any, id, name, email, image string) presetProfile {
	inner := claimsProfile(id, name, email, image)
	return func(raw map[string]any) (nextauth.User, error) {
		v, err := pvPath(raw, path...)
		if err != nil {
			return nextauth.User{}, err
		}
		if pvNullish(v) {
			return nextauth.User{}, &errPresetProfile{pvPathString(path) + "." + id}
		}
		m, _ := v.(map[string]any)
		return inner(m)
	}
}

// spotifyProfile is `id / display_name / email / images?.[0]?.url`.
func spotifyProfile(raw map[string]any) (nextauth.User, error) {
	return nextauth.User{
		ID:    pvField(raw["id"]),
		Name:  pvUser(pvOpt(raw, "display_name")),
		Email: pvUser(pvOpt(raw, "email")),
		Image: pvUser(pvOpt(raw, "images", 0, "url")),
	}, nil
}

// spacedNameProfile is `id / `${first} ${last}` / email / image`: the name
// is a template literal, so a missing part prints as "undefined" as in v4.
func spacedNameProfile(id, first, last, email, image string) presetProfile {
	inner := claimsProfile(id, "", email, image)
	return func(raw map[string]any) (nextauth.User, error) {
		u, err := inner(raw)
		u.Name = nextauth.String(pvString(pvOpt(raw, first)) + " " + pvString(pvOpt(raw, last)))
		return u, err
	}
}

// dropboxProfile is `account_id / name.display_name / email /
// profile_photo_url`.
func dropboxProfile(raw map[string]any) (nextauth.User, error) {
	name, err := pvPath(raw, "name", "display_name")
	if err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{
		ID:    pvField(raw["account_id"]),
		Name:  pvUser(name),
		Email: pvUser(pvOpt(raw, "email")),
		Image: pvUser(pvOpt(raw, "profile_photo_url")),
	}, nil
}

// patreonProfile reads `data.attributes` (JSON:API).
func patreonProfile(raw map[string]any) (nextauth.User, error) {
	id, err := pvPath(raw, "data", "id")
	if err != nil {
		return nextauth.User{}, err
	}
	attrs, err := pvPath(raw, "data", "attributes")
	if err != nil {
		return nextauth.User{}, err
	}
	var u nextauth.User
	u.ID = pvField(id)
	for _, f := range []struct {
		dst *nextauth.NullString
		key string
	}{{&u.Name, "full_name"}, {&u.Email, "email"}, {&u.Image, "image_url"}} {
		v, err := pvGet(attrs, f.key)
		if err != nil {
			return nextauth.User{}, &errPresetProfile{"data.attributes." + f.key}
		}
		*f.dst = pvUser(v)
	}
	return u, nil
}

// kakaoProfile is `String(id) / kakao_account?.profile?.nickname /
// kakao_account?.email / kakao_account?.profile?.profile_image_url`. A
// missing id gives "undefined", as String(undefined) does in v4.
func kakaoProfile(raw map[string]any) (nextauth.User, error) {
	return nextauth.User{
		ID:    pvString(pvOpt(raw, "id")),
		Name:  pvUser(pvOpt(raw, "kakao_account", "profile", "nickname")),
		Email: pvUser(pvOpt(raw, "kakao_account", "email")),
		Image: pvUser(pvOpt(raw, "kakao_account", "profile", "profile_image_url")),
	}, nil
}

// vkProfile reads `response?.[0] ?? {}`: `id / [first_name,
// last_name].filter(Boolean).join(" ") / null / photo_100`.
func vkProfile(raw map[string]any) (nextauth.User, error) {
	p := pvOpt(raw, "response", 0)
	return nextauth.User{
		ID:    pvField(pvOpt(p, "id")),
		Name:  nextauth.String(pvJoinTruthy(pvOpt(p, "first_name"), pvOpt(p, "last_name"))),
		Email: nextauth.Null(),
		Image: pvUser(pvOpt(p, "photo_100")),
	}, nil
}

// yandexProfile: the avatar URL only when is_avatar_empty is false and
// default_avatar_id is set, else null.
func yandexProfile(raw map[string]any) (nextauth.User, error) {
	u := nextauth.User{
		ID:    pvField(raw["id"]),
		Name:  pvUser(pvCoalesce(pvOpt(raw, "display_name"), pvOpt(raw, "real_name"), pvOpt(raw, "first_name"))),
		Email: pvUser(pvCoalesce(pvOpt(raw, "default_email"), pvOpt(raw, "emails", 0), nil)),
		Image: nextauth.Null(),
	}
	if avatar := pvOpt(raw, "default_avatar_id"); !pvTruthy(pvOpt(raw, "is_avatar_empty")) && pvTruthy(avatar) {
		u.Image = nextauth.String("https://avatars.yandex.net/get-yapic/" + pvString(avatar) + "/islands-200")
	}
	return u, nil
}

// workosProfile is `id / `${first_name} ${last_name}` / email /
// raw_attributes.picture ?? null`.
func workosProfile(raw map[string]any) (nextauth.User, error) {
	u, _ := spacedNameProfile("id", "first_name", "last_name", "email", "")(raw)
	pic, err := pvPath(raw, "raw_attributes", "picture")
	if err != nil {
		return nextauth.User{}, err
	}
	u.Image = pvUser(pvCoalesce(pic, nil))
	return u, nil
}

// joinedNameProfile is `id / [first, last].filter(Boolean).join(" ") /
// email / null` (BoxyHQ SAML).
func joinedNameProfile(id, first, last, email string) presetProfile {
	return func(raw map[string]any) (nextauth.User, error) {
		return nextauth.User{
			ID:    pvField(raw[id]),
			Name:  nextauth.String(pvJoinTruthy(pvOpt(raw, first), pvOpt(raw, last))),
			Email: pvUser(pvOpt(raw, email)),
			Image: nextauth.Null(),
		}, nil
	}
}

// fortyTwoProfile is `String(id) / usual_full_name / email / image_url`.
func fortyTwoProfile(raw map[string]any) (nextauth.User, error) {
	id, err := pvToString(pvOpt(raw, "id"), "id")
	if err != nil {
		return nextauth.User{}, err
	}
	u, _ := claimsProfile("", "usual_full_name", "email", "image_url")(raw)
	u.ID = id
	return u, nil
}

// pipedriveProfile is `String(data.id) / data.name / data.email /
// data.icon_url`.
func pipedriveProfile(raw map[string]any) (nextauth.User, error) {
	id, err := pvPath(raw, "data", "id")
	if err != nil {
		return nextauth.User{}, err
	}
	u, _ := nestedProfile([]any{"data"}, "", "name", "email", "icon_url")(raw)
	u.ID = pvString(id)
	return u, nil
}

// mailchimpProfile is `login.login_id / accountname / login.email / null`.
func mailchimpProfile(raw map[string]any) (nextauth.User, error) {
	id, err := pvPath(raw, "login", "login_id")
	if err != nil {
		return nextauth.User{}, err
	}
	email, _ := pvPath(raw, "login", "email")
	return nextauth.User{ID: pvField(id), Name: pvUser(pvOpt(raw, "accountname")), Email: pvUser(email), Image: nextauth.Null()}, nil
}

// traktProfile is `ids.slug / name / null / images.avatar.full`.
func traktProfile(raw map[string]any) (nextauth.User, error) {
	id, err := pvPath(raw, "ids", "slug")
	if err != nil {
		return nextauth.User{}, err
	}
	image, err := pvPath(raw, "images", "avatar", "full")
	if err != nil {
		return nextauth.User{}, err
	}
	return nextauth.User{ID: pvField(id), Name: pvUser(pvOpt(raw, "name")), Email: nextauth.Null(), Image: pvUser(image)}, nil
}

// eveOnlineProfile is `String(CharacterID) / CharacterName / null /
// https://image.eveonline.com/Character/{CharacterID}_128.jpg`.
func eveOnlineProfile(raw map[string]any) (nextauth.User, error) {
	id := pvString(pvOpt(raw, "CharacterID"))
	return nextauth.User{
		ID:    id,
		Name:  pvUser(pvOpt(raw, "CharacterName")),
		Email: nextauth.Null(),
		Image: nextauth.String("https://image.eveonline.com/Character/" + id + "_128.jpg"),
	}, nil
}

// foursquareProfile reads `response.user`: `id / `${firstName}
// ${lastName}` / contact.email / photo.prefix + "original" + photo.suffix`.
func foursquareProfile(raw map[string]any) (nextauth.User, error) {
	p, err := pvPath(raw, "response", "user")
	if err != nil {
		return nextauth.User{}, err
	}
	m, ok := p.(map[string]any)
	if !ok {
		return nextauth.User{}, &errPresetProfile{"response.user.id"}
	}
	email, err := pvPath(m, "contact", "email")
	if err != nil {
		return nextauth.User{}, &errPresetProfile{"response.user.contact.email"}
	}
	u, _ := spacedNameProfile("id", "firstName", "lastName", "", "")(m)
	u.Email = pvUser(email)
	if photo := pvOpt(m, "photo"); pvTruthy(photo) {
		u.Image = nextauth.String(pvString(pvOpt(photo, "prefix")) + "original" + pvString(pvOpt(photo, "suffix")))
	}
	return u, nil
}
