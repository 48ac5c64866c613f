package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

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
