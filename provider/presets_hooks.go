package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// This file holds the presets' custom profile fetches (NextAuth's
// userinfo.request): the few providers whose profile is not a plain
// userinfo GET.

// presetFetch fetches a raw profile with the access token. It is built per
// provider instance (some need options such as the client id).
type presetFetch func(ctx context.Context, c *http.Client, accessToken string) (map[string]any, error)

// presetMaxBody bounds what a profile endpoint may answer.
const presetMaxBody = 1 << 20

// fetchJSON sends one request and decodes a JSON answer into v. With
// want200 any other status is an error; otherwise the body is decoded
// whatever the status, as the v4 presets that use fetch() without checking
// res.ok do.
func presetFetchJSON(ctx context.Context, c *http.Client, method, rawURL string, header http.Header, body []byte, want200 bool, v any) (status int, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return 0, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if want200 && res.StatusCode != http.StatusOK {
		return res.StatusCode, fmt.Errorf("provider: %s %s: expected 200 OK, got: %s", method, presetRedactURL(rawURL), res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, presetMaxBody))
	if err != nil {
		return res.StatusCode, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return res.StatusCode, fmt.Errorf("provider: %s %s: %w", method, presetRedactURL(rawURL), err)
	}
	return res.StatusCode, nil
}

// redactURL drops the query (Foursquare puts the access token there) and
// the path after a HubSpot token for error messages.
func presetRedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	u.RawQuery = ""
	if i := strings.Index(u.Path, "/access-tokens/"); i >= 0 {
		u.Path = u.Path[:i] + "/access-tokens/…"
	}
	return u.String()
}

// userinfoBearer is openid-client's client.userinfo(access_token): GET with
// "Authorization: Bearer <at>" (never the token_type), Accept JSON, 200
// required.
func presetUserinfoBearer(ctx context.Context, c *http.Client, endpoint, accessToken string) (map[string]any, error) {
	var profile map[string]any
	h := http.Header{"Authorization": {"Bearer " + accessToken}, "Accept": {"application/json"}}
	if _, err := presetFetchJSON(ctx, c, http.MethodGet, endpoint, h, nil, true, &profile); err != nil {
		return nil, err
	}
	if profile == nil {
		return nil, errors.New("provider: userinfo: answer is not a JSON object")
	}
	return profile, nil
}

// githubFetch is the GitHub preset's userinfo: the user, and when its
// public e-mail is empty, the primary (else the first) address from
// emailsURL, fetched with "Authorization: token <at>". A failed e-mail
// request leaves the e-mail empty; an empty list is an error, as in v4.
func githubFetch(userURL, emailsURL string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		profile, err := presetUserinfoBearer(ctx, c, userURL, at)
		if err != nil {
			return nil, err
		}
		if pvTruthy(pvOpt(profile, "email")) {
			return profile, nil
		}
		var emails []struct {
			Email   any  `json:"email"`
			Primary bool `json:"primary"`
		}
		h := http.Header{"Authorization": {"token " + at}}
		status, err := presetFetchJSON(ctx, c, http.MethodGet, emailsURL, h, nil, false, &emails)
		if status == 0 {
			return nil, err // the request itself failed: fetch() throws
		}
		if status < 200 || status > 299 {
			return profile, nil // v4 only reads the list when res.ok
		}
		if err != nil {
			return nil, err
		}
		if len(emails) == 0 {
			return nil, errors.New("provider: github: /user/emails returned no addresses")
		}
		pick := emails[0]
		for _, e := range emails {
			if e.Primary {
				pick = e
				break
			}
		}
		profile["email"] = pick.Email
		return profile, nil
	}
}

// facebookFetch is client.userinfo(at, {params}) : a Bearer GET of the
// Graph API /me with the fields query.
func facebookFetch(endpoint string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		return presetUserinfoBearer(ctx, c, endpoint, at)
	}
}

// hubspotFetch reads the access-token metadata at {endpoint}/{at}; no
// status check, as in v4.
func hubspotFetch(endpoint string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		var profile map[string]any
		h := http.Header{"Content-Type": {"application/json"}}
		if _, err := presetFetchJSON(ctx, c, http.MethodGet, endpoint+"/"+url.PathEscape(at), h, nil, false, &profile); err != nil {
			return nil, err
		}
		return profile, nil
	}
}

// todoistFetch POSTs a Sync API request for the user resource and returns
// its "user" object.
func todoistFetch(endpoint string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		var answer struct {
			User map[string]any `json:"user"`
		}
		h := http.Header{"Authorization": {"Bearer " + at}, "Content-Type": {"application/json"}}
		body := []byte(`{"sync_token":"*","resource_types":"[\"user\"]"}`)
		if _, err := presetFetchJSON(ctx, c, http.MethodPost, endpoint, h, body, false, &answer); err != nil {
			return nil, err
		}
		if answer.User == nil {
			return nil, errors.New("provider: todoist: sync answer has no user")
		}
		return answer.User, nil
	}
}

// traktFetch reads /users/me with the API version and key headers.
func traktFetch(endpoint, clientID string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		var profile map[string]any
		h := http.Header{
			"Authorization":     {"Bearer " + at},
			"Trakt-Api-Version": {"2"},
			"Trakt-Api-Key":     {clientID},
		}
		status, err := presetFetchJSON(ctx, c, http.MethodGet, endpoint, h, nil, false, &profile)
		if status != 0 && (status < 200 || status > 299) {
			return nil, errors.New("provider: trakt: expected 200 OK from the userinfo endpoint")
		}
		if err != nil {
			return nil, err
		}
		return profile, nil
	}
}

// foursquareFetch reads users/self with the token in the query (Foursquare
// v2 API); 200 required.
func foursquareFetch(endpoint, apiVersion string) presetFetch {
	return func(ctx context.Context, c *http.Client, at string) (map[string]any, error) {
		q := url.Values{"v": {apiVersion}, "oauth_token": {at}}
		var profile map[string]any
		if _, err := presetFetchJSON(ctx, c, http.MethodGet, endpoint+"?"+q.Encode(), nil, nil, true, &profile); err != nil {
			return nil, err
		}
		return profile, nil
	}
}
