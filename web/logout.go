package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
)

// submitLogout ends the session.
func (h *handler) submitLogout(c *fiber.Ctx) error {
	if sid := c.Cookies(sessionCookie); sid != "" {
		if err := h.store.DeleteSession(c.UserContext(), auth.HashToken(sid)); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
