package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// throughputInterval is how often the engine samples the created count for the
// throughput chart.
const throughputInterval = jobs.ThroughputEvery

// plannedPoints is how many points the planned curve has.
const plannedPoints = 96

// metricsView reads a simulation's progress. The database's state is the truth
// for the status; the numbers come from the engine (Redis, or the database).
func (h *handler) metricsView(c *fiber.Ctx, s storage.Simulation) views.MetricsView {
	ctx := c.UserContext()
	v := views.MetricsView{SimID: s.ID, Status: s.Status, StatusReason: s.StatusReason, Finished: s.Finished(),
		EffectiveTotal: s.EffectiveTotal, Faults: h.targetNotice(ctx, s)}
	if s.Status == storage.StatusRunning {
		if w, err := h.redis.Workers(ctx); err == nil && w.Alive == 0 {
			v.NoWorker = true
		}
	}
	m, err := h.progress.Metrics(ctx, s.ID)
	if err != nil {
		h.log.Warn("simulation metrics", "simulation", s.ID, "err", err)
		v.Unavailable = "Progress cannot be read right now; this panel retries every 2 seconds."
		return v
	}
	v.Source, v.Percent, v.Processed = m.Source, m.PercentComplete, m.Processed
	if v.StatusReason == "" {
		v.StatusReason = m.StatusReason
	}
	if m.EffectiveTotal > 0 {
		v.EffectiveTotal = m.EffectiveTotal
	}
	v.Records = m.Created[sim.KindContact.Plural()]
	if l := m.Lateness; l.Measured > 0 {
		v.Lateness = &views.LatenessView{P50: format.Millis(l.P50Ms), P99: format.Millis(l.P99Ms), Measured: l.Measured, Early: l.Early}
	}
	var objects []views.MetricsRow
	for _, k := range sim.TrackedKinds {
		p := k.Plural()
		row := views.MetricsRow{Type: p, Scheduled: m.Scheduled[p], Created: m.Created[p], Failed: m.Failed[p], Thinned: m.Thinned[p]}
		v.Failed += row.Failed
		v.Rows = append(v.Rows, row)
		if k.IsUpdate() {
			v.Rows[len(v.Rows)-1].Type = strings.ReplaceAll(p, "_", " ")
			continue // updates are not objects: the totals and the bars count objects
		}
		v.Created += row.Created
		v.Thinned += row.Thinned
		objects = append(objects, row)
	}
	v.Types = views.NewHBarChart(objects)
	if m.Planned > 0 {
		pct := func(n int64) float64 { return min(100, float64(n)*100/float64(m.Planned)) }
		v.Bar = views.ProgressParts{Created: pct(v.Created), Failed: pct(v.Failed), Thinned: pct(v.Thinned)}
	}
	v.Holding = holding(h.progress.TargetHealth(ctx, s), s.Status, readerClock(c))
	v.Throughput = views.NewThroughput(m.Throughput, throughputInterval)
	now := time.Now()
	pl := planner(s)
	simNow := simulatedClock(s, pl, v.Records, now)
	v.Timing = timingView(s, v.Percent, simNow, now, readerClock(c))
	v.Progress = h.progressChart(ctx, s, pl, simNow, v.Records)
	return v
}

// holding words what holds a simulation's work back, one line each.
func holding(th jobs.TargetHealth, status string, clk format.Clock) []string {
	var out []string
	if th.DailyLimit {
		out = append(out, "Daily limit reached: the simulation is paused until the target's daily limit resets.")
	}
	if !th.BreakerUntil.IsZero() {
		out = append(out, "Circuit breaker open until "+clk.Precise(th.BreakerUntil)+": too many calls failed, none are sent before then.")
	}
	if !th.CooldownUntil.IsZero() {
		out = append(out, "Rate-limit cooldown until "+clk.Precise(th.CooldownUntil)+": the target answered 429.")
	}
	if th.Retrying > 0 && status == storage.StatusRunning {
		n := format.Count(th.Retrying)
		if th.RetryingMore {
			n = "at least " + n
		}
		out = append(out, "Retries in progress: "+n+" tasks wait to try again.")
	}
	return out
}

// targetNotice says what about a simulation's target explains failures on its
// page: the sandbox's fault injection, or a HubSpot connection whose last check
// failed.
func (h *handler) targetNotice(ctx context.Context, s storage.Simulation) views.Notice {
	if s.TargetKind != storage.TargetHubSpot || s.ConnectionID == nil {
		if text := h.sandboxFaultText(); text != "" {
			return views.Notice{Text: text, URL: "/sandbox/settings", Link: "Sandbox settings"}
		}
		return views.Notice{}
	}
	c, err := h.store.Connection(ctx, *s.ConnectionID)
	if err != nil || c.ValidatedAt == nil || c.ValidationOK {
		return views.Notice{}
	}
	return views.Notice{Text: "The connection “" + c.Name + "” failed its last check (" + clip(c.ValidationMessage, 200) +
		"): calls to HubSpot may fail and land in the DLQ.", URL: "/connections/" + strconv.FormatInt(c.ID, 10), Link: "Revalidate it"}
}

// sandboxFaultText is "Fault injection is on in the sandbox (…)…" or "" when it
// is off (or there is no built-in sandbox).
func (h *handler) sandboxFaultText() string {
	if h.sandbox == nil {
		return ""
	}
	active := faultsForm(h.sandbox.Faults()).Active
	if len(active) == 0 {
		return ""
	}
	return "Fault injection is on in the sandbox (" + strings.Join(active, ", ") + "): calls fail on purpose, and the failures land in the DLQ."
}

