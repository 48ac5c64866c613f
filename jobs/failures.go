package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// pausedWait is how often queued work of a paused simulation looks again.
const pausedWait = 5 * time.Second

// dailyWait is how long work waits after its simulation paused for the daily limit.
const dailyWait = time.Minute

// dlqItem is one object that ran out of attempts (or cannot succeed).
type dlqItem struct {
	kind     sim.Kind
	record   int
	key      string
	payload  any // a task payload that redoes just this object (Replay set)
	category hubspot.Category
	err      error
}

// DLQSample is one entry of sim:<id>:dlq:samples (the pages read it back).
type DLQSample struct {
	TS          int64           `json:"ts"`
	TaskID      string          `json:"taskId"`
	JobType     string          `json:"jobType"`
	ObjectType  string          `json:"objectType"`
	RecordIndex int             `json:"recordIndex"`
	RecordKey   string          `json:"recordKey"`
	Category    string          `json:"category"`
	Error       string          `json:"error"`
	Attempts    int             `json:"attempts"`
	Payload     json.RawMessage `json:"payload"`
}

// deadLetter stores failed objects as durable DLQ rows, then counts them in
// sim:<id>:dlq:counts, samples them into sim:<id>:dlq:samples (capped) and adds
// them to the failure metrics. A failed object is "accounted for": the simulation
// completes without it.
func (e *Worker) deadLetter(ctx context.Context, run *simRun, t *asynq.Task, jobType string, items []dlqItem) error {
	if len(items) == 0 {
		return nil
	}
	dctx := context.WithoutCancel(ctx)
	taskID, _ := asynq.GetTaskID(ctx)
	retried, _ := asynq.GetRetryCount(ctx)
	now := time.Now().UTC()
	first := now
	if v, ok := e.firstFail.Load(taskID); ok {
		first = v.(time.Time)
	}
	failed := map[string]int{}
	cats := map[string]int64{}
	var samples []any
	entries := make([]storage.DLQEntry, 0, len(items))
	for _, it := range items {
		payload, err := json.Marshal(it.payload)
		if err != nil {
			return err
		}
		msg := "unknown error"
		if it.err != nil {
			msg = it.err.Error()
		}
		cat := string(it.category)
		if cat == "" {
			cat = string(hubspot.CategoryUnknown)
		}
		entries = append(entries, storage.DLQEntry{SimulationID: run.sim.ID, JobType: jobType, ObjectType: string(it.kind),
			RecordIndex: it.record, RecordKey: it.key, TaskID: taskID, Payload: string(payload), Category: cat, Error: msg,
			Attempts: retried + 1, FirstFailedAt: first, LastFailedAt: now, Status: storage.DLQOpen})
		failed[string(it.kind)]++
		cats[cat]++
		s, _ := json.Marshal(DLQSample{TS: now.UnixMilli(), TaskID: taskID, JobType: jobType, ObjectType: string(it.kind),
			RecordIndex: it.record, RecordKey: it.key, Category: cat, Error: msg, Attempts: retried + 1, Payload: payload})
		samples = append(samples, string(s))
	}
	if err := e.store.AddDLQEntries(dctx, entries); err != nil {
		return fmt.Errorf("jobs: dlq: %w", err)
	}
	e.countObjects(ctx, run.sim.ID, eventFailed, fieldFailures, failed, nil)
	if e.redis.Enabled() {
		pipe := e.redis.Client.Pipeline()
		for c, n := range cats {
			pipe.HIncrBy(dctx, rediskeys.DLQCounts(run.sim.ID), c, n)
		}
		pipe.LPush(dctx, rediskeys.DLQSamples(run.sim.ID), samples...)
		pipe.LTrim(dctx, rediskeys.DLQSamples(run.sim.ID), 0, int64(e.cfg.DLQSampleMax)-1)
		if _, err := pipe.Exec(dctx); err != nil {
			e.log.Warn("dlq to redis", "simulation", run.sim.ID, "err", err)
		}
	}
	e.log.Warn("job failed into the DLQ", "simulation", run.sim.ID, "job", jobType, "objects", len(items),
		"category", items[0].category, "err", items[0].err)
	if cats[string(hubspot.CategoryAuth)] > 0 {
		e.failOnAuth(dctx, run, items)
	}
	return nil
}

