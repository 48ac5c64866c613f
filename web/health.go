package web

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/static"
	"github.com/simcrm/simcrm/views"
)

// showHealthz answers while the process is alive.
func (h *handler) showHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// showReadyz answers 200 while the database answers; Redis and the workers are
// reported but make no process unready (a web process serves from the database
// meanwhile, and runs no work itself).
func (h *handler) showReadyz(c *fiber.Ctx) error {
	dbErr := h.store.Ping(c.UserContext())
	hs := h.health(c)
	body := fiber.Map{"database": "up", "dialect": h.store.Dialect(), "redis": hs.Redis, "workers": h.workersField(c.UserContext(), hs.Redis)}
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
	return render(c, fiber.StatusOK, views.HealthStrip(h.health(c)))
}

// workersField is /readyz's word on the worker processes: how many were seen
// within 15 s, when the newest heartbeat was, and whether work waits for nobody.
func (h *handler) workersField(ctx context.Context, redisState string) fiber.Map {
	w, err := h.redis.Workers(ctx)
	if err != nil {
		return fiber.Map{"known": false, "reason": "redis is " + redisState}
	}
	out := fiber.Map{"known": true, "alive": w.Alive, "lastSeen": nil}
	if !w.LastSeen.IsZero() {
		out["lastSeen"] = w.LastSeen.UTC().Format(time.RFC3339)
	}
	if w.Alive == 0 {
		out["warning"] = views.NoWorkersMessage
	}
	return out
}

// showFavicon answers browsers that ask for /favicon.ico with the SVG icon the
// pages link to.
func (h *handler) showFavicon(c *fiber.Ctx) error {
	icon, err := static.FS.ReadFile("favicon.svg")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Type("svg")
	return c.Send(icon)
}

// redisCLI is the redis-cli command that reaches SimCRM's Redis (the in-process
// one's picked port, or REDIS_URL's host, port and database without its
// password); "" with Redis off.
func (h *handler) redisCLI() string {
	addr, db := h.redis.EmbeddedAddr(), ""
	if addr == "" {
		u, err := url.Parse(h.cfg.RedisURL)
		if err != nil || u.Host == "" {
			return ""
		}
		addr = u.Host
		if n := strings.Trim(u.Path, "/"); n != "" && n != "0" {
			db = " -n " + n
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return "redis-cli -h " + host + " -p " + port + db
}
