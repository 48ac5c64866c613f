package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// showCloneSimulation opens the new-simulation form filled with a simulation's
// settings, to edit and start again: the same seed plans the same records;
// ?seed=new leaves the seed blank for a fresh one.
func (h *handler) showCloneSimulation(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	newSeed := c.Query("seed") == "new"
	form := formOfSimulation(s, newSeed)
	form.Notice = "Settings of simulation #" + strconv.FormatInt(s.ID, 10) + " (" + s.Name + "), with the same seed: it plans the same records. Change anything before you create it."
	if newSeed {
		form.Notice = "Settings of simulation #" + strconv.FormatInt(s.ID, 10) + " (" + s.Name + ") with a new random seed. Change anything before you create it."
	}
	return h.renderNewSimulation(c, fiber.StatusOK, form)
}

// rerunSimulationAPI creates a copy of a simulation (queued, not started): the
// same settings and seed, or {"newSeed": true} for a random one. 201 with it.
func (h *handler) rerunSimulationAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	var req struct {
		NewSeed bool `json:"newSeed"`
	}
	if err := readOptionalJSON(c, &req, `empty or {"newSeed": true|false}`); err != nil {
		return err
	}
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	in, fe := simulationTextOf(formOfSimulation(s, req.NewSeed)).parse(conns)
	again, err := h.addSimulation(c.UserContext(), currentUser(c).ID, in, fe)
	switch {
	case err != nil:
		return err
	case len(fe) > 0:
		return failFields(c, "simulation", fe)
	}
	return c.Status(fiber.StatusCreated).JSON(simulationJSONOf(again))
}

// formOfSimulation is the new-simulation form holding a simulation's settings.
func formOfSimulation(s storage.Simulation, newSeed bool) views.SimulationForm {
	loc := format.ClockIn(s.TimeZone).Loc
	f := views.SimulationForm{
		Name: againName(s.Name), Scenario: s.Scenario, Distribution: s.Distribution, TimeZone: s.TimeZone,
		StartTime: s.StartAt.In(loc).Format(datetimeLocal), EndTime: s.EndAt.In(loc).Format(datetimeLocal),
		TotalRecords: strconv.Itoa(s.TotalRecords), Pace: s.PaceMode, Target: storage.TargetSandbox,
		Pipeline: s.Pipeline, OwnerIDs: strings.Join(s.OwnerIDs, ", "), HourWeights: defaultHourWeights, StartNow: true,
	}
	if s.TimeZone == "" {
		f.TimeZone = "UTC"
	}
	if s.PaceMode == "accelerated" {
		f.PaceFactor = strconv.FormatFloat(s.PaceFactor, 'f', -1, 64)
	}
	if s.TargetKind == storage.TargetHubSpot && s.ConnectionID != nil {
		f.Target = strconv.FormatInt(*s.ConnectionID, 10)
	}
	if !newSeed {
		f.Seed = strconv.FormatInt(s.Seed, 10)
	}
	for i, w := range s.HourWeights {
		if i < len(f.HourWeights) {
			f.HourWeights[i] = strconv.FormatFloat(w, 'f', -1, 64)
		}
	}
	return f
}

// againName names a copy: "Q3 demo" → "Q3 demo (again)", within the name limit.
func againName(name string) string {
	name = strings.TrimSuffix(name, " (again)")
	const suffix = " (again)"
	if len(name)+len(suffix) > siminput.MaxNameLen {
		name = name[:siminput.MaxNameLen-len(suffix)]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name + suffix
}
