package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

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
	if len(fe) == 0 {
		s, engineErrs, err := h.engine.Create(ctx, u.ID, in)
		if err != nil {
			return err
		}
		if len(engineErrs) == 0 {
			h.log.Info("simulation created", "simulation", s.ID, "user", u.ID)
			if startNow {
				if _, err := h.engine.Start(ctx, s.ID); err != nil {
					h.log.Warn("start after create", "simulation", s.ID, "err", err) // the page offers Start
				}
			}
			return c.Redirect("/simulations/"+strconv.FormatInt(s.ID, 10), fiber.StatusSeeOther)
		}
		mergeFieldErrors(fe, engineErrs)
	} else {
		h.judgeRest(in, fe)
	}
	form := echoForm(text, startNow)
	form.Errors = formErrors(fe)
	return render(c, fiber.StatusUnprocessableEntity, views.NewSimulationPage(h.page(c, "New simulation", "new"),
		withChoices(form, conns), h.previewView(in, fe)))
}
