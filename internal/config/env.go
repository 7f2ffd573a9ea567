package config

import (
	"fmt"
	"strings"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/provider"
)

// EnvProvider is a preset the environment configures, as Auth.js v5
// names the variables: AUTH_<ID>_ID and AUTH_<ID>_SECRET, plus
// AUTH_<ID>_ISSUER, AUTH_<ID>_TENANT_ID or
// AUTH_AZURE_AD_B2C_PRIMARY_USER_FLOW where the preset takes them
// ([provider.PresetsFromEnv]). <ID> is the preset id upper-cased, "-"
// turned into "_".
type EnvProvider struct {
	// Preset is the preset id, which is also the provider's id.
	Preset string
	// Options are the values read. Nothing shows Options.ClientSecret.
	Options provider.PresetOptions
	// Vars are the variables that are set, e.g. AUTH_GITHUB_ID and
	// AUTH_GITHUB_SECRET.
	Vars []string
}

// envSuffixes are the variable suffixes listed in [EnvProvider.Vars], in
// order.
var envSuffixes = [...]string{envClientID, envClientSecret, envIssuer, envTenantID, envPrimaryUserFlow}

// readEnvProviders lists the presets whose AUTH_<ID>_ID or
// AUTH_<ID>_SECRET is set, sorted by id; those with only a secret have an
// empty ClientID.
func readEnvProviders(env func(string) string) []EnvProvider {
	byID := map[string]provider.PresetOptions{}
	for _, e := range provider.PresetsFromEnv(env) {
		byID[e.Preset] = e.Options
	}
	var out []EnvProvider
	for _, id := range provider.PresetIDs() {
		opts, ok := byID[id]
		if !ok {
			secret := env(provider.PresetEnvVar(id, envClientSecret))
			if secret == "" {
				continue
			}
			opts = provider.PresetOptions{ClientSecret: secret}
		}
		e := EnvProvider{Preset: id, Options: opts}
		for _, s := range envSuffixes {
			if name := provider.PresetEnvVar(id, s); env(name) != "" && (ok || s == envClientSecret) {
				e.Vars = append(e.Vars, name)
			}
		}
		out = append(out, e)
	}
	return out
}

// AutoConfigured returns the presets the environment configures that the
// file does not: those of [File.EnvProviders] whose id is neither the id
// nor the type of a provider in the file. [File.NextAuth] adds them, in
// this order, after the file's providers, and reports the half-configured
// ones (AUTH_<ID>_ID without AUTH_<ID>_SECRET, or the reverse, or without
// a required AUTH_<ID>_ISSUER).
func (f *File) AutoConfigured() []EnvProvider {
	inFile := map[string]bool{}
	for i := range f.Providers {
		inFile[f.Providers[i].ID()] = true
		inFile[f.Providers[i].Type] = true
	}
	var out []EnvProvider
	for _, e := range f.EnvProviders {
		if !inFile[e.Preset] {
			out = append(out, e)
		}
	}
	return out
}

// envProviders checks and builds the auto-configured presets, reporting
// problems under the variables' names. Their ids are free: AutoConfigured
// leaves out those of the file.
func (v *validator) envProviders() []nextauth.Provider {
	var out []nextauth.Provider
	for _, e := range v.f.AutoConfigured() {
		idVar := provider.PresetEnvVar(e.Preset, envClientID)
		report := func(suffix string, format string, args ...any) {
			v.problems = append(v.problems, &Problem{Key: provider.PresetEnvVar(e.Preset, suffix), Err: fmt.Errorf(format, args...)})
		}
		if e.Options.ClientID == "" {
			report(envClientID, "not set, but %s is: set both to add the %s provider, or neither", provider.PresetEnvVar(e.Preset, envClientSecret), e.Preset)
			continue
		}
		before := len(v.problems)
		if iss := e.Options.Issuer; iss != "" {
			if err := checkHTTPURL(iss); err != nil {
				report(envIssuer, "%w", err)
			}
		}
		if len(v.problems) > before {
			continue
		}
		opts := e.Options
		opts.HTTPClient = v.f.HTTPClient
		id := e.Preset
		opts.Configure = func(c *provider.OAuthConfig) { v.built[id] = builtOAuth{Type: id, Config: *c} }
		p, err := provider.FromPreset(e.Preset, opts)
		if err != nil {
			v.presetError(e.Preset, err, func(option string, err error) {
				suffix := optionEnvSuffix(option)
				if suffix == "" {
					report(envClientID, "%w", err)
					return
				}
				if option == "Issuer" && strings.Contains(err.Error(), "tenant_id") {
					report(suffix, "not set, but %s is: the %s preset needs it, or %s and %s", idVar, e.Preset,
						provider.PresetEnvVar(e.Preset, envTenantID), provider.PresetEnvVar(e.Preset, envPrimaryUserFlow))
					return
				}
				report(suffix, "not set, but %s is: the %s preset needs it (unset %s to leave %s out)", idVar, e.Preset, idVar, e.Preset)
			})
			continue
		}
		out = append(out, p)
	}
	return out
}
