//go:build race

package culex_test

// raceEnabled: built with -race, whose detector keeps memory of its own as the test runs.
const raceEnabled = true
