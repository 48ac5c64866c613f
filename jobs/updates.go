package jobs

import (
	"context"
	"time"

	"github.com/simcrm/simcrm/internal/fake"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
)

// A records task drives its records' journeys: each run makes what is due — the
// companies and contacts, deals at their planned moment, then the contacts' and
// deals' planned updates — and, in a paced run, queues itself again for the next
// moment something is due. A backfill makes everything in one run.

// due reports whether work planned at simulated time at is due in this run.
func (w *recordsWork) due(at time.Time) bool {
	return w.run.pace.Mode == sim.Backfill || !w.run.runAt(at).After(w.now)
}

// holdUntil holds a task that asynq started before its planned moment (it keeps
// times in whole seconds): a short wait sleeps, a longer one goes back to the queue.
func holdUntil(ctx context.Context, notBefore int64) error {
	if notBefore == 0 {
		return nil
	}
	d := time.Until(time.UnixMilli(notBefore))
	if d <= 0 {
		return nil
	}
	if d > 3*time.Second {
		return &Throttled{Wait: d, Reason: "not due yet"}
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pendingUpdate is one planned update that is due and whose object exists.
type pendingUpdate struct {
	record int
	u      sim.Update
	id     string // the object's id in the target
}

// dueUpdates lists, per update kind, the updates to send now: due, not sent, not
// failed into the DLQ (unless this is its replay), with their object created.
// Each object's updates come in their order.
func (w *recordsWork) dueUpdates() map[sim.Kind][]pendingUpdate {
	out := map[sim.Kind][]pendingUpdate{}
	for i := range w.recs {
		if _, failed := w.failed[i]; failed {
			continue
		}
		r := &w.recs[i]
		for _, u := range r.Updates() {
			if w.hasKey(u.Key) || w.skipped[u.Key] || w.dlq[u.Key] && !w.p.Replay || !w.due(u.At) {
				continue
			}
			id, ok := w.have[u.Object]
			if !ok {
				continue
			}
			out[u.Kind] = append(out[u.Kind], pendingUpdate{record: r.Index, u: u, id: id})
		}
	}
	return out
}

// sendUpdates sends the due updates as batch updates: each call names an object
// once, an object's updates go out in order. What succeeded is in the ledger at
// once; updates the target refuses for good become DLQ rows (w.updateFailures); a
// retryable failure ends the run with its error (the retry sends the rest).
func (w *recordsWork) sendUpdates(ctx context.Context) error {
	due := w.dueUpdates()
	for _, kind := range sim.UpdateKinds {
		list := due[kind]
		for _, b := range updateBatches(len(list), func(i int) string { return list[i].u.Object }, MaxBatch) {
			part := make([]pendingUpdate, len(b))
			for j, i := range b {
				part[j] = list[i]
			}
			if err := w.updateBatch(ctx, kind, part, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateBatch makes one batch update call and records its outcome. A batch the
// target refuses as invalid is split to find the bad inputs.
func (w *recordsWork) updateBatch(ctx context.Context, kind sim.Kind, part []pendingUpdate, depth int) error {
	run := w.run
	t := run.target
	object := kind.Updated()
	inputs := make([]hubspot.UpdateInput, len(part))
	for i, p := range part {
		props := fake.UpdateProperties(p.u, run.datesOn())
		run.keepWritableDates(object, props)
		inputs[i] = hubspot.UpdateInput{ID: p.id, Properties: props}
	}
	var res *hubspot.BatchResult[hubspot.Object]
	err := t.do(ctx, object, func(ctx context.Context) error {
		var err error
		res, err = t.client.BatchUpdate(ctx, objectType(object), inputs)
		return err
	})
	if err != nil {
		if IsThrottled(err) || isDailyLimit(err) {
			return err
		}
		cat := hubspot.Classify(err)
		switch {
		case cat == hubspot.CategoryValidation && len(part) > 1 && depth < 8:
			half := len(part) / 2
			if err := w.updateBatch(ctx, kind, part[:half], depth+1); err != nil {
				return err
			}
			return w.updateBatch(ctx, kind, part[half:], depth+1)
		case !hubspot.Retryable(cat):
			w.failUpdates(kind, part, cat, err)
			return nil
		}
		return err
	}
	done := map[string]bool{}
	if res != nil {
		for _, o := range res.Results {
			done[o.ID] = true
		}
	}
	ins := make([]objectInput, 0, len(part))
	ids := map[string]string{}
	var missing []pendingUpdate
	for _, p := range part {
		ins = append(ins, objectInput{record: p.record, key: p.u.Key, at: p.u.At})
		if done[p.id] {
			ids[p.u.Key] = p.id
			w.have[p.u.Key] = p.id
		} else {
			missing = append(missing, p)
		}
	}
	if err := w.e.record(ctx, run, kind, ins, ids); err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	var errs []hubspot.BatchError
	if res != nil {
		errs = res.Errors
	}
	cat, retryable := summarize(errs)
	if retryable {
		be := &batchFailure{category: cat, failed: len(missing)}
		if len(errs) > 0 {
			be.first = errs[0]
		} else {
			be.first.Message = "the target returned no result for these updates"
		}
		return be
	}
	w.failUpdates(kind, missing, cat, &errs[0])
	return nil
}

// failUpdates turns updates that cannot succeed into DLQ rows; replaying one
// runs its record again, which sends it.
func (w *recordsWork) failUpdates(kind sim.Kind, part []pendingUpdate, cat hubspot.Category, err error) {
	for _, p := range part {
		if w.dlq[p.u.Key] && !w.p.Replay {
			continue
		}
		payload := RecordsPayload{Sim: w.p.Sim, First: p.record, End: p.record + 1, Used: w.usedAt[p.record-w.recs[0].Index], Replay: true}
		w.updateFailures = append(w.updateFailures, dlqItem{kind: kind, record: p.record, key: p.u.Key, payload: payload,
			category: cat, err: err})
		w.dlq[p.u.Key] = true
	}
}

// failPendingUpdates gives up on every due update still unsent (the run's last
// attempt failed).
func (w *recordsWork) failPendingUpdates(cat hubspot.Category, err error) {
	for kind, list := range w.dueUpdates() {
		w.failUpdates(kind, list, cat, err)
	}
}

// nextRun is when a paced run's records next have something due: the first
// pending deal or update, and with it whatever else falls within the batch
// window (the run waits for the last of those). ok is false when nothing is left.
func (w *recordsWork) nextRun() (at time.Time, ok bool) {
	if w.run.pace.Mode == sim.Backfill {
		return time.Time{}, false
	}
	var times []time.Time
	pending := func(key string) bool { return !w.hasKey(key) && !w.skipped[key] && !w.dlq[key] }
	for i := range w.recs {
		r := &w.recs[i]
		if _, failed := w.failed[i]; failed || !w.hasKey(r.Key) {
			continue // the record's own retry or replay carries it on
		}
		if r.Deal != nil && pending(r.Deal.Key) {
			times = append(times, w.run.runAt(r.Deal.CreatedAt))
		}
		for _, u := range r.Updates() {
			if pending(u.Key) {
				times = append(times, w.run.runAt(u.At))
			}
		}
	}
	var first time.Time
	for _, t := range times {
		if t.After(w.now) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		return time.Time{}, false
	}
	last := first
	window := batchWindow(w.run.pace)
	for _, t := range times {
		if t.After(last) && t.Sub(first) < window {
			last = t
		}
	}
	return last, true
}

// scheduleNext queues the records task again for the next moment something is due.
func (w *recordsWork) scheduleNext(ctx context.Context) error {
	at, ok := w.nextRun()
	if !ok || w.p.Replay {
		return nil
	}
	p := w.p
	p.Force, p.NotBefore = false, at.UnixMilli()
	task, opts, err := w.e.newRecordsTask(p, at)
	if err != nil {
		return err
	}
	if _, err := w.e.queue.EnqueueContext(ctx, task, opts...); err != nil {
		return &Throttled{Wait: time.Second, Reason: "enqueue the next journey step: " + err.Error()}
	}
	return nil
}
