package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/storage"
)

// Replay limits: at most ReplayCallsPerWindow replay calls per user (dry runs
// included) in any ReplayWindow.
const (
	ReplayCallsPerWindow = 5
	ReplayWindow         = 30 * time.Second
	// replaySamples is how many selected payloads a dry run shows.
	replaySamples = 5
)

// ErrQueueUnavailable refuses a real replay while there is no queue (Redis off or
// down); dry runs work from the database alone.
var ErrQueueUnavailable = errors.New("jobs: the queue is unavailable (Redis is off or down); replay needs it, a dry run does not")

// ReplayRequest is a replay or dry run as the web side parsed it.
type ReplayRequest struct {
	UserID         int64
	Filter         storage.DLQFilter
	Strategy       string // ReplayOldest, ReplayNewest, ReplayRandom
	Limit          int    // capped by DLQ_REPLAY_LIMIT_CAP
	MaxPerCategory int    // 0 = no per-category cap
	UseFullRetry   bool   // replayed work gets its type's attempts, not one
	DryRun         bool
}

// ReplayResult is what a replay did, or what its dry run would do.
type ReplayResult struct {
	AuditID              int64
	DryRun               bool
	Limit                int // after the cap
	Candidates           int64
	CandidatesByCategory map[string]int64
	Selected             int
	SelectedByCategory   map[string]int64
	Samples              []storage.DLQEntry // the first selected rows, with payloads
	InTarget             []int64            // selected rows whose object the ledger already has
	Replayed             int                // rows enqueued again (0 on a dry run)
	Tasks                []ReplayedTask     // real replays: the task each row became
	Taken                int                // selected rows another replay claimed meanwhile
	Aborted              int64              // matching rows of aborted simulations: never replayed (their work is dropped)
	Failed               []ReplayFailure    // rows that could not be enqueued; they stay open
}

// ReplayedTask is one DLQ row enqueued again.
type ReplayedTask struct {
	DLQID    int64  `json:"dlqId"`
	TaskID   string `json:"taskId"`
	Queue    string `json:"queue"`
	MaxRetry int    `json:"maxRetry"`
}

// ReplayFailure is a row whose enqueue failed.
type ReplayFailure struct {
	DLQID int64  `json:"dlqId"`
	Error string `json:"error"`
}

// Triage carries out a boss's DLQ actions: replay (with its dry run), resolve and
// discard, each audited.
type Triage struct {
	store *storage.Store
	queue *asynq.Client // nil without Redis
	cfg   config.Config
}

// NewTriage returns the DLQ actions on a store and a queue (which may be nil).
func NewTriage(store *storage.Store, queue *asynq.Client, cfg config.Config) *Triage {
	return &Triage{store: store, queue: queue, cfg: cfg}
}

