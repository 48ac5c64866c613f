package web

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// thinningPanelEvents is how many recent decisions the panel lists.
const thinningPanelEvents = 10

// showThinningPanel answers the polled thinning panel of a simulation (286 once it
// is finished, so polling stops).
func (h *handler) showThinningPanel(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return render(c, pollStatus(s.Finished()), views.ThinningPanel(h.thinningPanelView(c.UserContext(), s)))
}

// thinningPanelView builds the thinning panel: decisions from Redis (none while it
// is away) and thinned counts from the metrics hash or the database counters.
func (h *handler) thinningPanelView(ctx context.Context, s storage.Simulation) views.ThinningPanelView {
	v := views.ThinningPanelView{SimID: s.ID, Finished: s.Finished(), Cap: h.cfg.ThinningMax}
	t, err := h.progress.Thinning(ctx, s.ID, thinningPanelEvents)
	if err != nil {
		h.log.Error("thinned counters", "simulation", s.ID, "err", err)
		v.Unavailable = "The thinned counts cannot be read right now."
	}
	v.Source, v.Stored, v.CountsSource = t.Source, t.Stored, t.CountsSource
	if len(t.Events) > 0 {
		v.HasFactor, v.Factor, v.Waiting = true, t.Events[0].Factor, t.Events[0].TotalWaiting
	}
	for _, e := range t.Events {
		v.Events = append(v.Events, views.ThinningEventRow{At: clockOf(ctx).Precise(time.UnixMilli(e.TS)), RecordIndex: e.RecordIndex,
			Before: e.Before, After: e.After, Factor: strconv.FormatFloat(e.Factor, 'f', -1, 64), Waiting: e.TotalWaiting})
	}
	for _, typ := range thinnedTypes(t) {
		v.Thinned = append(v.Thinned, views.TypeCount{Type: typ, Count: t.Thinned[typ]})
	}
	v.ThinnedTotal = t.Total
	return v
}

// thinnedTypes lists the thinned types in name order.
func thinnedTypes(t jobs.ThinningLive) []string {
	out := make([]string, 0, len(t.Thinned))
	for k := range t.Thinned {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
