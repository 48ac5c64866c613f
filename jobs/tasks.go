package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/sim"
)

// Task types. A DLQ row's job type is one of these; replaying a row enqueues its
// payload under its job type again.
const (
	// TypeTick drives one running simulation: expands segments, marks them done,
	// completes the simulation. One per simulation (task id TickTaskID), forever
	// rescheduling itself until the simulation stops running.
	TypeTick = "simulation:tick"
	// TypeRecords creates a batch of records (companies, contacts, deals) on the
	// primary queue and schedules their activities.
	TypeRecords = "simulation:records"
	// TypeActivityPrefix + kind ("simulation:activity:note") creates a batch of one
	// activity kind (note, call, task, meeting, ticket) on the secondary queue.
	TypeActivityPrefix = "simulation:activity:"
)

// MaxBatch is the most inputs one call to the target carries (HubSpot's batch limit).
const MaxBatch = 100

// TaskSize is the most records, or activities, one task carries: a task makes its
// calls in batches of MaxBatch, and fuller tasks mean fuller activity batches (the
// activities of 300 records fill their batches better than those of 100).
const TaskSize = 300

// BackfillTaskSize is the most records one backfill records task carries: a
// backfill sends every journey update of its records at once, and a thousand
// records fill those batches (each object may appear once per call) about as
// well as their creations.
const BackfillTaskSize = 1000

// TickPayload names the simulation a tick drives.
type TickPayload struct {
	Sim int64 `json:"sim"`
}

// RecordsPayload asks for records First ≤ i < End of a simulation. Used is the
// simulation's budget usage before First (prefix sums of sim.Candidates), so the
// handler plans exactly the activities the simulation's budgets leave.
type RecordsPayload struct {
	Sim   int64      `json:"sim"`
	First int        `json:"first"`
	End   int        `json:"end"`
	Used  sim.Counts `json:"used"`
	// Force reschedules missing activities even when their idempotency markers
	// exist (the reconciler, when queued work was lost with the markers left).
	Force bool `json:"force,omitempty"`
	// Replay lifts the records' blocked skips first (a DLQ replay).
	Replay bool `json:"replay,omitempty"`
	// NotBefore (ms epoch, run time) is the planned moment of the task's last
	// due member: asynq may start a task up to a second early, and the handler
	// waits for it so that no object is created before its time.
	NotBefore int64 `json:"notBefore,omitempty"`
}

// ActivitiesPayload carries one kind of activity for several records, ready to
// send: properties and the target ids of the objects to associate with.
type ActivitiesPayload struct {
	Sim   int64          `json:"sim"`
	Kind  sim.Kind       `json:"kind"`
	Items []ActivityItem `json:"items"`
	// Replay marks a DLQ row's payload: it runs even for a completed simulation.
	Replay bool `json:"replay,omitempty"`
	// NotBefore (ms epoch, run time): see RecordsPayload.
	NotBefore int64 `json:"notBefore,omitempty"`
}

// ActivityItem is one planned activity.
type ActivityItem struct {
	Record  int               `json:"record"`
	Ordinal int               `json:"ordinal"`
	Key     string            `json:"key"`
	At      int64             `json:"at"` // simulated time, ms epoch
	Props   map[string]string `json:"props"`
	Assoc   []ActivityAssoc   `json:"assoc"`
}

// ActivityAssoc links an activity to an object the record created.
type ActivityAssoc struct {
	Kind sim.Kind `json:"kind"`
	ID   string   `json:"id"`
}

// taskIDPrefix starts every task id of a simulation, so purging its queued work
// can pick its tasks out of shared queues without decoding payloads.
func taskIDPrefix(simID int64) string { return "s" + strconv.FormatInt(simID, 10) + "-" }

// TickTaskID is the one tick task of a simulation: asynq refuses a second task
// with this id while the first exists, so the tick never forks.
func TickTaskID(simID int64) string { return taskIDPrefix(simID) + "tick" }

func newTaskID(simID int64, kind string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return taskIDPrefix(simID) + kind + "-" + hex.EncodeToString(b[:])
}

// ActivityTaskType is the task type of an activity kind.
func ActivityTaskType(k sim.Kind) string { return TypeActivityPrefix + string(k) }

// jobTypeOf maps a task type to the job type whose attempts and backoff apply
// (config.JobTypes): records use the contact profile.
func jobTypeOf(taskType string) string {
	if k, ok := strings.CutPrefix(taskType, TypeActivityPrefix); ok {
		return k
	}
	return "contact"
}

// Task timeouts: a batch makes a handful of HTTP calls.
const (
	workTimeout = 3 * time.Minute
	tickTimeout = 2 * time.Minute
)

// maxRetry is asynq's retry budget for a job type: attempts, one more than the
// handler uses. The handler decides the last attempt itself (and writes the DLQ
// row); the spare retry keeps a throttled task with a single attempt from being
// archived (asynq archives when Retried ≥ MaxRetry even for non-failures) and gives
// a job whose DLQ write failed one more go.
func (e *core) maxRetry(jobType string) int { return e.cfg.AttemptsFor(jobType) }

func (e *core) newRecordsTask(p RecordsPayload, at time.Time) (*asynq.Task, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: records payload: %w", err)
	}
	opts := []asynq.Option{
		asynq.Queue(PrimaryQueue(p.Sim, e.cfg.PrimaryShards)),
		asynq.MaxRetry(e.maxRetry("contact")),
		asynq.Timeout(workTimeout),
		asynq.TaskID(newTaskID(p.Sim, "r")),
		asynq.ProcessAt(at),
	}
	return asynq.NewTask(TypeRecords, b), opts, nil
}

func (e *core) newActivitiesTask(p ActivitiesPayload, at time.Time) (*asynq.Task, string, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", nil, fmt.Errorf("jobs: activities payload: %w", err)
	}
	id := newTaskID(p.Sim, "a")
	opts := []asynq.Option{
		asynq.Queue(SecondaryQueue),
		asynq.MaxRetry(e.maxRetry(string(p.Kind))),
		asynq.Timeout(workTimeout),
		asynq.TaskID(id),
		asynq.ProcessAt(at),
	}
	return asynq.NewTask(ActivityTaskType(p.Kind), b), id, opts, nil
}

func newTickTask(simID int64) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(TickPayload{Sim: simID})
	return asynq.NewTask(TypeTick, b), []asynq.Option{
		asynq.Queue(ControlQueue),
		asynq.TaskID(TickTaskID(simID)),
		asynq.MaxRetry(10),
		asynq.Timeout(tickTimeout),
	}
}

// enqueueTick makes sure the simulation's tick exists; asynq refuses a second one
// (same task id), and the reconciler replaces one that was archived.
func (e *core) enqueueTick(ctx context.Context, id int64) {
	if e.queue == nil || !e.redis.Enabled() {
		return
	}
	task, opts := newTickTask(id)
	_, err := e.queue.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		info, ierr := e.inspector.GetTaskInfo(ControlQueue, TickTaskID(id))
		if ierr == nil && (info.State == asynq.TaskStateArchived || info.State == asynq.TaskStateCompleted) {
			if e.inspector.DeleteTask(ControlQueue, info.ID) == nil {
				_, err = e.queue.EnqueueContext(ctx, task, opts...)
			}
		} else {
			err = nil
		}
	}
	if err != nil {
		e.log.Warn("enqueue tick (the reconciler will retry)", "simulation", id, "err", err)
	}
}
