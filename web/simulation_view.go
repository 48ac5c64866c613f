package web

import (
	"context"
	"github.com/simcrm/simcrm/internal/format"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// View-model builders shared by the simulation pages and fragments.

// formTimeZones are offered in the form; any other IANA name the user sent is added.
var formTimeZones = []string{"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
	"Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens",
	"Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
	"Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
	"America/Mexico_City", "America/Toronto", "America/New_York", "America/Chicago", "America/Denver",
	"America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}

// defaultHourWeights is the custom curve the form starts from: a working day.
var defaultHourWeights = [24]string{"0", "0", "0", "0", "0", "0", "1", "2", "4", "6", "6", "5", "4", "5", "6", "6", "5", "3",
	"2", "1", "1", "0", "0", "0"}

// newSimulationForm is the form as first shown: a day from the next full hour,
// 1,000 records at ×60.
func newSimulationForm(now time.Time) views.SimulationForm {
	start, end := defaultWindow(string(sim.Accelerated), now, time.UTC)
	return views.SimulationForm{
		Scenario: "b2b", Distribution: string(sim.BellCurve), TimeZone: "UTC",
		StartTime: start, EndTime: end,
		TotalRecords: "1000", Pace: string(sim.Accelerated), PaceFactor: "60", Target: storage.TargetSandbox,
		HourWeights: defaultHourWeights, StartNow: true,
	}
}

// defaultWindow is the window a pace starts from, as wall-clock text in loc: a
// backfill covers the day up to now (its records lie in the past), a paced run
// the day from the next full hour.
func defaultWindow(pace string, now time.Time, loc *time.Location) (start, end string) {
	now = now.In(loc)
	if pace == string(sim.Backfill) {
		e := now.Truncate(time.Minute)
		return e.Add(-24 * time.Hour).Format(datetimeLocal), e.Format(datetimeLocal)
	}
	s := now.Truncate(time.Hour).Add(time.Hour)
	return s.Format(datetimeLocal), s.Add(24 * time.Hour).Format(datetimeLocal)
}

// echoForm is the form as submitted; over-long values are not echoed back.
func echoForm(t simulationText, startNow bool) views.SimulationForm {
	clip := func(s string, n int) string {
		if len(s) > n {
			return ""
		}
		return s
	}
	f := views.SimulationForm{
		Name: clip(t.Name, siminput.MaxNameLen), Scenario: clip(t.Scenario, 40), Distribution: clip(t.Distribution, 40),
		StartTime: clip(t.StartTime, maxNumberLen), EndTime: clip(t.EndTime, maxNumberLen), TimeZone: clip(t.TimeZone, siminput.MaxZoneLen),
		TotalRecords: clip(t.TotalRecords, maxNumberLen), Pace: clip(t.Pace, 20), PaceFactor: clip(t.PaceFactor, maxNumberLen),
		Target: clip(t.Target, 24), Seed: clip(t.Seed, maxNumberLen), Pipeline: clip(t.Pipeline, siminput.MaxPipelineLen),
		OwnerIDs: clip(strings.Join(t.OwnerIDs, ", "), 400), StartNow: startNow,
	}
	f.HourWeights = defaultHourWeights
	for i, w := range t.HourWeights {
		if i < len(f.HourWeights) {
			f.HourWeights[i] = clip(w, maxNumberLen)
		}
	}
	return f
}

// withChoices adds the options the form's selects offer.
func withChoices(f views.SimulationForm, conns []storage.Connection) views.SimulationForm {
	for _, s := range sim.Scenarios() {
		f.Scenarios = append(f.Scenarios, views.Option{Value: s.Name, Label: s.Label, Hint: s.Description})
	}
	for _, d := range sim.Distributions() {
		f.Distributions = append(f.Distributions, views.Option{Value: string(d.Name), Label: d.Label, Hint: d.Description})
	}
	f.Paces = []views.Option{
		{Value: string(sim.Realtime), Label: "Real time", Hint: "Each action happens at its simulated moment."},
		{Value: string(sim.Accelerated), Label: "Accelerated", Hint: "Simulated time runs N times faster."},
		{Value: string(sim.Backfill), Label: "Backfill", Hint: "As fast as the target's rate limit allows, with historical timestamps."},
	}
	f.Targets = []views.Option{{Value: storage.TargetSandbox, Label: "Sandbox (built in)", Hint: "SimCRM's HubSpot-compatible sandbox"}}
	for _, c := range conns {
		label := "HubSpot: " + c.Name
		if !c.ValidationOK {
			label += " (token not validated)"
		}
		f.Targets = append(f.Targets, views.Option{Value: strconv.FormatInt(c.ID, 10), Label: label, Hint: c.BaseURL})
	}
	f.TimeZones = formTimeZones
	if f.TimeZone != "" && !slices.Contains(formTimeZones, f.TimeZone) {
		if _, err := time.LoadLocation(f.TimeZone); err == nil {
			f.TimeZones = append([]string{f.TimeZone}, formTimeZones...)
		}
	}
	return f
}

// previewView asks the engine for the planned curve of parsed input.
func (h *handler) previewView(ctx context.Context, in siminput.Input, fe siminput.FieldErrors) views.PreviewView {
	if len(fe) > 0 {
		return views.PreviewView{Problems: problems(fe)}
	}
	pv, fe := h.lifecycle.Preview(ctx, in)
	if len(fe) > 0 {
		return views.PreviewView{Problems: problems(fe)}
	}
	loc := time.UTC
	if l, err := time.LoadLocation(in.TimeZone); err == nil && in.TimeZone != "" {
		loc = l
	}
	bins := make([]views.Bin, len(pv.Bins))
	for i, b := range pv.Bins {
		bins[i] = views.Bin{Start: b.Start, Count: b.Count}
	}
	v := views.PreviewView{Chart: views.NewBarChart(bins, in.Start, in.End, loc), Requested: in.TotalRecords,
		EffectiveTotal: pv.EffectiveTotal, Warnings: pv.Warnings}
	for _, k := range sim.ObjectKinds {
		if n, ok := pv.Totals[k.Plural()]; ok {
			v.Totals = append(v.Totals, views.TypeCount{Type: k.Plural(), Count: int64(n)})
		}
	}
	return v
}

// targetText names a simulation's target, with the connection's name when known.
func targetText(s storage.Simulation, conns map[int64]string) string {
	if s.TargetKind != storage.TargetHubSpot || s.ConnectionID == nil {
		return "Sandbox"
	}
	if name, ok := conns[*s.ConnectionID]; ok {
		return "HubSpot: " + name
	}
	return "HubSpot connection #" + strconv.FormatInt(*s.ConnectionID, 10)
}

// connectionNames maps connection ids to names for display.
func (h *handler) connectionNames(ctx context.Context, userID int64) map[int64]string {
	out := map[int64]string{}
	conns, err := h.store.Connections(ctx, userID)
	if err != nil {
		h.log.Warn("connections for display", "err", err)
		return out
	}
	for _, c := range conns {
		out[c.ID] = c.Name
	}
	return out
}

// simulationView builds the simulation page's model.
func (h *handler) simulationView(c *fiber.Ctx, s storage.Simulation) views.SimulationView {
	ctx, reader, simClock := c.UserContext(), readerClock(c), format.ClockIn(s.TimeZone)
	v := views.SimulationView{
		ID: s.ID, Name: s.Name, Scenario: s.Scenario, Distribution: s.Distribution,
		Window:   simClock.DateTime(s.StartAt) + " → " + simClock.DateTime(s.EndAt),
		TimeZone: s.TimeZone, TotalRecords: s.TotalRecords, EffectiveTotal: s.EffectiveTotal,
		Pace: format.PaceLabel(s.PaceMode, s.PaceFactor), Target: targetText(s, h.connectionNames(ctx, s.UserID)),
		Pipeline: s.Pipeline, Owners: strings.Join(s.OwnerIDs, ", "), Seed: strconv.FormatInt(s.Seed, 10),
		CreatedAt: reader.DateTime(s.CreatedAt),
		Metrics:   h.metricsView(c, s), Segments: h.segmentsView(ctx, s), Controls: controlsView(c, h, s),
		Panels: h.simulationPanels(c, s),
	}
	if s.TimeZone == "" {
		v.TimeZone = "UTC"
	}
	if s.StartedAt != nil {
		v.StartedAt = reader.DateTime(*s.StartedAt)
	}
	if s.FinishedAt != nil {
		v.FinishedAt = reader.DateTime(*s.FinishedAt)
	}
	if u := currentUser(c); u != nil && u.IsBoss() {
		v.RedisCLI = h.redisCLI()
	}
	if u := currentUser(c); u != nil && u.ID != s.UserID {
		if owner, err := h.store.User(ctx, s.UserID); err == nil {
			v.Owner = owner.Email
		}
	}
	return v
}

// segmentsAround is how many segment rows the panel lists around the current one.
const segmentsAround = 10

// segmentsView reads a simulation's segments.
func (h *handler) segmentsView(ctx context.Context, s storage.Simulation) views.SegmentsView {
	v := views.SegmentsView{SimID: s.ID, Finished: s.Finished()}
	segs, source, err := h.progress.Segments(ctx, s.ID)
	if err != nil {
		h.log.Warn("simulation segments", "simulation", s.ID, "err", err)
		v.Unavailable = "Segments cannot be read right now; this panel retries every 2 seconds."
		return v
	}
	v.Source = source
	clk := format.ClockIn(s.TimeZone)
	current := -1 // the first segment not done yet
	for i, sg := range segs {
		switch sg.State {
		case "done":
			v.Done++
		case "expanded":
			v.Expanded++
		default:
			v.Planned++
		}
		if sg.State != "done" && current < 0 {
			current = i
		}
		v.Cells = append(v.Cells, views.SegmentCell{State: segmentState(sg.State),
			Title: "#" + strconv.Itoa(sg.Index) + " " + clk.Short(sg.Start) + " · " + sg.State})
	}
	if current < 0 {
		current = len(segs) - 1
	}
	from := max(0, min(current-2, len(segs)-segmentsAround))
	to := min(len(segs), from+segmentsAround)
	for i := from; i < to; i++ {
		sg := segs[i]
		v.Rows = append(v.Rows, views.SegmentRow{Index: sg.Index, Start: clk.Short(sg.Start),
			End: clk.TimeOfDay(sg.End), Records: recordsText(sg.FirstIndex, sg.EndIndex),
			State: segmentState(sg.State), Current: i == current && !s.Finished()})
	}
	return v
}

func segmentState(s string) string {
	switch s {
	case "done", "expanded":
		return s
	}
	return "planned"
}

func recordsText(first, end int) string {
	switch {
	case end <= first:
		return "none"
	case end == first+1:
		return "1 (#" + format.Count(first) + ")"
	}
	return format.Count(end-first) + " (" + format.Count(first) + "–" + format.Count(end-1) + ")"
}

// controlsView says which state changes a status allows.
func controlsView(c *fiber.Ctx, h *handler, s storage.Simulation) views.ControlsView {
	v := views.ControlsView{SimID: s.ID, Status: s.Status, CSRF: csrfToken(c, h.cfg.SessionSecret),
		CanStart:  s.Status == storage.StatusQueued,
		CanPause:  s.Status == storage.StatusRunning,
		CanResume: s.Status == storage.StatusPaused,
		CanAbort:  !s.Finished(),
		CanDelete: s.Status != storage.StatusRunning && s.Status != storage.StatusPaused,
	}
	if v.CanStart {
		v.StartRefused = jobs.StartRefusal(h.redis)
	}
	return v
}
