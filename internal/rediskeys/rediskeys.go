// Package rediskeys names every Redis key SimCRM writes outside asynq's own. The
// names are a contract: operators read them with redis-cli (HGETALL
// sim:<id>:metrics, LRANGE sim:<id>:dlq:samples 0 5, ZCARD sim:<id>:segments), so
// they change only together with the table in README.md and this package's test.
package rediskeys

import "strconv"

// Keys of one simulation: sim:<id>:…

func simPrefix(id int64) string { return "sim:" + strconv.FormatInt(id, 10) + ":" }

// Metrics is the live metrics hash (created, scheduled, processed, per-type
// <type>s_scheduled / _created / _thinned / _failed, thinned, failures, since).
func Metrics(id int64) string { return simPrefix(id) + "metrics" }

// Segments is the sorted set of segment ids scored by start (ms epoch).
func Segments(id int64) string { return simPrefix(id) + "segments" }

// SegmentID names segment k in the segment index.
func SegmentID(k int) string { return "seg:" + strconv.Itoa(k) }

// Segment is segment k's meta hash: start, end (ms epoch), first, last (record
// indices, inclusive; last < first when empty) and state.
func Segment(id int64, k int) string { return simPrefix(id) + SegmentID(k) }

// Expanded is present once segment k was expanded into queued work.
func Expanded(id int64, k int) string { return Segment(id, k) + ":expanded" }

// DLQCounts tallies a simulation's DLQ rows per failure category.
func DLQCounts(id int64) string { return simPrefix(id) + "dlq:counts" }

// DLQSamples holds recent failed payload snapshots (JSON), newest first.
func DLQSamples(id int64) string { return simPrefix(id) + "dlq:samples" }

// ThinningEvents holds recent thinning decisions (JSON), newest first.
func ThinningEvents(id int64) string { return simPrefix(id) + "thinning:events" }

// ActivityMarker marks an activity (object type kind, e.g. "note") of a record
// as queued, against a second enqueue; the value is the id of the task that
// carries it.
func ActivityMarker(id int64, record int, kind string, ordinal int) string {
	return simPrefix(id) + "act:" + strconv.Itoa(record) + ":" + kind + ":" + strconv.Itoa(ordinal)
}

// Timestamps caches the timestamp plan: window, record count and the first record
// index of every segment (JSON).
func Timestamps(id int64) string { return simPrefix(id) + "timestamps" }

// Keys shared by every simulation and replica: the rate limiters and the breaker.

// Bucket holds the remaining tokens of an object type's bucket (e.g. contact).
func Bucket(objectType string) string { return "ratelimit:bucket:" + objectType }

// BucketClock is the refill clock of that bucket (ms epoch).
func BucketClock(objectType string) string { return Bucket(objectType) + ":ts" }

// Cooldown holds the ms epoch before which no call may go to HubSpot (set by a 429).
const Cooldown = "ratelimit:hubspot:cooldown_until"

// Window is a connection's sliding-window log: call times scored by ms epoch.
func Window(conn string) string { return "ratelimit:hubspot:" + conn + ":window" }

// Daily is a connection's daily cap hash: used, reset_at (ms epoch), cap.
func Daily(conn string) string { return "ratelimit:hubspot:" + conn + ":daily" }

// Cap is a connection's lower burst learnt from response headers: max, until.
func Cap(conn string) string { return "ratelimit:hubspot:" + conn + ":cap" }

// Circuit breaker keys.
const (
	// TrippedUntil holds the ms epoch before which the breaker is open (half-open
	// after it).
	TrippedUntil = "circuit:hubspot:tripped_until"
	// Failures holds failure times scored by ms epoch.
	Failures = "circuit:hubspot:failures"
	// Probe holds the ms epoch until which the half-open probe is held.
	Probe = "circuit:hubspot:probe"
)

// Worker processes and their jobs (internal to no simulation).
const (
	// Workers is the sorted set of worker process ids (host:pid:random) scored by
	// their last heartbeat (ms epoch).
	Workers = "workers:heartbeats"
	// jobDurationsPrefix starts every job-duration histogram key.
	jobDurationsPrefix = "metrics:jobs:"
)

// JobDurations is the histogram hash of one task type and outcome (ok, throttled,
// error): a count per bucket ("le:<seconds>", not cumulative), "count" and "sum_us".
func JobDurations(taskType, outcome string) string {
	return jobDurationsPrefix + taskType + ":" + outcome
}

// JobDurationsPattern matches every JobDurations key (SCAN MATCH).
const JobDurationsPattern = jobDurationsPrefix + "*"

// SimulationMatch is the SCAN pattern of every key of one simulation, sim:<id>:*
// (deleting a simulation removes them all).
func SimulationMatch(id int64) string { return simPrefix(id) + "*" }
