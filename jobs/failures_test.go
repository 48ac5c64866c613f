package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
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
// the simulation still finishes: failed work is accounted for, and as nothing
// could be created it ends failed with that reason.
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
	s = e.wait(s.ID, storage.StatusFailed, time.Minute)
	if !strings.HasPrefix(s.StatusReason, "nothing could be created: 0 objects created") {
		t.Errorf("reason: want nothing could be created, got %q", s.StatusReason)
	}
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
	s = e.wait(s.ID, storage.StatusFailed, time.Minute)
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
		Filter: storage.DLQFilter{SimulationID: s.ID}, Strategy: ReplayOldest, Limit: 40, UseFullRetry: true})
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

// A target that rejects the token fails the simulation with a reason: creating it
// calls nothing on the target, the run finds out.
func TestRejectedTokenFailsTheSimulation(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	if err := e.sandbox.SetFaults(sandbox.Faults{Force401: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, backfillInput(10))
	if err != nil || len(fe) > 0 {
		t.Fatalf("create against a target that answers 401: want it stored, got %v %v", fe, err)
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

// Every job error lands in its category after its job type's attempts: auth and
// validation after one, server errors and timeouts after CONTACT_ATTEMPTS.
func TestFailuresLandInTheirCategoryAfterTheirAttempts(t *testing.T) {
	cases := []struct {
		name         string
		faults       sandbox.Faults
		clientWait   time.Duration // the engine's HTTP client gives up after this (0: default)
		wantCategory string
		wantAttempts int
		wantStatus   string // "": completed or failed
	}{
		{name: "forced 403", faults: sandbox.Faults{Force403: true}, wantCategory: "auth", wantAttempts: 1, wantStatus: storage.StatusFailed},
		{name: "forced 401", faults: sandbox.Faults{Force401: true}, wantCategory: "auth", wantAttempts: 1},
		{name: "5xx burst", faults: sandbox.Faults{ErrorRate: 1}, wantCategory: "server", wantAttempts: 3, wantStatus: storage.StatusFailed},
		{name: "timeouts", faults: sandbox.Faults{TimeoutRate: 1, TimeoutAfter: 10 * time.Second}, clientWait: 300 * time.Millisecond,
			wantCategory: "timeout", wantAttempts: 3, wantStatus: storage.StatusFailed},
	}
	for i, d := range testenv.Dialects(t) {
		for _, tc := range cases {
			t.Run(d.Name+"/"+tc.name, func(t *testing.T) {
				d := testenv.Dialects(t)[i] // a fresh database per case
				e := newTestEnv(t, d, envOptions{
					env: map[string]string{"CONTACT_ATTEMPTS": "3", "CONTACT_BACKOFF_MS": "20"},
					engineOptions: func(o *Options) {
						noBreaker(o)
						if tc.clientWait > 0 {
							o.HTTPClient = &http.Client{Timeout: tc.clientWait}
						}
					},
				})
				ctx := context.Background()
				s := e.createPrepared(backfillInput(13)) // 10 records
				if err := e.sandbox.SetFaults(tc.faults); err != nil {
					t.Fatal(err)
				}
				if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
					t.Fatal(err)
				}
				if tc.wantStatus != "" {
					s = e.wait(s.ID, tc.wantStatus, 90*time.Second)
				} else {
					waitUntil(t, 90*time.Second, "the simulation finished", func() bool {
						s, _ = e.store.Simulation(ctx, s.ID)
						return s.Finished()
					})
				}
				page, err := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID}, 0, 500)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Entries) == 0 {
					t.Fatalf("want DLQ rows in category %s, got none", tc.wantCategory)
				}
				for _, r := range page.Entries {
					r, _ = e.store.DLQEntry(ctx, r.ID) // with its payload
					if r.Category != tc.wantCategory || r.Attempts != tc.wantAttempts {
						t.Errorf("row %d (%s %s): want %s after %d attempts, got %s after %d: %s",
							r.ID, r.JobType, r.ObjectType, tc.wantCategory, tc.wantAttempts, r.Category, r.Attempts, r.Error)
					}
					if r.Payload == "" || !json.Valid([]byte(r.Payload)) || r.RecordKey == "" || r.LastFailedAt.Before(r.FirstFailedAt) {
						t.Errorf("row %d: want a JSON payload, a record key and first ≤ last failure, got %+v", r.ID, r)
					}
				}
				// Redis tallies and the database agree; samples are capped.
				tallies, _ := e.store.DLQTallies(ctx, s.ID)
				live, err := e.rdb.HashCounts(ctx, rediskeys.DLQCounts(s.ID))
				if err != nil || fmt.Sprint(live) != fmt.Sprint(tallies) {
					t.Errorf("sim:%d:dlq:counts: want %v (the database), got %v (%v)", s.ID, tallies, live, err)
				}
				samples, n, _ := e.rdb.ListHead(ctx, rediskeys.DLQSamples(s.ID), 100)
				if n > int64(e.cfg.DLQSampleMax) || int(n) != min(len(page.Entries), e.cfg.DLQSampleMax) || len(samples) != int(n) {
					t.Errorf("samples: want min(%d rows, cap %d), got %d", len(page.Entries), e.cfg.DLQSampleMax, n)
				}
			})
		}
	}
}

