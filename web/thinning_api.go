package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
)

// listThinningEventsAPI answers a simulation's recent thinning decisions (newest
// first; ?limit= up to THINNING_EVENTS_MAX) and its thinned counts. Events live in
// Redis only: while it is away the list is empty with source "redis-disabled".
func (h *handler) listThinningEventsAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	limit, ok := queryWhole(c, "limit", int64(h.cfg.ThinningMax), 1, int64(h.cfg.ThinningMax))
	if !ok {
		return failFields(c, "query", map[string]string{"limit": "a whole number from 1 to " + strconv.Itoa(h.cfg.ThinningMax)})
	}
	t, err := h.progress.Thinning(c.UserContext(), s.ID, int(limit))
	if err != nil {
		h.log.Error("thinned counters", "simulation", s.ID, "err", err)
	}
	events := t.Events
	if events == nil {
		events = []jobs.ThinningEvent{}
	}
	return c.JSON(fiber.Map{"simulationId": s.ID, "source": t.Source, "events": events, "stored": t.Stored,
		"cap": h.cfg.ThinningMax, "thinned": t.Thinned, "thinnedTotal": t.Total, "countsSource": t.CountsSource})
}
