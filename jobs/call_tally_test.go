package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/storage"
)

// A run's counters say what it cost the target, for its report: every call its
// tasks made, the 429 answers, the retries after failed attempts and the times
// its calls opened the breaker — each matching what the target saw.
func TestRunCountsCallsRateLimitsRetriesAndTrips(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{
		env: map[string]string{"CONTACT_ATTEMPTS": "6", "NOTE_ATTEMPTS": "6", "CALL_ATTEMPTS": "6", "TASK_ATTEMPTS": "6",
			"MEETING_ATTEMPTS": "6", "TICKET_ATTEMPTS": "6", "CONTACT_BACKOFF_MS": "20", "NOTE_BACKOFF_MS": "20"},
		engineOptions: func(o *Options) {
			o.Breaker = &ratelimit.BreakerConfig{Threshold: 2, Window: time.Minute, Open: 300 * time.Millisecond, ProbeTimeout: time.Second}
		}})
	ctx := context.Background()
	s := e.createPrepared(backfillInput(150))
	if err := e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.25}); err != nil {
		t.Fatal(err)
	}
	if err := e.sandbox.SetLimits(sandbox.Limits{Burst: 4}); err != nil {
		t.Fatal(err)
	}
	before := e.calls.total.Load()
	tooMany := e.calls.tooMany.Load()
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	// A few 429s, then no limit: each 429 costs a wait of the target's window.
	waitUntil(t, time.Minute, "a 429", func() bool { return e.calls.tooMany.Load() > tooMany })
	if err := e.sandbox.SetLimits(sandbox.Limits{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 2*time.Minute, "the run finished", func() bool {
		cur, _ := e.store.Simulation(ctx, s.ID)
		return cur.Finished()
	})
	e.drain()
	if err := e.engine.Worker.flushCounters(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := e.store.SimulationCounters(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.calls.total.Load() - before; c[fieldCalls] != want {
		t.Errorf("calls: counted %d, the target saw %d", c[fieldCalls], want)
	}
	if want := e.calls.tooMany.Load() - tooMany; c[fieldRateLimited] != want || want == 0 {
		t.Errorf("429s: counted %d, the target answered %d (want some)", c[fieldRateLimited], want)
	}
	if c[fieldRetries] == 0 {
		t.Errorf("retries: want some with a quarter of the calls failing, got none (%v)", c)
	}
	if c[fieldBreakerTrips] == 0 {
		t.Errorf("breaker trips: want some with a threshold of 2, got none (%v)", c)
	}
	if got, _ := e.store.Simulation(ctx, s.ID); got.Status == storage.StatusFailed {
		t.Logf("the run failed: %s", got.StatusReason)
	}
	t.Logf("counters: %d calls, %d 429s, %d retries, %d trips", c[fieldCalls], c[fieldRateLimited], c[fieldRetries], c[fieldBreakerTrips])
}
