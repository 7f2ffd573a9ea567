//go:build !race

package soak

// raceEnabled reports that this test binary has the race detector; the
// server binary is then built with it too.
const raceEnabled = false
