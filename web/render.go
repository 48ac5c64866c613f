package web

import (
	"context"
	"github.com/simcrm/simcrm/internal/format"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// render writes a templ component as the response.
func render(c *fiber.Ctx, status int, comp templ.Component) error {
	c.Status(status)
	c.Type("html", "utf-8")
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

// renderSwap answers htmx, which swaps only 2xx answers into the page: 200 with
// the component, and the status the answer stands for in X-SimCRM-Status.
func renderSwap(c *fiber.Ctx, status int, comp templ.Component) error {
	c.Set("X-SimCRM-Status", strconv.Itoa(status))
	return render(c, fiber.StatusOK, comp)
}

// seeOther sends the browser on after a form post: 303 for a plain post, and
// HX-Redirect for htmx (which would otherwise swap the next page into the
// element that asked).
func seeOther(c *fiber.Ctx, to string) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// renderPage answers with a whole page; for htmx it replaces the body (a
// destructive button that htmx sent and that was refused).
func renderPage(c *fiber.Ctx, status int, comp templ.Component) error {
	if isHTMX(c) {
		c.Set("HX-Retarget", "body")
		c.Set("HX-Reswap", "innerHTML")
		return renderSwap(c, status, comp)
	}
	return render(c, status, comp)
}

// isAPI reports whether a request wants JSON answers.
func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// isHTMX reports whether htmx sent the request (it swaps the answer into the page).
func isHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// fail is the one way to answer with an error: JSON under /api, a page elsewhere,
// a bare message for htmx fragments.
func (h *handler) fail(c *fiber.Ctx, status int, msg string) error {
	if isAPI(c) {
		return c.Status(status).JSON(fiber.Map{"error": msg, "status": status})
	}
	if isHTMX(c) {
		c.Status(status)
		c.Type("html", "utf-8")
		return c.SendString(`<div class="alert alert-error" role="alert">` + templ.EscapeString(msg) + `</div>`)
	}
	return render(c, status, views.ErrorPage(h.page(c, http.StatusText(status), ""), status, msg))
}

// failJSON answers an API error with extra fields (e.g. retryAfterMs, requiredRole).
func failJSON(c *fiber.Ctx, status int, msg string, extra fiber.Map) error {
	body := fiber.Map{"error": msg, "status": status}
	for k, v := range extra {
		body[k] = v
	}
	return c.Status(status).JSON(body)
}

// failFields answers an API call with 422 and a message per field; the error
// names what was invalid ("simulation") and repeats the messages.
func failFields(c *fiber.Ctx, what string, fields map[string]string) error {
	msgs := make([]string, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k == "" {
			msgs = append(msgs, fields[k])
		} else {
			msgs = append(msgs, k+": "+fields[k])
		}
	}
	return failJSON(c, fiber.StatusUnprocessableEntity, "invalid "+what+": "+strings.Join(msgs, "; "), fiber.Map{"fields": fields})
}

// clip cuts text shown back to people (a typed value, another system's message)
// to n characters, marking the cut.
func clip(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}

// page builds the layout model for the current request.
func (h *handler) page(c *fiber.Ctx, title, nav string) views.Page {
	p := views.Page{Title: title, Nav: nav, CSRF: csrfToken(c, h.cfg.SessionSecret), Health: h.health(c), Clock: readerClock(c)}
	if u := currentUser(c); u != nil {
		p.User = &views.UserView{Email: u.Email, Boss: u.IsBoss()}
	}
	return p
}

// readerClock writes times in the reader's time zone, which the page's script
// keeps in the tz cookie (UTC until it has).
func readerClock(c *fiber.Ctx) format.Clock {
	zone := c.Cookies("tz")
	if len(zone) > 64 {
		zone = ""
	}
	return format.ClockIn(zone)
}

type clockKey struct{}

// withReaderClock puts the reader's clock into the request's context, for view
// builders that get a context rather than the request.
func withReaderClock(c *fiber.Ctx) error {
	c.SetUserContext(context.WithValue(c.UserContext(), clockKey{}, readerClock(c)))
	return c.Next()
}

// clockOf is the reader's clock of a request's context (UTC without one).
func clockOf(ctx context.Context) format.Clock {
	if clk, ok := ctx.Value(clockKey{}).(format.Clock); ok {
		return clk
	}
	return format.Clock{Loc: time.UTC}
}

// health is the stores' state for the health strip; the boss also sees where the
// in-process Redis listens.
func (h *handler) health(c *fiber.Ctx) views.Health {
	hs := views.Health{DB: h.store.Up(), Dialect: h.store.Dialect(), Embedded: h.redis.Embedded()}
	if u := currentUser(c); u != nil && u.IsBoss() {
		hs.RedisAddr = h.redis.EmbeddedAddr()
	}
	switch {
	case !h.redis.Enabled():
		hs.Redis = "off"
	case h.redis.Up():
		hs.Redis = "up"
	default:
		hs.Redis = "down"
	}
	if hs.Redis == "up" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if w, err := h.redis.Workers(ctx); err == nil {
			hs.Workers, hs.WorkersKnown = w.Alive, true
		}
	}
	return hs
}
