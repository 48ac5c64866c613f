package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// TypeCleanup removes a finished simulation's objects from its target.
const TypeCleanup = storage.JobTypeCleanup

// CleanupOrder is the order a clean-up archives object types in: dependants before
// what they hang on (engagements, tickets, deals, contacts, then companies).
var CleanupOrder = []sim.Kind{sim.KindNote, sim.KindCall, sim.KindTask, sim.KindMeeting, sim.KindTicket, sim.KindDeal,
	sim.KindContact, sim.KindCompany}

// cleanupBatch is how many objects one archive call removes (HubSpot's batch limit).
const cleanupBatch = 100

// cleanupAttempts is how often a failing archive call is tried before its objects
// go to the DLQ.
const cleanupAttempts = 3

// cleanupPayload is a clean-up task: a simulation's whole clean-up, or (Action
// "archive") objects whose archive failed: one per DLQ row, up to cleanupBatch
// in a replay's task.
type cleanupPayload struct {
	Simulation int64           `json:"simulation"`
	Action     string          `json:"action,omitempty"`
	ObjectType string          `json:"objectType,omitempty"`
	Objects    []cleanupObject `json:"objects,omitempty"`
}

// cleanupObject is an object a clean-up failed to archive.
type cleanupObject struct {
	ID  string `json:"id"`  // its id in the target
	Key string `json:"key"` // its record key (the ledger's)
}

// mergeCleanupReplay adds the objects of a clean-up DLQ row's payload to a
// replay task's payload (one archive call takes up to cleanupBatch objects).
func mergeCleanupReplay(task, row string) (string, error) {
	var into, from cleanupPayload
	if err := json.Unmarshal([]byte(task), &into); err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(row), &from); err != nil {
		return "", err
	}
	into.Objects = append(into.Objects, from.Objects...)
	b, err := json.Marshal(into)
	return string(b), err
}

// cleanupArchive is the Action of a clean-up DLQ row.
const cleanupArchive = "archive"

// StartCleanup starts removing a simulation's objects from its target: only once it
// has finished (ErrConflict before). Its progress is in the ledger, so it resumes
// where it stopped after a crash or a flush.
func (e *Lifecycle) StartCleanup(ctx context.Context, simID, by int64) error {
	s, err := e.store.Simulation(ctx, simID)
	if err != nil {
		return err
	}
	if !s.Finished() {
		return fmt.Errorf("%w: simulation %d is %s", storage.ErrConflict, simID, s.Status)
	}
	if _, err := e.store.StartCleanup(ctx, simID, by); err != nil {
		return err
	}
	return e.enqueueCleanup(ctx, simID)
}

