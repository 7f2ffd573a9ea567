package redis

import (
	"testing"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/adaptertest"
)

// TestConformance runs the shared adapter suite, each subtest on its own
// key prefix.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) nextauth.Adapter {
		a, _ := newTestAdapter(t, Options{})
		return a
	})
}
