package provider

import (
	"errors"
	"strings"

	"github.com/nextauth-go/nextauth"
)

// EnvPreset is a preset configured through the environment: its id and
// the options read for it.
type EnvPreset struct {
	Preset  string
	Options PresetOptions
}

// PresetEnvVar returns the environment variable that holds option suffix
// of preset id, as Auth.js v5 names them: AUTH_ + the id upper-cased with
// "-" turned into "_" + "_" + suffix. PresetEnvVar("azure-ad", "ID") is
// "AUTH_AZURE_AD_ID".
func PresetEnvVar(id, suffix string) string {
	return "AUTH_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_" + suffix
}

// PresetsFromEnv returns the presets the environment configures, sorted by
// id. A preset is configured when AUTH_<ID>_ID is set; its options are
// read from AUTH_<ID>_ID, AUTH_<ID>_SECRET and AUTH_<ID>_ISSUER (Auth.js
// v5's names), plus AUTH_<ID>_TENANT_ID for the presets with a tenant
// (azure-ad, azure-ad-b2c, fusionauth) and AUTH_AZURE_AD_B2C_PRIMARY_USER_FLOW.
// Nothing is checked here; [FromPreset] reports missing options.
func PresetsFromEnv(getenv func(string) string) []EnvPreset {
	var out []EnvPreset
	for _, p := range presetTable() { // sorted by id
		clientID := getenv(PresetEnvVar(p.id, "ID"))
		if clientID == "" {
			continue
		}
		o := PresetOptions{
			ClientID:     clientID,
			ClientSecret: getenv(PresetEnvVar(p.id, "SECRET")),
			Issuer:       getenv(PresetEnvVar(p.id, "ISSUER")),
		}
		if p.tenant {
			o.TenantID = getenv(PresetEnvVar(p.id, "TENANT_ID"))
		}
		if p.id == "azure-ad-b2c" {
			o.PrimaryUserFlow = getenv(PresetEnvVar(p.id, "PRIMARY_USER_FLOW"))
		}
		out = append(out, EnvPreset{Preset: p.id, Options: o})
	}
	return out
}

// FromEnv builds every preset the environment configures (see
// [PresetsFromEnv]), sorted by id. It reports every misconfigured preset at
// once; a [MissingOptionError] names the variable to set.
func FromEnv(getenv func(string) string) ([]nextauth.Provider, error) {
	var (
		out  []nextauth.Provider
		errs []error
	)
	for _, e := range PresetsFromEnv(getenv) {
		p, err := FromPreset(e.Preset, e.Options)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}
