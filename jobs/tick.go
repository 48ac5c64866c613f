package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// Tick pacing.
const (
	// maxBatchWindow bounds how far apart (run time) records of one task may be due:
	// the first waits for the last, so it is the lateness batching may add.
	maxBatchWindow = time.Second
	// tickIdle is the longest a tick sleeps while a simulation runs.
	tickIdle = 5 * time.Second
	// tickBusy is the tick's pace while a backfill still has segments to expand.
	tickBusy = 300 * time.Millisecond
	// maxExpandRecords bounds one tick's expansion work.
	maxExpandRecords = 20000
	// maxDoneChecks bounds one tick's completion queries.
	maxDoneChecks = 64
)

// handleTick drives one running simulation. It expands the segments that are due
// (realtime/accelerated: those starting within the look-ahead, in run time;
// backfill: as many as keep the primary queue's backlog under its bound), marks
// segments done when every object they plan is accounted for, completes the
// simulation when all are done, and comes back (a throttled retry that never
// counts as an attempt) for as long as the simulation runs. It never fails: errors
// become a later tick.
func (e *Worker) handleTick(ctx context.Context, t *asynq.Task) error {
	var p TickPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("jobs: tick payload: %v: %w", err, asynq.SkipRetry)
	}
	wait, err := e.tick(ctx, p.Sim)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		var th *Throttled
		if errors.As(err, &th) {
			return th
		}
		e.log.Warn("simulation tick", "simulation", p.Sim, "err", err)
		return &Throttled{Wait: 2 * time.Second, Reason: "tick failed: " + err.Error()}
	}
	if wait <= 0 {
		return nil
	}
	return &Throttled{Wait: wait, Reason: "next tick"}
}

// tick runs one step and says when to run the next (0: the simulation stopped).
func (e *Worker) tick(ctx context.Context, id int64) (time.Duration, error) {
	e.expire(id)
	run, err := e.runOf(ctx, id)
	if err != nil {
		return 0, err
	}
	if run.sim.Status != storage.StatusRunning {
		// A tick of a finished simulation comes after a DLQ replay (settleSoon).
		e.settleReplay(ctx, run)
		return 0, nil
	}
	if err := run.target.prepare(ctx); err != nil {
		if hubspot.Classify(err) == hubspot.CategoryAuth {
			// No call can succeed: say so instead of retrying for ever.
			reason := "the target rejected SimCRM's token: " + err.Error()
			if _, terr := e.store.TransitionSimulation(ctx, id, []string{storage.StatusRunning}, storage.StatusFailed, reason); terr != nil {
				return 0, terr
			}
			e.forgetRun(id)
			return 0, nil
		}
		return 0, err
	}
	if err := e.ensurePlan(ctx, run); err != nil {
		return 0, err
	}
	segs, err := e.store.Segments(ctx, id)
	if err != nil {
		return 0, err
	}
	if len(segs) == 0 {
		return 0, fmt.Errorf("jobs: simulation %d has no segments", id)
	}
	now := time.Now()
	wait, err := e.expandDue(ctx, run, segs, now)
	if err != nil {
		return 0, err
	}
	done, err := e.checkDone(ctx, run, segs, now)
	if err != nil {
		return 0, err
	}
	e.sampleThroughput(ctx, id, now)
	if done {
		return 0, e.complete(ctx, run)
	}
	return wait, nil
}

