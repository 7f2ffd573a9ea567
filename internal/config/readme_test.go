package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEConfigParses reads the README's configuration example (its
// first YAML block) as the binary would: a key given twice, an unknown key
// or a value of the wrong type fails here.
func TestREADMEConfigParses(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	if !ok {
		t.Fatal("README.md has no ```yaml block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md: the yaml block does not end")
	}
	env := mapEnv(map[string]string{"NEXTAUTH_SECRET": "s"})
	if _, err := Parse("README.md", []byte(block), env); err != nil {
		t.Fatalf("the README's configuration example: %v", err)
	}
}