// Replay selects open DLQ rows by the request's filter and strategy and, unless it
// is a dry run, enqueues each again on its queue with one attempt (or its job
// type's full retry profile) under a fresh task id. Every call is audited; a call beyond
// the per-user limit returns *storage.ReplayLimitError. A dry run changes no DLQ
// row, so the real replay that follows finds the same rows open.
func (t *Triage) Replay(ctx context.Context, req ReplayRequest) (ReplayResult, error) {
	req.Limit = min(max(req.Limit, 0), t.cfg.DLQReplayCap)
	req.Filter.Status = storage.DLQOpen
	audit := &storage.ReplayAudit{
		UserID: req.UserID, SimulationID: req.Filter.SimulationID, Filters: FilterJSON(req.Filter),
		Strategy: req.Strategy, Limit: req.Limit, MaxPerCategory: req.MaxPerCategory,
		UseFullRetry: req.UseFullRetry, DryRun: req.DryRun,
	}
	res := ReplayResult{DryRun: req.DryRun, Limit: req.Limit}
	if err := t.store.BeginReplayAudit(ctx, audit, ReplayWindow, ReplayCallsPerWindow); err != nil {
		res.AuditID = audit.ID
		return res, err
	}
	res.AuditID = audit.ID
	err := t.replay(ctx, req, audit.ID, &res)
	audit.Candidates, audit.Selected, audit.Replayed = int(res.Candidates), res.Selected, res.Replayed
	switch {
	case err != nil:
		audit.Outcome, audit.Message = storage.AuditFailed, err.Error()
	case len(res.Failed) > 0:
		audit.Outcome = storage.AuditPartial
		audit.Message = fmt.Sprintf("%d of %d rows could not be enqueued and stay open: %s", len(res.Failed), res.Selected, res.Failed[0].Error)
	default:
		audit.Outcome = storage.AuditOK
		if res.Taken > 0 {
			audit.Message = fmt.Sprintf("%d selected rows were replayed by another call meanwhile", res.Taken)
		}
	}
	// The audit row must record the outcome even if the request was cancelled.
	if ferr := t.store.FinishReplayAudit(context.WithoutCancel(ctx), audit); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

func (t *Triage) replay(ctx context.Context, req ReplayRequest, auditID int64, res *ReplayResult) error {
	if !req.DryRun && t.queue == nil {
		return ErrQueueUnavailable
	}
	sel, err := t.selectForReplay(ctx, req)
	if err != nil {
		return err
	}
	res.Candidates, res.CandidatesByCategory, res.Aborted = sel.Count, sel.ByCategory, sel.Aborted
	res.Selected, res.SelectedByCategory = len(sel.Entries), sel.Selected
	res.Samples = sel.Entries[:min(replaySamples, len(sel.Entries))]
	inTarget, err := t.store.DLQInLedger(ctx, sel.Entries)
	if err != nil {
		return err
	}
	for _, e := range sel.Entries {
		// A clean-up row's object is in the ledger by design: it is what the
		// replay archives, not a sign the work is done.
		if inTarget[e.ID] && e.JobType != TypeCleanup {
			res.InTarget = append(res.InTarget, e.ID)
		}
	}
	if req.DryRun || len(sel.Entries) == 0 {
		return nil
	}

	// Rows carrying the same task (one batch that failed for several records) are
	// enqueued once; every row records the task it became.
	type group struct {
		task    *asynq.Task
		opts    []asynq.Option
		planned []storage.DLQReplay
	}
	var (
		groups  []*group
		byTask  = map[string]*group{}
		planned []storage.DLQReplay
	)
	cleanups := map[string]int{} // clean-up rows of one simulation and type go out together, cleanupBatch a task
	for _, e := range sel.Entries {
		key := e.JobType + "\x00" + e.Payload
		if e.JobType == TypeCleanup {
			base := fmt.Sprintf("%s\x00%d\x00%s", e.JobType, e.SimulationID, e.ObjectType)
			key = fmt.Sprintf("%s\x00%d", base, cleanups[base]/cleanupBatch)
			cleanups[base]++
		}
		g := byTask[key]
		if g != nil && e.JobType == TypeCleanup {
			merged, err := mergeCleanupReplay(string(g.task.Payload()), e.Payload)
			if err != nil {
				return fmt.Errorf("jobs: clean-up row %d: %w", e.ID, err)
			}
			g.task = asynq.NewTask(TypeCleanup, []byte(merged))
		}
		if g == nil {
			queue := ReplayQueue(e, t.cfg.PrimaryShards)
			// MaxRetry follows the engine's convention (tasks.go, maxRetry): the
			// attempts themselves, one spare retry, so a throttled wait is never
			// archived by asynq; the handler decides the last attempt.
			retry := 1
			if req.UseFullRetry {
				retry = t.cfg.AttemptsFor(jobTypeOf(e.JobType))
			}
			// The simulation's task-id prefix lets an abort with purge find it.
			id := taskIDPrefix(e.SimulationID) + fmt.Sprintf("replay-%d-%d", auditID, e.ID)
			g = &group{
				task: asynq.NewTask(e.JobType, []byte(e.Payload)),
				// A fresh id per replay call: never one an archived task could block.
				opts: []asynq.Option{asynq.Queue(queue), asynq.MaxRetry(retry), asynq.TaskID(id)},
			}
			g.planned = append(g.planned, storage.DLQReplay{TaskID: id, Queue: queue, MaxRetry: retry})
			byTask[key] = g
			groups = append(groups, g)
		} else {
			g.planned = append(g.planned, g.planned[0])
		}
		g.planned[len(g.planned)-1].DLQID = e.ID
		planned = append(planned, g.planned[len(g.planned)-1])
	}
	claimed, err := t.store.ClaimDLQForReplay(ctx, auditID, planned)
	if err != nil {
		return err
	}
	res.Taken = len(planned) - len(claimed)
	mine := map[int64]storage.DLQReplay{}
	for _, r := range claimed {
		mine[r.DLQID] = r
	}
	for _, g := range groups {
		var rows []storage.DLQReplay
		for _, p := range g.planned {
			if r, ok := mine[p.DLQID]; ok {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		_, err := t.queue.EnqueueContext(context.WithoutCancel(ctx), g.task, g.opts...)
		for _, r := range rows {
			if err != nil {
				res.Failed = append(res.Failed, ReplayFailure{DLQID: r.DLQID, Error: err.Error()})
				if ferr := t.store.FailDLQReplay(context.WithoutCancel(ctx), r, err.Error()); ferr != nil {
					return ferr
				}
				continue
			}
			res.Replayed++
			res.Tasks = append(res.Tasks, ReplayedTask{DLQID: r.DLQID, TaskID: r.TaskID, Queue: r.Queue, MaxRetry: r.MaxRetry})
		}
	}
	return nil
}

// ReplayQueue is the queue a DLQ row's work goes back to: activities (and
// tickets) to the secondary queue, clean-up rows to the control queue (where
// clean-ups run), records to their simulation's primary queue among shards
// (PRIMARY_SHARDS).
func ReplayQueue(e storage.DLQEntry, shards int) string {
	if strings.HasPrefix(e.JobType, TypeActivityPrefix) {
		return SecondaryQueue
	}
	if e.JobType == TypeCleanup {
		return ControlQueue
	}
	return PrimaryQueue(e.SimulationID, shards)
}

// Close resolves or discards (action storage.AuditResolve / AuditDiscard) the open
// rows matching the filter, with the boss's reason, and audits it.
func (t *Triage) Close(ctx context.Context, userID int64, f storage.DLQFilter, action, reason string) (storage.ReplayAudit, error) {
	status := storage.DLQResolved
	if action == storage.AuditDiscard {
		status = storage.DLQDiscarded
	}
	f.Status = storage.DLQOpen
	audit := storage.ReplayAudit{UserID: userID, Action: action, SimulationID: f.SimulationID, Filters: FilterJSON(f),
		Reason: reason, Outcome: storage.AuditPending}
	if err := t.store.AddAudit(ctx, &audit); err != nil {
		return audit, err
	}
	n, err := t.store.CloseDLQEntries(ctx, f, status, reason, audit.ID)
	audit.Candidates, audit.Selected, audit.Outcome = int(n), int(n), storage.AuditOK
	if err != nil {
		audit.Outcome, audit.Message = storage.AuditFailed, err.Error()
	}
	if ferr := t.store.FinishReplayAudit(context.WithoutCancel(ctx), &audit); ferr != nil && err == nil {
		err = ferr
	}
	return audit, err
}

// AuditFilter is a DLQ filter as audit rows keep it (the audit page reads it back).
type AuditFilter struct {
	SimulationID int64    `json:"simulationId,omitempty"`
	Categories   []string `json:"categories,omitempty"`
	ObjectType   string   `json:"objectType,omitempty"`
	ErrorText    string   `json:"errorText,omitempty"`
	From         string   `json:"from,omitempty"`
	To           string   `json:"to,omitempty"`
	Status       string   `json:"status,omitempty"`
	JobIDs       []int64  `json:"jobIds,omitempty"`
	TaskIDs      []string `json:"taskIds,omitempty"`
}

// FilterJSON renders a DLQ filter for the audit log.
func FilterJSON(f storage.DLQFilter) string {
	v := AuditFilter{SimulationID: f.SimulationID, Categories: f.Categories, ObjectType: f.ObjectType,
		ErrorText: f.ErrorText, Status: f.Status, JobIDs: f.IDs, TaskIDs: f.TaskIDs}
	if !f.From.IsZero() {
		v.From = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		v.To = f.To.UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
