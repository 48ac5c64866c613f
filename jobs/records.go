package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/fake"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// recordsWork is one run of a records task: the planned records and what the
// database already knows about their objects.
type recordsWork struct {
	e    *Worker
	run  *simRun
	task *asynq.Task
	p    RecordsPayload

	recs    []sim.Record
	usedAt  []sim.Counts      // budget usage before each record
	have    map[string]string // key → external id (the ledger)
	skipped map[string]bool
	dlq     map[string]bool

	// failed records of this run: index into recs → what failed.
	failed map[int]recordFailure
	// updateFailures are updates that failed for good: DLQ rows that block nothing.
	updateFailures []dlqItem
	now            time.Time // run time this run works up to
}

type recordFailure struct {
	kind sim.Kind
	key  string
	failure
}

// handleRecords creates a batch of records: companies first seen (upserted by
// key), contacts (associated with their company) and deals (associated with both),
// each kind in one batch call; then it schedules the records' activities. The
// ledger is checked first, so a retried or duplicated task creates nothing twice.
func (e *Worker) handleRecords(ctx context.Context, t *asynq.Task) error {
	var p RecordsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.End <= p.First {
		return fmt.Errorf("jobs: records payload %q: %v: %w", t.Payload(), err, asynq.SkipRetry)
	}
	run, stop := e.startWork(ctx, t, p.Sim, p.Replay)
	if run == nil {
		return stop
	}
	if err := holdUntil(ctx, p.NotBefore); err != nil {
		return e.wait(ctx, t, err)
	}
	w := &recordsWork{e: e, run: run, task: t, p: p, failed: map[int]recordFailure{}, now: time.Now()}
	if err := w.load(ctx); err != nil {
		return err
	}
	before := w.completeCount()

	stepErr := w.createCompanies(ctx)
	if stepErr == nil {
		stepErr = w.createContacts(ctx)
	}
	if stepErr == nil {
		stepErr = w.createDeals(ctx)
	}
	if stepErr == nil {
		stepErr = w.sendUpdates(ctx)
	}
	if stepErr != nil && !IsThrottled(stepErr) && !isDailyLimit(stepErr) {
		cat := categoryOf(stepErr)
		if !hubspot.Retryable(cat) || e.lastAttempt(ctx, "contact") {
			w.failIncomplete(cat, stepErr)
			w.failPendingUpdates(cat, stepErr)
			stepErr = nil
		} else {
			e.noteFailure(ctx, p.Sim)
		}
	}
	if err := w.deadLetter(ctx); err != nil {
		return err
	}
	if err := e.deadLetter(ctx, run, t, TypeRecords, w.updateFailures); err != nil {
		return err
	}
	if err := e.scheduleActivities(ctx, run, w.recs, w.have, w.skipped, w.dlq, p.Force, p.Replay); err != nil {
		return e.wait(ctx, t, err)
	}
	// Processed: records whose journey is handed off (all their records created,
	// activities scheduled) or accounted for (failed into the DLQ).
	n := w.completeCount() - before
	if !p.Replay {
		n += len(w.failed)
	}
	if n > 0 {
		e.count(ctx, run.sim.ID, map[string]int64{fieldProcessed: int64(n)})
	}
	if stepErr != nil {
		return e.wait(ctx, t, e.retryOrWait(ctx, run, stepErr))
	}
	e.forgetFailure(ctx)
	if p.Replay {
		e.settleSoon(ctx, p.Sim)
	}
	return w.scheduleNext(ctx)
}

// load plans the records and reads their ledger rows, skips and DLQ rows.
func (w *recordsWork) load(ctx context.Context) error {
	spec, p := w.run.spec, w.p
	end := min(p.End, spec.Planner.Count())
	used := p.Used
	for i := p.First; i < end; i++ {
		rec, err := sim.PlanRecord(spec, i, used)
		if err != nil {
			return fmt.Errorf("jobs: plan record %d: %v: %w", i, err, asynq.SkipRetry)
		}
		w.recs = append(w.recs, rec)
		w.usedAt = append(w.usedAt, used)
		used = used.Plus(sim.Candidates(spec, i))
	}
	store, id := w.e.store, w.run.sim.ID
	if p.Replay {
		records := make([]int, len(w.recs))
		for i, r := range w.recs {
			records[i] = r.Index
		}
		lifted, err := store.LiftBlockedSkips(ctx, id, records)
		if err != nil {
			return err
		}
		w.e.countLifted(ctx, id, lifted)
	}
	rows, err := store.LedgerRange(ctx, id, p.First, end)
	if err != nil {
		return err
	}
	w.have = make(map[string]string, len(rows)+8)
	for _, r := range rows {
		w.have[r.RecordKey] = r.ExternalID
	}
	var companies []string
	for _, r := range w.recs {
		if _, ok := w.have[r.Company.Key]; !ok {
			companies = append(companies, r.Company.Key)
		}
	}
	if len(companies) > 0 {
		found, err := store.LedgerByKeys(ctx, id, companies)
		if err != nil {
			return err
		}
		for k, v := range found {
			w.have[k] = v
		}
	}
	skips, err := store.SkipsRange(ctx, id, p.First, end)
	if err != nil {
		return err
	}
	w.skipped = make(map[string]bool, len(skips))
	for _, s := range skips {
		w.skipped[s.RecordKey] = true
	}
	if w.dlq, err = store.DLQKeysRange(ctx, id, p.First, end); err != nil {
		return err
	}
	return nil
}

