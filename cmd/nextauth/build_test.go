package main

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestStaticBuild builds the binary as a release would, without cgo and
// with -trimpath, and runs --version, which shows the -X version.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: not in -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "nextauth")
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-X main.version=v9.9.9-test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build -trimpath: %v\n%s", err, out)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings CGO_ENABLED=%q -trimpath=%q, want 0 and true", settings["CGO_ENABLED"], settings["-trimpath"])
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || string(out) != "nextauth v9.9.9-test\n" {
		t.Errorf("nextauth --version = %q, %v, want %q", out, err, "nextauth v9.9.9-test\n")
	}
}