// planner is a stored simulation's plan of record timestamps (nil if it cannot
// be built, e.g. a plan from an older version).
func planner(s storage.Simulation) *sim.Planner {
	pl, err := sim.NewPlanner(sim.PlanInput{Distribution: sim.Distribution(s.Distribution), Start: s.StartAt, End: s.EndAt,
		Count: max(s.EffectiveTotal, 1), Seed: s.Seed, Location: format.ClockIn(s.TimeZone).Loc, Weights: s.HourWeights})
	if err != nil {
		return nil
	}
	return pl
}

// simulatedClock is the simulated moment a run has reached: the pace's mapping
// of now for real time and accelerated runs, the last created record's
// planned moment for a backfill; zero before the start.
func simulatedClock(s storage.Simulation, pl *sim.Planner, records int64, now time.Time) time.Time {
	if s.StartedAt == nil {
		return time.Time{}
	}
	var at time.Time
	switch s.PaceMode {
	case string(sim.Backfill):
		if pl == nil || records <= 0 {
			return s.StartAt
		}
		at = pl.At(int(min(records, int64(pl.Count()))) - 1)
	default:
		if s.FinishedAt != nil {
			now = *s.FinishedAt
		}
		at = sim.Pace{Mode: sim.PaceMode(s.PaceMode), Factor: s.PaceFactor}.SimAt(now, s.StartAt, *s.StartedAt)
	}
	if at.After(s.EndAt) {
		return s.EndAt
	}
	if at.Before(s.StartAt) {
		return s.StartAt
	}
	return at
}

// timingView says where a run is in simulated time, how long it has been
// running and when it should finish.
func timingView(s storage.Simulation, percent float64, simNow, now time.Time, reader format.Clock) views.TimingView {
	var t views.TimingView
	simClock := format.ClockIn(s.TimeZone)
	if !simNow.IsZero() {
		t.SimClock = simClock.DateTime(simNow)
		t.WindowPart = format.Percent(100*float64(simNow.Sub(s.StartAt))/float64(s.EndAt.Sub(s.StartAt))) + " of the window"
	}
	if s.StartedAt == nil {
		if s.Status == storage.StatusQueued {
			t.Note = "Not started yet: press Start to run it."
		}
		return t
	}
	end := now
	if s.FinishedAt != nil {
		end = *s.FinishedAt
		t.Finished = reader.DateTime(end)
	}
	elapsed := end.Sub(*s.StartedAt)
	t.Elapsed = format.Duration(elapsed)
	if s.Finished() {
		return t
	}
	if s.Status == storage.StatusPaused {
		t.Note = "Paused: the simulated clock and the estimate wait until you resume."
		return t
	}
	pace := sim.Pace{Mode: sim.PaceMode(s.PaceMode), Factor: s.PaceFactor}
	var eta time.Time
	switch {
	case s.PaceMode != string(sim.Backfill) && now.Before(pace.RunAt(s.EndAt, s.StartAt, *s.StartedAt)):
		// The window itself sets the pace: records are due until its end.
		eta = pace.RunAt(s.EndAt, s.StartAt, *s.StartedAt)
	case percent >= 0.5 && percent < 100:
		eta = now.Add(time.Duration(float64(elapsed) * (100 - percent) / percent))
	}
	if !eta.IsZero() {
		t.ETA = reader.TimeOfDay(eta) + " (in about " + format.Duration(eta.Sub(now)) + ")"
		if eta.Sub(now) > 20*time.Hour {
			t.ETA = reader.DateTime(eta) + " (in about " + format.Duration(eta.Sub(now)) + ")"
		}
	}
	if !simNow.IsZero() && !simNow.Before(s.EndAt) && percent < 100 {
		t.Note = "Every record of the window has been created; the run waits for the follow-up activities (notes, calls, tasks, meetings) " +
			"that the scenario schedules after each step, so the last part takes as long as those delays at this pace."
	}
	return t
}

// progressChart draws the planned cumulative records against those created,
// using the segments that are done as the actual curve's points.
func (h *handler) progressChart(ctx context.Context, s storage.Simulation, pl *sim.Planner, simNow time.Time, records int64) views.LineChart {
	loc := format.ClockIn(s.TimeZone).Loc
	total := float64(s.EffectiveTotal)
	if pl == nil {
		return views.NewLineChart(nil, nil, s.StartAt, s.EndAt, simNow, total, loc)
	}
	span := s.EndAt.Sub(s.StartAt)
	planned := make([]views.Point, 0, plannedPoints+1)
	for i := 0; i <= plannedPoints; i++ {
		at := s.StartAt.Add(span * time.Duration(i) / plannedPoints)
		planned = append(planned, views.Point{At: at, Count: pl.CDF(at) * total})
	}
	var actual []views.Point
	if s.StartedAt != nil {
		actual = append(actual, views.Point{At: s.StartAt})
		if segs, _, err := h.progress.Segments(ctx, s.ID); err == nil {
			for _, sg := range segs {
				if sg.State == "done" && float64(sg.EndIndex) <= float64(records) && (simNow.IsZero() || !sg.End.After(simNow)) {
					actual = append(actual, views.Point{At: sg.End, Count: float64(sg.EndIndex)})
				}
			}
		}
		if !simNow.IsZero() {
			actual = append(actual, views.Point{At: simNow, Count: float64(records)})
		}
	}
	return views.NewLineChart(planned, actual, s.StartAt, s.EndAt, simNow, total, loc)
}
