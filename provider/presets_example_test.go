package provider_test

import (
	"fmt"

	"github.com/nextauth-go/nextauth/provider"
)

func ExamplePreset() {
	p, _ := provider.Preset("keycloak")
	scope, _ := p.Scope()
	fmt.Println(p.Name, p.Kind, p.WellKnown)
	fmt.Println(scope, p.Checks, p.Required)
	// Output:
	// Keycloak oidc {issuer}/.well-known/openid-configuration
	// openid email profile [pkce state] [ClientID ClientSecret Issuer]
}

func ExampleFromEnv() {
	env := map[string]string{
		"AUTH_GITHUB_ID":       "Iv1.0123456789abcdef",
		"AUTH_GITHUB_SECRET":   "secret",
		"AUTH_KEYCLOAK_ID":     "nextauth",
		"AUTH_KEYCLOAK_SECRET": "secret",
	}
	providers, err := provider.FromEnv(func(k string) string { return env[k] })
	fmt.Println(len(providers), providers[0].Info().ID)
	fmt.Println(err)
	// Output:
	// 1 github
	// provider: preset keycloak: Issuer is required (env AUTH_KEYCLOAK_ISSUER)
}
