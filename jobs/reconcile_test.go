package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Work lost from the queue while its expansion flags stay (a task archived after
// an infrastructure failure, a task deleted by hand) is queued again once the
// simulation has made no progress for StallAfter.
func TestLostWorkIsQueuedAgain(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true, engineOptions: func(o *Options) {
		o.StallAfter = time.Second
		o.ReconcileEvery = 500 * time.Millisecond
	}})
	ctx := context.Background()
	s := e.run(backfillInput(300))
	if _, err := e.engine.Worker.tick(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	pending, err := e.engine.Worker.inspector.ListPendingTasks(PrimaryQueue(s.ID, 1), asynq.PageSize(1000))
	if err != nil || len(pending) == 0 {
		t.Fatalf("want queued records, got %d (%v)", len(pending), err)
	}
	for _, ti := range pending {
		if strings.HasPrefix(ti.ID, taskIDPrefix(s.ID)) {
			if err := e.engine.Worker.inspector.DeleteTask(PrimaryQueue(s.ID, 1), ti.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.startWorkers(8)
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	e.checkExact(s)
}

// A flush of Redis in the middle of a run (queues, flags, markers, metrics: all
// gone) loses nothing and duplicates nothing: the reconciler re-derives the work
// from the plan and the ledger.
func TestRedisFlushMidRun(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			// One queued records task at a time: a backfill task carries up to
			// 1,000 records and writes their contacts to the ledger at once, so
			// the flush lands between tasks.
			e := newTestEnv(t, d, envOptions{concurrency: 4, engineOptions: func(o *Options) {
				o.ReconcileEvery = time.Second
				o.BackfillQueued = 1
			}})
			if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 40 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			s := e.run(backfillInput(3000)) // 2,400 records
			e.waitLedger(s.ID, 600, time.Minute)
			ctx := context.Background()
			if err := e.rdb.Client.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			before, _ := e.store.LedgerCounts(ctx, s.ID)
			if before["contact"] >= int64(s.EffectiveTotal) {
				t.Fatalf("the run finished before the flush (%d contacts)", before["contact"])
			}
			t.Logf("flushed Redis with %d of %d contacts created", before["contact"], s.EffectiveTotal)
			if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
			e.checkExact(s)
			m, err := e.engine.Progress.Metrics(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Source != "redis" || m.Created["contacts"] != int64(s.EffectiveTotal) || m.PercentComplete != 100 {
				t.Errorf("metrics after the flush: %+v", m)
			}
		})
	}
}

// Workers stopping in the middle of a run (in-flight tasks go back to the queue)
// and a new engine starting on the same database and Redis (a restart) finish the
// run with exactly the planned objects.
func TestRestartMidRun(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{concurrency: 4, engineOptions: func(o *Options) { o.BackfillQueued = 10 }})
	if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	s := e.run(backfillInput(2000))
	e.waitLedger(s.ID, 400, time.Minute)
	e.stopWorkers()
	if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	// A new process: fresh engine (no caches), same stores.
	engine, err := New(e.engine.Worker.opts)
	if err != nil {
		t.Fatal(err)
	}
	e.engine = engine
	e.startWorkers(8)
	s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
	e.checkExact(s)
}
