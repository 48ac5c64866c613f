package web

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// simulationPanels is the extension point of the simulation page: the panels
// other features show below the segments (the DLQ and thinning panels). Each
// panel is its own component with a stable id and its own fragment route; add
// it here, in display order. Components get view models and do no I/O, so
// build the model here and hand it over.
func (h *handler) simulationPanels(c *fiber.Ctx, s storage.Simulation) []templ.Component {
	return nil
}
