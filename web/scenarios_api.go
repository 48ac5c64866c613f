package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// scenarioJSON is a scenario as the API shows it: built-in parameter values, the
// current version's overrides and the history.
type scenarioJSON struct {
	Name       string                `json:"name"`
	Label      string                `json:"label"`
	Version    int                   `json:"version"`
	BuiltIn    map[string]float64    `json:"builtIn,omitempty"`
	Overrides  map[string]float64    `json:"overrides"`
	Versions   []scenarioVersionJSON `json:"versions,omitempty"`
	Parameters []parameterJSON       `json:"parameters,omitempty"`
}

type scenarioVersionJSON struct {
	Scenario  string             `json:"scenario"`
	Version   int                `json:"version"`
	Overrides map[string]float64 `json:"overrides"`
	ChangedBy string             `json:"changedBy"`
	CreatedAt time.Time          `json:"createdAt"`
}

type parameterJSON struct {
	Key     string  `json:"key"`
	Help    string  `json:"help"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Integer bool    `json:"integer"`
}

func scenarioVersionJSONOf(v storage.ScenarioVersion) scenarioVersionJSON {
	return scenarioVersionJSON{Scenario: v.Scenario, Version: v.Version, Overrides: parsedOverrides(v.Overrides),
		ChangedBy: v.ChangedByEmail, CreatedAt: v.CreatedAt}
}

// listScenariosAPI lists every scenario with its current version and overrides.
func (h *handler) listScenariosAPI(c *fiber.Ctx) error {
	out := []scenarioJSON{}
	for _, sc := range sim.Scenarios() {
		st, err := h.scenarioState(c.UserContext(), sc.Name)
		if err != nil {
			return err
		}
		out = append(out, scenarioJSON{Name: sc.Name, Label: sc.Label, Version: st.version(), Overrides: st.current})
	}
	return c.JSON(fiber.Map{"scenarios": out})
}

// showScenarioAPI is one scenario: parameters with their ranges, built-in values,
// current overrides and every version.
func (h *handler) showScenarioAPI(c *fiber.Ctx) error {
	sc, err := scenarioFor(c)
	if err != nil {
		return err
	}
	st, err := h.scenarioState(c.UserContext(), sc.Name)
	if err != nil {
		return err
	}
	out := scenarioJSON{Name: sc.Name, Label: sc.Label, Version: st.version(), BuiltIn: sim.ParameterValues(sc),
		Overrides: st.current, Versions: []scenarioVersionJSON{}}
	for _, p := range sim.Parameters() {
		out.Parameters = append(out.Parameters, parameterJSON{Key: p.Key, Help: p.Help, Min: p.Min, Max: p.Max, Integer: p.Integer})
	}
	for _, v := range st.versions {
		out.Versions = append(out.Versions, scenarioVersionJSONOf(v))
	}
	return c.JSON(out)
}

// updateScenarioAPI stores {"overrides": {key: value}} (the whole set; keys left
// out use the built-in value) as the next version: 201 with the version, 200 with
// the current one when nothing changed, 422 naming each bad key.
func (h *handler) updateScenarioAPI(c *fiber.Ctx) error {
	sc, err := scenarioFor(c)
	if err != nil {
		return err
	}
	var req struct {
		Overrides map[string]float64 `json:"overrides"`
	}
	if err := readJSON(c, &req, `{"overrides": {"parameter": number, …}}`); err != nil {
		return err
	}
	v, problems, saved, err := h.saveScenario(c.UserContext(), sc, req.Overrides, currentUser(c))
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return failFields(c, "scenario overrides", problems)
	}
	status := fiber.StatusOK
	if saved {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(scenarioVersionJSONOf(v))
}
