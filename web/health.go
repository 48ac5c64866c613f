package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showHealthz answers while the process is alive.
func (h *handler) showHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// showReadyz answers 200 while the database answers; Redis state is reported but
// does not make SimCRM unready (it serves from the database meanwhile).
func (h *handler) showReadyz(c *fiber.Ctx) error {
	dbErr := h.store.Ping(c.UserContext())
	body := fiber.Map{"database": "up", "dialect": h.store.Dialect(), "redis": h.health().Redis}
	status := fiber.StatusOK
	if dbErr != nil {
		body["database"] = "down"
		status = fiber.StatusServiceUnavailable
	}
	if h.redis.Embedded() {
		body["redisMode"] = "embedded"
	}
	body["status"] = map[bool]string{true: "ready", false: "not ready"}[status == fiber.StatusOK]
	return c.Status(status).JSON(body)
}

// showHealthStrip renders the polled health strip.
func (h *handler) showHealthStrip(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, views.HealthStrip(h.health()))
}
