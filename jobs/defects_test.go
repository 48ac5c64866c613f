package jobs

// Tests for the defects of the original (ARCHITECTURE.md section 12) that live in
// the pipeline: every activity type scheduled, caps and budgets enforced, delays
// applied, completion against the effective total, throttled work never counted
// as created, the primary idempotency check actually called.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

func firstDialect(t *testing.T) testenv.Dialect { return testenv.Dialects(t)[0] }

func TestThinningFactor(t *testing.T) {
	cases := []struct {
		tripped bool
		waiting int
		want    float64
	}{
		{false, 0, 1},
		{false, 1000, 1},
		{false, 1001, 0.85},
		{false, 2000, 0.85},
		{false, 2001, 0.7},
		{false, 5000, 0.7},
		{false, 5001, 0.5},
		{true, 0, 0.4},
		{true, 1500, 0.34},
		{true, 2500, 0.28},
		{true, 6000, 0.2},
		{true, 1_000_000, 0.2},
	}
	for _, c := range cases {
		if got := ThinningFactor(c.tripped, c.waiting); fmt.Sprintf("%.4f", got) != fmt.Sprintf("%.4f", c.want) {
			t.Errorf("ThinningFactor(tripped=%v, waiting=%d): want %v, got %v", c.tripped, c.waiting, c.want, got)
		}
	}
	// Seeded decisions keep about the factor's share, and the same ones every time.
	kept := 0
	for i := 0; i < 10000; i++ {
		a := keepActivity(7, i, sim.KindNote, 1, 0.5)
		if a != keepActivity(7, i, sim.KindNote, 1, 0.5) {
			t.Fatal("keep decision is not deterministic")
		}
		if a {
			kept++
		}
	}
	if kept < 4700 || kept > 5300 {
		t.Errorf("factor 0.5 kept %d of 10000", kept)
	}
}

// Every activity type is planned, scheduled and created (the original only ever
// scheduled notes), each exactly as often as the plan says.
func TestEveryActivityTypeIsCreated(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	s := e.run(backfillInput(1000))
	e.wait(s.ID, storage.StatusCompleted, time.Minute)
	plan := e.planOf(s)
	ledger, _ := e.store.LedgerCounts(context.Background(), s.ID)
	for _, k := range sim.ActivityKinds {
		if plan[string(k)] == 0 {
			t.Errorf("the plan has no %s: pick a bigger run", k.Plural())
		}
		if int(ledger[string(k)]) != plan[string(k)] {
			t.Errorf("%s: plan %d, created %d", k.Plural(), plan[string(k)], ledger[string(k)])
		}
	}
	e.checkExact(s)
}

// addOverrides stores a boss's overrides of a scenario as its next version.
func (e *testEnv) addOverrides(scenario string, o sim.Overrides) int {
	e.t.Helper()
	ctx := context.Background()
	v, err := e.store.LatestScenarioVersion(ctx, scenario)
	if err != nil {
		e.t.Fatal(err)
	}
	boss, err := e.store.CreateUser(ctx, fmt.Sprintf("boss%d@example.com", v+1), "x", storage.RoleBoss)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.rawDB().ExecContext(ctx, `INSERT INTO scenario_overrides (scenario, version, overrides, changed_by, created_at)
		VALUES (?, ?, ?, ?, ?)`, scenario, v+1, string(o.JSON()), boss.ID, time.Now().UTC())
	if err != nil {
		e.t.Fatal(err)
	}
	return v + 1
}

// Budgets cap each activity kind for the whole simulation and caps bound it per
// record (the original enforced neither: a singular/plural key mismatch).
func TestBudgetsAndCapsAreEnforced(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	budgets := map[sim.Kind]int{sim.KindNote: 40, sim.KindCall: 12, sim.KindTask: 9, sim.KindMeeting: 6, sim.KindTicket: 1}
	o := sim.Overrides{"cap.notes": 1, "cap.calls": 1, "cap.tasks": 1, "cap.meetings": 1}
	for k, n := range budgets {
		o["budget."+k.Plural()] = float64(n)
	}
	version := e.addOverrides("b2b", o)
	s := e.run(backfillInput(500))
	if s.ScenarioVersion != version {
		t.Fatalf("the simulation should be planned with override version %d, got %d", version, s.ScenarioVersion)
	}
	e.wait(s.ID, storage.StatusCompleted, time.Minute)
	ledger, _ := e.store.LedgerCounts(context.Background(), s.ID)
	for k, n := range budgets {
		if int(ledger[string(k)]) != n {
			t.Errorf("%s: budget %d, created %d", k.Plural(), n, ledger[string(k)])
		}
	}
	rows, err := e.rawDB().Query(`SELECT object_type, MAX(n) FROM (SELECT object_type, record_index, COUNT(*) AS n FROM ledger
		WHERE simulation_id = ? GROUP BY object_type, record_index) t GROUP BY object_type`, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ string
		var most int
		if err := rows.Scan(&typ, &most); err != nil {
			t.Fatal(err)
		}
		if k, _ := sim.ParseKind(typ); k.IsActivity() && most > 1 {
			t.Errorf("%s: cap 1 per record, a record got %d", typ, most)
		}
	}
	e.checkExact(s)
}

