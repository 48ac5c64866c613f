package web

import (
	"context"
	"fmt"
	"github.com/simcrm/simcrm/internal/format"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// showDLQ renders the triage page: the summary and one page of the rows the
// filter matches (keyset paging: ?before=<id>), with the bulk action forms.
func (h *handler) showDLQ(c *fiber.Ctx) error {
	v := requestValues(c)
	in := dlqFilterFromValues(v)
	in.JobIDs = nil
	f, errs := in.parse(c.UserContext(), h.store)
	before, err := pageBefore(c)
	if err != nil {
		return err
	}
	tv, err := h.triageView(c, in, f, errs, before)
	if err != nil {
		return err
	}
	if n, ok := whole(v.Get("closed"), 0, math.MaxInt); ok {
		verb := "Resolved"
		if v.Get("action") == storage.AuditDiscard {
			verb = "Discarded"
		}
		tv.Notice = fmt.Sprintf("%s %s open rows.", verb, format.Count(n))
	}
	status := fiber.StatusOK
	if errs.Any() {
		status = fiber.StatusUnprocessableEntity
	}
	return render(c, status, views.DLQPage(h.page(c, "Dead-letter queue", "dlq"), tv))
}

// pageBefore reads the keyset cursor of the triage and audit pages (?before=<id>);
// only a broken address has one that is not a row id.
func pageBefore(c *fiber.Ctx) (int64, error) {
	before, ok := queryWhole(c, "before", 0, 1, math.MaxInt64)
	if !ok {
		return 0, fiber.NewError(fiber.StatusBadRequest, "This page address is broken: before must be the row number a Next link carries.")
	}
	return before, nil
}

// triageView builds the triage page for a filter: with a bad filter it shows the
// messages and no rows (bulk actions then refuse to run).
func (h *handler) triageView(c *fiber.Ctx, in dlqFilterInput, f storage.DLQFilter, errs views.FormErrors, before int64) (views.DLQTriageView, error) {
	ctx := c.UserContext()
	form := h.dlqForm(ctx, in, errs)
	csrf := csrfToken(c, h.cfg.SessionSecret)
	v := views.DLQTriageView{
		Filter:   form,
		PileUpAt: dlqPileUpAt,
		Replay: views.DLQReplayPanelView{Filter: form, Strategy: jobs.ReplayOldest, Limit: strconv.Itoa(h.cfg.DLQReplayCap),
			Cap: h.cfg.DLQReplayCap, CSRF: csrf, QueueDown: h.queue == nil || !h.redis.Up()},
		Close: views.DLQCloseForm{Filter: form, CSRF: csrf},
	}
	var err error
	if v.OpenTotal, err = h.store.DLQOpenTotal(ctx); err != nil {
		return v, err
	}
	if errs.Any() {
		return v, nil
	}
	if v.Summary, v.List, err = h.dlqListing(ctx, f, form, before, readerClock(c)); err != nil {
		return v, err
	}
	v.Close.Matching, v.Replay.Open = v.List.Open, v.List.Open
	grouped, err := h.store.DLQEntries(ctx, f, 0, dlqGroupRows)
	if err != nil {
		return v, err
	}
	v.Groups = errorGroups(grouped.Entries, v.List.Matching, form)
	return v, nil
}

// dlqListing reads the summary and one page of rows for a filter.
func (h *handler) dlqListing(ctx context.Context, f storage.DLQFilter, form views.DLQFilterForm, before int64, clk format.Clock) (views.DLQSummaryView, views.DLQListView, error) {
	var list views.DLQListView
	sum, err := h.store.DLQSummary(ctx, f, time.Now())
	if err != nil {
		return views.DLQSummaryView{}, list, err
	}
	names := map[int64]string{}
	for _, r := range sum {
		list.Matching += r.Count
		names[r.SimulationID] = r.SimulationName
	}
	page, err := h.store.DLQEntries(ctx, f, before, dlqPageSize)
	if err != nil {
		return views.DLQSummaryView{}, list, err
	}
	list.Rows = rowViews(page.Entries, names, clk)
	list.Open = list.Matching
	if f.Status != "" && f.Status != storage.DLQOpen {
		open := f
		open.Status = storage.DLQOpen
		if list.Open, err = h.store.CountDLQ(ctx, open); err != nil {
			return views.DLQSummaryView{}, list, err
		}
	}
	if page.Next != 0 {
		list.NextURL = form.With("before", strconv.FormatInt(page.Next, 10))
	}
	if before > 0 {
		list.FirstURL = form.With()
	}
	return summaryView(sum, form, clk), list, nil
}
