package jobs

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
)

// Lifecycle validates, stores, previews, starts, pauses, resumes and aborts
// simulations.
type Lifecycle struct{ *core }

// validated is a simulation input that passed every check.
type validated struct {
	sim      storage.Simulation
	scenario sim.Scenario
	planner  *sim.Planner
}

// fieldOf maps a sim.ValidationError's field to the API's field name.
var fieldOf = map[string]string{
	"distribution": "distribution",
	"end":          "endTime",
	"window":       "distribution",
	"count":        "totalRecords",
	"weights":      "hourWeights",
	"pace":         "pace",
	"factor":       "paceFactor",
	"scenario":     "scenario",
}

// validate checks an input the way Create does: the rules of package siminput,
// then the target (userID 0, for Preview, skips the checks that need it) and the
// plan, made with the scenario's latest override version.
func (e *Lifecycle) validate(ctx context.Context, userID int64, in siminput.Input) (validated, siminput.FieldErrors) {
	fe := in.Check()
	v := validated{sim: simulationOf(userID, in)}
	s := &v.sim
	sc, err := sim.ScenarioByName(in.Scenario)
	if err == nil {
		if version, err := e.store.LatestScenarioVersion(ctx, sc.Name); err == nil && version > 0 {
			if over, err := e.scenarioOf(ctx, sc.Name, version); err == nil {
				sc, s.ScenarioVersion = over, version
			}
		}
		if fe["totalRecords"] == "" {
			s.EffectiveTotal = sim.EffectiveTotal(in.TotalRecords, sc)
		}
	}
	v.scenario = sc
	e.validateTarget(ctx, userID, in, s, fe)
	if len(fe) == 0 {
		v.planner, err = planOf(in, *s)
		if err != nil {
			var ve *sim.ValidationError
			field := "distribution"
			if errors.As(err, &ve) && fieldOf[ve.Field] != "" {
				field = fieldOf[ve.Field]
			}
			fe[field] = planMessage(err)
		}
	}
	return v, fe
}

// simulationOf is the row an input describes, before the scenario version and the
// effective total are known; without a seed it draws one.
func simulationOf(userID int64, in siminput.Input) storage.Simulation {
	s := storage.Simulation{UserID: userID, Name: strings.TrimSpace(in.Name), Scenario: in.Scenario, Distribution: in.Distribution,
		StartAt: in.Start.UTC(), EndAt: in.End.UTC(), TimeZone: in.TimeZone, TotalRecords: in.TotalRecords,
		Pipeline: strings.TrimSpace(in.Pipeline)}
	if s.TimeZone == "" {
		s.TimeZone = "UTC"
	}
	if in.Distribution == string(sim.Custom) {
		s.HourWeights = append([]float64(nil), in.HourWeights...)
	}
	pace := in.Pace()
	s.PaceMode, s.PaceFactor = string(pace.Mode), pace.Factor
	if in.Seed != nil {
		s.Seed = *in.Seed
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		s.Seed = int64(binary.LittleEndian.Uint64(b[:]) & math.MaxInt64)
	}
	for _, o := range in.OwnerIDs {
		if o = strings.TrimSpace(o); o != "" {
			s.OwnerIDs = append(s.OwnerIDs, o)
		}
	}
	return s
}

// planOf plans a checked input's records across its window.
func planOf(in siminput.Input, s storage.Simulation) (*sim.Planner, error) {
	loc, _ := in.Location()
	return sim.NewPlanner(sim.PlanInput{Distribution: sim.Distribution(in.Distribution), Start: s.StartAt, End: s.EndAt,
		Count: s.EffectiveTotal, Seed: s.Seed, Location: loc, Weights: s.HourWeights})
}

