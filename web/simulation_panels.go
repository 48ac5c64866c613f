package web

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// simulationPanels is the extension point of the simulation page: the panels
// other features show below the segments (the DLQ and thinning panels). Each
// panel is its own component with a stable id and its own fragment route; add
// it here, in display order. Components get view models and do no I/O, so
// build the model here and hand it over.
func (h *handler) simulationPanels(c *fiber.Ctx, s storage.Simulation) []templ.Component {
	if u := currentUser(c); u == nil || !u.IsBoss() {
		return nil // the DLQ and thinning panels are a boss's
	}
	ctx := c.UserContext()
	return []templ.Component{
		views.DLQPanel(h.dlqPanelView(ctx, s, readerClock(c))),
		views.ThinningPanel(h.thinningPanelView(ctx, s)),
	}
}
