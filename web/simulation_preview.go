package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// previewSimulation answers the form's live preview: the planned curve, the
// expected totals and warnings, or what must be fixed first.
func (h *handler) previewSimulation(c *fiber.Ctx) error {
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	in, fe := readSimulationForm(c).parse(conns)
	delete(fe, "name") // the name does not change the plan
	return render(c, fiber.StatusOK, views.SimulationPreview(h.previewView(c.UserContext(), in, fe)))
}
