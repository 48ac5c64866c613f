package web

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// statusStopPolling tells htmx to stop polling (htmx 2.x).
const statusStopPolling = 286

// showSimulationMetrics answers the polled progress panel. When the status
// differs from the one on screen (?shown=) the controls come along out of band;
// once the simulation is finished the answer is 286 so polling stops.
func (h *handler) showSimulationMetrics(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	comp := templ.Component(views.SimulationMetrics(h.metricsView(c, s)))
	if c.Query("shown") != s.Status {
		comp = templ.Join(comp, views.SimulationControls(controlsView(c, h, s), true))
	}
	return render(c, pollStatus(s.Finished()), comp)
}

// pollStatus is 200 while a simulation runs and 286 once it is finished.
func pollStatus(finished bool) int {
	if finished {
		return statusStopPolling
	}
	return fiber.StatusOK
}
