package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/views"
)

// updateScenario saves the editor's values as a new version; a bad value
// re-renders the form with a message beside its field.
func (h *handler) updateScenario(c *fiber.Ctx) error {
	sc, err := scenarioFor(c)
	if err != nil {
		return err
	}
	o, typed, fe := scenarioForm(c)
	ctx := c.UserContext()
	if len(fe) == 0 {
		_, problems, _, err := h.saveScenario(ctx, sc, o, currentUser(c))
		if err != nil {
			return err
		}
		fe = scenarioProblems(problems)
	} else {
		for k, msg := range sim.OverrideProblems(sc, o) { // the readable values' messages too
			fe[k] = msg
		}
	}
	if len(fe) == 0 {
		return c.Redirect("/boss/scenarios/"+sc.Name+"?saved=1", fiber.StatusSeeOther)
	}
	st, err := h.scenarioState(ctx, sc.Name)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusUnprocessableEntity, views.ScenarioPage(h.page(c, sc.Label, "scenarios"), scenarioView(sc, st, typed, fe)))
}

// rollbackScenario makes an older version's values current, as a new version (the
// history keeps every step).
func (h *handler) rollbackScenario(c *fiber.Ctx) error {
	sc, err := scenarioFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	st, err := h.scenarioState(ctx, sc.Name)
	if err != nil {
		return err
	}
	version, ok := whole(c.FormValue("version"), 0, 1<<31-1)
	if isAPI(c) {
		var req struct {
			Version *int `json:"version"`
		}
		if err := readJSON(c, &req, `{"version": N}`); err != nil {
			return err
		}
		ok = req.Version != nil
		if ok {
			version = int64(*req.Version)
		}
	}
	target, found := st.at(int(version))
	if !ok || !found {
		msg := "Choose a version of this scenario to roll back to (0 is the built-in values)."
		if isAPI(c) {
			return failFields(c, "roll back", map[string]string{"version": msg})
		}
		return render(c, fiber.StatusUnprocessableEntity, views.ScenarioPage(h.page(c, sc.Label, "scenarios"),
			scenarioView(sc, st, nil, views.FormErrors{"": msg})))
	}
	v, problems, _, err := h.saveScenario(ctx, sc, target, currentUser(c))
	if err != nil {
		return err
	}
	if len(problems) > 0 { // the version's values break a rule that came later
		if isAPI(c) {
			return failFields(c, "roll back", problems)
		}
		return render(c, fiber.StatusUnprocessableEntity, views.ScenarioPage(h.page(c, sc.Label, "scenarios"),
			scenarioView(sc, st, nil, scenarioProblems(problems))))
	}
	if isAPI(c) {
		return c.JSON(scenarioVersionJSONOf(v))
	}
	return c.Redirect("/boss/scenarios/"+sc.Name+"?rolledBack="+strconv.FormatInt(version, 10), fiber.StatusSeeOther)
}

// at returns the overrides of a version; 0 is the built-in scenario.
func (st scenarioState) at(version int) (sim.Overrides, bool) {
	if version == 0 {
		return sim.Overrides{}, true
	}
	for _, v := range st.versions {
		if v.Version == version {
			return parsedOverrides(v.Overrides), true
		}
	}
	return nil, false
}