// planMessage words a planner error for a form.
func planMessage(err error) string {
	switch {
	case errors.Is(err, sim.ErrNoBusinessHours):
		return "The window contains no business hour (Monday–Friday 09:00–17:00 in its time zone)."
	case errors.Is(err, sim.ErrCustomWeights):
		return "A custom curve needs 24 non-negative hour weights with at least one above zero."
	case errors.Is(err, sim.ErrEmptyWindow):
		return "Every hour of the window has weight 0: no record could be placed."
	}
	var ve *sim.ValidationError
	if errors.As(err, &ve) {
		msg := ve.Err.Error()
		if ve.Reason != "" {
			msg += " (" + ve.Reason + ")"
		}
		return strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return err.Error()
}

// validateTarget checks the target: the sandbox, or a connection of the user's
// whose token can be opened. The target's form is checked already (siminput).
// Nothing calls the target here: whether it answers is for the run to find out
// (its failures go to the DLQ), so a target that fails on purpose, such as the
// sandbox with fault injection on, can still be planned and started.
func (e *Lifecycle) validateTarget(ctx context.Context, userID int64, in siminput.Input, s *storage.Simulation, fe siminput.FieldErrors) {
	target := strings.TrimSpace(in.Target)
	if target == "" || target == storage.TargetSandbox {
		s.TargetKind = storage.TargetSandbox
		return
	}
	id, err := strconv.ParseInt(target, 10, 64)
	if err != nil || id <= 0 {
		return
	}
	s.TargetKind, s.ConnectionID = storage.TargetHubSpot, &id
	if userID == 0 {
		return
	}
	c, err := e.store.Connection(ctx, id)
	if err != nil || c.UserID != userID {
		fe["target"] = "That HubSpot connection does not exist or is not yours."
		return
	}
	if e.box == nil {
		fe["target"] = "HubSpot tokens cannot be opened (TOKEN_ENC_SECRET is missing)."
		return
	}
	if _, err := e.box.Open(c.TokenCiphertext); err != nil {
		fe["target"] = "The connection's token cannot be decrypted; save the connection again."
	}
}

// Create validates and stores a new simulation in state queued for a user. Bad
// input comes back as siminput.FieldErrors (the error is for the database).
func (e *Lifecycle) Create(ctx context.Context, userID int64, in siminput.Input) (storage.Simulation, siminput.FieldErrors, error) {
	v, fe := e.validate(ctx, userID, in)
	if len(fe) > 0 {
		return storage.Simulation{}, fe, nil
	}
	s := v.sim
	if err := e.store.CreateSimulation(ctx, &s); err != nil {
		return storage.Simulation{}, nil, err
	}
	return s, nil, nil
}

// Preview plans the curve and the expected totals without storing anything.
func (e *Lifecycle) Preview(ctx context.Context, in siminput.Input) (Preview, siminput.FieldErrors) {
	if strings.TrimSpace(in.Name) == "" {
		in.Name = "preview" // the name does not change the plan
	}
	seed := int64(1)
	if in.Seed != nil {
		seed = *in.Seed
	}
	in.Seed = &seed
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, fe := e.validate(ctx, 0, in)
	if len(fe) > 0 {
		return Preview{}, fe
	}
	hours := int(in.End.Sub(in.Start).Hours())
	bins := min(max(hours, 12), 120)
	counts := v.planner.Histogram(bins)
	span := in.End.Sub(in.Start) / time.Duration(bins)
	p := Preview{EffectiveTotal: v.sim.EffectiveTotal, Bins: make([]PreviewBin, bins), Totals: map[string]int{}}
	for i, c := range counts {
		p.Bins[i] = PreviewBin{Start: v.sim.StartAt.Add(time.Duration(i) * span), Count: c}
	}
	ex := sim.ExpectedTotals(v.scenario, v.sim.EffectiveTotal)
	for _, k := range sim.ObjectKinds {
		p.Totals[k.Plural()] = ex.Get(k)
	}
	unbudgeted := v.scenario
	for _, k := range sim.ActivityKinds {
		unbudgeted.Budgets.Set(k, math.MaxInt32)
	}
	free := sim.ExpectedTotals(unbudgeted, v.sim.EffectiveTotal)
	for _, k := range sim.ActivityKinds {
		if cut := free.Get(k) - ex.Get(k); cut > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("The %s budget (%s) cuts about %s planned %s.",
				k.Plural(), format.Count(v.scenario.Budgets.Get(k)), format.Count(cut), k.Plural()))
		}
	}
	if v.sim.EffectiveTotal != in.TotalRecords {
		p.Warnings = append(p.Warnings, fmt.Sprintf("The %s scenario's volume multiplier (×%g) makes %s records of the %s requested.",
			format.ScenarioLabel(v.scenario.Name), v.scenario.VolumeMultiplier, format.Count(v.sim.EffectiveTotal), format.Count(in.TotalRecords)))
	}
	return p, nil
}