// enqueueCleanup queues a simulation's cleanup task unless one is queued or running.
func (e *core) enqueueCleanup(ctx context.Context, simID int64) error {
	if e.queue == nil {
		return errors.New("jobs: cleaning up needs Redis for its queue")
	}
	b, _ := json.Marshal(cleanupPayload{Simulation: simID})
	_, err := e.queue.EnqueueContext(ctx, asynq.NewTask(TypeCleanup, b), asynq.Queue(ControlQueue),
		asynq.TaskID("cleanup-"+strconv.FormatInt(simID, 10)), asynq.MaxRetry(20), asynq.Timeout(30*time.Minute))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// resumeCleanups queues again the cleanups whose task was lost (Redis flushed).
func (e *Reconciler) resumeCleanups(ctx context.Context) error {
	ids, err := e.store.RunningCleanups(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := e.enqueueCleanup(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// handleCleanup archives the simulation's objects type by type through the
// target's limiter, ledger first, then whatever a search by simcrm_simulation_id
// still finds. A wait is a *Throttled (the task comes back later); a call that
// keeps failing sends its objects to the DLQ and the cleanup goes on.
func (e *Worker) handleCleanup(ctx context.Context, t *asynq.Task) error {
	var p cleanupPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%w: cleanup payload: %v", asynq.SkipRetry, err)
	}
	s, err := e.store.Simulation(ctx, p.Simulation)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if p.Action == cleanupArchive {
		return e.replayArchive(ctx, s, p)
	}
	c, err := e.store.Cleanup(ctx, s.ID)
	if err != nil || c.Status != storage.CleanupRunning {
		return nil
	}
	tg, err := e.targetOf(ctx, s)
	if err != nil {
		return err
	}
	if err := tg.prepare(ctx); err != nil {
		return err
	}
	for _, kind := range CleanupOrder {
		if err := e.cleanLedger(ctx, s, tg, kind); err != nil {
			return err
		}
		if err := e.cleanBySearch(ctx, s, tg, kind); err != nil {
			return err
		}
	}
	e.log.Info("cleanup done", "simulation", s.ID)
	return e.store.FinishCleanup(context.WithoutCancel(ctx), s.ID, true, nil, cleanupMessage)
}

// cleanLedger archives a type's ledger rows still in the target, in batches; a
// batch that keeps failing goes to the DLQ and the rest goes on.
func (e *Worker) cleanLedger(ctx context.Context, s storage.Simulation, tg *target, kind sim.Kind) error {
	for {
		batch, err := e.store.CleanupBatch(ctx, s.ID, string(kind), cleanupBatch)
		if err != nil || len(batch) == 0 {
			return err
		}
		ids, keys := make([]string, len(batch)), make([]string, len(batch))
		for i, le := range batch {
			ids[i], keys[i] = le.ExternalID, le.RecordKey
		}
		err = e.archive(ctx, tg, kind, ids)
		if err == nil {
			if err := e.store.SetCleanupState(context.WithoutCancel(ctx), s.ID, keys, storage.CleanupArchived); err != nil {
				return err
			}
			continue
		}
		if IsThrottled(err) || ctx.Err() != nil {
			return err
		}
		if err := e.cleanupFailed(ctx, s, kind, batch, err); err != nil {
			return err
		}
	}
}

// archive archives ids of a kind, trying a failing call up to cleanupAttempts
// times; a short wait is slept through, a long one returned.
func (e *Worker) archive(ctx context.Context, tg *target, kind sim.Kind, ids []string) error {
	var err error
	for attempt := 0; attempt < cleanupAttempts; {
		err = tg.do(ctx, kind, func(ctx context.Context) error { return tg.client.BatchArchive(ctx, objectType(kind), ids) })
		var th *Throttled
		switch {
		case err == nil:
			return nil
		case errors.As(err, &th) && th.Wait <= inlineWaitMax:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(th.Wait):
			}
			continue
		case errors.As(err, &th), !hubspot.Retryable(hubspot.Classify(err)):
			return err
		}
		attempt++
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.cfg.BackoffFor(string(kind), attempt)):
		}
	}
	return err
}

// cleanupFailed sends objects whose archive failed for good to the DLQ and marks
// them, so the cleanup goes on with the rest.
func (e *Worker) cleanupFailed(ctx context.Context, s storage.Simulation, kind sim.Kind, batch []storage.LedgerEntry, cause error) error {
	dctx := context.WithoutCancel(ctx)
	now := time.Now().UTC()
	cat := string(hubspot.Classify(cause))
	entries := make([]storage.DLQEntry, 0, len(batch))
	keys := make([]string, 0, len(batch))
	for _, le := range batch {
		payload, _ := json.Marshal(cleanupPayload{Simulation: s.ID, Action: cleanupArchive, ObjectType: string(kind),
			Objects: []cleanupObject{{ID: le.ExternalID, Key: le.RecordKey}}})
		entries = append(entries, storage.DLQEntry{SimulationID: s.ID, JobType: TypeCleanup, ObjectType: string(kind),
			RecordIndex: le.RecordIndex, RecordKey: le.RecordKey, TaskID: "cleanup-" + strconv.FormatInt(s.ID, 10),
			Payload: string(payload), Category: cat, Error: cause.Error(), Attempts: cleanupAttempts, FirstFailedAt: now,
			LastFailedAt: now, Status: storage.DLQOpen})
		keys = append(keys, le.RecordKey)
	}
	if err := e.store.AddDLQEntries(dctx, entries); err != nil {
		return err
	}
	e.log.Warn("cleanup: objects to the DLQ", "simulation", s.ID, "type", kind, "n", len(batch), "err", cause)
	return e.store.SetCleanupState(dctx, s.ID, keys, storage.CleanupFailed)
}