// ensurePlan stores the simulation's exact planned totals once.
func (e *Worker) ensurePlan(ctx context.Context, run *simRun) error {
	e.mu.Lock()
	_, ok := e.plans[run.sim.ID]
	e.mu.Unlock()
	if ok {
		return nil
	}
	if _, err := e.store.SimulationPlan(ctx, run.sim.ID); err == nil {
		_, err = e.planned(ctx, run.sim)
		return err
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	totals := planTotals(run.spec)
	b, _ := json.Marshal(totals)
	if err := e.store.SetSimulationPlan(ctx, run.sim.ID, string(b)); err != nil {
		return err
	}
	_, err := e.planned(ctx, run.sim)
	return err
}

// lookahead is how far ahead (run time) segments are expanded: two segments' worth
// of run time, at least 30 s and at most 2 h.
func lookahead(p sim.Pace) time.Duration {
	d := 2 * p.RunDelay(segmentSpan)
	return min(max(d, 30*time.Second), 2*time.Hour)
}

// expandDue expands the segments due now and returns when to look again.
func (e *Worker) expandDue(ctx context.Context, run *simRun, segs []storage.Segment, now time.Time) (time.Duration, error) {
	var due []int
	next := tickIdle
	backfill := run.pace.Mode == sim.Backfill
	if backfill {
		next = tickBusy // backfill work finishes fast: look for completion often
	}
	room := 0
	if backfill {
		room = (e.opts.BackfillQueued - e.waiting(ctx, PrimaryQueue(run.sim.ID, e.cfg.PrimaryShards))) * BackfillTaskSize
	}
	records := 0
	for k := range segs {
		g := &segs[k]
		if g.State != storage.SegmentPlanned {
			continue
		}
		if len(due) > 0 && due[len(due)-1] != k-1 {
			break // expand consecutive segments only
		}
		n := g.EndIndex - g.FirstIndex
		if backfill {
			if records > 0 && (records+n > room || records+n > maxExpandRecords) {
				next = tickBusy
				break
			}
			if room <= 0 {
				next = tickBusy
				break
			}
		} else {
			at := run.runAt(g.StartAt).Add(-lookahead(run.pace))
			if at.After(now) {
				next = min(next, max(at.Sub(now), 200*time.Millisecond))
				break
			}
			if records > 0 && records+n > maxExpandRecords {
				next = tickBusy
				break
			}
		}
		due = append(due, k)
		records += n
	}
	if len(due) == 0 {
		return next, nil
	}
	if err := e.expandSegments(ctx, run, segs, due, now); err != nil {
		return 0, err
	}
	if backfill && due[len(due)-1] < len(segs)-1 {
		next = tickBusy
	}
	return next, nil
}

// chunk is one records task.
type chunk struct {
	first, end int
	used       sim.Counts
	at         time.Time // run time of its last record (when it runs)
	first0     time.Time // run time of its first record
}

// batchWindow is how far apart (run time) work sharing a task may be due: a
// 120th of a segment's run time, between 250 ms and 1 s. A task runs when its
// last member is due, so its first is late by at most the window, never early.
func batchWindow(p sim.Pace) time.Duration {
	return min(max(p.RunDelay(segmentSpan)/120, 250*time.Millisecond), maxBatchWindow)
}

// expandSegments queues the records of consecutive planned segments segs[due…]:
// records due within batchWindow of each other (all of them, in backfill) share a
// task of at most TaskSize, which carries the budget usage before its first record.
// Then the segments are marked expanded in the database (with the usage cache for
// the next segment) and in Redis.
func (e *Worker) expandSegments(ctx context.Context, run *simRun, segs []storage.Segment, due []int, now time.Time) error {
	spec := run.spec
	id := run.sim.ID
	backfill := run.pace.Mode == sim.Backfill
	used := usedBefore(spec, segs, due[0])
	window := batchWindow(run.pace)
	size := TaskSize
	if backfill {
		size = BackfillTaskSize
	}
	var chunks []chunk
	var cur *chunk
	exps := make([]storage.SegmentExpansion, 0, len(due))
	scheduled, updates := map[string]int{}, map[string]int{}
	for _, k := range due {
		g := &segs[k]
		objects := 0
		for i := g.FirstIndex; i < g.EndIndex; i++ {
			rec, err := sim.PlanRecord(spec, i, used)
			if err != nil {
				return err
			}
			objects += objectsOf(&rec)
			scheduled[string(sim.KindContact)]++
			if rec.Company.First {
				scheduled[string(sim.KindCompany)]++
			}
			if rec.Deal != nil {
				scheduled[string(sim.KindDeal)]++
			}
			cu, du := rec.UpdateCounts()
			updates[string(sim.KindContactUpdate)] += cu
			updates[string(sim.KindDealUpdate)] += du
			at := now
			if !backfill {
				at = run.runAt(rec.CreatedAt)
			}
			// A task waits for its last record; records join while they are due
			// within the batch window of its first, so none is early and the first
			// is late by at most the window.
			if cur == nil || cur.end-cur.first >= size || cur.end != i || (!backfill && at.Sub(cur.first0) >= window) {
				chunks = append(chunks, chunk{first: i, end: i, used: used, at: at, first0: at})
				cur = &chunks[len(chunks)-1]
			}
			cur.end = i + 1
			cur.at = at
			used = used.Plus(sim.Candidates(spec, i))
		}
		exps = append(exps, storage.SegmentExpansion{Index: g.Index, Objects: objects, UsedBeforeNext: usedJSON(used)})
	}
	for _, c := range chunks {
		p := RecordsPayload{Sim: id, First: c.first, End: c.end, Used: c.used}
		if !backfill {
			p.NotBefore = c.at.UnixMilli()
		}
		task, opts, err := e.newRecordsTask(p, c.at)
		if err != nil {
			return err
		}
		if _, err := e.queue.EnqueueContext(ctx, task, opts...); err != nil {
			return fmt.Errorf("jobs: enqueue records: %w", err)
		}
	}
	if err := e.store.MarkSegmentsExpanded(ctx, id, exps); err != nil {
		return err
	}
	pipe := e.redis.Client.Pipeline()
	stamp := strconv.FormatInt(now.UnixMilli(), 10)
	for _, k := range due {
		segs[k].State = storage.SegmentExpanded
		segs[k].Objects = exps[indexOf(due, k)].Objects
		pipe.SetNX(ctx, rediskeys.Expanded(id, segs[k].Index), stamp, 0)
		pipe.HSet(ctx, rediskeys.Segment(id, segs[k].Index), "state", storage.SegmentExpanded)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		e.log.Warn("segment flags", "simulation", id, "err", err)
	}
	e.countObjects(ctx, id, sim.EventScheduled, fieldScheduled, scheduled, nil)
	e.countObjects(ctx, id, sim.EventScheduled, "", updates, nil)
	return nil
}

func indexOf(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// checkDone marks expanded segments done once the ledger, the DLQ and the skips
// account for every object they plan; it reports whether all segments are done.
func (e *Worker) checkDone(ctx context.Context, run *simRun, segs []storage.Segment, now time.Time) (bool, error) {
	id := run.sim.ID
	all := true
	checks := 0
	for k := range segs {
		g := &segs[k]
		switch g.State {
		case storage.SegmentDone:
			continue
		case storage.SegmentPlanned:
			all = false
			continue
		}
		if checks >= maxDoneChecks || run.runAt(g.StartAt).After(now) && g.Objects > 0 {
			all = false
			continue
		}
		checks++
		resolved := 0
		if g.Objects > 0 {
			n, err := e.store.ResolvedObjects(ctx, id, g.FirstIndex, g.EndIndex)
			if err != nil {
				return false, err
			}
			resolved = n
		}
		if resolved < g.Objects {
			all = false
			if run.pace.Mode == sim.Backfill {
				// Backfill segments finish in order, near enough: the next
				// tick looks again from here, one query instead of dozens.
				break
			}
			continue
		}
		if err := e.store.MarkSegmentDone(ctx, id, g.Index); err != nil {
			return false, err
		}
		g.State = storage.SegmentDone
		if e.redis.Enabled() {
			e.redis.Client.HSet(ctx, rediskeys.Segment(id, g.Index), "state", storage.SegmentDone)
		}
	}
	return all, nil
}

// complete finishes a simulation whose every segment is done: the counters are
// set to the exact numbers of the ledger, the DLQ and the skips, then the
// simulation ends in the state its outcome earns (outcome).
func (e *Worker) complete(ctx context.Context, run *simRun) error {
	id := run.sim.ID
	if err := e.trueUp(ctx, run); err != nil {
		return err
	}
	status, reason, err := e.outcome(ctx, run)
	if err != nil {
		return err
	}
	if _, err := e.store.TransitionSimulation(ctx, id, []string{storage.StatusRunning}, status, reason); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil
		}
		return err
	}
	e.forgetRun(id)
	e.retire(ctx, id)
	e.log.Info("simulation finished", "simulation", id, "status", status, "reason", reason)
	return nil
}

