package rediskeys

import (
	"os"
	"strings"
	"testing"
)

// contract is the operator's table (README, "Redis keys"): each pattern with the
// key its builder makes for simulation 42, segment 3, record 7, the note type,
// ordinal 2 and connection 9.
var contract = []struct {
	pattern, got string
}{
	{"sim:<id>:metrics", Metrics(42)},
	{"sim:<id>:segments", Segments(42)},
	{"sim:<id>:<segmentId>", Segment(42, 3)},
	{"sim:<id>:<segmentId>:expanded", Expanded(42, 3)},
	{"sim:<id>:dlq:counts", DLQCounts(42)},
	{"sim:<id>:dlq:samples", DLQSamples(42)},
	{"sim:<id>:thinning:events", ThinningEvents(42)},
	{"ratelimit:bucket:<type>", Bucket("note")},
	{"ratelimit:bucket:<type>:ts", BucketClock("note")},
	{"ratelimit:hubspot:cooldown_until", Cooldown},
	{"ratelimit:hubspot:<conn>:window", Window("9")},
	{"ratelimit:hubspot:<conn>:daily", Daily("9")},
	{"ratelimit:hubspot:<conn>:cap", Cap("9")},
	{"circuit:hubspot:tripped_until", TrippedUntil},
	{"circuit:hubspot:failures", Failures},
	{"circuit:hubspot:probe", Probe},
	{"sim:<id>:act:<recordId>:<type>:<ordinal>", ActivityMarker(42, 7, "note", 2)},
	{"sim:<id>:timestamps", Timestamps(42)},
	{"workers:heartbeats", Workers},
	{"metrics:jobs:<taskType>:<outcome>", JobDurations("simulation:records", "ok")},
}

func TestKeysFollowTheOperatorTable(t *testing.T) {
	fill := strings.NewReplacer("<id>", "42", "<segmentId>", "seg:3", "<recordId>", "7", "<type>", "note",
		"<ordinal>", "2", "<conn>", "9",
		"<taskType>", "simulation:records", "<outcome>", "ok")
	seen := map[string]bool{}
	for _, c := range contract {
		if want := fill.Replace(c.pattern); c.got != want {
			t.Errorf("%s: builder makes %q, want %q", c.pattern, c.got, want)
		}
		if seen[c.got] {
			t.Errorf("%s: %q is made by two builders", c.pattern, c.got)
		}
		seen[c.got] = true
	}
	if SegmentID(3) != "seg:3" {
		t.Errorf("SegmentID(3) = %q, want seg:3", SegmentID(3))
	}
}

// TestREADMEListsEveryKey keeps README's key table and the builders in step.
func TestREADMEListsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `"); ok {
			if k, _, ok := strings.Cut(rest, "`"); ok && (strings.HasPrefix(k, "sim:") || strings.HasPrefix(k, "ratelimit:") ||
				strings.HasPrefix(k, "circuit:") || strings.HasPrefix(k, "workers:") || strings.HasPrefix(k, "metrics:")) {
				documented[k] = true
			}
		}
	}
	for _, c := range contract {
		if !documented[c.pattern] {
			t.Errorf("README's Redis key table lacks %s", c.pattern)
		}
		delete(documented, c.pattern)
	}
	for k := range documented {
		t.Errorf("README documents %s, which no builder makes", k)
	}
}
