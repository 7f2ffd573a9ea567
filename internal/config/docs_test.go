package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/nextauth-go/nextauth/provider"
)

const docsPath = "../../docs/configuration.md"

// yamlBlocks returns the ```yaml blocks of a Markdown text, with the line
// each starts on.
func yamlBlocks(doc string) (blocks []string, lines []int) {
	var cur *strings.Builder
	for i, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```yaml":
			cur = &strings.Builder{}
			lines = append(lines, i+2)
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return blocks, lines
}

// TestDocsExamples checks that every YAML example of
// docs/configuration.md decodes: no unknown key, no value of the wrong
// kind. (Placeholders such as "$2a$10$..." may still fail the checks of
// File.NextAuth.)
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	blocks, lines := yamlBlocks(string(doc))
	if len(blocks) < 8 {
		t.Fatalf("found %d YAML examples in %s, want them all", len(blocks), docsPath)
	}
	for i, block := range blocks {
		if _, err := Parse("example", []byte(block), nil); err != nil {
			t.Errorf("%s:%d: example does not decode:\n%s\n%v", docsPath, lines[i], block, err)
		}
	}
}

// TestDocsListEverything checks that docs/configuration.md has a section
// for every top-level key and names every preset and every key of the
// nested types.
func TestDocsListEverything(t *testing.T) {
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, id := range provider.PresetIDs() {
		if !strings.Contains(doc, "| `"+id+"` |") {
			t.Errorf("%s has no row for the preset %s", docsPath, id)
		}
	}
	top, _ := structKeys(reflect.TypeOf(File{}))
	for _, key := range top {
		if !strings.Contains(doc, "\n### `"+key+"`\n") {
			t.Errorf("%s has no section ### `%s`", docsPath, key)
		}
	}
	for _, v := range []any{Credentials{}, OAuth{}, OIDC{}, Preset{}, Style{}, ProfileMap{}, RateLimit{}, Lockout{}, Admin{}, DatabaseOptions{}, Hooks{}, Hook{}} {
		names, _ := structKeys(reflect.TypeOf(v))
		for _, key := range names {
			if !strings.Contains(doc, "`"+key+"`") {
				t.Errorf("%s does not document the key %s of %T", docsPath, key, v)
			}
		}
	}
}
