package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// deleteConnection erases a connection and its sealed token. One that simulations
// use is refused with 409 and the simulations named.
func (h *handler) deleteConnection(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	users, err := h.removeConnection(ctx, conn)
	if err != nil {
		return err
	}
	if users == nil {
		return seeOther(c, "/connections")
	}
	v, err := h.connectionView(ctx, currentUser(c), conn)
	if err != nil {
		return err
	}
	v.Notice, v.NoticeKind, v.InUse = inUseMessage(len(users)), "error", users
	return renderPage(c, fiber.StatusConflict, views.ConnectionPage(h.page(c, conn.Name, "connections"), v))
}

// removeConnection deletes a connection, or returns the simulations that still use
// it (non-nil) and deletes nothing.
func (h *handler) removeConnection(ctx context.Context, conn storage.Connection) ([]views.SimulationLink, error) {
	err := h.store.DeleteConnection(ctx, conn.ID)
	if err == nil {
		h.log.Info("connection deleted", "connection", conn.ID, "user", conn.UserID)
		return nil, nil
	}
	if !errors.Is(err, storage.ErrConflict) {
		return nil, err
	}
	sims, err := h.store.Simulations(ctx, storage.SimulationFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	users := []views.SimulationLink{}
	for _, s := range sims {
		if s.ConnectionID != nil && *s.ConnectionID == conn.ID {
			users = append(users, views.SimulationLink{ID: s.ID, Name: s.Name})
		}
	}
	return users, nil
}

// inUseMessage explains a refused delete.
func inUseMessage(n int) string {
	what := fmt.Sprintf("%d simulations use it", n)
	switch n {
	case 0:
		what = "simulations use it"
	case 1:
		what = "1 simulation uses it"
	}
	return "This connection cannot be deleted: " + what + ", and a simulation keeps its target for its whole history. " +
		"To stop their traffic, abort them."
}