// settled reports whether a record needs no more primary work now: all its
// objects that are due exist, or it failed into the DLQ (unless this is its replay).
func (w *recordsWork) settled(r *sim.Record) bool {
	if w.complete(r) || w.hasKey(r.Company.Key) && w.hasKey(r.Key) && r.Deal != nil && !w.due(r.Deal.CreatedAt) {
		return true
	}
	if w.p.Replay {
		return false
	}
	return w.dlq[r.Key] || w.dlq[r.Company.Key] && r.Company.First || r.Deal != nil && w.dlq[r.Deal.Key] || w.skipped[r.Key]
}

func (w *recordsWork) complete(r *sim.Record) bool {
	_, co := w.have[r.Company.Key]
	_, ct := w.have[r.Key]
	dl := true
	if r.Deal != nil {
		_, dl = w.have[r.Deal.Key]
	}
	return co && ct && dl
}

func (w *recordsWork) completeCount() int {
	n := 0
	for i := range w.recs {
		if w.complete(&w.recs[i]) {
			n++
		}
	}
	return n
}

// active lists the records this run still works on.
func (w *recordsWork) active() []int {
	var out []int
	for i := range w.recs {
		if _, failed := w.failed[i]; !failed && !w.settled(&w.recs[i]) {
			out = append(out, i)
		}
	}
	return out
}

func (w *recordsWork) keyed(kind sim.Kind, props map[string]string, key string) map[string]string {
	return w.run.stamp(kind, props, key)
}

// stamp adds SimCRM's properties to an object: its key and its simulation, where
// the target defines them.
func (r *simRun) stamp(kind sim.Kind, props map[string]string, key string) map[string]string {
	if r.target.keyProp[kind] {
		props[hubspot.RecordKeyProperty] = key
	}
	if r.target.simProp[kind] {
		props[hubspot.SimulationIDProperty] = simID(r.sim.ID)
	}
	return props
}

// datesOn reports whether the run sends planned dates: in a backfill, to the
// sandbox or a connection whose "historical dates" setting is on.
func (r *simRun) datesOn() bool { return r.pace.Mode == sim.Backfill && r.dates }

// historical dates an object at its planned creation (createdate, and the date
// it entered its first stage) where the run sends planned dates and the target
// defines the property as writable.
func (r *simRun) historical(kind sim.Kind, rec *sim.Record, props map[string]string, at time.Time) {
	if !r.datesOn() {
		return
	}
	for k, v := range fake.CreatedDates(kind, *rec, at) {
		props[k] = v
	}
	r.keepWritableDates(kind, props)
}

// asOf is the simulated moment an object planned at t is written: t itself when
// paced, the window's end in a backfill (so tasks due before it are done).
func (r *simRun) asOf(t time.Time) time.Time {
	if r.pace.Mode == sim.Backfill {
		return r.sim.EndAt
	}
	return t
}

func (w *recordsWork) createCompanies(ctx context.Context) error {
	var ins []objectInput
	seen := map[string]bool{}
	for _, i := range w.active() {
		r := &w.recs[i]
		key := r.Company.Key
		if _, ok := w.have[key]; ok || seen[key] {
			continue
		}
		seen[key] = true
		props := w.keyed(sim.KindCompany, fake.CompanyProperties(r.Company), key)
		first := companyFirstRecord(w.run.spec, r.Company.Index)
		at := w.run.spec.Planner.At(first)
		w.run.historical(sim.KindCompany, r, props, at)
		ins = append(ins, objectInput{record: first, key: key, props: props, at: at})
	}
	return w.create(ctx, sim.KindCompany, ins)
}

