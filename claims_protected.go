package nextauth

import (
	"slices"

	"github.com/nextauth-go/nextauth/jwt"
)

// privateClaims are the protected claims that are not shown to hooks (the
// provider tokens, unless asked for, and the credentials marker).
var privateClaims = []string{oauthClaim, claimCredentials}

// OAuthClaim is the claim that carries the provider's tokens under the JWT
// strategy when [Config.RefreshAccessTokens] is on. Hooks never see it
// unless they ask for tokens.
const OAuthClaim = oauthClaim

// PublicClaims is a copy of token without the private protected claims
// (the provider tokens of [OAuthClaim], kept when withTokens is true, and
// the credentials marker): what a hook is shown.
func PublicClaims(token jwt.Claims, withTokens bool) jwt.Claims {
	out := make(jwt.Claims, len(token))
	for k, v := range token {
		if slices.Contains(privateClaims, k) && !(withTokens && k == oauthClaim) {
			continue
		}
		out[k] = v
	}
	return out
}

// MergeClaims applies claims to token: a value sets its claim, a nil value
// (JSON null) removes it. Protected claims ([ProtectedClaim]) are left as
// they are; their names are returned, sorted, so that the caller can
// report them.
func MergeClaims(token jwt.Claims, claims map[string]any) (ignored []string) {
	for k, v := range claims {
		switch {
		case ProtectedClaim(k):
			ignored = append(ignored, k)
		case v == nil:
			delete(token, k)
		default:
			token[k] = v
		}
	}
	slices.Sort(ignored)
	return ignored
}
