package jobs

import (
	"context"
	"time"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// Reconciler runs the engine's background work: the counter flush and the
// reconcile that restores what Redis lost.
type Reconciler struct {
	*core
	kick     chan struct{}      // Redis came back: reconcile now
	progress map[int64]progress // when each running simulation last moved
	switches uint64             // Redis server changes (failovers) already reconciled
}

// Run runs the engine's background work until ctx ends: the counter flush (every
// FlushEvery, and a last one on the way out) and the reconciler (at once, every
// ReconcileEvery, and whenever Redis comes back).
func (e *Reconciler) Run(ctx context.Context) {
	e.redis.OnChange(func(up bool) {
		if up {
			select {
			case e.kick <- struct{}{}:
			default:
			}
		}
	})
	flush := time.NewTicker(e.opts.FlushEvery)
	defer flush.Stop()
	rec := time.NewTicker(e.opts.ReconcileEvery)
	defer rec.Stop()
	reconcile := func() {
		if err := e.Reconcile(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("reconcile", "err", err)
		}
	}
	reconcile()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := e.flushCounters(fctx); err != nil {
				e.log.Warn("last counter flush", "err", err)
			}
			cancel()
			return
		case <-flush.C:
			if err := e.flushCounters(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("counter flush", "err", err)
			}
			if e.flushed(ctx) {
				reconcile()
			}
		case <-rec.C:
			reconcile()
		case <-e.kick:
			reconcile()
		}
	}
}

// flushed reports whether Redis lost a running simulation's state since the last
// reconcile (its metrics hash is no longer whole: a FLUSHALL, or a Redis that came
// back empty), so the reconciler runs at once instead of at its next period.
func (e *Reconciler) flushed(ctx context.Context) bool {
	if !e.redis.Up() {
		return false
	}
	e.mu.Lock()
	ids := append([]int64(nil), e.running...)
	e.mu.Unlock()
	if len(ids) == 0 {
		return false
	}
	pipe := e.redis.Client.Pipeline()
	cmds := make([]interface{ Val() bool }, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HExists(ctx, rediskeys.Metrics(id), fieldSince)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return false
	}
	for _, c := range cmds {
		if !c.Val() {
			return true
		}
	}
	return false
}

// progress remembers when a simulation last moved, for stall detection.
type progress struct {
	settled int64
	since   time.Time
}

