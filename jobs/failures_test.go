package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
)

// createPrepared creates a simulation (not started) and lets the engine learn the
// target's properties while the target still answers.
func (e *testEnv) createPrepared(in siminput.Input) storage.Simulation {
	e.t.Helper()
	ctx := context.Background()
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, in)
	if err != nil || len(fe) > 0 {
		e.t.Fatal(fe, err)
	}
	tg, err := e.engine.Worker.targetOf(ctx, s)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tg.prepare(ctx); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// Work that fails for good (here: every call 403) goes to the durable DLQ with its
// category, is counted in Redis (counts and capped samples) and the metrics, and
// the simulation still completes: failed work is accounted for.
func TestFailedWorkIsAccountedFor(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	s := e.createPrepared(backfillInput(100)) // 80 records
	if err := e.sandbox.SetFaults(sandbox.Faults{Force403: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	counts, err := e.store.DLQCounts(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	plan := e.planOf(s)
	// One row per record: the company for a company's first failed record, the
	// contact for the others.
	if counts["auth"] != 80 || len(counts) != 1 {
		t.Errorf("DLQ rows: want 80 auth, got %v", counts)
	}
	redisCounts, _ := e.rdb.Client.HGetAll(ctx, rediskeys.DLQCounts(s.ID)).Result()
	if redisCounts["auth"] != "80" {
		t.Errorf("sim:%d:dlq:counts: %v", s.ID, redisCounts)
	}
	if n, _ := e.rdb.Client.LLen(ctx, rediskeys.DLQSamples(s.ID)).Result(); n != int64(e.cfg.DLQSampleMax) {
		t.Errorf("samples: want %d (the cap), got %d", e.cfg.DLQSampleMax, n)
	}
	var sample DLQSample
	raw, _ := e.rdb.Client.LIndex(ctx, rediskeys.DLQSamples(s.ID), 0).Result()
	if err := json.Unmarshal([]byte(raw), &sample); err != nil || sample.Category != "auth" || len(sample.Payload) == 0 {
		t.Errorf("sample: %q (%v)", raw, err)
	}
	m, _ := e.engine.Progress.Metrics(ctx, s.ID)
	var planned, failed int64
	for _, k := range sim.ObjectKinds {
		planned += int64(plan[string(k)])
		failed += m.Failed[k.Plural()]
	}
	if failed != planned || m.PercentComplete != 100 {
		t.Errorf("every planned object failed or was blocked: want %d failed, got %d (%v%%)", planned, failed, m.PercentComplete)
	}
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	if len(ledger) != 0 {
		t.Errorf("nothing can be created under 403, ledger has %v", ledger)
	}
}

// Retryable failures are retried with the job type's attempts and backoff, then
// go to the DLQ; a DLQ replay (the triage's) creates the records and their
// activities afterwards, even though the simulation completed.
func TestRetriesThenDLQThenReplay(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{
		env: map[string]string{"CONTACT_ATTEMPTS": "2", "CONTACT_BACKOFF_MS": "50"},
		engineOptions: func(o *Options) {
			o.Breaker = &ratelimit.BreakerConfig{Threshold: 100000}
		},
	})
	ctx := context.Background()
	s := e.createPrepared(backfillInput(50)) // 40 records
	if err := e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	page, err := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	entries := page.Entries
	if len(entries) != 40 {
		t.Fatalf("want 40 DLQ rows, got %d", len(entries))
	}
	for _, d := range entries {
		if d.Attempts != 2 || d.Category != "server" || d.JobType != TypeRecords {
			t.Fatalf("DLQ row: %+v", d)
		}
	}
	if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	boss, _ := e.store.CreateUser(ctx, "boss@example.com", "x", storage.RoleBoss)
	res, err := NewTriage(e.store, e.engine.Worker.queue, e.cfg).Replay(ctx, ReplayRequest{UserID: boss.ID,
		Filter: storage.DLQFilter{SimulationID: s.ID}, Strategy: storage.ReplayOldest, Limit: 40, UseFullRetry: true})
	if err != nil || res.Replayed != 40 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	plan := e.planOf(s)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ledger, _ := e.store.LedgerCounts(ctx, s.ID)
		total := 0
		for _, n := range ledger {
			total += int(n)
		}
		want := 0
		for _, n := range plan {
			want += n
		}
		if total == want {
			e.checkExact(s)
			skips, _ := e.store.SkipCounts(ctx, s.ID)
			if len(skips[storage.SkipBlocked]) != 0 {
				t.Errorf("blocked skips left after the replay: %v", skips)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	t.Fatalf("after the replay: ledger %v, plan %v", ledger, plan)
}

// A target whose daily allowance is spent pauses the simulation with a reason
// instead of hammering it.
func TestDailyLimitPausesTheSimulation(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{limits: sandbox.Limits{Daily: 12}})
	s := e.run(backfillInput(500))
	s = e.wait(s.ID, storage.StatusPaused, time.Minute)
	if s.StatusReason == "" || !contains(s.StatusReason, "daily") {
		t.Errorf("pause reason: %q", s.StatusReason)
	}
	// The engine's own limiter, told the same daily cap, pauses before any 429.
	limits := ratelimit.Limits{Burst: 100, Interval: 10 * time.Second, Daily: 12}
	e2 := newTestEnv(t, firstDialect(t), envOptions{limits: sandbox.Limits{Daily: 12}, engineLimits: &limits})
	s2 := e2.run(backfillInput(500))
	s2 = e2.wait(s2.ID, storage.StatusPaused, time.Minute)
	if n := e2.calls.tooMany.Load(); n != 0 || !contains(s2.StatusReason, "daily") {
		t.Errorf("with the limiter: %d 429s, reason %q", n, s2.StatusReason)
	}
}

// A target that rejects the token fails the simulation with a reason.
func TestRejectedTokenFailsTheSimulation(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	if err := e.sandbox.SetFaults(sandbox.Faults{Force401: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, backfillInput(10))
	if err != nil {
		t.Fatal(err)
	}
	if fe["target"] == "" {
		t.Errorf("create: want a target error for a 401, got %v", fe)
	}
	// Created before the token went bad:
	if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	s, _, _ = e.engine.Lifecycle.Create(ctx, e.user, backfillInput(10))
	if err := e.sandbox.SetFaults(sandbox.Faults{Force401: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusFailed, time.Minute)
	if !contains(s.StatusReason, "token") {
		t.Errorf("reason: %q", s.StatusReason)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}
