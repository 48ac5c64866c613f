package jobs

import (
	"sync"

	"github.com/simcrm/simcrm/internal/sim"
)

// exactField reports whether a metrics field is counted exactly from the
// database (ledger, DLQ, skips) by dbMetrics: per-type and total created,
// failed and thinned objects. Every other field is a running counter: Redis gets
// it at once and the database with the next flush, so after a flush or a
// failover either side may lack some of it and the larger one is right.
func exactField(name string) bool {
	switch name {
	case fieldCreated, fieldFailures, fieldBlocked, fieldThinned:
		return true
	}
	_, event, ok := sim.ParseMetricKey(name)
	return ok && (event == sim.EventCreated || event == eventFailed || event == eventThinned)
}

// mergeCounters raises the counter fields of fields to the database's counters
// where those are ahead: deltas another process flushed to the database after a
// flush or a failover took them from Redis.
func mergeCounters(fields, db map[string]int64) {
	for k, v := range db {
		if !exactField(k) && v > fields[k] {
			fields[k] = v
		}
	}
}

// floors remember the progress this process last showed of each running
// simulation, so that what a viewer sees never goes backwards while Redis is
// rebuilt from the database (whose counters lag Redis by one flush period) or
// reads from a Redis replica that had not got the last increments. Created,
// scheduled and processed counts and the percentage only grow; failed and
// thinned may fall, and only because those objects were created after all (a
// replay), which the created count shows.
type floors struct {
	mu   sync.Mutex
	seen map[int64]floor
}

type floor struct {
	created, scheduled map[string]int64
	processed          int64
	percent            float64
}

// hold raises m to what was shown of its simulation before and remembers the
// result; a finished simulation's entry is dropped, its figures being final.
func (f *floors) hold(id int64, m *Metrics, finished bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[int64]floor{}
	}
	if prev, ok := f.seen[id]; ok {
		for p, v := range prev.created {
			m.Created[p] = max(m.Created[p], v)
		}
		for p, v := range prev.scheduled {
			m.Scheduled[p] = max(m.Scheduled[p], v)
		}
		m.Processed = max(m.Processed, prev.processed)
		m.PercentComplete = max(m.PercentComplete, prev.percent)
	}
	if finished {
		delete(f.seen, id)
		return
	}
	now := floor{created: map[string]int64{}, scheduled: map[string]int64{}, processed: m.Processed, percent: m.PercentComplete}
	for p, v := range m.Created {
		now.created[p] = v
	}
	for p, v := range m.Scheduled {
		now.scheduled[p] = v
	}
	f.seen[id] = now
}
