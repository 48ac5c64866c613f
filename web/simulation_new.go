package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showNewSimulation renders the new-simulation form with the preview of its
// defaults, or of a saved profile's settings (?profile=ID).
func (h *handler) showNewSimulation(c *fiber.Ctx) error {
	form := newSimulationForm(time.Now())
	if c.Query("profile") != "" {
		p, err := h.profileFor(c, c.Query("profile"))
		if err != nil {
			return err
		}
		form = formOfProfile(form, p)
		form.Notice = "Filled from the profile “" + p.Name + "”."
		if c.Query("saved") != "" {
			form.Notice = "Saved the profile “" + p.Name + "”. Open it again from the list of profiles."
		}
	}
	return h.renderNewSimulation(c, fiber.StatusOK, form)
}

// renderNewSimulation renders the form with its choices, the user's profiles and
// the preview of its values.
func (h *handler) renderNewSimulation(c *fiber.Ctx, status int, form views.SimulationForm) error {
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	form.Faults = h.sandboxFaultText()
	profiles, err := h.store.Profiles(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	for _, p := range profiles {
		form.Profiles = append(form.Profiles, views.ProfileLink{ID: p.ID, Name: p.Name})
	}
	in, fe := simulationTextOf(form).parse(conns)
	delete(fe, "name") // a blank name is fine for a preview
	return render(c, status, views.NewSimulationPage(h.page(c, "New simulation", "new"), withChoices(form, conns),
		h.previewView(c.UserContext(), in, fe)))
}

// simulationTextOf turns a form model back into text for parsing.
func simulationTextOf(f views.SimulationForm) simulationText {
	return simulationText{Name: f.Name, Scenario: f.Scenario, Distribution: f.Distribution, StartTime: f.StartTime,
		EndTime: f.EndTime, TimeZone: f.TimeZone, TotalRecords: f.TotalRecords, Pace: f.Pace, PaceFactor: f.PaceFactor,
		Target: f.Target, Seed: f.Seed, Pipeline: f.Pipeline, HourWeights: f.HourWeights[:],
		OwnerIDs: strings.FieldsFunc(f.OwnerIDs, func(r rune) bool { return r == ',' || r == ' ' })}
}
