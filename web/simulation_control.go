package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// The state changes a simulation accepts, with the word for "it cannot be …".
var simulationActions = map[string]string{"start": "started", "pause": "paused", "resume": "resumed", "abort": "aborted"}

// controlSimulation starts, pauses, resumes or aborts a simulation, for the page
// (redirect back, or the controls for htmx) and the API (the simulation as JSON).
// A change the current state does not allow, or a start without a working Redis,
// is a 409 that says why.
func (h *handler) controlSimulation(action string) fiber.Handler {
	if _, ok := simulationActions[action]; !ok {
		panic("web: unknown simulation action " + action)
	}
	return func(c *fiber.Ctx) error {
		s, err := h.simulationFor(c)
		if err != nil {
			return err
		}
		purge, err := readPurge(c)
		if err != nil {
			return err
		}
		ctx := c.UserContext()
		var updated storage.Simulation
		switch action {
		case "start":
			updated, err = h.lifecycle.Start(ctx, s.ID)
		case "pause":
			updated, err = h.lifecycle.Pause(ctx, s.ID)
		case "resume":
			updated, err = h.lifecycle.Resume(ctx, s.ID)
		case "abort":
			updated, err = h.lifecycle.Abort(ctx, s.ID, purge)
		}
		if errors.Is(err, storage.ErrConflict) || errors.Is(err, jobs.ErrNoRedis) || errors.Is(err, jobs.ErrRedisDown) {
			msg := jobs.StartRefusal(h.redis)
			if errors.Is(err, storage.ErrConflict) {
				if now, rerr := h.store.Simulation(ctx, s.ID); rerr == nil {
					s = now
				}
				msg = fmt.Sprintf("Simulation %d is %s, so it cannot be %s.", s.ID, s.Status, simulationActions[action])
			} else if msg == "" {
				msg = "Redis is unreachable, so this simulation's work cannot be queued. Start it once Redis answers again."
			}
			if isHTMX(c) && !isAPI(c) {
				cv := controlsView(c, h, s)
				cv.Message = msg
				return renderSwap(c, fiber.StatusConflict, views.SimulationControls(cv, false))
			}
			return h.fail(c, fiber.StatusConflict, msg)
		}
		if err != nil {
			return err
		}
		h.log.Info("simulation "+simulationActions[action], "simulation", s.ID, "user", currentUser(c).ID, "purge", purge)
		switch {
		case isAPI(c):
			return c.JSON(simulationJSONOf(updated))
		case isHTMX(c):
			return render(c, fiber.StatusOK, views.SimulationControls(controlsView(c, h, updated), false))
		}
		return c.Redirect("/simulations/"+strconv.FormatInt(s.ID, 10), fiber.StatusSeeOther)
	}
}

// readPurge reads abort's purge option: the form's checkbox, or the API's
// optional {"purge": true}.
func readPurge(c *fiber.Ctx) (bool, error) {
	if !isAPI(c) {
		v := c.FormValue("purge")
		return v == "1" || v == "on" || v == "true", nil
	}
	var req struct {
		Purge bool `json:"purge"`
	}
	err := readOptionalJSON(c, &req, `empty or {"purge": true|false}`)
	return req.Purge, err
}
