package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showSimulationSegments answers the polled segment panel (286 once finished).
func (h *handler) showSimulationSegments(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return render(c, pollStatus(s.Finished()), views.SimulationSegments(h.segmentsView(c.UserContext(), s)))
}