// A validation-breaking payload (a property the target does not have, a datetime
// that is not one) fails once, without retries, into the validation category.
func TestValidationBreakingPayloadFailsOnce(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{env: map[string]string{"NOTE_ATTEMPTS": "4", "NOTE_BACKOFF_MS": "20"},
		engineOptions: noBreaker})
	ctx := context.Background()
	s := e.run(backfillInput(13))
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	before := e.calls.count("/objects/notes/batch/create") + e.calls.count("/objects/notes")
	bad := ActivitiesPayload{Sim: s.ID, Kind: sim.KindNote, Replay: true, Items: []ActivityItem{{
		Record: 0, Ordinal: 99, Key: "bad-note-" + strconv.FormatInt(s.ID, 10), At: time.Now().UnixMilli(),
		Props: map[string]string{"hs_note_body": "x", "hs_timestamp": "not a date", "simcrm_no_such_property": "1"}}}}
	b, _ := json.Marshal(bad)
	if _, err := e.engine.Worker.queue.Enqueue(asynq.NewTask(ActivityTaskType(sim.KindNote), b), asynq.Queue(SecondaryQueue),
		asynq.MaxRetry(e.engine.Worker.maxRetry("note"))); err != nil {
		t.Fatal(err)
	}
	var row storage.DLQEntry
	waitUntil(t, 30*time.Second, "the bad note in the DLQ", func() bool {
		p, _ := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID, Status: storage.DLQAnyStatus}, 0, 10)
		for _, r := range p.Entries {
			if r.RecordKey == bad.Items[0].Key {
				row = r
				return true
			}
		}
		return false
	})
	if row.Category != "validation" || row.Attempts != 1 || row.ObjectType != "note" {
		t.Errorf("bad note: want validation after 1 attempt, got %s after %d (%s): %s", row.Category, row.Attempts, row.ObjectType, row.Error)
	}
	time.Sleep(300 * time.Millisecond) // a retry, if any, would have come by now (backoff 20 ms)
	if calls := e.calls.count("/objects/notes/batch/create") + e.calls.count("/objects/notes") - before; calls != 1 {
		t.Errorf("create calls for the bad note: want 1 (no retry), got %d", calls)
	}
}

