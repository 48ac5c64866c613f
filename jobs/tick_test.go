package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Completion counts against the effective total (requested × the scenario's
// volume multiplier), never against the requested total.
func TestCompletionCountsTheEffectiveTotal(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	in := backfillInput(100)
	in.Scenario = "b2c" // × 1.8
	s := e.run(in)
	if s.EffectiveTotal != 180 {
		t.Fatalf("want effective total 180, got %d", s.EffectiveTotal)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	ledger, _ := e.store.LedgerCounts(context.Background(), s.ID)
	if ledger["contact"] != 180 {
		t.Errorf("completed with %d contacts, want 180", ledger["contact"])
	}
	m, _ := e.engine.Progress.Metrics(context.Background(), s.ID)
	if m.EffectiveTotal != 180 || m.Processed != 180 || m.PercentComplete != 100 {
		t.Errorf("metrics: %+v", m)
	}
	e.checkExact(s)
}

// A simulation does not complete while planned work is neither created nor
// accounted for.
func TestNoCompletionWithWorkMissing(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	s := e.run(backfillInput(50))
	if _, err := e.engine.Worker.tick(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	segs, _ := e.store.Segments(ctx, s.ID)
	run, _ := e.engine.Worker.runOf(ctx, s.ID)
	done, err := e.engine.Worker.checkDone(ctx, run, segs, time.Now())
	if err != nil || done {
		t.Fatalf("nothing was created, yet done=%v (%v)", done, err)
	}
	if got, _ := e.store.Simulation(ctx, s.ID); got.Status != storage.StatusRunning {
		t.Fatalf("want running, got %s", got.Status)
	}
}

// A 2,000-record b2b backfill against the sandbox completes on each backend, with
// exactly the planned objects in the target, once each.
func TestBackfillEndToEnd(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			e := newTestEnv(t, d, envOptions{})
			started := time.Now()
			s := e.run(backfillInput(2000))
			if s.EffectiveTotal != 1600 {
				t.Fatalf("b2b × 0.8: want effective total 1600, got %d", s.EffectiveTotal)
			}
			e.wait(s.ID, storage.StatusCompleted, 3*time.Minute)
			elapsed := time.Since(started)
			e.checkExact(s)
			m, err := e.engine.Progress.Metrics(context.Background(), s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.PercentComplete != 100 || m.Created["contacts"] != 1600 || m.Processed != 1600 {
				t.Errorf("metrics: want 100%% and 1600 contacts, got %.1f%% %d contacts, processed %d", m.PercentComplete, m.Created["contacts"], m.Processed)
			}
			var objects int64
			for _, n := range m.Created {
				objects += n
			}
			t.Logf("%s: 1600 records (%d objects) in %s, %.0f records/s, %d HTTP calls", d.Name, objects, elapsed.Round(time.Millisecond),
				1600/elapsed.Seconds(), e.calls.total.Load())
		})
	}
}

// An accelerated simulation runs every object at its scaled time (activities days
// after their record run seconds later at ×100,000) and completes exactly.
func TestAcceleratedEndToEnd(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	seed := int64(5)
	start := time.Now().UTC()
	s := e.run(siminput.Input{Name: "fast", Scenario: "saas", Distribution: "bell_curve", Start: start, End: start.Add(2 * time.Hour),
		TotalRecords: 200, PaceMode: "accelerated", PaceFactor: 100_000, Target: "sandbox", Seed: &seed})
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	e.checkExact(s)
	m, _ := e.engine.Progress.Metrics(context.Background(), s.ID)
	if m.PercentComplete != 100 || m.Created["contacts"] != int64(s.EffectiveTotal) {
		t.Errorf("metrics: %+v", m)
	}
}
