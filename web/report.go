package web

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// simulationReport is what the report page and API show, read from the database
// (the durable record of the run): the plan, the ledger, skips, the DLQ and the
// counters.
type simulationReport struct {
	sim       storage.Simulation
	types     []reportType // in sim.ObjectKinds order
	planKnown bool
	segments  []reportSegment
	counters  []reportCounter // only the ones the run recorded
	failures  []reportFailure
	lateness  *lateness // nil in backfill or before anything was created with a planned time
}

type reportType struct {
	Type                                    string // plural
	Planned, Created, Thinned, Blocked, DLQ int64
}

type reportSegment struct {
	Index            int
	Start            time.Time
	Planned, Created int64 // records (contacts)
}

type reportCounter struct {
	Name, Label, Hint string
	Value             int64
}

type reportFailure struct {
	Category    string
	Total, Open int64
}

// Run counters the engine keeps per simulation (simulation_counters) that the
// report shows when the run recorded them.
var reportCounterNames = []reportCounter{
	{Name: "target_calls", Label: "Calls to the target", Hint: "HTTP calls made to HubSpot or the sandbox"},
	{Name: "rate_limited", Label: "429 answers", Hint: "calls the target refused with 429 Too Many Requests"},
	{Name: "retries", Label: "Retries", Hint: "jobs run again after a failure"},
	{Name: "breaker_trips", Label: "Breaker trips", Hint: "times the circuit breaker opened"},
}

// buildReport reads a simulation's report. The lateness figures walk the ledger
// in constant memory, once for a finished simulation (keptLateness).
func (h *handler) buildReport(ctx context.Context, s storage.Simulation) (simulationReport, error) {
	r := simulationReport{sim: s}
	planned := map[string]int64{}
	if js, err := h.store.SimulationPlan(ctx, s.ID); err == nil {
		r.planKnown = json.Unmarshal([]byte(js), &planned) == nil
	} else if err != storage.ErrNotFound {
		return r, err
	}
	created, err := h.store.LedgerCounts(ctx, s.ID)
	if err != nil {
		return r, err
	}
	skips, err := h.store.SkipCounts(ctx, s.ID)
	if err != nil {
		return r, err
	}
	failed, err := h.store.FailedCounts(ctx, s.ID)
	if err != nil {
		return r, err
	}
	for _, k := range sim.ObjectKinds {
		r.types = append(r.types, reportType{Type: k.Plural(), Planned: planned[k.Plural()], Created: created[string(k)],
			Thinned: skips[storage.SkipThinned][string(k)], Blocked: skips[storage.SkipBlocked][string(k)], DLQ: failed[string(k)]})
	}
	segs, err := h.store.Segments(ctx, s.ID)
	if err != nil {
		return r, err
	}
	perSeg, err := h.store.CreatedPerSegment(ctx, s.ID)
	if err != nil {
		return r, err
	}
	for _, g := range segs {
		r.segments = append(r.segments, reportSegment{Index: g.Index, Start: g.StartAt, Planned: int64(g.EndIndex - g.FirstIndex),
			Created: perSeg[g.Index]})
	}
	counters, err := h.store.SimulationCounters(ctx, s.ID)
	if err != nil {
		return r, err
	}
	for _, c := range reportCounterNames {
		if v, ok := counters[c.Name]; ok {
			c.Value = v
			r.counters = append(r.counters, c)
		}
	}
	total, err := h.store.DLQTallies(ctx, s.ID)
	if err != nil {
		return r, err
	}
	open, err := h.store.DLQCounts(ctx, s.ID)
	if err != nil {
		return r, err
	}
	for _, cat := range slices.Sorted(maps.Keys(total)) {
		r.failures = append(r.failures, reportFailure{Category: cat, Total: total[cat], Open: open[cat]})
	}
	if s.PaceMode != string(sim.Backfill) && s.StartedAt != nil {
		var rows int64
		for _, n := range created {
			rows += n
		}
		if r.lateness, err = h.keptLateness(ctx, s, rows); err != nil {
			return r, err
		}
	}
	return r, nil
}

// keptLateness is a simulation's lateness: worked out from the ledger while it
// runs, and once when it has finished, kept with the ledger size then (a replay
// adding rows makes it work them out again), so a finished run's report does
// not walk a million ledger rows on every view.
func (h *handler) keptLateness(ctx context.Context, s storage.Simulation, ledgerRows int64) (*lateness, error) {
	if !s.Finished() {
		return h.lateness(ctx, s)
	}
	kept, err := h.store.ReportLateness(ctx, s.ID)
	switch {
	case err == nil && kept.LedgerRows == ledgerRows:
		if kept.Samples == 0 {
			return nil, nil
		}
		return &lateness{Samples: kept.Samples, P50: kept.P50, P99: kept.P99}, nil
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	l, err := h.lateness(ctx, s)
	if err != nil {
		return nil, err
	}
	save := storage.ReportLateness{SimulationID: s.ID, LedgerRows: ledgerRows}
	if l != nil {
		save.Samples, save.P50, save.P99 = l.Samples, l.P50, l.P99
	}
	// Keeping them only spares the next view the walk: the report stands without.
	if err := h.store.SaveReportLateness(ctx, save); err != nil {
		h.log.Warn("report lateness not kept", "simulation", s.ID, "err", err)
	}
	return l, nil
}

// duration is how long the run took: first start to its end, or to now.
func (r simulationReport) duration(now time.Time) time.Duration {
	if r.sim.StartedAt == nil {
		return 0
	}
	end := now
	if r.sim.FinishedAt != nil {
		end = *r.sim.FinishedAt
	}
	return end.Sub(*r.sim.StartedAt).Round(time.Second)
}

// lateness is how long after its due moment each object was created (due: the
// plan's time mapped onto the run by the pace).
type lateness struct {
	Samples  int64
	P50, P99 time.Duration
}

// latenessBuckets are the histogram's upper bounds: 0, then 10 ms growing by 10%
// per bucket up to about 12 days, so percentiles are within 10% in fixed memory.
var latenessBuckets = func() []time.Duration {
	out := []time.Duration{0}
	for d := float64(10 * time.Millisecond); d < float64(12*24*time.Hour); d *= 1.1 {
		out = append(out, time.Duration(d))
	}
	return append(out, time.Duration(math.MaxInt64))
}()

func (h *handler) lateness(ctx context.Context, s storage.Simulation) (*lateness, error) {
	pace := sim.Pace{Mode: sim.PaceMode(s.PaceMode), Factor: s.PaceFactor}
	counts := make([]int64, len(latenessBuckets))
	var n int64
	err := h.store.EachLedgerEntry(ctx, s.ID, func(e storage.LedgerEntry) error {
		if e.PlannedAt.IsZero() {
			return nil
		}
		late := max(0, e.CreatedAt.Sub(pace.RunAt(e.PlannedAt, s.StartAt, *s.StartedAt)))
		i, _ := slices.BinarySearch(latenessBuckets, late)
		counts[i]++
		n++
		return nil
	})
	if err != nil || n == 0 {
		return nil, err
	}
	at := func(q float64) time.Duration {
		rank, seen := int64(math.Ceil(q*float64(n))), int64(0)
		for i, c := range counts {
			if seen += c; seen >= rank {
				return latenessBuckets[i]
			}
		}
		return latenessBuckets[len(latenessBuckets)-1]
	}
	return &lateness{Samples: n, P50: at(0.50), P99: at(0.99)}, nil
}