// A replay of rows whose objects already exist in the target creates nothing new:
// the dry run names them (ledger), the replay runs them, the sandbox still holds
// each planned object exactly once.
func TestReplayOfExistingObjectsCreatesNoDuplicate(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			d := testenv.Dialect{Name: d.Name, DSN: d.DSN}
			e := newTestEnv(t, d, envOptions{env: map[string]string{"CONTACT_ATTEMPTS": "1", "NOTE_ATTEMPTS": "1"},
				engineOptions: noBreaker})
			ctx := context.Background()
			s := e.createPrepared(backfillInput(25)) // 20 records
			if err := e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			s = e.wait(s.ID, storage.StatusFailed, time.Minute)
			if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			boss, _ := e.store.CreateUser(ctx, "boss-"+d.Name+"@example.com", "x", storage.RoleBoss)
			tri := NewTriage(e.store, e.engine.Worker.queue, e.cfg)
			first, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: ReplayOldest, Limit: 50})
			if err != nil || first.Replayed == 0 || len(first.InTarget) != 0 {
				t.Fatalf("first replay: want rows replayed, none in the target yet; got %+v, %v", first, err)
			}
			e.waitExact(s)
			e.drain()

			// The same work again, as rows that failed a second time would carry it.
			page, _ := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID, Status: storage.DLQReplayed}, 0, 500)
			for _, r := range page.Entries {
				full, _ := e.store.DLQEntry(ctx, r.ID)
				again := storage.DLQEntry{SimulationID: s.ID, JobType: full.JobType, ObjectType: full.ObjectType, RecordIndex: full.RecordIndex,
					RecordKey: full.RecordKey, Payload: full.Payload, Category: "server", Error: "again", Attempts: 1}
				if err := e.store.AddDLQEntry(ctx, &again); err != nil {
					t.Fatal(err)
				}
			}
			creates := e.calls.count("/batch/create")
			dry, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: ReplayOldest, Limit: 50, DryRun: true})
			if err != nil || dry.Selected != len(page.Entries) || len(dry.InTarget) != dry.Selected {
				t.Fatalf("dry run: want all %d selected rows in the target, got %d of %d (%v)", len(page.Entries), len(dry.InTarget), dry.Selected, err)
			}
			second, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: ReplayOldest, Limit: 50})
			if err != nil || second.Replayed != dry.Selected {
				t.Fatalf("replay after the dry run: want %d replayed, got %+v, %v", dry.Selected, second, err)
			}
			e.drain()
			e.checkExact(s)
			if n := e.calls.count("/batch/create") - creates; n != 0 {
				t.Errorf("replaying existing objects sent %d batch creates; want 0", n)
			}
		})
	}
}

// Replayed work runs with one attempt, or with its job type's full retry profile
// when the boss asks for it: failing again, it comes back to the DLQ after exactly
// that many attempts.
func TestReplayRunsWithOneAttemptOrTheFullProfile(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprintf("useFullRetry=%v", full), func(t *testing.T) {
			e := newTestEnv(t, firstDialect(t), envOptions{env: map[string]string{"CONTACT_ATTEMPTS": "3", "CONTACT_BACKOFF_MS": "20"},
				engineOptions: noBreaker})
			ctx := context.Background()
			s := e.createPrepared(backfillInput(13)) // 10 records
			if err := e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			s = e.wait(s.ID, storage.StatusFailed, time.Minute)
			first, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID})
			boss, _ := e.store.CreateUser(ctx, "boss@example.com", "x", storage.RoleBoss)
			res, err := NewTriage(e.store, e.engine.Worker.queue, e.cfg).Replay(ctx, ReplayRequest{UserID: boss.ID,
				Filter: storage.DLQFilter{SimulationID: s.ID}, Strategy: ReplayOldest, Limit: 50, UseFullRetry: full})
			if err != nil || int64(res.Replayed) != first {
				t.Fatalf("replay: want %d rows, got %+v, %v", first, res, err)
			}
			want := 1
			if full {
				want = e.cfg.AttemptsFor("contact")
			}
			waitUntil(t, time.Minute, "the replayed work back in the DLQ", func() bool {
				n, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID})
				return n == first
			})
			e.drain()
			page, _ := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID}, 0, 500)
			for _, r := range page.Entries {
				if r.Attempts != want || r.Category != "server" {
					t.Errorf("row %d after the replay failed again: want server after %d attempts, got %s after %d", r.ID, want, r.Category, r.Attempts)
				}
			}
		})
	}
}

