package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showConnection shows one connection: settings, last validation, actions.
func (h *handler) showConnection(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	v, err := h.connectionView(c.UserContext(), currentUser(c), conn)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.ConnectionPage(h.page(c, conn.Name, "connections"), v))
}
