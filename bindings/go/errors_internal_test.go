package culex

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The Go names of the error codes are the C headers' own, value for value.
func TestErrnoNamesMatchTheHeaders(t *testing.T) {
	inHeaders := map[Errno]string{}
	pattern := regexp.MustCompile(`(?m)^\s*((?:MOSQ|CULEX)_ERR_[A-Z0-9_]+) = (-?\d+),`)
	for _, header := range []string{"../../include/mosquitto.h", "../../include/culex.h"} {
		text, err := os.ReadFile(header)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(text), -1) {
			code, _ := strconv.Atoi(m[2])
			// 0 is success and the negative codes are internal to a broker.
			if code > 0 {
				inHeaders[Errno(code)] = m[1]
			}
		}
	}
	if len(inHeaders) < 30 {
		t.Fatalf("found only %d codes in the headers", len(inHeaders))
	}
	for code, name := range inHeaders {
		if errnoNames[code] != name {
			t.Errorf("%d: the headers say %s, Go says %q", code, name, errnoNames[code])
		}
	}
	for code, name := range errnoNames {
		if inHeaders[code] != name {
			t.Errorf("%d: Go says %s, the headers %q", code, name, inHeaders[code])
		}
	}
}