func (w *recordsWork) createContacts(ctx context.Context) error {
	var ins []objectInput
	for _, i := range w.active() {
		r := &w.recs[i]
		if _, ok := w.have[r.Key]; ok {
			continue
		}
		props := w.keyed(sim.KindContact, fake.ContactProperties(*r), r.Key)
		w.run.historical(sim.KindContact, r, props, r.CreatedAt)
		w.addOwner(props, r.Index)
		ins = append(ins, objectInput{record: r.Index, key: r.Key, props: props, at: r.CreatedAt,
			assoc: associations(sim.KindContact, map[sim.Kind]string{sim.KindCompany: w.have[r.Company.Key]})})
	}
	return w.create(ctx, sim.KindContact, ins)
}

func (w *recordsWork) createDeals(ctx context.Context) error {
	var ins []objectInput
	for _, i := range w.active() {
		r := &w.recs[i]
		if r.Deal == nil {
			continue
		}
		if _, ok := w.have[r.Deal.Key]; ok || !w.due(r.Deal.CreatedAt) {
			continue
		}
		props := w.keyed(sim.KindDeal, fake.DealProperties(*r), r.Deal.Key)
		if w.run.sim.Pipeline != "" {
			props["pipeline"] = w.run.sim.Pipeline
		}
		w.run.historical(sim.KindDeal, r, props, r.Deal.CreatedAt)
		w.addOwner(props, r.Index)
		ins = append(ins, objectInput{record: r.Index, key: r.Deal.Key, props: props, at: r.Deal.CreatedAt,
			assoc: associations(sim.KindDeal, map[sim.Kind]string{sim.KindContact: w.have[r.Key], sim.KindCompany: w.have[r.Company.Key]})})
	}
	return w.create(ctx, sim.KindDeal, ins)
}

func (w *recordsWork) addOwner(props map[string]string, index int) {
	if owners := w.run.sim.OwnerIDs; len(owners) > 0 && w.run.sim.TargetKind == storage.TargetHubSpot {
		props["hubspot_owner_id"] = owners[index%len(owners)]
	}
}

// create sends one kind's inputs and folds the outcome into the run: ids into
// have, objects that failed for good into failed (with the records they hold up).
func (w *recordsWork) create(ctx context.Context, kind sim.Kind, ins []objectInput) error {
	if len(ins) == 0 {
		return nil
	}
	out, err := w.e.createObjects(ctx, w.run, kind, ins)
	for k, v := range out.ids {
		w.have[k] = v
	}
	if len(out.failed) > 0 {
		for i := range w.recs {
			r := &w.recs[i]
			if _, done := w.failed[i]; done {
				continue
			}
			for _, key := range []string{r.Company.Key, r.Key, dealKey(r)} {
				if f, ok := out.failed[key]; ok && key != "" {
					w.failed[i] = recordFailure{kind: kind, key: key, failure: f}
					break
				}
			}
		}
	}
	return err
}

func dealKey(r *sim.Record) string {
	if r.Deal == nil {
		return ""
	}
	return r.Deal.Key
}

// failIncomplete gives up on every record this run has not finished.
func (w *recordsWork) failIncomplete(cat hubspot.Category, err error) {
	for _, i := range w.active() {
		r := &w.recs[i]
		kind, key := sim.KindContact, r.Key
		switch {
		case !w.hasKey(r.Company.Key):
			kind, key = sim.KindCompany, r.Company.Key
		case w.hasKey(r.Key) && r.Deal != nil:
			kind, key = sim.KindDeal, r.Deal.Key
		}
		w.failed[i] = recordFailure{kind: kind, key: key, failure: failure{category: cat, err: err}}
	}
}

func (w *recordsWork) hasKey(k string) bool { _, ok := w.have[k]; return ok }

