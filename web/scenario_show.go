package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showScenario renders a scenario's editor and history.
func (h *handler) showScenario(c *fiber.Ctx) error {
	sc, err := scenarioFor(c)
	if err != nil {
		return err
	}
	st, err := h.scenarioState(c.UserContext(), sc.Name)
	if err != nil {
		return err
	}
	v := scenarioView(sc, st, nil, nil)
	switch {
	case c.Query("saved") != "":
		v.Notice = "Saved. Simulations created from now on use version " + strconv.Itoa(v.Version) + "."
	case c.Query("rolledBack") != "":
		v.Notice = "Rolled back: version " + strconv.Itoa(v.Version) + " has the values of version " + clip(c.Query("rolledBack"), 12) + "."
	}
	return render(c, fiber.StatusOK, views.ScenarioPage(h.page(c, sc.Label, "scenarios"), v))
}
