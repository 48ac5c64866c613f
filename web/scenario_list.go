package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/views"
)

// showScenarios lists the scenarios with the version each runs with.
func (h *handler) showScenarios(c *fiber.Ctx) error {
	var v views.ScenariosView
	for _, sc := range sim.Scenarios() {
		st, err := h.scenarioState(c.UserContext(), sc.Name)
		if err != nil {
			return err
		}
		r := views.ScenarioRow{Name: sc.Name, Label: sc.Label, Description: sc.Description, Version: st.version(),
			Changed: len(onlyChanges(sc, st.current))}
		if len(st.versions) > 0 {
			r.ChangedAt, r.ChangedBy = readerClock(c).DateTime(st.versions[0].CreatedAt), st.versions[0].ChangedByEmail
		}
		v.Rows = append(v.Rows, r)
	}
	return render(c, fiber.StatusOK, views.ScenariosPage(h.page(c, "Scenarios", "scenarios"), v))
}
