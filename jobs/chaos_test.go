package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// waitLedger waits until a simulation's ledger holds at least n contacts.
func (e *testEnv) waitLedger(id int64, n int64, timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := e.store.LedgerCounts(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if c["contact"] >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("simulation %d: fewer than %d contacts after %s", id, n, timeout)
}

// A flush of Redis in the middle of a run (queues, flags, markers, metrics: all
// gone) loses nothing and duplicates nothing: the reconciler re-derives the work
// from the plan and the ledger.
func TestRedisFlushMidRun(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			e := newTestEnv(t, d, envOptions{concurrency: 4, engineOptions: func(o *Options) {
				o.ReconcileEvery = time.Second
				o.BackfillQueued = 10
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
