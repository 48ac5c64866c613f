package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/simcrm/simcrm/storage"
)

// SimulationInput is a simulation as the form or the API describes it, already
// parsed into Go values by the web side (which reports unparsable text itself).
type SimulationInput struct {
	Name         string
	Scenario     string
	Distribution string
	Start, End   time.Time
	TimeZone     string    // IANA name; "" = UTC
	TotalRecords int       // as requested; the scenario's multiplier gives the effective total
	PaceMode     string    // realtime | accelerated | backfill
	PaceFactor   float64   // accelerated only
	Target       string    // "sandbox" or a HubSpot connection id in decimal
	Seed         *int64    // nil = random
	HourWeights  []float64 // custom distribution: 24 weights
	Pipeline     string    // HubSpot targets only
	OwnerIDs     []string  // HubSpot targets only
}

// FieldErrors maps an input field to the message shown beside it. Field names are
// the API's: name, scenario, distribution, startTime, endTime, timeZone,
// totalRecords, pace, paceFactor, target, seed, hourWeights, pipeline, ownerIds.
type FieldErrors map[string]string

// Preview is what the new-simulation form shows while the user types.
type Preview struct {
	EffectiveTotal int
	Bins           []PreviewBin   // expected records per bin across the window
	Totals         map[string]int // expected objects per type (plural names: contacts, notes, …)
	Warnings       []string       // e.g. "the notes budget cuts 1,200 planned notes"
}

// PreviewBin is one bar of the planned curve.
type PreviewBin struct {
	Start time.Time
	Count float64
}

// Metrics is a simulation's progress, from Redis when it is up, from the database
// otherwise (Source says which).
type Metrics struct {
	Source          string // "redis" or "db"
	Status          string
	StatusReason    string
	EffectiveTotal  int
	Created         map[string]int64 // per plural type: contacts, companies, deals, tickets, notes, calls, tasks, meetings
	Scheduled       map[string]int64
	Failed          map[string]int64
	Thinned         map[string]int64
	Processed       int64   // records whose journey is done or accounted for
	PercentComplete float64 // 0..100, against the effective total and its activities
	Throughput      []int64 // objects created per interval, oldest first, for the sparkline
}

// SegmentView is one simulated hour of a simulation's plan.
type SegmentView struct {
	Index      int
	Start, End time.Time
	FirstIndex int    // first record index (inclusive)
	EndIndex   int    // one past the last record index
	State      string // planned | expanded | done
}

// ErrNotFound is returned for a simulation that does not exist.
var ErrNotFound = storage.ErrNotFound

// errNotBuilt marks engine operations not wired yet.
var errNotBuilt = errors.New("jobs: engine not built yet")

// Engine runs simulations: it validates and stores them, plans their segments,
// queues their work and reports their progress.
type Engine struct {
	store *storage.Store
	redis *storage.Redis
}

// Create validates and stores a new simulation in state queued for a user.
func (e *Engine) Create(ctx context.Context, userID int64, in SimulationInput) (storage.Simulation, FieldErrors, error) {
	return storage.Simulation{}, nil, errNotBuilt
}

// Preview plans the curve and the expected totals without storing anything.
func (e *Engine) Preview(in SimulationInput) (Preview, FieldErrors) {
	return Preview{}, FieldErrors{"": errNotBuilt.Error()}
}

// Start moves a queued simulation to running and queues its first segments.
func (e *Engine) Start(ctx context.Context, id int64) (storage.Simulation, error) {
	return storage.Simulation{}, errNotBuilt
}

// Pause stops a running simulation from taking new work; queued work waits.
func (e *Engine) Pause(ctx context.Context, id int64) (storage.Simulation, error) {
	return storage.Simulation{}, errNotBuilt
}

// Resume continues a paused simulation.
func (e *Engine) Resume(ctx context.Context, id int64) (storage.Simulation, error) {
	return storage.Simulation{}, errNotBuilt
}

// Abort ends a simulation; purge also deletes its queued work.
func (e *Engine) Abort(ctx context.Context, id int64, purge bool) (storage.Simulation, error) {
	return storage.Simulation{}, errNotBuilt
}

// Metrics reports a simulation's progress.
func (e *Engine) Metrics(ctx context.Context, id int64) (Metrics, error) {
	return Metrics{}, errNotBuilt
}

// Segments lists a simulation's segments and where they came from ("redis"/"db").
func (e *Engine) Segments(ctx context.Context, id int64) ([]SegmentView, string, error) {
	return nil, "", errNotBuilt
}
