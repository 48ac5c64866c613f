package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
)

func TestCreateValidatesEveryField(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	good := backfillInput(100)
	cases := []struct {
		name  string
		edit  func(*siminput.Input)
		field string
	}{
		{"no name", func(in *siminput.Input) { in.Name = " " }, "name"},
		{"unknown scenario", func(in *siminput.Input) { in.Scenario = "b2z" }, "scenario"},
		{"unknown distribution", func(in *siminput.Input) { in.Distribution = "zigzag" }, "distribution"},
		{"no start", func(in *siminput.Input) { in.Start = time.Time{} }, "startTime"},
		{"end before start", func(in *siminput.Input) { in.End = in.Start.Add(-time.Hour) }, "endTime"},
		{"window over 30 days", func(in *siminput.Input) { in.End = in.Start.Add(31 * 24 * time.Hour) }, "endTime"},
		{"no records", func(in *siminput.Input) { in.TotalRecords = 0 }, "totalRecords"},
		{"too many records", func(in *siminput.Input) { in.TotalRecords = 1_000_001 }, "totalRecords"},
		{"unknown pace", func(in *siminput.Input) { in.PaceMode = "warp" }, "pace"},
		{"accelerated without factor", func(in *siminput.Input) { in.PaceMode = "accelerated"; in.PaceFactor = 1 }, "paceFactor"},
		{"bad time zone", func(in *siminput.Input) { in.TimeZone = "Mars/Olympus" }, "timeZone"},
		{"custom without weights", func(in *siminput.Input) { in.Distribution = "custom" }, "hourWeights"},
		{"business hours on a weekend", func(in *siminput.Input) {
			sat := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			in.Distribution, in.Start, in.End = "business_hours", sat, sat.Add(48*time.Hour)
		}, "distribution"},
		{"unknown target", func(in *siminput.Input) { in.Target = "salesforce" }, "target"},
		{"someone else's connection", func(in *siminput.Input) { in.Target = "4242" }, "target"},
	}
	for _, c := range cases {
		in := good
		c.edit(&in)
		s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if fe[c.field] == "" || s.ID != 0 {
			t.Errorf("%s: want a message for %s, got %v", c.name, c.field, fe)
		}
	}
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, good)
	if err != nil || len(fe) > 0 || s.Status != storage.StatusQueued || s.EffectiveTotal != 80 || s.Seed != 42 {
		t.Fatalf("good input: %+v %v %v", s, fe, err)
	}
	// A random seed when none is given.
	good.Seed = nil
	a, _, _ := e.engine.Lifecycle.Create(ctx, e.user, good)
	b, _, _ := e.engine.Lifecycle.Create(ctx, e.user, good)
	if a.Seed == b.Seed {
		t.Errorf("two random seeds are equal: %d", a.Seed)
	}
}

func TestPreviewPlansWithoutStoring(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	in := backfillInput(100_000)
	p, fe := e.engine.Lifecycle.Preview(context.Background(), in)
	if len(fe) > 0 {
		t.Fatal(fe)
	}
	var sum float64
	for _, b := range p.Bins {
		sum += b.Count
	}
	if p.EffectiveTotal != 80_000 || len(p.Bins) != 48 || int(sum+0.5) != 80_000 || p.Totals["contacts"] != 80_000 {
		t.Errorf("preview: total %d, %d bins summing to %.1f, totals %v", p.EffectiveTotal, len(p.Bins), sum, p.Totals)
	}
	if p.Totals["notes"] != 5000 || !strings.Contains(strings.Join(p.Warnings, " "), "notes budget") {
		t.Errorf("the notes budget (5,000) should cut the plan and say so: %v, %v", p.Totals, p.Warnings)
	}
	if _, fe := e.engine.Lifecycle.Preview(context.Background(), siminput.Input{Scenario: "b2b"}); len(fe) == 0 {
		t.Error("an empty preview input should explain what is missing")
	}
	list, _ := e.store.Simulations(context.Background(), storage.SimulationFilter{})
	if len(list) != 0 {
		t.Errorf("preview stored %d simulations", len(list))
	}
}

// simTasks counts a simulation's queued tasks by state.
func (e *testEnv) simTasks(id int64) map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, q := range []string{PrimaryQueue(id, 1), SecondaryQueue, ControlQueue} {
		for state, list := range map[string]func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
			"pending": e.engine.Worker.inspector.ListPendingTasks, "scheduled": e.engine.Worker.inspector.ListScheduledTasks,
			"retry": e.engine.Worker.inspector.ListRetryTasks,
		} {
			tasks, err := list(q, asynq.PageSize(10000))
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				e.t.Fatal(err)
			}
			for _, ti := range tasks {
				if strings.HasPrefix(ti.ID, taskIDPrefix(id)) {
					out[state]++
				}
			}
		}
	}
	return out
}

