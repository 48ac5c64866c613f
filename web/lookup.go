package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// recordFor loads the record the address's :id names. An id that is not a
// positive whole number, or names nothing, is a 404.
func recordFor[T any](c *fiber.Ctx, load func(context.Context, int64) (T, error)) (T, error) {
	var none T
	id, err := pathID(c)
	if err != nil {
		return none, err
	}
	rec, err := load(c.UserContext(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return none, fiber.ErrNotFound
	}
	return rec, err
}

// ownedRecordFor is recordFor for records that belong to a user: only their owner
// or a boss may see one. Anything else is a 404 too, so that nobody can probe for
// other people's ids.
func ownedRecordFor[T any](c *fiber.Ctx, load func(context.Context, int64) (T, error), owner func(T) int64) (T, error) {
	var none T
	rec, err := recordFor(c, load)
	if err != nil {
		return none, err
	}
	if u := currentUser(c); u == nil || (!u.IsBoss() && owner(rec) != u.ID) {
		return none, fiber.ErrNotFound
	}
	return rec, nil
}

// simulationFor loads the simulation named by :id for its owner or a boss.
func (h *handler) simulationFor(c *fiber.Ctx) (storage.Simulation, error) {
	return ownedRecordFor(c, h.store.Simulation, func(s storage.Simulation) int64 { return s.UserID })
}

// connectionFor loads the HubSpot connection named by :id for its owner or a boss.
func (h *handler) connectionFor(c *fiber.Ctx) (storage.Connection, error) {
	return ownedRecordFor(c, h.store.Connection, func(conn storage.Connection) int64 { return conn.UserID })
}

// userConnections lists the HubSpot connections the signed-in user may target.
func (h *handler) userConnections(c *fiber.Ctx) ([]storage.Connection, error) {
	return h.store.Connections(c.UserContext(), currentUser(c).ID)
}
