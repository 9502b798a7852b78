//go:build !race

package culex_test

const raceEnabled = false
