package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/fake"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// markerTTL keeps an activity's idempotency marker past its run time; the
// activity's own task deletes it once the activity exists.
const markerTTL = 7 * 24 * time.Hour

// scheduleActivities queues the activities of every record whose contact and
// company exist (and its deal, for the activities about the deal), at run time
// RunAt(phase time + delay): one task per kind and batch window, at most TaskSize
// activities each. Activities already created, skipped, failed
// or queued (their marker is set) are left out, so running it again for the same
// records queues nothing twice. Optional activities are thinned under pressure.
//
// Activities of a replayed record are marked as replays too, so they run even when
// the simulation completed meanwhile.
func (e *Worker) scheduleActivities(ctx context.Context, run *simRun, recs []sim.Record, have map[string]string,
	skipped, dlq map[string]bool, force, replay bool) error {
	cands := activitiesReady(recs, have, skipped, dlq)
	if !force {
		var err error
		if cands, err = e.unmarked(ctx, run.sim.ID, cands); err != nil {
			return err
		}
	}
	if len(cands) == 0 {
		return nil
	}
	cands, err := e.thin(ctx, run, cands)
	if err != nil {
		return err
	}
	scheduled := map[string]int{}
	for _, g := range groupActivities(run, cands) {
		n, err := e.enqueueActivities(ctx, run, g.kind, g.last, g.list, have, replay)
		if err != nil {
			return err
		}
		scheduled[string(g.kind)] += n
	}
	// Work queued again by the reconciler (force) was counted when it was first
	// queued: counting it twice would make the figure fall back when the finished
	// run's counters are trued up. (What a crash lost before its count landed is
	// restored by that true-up.)
	if !force {
		e.countObjects(ctx, run.sim.ID, sim.EventScheduled, fieldScheduled, scheduled, nil)
	}
	return nil
}

// activityCand is an activity up for scheduling, with its record.
type activityCand struct {
	rec *sim.Record
	act sim.Activity
}

// activitiesReady lists the activities whose objects exist (the record's contact
// and company, and its deal for the activities about the deal; a deal made later
// brings its activities with the record's later run), leaving out those created,
// skipped or dead-lettered already.
func activitiesReady(recs []sim.Record, have map[string]string, skipped, dlq map[string]bool) []activityCand {
	var cands []activityCand
	for i := range recs {
		r := &recs[i]
		if _, ok := have[r.Key]; !ok {
			continue
		}
		if _, ok := have[r.Company.Key]; !ok {
			continue
		}
		for _, a := range r.Activities {
			if _, ok := have[a.Key]; ok || skipped[a.Key] || dlq[a.Key] {
				continue
			}
			if hasKind(a.Associations, sim.KindDeal) {
				if _, ok := have[r.Deal.Key]; !ok {
					continue
				}
			}
			cands = append(cands, activityCand{r, a})
		}
	}
	return cands
}

