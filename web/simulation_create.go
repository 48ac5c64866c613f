package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// createSimulation stores the form's simulation, starts it if asked, and opens
// its page; bad input re-renders the form with a message beside each field.
func (h *handler) createSimulation(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	text := readSimulationForm(c)
	startNow := c.FormValue("startNow") != ""
	in, fe := text.parse(conns)
	s, err := h.addSimulation(ctx, u.ID, in, fe)
	if err != nil {
		return err
	}
	if len(fe) == 0 {
		if startNow {
			if _, err := h.lifecycle.Start(ctx, s.ID); err != nil {
				h.log.Warn("start after create", "simulation", s.ID, "err", err) // the page offers Start
			}
		}
		return c.Redirect("/simulations/"+strconv.FormatInt(s.ID, 10), fiber.StatusSeeOther)
	}
	form := echoForm(text, startNow)
	form.Faults = h.sandboxFaultText()
	form.Errors = formErrors(fe)
	return render(c, fiber.StatusUnprocessableEntity, views.NewSimulationPage(h.page(c, "New simulation", "new"),
		withChoices(form, conns), h.previewView(ctx, in, fe)))
}

// addSimulation creates the simulation of parsed input for a user, unless reading
// and checking it (fe) or the engine finds fault with it: then fe holds every
// message and nothing is stored.
func (h *handler) addSimulation(ctx context.Context, userID int64, in siminput.Input, fe siminput.FieldErrors) (storage.Simulation, error) {
	if len(fe) > 0 {
		return storage.Simulation{}, nil
	}
	s, engineErrs, err := h.lifecycle.Create(ctx, userID, in)
	if err != nil || len(engineErrs) > 0 {
		mergeFieldErrors(fe, engineErrs)
		return s, err
	}
	h.log.Info("simulation created", "simulation", s.ID, "user", userID)
	return s, nil
}
