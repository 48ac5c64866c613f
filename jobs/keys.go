package jobs

import (
	"strconv"

	"github.com/simcrm/simcrm/internal/sim"
)

// Redis keys of a simulation (ARCHITECTURE.md section 8: operators rely on these
// names). A segment id is "seg:<index>", so its meta hash is sim:<id>:seg:<index>.

func simPrefix(id int64) string { return "sim:" + strconv.FormatInt(id, 10) + ":" }

// MetricsKey is the live metrics hash (created, scheduled, processed, per-type
// <type>s_scheduled / _created / _thinned / _failed, thinned, failures).
func MetricsKey(id int64) string { return simPrefix(id) + "metrics" }

// SegmentsKey is the sorted set of segment ids scored by start (ms epoch).
func SegmentsKey(id int64) string { return simPrefix(id) + "segments" }

// SegmentID names segment k in the segment index.
func SegmentID(k int) string { return "seg:" + strconv.Itoa(k) }

// SegmentKey is segment k's meta hash: start, end (ms epoch), first, last (record
// indices, inclusive; last < first when empty) and state.
func SegmentKey(id int64, k int) string { return simPrefix(id) + SegmentID(k) }

// ExpandedKey is present once segment k was expanded into queued work.
func ExpandedKey(id int64, k int) string { return SegmentKey(id, k) + ":expanded" }

// DLQCountsKey tallies a simulation's DLQ rows per failure category.
func DLQCountsKey(id int64) string { return simPrefix(id) + "dlq:counts" }

// DLQSamplesKey holds recent failed payload snapshots (JSON), newest first.
func DLQSamplesKey(id int64) string { return simPrefix(id) + "dlq:samples" }

// ThinningEventsKey holds recent thinning decisions (JSON), newest first.
func ThinningEventsKey(id int64) string { return simPrefix(id) + "thinning:events" }

// ActivityMarkerKey marks an activity as queued, against a second enqueue; the
// value is the id of the task that carries it.
func ActivityMarkerKey(id int64, record int, k sim.Kind, ordinal int) string {
	return simPrefix(id) + "act:" + strconv.Itoa(record) + ":" + string(k) + ":" + strconv.Itoa(ordinal)
}

// TimestampsKey caches the timestamp plan: window, record count and the first
// record index of every segment (JSON).
func TimestampsKey(id int64) string { return simPrefix(id) + "timestamps" }

// Metric fields beyond the per-type ones of sim.MetricKey.
const (
	fieldCreated    = "created"
	fieldScheduled  = "scheduled"
	fieldProcessed  = "processed"
	fieldThinned    = "thinned"
	fieldFailures   = "failures"
	fieldBlocked    = "blocked"
	fieldThroughput = "throughput"
	// fieldSince (ms epoch) is written when the hash is made whole (start, or a
	// rebuild from the database): a hash without it was recreated by a stray
	// HINCRBY after a flush and holds only part of the counts.
	fieldSince = "since"

	eventThinned = "thinned"
	eventFailed  = "failed"
)