// unmarked leaves out the activities queued already (their marker is set).
func (e *Worker) unmarked(ctx context.Context, id int64, cands []activityCand) ([]activityCand, error) {
	if len(cands) == 0 || !e.redis.Enabled() {
		return cands, nil
	}
	pipe := e.redis.Client.Pipeline()
	exists := make([]interface{ Val() int64 }, len(cands))
	for i, c := range cands {
		exists[i] = pipe.Exists(ctx, rediskeys.ActivityMarker(id, c.rec.Index, string(c.act.Kind), c.act.Ordinal))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, &Throttled{Wait: time.Second, Reason: "redis: " + err.Error()}
	}
	kept := cands[:0]
	for i, c := range cands {
		if exists[i].Val() == 0 {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// thin drops optional activities under pressure: one factor for the whole call, a
// seeded decision per activity. The dropped ones become skips, counted and logged
// as thinning events (one per record that lost some).
func (e *Worker) thin(ctx context.Context, run *simRun, cands []activityCand) ([]activityCand, error) {
	waiting := e.secondaryWaiting(ctx)
	factor := ThinningFactor(e.breakerTripped(ctx), waiting)
	if factor >= 1 {
		return cands, nil
	}
	id := run.sim.ID
	var thinned []storage.Skip
	kept := cands[:0]
	before, after := map[int]int{}, map[int]int{}
	var order []int
	for _, c := range cands {
		idx := c.rec.Index
		if _, seen := before[idx]; !seen {
			order = append(order, idx)
		}
		before[idx]++
		if thinnable(c.act.Kind) && !keepActivity(run.sim.Seed, idx, c.act.Kind, c.act.Ordinal, factor) {
			thinned = append(thinned, storage.Skip{SimulationID: id, RecordIndex: idx, ObjectType: string(c.act.Kind),
				RecordKey: c.act.Key, Reason: storage.SkipThinned})
			continue
		}
		after[idx]++
		kept = append(kept, c)
	}
	if len(thinned) == 0 {
		return kept, nil
	}
	added, err := e.store.AddSkips(context.WithoutCancel(ctx), thinned)
	if err != nil {
		return nil, err
	}
	var n int64
	for _, v := range added {
		n += int64(v)
	}
	e.countObjects(ctx, id, eventThinned, fieldThinned, added, nil)
	if n > 0 && e.redis.Enabled() {
		now := time.Now().UnixMilli()
		var events []any
		for _, idx := range order {
			if before[idx] != after[idx] {
				b, _ := json.Marshal(ThinningEvent{TS: now, RecordIndex: idx, Before: before[idx], After: after[idx],
					Factor: factor, TotalWaiting: waiting})
				events = append(events, string(b))
			}
		}
		pipe := e.redis.Client.Pipeline()
		pipe.LPush(ctx, rediskeys.ThinningEvents(id), events...)
		pipe.LTrim(ctx, rediskeys.ThinningEvents(id), 0, int64(e.cfg.ThinningMax)-1)
		_, _ = pipe.Exec(ctx)
	}
	return kept, nil
}

// activityGroup is the activities of one kind due in one batch window.
type activityGroup struct {
	kind        sim.Kind
	first, last time.Time // run times of its first and last activity; its task runs at last
	list        []activityCand
}

// groupActivities groups activities by kind and run time: those due within
// batchWindow of a group's first share it (TaskSize at most), and its task runs
// when its last is due, so none is made early (overdue ones are due now). Groups
// come in run-time order.
func groupActivities(run *simRun, cands []activityCand) []activityGroup {
	now := time.Now()
	runAt := func(c activityCand) time.Time { return maxTime(run.runAt(c.act.At), now) }
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].act.Kind != cands[j].act.Kind {
			return cands[i].act.Kind < cands[j].act.Kind
		}
		return runAt(cands[i]).Before(runAt(cands[j]))
	})
	window := batchWindow(run.pace)
	var groups []activityGroup
	for _, c := range cands {
		at := runAt(c)
		n := len(groups)
		if n == 0 || groups[n-1].kind != c.act.Kind || len(groups[n-1].list) >= TaskSize || at.Sub(groups[n-1].first) >= window {
			groups = append(groups, activityGroup{kind: c.act.Kind, first: at})
			n++
		}
		groups[n-1].list, groups[n-1].last = append(groups[n-1].list, c), at
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].last.Before(groups[j].last) })
	return groups
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// enqueueActivities queues one task for part (at most TaskSize activities of one
// kind) at run time at, then sets their markers; it returns how many markers it set
// (the activities it scheduled).
func (e *Worker) enqueueActivities(ctx context.Context, run *simRun, kind sim.Kind, at time.Time, part []activityCand,
	have map[string]string, replay bool) (int, error) {
	id := run.sim.ID
	p := ActivitiesPayload{Sim: id, Kind: kind, Items: make([]ActivityItem, len(part)), Replay: replay}
	if run.pace.Mode != sim.Backfill {
		p.NotBefore = at.UnixMilli()
	}
	for i, c := range part {
		assoc := []ActivityAssoc{{sim.KindContact, have[c.rec.Key]}, {sim.KindCompany, have[c.rec.Company.Key]}}
		if c.rec.Deal != nil && hasKind(c.act.Associations, sim.KindDeal) {
			assoc = append(assoc, ActivityAssoc{sim.KindDeal, have[c.rec.Deal.Key]})
		}
		props := fake.ActivityProperties(*c.rec, c.act, run.asOf(c.act.At))
		if c.act.Kind == sim.KindTicket {
			run.historical(sim.KindTicket, c.rec, props, c.act.At)
		}
		run.keepWritableDates(c.act.Kind, props)
		p.Items[i] = ActivityItem{Record: c.rec.Index, Ordinal: c.act.Ordinal, Key: c.act.Key, At: c.act.At.UnixMilli(),
			Props: props, Assoc: assoc}
	}
	task, taskID, opts, err := e.newActivitiesTask(p, at)
	if err != nil {
		return 0, err
	}
	if _, err := e.queue.EnqueueContext(ctx, task, opts...); err != nil {
		return 0, &Throttled{Wait: time.Second, Reason: "enqueue activities: " + err.Error()}
	}
	// Markers go after the enqueue: a crash between the two leaves a task without
	// marker (a later run may queue a harmless duplicate), never a marker without
	// task.
	pipe := e.redis.Client.Pipeline()
	set := make([]interface{ Val() bool }, len(part))
	ttl := max(time.Until(at), 0) + markerTTL
	for i, c := range part {
		set[i] = pipe.SetNX(ctx, rediskeys.ActivityMarker(id, c.rec.Index, string(c.act.Kind), c.act.Ordinal), taskID, ttl)
	}
	_, _ = pipe.Exec(ctx)
	n := 0
	for i := range part {
		if set[i].Val() {
			n++
		}
	}
	return n, nil
}

