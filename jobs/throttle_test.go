package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Throttled work waits and is never counted as created (the original skipped it
// and counted it as processed). The sandbox allows 10 calls per 10 s and the
// engine's limiter knows it: the run takes several windows, and every count
// matches the objects that exist.
func TestThrottledWorkIsNeverCountedAsCreated(t *testing.T) {
	// A guard of a second absorbs a loaded machine's scheduling delays between the
	// limiter's grant and the sandbox's arrival time, so the 429 check below tests
	// the limiter, not the test machine.
	limits := ratelimit.Limits{Burst: 10, Interval: 10 * time.Second, Guard: time.Second}
	e := newTestEnv(t, firstDialect(t), envOptions{limits: sandbox.Limits{Burst: 10}, engineLimits: &limits,
		env: map[string]string{"CONTACT_ATTEMPTS": "1", "NOTE_ATTEMPTS": "1"}})
	s := e.run(backfillInput(250))
	s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
	e.checkExact(s)
	ctx := context.Background()
	m, _ := e.engine.Progress.Metrics(ctx, s.ID)
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	for _, k := range sim.ObjectKinds {
		if m.Created[k.Plural()] != ledger[string(k)] || m.Failed[k.Plural()] != 0 {
			t.Errorf("%s: metrics say %d created, %d failed; ledger has %d", k.Plural(), m.Created[k.Plural()], m.Failed[k.Plural()], ledger[string(k)])
		}
	}
	counts, _ := e.store.DLQCounts(ctx, s.ID)
	if len(counts) != 0 {
		t.Errorf("throttled work went to the DLQ: %v", counts)
	}
	if n := e.calls.tooMany.Load(); n != 0 {
		t.Errorf("the engine's limiter let %d calls into a 429", n)
	}
	if e.calls.total.Load() < 20 {
		t.Errorf("want a run over several windows, made %d calls", e.calls.total.Load())
	}
	// Every object type the run wrote spent tokens from its own bucket, which an
	// operator reads with GET ratelimit:bucket:<type>.
	for _, k := range []sim.Kind{sim.KindContact, sim.KindNote} {
		v, err := e.rdb.Client.Get(ctx, rediskeys.Bucket(string(k))).Int()
		if err != nil || v < 0 || v > limits.Burst {
			t.Errorf("GET %s: want tokens between 0 and %d, got %d (%v)", rediskeys.Bucket(string(k)), limits.Burst, v, err)
		}
	}
}

// A throttled task with one attempt left is retried after its wait without using
// the attempt: asynq's retry count stays 0 and it is never archived.
func TestThrottleDoesNotBurnAttempts(t *testing.T) {
	rdb := testenv.Redis(t)
	var runs int
	var retried []int
	mux := asynq.NewServeMux()
	done := make(chan struct{})
	mux.HandleFunc("test:throttle", func(ctx context.Context, t *asynq.Task) error {
		n, _ := asynq.GetRetryCount(ctx)
		retried = append(retried, n)
		runs++
		if runs < 4 {
			return &Throttled{Wait: 100 * time.Millisecond, Reason: "test"}
		}
		close(done)
		return nil
	})
	srv := NewServer(rdb, ServerOptions{Concurrency: 1, ShutdownTimeout: time.Second, Log: quietLog()})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	client := asynq.NewClientFromRedisClient(rdb)
	if _, err := client.Enqueue(asynq.NewTask("test:throttle", nil), asynq.Queue(PrimaryQueue(0, 1)), asynq.MaxRetry(1)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the throttled task ran %d times and never succeeded", runs)
	}
	for _, n := range retried {
		if n != 0 {
			t.Fatalf("throttled runs counted as attempts: retry counts %v", retried)
		}
	}
}

// A throttled task that asynq would archive (its retries spent, or queued with
// none) is queued again after its wait instead: throttling never loses work.
func TestThrottledTaskWithoutRetriesIsDeferredNotArchived(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	s := e.run(backfillInput(50))
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	// A replay-like task of a record, on a simulation that cannot run it now.
	if _, err := e.rawDB().ExecContext(ctx, `DELETE FROM ledger WHERE simulation_id = ? AND record_index = 0`, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.TransitionSimulation(ctx, s.ID, []string{storage.StatusCompleted}, storage.StatusPaused, "test"); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(RecordsPayload{Sim: s.ID, First: 0, End: 1, Replay: true})
	if _, err := e.engine.Worker.queue.Enqueue(asynq.NewTask(TypeRecords, b), asynq.Queue(PrimaryQueue(s.ID, 1)), asynq.MaxRetry(0)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // it ran once and was throttled (paused)
	archived, _ := e.engine.Worker.inspector.ListArchivedTasks(PrimaryQueue(s.ID, 1))
	if len(archived) != 0 {
		t.Fatalf("a throttled task was archived: %+v", archived[0])
	}
	if _, err := e.store.TransitionSimulation(ctx, s.ID, []string{storage.StatusPaused}, storage.StatusCompleted, "test"); err != nil {
		t.Fatal(err)
	}
	plan := e.planOf(s)
	waitUntil(t, 30*time.Second, "the deferred task found the record's objects again", func() bool {
		l, _ := e.store.LedgerCounts(ctx, s.ID)
		for k, n := range plan {
			if int(l[k]) != n {
				return false
			}
		}
		return true
	})
	e.checkExact(s)
}
