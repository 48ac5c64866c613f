package web

import (
	"context"
	"errors"
	"sort"

	"github.com/gofiber/fiber/v2"

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
	return render(c, pollStatus(s.Finished()), views.DLQPanel(h.dlqPanelView(c.UserContext(), s)))
}

// dlqPanelView builds the DLQ panel: failure tallies and samples from Redis, or
// from the database while Redis is away; open rows from the database.
func (h *handler) dlqPanelView(ctx context.Context, s storage.Simulation) views.DLQPanelView {
	v := views.DLQPanelView{SimID: s.ID, Finished: s.Finished(), SampleCap: h.cfg.DLQSampleMax}
	live, err := h.dlqLive(ctx, s.ID, dlqPanelSamples)
	if err != nil {
		h.log.Error("dlq panel", "simulation", s.ID, "err", err)
		v.Unavailable = "The DLQ figures cannot be read right now."
		return v
	}
	v.Source = live.Source
	for _, c := range live.categories() {
		v.Categories = append(v.Categories, views.DLQPanelCategory{Category: c, Failed: live.Tallies[c], Open: live.Open[c]})
		v.FailedTotal += live.Tallies[c]
		v.OpenTotal += live.Open[c]
	}
	for _, raw := range live.Samples {
		sv, _ := sampleFromRedis(raw)
		v.Samples = append(v.Samples, sv)
	}
	for _, e := range live.Rows {
		v.Samples = append(v.Samples, sampleFromEntry(e, false))
	}
	return v
}

// dlqLive is a simulation's DLQ at a glance.
type dlqLive struct {
	Source  string           // redis or db
	Tallies map[string]int64 // failures per category (sim:<id>:dlq:counts)
	Open    map[string]int64 // open rows per category (database)
	Samples []string         // from sim:<id>:dlq:samples (Source redis)
	Rows    []storage.DLQEntry
}

// categories lists the categories with failures or open rows, in page order.
func (l dlqLive) categories() []string {
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
	sort.Slice(out, func(i, j int) bool { return categoryOrder(out[i]) < categoryOrder(out[j]) })
	return out
}

// dlqLive reads the live keys when Redis is up and holds them; otherwise (Redis
// down, or flushed while the database still has the rows) the database.
func (h *handler) dlqLive(ctx context.Context, simID int64, samples int) (dlqLive, error) {
	open, err := h.store.DLQCounts(ctx, simID)
	if err != nil {
		return dlqLive{}, err
	}
	live := dlqLive{Source: "redis", Open: open}
	tallies, err := h.redis.HashCounts(ctx, jobs.DLQCountsKey(simID))
	if err == nil {
		live.Tallies = tallies
		live.Samples, _, err = h.redis.ListHead(ctx, jobs.DLQSamplesKey(simID), samples)
	}
	if err != nil && !errors.Is(err, storage.ErrRedisDisabled) {
		h.log.Warn("dlq from redis", "simulation", simID, "err", err)
	}
	if err == nil && (len(live.Tallies) > 0 || len(open) == 0) {
		return live, nil
	}
	live = dlqLive{Source: "db", Open: open}
	if live.Tallies, err = h.store.DLQTallies(ctx, simID); err != nil {
		return dlqLive{}, err
	}
	if live.Rows, err = h.store.DLQRecent(ctx, simID, samples); err != nil {
		return dlqLive{}, err
	}
	return live, nil
}