func hasKind(ks []sim.Kind, k sim.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// handleActivities creates a batch of one activity kind with its associations,
// skipping activities the ledger already has.
func (e *Worker) handleActivities(ctx context.Context, t *asynq.Task) error {
	var p ActivitiesPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || len(p.Items) == 0 {
		return fmt.Errorf("jobs: activities payload %q: %v: %w", t.Payload(), err, asynq.SkipRetry)
	}
	kind := p.Kind
	if !kind.IsActivity() {
		return fmt.Errorf("jobs: activities payload: kind %q: %w", kind, asynq.SkipRetry)
	}
	run, stop := e.startWork(ctx, t, p.Sim, p.Replay)
	if run == nil {
		return stop
	}
	if err := holdUntil(ctx, p.NotBefore); err != nil {
		return e.wait(ctx, t, err)
	}
	keys := make([]string, len(p.Items))
	for i, it := range p.Items {
		keys[i] = it.Key
	}
	have, err := e.store.LedgerByKeys(ctx, p.Sim, keys)
	if err != nil {
		return err
	}
	// An activity decided as skipped (thinned, or blocked by its failed record)
	// while this task waited is not created: the decision stands.
	skipped, err := e.store.SkippedKeys(ctx, p.Sim, keys)
	if err != nil {
		return err
	}
	var ins []objectInput
	for _, it := range p.Items {
		if _, ok := have[it.Key]; ok || skipped[it.Key] {
			continue
		}
		props := make(map[string]string, len(it.Props)+1)
		for k, v := range it.Props {
			props[k] = v
		}
		run.stamp(kind, props, it.Key)
		to := map[sim.Kind]string{}
		for _, a := range it.Assoc {
			to[a.Kind] = a.ID
		}
		ins = append(ins, objectInput{record: it.Record, key: it.Key, props: props, assoc: associations(kind, to),
			at: time.UnixMilli(it.At)})
	}
	out, stepErr := e.createObjects(ctx, run, kind, ins)
	for k, v := range out.ids {
		have[k] = v
	}
	failed := out.failed
	if stepErr != nil && !IsThrottled(stepErr) && !isDailyLimit(stepErr) {
		cat := categoryOf(stepErr)
		if !hubspot.Retryable(cat) || e.lastAttempt(ctx, string(kind)) {
			for _, in := range ins {
				if _, ok := have[in.key]; !ok {
					if _, ok := failed[in.key]; !ok {
						failed[in.key] = failure{category: cat, err: stepErr}
					}
				}
			}
			stepErr = nil
		} else {
			e.noteFailure(ctx, p.Sim)
		}
	}
	if len(failed) > 0 {
		var items []dlqItem
		for _, it := range p.Items {
			f, ok := failed[it.Key]
			if !ok {
				continue
			}
			one := p
			one.Items, one.Replay = []ActivityItem{it}, true
			items = append(items, dlqItem{kind: kind, record: it.Record, key: it.Key, payload: one, category: f.category, err: f.err})
		}
		if err := e.deadLetter(ctx, run, t, t.Type(), items); err != nil {
			return err
		}
	}
	e.clearMarkers(ctx, p, have, failed, skipped)
	if stepErr != nil {
		return e.wait(ctx, t, e.retryOrWait(ctx, run, stepErr))
	}
	e.forgetFailure(ctx)
	if p.Replay {
		e.settleSoon(ctx, p.Sim)
	}
	return nil
}

// clearMarkers deletes the idempotency markers of activities that are settled
// (created, in the DLQ or skipped): the ledger, the DLQ and the skips now keep them
// from being queued again, and Redis memory stays bounded.
func (e *Worker) clearMarkers(ctx context.Context, p ActivitiesPayload, have map[string]string, failed map[string]failure, skipped map[string]bool) {
	if !e.redis.Enabled() {
		return
	}
	var keys []string
	for _, it := range p.Items {
		_, created := have[it.Key]
		_, dead := failed[it.Key]
		if created || dead || skipped[it.Key] {
			keys = append(keys, rediskeys.ActivityMarker(p.Sim, it.Record, string(p.Kind), it.Ordinal))
		}
	}
	if len(keys) > 0 {
		_ = e.redis.Client.Del(context.WithoutCancel(ctx), keys...).Err()
	}
}
