package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// updateSandboxFaults applies new injected faults to the running sandbox (boss only).
func (h *handler) updateSandboxFaults(c *fiber.Ctx) error {
	f, form := readFaults(c)
	status := fiber.StatusOK
	if len(form.Errors) == 0 {
		if err := h.sandbox.SetFaults(f); err != nil {
			form.Errors[""] = err.Error()
		}
	}
	v := h.sandboxSettingsView(c)
	if len(form.Errors) > 0 {
		v.Faults, status = form, fiber.StatusUnprocessableEntity
	} else {
		v.Notice = "Faults applied: none."
		if len(v.Faults.Active) > 0 {
			v.Notice = "Faults applied: " + strings.Join(v.Faults.Active, ", ") + "."
		}
		h.log.Info("sandbox faults changed", "user", currentUser(c).ID, "error_rate", f.ErrorRate, "latency", f.Latency,
			"timeout_rate", f.TimeoutRate, "force401", f.Force401, "force403", f.Force403)
	}
	return render(c, status, views.SandboxSettingsPage(h.page(c, "Sandbox settings", "sandbox"), v))
}
