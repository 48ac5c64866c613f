package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showDLQAudit renders the audit log, newest first (keyset paging: ?before=<id>).
func (h *handler) showDLQAudit(c *fiber.Ctx) error {
	before, err := pageBefore(c)
	if err != nil {
		return err
	}
	list, next, err := h.store.ReplayAudits(c.UserContext(), before, dlqPageSize)
	if err != nil {
		return err
	}
	var v views.DLQAuditView
	for _, a := range list {
		v.Rows = append(v.Rows, auditRowView(a, readerClock(c)))
	}
	if next != 0 {
		v.NextURL = "/boss/dlq/audit?before=" + strconv.FormatInt(next, 10)
	}
	if before > 0 {
		v.FirstURL = "/boss/dlq/audit"
	}
	return render(c, fiber.StatusOK, views.DLQAuditPage(h.page(c, "DLQ audit log", "dlq"), v))
}
