package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// submitDLQClose resolves or discards the open rows the filter (or the one row of
// a detail page) matches, with a reason, then goes back to the list (or the row).
func (h *handler) submitDLQClose(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := requestValues(c)
	in := dlqFilterFromValues(v)
	f, errs := in.parse(ctx, h.store)
	action, reason := v.Get("action"), strings.TrimSpace(v.Get("reason"))
	if action != storage.AuditResolve && action != storage.AuditDiscard {
		errs["action"] = "Choose Resolve or Discard."
	}
	switch {
	case reason == "":
		errs["reason"] = "Say why, for the audit log."
	case utf8.RuneCountInString(reason) > dlqMaxReasonLen:
		errs["reason"] = "Keep the reason under " + strconv.Itoa(dlqMaxReasonLen) + " characters."
		reason = ""
	}
	if errs.Any() {
		if filterErrors(errs).Any() || errs.Has("jobIds") {
			errs[""] = "The filter has a problem: fix it above and apply it first."
		}
		form := views.DLQCloseForm{Filter: h.dlqForm(ctx, in, errs), Action: action, Reason: reason, Errors: errs,
			CSRF: csrfToken(c, h.cfg.SessionSecret)}
		form.JobID = in.entryRow(f)
		if !errs.Has("") {
			form.Matching, _ = h.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: f.SimulationID, Categories: f.Categories,
				ObjectType: f.ObjectType, ErrorText: f.ErrorText, From: f.From, To: f.To, IDs: f.IDs, TaskIDs: f.TaskIDs})
		}
		if isHTMX(c) {
			return renderSwap(c, fiber.StatusUnprocessableEntity, views.DLQClosePanel(form))
		}
		if form.JobID != 0 {
			ev, err := h.entryView(c, form.JobID)
			if err != nil {
				return err
			}
			ev.Close = form
			return render(c, fiber.StatusUnprocessableEntity, views.DLQEntryPage(h.page(c, "DLQ row", "dlq"), ev))
		}
		in.JobIDs = nil
		tv, err := h.triageView(c, in, f, views.FormErrors{}, 0)
		if err != nil {
			return err
		}
		tv.Close = form
		return render(c, fiber.StatusUnprocessableEntity, views.DLQPage(h.page(c, "Dead-letter queue", "dlq"), tv))
	}
	audit, err := h.triage().Close(ctx, currentUser(c).ID, f, action, reason)
	if err != nil {
		return err
	}
	to := in.form().With("closed", strconv.Itoa(audit.Selected), "action", action)
	if id := in.entryRow(f); id != 0 {
		to = "/boss/dlq/" + strconv.FormatInt(id, 10)
	}
	return seeOther(c, to)
}