// Reconcile compares every running simulation's plan with its ledger and restores
// what Redis lost: the tick, the metrics hash (from the database), the segment
// index, and the queued work of expanded segments whose expansion flag is gone (a
// flush or an outage) — plan minus ledger, DLQ and skips, queued again. After a
// failover to another Redis server every expanded segment counts as lost: the
// writes of the last moments before the switch may be missing while the flags
// survived. A simulation that made no progress for StallAfter while work is
// overdue gets that work queued again too. Everything it queues is idempotent, so
// running it any number of times creates nothing twice.
func (e *Reconciler) Reconcile(ctx context.Context) error {
	if !e.redis.Up() {
		return nil
	}
	switches := e.redis.Switches()
	switched := switches != e.switches
	sims, err := e.store.Simulations(ctx, storage.SimulationFilter{Statuses: []string{storage.StatusRunning}, Limit: 10000})
	if err != nil {
		return err
	}
	var firstErr error
	running := make([]int64, 0, len(sims))
	for _, s := range sims {
		running = append(running, s.ID)
		if err := e.reconcileSimulation(ctx, s, switched); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	e.mu.Lock()
	e.running = running
	e.mu.Unlock()
	if firstErr == nil {
		e.switches = switches
	}
	if err := e.resumeCleanups(ctx); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

func (e *Reconciler) reconcileSimulation(ctx context.Context, s storage.Simulation, switched bool) error {
	id := s.ID
	rdb := e.redis.Client
	e.enqueueTick(ctx, id)
	whole, err := rdb.HExists(ctx, rediskeys.Metrics(id), fieldSince).Result()
	if err != nil {
		return err
	}
	if !whole || switched {
		// After a failover the hash may lack the last increments the old
		// master had not passed on: set its exact counts again.
		if err := e.rebuildMetrics(ctx, id); err != nil {
			return err
		}
	}
	segs, err := e.store.Segments(ctx, id)
	if err != nil {
		return err
	}
	if n, err := rdb.Exists(ctx, rediskeys.Segments(id)).Result(); err != nil {
		return err
	} else if n == 0 {
		if err := e.writeSegmentIndex(ctx, s, segs); err != nil {
			return err
		}
	}
	pipe := rdb.Pipeline()
	flags := make([]interface{ Val() int64 }, len(segs))
	for k, g := range segs {
		if g.State != storage.SegmentPlanned {
			flags[k] = pipe.Exists(ctx, rediskeys.Expanded(id, g.Index))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	run, err := e.runOf(ctx, id)
	if err != nil {
		return err
	}
	stalled := e.stalled(ctx, run)
	now := time.Now()
	for k, g := range segs {
		if g.State == storage.SegmentPlanned {
			continue
		}
		lost := flags[k].Val() == 0 || switched
		if g.State == storage.SegmentExpanded && (lost || stalled) {
			if err := e.rederive(ctx, run, segs, k, !lost, now); err != nil {
				return err
			}
		}
		if lost {
			rdb.SetNX(ctx, rediskeys.Expanded(id, g.Index), now.UnixMilli(), 0)
		}
	}
	return nil
}

// stalled reports whether a simulation's settled object count has not moved for
// StallAfter.
func (e *Reconciler) stalled(ctx context.Context, run *simRun) bool {
	fields, ok := e.redisMetrics(ctx, run.sim.ID)
	if !ok {
		return false
	}
	settled := fields[fieldCreated] + fields[fieldFailures] + fields[fieldBlocked] + fields[fieldThinned]
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.progress[run.sim.ID]
	if !ok || p.settled != settled {
		e.progress[run.sim.ID] = progress{settled: settled, since: now}
		return false
	}
	return now.Sub(p.since) >= e.opts.StallAfter
}

// rederive queues again the records of segment segs[k] that still miss an object
// (plan minus ledger, DLQ and skips). overdueOnly leaves out records whose
// missing objects are not yet due (by StallAfter), which are presumably still
// queued; after a flush everything missing is queued again. The records handler
// skips what exists and reschedules missing activities (Force).
func (e *Reconciler) rederive(ctx context.Context, run *simRun, segs []storage.Segment, k int, overdueOnly bool, now time.Time) error {
	g := segs[k]
	if g.EndIndex <= g.FirstIndex {
		return nil
	}
	id, spec := run.sim.ID, run.spec
	rows, err := e.store.LedgerRange(ctx, id, g.FirstIndex, g.EndIndex)
	if err != nil {
		return err
	}
	resolved := make(map[string]bool, len(rows))
	for _, r := range rows {
		resolved[r.RecordKey] = true
	}
	skips, err := e.store.SkipsRange(ctx, id, g.FirstIndex, g.EndIndex)
	if err != nil {
		return err
	}
	for _, s := range skips {
		resolved[s.RecordKey] = true
	}
	dlq, err := e.store.DLQKeysRange(ctx, id, g.FirstIndex, g.EndIndex)
	if err != nil {
		return err
	}
	for key := range dlq {
		resolved[key] = true
	}
	used := usedBefore(spec, segs, k)
	var chunks []chunk
	var cur *chunk
	due := now.Add(-e.opts.StallAfter)
	for i := g.FirstIndex; i < g.EndIndex; i++ {
		rec, err := sim.PlanRecord(spec, i, used)
		if err != nil {
			return err
		}
		if missingWork(&rec, resolved, func(t time.Time) bool { return !overdueOnly || !run.runAt(t).After(due) }) {
			if cur == nil || cur.end != i || cur.end-cur.first >= TaskSize {
				chunks = append(chunks, chunk{first: i, end: i, used: used})
				cur = &chunks[len(chunks)-1]
			}
			cur.end = i + 1
		}
		used = used.Plus(sim.Candidates(spec, i))
	}
	for _, c := range chunks {
		task, opts, err := e.newRecordsTask(RecordsPayload{Sim: id, First: c.first, End: c.end, Used: c.used, Force: true}, now)
		if err != nil {
			return err
		}
		if _, err := e.queue.EnqueueContext(ctx, task, opts...); err != nil {
			return err
		}
	}
	if len(chunks) > 0 {
		e.log.Info("reconciler queued missing work again", "simulation", id, "segment", g.Index, "tasks", len(chunks), "overdueOnly", overdueOnly)
	}
	return nil
}

// missingWork reports whether a record has an object that is neither created,
// failed nor skipped and whose time counts (due says so).
func missingWork(r *sim.Record, resolved map[string]bool, due func(time.Time) bool) bool {
	if !resolved[r.Key] || r.Company.First && !resolved[r.Company.Key] {
		return due(r.CreatedAt)
	}
	if r.Deal != nil && !resolved[r.Deal.Key] && due(r.Deal.CreatedAt) {
		return true
	}
	for _, u := range r.Updates() {
		if !resolved[u.Key] && due(u.At) {
			return true
		}
	}
	for _, a := range r.Activities {
		if !resolved[a.Key] && due(a.At) {
			return true
		}
	}
	return false
}
