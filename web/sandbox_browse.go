package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showSandbox is the sandbox browser: counts per object type and one type's
// records, filtered by simulation, by a property's value or by text.
func (h *handler) showSandbox(c *fiber.Ctx) error {
	scope, err := h.sandboxScope(c)
	if err != nil {
		return err
	}
	q, fe := readSandboxQuery(c, scope)
	v, err := h.sandboxView(c.UserContext(), scope, q, fe, readerClock(c))
	if err != nil {
		return err
	}
	if c.Query("reset") == "done" && scope.boss {
		v.Notice = "The sandbox was reset: every record, association and custom property is gone."
	}
	status := fiber.StatusOK
	if len(fe) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return render(c, status, views.SandboxPage(h.page(c, "Sandbox", "sandbox"), v))
}
