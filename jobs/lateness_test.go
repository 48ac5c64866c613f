package jobs

import (
	"testing"
	"time"
)

func TestLatenessHistogram(t *testing.T) {
	d := map[string]int64{}
	for i := 0; i < 98; i++ {
		addLateness(d, 120*time.Millisecond, 1) // bucket ≤ 200 ms
	}
	addLateness(d, 1800*time.Millisecond, 1) // ≤ 2000 ms
	addLateness(d, -3*time.Second, 1)        // early
	l := latenessOf(d)
	if l.Measured != 100 || l.Early != 1 {
		t.Fatalf("want 100 measured, 1 early, got %+v", l)
	}
	if l.P50 != 200*time.Millisecond || l.P99 != 200*time.Millisecond {
		t.Errorf("p50/p99: want 200 ms / 200 ms, got %v / %v", l.P50, l.P99)
	}
	addLateness(d, 90*time.Second, 2) // past the last bound
	if l = latenessOf(d); l.P99 != 60*time.Second || l.Measured != 102 {
		t.Errorf("p99 with slow objects: want 60 s, got %+v", l)
	}
	if l := latenessOf(map[string]int64{}); l.Measured != 0 || l.P99 != 0 {
		t.Errorf("empty: got %+v", l)
	}
}
