package jobs

// Acceptance tests of the DLQ, replay and thinning issue, end to end: the engine
// and its workers against the built-in sandbox with fault injection, on every
// dialect under test.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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

// noBreaker keeps the circuit breaker out of a test about retries.
func noBreaker(o *Options) { o.Breaker = &ratelimit.BreakerConfig{Threshold: 1_000_000} }

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
		{name: "forced 403", faults: sandbox.Faults{Force403: true}, wantCategory: "auth", wantAttempts: 1, wantStatus: storage.StatusCompleted},
		{name: "forced 401", faults: sandbox.Faults{Force401: true}, wantCategory: "auth", wantAttempts: 1},
		{name: "5xx burst", faults: sandbox.Faults{ErrorRate: 1}, wantCategory: "server", wantAttempts: 3, wantStatus: storage.StatusCompleted},
		{name: "timeouts", faults: sandbox.Faults{TimeoutRate: 1, TimeoutAfter: 10 * time.Second}, clientWait: 300 * time.Millisecond,
			wantCategory: "timeout", wantAttempts: 3, wantStatus: storage.StatusCompleted},
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
			s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
			if err := e.sandbox.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			boss, _ := e.store.CreateUser(ctx, "boss-"+d.Name+"@example.com", "x", storage.RoleBoss)
			tri := NewTriage(e.store, e.engine.Worker.queue, e.cfg)
			first, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: storage.ReplayOldest, Limit: 50})
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
				Strategy: storage.ReplayOldest, Limit: 50, DryRun: true})
			if err != nil || dry.Selected != len(page.Entries) || len(dry.InTarget) != dry.Selected {
				t.Fatalf("dry run: want all %d selected rows in the target, got %d of %d (%v)", len(page.Entries), len(dry.InTarget), dry.Selected, err)
			}
			second, err := tri.Replay(ctx, ReplayRequest{UserID: boss.ID, Filter: storage.DLQFilter{SimulationID: s.ID},
				Strategy: storage.ReplayOldest, Limit: 50})
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

