package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// deleteSimulation deletes a simulation that is not running or paused: its rows,
// ledger, segments and Redis keys. The objects it created stay in the target (clean
// up first to remove them). A running or paused one is a 409 that says why.
func (h *handler) deleteSimulation(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := currentUser(c)
	err = h.store.DeleteSimulation(ctx, s.ID, u.ID)
	if errors.Is(err, storage.ErrConflict) {
		msg := fmt.Sprintf("Simulation %d is %s, so it cannot be deleted: abort it or let it finish first.", s.ID, s.Status)
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
	keys, err := h.redis.DeleteSimulationKeys(ctx, s.ID)
	if err != nil { // the rows are gone; leftover keys expire with nothing reading them
		h.log.Warn("simulation keys left in Redis", "simulation", s.ID, "err", err)
	}
	h.log.Info("simulation deleted", "simulation", s.ID, "user", u.ID, "redis_keys", keys)
	switch {
	case isAPI(c):
		return c.SendStatus(fiber.StatusNoContent)
	case isHTMX(c):
		c.Set("HX-Redirect", "/")
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}
