package nextauth

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/nextauth-go/nextauth/internal/jsonstr"
)

// User is NextAuth's user: what a provider or adapter says about the person
// signing in. Name, Email and Image are each a value, null or absent
// ([NullString]), as NextAuth has them: an adapter's NULL column is null; a
// profile or an authorize() answer gives null for a JSON null and leaves a
// missing key absent. Null and absent differ only in what reaches the token
// and GET /session (null is written, absent left out).
type User struct {
	ID            string     `json:"id"`
	Name          NullString `json:"name,omitzero"`
	Email         NullString `json:"email,omitzero"`
	Image         NullString `json:"image,omitzero"`
	EmailVerified *time.Time `json:"emailVerified,omitempty"`
	// Claims are the provider's claims beyond the four fields, to be kept
	// in the session token: a static user's claims, the other members of
	// an authorize answer, profile claims the binary's profile: key maps.
	// Protected claims ([ProtectedClaim]) among them are ignored. Adapters
	// neither store nor return them.
	Claims map[string]any `json:"-"`
}

// Account is NextAuth's account: the link between a user and a provider
// (docs/compatibility.md#adapters-and-the-data-model). For credentials it carries only Type, Provider and
// ProviderAccountID.
type Account struct {
	UserID            string `json:"userId,omitempty"`
	Type              string `json:"type"` // "oauth", "oidc", "email" or "credentials"
	Provider          string `json:"provider"`
	ProviderAccountID string `json:"providerAccountId"`
	RefreshToken      string `json:"refresh_token,omitempty"`
	AccessToken       string `json:"access_token,omitempty"`
	ExpiresAt         int64  `json:"expires_at,omitempty"`
	TokenType         string `json:"token_type,omitempty"`
	Scope             string `json:"scope,omitempty"`
	IDToken           string `json:"id_token,omitempty"`
	SessionState      string `json:"session_state,omitempty"`
}

// Session is what GET /session returns and what [Handler.GetSession] gives a
// Go program: `{"user":{"name","email","image"},"expires":"…"}` plus any
// members a [Callbacks.Session] callback adds in Extra.
type Session struct {
	User    *SessionUser
	Expires time.Time
	// Extra holds additional top-level members (e.g. "accessToken"), written
	// after "expires" in key order. "user" and "expires" are ignored here.
	Extra map[string]any
}

// SessionUser is the user part of a [Session]. As in NextAuth, a null field
// is written as null (an e-mail user's name and image: NULL in the adapter,
// null in the token) and an absent one is left out (a claim the token does
// not carry).
type SessionUser struct {
	Name  NullString
	Email NullString
	Image NullString
	// Extra holds additional members of "user" (e.g. "id"), written after
	// "image" in key order.
	Extra map[string]any
}

// isoMillis is the layout of a session's "expires" (JS Date.toISOString).
const isoMillis = "2006-01-02T15:04:05.000Z"

// MarshalJSON writes the session as NextAuth does: "user", "expires", then
// extra members.
func (s *Session) MarshalJSON() ([]byte, error) {
	return s.appendJSON(make([]byte, 0, 256))
}

func (s *Session) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	first := true
	if s.User != nil {
		b = append(b, `"user":`...)
		var err error
		if b, err = s.User.appendJSON(b); err != nil {
			return nil, err
		}
		first = false
	}
	if !s.Expires.IsZero() {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"expires":"`...)
		b = s.Expires.UTC().AppendFormat(b, isoMillis)
		b = append(b, '"')
		first = false
	}
	b, err := appendExtra(b, s.Extra, first, "user", "expires")
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (u *SessionUser) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	first := true
	for _, f := range [...]struct {
		k string
		v NullString
	}{{"name", u.Name}, {"email", u.Email}, {"image", u.Image}} {
		if f.v.IsZero() {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.k...)
		b = append(b, `":`...)
		b = appendNullString(b, f.v)
		first = false
	}
	b, err := appendExtra(b, u.Extra, first, "name", "email", "image")
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendExtra(b []byte, extra map[string]any, first bool, skip ...string) ([]byte, error) {
	if len(extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := marshalJSON(extra[k])
		if err != nil {
			return nil, err
		}
		if !first {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		b = append(b, v...)
		first = false
	}
	return b, nil
}

// UnmarshalJSON reads a session as GET /session returns it.
func (s *Session) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*s = Session{}
	for k, v := range raw {
		switch k {
		case "user":
			if string(v) == "null" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			u := &SessionUser{}
			for uk, uv := range m {
				switch uk {
				case "name":
					u.Name = NullStringOf(uv, true)
				case "email":
					u.Email = NullStringOf(uv, true)
				case "image":
					u.Image = NullStringOf(uv, true)
				default:
					if u.Extra == nil {
						u.Extra = map[string]any{}
					}
					u.Extra[uk] = uv
				}
			}
			s.User = u
		case "expires":
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return err
			}
			t, err := time.Parse(time.RFC3339Nano, str)
			if err != nil {
				return err
			}
			s.Expires = t
		default:
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
			if s.Extra == nil {
				s.Extra = map[string]any{}
			}
			s.Extra[k] = x
		}
	}
	return nil
}

// marshalJSON encodes v like JSON.stringify: no HTML escaping, no trailing
// newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
