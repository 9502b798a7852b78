package culex_test

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"culex"
)

// rss is the process's resident memory in bytes, after a full garbage collection.
func rss(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(statm))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// 100,000 messages published (QoS 1, each Token waited on) and received through the broker
// leave the process's memory where it was after the first 10,000: nothing per message stays,
// in Go or in C.
func TestMemoryStaysFlatOverAHundredThousandMessages(t *testing.T) {
	if raceEnabled {
		t.Skip("measured without -race (scripts/test-bindings.sh runs it so): the race detector's own memory grows with the run")
	}
	const warmup, run, window = 10_000, 100_000, 500
	base := topic(t)
	sub := connect(t, culex.Options{})
	received := make(chan struct{}, window)
	if _, err := sub.Subscribe(ctx(t), base, 1, func(_ *culex.Client, m *culex.Message) {
		received <- struct{}{}
	}); err != nil {
		t.Fatal(err)
	}
	pub := connect(t, culex.Options{})
	payload := make([]byte, 64)
	send := func(n int) {
		tokens := make([]*culex.Token, 0, window)
		for sent := 0; sent < n; sent += window {
			tokens = tokens[:0]
			for i := 0; i < window; i++ {
				tok, err := pub.Publish(base, 1, false, payload)
				if err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, tok)
			}
			for _, tok := range tokens {
				if err := tok.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < window; i++ {
				<-received
			}
		}
	}
	send(warmup)
	before := rss(t)
	send(run)
	after := rss(t)
	t.Logf("RSS after %d messages: %.1f MiB, after %d more: %.1f MiB (%+.2f MiB)", warmup,
		float64(before)/(1<<20), run, float64(after)/(1<<20), float64(after-before)/(1<<20))
	if limit := int64(4 << 20); after-before > limit {
		t.Fatalf("RSS grew by %d bytes over %d messages (limit %d)", after-before, run, limit)
	}
}
