package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// simRun is what the handlers need about one simulation: its row (the status
// refreshed at most every statusTTL), its plan and its target.
type simRun struct {
	sim      storage.Simulation
	loadedAt time.Time
	spec     *sim.Spec
	pace     sim.Pace
	target   *target
	dates    bool // backfills send planned dates (the connection's setting; always for the sandbox)
}

// statusTTL bounds how stale a handler's view of a simulation's status may be
// (pause and abort take effect within it).
const statusTTL = time.Second

// startedAt anchors run time for realtime and accelerated pace.
func (r *simRun) startedAt() time.Time {
	if r.sim.StartedAt != nil {
		return *r.sim.StartedAt
	}
	return r.sim.CreatedAt
}

// runAt is when the engine acts on a simulated instant.
func (r *simRun) runAt(t time.Time) time.Time {
	return r.pace.RunAt(t, r.sim.StartAt, r.startedAt())
}

// runOf returns the cached plan of a simulation with a fresh enough status.
func (e *core) runOf(ctx context.Context, id int64) (*simRun, error) {
	e.mu.Lock()
	r := e.runs[id]
	e.mu.Unlock()
	now := time.Now()
	if r != nil && now.Sub(r.loadedAt) < statusTTL {
		return r, nil
	}
	s, err := e.store.Simulation(ctx, id)
	if err != nil {
		return nil, err
	}
	if r != nil {
		fresh := *r
		fresh.sim, fresh.loadedAt = s, now
		e.mu.Lock()
		e.runs[id] = &fresh
		e.mu.Unlock()
		return &fresh, nil
	}
	spec, err := e.specOf(ctx, s)
	if err != nil {
		return nil, err
	}
	tg, err := e.targetOf(ctx, s)
	if err != nil {
		return nil, err
	}
	dates := true
	if s.TargetKind == storage.TargetHubSpot && s.ConnectionID != nil {
		c, err := e.store.Connection(ctx, *s.ConnectionID)
		if err != nil {
			return nil, fmt.Errorf("jobs: simulation %d connection: %w", s.ID, err)
		}
		dates = c.HistoricalDates
		if s.Pipeline != "" && s.Pipeline != sim.DefaultPipeline().ID {
			// Deals walk the portal's own stages of the chosen pipeline.
			if spec.Pipeline, err = tg.pipelineOf(ctx, s.Pipeline); err != nil {
				return nil, err
			}
		}
	}
	r = &simRun{sim: s, loadedAt: now, spec: spec, pace: paceOf(s), target: tg, dates: dates}
	e.mu.Lock()
	e.runs[id] = r
	e.mu.Unlock()
	return r, nil
}

// forgetRun drops a simulation from the cache (it finished).
func (e *core) forgetRun(id int64) {
	e.mu.Lock()
	delete(e.runs, id)
	e.mu.Unlock()
}

// expire makes the next runOf() read the simulation's row again.
func (e *core) expire(id int64) {
	e.mu.Lock()
	if r := e.runs[id]; r != nil {
		fresh := *r
		fresh.loadedAt = time.Time{}
		e.runs[id] = &fresh
	}
	e.mu.Unlock()
}

// watch adds a simulation to those whose Redis state the engine watches for a flush.
func (e *core) watch(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.running {
		if x == id {
			return
		}
	}
	e.running = append(e.running, id)
}
