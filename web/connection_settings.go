package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// updateConnectionSettings saves a connection's settings (whether backfills send
// planned dates) and shows the connection again; a bad value is a message beside
// the field.
func (h *handler) updateConnectionSettings(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	on, msg := historicalDatesText(strings.Clone(c.FormValue("historicalDates"))).parse()
	status := fiber.StatusOK
	if msg == "" {
		if err := h.store.SetConnectionHistoricalDates(ctx, conn.ID, on); err != nil {
			return err
		}
		conn.HistoricalDates = on
	}
	v, err := h.connectionView(ctx, currentUser(c), conn)
	if err != nil {
		return err
	}
	if msg != "" {
		status = fiber.StatusUnprocessableEntity
		v.Errors = views.FormErrors{"historicalDates": msg}
	} else {
		v.Notice, v.NoticeKind = "Settings saved.", "ok"
	}
	return render(c, status, views.ConnectionPage(h.page(c, conn.Name, "connections"), v))
}

// connectionSettingsJSON is the body of POST /api/connections/:id/settings.
type connectionSettingsJSON struct {
	HistoricalDates historicalDatesText `json:"historicalDates"`
}

// updateConnectionSettingsAPI saves {"historicalDates": true|false} and answers the
// connection; a bad value is a 422 naming the field.
func (h *handler) updateConnectionSettingsAPI(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	var body connectionSettingsJSON
	if err := readJSON(c, &body, `a JSON object with "historicalDates" (true or false)`); err != nil {
		return err
	}
	on, msg := body.HistoricalDates.parse()
	if msg != "" || strings.TrimSpace(string(body.HistoricalDates)) == "" {
		if msg == "" {
			msg = "Say true (send planned dates in backfills) or false."
		}
		return failFields(c, "connection", views.FormErrors{"historicalDates": msg})
	}
	if err := h.store.SetConnectionHistoricalDates(c.UserContext(), conn.ID, on); err != nil {
		return err
	}
	conn.HistoricalDates = on
	return c.JSON(connectionJSONOf(conn))
}