// Start moves a queued simulation to running and queues its first tick, which
// expands the first segments. Planning the segments is cheap (one index search per
// simulated hour), so starting 1,000,000 records over 30 days returns at once.
func (e *Lifecycle) Start(ctx context.Context, id int64) (storage.Simulation, error) {
	if !e.redis.Enabled() {
		return storage.Simulation{}, ErrNoRedis
	}
	if !e.redis.Up() {
		return storage.Simulation{}, ErrRedisDown
	}
	s, err := e.store.Simulation(ctx, id)
	if err != nil {
		return storage.Simulation{}, err
	}
	if s.Status != storage.StatusQueued {
		return storage.Simulation{}, fmt.Errorf("%w: simulation %d is %s, cannot start", storage.ErrConflict, id, s.Status)
	}
	spec, err := e.specOf(ctx, s)
	if err != nil {
		return storage.Simulation{}, err
	}
	segs := planSegments(s, spec.Planner)
	if err := e.store.CreateSegments(ctx, segs); err != nil {
		return storage.Simulation{}, err
	}
	s, err = e.store.TransitionSimulation(ctx, id, []string{storage.StatusQueued}, storage.StatusRunning, "started")
	if err != nil {
		return storage.Simulation{}, err
	}
	if err := e.writeSegmentIndex(ctx, s, segs); err != nil {
		e.log.Warn("segment index to redis (the reconciler will retry)", "simulation", id, "err", err)
	}
	e.watch(id)
	e.enqueueTick(ctx, id)
	return s, nil
}

// Pause stops a running simulation from taking new work; queued work waits.
func (e *Lifecycle) Pause(ctx context.Context, id int64) (storage.Simulation, error) {
	s, err := e.store.TransitionSimulation(ctx, id, []string{storage.StatusRunning}, storage.StatusPaused, "paused")
	e.expire(id)
	return s, err
}

// Resume continues a paused simulation.
func (e *Lifecycle) Resume(ctx context.Context, id int64) (storage.Simulation, error) {
	s, err := e.store.TransitionSimulation(ctx, id, []string{storage.StatusPaused}, storage.StatusRunning, "resumed")
	if err != nil {
		return s, err
	}
	e.expire(id)
	e.watch(id)
	e.enqueueTick(ctx, id)
	return s, nil
}

// Abort ends a simulation; purge also deletes its queued work from every queue.
func (e *Lifecycle) Abort(ctx context.Context, id int64, purge bool) (storage.Simulation, error) {
	reason := "aborted"
	if purge {
		reason = "aborted; queued work purged"
	}
	s, err := e.store.TransitionSimulation(ctx, id, []string{storage.StatusQueued, storage.StatusRunning, storage.StatusPaused},
		storage.StatusAborted, reason)
	if err != nil {
		return s, err
	}
	e.forgetRun(id)
	e.retire(ctx, id)
	if purge {
		// A tick or batch already running may still queue work: purge, let the
		// running tasks of the simulation end (they stop at the aborted status),
		// purge again.
		n, err := e.Purge(ctx, id)
		if err == nil {
			e.waitIdle(ctx, id, 10*time.Second)
			var m int
			m, err = e.Purge(ctx, id)
			n += m
		}
		if err != nil {
			e.log.Warn("purge aborted simulation", "simulation", id, "err", err)
		} else {
			e.log.Info("purged aborted simulation", "simulation", id, "tasks", n)
		}
	}
	return s, nil
}

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
