package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// showDLQEntry renders one DLQ row: its error, its whole payload, whether the
// target already holds its object, its replays, and the actions for it.
func (h *handler) showDLQEntry(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := h.entryView(c, id)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.DLQEntryPage(h.page(c, "DLQ row #"+strconv.FormatInt(id, 10), "dlq"), v))
}

// entryView builds a DLQ row's page (404 for a row that does not exist).
func (h *handler) entryView(c *fiber.Ctx, id int64) (views.DLQEntryView, error) {
	ctx, clk := c.UserContext(), readerClock(c)
	e, err := h.store.DLQEntry(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return views.DLQEntryView{}, fiber.ErrNotFound
	}
	if err != nil {
		return views.DLQEntryView{}, err
	}
	v := views.DLQEntryView{ID: e.ID, SimID: e.SimulationID, JobType: e.JobType, ObjectType: e.ObjectType, RecordIndex: e.RecordIndex,
		RecordKey: e.RecordKey, TaskID: e.TaskID, Category: e.Category, Status: e.Status, Resolution: e.Resolution, Attempts: e.Attempts,
		ReplayCount: e.ReplayCount, FirstFailed: clk.Precise(e.FirstFailedAt), LastFailed: clk.Precise(e.LastFailedAt), Error: e.Error,
		Payload: prettyJSON(e.Payload, 1<<20), Back: "/boss/dlq?sim=" + strconv.FormatInt(e.SimulationID, 10)}
	if e.ReplayedAt != nil {
		v.ReplayedAt = clk.Precise(*e.ReplayedAt)
	}
	if e.ResolvedAt != nil {
		v.ResolvedAt = clk.Precise(*e.ResolvedAt)
	}
	v.SimName = "(deleted)"
	if s, err := h.store.Simulation(ctx, e.SimulationID); err == nil {
		v.SimName = s.Name
	}
	in, err := h.store.DLQInLedger(ctx, []storage.DLQEntry{e})
	if err != nil {
		return v, err
	}
	v.InTarget = in[e.ID]
	reps, err := h.store.DLQReplays(ctx, e.ID)
	if err != nil {
		return v, err
	}
	for _, r := range reps {
		v.Replays = append(v.Replays, views.DLQReplayLine{At: clk.Precise(r.At), TaskID: r.TaskID, Queue: r.Queue, MaxRetry: r.MaxRetry,
			AuditID: r.AuditID, Error: r.Error})
	}
	csrf := csrfToken(c, h.cfg.SessionSecret)
	v.Replay = views.DLQReplayPanelView{JobID: e.ID, Strategy: jobs.ReplayOldest, Limit: "1", Cap: h.cfg.DLQReplayCap, CSRF: csrf,
		QueueDown: h.queue == nil || !h.redis.Up()}
	v.Close = views.DLQCloseForm{JobID: e.ID, Matching: 1, CSRF: csrf}
	return v, nil
}