// failOnAuth ends a running simulation whose target rejected the token (401): no
// call can succeed, so it fails at once with the reason instead of sending every
// remaining object into the DLQ. (A 403 — a scope missing for one object type —
// lets the rest of the run go on.)
func (e *Worker) failOnAuth(ctx context.Context, run *simRun, items []dlqItem) {
	for _, it := range items {
		var he *hubspot.Error
		if !errors.As(it.err, &he) || he.StatusCode != http.StatusUnauthorized {
			continue
		}
		reason := "the target rejected SimCRM's token"
		if it.err != nil {
			reason += ": " + it.err.Error()
		}
		if _, err := e.store.TransitionSimulation(ctx, run.sim.ID, []string{storage.StatusRunning}, storage.StatusFailed, reason); err == nil {
			e.log.Warn("simulation failed: the target rejected the token", "simulation", run.sim.ID)
		}
		e.forgetRun(run.sim.ID)
		return
	}
}

// lastAttempt reports whether the running task is on its last attempt: the job
// type's attempts (cfg.AttemptsFor), or fewer when the task was queued with fewer
// (a DLQ replay with one attempt). By the engine's convention MaxRetry is the
// number of attempts, the one retry to spare being for throttled waits, so the
// last attempt is number MaxRetry. Throttled runs do not count: asynq only raises
// the retry count for failures.
func (e *Worker) lastAttempt(ctx context.Context, jobType string) bool {
	n, ok := asynq.GetRetryCount(ctx)
	if !ok {
		return true
	}
	attempts := e.cfg.AttemptsFor(jobType)
	if m, ok := asynq.GetMaxRetry(ctx); ok {
		attempts = min(attempts, max(m, 1))
	}
	return n+1 >= attempts
}

// wait answers a throttled task: asynq retries it after the wait without counting
// an attempt — unless asynq would archive it instead (its retry count already at
// MaxRetry), in which case a fresh copy is queued for after the wait and the task
// ends: the wait never loses the work.
func (e *Worker) wait(ctx context.Context, t *asynq.Task, err error) error {
	var th *Throttled
	if !errors.As(err, &th) {
		return err
	}
	n, _ := asynq.GetRetryCount(ctx)
	m, ok := asynq.GetMaxRetry(ctx)
	if !ok || n < m {
		return th
	}
	queue, _ := asynq.GetQueueName(ctx)
	id := "deferred-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if s := payloadSim(t.Payload()); s != 0 {
		id = newTaskID(s, "d")
	}
	_, qerr := e.queue.EnqueueContext(context.WithoutCancel(ctx), asynq.NewTask(t.Type(), t.Payload()), asynq.Queue(queue),
		asynq.MaxRetry(m), asynq.Timeout(workTimeout), asynq.TaskID(id), asynq.ProcessIn(max(th.Wait, time.Second)))
	if qerr != nil {
		return th // the queue is in trouble: asynq keeps the task as well as it can
	}
	return nil
}

// noteFailure remembers when a task first failed, for its DLQ row, and counts
// the retry it leads to.
func (e *Worker) noteFailure(ctx context.Context, simID int64) {
	e.count(context.WithoutCancel(ctx), simID, map[string]int64{fieldRetries: 1})
	if id, ok := asynq.GetTaskID(ctx); ok {
		e.firstFail.LoadOrStore(id, time.Now().UTC())
	}
}

func (e *Worker) forgetFailure(ctx context.Context) {
	if id, ok := asynq.GetTaskID(ctx); ok {
		e.firstFail.Delete(id)
	}
}

