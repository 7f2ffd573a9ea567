//go:build race

package nextauth_test

// raceEnabled reports that the race detector is on (it changes allocation
// counts).
const raceEnabled = true
