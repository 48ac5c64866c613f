package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// listConnections shows the caller's HubSpot connections beside the form that adds one.
func (h *handler) listConnections(c *fiber.Ctx) error {
	conns, err := h.visibleConnections(c)
	if err != nil {
		return err
	}
	v, err := h.connectionsView(c.UserContext(), currentUser(c), conns, connectionForm(connectionText{}, nil))
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.ConnectionsPage(h.page(c, "Connections", "connections"), v))
}
