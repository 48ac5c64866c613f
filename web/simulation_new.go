package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showNewSimulation renders the new-simulation form with the preview of its defaults.
func (h *handler) showNewSimulation(c *fiber.Ctx) error {
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	form := newSimulationForm(time.Now())
	form.Faults = h.sandboxFaultText()
	in, fe := simulationTextOf(form).parse(conns)
	delete(fe, "name") // a blank name is fine for a preview
	return render(c, fiber.StatusOK, views.NewSimulationPage(h.page(c, "New simulation", "new"),
		withChoices(form, conns), h.previewView(c.UserContext(), in, fe)))
}

// simulationTextOf turns a form model back into text for parsing.
func simulationTextOf(f views.SimulationForm) simulationText {
	return simulationText{Name: f.Name, Scenario: f.Scenario, Distribution: f.Distribution, StartTime: f.StartTime,
		EndTime: f.EndTime, TimeZone: f.TimeZone, TotalRecords: f.TotalRecords, Pace: f.Pace, PaceFactor: f.PaceFactor,
		Target: f.Target, Seed: f.Seed, Pipeline: f.Pipeline, HourWeights: f.HourWeights[:]}
}