// Thinning under a synthetic backlog and a tripped breaker: the factor follows
// the design, only optional activities are skipped, events are capped, and the
// plan adds up (planned = created + thinned + failed).
func TestThinningUnderBacklogAndBreaker(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{env: map[string]string{"THINNING_EVENTS_MAX": "5"}, noWorkers: true})
	ctx := context.Background()
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	pending := "asynq:{" + SecondaryQueue + "}:pending"
	backlog := func(n int) {
		t.Helper()
		e.rdb.Client.LRem(ctx, pending, 0, "synthetic-backlog")
		for n > 0 {
			k := min(n, 1000)
			args := make([]any, k)
			for i := range args {
				args[i] = "synthetic-backlog"
			}
			if err := e.rdb.Client.LPush(ctx, pending, args...).Err(); err != nil {
				t.Fatal(err)
			}
			n -= k
		}
	}
	trip := func(on bool) {
		if on {
			e.rdb.Client.Set(ctx, rediskeys.TrippedUntil, time.Now().Add(time.Minute).UnixMilli(), 0)
		} else {
			e.rdb.Client.Del(ctx, rediskeys.TrippedUntil)
		}
	}
	cases := []struct {
		waiting int
		tripped bool
		want    float64
	}{
		{0, false, 1}, {1001, false, 0.85}, {2001, false, 0.7}, {5001, false, 0.5},
		{0, true, 0.4}, {1500, true, 0.34}, {3000, true, 0.28}, {6000, true, 0.2},
	}
	for _, c := range cases {
		backlog(c.waiting)
		trip(c.tripped)
		time.Sleep(backlogTTL + 50*time.Millisecond) // the engine reuses readings for backlogTTL
		w, tripped := e.engine.Worker.secondaryWaiting(ctx), e.engine.Worker.breakerTripped(ctx)
		got := ThinningFactor(tripped, w)
		if w != c.waiting || tripped != c.tripped || fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", c.want) {
			t.Errorf("backlog %d, tripped %v: want factor %v, got waiting %d, tripped %v, factor %v", c.waiting, c.tripped, c.want, w, tripped, got)
		}
	}
	trip(false)

	// A run under a backlog above 1,000: activities are planned while the
	// secondary queue is paused, so the backlog stays as set.
	if err := insp.PauseQueue(SecondaryQueue); err != nil {
		t.Fatal(err)
	}
	backlog(1500)
	time.Sleep(backlogTTL + 50*time.Millisecond)
	e.startWorkers(16)
	s := e.run(backfillInput(100)) // 80 records
	plan := e.planOf(s)
	// Records exist before their activities are scheduled (same task, later):
	// keep the backlog until every planned activity is scheduled or thinned.
	waitUntil(t, time.Minute, "every record created and its activities scheduled or thinned", func() bool {
		l, _ := e.store.LedgerCounts(ctx, s.ID)
		if int(l["contact"]) != plan["contact"] {
			return false
		}
		m, err := e.engine.Progress.Metrics(ctx, s.ID)
		if err != nil {
			return false
		}
		for _, k := range sim.ActivityKinds {
			if m.Scheduled[k.Plural()]+m.Thinned[k.Plural()] < int64(plan[string(k)]) {
				return false
			}
		}
		return true
	})
	e.rdb.Client.LRem(ctx, pending, 0, "synthetic-backlog")
	if err := insp.UnpauseQueue(SecondaryQueue); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)

	raw, stored, err := e.rdb.ListHead(ctx, rediskeys.ThinningEvents(s.ID), 100)
	if err != nil {
		t.Fatal(err)
	}
	if stored != 5 {
		t.Errorf("thinning events: want the cap of 5 kept, got %d", stored)
	}
	for _, r := range raw {
		var ev ThinningEvent
		if err := json.Unmarshal([]byte(r), &ev); err != nil {
			t.Fatalf("event %q: %v", r, err)
		}
		if ev.TotalWaiting <= 1000 || ev.Factor != ThinningFactor(false, ev.TotalWaiting) || ev.Factor > 0.85 || ev.After >= ev.Before {
			t.Errorf("event %+v: want a factor ≤ 0.85 matching %d waiting, fewer kept than planned", ev, ev.TotalWaiting)
		}
	}
	skips, _ := e.store.SkipCounts(ctx, s.ID)
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	dlq, _ := e.store.DLQTallies(ctx, s.ID)
	m, _ := e.engine.Progress.Metrics(ctx, s.ID)
	var thinnedTotal int64
	for _, k := range sim.ObjectKinds {
		thinned := skips[storage.SkipThinned][string(k)]
		thinnedTotal += thinned
		if thinned > 0 && !thinnable(k) {
			t.Errorf("%s: %d thinned, but only optional activities may be", k, thinned)
		}
		if got := ledger[string(k)] + thinned + skips[storage.SkipBlocked][string(k)]; got != int64(plan[string(k)]) || len(dlq) != 0 {
			t.Errorf("%s: planned %d, want created %d + thinned %d (+ failed) to match, got %d (dlq %v)",
				k.Plural(), plan[string(k)], ledger[string(k)], thinned, got, dlq)
		}
		p := k.Plural()
		if m.Created[p]+m.Thinned[p]+m.Failed[p] != int64(plan[string(k)]) {
			t.Errorf("metrics %s: created %d + thinned %d + failed %d, want planned %d", p, m.Created[p], m.Thinned[p], m.Failed[p], plan[string(k)])
		}
	}
	if thinnedTotal == 0 {
		t.Errorf("nothing was thinned under a backlog of 1,500")
	}
	if n := e.rdb.Client.LLen(ctx, pending).Val(); n != 0 {
		t.Errorf("secondary queue: %d tasks left", n)
	}
}

// waitExact waits until the sandbox and the ledger hold exactly the plan.
func (e *testEnv) waitExact(s storage.Simulation) {
	e.t.Helper()
	plan := e.planOf(s)
	want := 0
	for _, n := range plan {
		want += n
	}
	waitUntil(e.t, time.Minute, "the plan in the ledger", func() bool {
		l, _ := e.store.LedgerCounts(context.Background(), s.ID)
		got := 0
		for _, n := range l {
			got += int(n)
		}
		return got == want
	})
	e.checkExact(s)
}

// drain waits until the work queues hold nothing pending, scheduled, retrying or
// running.
func (e *testEnv) drain() {
	e.t.Helper()
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	waitUntil(e.t, time.Minute, "work queues drained", func() bool {
		for _, q := range []string{PrimaryQueue(0), SecondaryQueue} {
			info, err := insp.GetQueueInfo(q)
			if err != nil {
				continue // a queue nothing was ever enqueued on
			}
			if info.Pending+info.Active+info.Scheduled+info.Retry > 0 {
				return false
			}
		}
		return true
	})
}

func waitUntil(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
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
			s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
			first, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID})
			boss, _ := e.store.CreateUser(ctx, "boss@example.com", "x", storage.RoleBoss)
			res, err := NewTriage(e.store, e.engine.Worker.queue, e.cfg).Replay(ctx, ReplayRequest{UserID: boss.ID,
				Filter: storage.DLQFilter{SimulationID: s.ID}, Strategy: storage.ReplayOldest, Limit: 50, UseFullRetry: full})
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