// settleSoon asks for settleReplay about two seconds from now, in a tick task:
// one per simulation and second however many replayed tasks end meanwhile, and
// the last one's comes after them (a settle while replayed work still runs is
// set right by the next).
func (e *Worker) settleSoon(ctx context.Context, simID int64) {
	task, opts := newTickTask(simID)
	opts = append(opts, asynq.TaskID(fmt.Sprintf("%ssettle-%d", taskIDPrefix(simID), time.Now().Unix())), asynq.ProcessIn(2*time.Second))
	if _, err := e.queue.EnqueueContext(context.WithoutCancel(ctx), task, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		e.log.Warn("settle after a replay", "simulation", simID, "err", err)
	}
}

// settleReplay brings a finished simulation up to date after a DLQ replay ran
// some of its work: the counters (database and Redis) become exact again, and a
// run that completed with failures becomes completed once nothing is left in the
// DLQ (or the other way round if the replay failed anew). A simulation that
// failed is left as it is: its run did not reach every object.
func (e *Worker) settleReplay(ctx context.Context, run *simRun) {
	ctx = context.WithoutCancel(ctx)
	s, err := e.store.Simulation(ctx, run.sim.ID)
	if err != nil || s.Status != storage.StatusCompleted && s.Status != storage.StatusCompletedWithFailures {
		return
	}
	if err := e.trueUp(ctx, run); err != nil {
		e.log.Warn("metrics true-up after a replay", "simulation", s.ID, "err", err)
		return
	}
	status, reason, err := e.outcome(ctx, run)
	if err != nil || status == s.Status || status == storage.StatusFailed {
		return
	}
	if _, err := e.store.TransitionSimulation(ctx, s.ID, []string{s.Status}, status, "after a DLQ replay: "+reason); err == nil {
		e.log.Info("simulation state after a replay", "simulation", s.ID, "status", status)
	}
}