// Activities run at RunAt(phase time + delay) — the delay scaled by the pace — and
// carry that simulated time (the original dropped the delays).
func TestActivityDelaysAreApplied(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	seed := int64(9)
	start := time.Now().UTC().Truncate(time.Hour)
	in := siminput.Input{Name: "delays", Scenario: "b2b", Distribution: "linear", Start: start, End: start.Add(24 * time.Hour),
		TotalRecords: 50, PaceMode: "accelerated", PaceFactor: 60, Target: "sandbox", Seed: &seed}
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, in)
	if err != nil || len(fe) > 0 {
		t.Fatal(fe, err)
	}
	s, err = e.engine.Lifecycle.Start(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.engine.Worker.runOf(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.target.prepare(ctx); err != nil {
		t.Fatal(err)
	}
	// Plan every record and pretend its contact, company and deal exist.
	var recs []sim.Record
	have := map[string]string{}
	var used sim.Counts
	for i := 0; i < run.spec.Planner.Count(); i++ {
		r, err := sim.PlanRecord(run.spec, i, used)
		if err != nil {
			t.Fatal(err)
		}
		used = used.Plus(sim.Candidates(run.spec, i))
		recs = append(recs, r)
		have[r.Key], have[r.Company.Key] = "1", "2"
		if r.Deal != nil {
			have[r.Deal.Key] = "3"
		}
	}
	if err := e.engine.Worker.scheduleActivities(ctx, run, recs, have, map[string]bool{}, map[string]bool{}, false, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]sim.Activity{}
	for _, r := range recs {
		for _, a := range r.Activities {
			if !a.At.Equal(a.PhaseAt.Add(a.Delay)) || a.Delay <= 0 {
				t.Fatalf("%s: At %v is not phase %v + delay %v", a.Key, a.At, a.PhaseAt, a.Delay)
			}
			want[a.Key] = a
		}
	}
	tasks, err := e.engine.Worker.inspector.ListScheduledTasks(SecondaryQueue, asynq.PageSize(10000))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, ti := range tasks {
		var p ActivitiesPayload
		if err := json.Unmarshal(ti.Payload, &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			a, ok := want[it.Key]
			if !ok {
				t.Fatalf("unplanned activity %s", it.Key)
			}
			seen++
			if it.At != a.At.UnixMilli() || it.Props["hs_timestamp"] != "" && it.Props["hs_timestamp"] != strconv.FormatInt(a.At.UnixMilli(), 10) {
				t.Errorf("%s: timestamp %d / %s, want %d", it.Key, it.At, it.Props["hs_timestamp"], a.At.UnixMilli())
			}
			want := run.runAt(a.At) // startedAt + (phase + delay − window start) / 60
			if d := ti.NextProcessAt.Sub(want); d < -time.Second-batchWindow(run.pace) || d > time.Second {
				t.Errorf("%s: runs at %v, want about %v (phase %v + delay %v, ×60)", it.Key, ti.NextProcessAt, want, a.PhaseAt, a.Delay)
			}
			if d := want.Sub(run.runAt(a.PhaseAt)) - a.Delay/60; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("%s: the run-time delay is not delay/60", it.Key)
			}
		}
	}
	if seen != len(want) || seen == 0 {
		t.Errorf("scheduled %d activities, planned %d", seen, len(want))
	}
	// Scheduling again queues nothing twice (the idempotency markers).
	if err := e.engine.Worker.scheduleActivities(ctx, run, recs, have, map[string]bool{}, map[string]bool{}, false, false); err != nil {
		t.Fatal(err)
	}
	again, _ := e.engine.Worker.inspector.ListScheduledTasks(SecondaryQueue, asynq.PageSize(10000))
	if len(again) != len(tasks) {
		t.Errorf("a second scheduling queued %d more tasks", len(again)-len(tasks))
	}
}

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
	if _, err := client.Enqueue(asynq.NewTask("test:throttle", nil), asynq.Queue(PrimaryQueue(0)), asynq.MaxRetry(1)); err != nil {
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

// The records handler consults the ledger before it creates anything: running
// the same task twice creates nothing the second time, and a crash between the
// target's answer and the ledger write (objects in the target, not in the ledger)
// is resolved by the unique key instead of creating duplicates.
func TestPrimaryIdempotencyCheckIsCalled(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	s := e.run(backfillInput(100)) // 80 records
	runTask := func() {
		t.Helper()
		p := RecordsPayload{Sim: s.ID, First: 0, End: 80}
		task, _, err := e.engine.Worker.newRecordsTask(p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.engine.Worker.handleRecords(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	runTask()
	creates := e.calls.count("/batch/create") + e.calls.count("/batch/upsert")
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	if ledger["contact"] != 80 || creates == 0 {
		t.Fatalf("first run: %d contacts in the ledger after %d calls", ledger["contact"], creates)
	}
	runTask()
	if again := e.calls.count("/batch/create") + e.calls.count("/batch/upsert"); again != creates {
		t.Errorf("the second run made %d more create calls: the ledger check was not used", again-creates)
	}
	// Lose the ledger rows of the deals and contacts: the target still has them.
	if _, err := e.rawDB().ExecContext(ctx, `DELETE FROM ledger WHERE simulation_id = ? AND object_type IN ('contact', 'deal')`, s.ID); err != nil {
		t.Fatal(err)
	}
	runTask()
	counts, _ := e.sandbox.Counts(ctx)
	ledger, _ = e.store.LedgerCounts(ctx, s.ID)
	if counts["contacts"] != 80 || ledger["contact"] != 80 || int(ledger["deal"]) != counts["deals"] {
		t.Errorf("after a lost ledger: sandbox %v, ledger %v", counts, ledger)
	}
	if e.calls.count("/batch/read") == 0 {
		t.Error("the existing objects were not looked up by their key")
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
	if _, err := e.engine.Worker.queue.Enqueue(asynq.NewTask(TypeRecords, b), asynq.Queue(PrimaryQueue(s.ID)), asynq.MaxRetry(0)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // it ran once and was throttled (paused)
	archived, _ := e.engine.Worker.inspector.ListArchivedTasks(PrimaryQueue(s.ID))
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
