package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestConformance runs the shared adapter suite, each subtest on a fresh
// database file opened like the server binary opens it.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter {
		return openTestAdapter(t, filepath.Join(t.TempDir(), "nextauth.db"))
	})
}

// TestConformanceShared runs the suite again on one database shared by all
// subtests, as a long-running server uses it.
func TestConformanceShared(t *testing.T) {
	a := openTestAdapter(t, filepath.Join(t.TempDir(), "nextauth.db"))
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter { return a })
}

// openTestAdapter opens and migrates the database at path with
// [OpenAdapter], closing it when the test ends.
func openTestAdapter(t testing.TB, path string) *Adapter {
	t.Helper()
	a, err := OpenAdapter(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenAdapter(%q) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return a
}
