package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

func paceOf(s storage.Simulation) sim.Pace {
	p := sim.Pace{Mode: sim.PaceMode(s.PaceMode)}
	if p.Mode == sim.Accelerated {
		p.Factor = s.PaceFactor
	}
	return p
}

// simID is the simulation id as package sim sees it: it seeds keys and emails.
func simID(id int64) string { return strconv.FormatInt(id, 10) }

// scenarioOf returns a simulation's scenario with the overrides of the version it
// was created under.
func (e *core) scenarioOf(ctx context.Context, name string, version int) (sim.Scenario, error) {
	sc, err := sim.ScenarioByName(name)
	if err != nil || version == 0 {
		return sc, err
	}
	js, err := e.store.ScenarioOverridesJSON(ctx, name, version)
	if errors.Is(err, storage.ErrNotFound) {
		return sc, nil
	}
	if err != nil {
		return sim.Scenario{}, err
	}
	return sim.ApplyOverridesJSON(sc, []byte(js))
}

// specOf builds the deterministic plan of a stored simulation.
func (e *core) specOf(ctx context.Context, s storage.Simulation) (*sim.Spec, error) {
	sc, err := e.scenarioOf(ctx, s.Scenario, s.ScenarioVersion)
	if err != nil {
		return nil, fmt.Errorf("jobs: simulation %d scenario: %w", s.ID, err)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	pl, err := sim.NewPlanner(sim.PlanInput{
		Distribution: sim.Distribution(s.Distribution),
		Start:        s.StartAt,
		End:          s.EndAt,
		Count:        s.EffectiveTotal,
		Seed:         s.Seed,
		Location:     loc,
		Weights:      s.HourWeights,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: simulation %d plan: %w", s.ID, err)
	}
	return &sim.Spec{SimID: simID(s.ID), Seed: s.Seed, Scenario: sc, Planner: pl}, nil
}

// segmentSpan is one simulated hour.
const segmentSpan = time.Hour

// planSegments cuts a simulation's window into one-hour segments with their
// record index ranges.
func planSegments(s storage.Simulation, pl *sim.Planner) []storage.Segment {
	var out []storage.Segment
	for k, start := 0, s.StartAt; start.Before(s.EndAt); k, start = k+1, start.Add(segmentSpan) {
		end := start.Add(segmentSpan)
		if end.After(s.EndAt) {
			end = s.EndAt
		}
		first, last := pl.IndexRange(start, end)
		out = append(out, storage.Segment{SimulationID: s.ID, Index: k, StartAt: start, EndAt: end,
			FirstIndex: first, EndIndex: last, State: storage.SegmentPlanned})
	}
	return out
}

// usedOf decodes a segment's cached budget usage.
func usedOf(js string) (sim.Counts, bool) {
	if js == "" {
		return sim.Counts{}, false
	}
	var c sim.Counts
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return sim.Counts{}, false
	}
	return c, true
}

func usedJSON(c sim.Counts) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// usedBefore returns the budget usage before segment segs[k], from the cache when
// present, else summed from the nearest earlier cached segment (or record 0).
func usedBefore(spec *sim.Spec, segs []storage.Segment, k int) sim.Counts {
	if k == 0 || segs[k].Index == 0 {
		return sim.Counts{}
	}
	if c, ok := usedOf(segs[k].UsedBefore); ok {
		return c
	}
	from, used := 0, sim.Counts{}
	for j := k - 1; j >= 0; j-- {
		if c, ok := usedOf(segs[j].UsedBefore); ok || segs[j].Index == 0 {
			from, used = segs[j].FirstIndex, c
			break
		}
	}
	for i := from; i < segs[k].FirstIndex; i++ {
		used = used.Plus(sim.Candidates(spec, i))
	}
	return used
}

// objectsOf counts the objects a planned record creates.
func objectsOf(rec *sim.Record) int {
	n := 1 + len(rec.Activities)
	if rec.Company.First {
		n++
	}
	if rec.Deal != nil {
		n++
	}
	c, d := rec.UpdateCounts()
	return n + c + d
}

// planTotals is the exact plan of a simulation per plural object type.
func planTotals(spec *sim.Spec) map[string]int64 {
	t := sim.CountTotals(spec, spec.Planner.Count())
	out := make(map[string]int64, len(sim.TrackedKinds))
	for _, k := range sim.TrackedKinds {
		out[k.Plural()] = int64(t.Get(k))
	}
	return out
}

// companyFirstRecord returns the index of company c's first record (the record
// that owns the company in the ledger).
func companyFirstRecord(spec *sim.Spec, c int) int {
	r := spec.Scenario.ContactsPerCompany
	span := r.Min + r.Max
	pair := c / 2
	base := pair * span
	if c%2 == 0 {
		return base
	}
	// The pair's first company holds first-size records; search its end.
	for off := 0; off < span; off++ {
		if cc, _ := sim.CompanyIndex(spec.Seed, &spec.Scenario, base+off); cc == c {
			return base + off
		}
	}
	return base
}
