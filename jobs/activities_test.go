package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

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

// Copies of activity tasks racing each other (what a Redis failover leaves: the
// task that was running and the one recovered for it) create each activity once
// and put none in the DLQ: every copy that meets "already exists" takes the
// objects the others made and sends only the rest, however often that happens.
func TestRacingCopiesOfActivityTasks(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			e := newTestEnv(t, d, envOptions{concurrency: 12})
			if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 30 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			s := e.run(backfillInput(2000))
			ins := e.engine.Worker.inspector
			copied := map[string]bool{}
			copies := 0
			for done := false; !done; {
				for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){ins.ListPendingTasks, ins.ListScheduledTasks} {
					tasks, _ := list(SecondaryQueue, asynq.PageSize(500))
					for _, ti := range tasks {
						if copied[ti.ID] || strings.HasSuffix(ti.ID, "-copy") {
							continue
						}
						copied[ti.ID] = true
						var p ActivitiesPayload
						if err := json.Unmarshal(ti.Payload, &p); err != nil {
							t.Fatal(err)
						}
						// Copies that overlap the task in different ways, as tasks
						// queued again from the plan group items their own way:
						// the task meets "already exists" once per copy.
						for n := range 4 {
							part := p
							part.Items = nil
							for i, it := range p.Items {
								if i%4 == n {
									part.Items = append(part.Items, it)
								}
							}
							body, _ := json.Marshal(part)
							_, err := e.engine.Worker.queue.EnqueueContext(ctx, asynq.NewTask(ti.Type, body),
								asynq.Queue(SecondaryQueue), asynq.TaskID(fmt.Sprintf("%s-%d-copy", ti.ID, n)), asynq.MaxRetry(3))
							if err == nil {
								copies++
							}
						}
					}
				}
				cur, _ := e.store.Simulation(ctx, s.ID)
				done = cur.Status != storage.StatusRunning
				time.Sleep(10 * time.Millisecond)
			}
			if copies < 10 {
				t.Fatalf("only %d copies were queued: the race was not tried", copies)
			}
			s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
			e.drain()
			e.checkExact(s)
			if n, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID}); n != 0 {
				page, _ := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID}, 0, 3)
				t.Errorf("%d rows in the DLQ after %d copies, e.g. %+v", n, copies, page.Entries)
			}
			t.Logf("%d copies of activity tasks", copies)
		})
	}
}
