package jobs

import (
	"math"

	"github.com/simcrm/simcrm/internal/sim"
)

// ThinningFactor is the share of optional secondary work kept under pressure
// (ARCHITECTURE.md section 7): 1; then ×0.5 when more than 5000 tasks wait, else
// ×0.7 above 2000, else ×0.85 above 1000; ×0.4 more while the breaker is tripped;
// never below 0.2. Thinning is a decision about a real backlog only: a tripped
// breaker without one (a failing target, nothing piling up) thins nothing — the
// work waits for the breaker instead.
func ThinningFactor(breakerTripped bool, waiting int) float64 {
	if waiting <= 1000 {
		return 1
	}
	f := 1.0
	if breakerTripped {
		f *= 0.4
	}
	switch {
	case waiting > 5000:
		f *= 0.5
	case waiting > 2000:
		f *= 0.7
	default:
		f *= 0.85
	}
	return math.Max(f, 0.2)
}

// thinnable reports whether an activity kind is optional secondary work. Tickets
// are CRM records and, like contacts, companies and deals, never thinned.
func thinnable(k sim.Kind) bool {
	switch k {
	case sim.KindNote, sim.KindCall, sim.KindTask, sim.KindMeeting:
		return true
	}
	return false
}

// keepActivity is the seeded keep/skip decision for one activity at a factor:
// the same simulation, record and activity always draw the same number.
func keepActivity(seed int64, record int, k sim.Kind, ordinal int, factor float64) bool {
	if factor >= 1 {
		return true
	}
	h := uint64(seed) ^ 0x9e3779b97f4a7c15
	h = mix(h ^ uint64(record))
	for _, c := range []byte(k) {
		h = mix(h ^ uint64(c))
	}
	h = mix(h ^ uint64(ordinal))
	u := float64(h>>11) / (1 << 53)
	return u < factor
}

// mix is splitmix64's finaliser.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// ThinningEvent is one decision that skipped activities of a record, as stored in
// sim:<id>:thinning:events.
type ThinningEvent struct {
	TS           int64   `json:"ts"` // ms epoch
	RecordIndex  int     `json:"recordIndex"`
	Before       int     `json:"before"` // activities of the record up for scheduling
	After        int     `json:"after"`  // kept
	Factor       float64 `json:"factor"`
	TotalWaiting int     `json:"totalWaiting"`
}
