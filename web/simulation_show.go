package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showSimulation renders a simulation's page: definition, live progress,
// controls, segments and the DLQ/thinning panels.
func (h *handler) showSimulation(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.SimulationPage(h.page(c, s.Name, "dashboard"), h.simulationView(c, s)))
}