// retryOrWait turns a step's error into the task's answer: a wait stays a wait; the
// daily limit pauses the simulation and waits; anything else is a failed attempt.
func (e *Worker) retryOrWait(ctx context.Context, run *simRun, err error) error {
	var dl *dailyLimitError
	if errors.As(err, &dl) {
		reason := "paused: " + dl.Error() + "; resume it after the reset"
		if _, terr := e.store.TransitionSimulation(context.WithoutCancel(ctx), run.sim.ID, []string{storage.StatusRunning},
			storage.StatusPaused, reason); terr == nil {
			e.log.Warn("simulation paused at the daily limit", "simulation", run.sim.ID, "reset", dl.resetAt)
		}
		e.forgetRun(run.sim.ID)
		return &Throttled{Wait: dailyWait, Reason: dl.Error()}
	}
	return err
}

// missingSimulation answers work of a simulation that no longer exists: drop it.
func (e *Worker) missingSimulation(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// categoryOf is the failure category of an error from a create step.
func categoryOf(err error) hubspot.Category {
	var bf *batchFailure
	if errors.As(err, &bf) {
		return bf.category
	}
	return hubspot.Classify(err)
}

// RetryDelay is the asynq server's RetryDelayFunc: a throttled task comes back
// after its wait; a failed one after its job type's backoff (cfg.BackoffFor).
func (e *Worker) RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	var th *Throttled
	if errors.As(err, &th) {
		return max(th.Wait, 50*time.Millisecond)
	}
	return e.cfg.BackoffFor(jobTypeOf(t.Type()), n+1)
}

// HandleError is the asynq server's ErrorHandler, a safety net for failures the
// handler could not account for itself (a panic, a lost lease, a DLQ write that
// failed): when asynq is about to archive a work task, its objects go to the DLQ
// so the simulation can still complete.
func (e *Worker) HandleError(ctx context.Context, t *asynq.Task, err error) {
	if IsThrottled(err) {
		return
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if retried < maxRetry && !errors.Is(err, asynq.SkipRetry) {
		return
	}
	e.log.Error("job gave up", "type", t.Type(), "err", err)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var items []dlqItem
	var simID int64
	switch {
	case t.Type() == TypeRecords:
		var p RecordsPayload
		if json.Unmarshal(t.Payload(), &p) != nil {
			return
		}
		simID = p.Sim
		run, rerr := e.runOf(dctx, p.Sim)
		if rerr != nil {
			return
		}
		used := p.Used
		for i := p.First; i < min(p.End, run.spec.Planner.Count()); i++ {
			one := RecordsPayload{Sim: p.Sim, First: i, End: i + 1, Used: used, Replay: true}
			items = append(items, dlqItem{kind: sim.KindContact, record: i, key: sim.RecordKey(run.spec.SimID, i), payload: one,
				category: hubspot.Classify(err), err: err})
			used = used.Plus(sim.Candidates(run.spec, i))
		}
	case t.Type() != TypeTick:
		var p ActivitiesPayload
		if json.Unmarshal(t.Payload(), &p) != nil {
			return
		}
		simID = p.Sim
		for _, it := range p.Items {
			one := p
			one.Items, one.Replay = []ActivityItem{it}, true
			items = append(items, dlqItem{kind: p.Kind, record: it.Record, key: it.Key, payload: one, category: hubspot.Classify(err), err: err})
		}
	default:
		return
	}
	run, rerr := e.runOf(dctx, simID)
	if rerr != nil {
		return
	}
	// Objects that exist already are not failures.
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.key
	}
	have, herr := e.store.LedgerByKeys(dctx, simID, keys)
	if herr != nil {
		return
	}
	kept := items[:0]
	for _, it := range items {
		if _, ok := have[it.key]; !ok {
			kept = append(kept, it)
		}
	}
	if err := e.deadLetter(dctx, run, t, t.Type(), kept); err != nil {
		e.log.Error("dlq safety net", "err", err)
	}
}
