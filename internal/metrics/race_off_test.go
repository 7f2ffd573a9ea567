//go:build !race

package metrics

// raceEnabled reports that the race detector is on (it changes allocation
// counts).
const raceEnabled = false