// replayArchive archives again objects whose archive failed (replayed DLQ rows),
// through the target's limiter like the clean-up itself: archived, their ledger
// rows say so and a finished clean-up's message is brought up to date; failing
// again, they come back to the DLQ. The clean-up's own run never touches rows in
// the failed state, so the two never archive the same object.
func (e *Worker) replayArchive(ctx context.Context, s storage.Simulation, p cleanupPayload) error {
	kind, ok := sim.ParseKind(p.ObjectType)
	if !ok || len(p.Objects) == 0 || len(p.Objects) > cleanupBatch {
		return fmt.Errorf("%w: clean-up replay: %d objects of type %q", asynq.SkipRetry, len(p.Objects), p.ObjectType)
	}
	ids, keys := make([]string, len(p.Objects)), make([]string, len(p.Objects))
	batch := make([]storage.LedgerEntry, len(p.Objects))
	for i, o := range p.Objects {
		ids[i], keys[i] = o.ID, o.Key
		batch[i] = storage.LedgerEntry{SimulationID: s.ID, ObjectType: string(kind), RecordKey: o.Key, ExternalID: o.ID}
	}
	tg, err := e.targetOf(ctx, s)
	if err != nil {
		return err
	}
	if err := tg.prepare(ctx); err != nil {
		return err
	}
	err = e.archive(ctx, tg, kind, ids)
	if IsThrottled(err) || ctx.Err() != nil {
		return err
	}
	if err != nil {
		return e.cleanupFailed(ctx, s, kind, batch, err)
	}
	return e.store.FinishCleanup(context.WithoutCancel(ctx), s.ID, false, keys, cleanupMessage)
}

// cleanupMessage words where a clean-up stands by the objects whose archive
// failed, counted from the ledger: a clean-up resumed after a crash, retried or
// replayed counts every earlier failure too.
func cleanupMessage(failed int64) string {
	if failed > 0 {
		return strconv.FormatInt(failed, 10) + " objects could not be archived; they are in the DLQ."
	}
	return "Every object of this simulation is gone from the target."
}

// cleanBySearch archives objects of a kind that name the simulation in
// simcrm_simulation_id but are not in its ledger (created just before a crash that
// lost the ledger write), leaving those another simulation's ledger has and those
// whose archive failed into the DLQ. It pages through the whole search first
// (HubSpot answers at most 10,000 results a query), then archives in batches, so
// what it leaves never hides what comes after it.
func (e *Worker) cleanBySearch(ctx context.Context, s storage.Simulation, tg *target, kind sim.Kind) error {
	if !tg.simProp[kind] {
		return nil
	}
	req := hubspot.SearchRequest{Limit: cleanupBatch, FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{
		{PropertyName: hubspot.SimulationIDProperty, Operator: hubspot.OpEQ, Value: strconv.FormatInt(s.ID, 10)}}}}}
	var found []string
	seen := map[string]bool{}
	for {
		var page *hubspot.SearchPage
		err := tg.do(ctx, "", func(ctx context.Context) error {
			var err error
			page, err = tg.client.Search(ctx, objectType(kind), req)
			return err
		})
		var th *Throttled
		if errors.As(err, &th) && th.Wait <= inlineWaitMax {
			time.Sleep(th.Wait)
			continue
		}
		if err != nil {
			return err
		}
		for _, o := range page.Results {
			if !seen[o.ID] {
				seen[o.ID] = true
				found = append(found, o.ID)
			}
		}
		next := page.After()
		if next == "" || next == req.After || len(page.Results) == 0 || len(found) >= hubspot.MaxSearchResults {
			break
		}
		req.After = next
	}
	kept, err := e.store.KeptExternalIDs(ctx, s.ID, string(kind), found)
	if err != nil {
		return err
	}
	mine := found[:0]
	for _, id := range found {
		if !kept[id] {
			mine = append(mine, id)
		}
	}
	for lo := 0; lo < len(mine); lo += cleanupBatch {
		batch := mine[lo:min(lo+cleanupBatch, len(mine))]
		if err := e.archive(ctx, tg, kind, batch); err != nil {
			return err
		}
		if err := e.store.AddCleanupFound(context.WithoutCancel(ctx), s.ID, len(batch)); err != nil {
			return err
		}
		// The ledger may hold some of them after all (a row written after the
		// ledger pass read it); mark those archived too.
		if err := e.markArchivedByID(ctx, s.ID, string(kind), batch); err != nil {
			return err
		}
	}
	return nil
}

// markArchivedByID marks ledger rows of external ids archived.
func (e *Worker) markArchivedByID(ctx context.Context, simID int64, typ string, ids []string) error {
	entries, err := e.store.LedgerByExternalIDs(ctx, simID, typ, ids)
	if err != nil || len(entries) == 0 {
		return err
	}
	return e.store.SetCleanupState(context.WithoutCancel(ctx), simID, entries, storage.CleanupArchived)
}
