package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showDashboard lists the user's simulations.
func (h *handler) showDashboard(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, views.DashboardPage(h.page(c, "Simulations", "dashboard")))
}

// showBossHome sends the boss to the DLQ triage page.
func (h *handler) showBossHome(c *fiber.Ctx) error {
	return c.Redirect("/boss/dlq", fiber.StatusSeeOther)
}
