package jobs

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
