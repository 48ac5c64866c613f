package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showSandboxSettings shows the sandbox's address, token, limits and faults (boss only).
func (h *handler) showSandboxSettings(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, views.SandboxSettingsPage(h.page(c, "Sandbox settings", "sandbox"), h.sandboxSettingsView(c)))
}
