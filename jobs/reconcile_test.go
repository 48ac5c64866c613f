package jobs

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// What a viewer sees never goes backwards: a web process polling a run's progress
// through a Redis flush and a restart of the workers (fresh engine) sees created,
// scheduled and processed counts and the percentage only grow, and ends on the
// exact plan.
func TestProgressNeverGoesBackwards(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			// A task cut off by the restart comes back when asynq recovers it or
			// when the reconciler sees the run stalled: soon, for a test.
			e := newTestEnv(t, d, envOptions{concurrency: 4, engineOptions: func(o *Options) {
				o.BackfillQueued = 1
				o.ReconcileEvery = time.Second
				o.StallAfter = 5 * time.Second
			}})
			if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 40 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			web, err := New(e.engine.Worker.opts) // the web process: it only reads
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			s := e.run(backfillInput(3000))
			var (
				mu     sync.Mutex
				drops  []string
				polls  int
				last   Metrics
				stop   = make(chan struct{})
				polled = make(chan struct{})
			)
			go func() {
				defer close(polled)
				var prev *Metrics
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					m, err := web.Progress.Metrics(ctx, s.ID)
					if err != nil {
						continue
					}
					mu.Lock()
					polls++
					if prev != nil {
						for p, v := range prev.Created {
							if m.Created[p] < v {
								drops = append(drops, fmt.Sprintf("%s created %d → %d (%s)", p, v, m.Created[p], m.Source))
							}
						}
						for p, v := range prev.Scheduled {
							if m.Scheduled[p] < v {
								drops = append(drops, fmt.Sprintf("%s scheduled %d → %d (%s)", p, v, m.Scheduled[p], m.Source))
							}
						}
						if m.Processed < prev.Processed {
							drops = append(drops, fmt.Sprintf("processed %d → %d (%s)", prev.Processed, m.Processed, m.Source))
						}
						if m.PercentComplete < prev.PercentComplete {
							drops = append(drops, fmt.Sprintf("percent %.2f → %.2f (%s)", prev.PercentComplete, m.PercentComplete, m.Source))
						}
					}
					last = m
					prev = &last
					mu.Unlock()
				}
			}()
			e.waitLedger(s.ID, 600, time.Minute)
			if err := e.rdb.Client.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			e.waitLedger(s.ID, 1500, time.Minute)
			e.stopWorkers()
			engine, err := New(e.engine.Worker.opts)
			if err != nil {
				t.Fatal(err)
			}
			e.engine = engine
			e.startWorkers(4)
			if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
			time.Sleep(100 * time.Millisecond)
			close(stop)
			<-polled
			e.checkExact(s)
			mu.Lock()
			defer mu.Unlock()
			if polls < 20 {
				t.Fatalf("only %d polls: the run was not watched", polls)
			}
			for i, d := range drops {
				if i == 10 {
					t.Errorf("… %d drops in all", len(drops))
					break
				}
				t.Errorf("went backwards: %s", d)
			}
			final, err := web.Progress.Metrics(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for kind, n := range e.planOf(s) {
				if p := pluralOf(kind); final.Created[p] != int64(n) {
					t.Errorf("%s: the page ends on %d created, the plan has %d", p, final.Created[p], n)
				}
			}
			t.Logf("%d polls, %d drops", polls, len(drops))
		})
	}
}
