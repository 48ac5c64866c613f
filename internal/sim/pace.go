package sim

import (
	"strconv"
	"time"
)

// PaceMode says how simulated time maps onto run time.
type PaceMode string

const (
	Realtime    PaceMode = "realtime"    // run each action at its simulated instant
	Accelerated PaceMode = "accelerated" // simulated time runs Factor times faster from the start of the run
	Backfill    PaceMode = "backfill"    // run everything as soon as possible; timestamps stay historical
)

// MaxAcceleration bounds Pace.Factor.
const MaxAcceleration = 100_000

// Pace is a simulation's speed.
type Pace struct {
	Mode   PaceMode
	Factor float64 // accelerated only: 1 < Factor ≤ MaxAcceleration
}

// Validate checks the mode and factor; errors name the field (pace, factor).
func (p Pace) Validate() error {
	switch p.Mode {
	case Realtime, Backfill:
		if p.Factor != 0 && p.Factor != 1 {
			return invalid("factor", ErrPace, "only accelerated pace takes a factor")
		}
	case Accelerated:
		if !(p.Factor > 1 && p.Factor <= MaxAcceleration) {
			return invalid("factor", ErrPace, "must be above 1 and at most "+strconv.Itoa(MaxAcceleration)+", got "+fmtNum(p.Factor))
		}
	default:
		return invalid("pace", ErrPace, "unknown mode "+strconv.Quote(string(p.Mode)))
	}
	return nil
}

// RunAt maps a simulated instant to the moment the engine should act:
// realtime → the same instant; accelerated → startedAt + (sim − windowStart)/Factor;
// backfill → startedAt (as soon as possible). Because delays are part of
// an activity's simulated time, RunAt(activity.At) already scales them.
func (p Pace) RunAt(sim, windowStart, startedAt time.Time) time.Time {
	switch p.Mode {
	case Accelerated:
		return startedAt.Add(time.Duration(float64(sim.Sub(windowStart)) / p.Factor))
	case Backfill:
		return startedAt
	default:
		return sim
	}
}

// RunDelay scales a simulated delay to run time: unchanged in real time,
// divided by Factor when accelerated, zero in backfill.
func (p Pace) RunDelay(d time.Duration) time.Duration {
	switch p.Mode {
	case Accelerated:
		return time.Duration(float64(d) / p.Factor)
	case Backfill:
		return 0
	default:
		return d
	}
}

// SimAt is the inverse of RunAt for realtime and accelerated pace: the
// simulated instant the engine reaches at run time run. In backfill every
// simulated instant is due at once, so it returns the far future.
func (p Pace) SimAt(run, windowStart, startedAt time.Time) time.Time {
	switch p.Mode {
	case Accelerated:
		return windowStart.Add(time.Duration(float64(run.Sub(startedAt)) * p.Factor))
	case Backfill:
		return time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)
	default:
		return run
	}
}
