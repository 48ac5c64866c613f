package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// connectionJSON is a connection as the API answers it: never with the token.
type connectionJSON struct {
	ID                int64      `json:"id"`
	UserID            int64      `json:"userId"`
	Name              string     `json:"name"`
	BaseURL           string     `json:"baseUrl"`
	Tier              string     `json:"tier"`
	ValidatedAt       *time.Time `json:"validatedAt"`
	ValidationOK      bool       `json:"validationOk"`
	ValidationMessage string     `json:"validationMessage"`
	MissingScopes     []string   `json:"missingScopes"`
	HistoricalDates   bool       `json:"historicalDates"`
	CreatedAt         time.Time  `json:"createdAt"`
}

func connectionJSONOf(c storage.Connection) connectionJSON {
	scopes := missingScopesIn(c.ValidationMessage)
	if scopes == nil {
		scopes = []string{}
	}
	return connectionJSON{ID: c.ID, UserID: c.UserID, Name: c.Name, BaseURL: c.BaseURL, Tier: c.Tier, ValidatedAt: c.ValidatedAt,
		ValidationOK: c.ValidationOK, ValidationMessage: c.ValidationMessage, MissingScopes: scopes,
		HistoricalDates: c.HistoricalDates, CreatedAt: c.CreatedAt}
}

// listConnectionsAPI lists the caller's connections (everyone's for a boss).
func (h *handler) listConnectionsAPI(c *fiber.Ctx) error {
	conns, err := h.visibleConnections(c)
	if err != nil {
		return err
	}
	out := make([]connectionJSON, 0, len(conns))
	for _, conn := range conns {
		out = append(out, connectionJSONOf(conn))
	}
	return c.JSON(fiber.Map{"connections": out})
}

// showConnectionAPI answers one connection.
func (h *handler) showConnectionAPI(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	return c.JSON(connectionJSONOf(conn))
}

// createConnectionAPI adds a connection from {"name","token","tier","baseUrl"}: 201
// with it, 422 with a message per field, 400 when the body is not a JSON object.
func (h *handler) createConnectionAPI(c *fiber.Ctx) error {
	var t connectionText
	if err := readJSON(c, &t, `a JSON object with "name", "token", "tier" and optionally "baseUrl"`); err != nil {
		return err
	}
	conn, fe, err := h.addConnection(c.UserContext(), currentUser(c), t)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return failFields(c, "connection", fe)
	}
	conn, err = h.store.Connection(c.UserContext(), conn.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(connectionJSONOf(conn))
}

// validateConnectionAPI probes a connection again and answers it with the result.
func (h *handler) validateConnectionAPI(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	if conn, err = h.revalidate(c.UserContext(), conn); err != nil {
		return err
	}
	return c.JSON(connectionJSONOf(conn))
}

// deleteConnectionAPI deletes a connection: 204, or 409 naming the simulations that use it.
func (h *handler) deleteConnectionAPI(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	users, err := h.removeConnection(c.UserContext(), conn)
	if err != nil {
		return err
	}
	if users == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	ids := make([]int64, 0, len(users))
	for _, s := range users {
		ids = append(ids, s.ID)
	}
	return failJSON(c, fiber.StatusConflict, inUseMessage(len(users)), fiber.Map{"simulations": ids})
}
