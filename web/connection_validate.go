package web

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// validateConnection probes a stored connection again and shows the result.
func (h *handler) validateConnection(c *fiber.Ctx) error {
	conn, err := h.connectionFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if conn, err = h.revalidate(ctx, conn); err != nil {
		return err
	}
	v, err := h.connectionView(ctx, currentUser(c), conn)
	if err != nil {
		return err
	}
	v.Notice, v.NoticeKind = "Validated just now: "+v.Status.Label+".", "ok"
	if !conn.ValidationOK {
		v.NoticeKind = "warn"
	}
	return render(c, fiber.StatusOK, views.ConnectionPage(h.page(c, conn.Name, "connections"), v))
}

// revalidate opens the sealed token, probes it and records the result.
func (h *handler) revalidate(ctx context.Context, conn storage.Connection) (storage.Connection, error) {
	if h.box == nil {
		return conn, fmt.Errorf("web: no TOKEN_ENC_SECRET to open connection %d", conn.ID)
	}
	var res probeResult
	if token, err := h.box.Open(conn.TokenCiphertext); err != nil {
		// TOKEN_ENC_SECRET changed since the token was sealed: only a new token helps.
		h.log.Warn("connection token cannot be opened", "connection", conn.ID, "err", err)
		res.Message = "The stored token cannot be decrypted with this server's TOKEN_ENC_SECRET (was the key changed?). Delete the connection and add it again."
	} else {
		res = h.probeConnection(ctx, conn.BaseURL, string(token))
	}
	if err := h.store.SetConnectionValidation(ctx, conn.ID, res.OK, res.Message); err != nil {
		return conn, err
	}
	h.log.Info("connection validated", "connection", conn.ID, "ok", res.OK, "accepted", res.Accepted, "missing_scopes", len(res.Scopes))
	return h.store.Connection(ctx, conn.ID)
}
