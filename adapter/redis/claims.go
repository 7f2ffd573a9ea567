package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
)

// SetSessionClaims stores the claims of the session sessionToken under
// session-claims:<sessionToken>, replacing any
// ([nextauth.SessionClaimsStore]). The key expires with the session's (and
// is moved with it by UpdateSession) and is deleted with the session. An
// unknown (or evicted) session is [nextauth.ErrNotFound].
func (a *Adapter) SetSessionClaims(ctx context.Context, sessionToken string, claims map[string]any) error {
	b, err := json.Marshal(claims)
	if err != nil {
		return fmt.Errorf("redis: set session claims: %w", err)
	}
	keys := []string{a.sessionPrefix + sessionToken, a.sessionClaimsPrefix + sessionToken}
	return wrap("set session claims", a.runStatus(ctx, a.scripts.setSessionClaims, keys, string(b)))
}

// SessionClaims returns the claims stored for sessionToken; nil when
// there are none.
func (a *Adapter) SessionClaims(ctx context.Context, sessionToken string) (map[string]any, error) {
	s, err := a.client.Get(ctx, a.sessionClaimsPrefix+sessionToken).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("session claims", err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("redis: session claims: %w", err)
	}
	return m, nil
}

var _ nextauth.SessionClaimsStore = (*Adapter)(nil)