// deadLetter writes one DLQ row per failed record and blocks the record's other
// objects (they cannot exist without it) until the record is replayed. A company
// shared by several failed records is one row; its other records get a row for
// their contact.
func (w *recordsWork) deadLetter(ctx context.Context) error {
	if len(w.failed) == 0 {
		return nil
	}
	var items []dlqItem
	var blocked []storage.Skip
	companyRow := map[string]bool{}
	for i := range w.recs {
		f, ok := w.failed[i]
		if !ok {
			continue
		}
		r := &w.recs[i]
		kind, key, index := f.kind, f.key, r.Index
		if kind == sim.KindCompany {
			if companyRow[key] || w.dlq[key] {
				kind, key = sim.KindContact, r.Key
			} else {
				companyRow[key] = true
				index = companyFirstRecord(w.run.spec, r.Company.Index)
			}
		}
		err := f.err
		if kind != f.kind {
			err = fmt.Errorf("company %s failed: %w", f.key, f.err)
		}
		payload := RecordsPayload{Sim: w.p.Sim, First: r.Index, End: r.Index + 1, Used: w.usedAt[i], Replay: true}
		items = append(items, dlqItem{kind: kind, record: index, key: key, payload: payload, category: f.category, err: err})
		w.dlq[key] = true
		for _, o := range plannedObjects(r) {
			if o.key == key || w.hasKey(o.key) || w.skipped[o.key] || w.dlq[o.key] {
				continue
			}
			if o.kind == sim.KindCompany && !r.Company.First {
				continue
			}
			blocked = append(blocked, storage.Skip{SimulationID: w.p.Sim, RecordIndex: o.record, ObjectType: string(o.kind),
				RecordKey: o.key, Reason: storage.SkipBlocked})
			w.skipped[o.key] = true
		}
	}
	if err := w.e.deadLetter(ctx, w.run, w.task, TypeRecords, items); err != nil {
		return err
	}
	added, err := w.e.store.AddSkips(context.WithoutCancel(ctx), blocked)
	if err != nil {
		return err
	}
	var n int64
	for _, v := range added {
		n += int64(v)
	}
	w.e.countObjects(ctx, w.p.Sim, eventFailed, "", added, map[string]int64{fieldBlocked: n})
	return nil
}

type plannedObject struct {
	kind   sim.Kind
	key    string
	record int
}

// plannedObjects lists every object a record plans (its company only when the
// record is the company's first), and its planned updates.
func plannedObjects(r *sim.Record) []plannedObject {
	out := []plannedObject{{sim.KindContact, r.Key, r.Index}}
	if r.Company.First {
		out = append(out, plannedObject{sim.KindCompany, r.Company.Key, r.Index})
	}
	if r.Deal != nil {
		out = append(out, plannedObject{sim.KindDeal, r.Deal.Key, r.Index})
	}
	for _, a := range r.Activities {
		out = append(out, plannedObject{a.Kind, a.Key, r.Index})
	}
	for _, u := range r.Updates() {
		out = append(out, plannedObject{u.Kind, u.Key, r.Index})
	}
	return out
}

// countLifted takes replayed records' blocked objects back out of the failed counts.
func (e *Worker) countLifted(ctx context.Context, simID int64, lifted map[string]int) {
	d := map[string]int64{}
	for kind, n := range lifted {
		if k, ok := sim.ParseKind(kind); ok && n > 0 {
			d[sim.MetricKey(k, eventFailed)] -= int64(n)
			d[fieldBlocked] -= int64(n)
		}
	}
	e.count(ctx, simID, d)
}

// countUnthinned takes thinned objects that were created after all back out of
// the thinned counts.
func (e *Worker) countUnthinned(ctx context.Context, simID int64, unthinned map[string]int) {
	d := map[string]int64{}
	for kind, n := range unthinned {
		if k, ok := sim.ParseKind(kind); ok && n > 0 {
			d[sim.MetricKey(k, eventThinned)] -= int64(n)
			d[fieldThinned] -= int64(n)
		}
	}
	e.count(ctx, simID, d)
}

// startWork finds a task's simulation and readies its target. A nil run means the
// handler returns stop instead: the simulation is gone, the work is dropped, or it
// waits (the tick fails the simulation if the target refuses the token; until the
// target answers, work waits without spending attempts).
func (e *Worker) startWork(ctx context.Context, t *asynq.Task, simID int64, replay bool) (run *simRun, stop error) {
	run, err := e.runOf(ctx, simID)
	if err != nil {
		return nil, e.missingSimulation(err)
	}
	if drop, wait := run.gate(replay); drop || wait != nil {
		return nil, e.wait(ctx, t, wait)
	}
	if err := run.target.prepare(ctx); err != nil {
		return nil, e.wait(ctx, t, &Throttled{Wait: 5 * time.Second, Reason: "target not ready: " + err.Error()})
	}
	return run, nil
}

// gate says whether a simulation's work runs now: running simulations work,
// paused (and not yet started) ones wait, finished ones drop their queued work —
// except a DLQ replay, which may still finish a completed simulation's objects.
func (r *simRun) gate(replay bool) (drop bool, wait error) {
	switch r.sim.Status {
	case storage.StatusRunning:
		return false, nil
	case storage.StatusPaused, storage.StatusQueued:
		return false, &Throttled{Wait: pausedWait, Reason: "simulation " + strconv.FormatInt(r.sim.ID, 10) + " is " + r.sim.Status}
	case storage.StatusCompleted, storage.StatusCompletedWithFailures, storage.StatusFailed:
		if replay {
			return false, nil
		}
	}
	return true, nil
}