// A run ends in the state its outcome earns: a token the target rejects mid-run
// fails it at once with that reason; a run where some objects failed for good
// ends completed_with_failures, its failed count equal to the DLQ's objects and
// the plan accounted for.
func TestHonestFinalStates(t *testing.T) {
	t.Run("401 mid-run", func(t *testing.T) {
		e := newTestEnv(t, firstDialect(t), envOptions{engineOptions: noBreaker})
		ctx := context.Background()
		s := e.createPrepared(backfillInput(500)) // 400 records
		if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		e.waitLedger(s.ID, 50, time.Minute)
		if err := e.sandbox.SetFaults(sandbox.Faults{Force401: true}); err != nil {
			t.Fatal(err)
		}
		s = e.wait(s.ID, storage.StatusFailed, time.Minute)
		if !strings.Contains(s.StatusReason, "rejected SimCRM's token") || !strings.Contains(s.StatusReason, "401") {
			t.Errorf("reason: want the rejected token and its 401, got %q", s.StatusReason)
		}
		m, err := e.engine.Progress.Metrics(ctx, s.ID)
		if err != nil || m.Status != storage.StatusFailed {
			t.Errorf("metrics: want status failed, got %+v, %v", m.Status, err)
		}
	})
	t.Run("30% 5xx, 1 attempt", func(t *testing.T) {
		e := newTestEnv(t, firstDialect(t), envOptions{env: map[string]string{"CONTACT_ATTEMPTS": "1", "NOTE_ATTEMPTS": "1",
			"CALL_ATTEMPTS": "1", "TASK_ATTEMPTS": "1", "MEETING_ATTEMPTS": "1", "TICKET_ATTEMPTS": "1", "DLQ_REPLAY_LIMIT_CAP": "1000"},
			engineOptions: noBreaker})
		ctx := context.Background()
		// 2,000 records in 7 records tasks: with 30% of calls failing, some
		// succeed for certain in practice (all failing is below 1 in 10,000).
		s := e.createPrepared(backfillInput(2500))
		if err := e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.3}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		s = e.wait(s.ID, storage.StatusCompletedWithFailures, 2*time.Minute)
		thinned, failed := e.checkAccounted(s)
		if failed == 0 || thinned != 0 {
			t.Errorf("want some failed and nothing thinned, got %d failed, %d thinned", failed, thinned)
		}
		if !strings.Contains(s.StatusReason, "failed into the DLQ") || !strings.Contains(s.StatusReason, "server") {
			t.Errorf("reason: want the DLQ count and its category, got %q", s.StatusReason)
		}
		m, err := e.engine.Progress.Metrics(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var mFailed int64
		for _, n := range m.Failed {
			mFailed += n
		}
		// The page's failed counts cover updates too (checkAccounted's objects
		// do not): every DLQ object not created, plus those blocked.
		blocked, _ := e.store.SkipCounts(ctx, s.ID)
		var nBlocked, nDead int64
		for _, n := range blocked[storage.SkipBlocked] {
			nBlocked += n
		}
		dead, _ := e.store.FailedCounts(ctx, s.ID)
		for _, n := range dead {
			nDead += n
		}
		if mFailed != nDead+nBlocked {
			t.Errorf("metrics: want %d failed (%d in the DLQ, %d of them objects, + %d blocked), got %d", nDead+nBlocked, nDead, failed, nBlocked, mFailed)
		}

		// Replay every failure with the target healthy: the run becomes
		// completed, and Redis and the database agree, also after a flush.
		if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
			t.Fatal(err)
		}
		boss, _ := e.store.CreateUser(ctx, "boss@example.com", "x", storage.RoleBoss)
		tri := NewTriage(e.store, e.engine.Worker.queue, e.cfg)
		for i := 0; i < 40; i++ {
			if n, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID}); n == 0 {
				break
			}
			if _, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: ReplayOldest, Limit: 1000}); err != nil {
				t.Fatal(err)
			}
			e.drain()
		}
		// The state follows the DLQ: completed once nothing is left in it. The
		// last replayed task's settle tick comes after every replayed task.
		insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
		waitUntil(t, 30*time.Second, "the settle ticks ran", func() bool {
			info, err := insp.GetQueueInfo(ControlQueue)
			return err == nil && info.Pending+info.Active+info.Scheduled+info.Retry == 0
		})
		s, _ = e.store.Simulation(ctx, s.ID)
		if !strings.HasPrefix(s.StatusReason, "after a DLQ replay: ") {
			t.Errorf("reason after the replay: got %q", s.StatusReason)
		}
		left, _ := e.store.FailedCounts(ctx, s.ID)
		var nLeft int64
		for _, n := range left {
			nLeft += n
		}
		if want := map[bool]string{true: storage.StatusCompleted, false: storage.StatusCompletedWithFailures}[nLeft == 0]; s.Status != want {
			t.Errorf("after the replay %d objects are in the DLQ: want %s, got %s (%s)", nLeft, want, s.Status, s.StatusReason)
		}
		agree := func(when string) {
			t.Helper()
			m, err := e.engine.Progress.Metrics(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			live, _ := e.rdb.Client.HGetAll(ctx, rediskeys.Metrics(s.ID)).Result()
			db, err := e.store.SimulationCounters(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			ledger, _ := e.store.LedgerCounts(ctx, s.ID)
			for _, k := range sim.ObjectKinds {
				p := k.Plural()
				for _, f := range []string{p + "_created", p + "_failed"} {
					if live[f] != strconv.FormatInt(db[f], 10) {
						t.Errorf("%s: %s: Redis %q, database %d", when, f, live[f], db[f])
					}
				}
				if m.Created[p] != ledger[string(k)] || m.Failed[p] != left[string(k)] {
					t.Errorf("%s: %s: metrics %d created, %d failed; ledger %d", when, p, m.Created[p], m.Failed[p], ledger[string(k)])
				}
			}
			tallies, _ := e.store.DLQTallies(ctx, s.ID)
			counts, _ := e.rdb.HashCounts(ctx, rediskeys.DLQCounts(s.ID))
			if fmt.Sprint(tallies) != fmt.Sprint(counts) {
				t.Errorf("%s: sim:%d:dlq:counts %v, database %v", when, s.ID, counts, tallies)
			}
		}
		agree("after the replay")
		if err := e.rdb.Client.FlushDB(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if m, _ := e.engine.Progress.Metrics(ctx, s.ID); m.Source != "db" {
			t.Errorf("after a flush the first look reads the database, got %s", m.Source)
		}
		agree("after a flush")
	})
}

// A contact whose e-mail another record of the target already holds fails alone
// into the DLQ as a conflict: the batch it came in is halved until it stands by
// itself, and every other contact of the batch is created.
func TestForeignEmailConflictFailsOnlyItsContact(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{engineOptions: noBreaker})
	ctx := context.Background()
	s := e.createPrepared(backfillInput(50)) // 40 records, one records task
	run, err := e.engine.Worker.runOf(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken, err := sim.PlanRecord(run.spec, 7, sim.Counts{})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := hubspot.NewClient(e.baseURL, testSandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: map[string]string{
		"email": taken.Email, "firstname": "Someone", "lastname": "Else"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusCompletedWithFailures, time.Minute)
	page, _ := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID, ObjectType: "contact"}, 0, 10)
	if len(page.Entries) != 1 || page.Entries[0].RecordKey != taken.Key || page.Entries[0].Category != "conflict" {
		t.Fatalf("want only record 7's contact in the DLQ as a conflict, got %+v", page.Entries)
	}
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	if ledger["contact"] != int64(s.EffectiveTotal)-1 {
		t.Errorf("want every other contact created (%d), got %d", s.EffectiveTotal-1, ledger["contact"])
	}
	e.checkAccounted(s)
}
