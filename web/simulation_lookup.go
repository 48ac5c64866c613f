package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// simulationFor loads the simulation named by :id if the caller may see it: its
// owner or a boss. Anything else, including an id that is not a number, is a 404
// so that players cannot probe for other people's simulations.
func (h *handler) simulationFor(c *fiber.Ctx) (storage.Simulation, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return storage.Simulation{}, fiber.ErrNotFound
	}
	s, err := h.store.Simulation(c.UserContext(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Simulation{}, fiber.ErrNotFound
	}
	if err != nil {
		return storage.Simulation{}, err
	}
	if u := currentUser(c); u == nil || (!u.IsBoss() && s.UserID != u.ID) {
		return storage.Simulation{}, fiber.ErrNotFound
	}
	return s, nil
}

// userConnections lists the HubSpot connections the signed-in user may target.
func (h *handler) userConnections(c *fiber.Ctx) ([]storage.Connection, error) {
	return h.store.Connections(c.UserContext(), currentUser(c).ID)
}
