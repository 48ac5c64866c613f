package web

import (
	"github.com/gofiber/fiber/v2"
)

// resetSandbox deletes every sandbox record, association and custom property
// (boss only) and goes back to the browser.
func (h *handler) resetSandbox(c *fiber.Ctx) error {
	if err := h.sandbox.Reset(c.UserContext()); err != nil {
		return err
	}
	h.log.Warn("sandbox reset", "user", currentUser(c).ID)
	return seeOther(c, "/sandbox?reset=done")
}
