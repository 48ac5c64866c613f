package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/simcrm/simcrm/internal/format"

	"github.com/simcrm/simcrm/views"
)

// updateSandboxLimits applies new rate limits to the running sandbox (boss only).
func (h *handler) updateSandboxLimits(c *fiber.Ctx) error {
	l, form := readLimits(c)
	status := fiber.StatusOK
	if len(form.Errors) == 0 {
		if err := h.sandbox.SetLimits(l); err != nil {
			form.Errors[""] = err.Error()
		}
	}
	v := h.sandboxSettingsView(c)
	if len(form.Errors) > 0 {
		v.Limits, status = form, fiber.StatusUnprocessableEntity
	} else {
		v.Notice = "Limits applied: " + limitText(l.Burst, "calls per 10 s", "burst") + ", " + limitText(l.Daily, "a day", "daily") +
			", " + limitText(l.SearchPerSecond, "searches a second", "search") + "."
		h.log.Info("sandbox limits changed", "user", currentUser(c).ID, "burst", l.Burst, "daily", l.Daily, "search", l.SearchPerSecond)
	}
	return render(c, status, views.SandboxSettingsPage(h.page(c, "Sandbox settings", "sandbox"), v))
}

// limitText is a limit in words: "100 calls per 10 s", or "no burst limit" for 0.
func limitText(n int, unit, name string) string {
	if n <= 0 {
		return "no " + name + " limit"
	}
	return format.Count(n) + " " + unit
}