// outcome is the final state of a simulation whose every object is accounted for,
// with the reason in words: completed when nothing is in the DLQ; failed when
// nothing could be created; else completed_with_failures. (A token the target
// rejects fails the simulation at once: failOnAuth.)
func (e *Worker) outcome(ctx context.Context, run *simRun) (status, reason string, err error) {
	id := run.sim.ID
	created, err := e.store.LedgerCounts(ctx, id)
	if err != nil {
		return "", "", err
	}
	dead, err := e.store.FailedCounts(ctx, id)
	if err != nil {
		return "", "", err
	}
	var nCreated, nFailed int64
	for _, n := range created {
		nCreated += n
	}
	for _, n := range dead {
		nFailed += n
	}
	if nFailed == 0 {
		return storage.StatusCompleted, fmt.Sprintf("all %d records and their activities are done or accounted for: %d objects created",
			run.sim.EffectiveTotal, nCreated), nil
	}
	cats, err := e.store.FailedCategories(ctx, id)
	if err != nil {
		return "", "", err
	}
	names := make([]string, 0, len(cats))
	for c := range cats {
		names = append(names, c)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, c := range names {
		parts[i] = fmt.Sprintf("%s %d", c, cats[c])
	}
	why := fmt.Sprintf("%d objects created, %d failed into the DLQ (%s)", nCreated, nFailed, strings.Join(parts, ", "))
	if nCreated == 0 {
		return storage.StatusFailed, "nothing could be created: " + why, nil
	}
	return storage.StatusCompletedWithFailures, why + "; replay them from the DLQ", nil
}

// trueUp makes the durable counters exact: created, failed, thinned and blocked from
// the ledger, the DLQ and the skips; scheduled as what was attempted (created or
// failed into the DLQ); processed as every record. Then Redis gets the same view.
func (e *Worker) trueUp(ctx context.Context, run *simRun) error {
	id := run.sim.ID
	if err := e.flushCounters(ctx); err != nil {
		return err
	}
	exact, err := e.dbMetrics(ctx, id)
	if err != nil {
		return err
	}
	current, err := e.store.SimulationCounters(ctx, id)
	if err != nil {
		return err
	}
	created, err := e.store.LedgerCounts(ctx, id)
	if err != nil {
		return err
	}
	dead, err := e.store.FailedCounts(ctx, id)
	if err != nil {
		return err
	}
	want := map[string]int64{fieldProcessed: int64(run.sim.EffectiveTotal)}
	var scheduled int64
	for _, k := range sim.TrackedKinds {
		for _, ev := range []string{sim.EventCreated, eventFailed, eventThinned} {
			want[sim.MetricKey(k, ev)] = exact[sim.MetricKey(k, ev)]
		}
		s := created[string(k)] + dead[string(k)]
		want[sim.MetricKey(k, sim.EventScheduled)] = s
		if !k.IsUpdate() {
			scheduled += s // "scheduled" counts objects; updates have their own fields
		}
	}
	for _, f := range []string{fieldCreated, fieldFailures, fieldBlocked, fieldThinned} {
		want[f] = exact[f]
	}
	want[fieldScheduled] = scheduled
	delta := map[string]int64{}
	for k, v := range want {
		if d := v - current[k]; d != 0 {
			delta[k] = d
		}
	}
	if err := e.store.AddSimulationCounters(ctx, id, delta); err != nil {
		return err
	}
	if e.redis.Enabled() {
		vals := make(map[string]any, len(want))
		for k, v := range want {
			vals[k] = v
		}
		if err := e.redis.Client.HSet(ctx, rediskeys.Metrics(id), vals).Err(); err != nil {
			e.log.Warn("metrics true-up to redis", "simulation", id, "err", err)
		}
	}
	return nil
}
