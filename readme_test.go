package nextauth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEExampleCompiles type-checks the README's library example (its
// first Go block, a whole program), so that the example cannot drift from
// the API.
func TestREADMEExampleCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```go\npackage main\n")
	if !ok {
		t.Fatal("README.md has no ```go block starting with package main")
	}
	src, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatal("README.md: the example's code block does not end")
	}
	file := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(file, []byte("package main\n"+src+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.Command(goCmd, "vet", file).CombinedOutput()
	if err != nil {
		t.Fatalf("go vet of the README example: %v\n%s", err, out)
	}
}