// Pause stops the tick and holds queued work; resume continues; abort with purge
// empties the simulation's queued work.
func TestPauseResumeAbortWithPurge(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	seed := int64(3)
	start := time.Now().UTC().Add(10 * time.Minute) // realtime: everything is in the future
	s := e.run(siminput.Input{Name: "later", Scenario: "b2b", Distribution: "linear", Start: start, End: start.Add(6 * time.Hour),
		TotalRecords: 2000, PaceMode: "realtime", Target: "sandbox", Seed: &seed})
	waitUntil(t, 20*time.Second, "the look-ahead expanded", func() bool { return e.simTasks(s.ID)["scheduled"] > 0 })
	p, err := e.engine.Lifecycle.Pause(ctx, s.ID)
	if err != nil || p.Status != storage.StatusPaused {
		t.Fatalf("pause: %+v %v", p, err)
	}
	if _, err := e.engine.Lifecycle.Pause(ctx, s.ID); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("pausing twice: want ErrConflict, got %v", err)
	}
	r, err := e.engine.Lifecycle.Resume(ctx, s.ID)
	if err != nil || r.Status != storage.StatusRunning {
		t.Fatalf("resume: %+v %v", r, err)
	}
	waitUntil(t, 10*time.Second, "the tick back", func() bool {
		info, err := e.engine.Worker.inspector.GetTaskInfo(ControlQueue, TickTaskID(s.ID))
		return err == nil && info != nil
	})
	before := e.simTasks(s.ID)
	a, err := e.engine.Lifecycle.Abort(ctx, s.ID, true)
	if err != nil || a.Status != storage.StatusAborted || !strings.Contains(a.StatusReason, "purged") {
		t.Fatalf("abort: %+v %v", a, err)
	}
	after := e.simTasks(s.ID)
	if before["scheduled"] == 0 || after["scheduled"]+after["pending"]+after["retry"] != 0 {
		t.Errorf("purge: before %v, after %v", before, after)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("starting an aborted simulation: want ErrConflict, got %v", err)
	}
	tr, _ := e.store.SimulationTransitions(ctx, s.ID)
	var path []string
	for _, x := range tr {
		path = append(path, x.To)
	}
	if got := strings.Join(path, ">"); got != "queued>running>paused>running>aborted" {
		t.Errorf("transitions: %s", got)
	}
}

// Starting 1,000,000 records over 30 days returns in well under a second and
// expands only the look-ahead; the test reports the Redis memory the simulation
// takes (with a real Redis).
func TestMillionRecordStartIsInstant(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	seed := int64(1)
	start := time.Now().UTC()
	in := siminput.Input{Name: "million", Scenario: "mid_market", Distribution: "linear", Start: start, End: start.Add(sim.MaxWindow),
		TotalRecords: 1_000_000, PaceMode: "realtime", Target: "sandbox", Seed: &seed}
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, in)
	if err != nil || len(fe) > 0 {
		t.Fatal(fe, err)
	}
	before := usedMemory(e)
	t0 := time.Now()
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	if took > time.Second {
		t.Errorf("Start took %s, want under 1 s", took)
	}
	t1 := time.Now()
	if _, err := e.engine.Worker.tick(ctx, s.ID); err != nil { // the first tick: the look-ahead
		t.Fatal(err)
	}
	tickTook := time.Since(t1)
	states, _ := e.store.SegmentStateCounts(ctx, s.ID)
	if states[storage.SegmentExpanded] > 4 || states[storage.SegmentExpanded] == 0 || states[storage.SegmentPlanned] < 715 {
		t.Errorf("want only the look-ahead expanded, got %v", states)
	}
	tasks := e.simTasks(s.ID)
	after := usedMemory(e)
	keys := simKeyMemory(e, s.ID)
	t.Logf("1,000,000 records / 30 days: Start %s, first tick %s; segments %v; tasks %v; Redis used_memory %+d bytes (sim:%d:* keys %d bytes)",
		took.Round(time.Millisecond), tickTook.Round(time.Millisecond), states, tasks, after-before, s.ID, keys)
	if os.Getenv("REDIS_URL") != "" && after-before > 16<<20 {
		t.Errorf("the start took %d bytes of Redis, want a bounded look-ahead", after-before)
	}
}

// usedMemory is Redis's used_memory (0 on the in-process Redis, which has no INFO memory).
func usedMemory(e *testEnv) int64 {
	info, err := e.rdb.Client.Info(context.Background(), "memory").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// simKeyMemory sums MEMORY USAGE over a simulation's keys (0 without MEMORY USAGE).
func simKeyMemory(e *testEnv, id int64) int64 {
	ctx := context.Background()
	var total int64
	iter := e.rdb.Client.Scan(ctx, 0, fmt.Sprintf("sim:%d:*", id), 1000).Iterator()
	for iter.Next(ctx) {
		n, err := e.rdb.Client.MemoryUsage(ctx, iter.Val()).Result()
		if err != nil {
			return 0
		}
		total += n
	}
	return total
}

// Creating a simulation calls nothing on its target: a sandbox that answers every
// call 401 (fault injection) does not stop the plan, and the run's failures are
// what tell (they go to the DLQ).
func TestCreateDoesNotCallTheTarget(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	if err := e.sandbox.SetFaults(sandbox.Faults{Force401: true}); err != nil {
		t.Fatal(err)
	}
	before := e.calls.total.Load()
	s, fe, err := e.engine.Lifecycle.Create(context.Background(), e.user, backfillInput(10))
	if err != nil || len(fe) > 0 || s.ID == 0 {
		t.Fatalf("create with fault injection on: want it stored, got %+v %v %v", s, fe, err)
	}
	if calls := e.calls.total.Load() - before; calls != 0 {
		t.Errorf("create: want no call to the target, got %d", calls)
	}
}
