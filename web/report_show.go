package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/views"
)

// showReport renders a simulation's end-of-run report.
func (h *handler) showReport(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	r, err := h.buildReport(c.UserContext(), s)
	if err != nil {
		return err
	}
	v := h.reportView(c, r)
	if v.Cleanup, err = h.cleanupView(c, s); err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.ReportPage(h.page(c, "Report: "+s.Name, "dashboard"), v))
}

// showReportAPI answers the report as JSON.
func (h *handler) showReportAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	r, err := h.buildReport(c.UserContext(), s)
	if err != nil {
		return err
	}
	return c.JSON(reportJSONOf(r, time.Now()))
}

// reportView builds the report page's model.
func (h *handler) reportView(c *fiber.Ctx, r simulationReport) views.ReportView {
	s := r.sim
	clk := format.ClockIn(s.TimeZone)
	u := currentUser(c)
	v := views.ReportView{ID: s.ID, Name: s.Name, Status: s.Status, Reason: s.StatusReason, Finished: s.Finished(),
		Scenario: s.Scenario + " (version " + strconv.Itoa(s.ScenarioVersion) + ")", Distribution: s.Distribution,
		Pace: format.PaceLabel(s.PaceMode, s.PaceFactor), Target: targetText(s, h.connectionNames(c.UserContext(), s.UserID)),
		Seed:    strconv.FormatInt(s.Seed, 10),
		Window:  clk.DateTime(s.StartAt) + " → " + clk.DateTime(s.EndAt),
		Started: "not started", Ended: "—", Duration: "—", FailuresLinked: u != nil && u.IsBoss()}
	if s.StartedAt != nil {
		v.Started = clk.DateTime(*s.StartedAt)
		v.Duration = r.duration(time.Now()).String()
	}
	if s.FinishedAt != nil {
		v.Ended = clk.DateTime(*s.FinishedAt)
	}
	v.Total = views.ReportRow{Type: "total", PlannedKnown: r.planKnown}
	for _, t := range r.types {
		row := views.ReportRow{Type: t.Type, Planned: t.Planned, PlannedKnown: r.planKnown, Created: t.Created,
			Thinned: t.Thinned, Blocked: t.Blocked, DLQ: t.DLQ}
		row.Missing = max(0, t.Planned-t.Created-t.Thinned-t.Blocked-t.DLQ)
		v.Types = append(v.Types, row)
		v.Total.Planned += row.Planned
		v.Total.Created += row.Created
		v.Total.Thinned += row.Thinned
		v.Total.Blocked += row.Blocked
		v.Total.DLQ += row.DLQ
		v.Total.Missing += row.Missing
	}
	planned := make([]views.Bin, len(r.segments))
	actual := make([]views.Bin, len(r.segments))
	for i, g := range r.segments {
		planned[i] = views.Bin{Start: g.Start, Count: float64(g.Planned)}
		actual[i] = views.Bin{Start: g.Start, Count: float64(g.Created)}
	}
	v.Curve = views.NewComparisonChart(planned, actual, s.StartAt, s.EndAt, clk.Loc)
	for _, ct := range r.counters {
		v.Figures = append(v.Figures, views.Fact{Label: ct.Label, Value: format.Count(ct.Value), Hint: ct.Hint})
	}
	switch {
	case r.lateness != nil:
		v.Figures = append(v.Figures,
			views.Fact{Label: "Lateness p50", Value: r.lateness.P50.Round(time.Millisecond).String(), Hint: "created after its due moment, median"},
			views.Fact{Label: "Lateness p99", Value: r.lateness.P99.Round(time.Millisecond).String(), Hint: "99th percentile, over " + format.Count(r.lateness.Samples) + " objects"})
	case s.PaceMode == "backfill":
		v.Figures = append(v.Figures, views.Fact{Label: "Lateness", Value: "none (backfill)", Hint: "backfill creates everything as fast as the target allows"})
	}
	for _, f := range r.failures {
		v.Failures = append(v.Failures, views.FailureRow{Category: f.Category, Total: f.Total, Open: f.Open,
			URL: "/boss/dlq?sim=" + strconv.FormatInt(s.ID, 10) + "&category=" + f.Category})
	}
	return v
}

// reportJSON is the report as the API answers it.
type reportJSON struct {
	Simulation      simulationJSON            `json:"simulation"`
	Finished        bool                      `json:"finished"`
	DurationSeconds float64                   `json:"durationSeconds"`
	PlanKnown       bool                      `json:"planKnown"`
	Types           map[string]reportTypeJSON `json:"types"`
	Segments        []reportSegmentJSON       `json:"segments"`
	Counters        map[string]int64          `json:"counters"`
	Lateness        *reportLatenessJSON       `json:"lateness"`
	Failures        []reportFailureJSON       `json:"failures"`
	Exports         map[string]string         `json:"exports"`
}

type reportTypeJSON struct {
	Planned int64 `json:"planned"`
	Created int64 `json:"created"`
	Thinned int64 `json:"thinned"`
	Blocked int64 `json:"blocked"`
	DLQ     int64 `json:"dlq"`
}

type reportSegmentJSON struct {
	Index   int       `json:"index"`
	Start   time.Time `json:"start"`
	Planned int64     `json:"planned"`
	Created int64     `json:"created"`
}

type reportLatenessJSON struct {
	Samples int64 `json:"samples"`
	P50Ms   int64 `json:"p50Ms"`
	P99Ms   int64 `json:"p99Ms"`
}

type reportFailureJSON struct {
	Category string `json:"category"`
	Total    int64  `json:"total"`
	Open     int64  `json:"open"`
}

func reportJSONOf(r simulationReport, now time.Time) reportJSON {
	id := strconv.FormatInt(r.sim.ID, 10)
	out := reportJSON{Simulation: simulationJSONOf(r.sim), Finished: r.sim.Finished(), DurationSeconds: r.duration(now).Seconds(),
		PlanKnown: r.planKnown, Types: map[string]reportTypeJSON{}, Segments: []reportSegmentJSON{}, Counters: map[string]int64{},
		Failures: []reportFailureJSON{},
		Exports:  map[string]string{"csv": "/api/simulations/" + id + "/export.csv", "json": "/api/simulations/" + id + "/export.json"}}
	for _, t := range r.types {
		out.Types[t.Type] = reportTypeJSON{Planned: t.Planned, Created: t.Created, Thinned: t.Thinned, Blocked: t.Blocked, DLQ: t.DLQ}
	}
	for _, g := range r.segments {
		out.Segments = append(out.Segments, reportSegmentJSON{Index: g.Index, Start: g.Start, Planned: g.Planned, Created: g.Created})
	}
	for _, ct := range r.counters {
		out.Counters[ct.Name] = ct.Value
	}
	if r.lateness != nil {
		out.Lateness = &reportLatenessJSON{Samples: r.lateness.Samples, P50Ms: r.lateness.P50.Milliseconds(), P99Ms: r.lateness.P99.Milliseconds()}
	}
	for _, f := range r.failures {
		out.Failures = append(out.Failures, reportFailureJSON{Category: f.Category, Total: f.Total, Open: f.Open})
	}
	return out
}
