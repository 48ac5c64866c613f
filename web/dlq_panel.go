package web

import (
	"context"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// dlqPanelSamples is how many of the kept samples the panel shows.
const dlqPanelSamples = 5

// showDLQPanel answers the polled DLQ panel of a simulation (286 once it is
// finished, so polling stops).
func (h *handler) showDLQPanel(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return render(c, pollStatus(s.Finished()), views.DLQPanel(h.dlqPanelView(c.UserContext(), s, readerClock(c))))
}

// dlqPanelView builds the DLQ panel: failure tallies and samples from Redis, or
// from the database while Redis is away; open rows from the database.
func (h *handler) dlqPanelView(ctx context.Context, s storage.Simulation, clk format.Clock) views.DLQPanelView {
	v := views.DLQPanelView{SimID: s.ID, Finished: s.Finished(), SampleCap: h.cfg.DLQSampleMax}
	live, err := h.progress.DLQ(ctx, s.ID, dlqPanelSamples)
	if err != nil {
		h.log.Error("dlq panel", "simulation", s.ID, "err", err)
		v.Unavailable = "The DLQ figures cannot be read right now."
		return v
	}
	v.Source = live.Source
	for _, c := range categories(live) {
		v.Categories = append(v.Categories, views.DLQPanelCategory{Category: c, Failed: live.Tallies[c], Open: live.Open[c]})
		v.FailedTotal += live.Tallies[c]
		v.OpenTotal += live.Open[c]
	}
	for _, raw := range live.Samples {
		sv, _ := sampleFromRedis(raw, clk)
		v.Samples = append(v.Samples, sv)
	}
	for _, e := range live.Rows {
		v.Samples = append(v.Samples, sampleFromEntry(e, false, clk))
	}
	return v
}

// categories lists the categories with failures or open rows, in page order.
func categories(l jobs.DLQLive) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]int64{l.Tallies, l.Open} {
		for c := range m {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return hubspot.Category(out[i]).Order() < hubspot.Category(out[j]).Order() })
	return out
}
