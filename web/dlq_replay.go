package web

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// submitDLQReplay runs the replay form: a dry run or a replay of the open rows
// the filter (or the one row of a detail page) matches. htmx gets the replay
// panel back, and after a real replay the summary and list out of band; a plain
// form post gets the whole page.
func (h *handler) submitDLQReplay(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := requestValues(c)
	in := dlqFilterFromValues(v)
	ri := replayInput{Strategy: v.Get("strategy"), Limit: v.Get("limit"), MaxPerCategory: v.Get("maxPerCategory"),
		UseFullRetry: v.Get("useFullRetry") == "true", DryRun: v.Get("dryRun") != "false"}
	f, errs := in.parse(ctx, h.store)
	strategy, limit, perCat, rerrs := ri.parse(h.cfg.DLQReplayCap)
	for k, m := range rerrs {
		errs[k] = m
	}
	if errs.Has("jobIds") {
		errs[""] = errs["jobIds"]
	}
	form := h.dlqForm(ctx, in, errs)
	panel := views.DLQReplayPanelView{Filter: form, Strategy: strategy, Limit: strconv.Itoa(limit), UseFullRetry: ri.UseFullRetry,
		Cap: h.cfg.DLQReplayCap, Errors: errs, CSRF: csrfToken(c, h.cfg.SessionSecret), QueueDown: h.queue == nil || !h.redis.Up()}
	if ri.MaxPerCategory != "" && !errs.Has("maxPerCategory") {
		panel.MaxPerCategory = strconv.Itoa(perCat)
	}
	panel.JobID = in.entryRow(f)
	status := fiber.StatusOK
	if errs.Any() {
		if filterErrors(errs).Any() {
			errs[""] = "The filter has a problem: fix it above, apply it, then replay."
		}
		return h.renderReplay(c, fiber.StatusUnprocessableEntity, panel, in, f, false)
	}
	req := jobs.ReplayRequest{UserID: currentUser(c).ID, Filter: f, Strategy: strategy, Limit: limit,
		MaxPerCategory: perCat, UseFullRetry: ri.UseFullRetry, DryRun: ri.DryRun}
	res, err := h.triage().Replay(ctx, req)
	var limited *storage.ReplayLimitError
	switch {
	case errors.As(err, &limited):
		panel.Result = limitedView(limited.RetryAfter, readerClock(c))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retrySeconds(limited.RetryAfter)))
		status = fiber.StatusTooManyRequests
	case errors.Is(err, jobs.ErrQueueUnavailable):
		panel.Result = &views.DLQReplayResultView{Error: "Replay needs the queue, and Redis is unavailable right now. A dry run still works; try the replay when Redis is back.", AuditID: res.AuditID}
		status = fiber.StatusServiceUnavailable
	case err != nil:
		return err
	default:
		panel.Result = replayResultView(res, req, readerClock(c))
	}
	return h.renderReplay(c, status, panel, in, f, !ri.DryRun && err == nil)
}

// renderReplay answers the replay form: htmx gets the panel (renderSwap), a form
// post the page.
func (h *handler) renderReplay(c *fiber.Ctx, status int, panel views.DLQReplayPanelView, in dlqFilterInput, f storage.DLQFilter, changed bool) error {
	if isHTMX(c) {
		if panel.JobID != 0 || panel.Errors.Any() {
			return renderSwap(c, status, views.DLQReplayPanel(panel))
		}
		// The list, the summary and the scope are the filter's, not the ticked rows'.
		lf := f
		lf.IDs, lf.TaskIDs = nil, nil
		sum, list, err := h.dlqListing(c.UserContext(), lf, panel.Filter, 0, readerClock(c))
		if err != nil {
			return err
		}
		panel.Open = list.Open
		comp := templ.Component(views.DLQReplayPanel(panel))
		if changed {
			comp = templ.Join(comp, oob(views.DLQSummary(sum)), oob(views.DLQList(list, panel.Filter)))
		}
		return renderSwap(c, status, comp)
	}
	if panel.JobID != 0 {
		ev, err := h.entryView(c, panel.JobID)
		if err != nil {
			return err
		}
		ev.Replay = panel
		return render(c, status, views.DLQEntryPage(h.page(c, "DLQ row #"+strconv.FormatInt(panel.JobID, 10), "dlq"), ev))
	}
	in.JobIDs = nil
	errs := filterErrors(panel.Errors)
	if !errs.Any() {
		f.IDs, f.TaskIDs = nil, nil
	}
	tv, err := h.triageView(c, in, f, errs, 0)
	if err != nil {
		return err
	}
	tv.Replay = panel
	return render(c, status, views.DLQPage(h.page(c, "Dead-letter queue", "dlq"), tv))
}

// oob marks a region's answer for an out-of-band swap by its id.
func oob(comp templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		var b strings.Builder
		if err := comp.Render(ctx, &b); err != nil {
			return err
		}
		html := b.String()
		if i := strings.Index(html, ">"); i > 0 && strings.HasPrefix(html, "<") {
			html = html[:i] + ` hx-swap-oob="true"` + html[i:]
		}
		_, err := io.WriteString(w, html)
		return err
	})
}
