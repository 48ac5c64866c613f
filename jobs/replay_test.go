package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// replayEnv is a migrated store, a Redis, and a queue client on it.
type replayEnv struct {
	store  *storage.Store
	rdb    *redis.Client
	queue  *asynq.Client
	insp   *asynq.Inspector
	cfg    config.Config
	userID int64
	simID  int64
}

func newReplayEnv(t *testing.T, d testenv.Dialect) *replayEnv {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, d.Name, d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "CONTACT_ATTEMPTS" {
			return "4"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	rdb := testenv.Redis(t)
	e := &replayEnv{store: store, rdb: rdb, queue: asynq.NewClientFromRedisClient(rdb),
		insp: asynq.NewInspectorFromRedisClient(rdb), cfg: cfg}
	u, err := store.CreateUser(ctx, "boss@example.com", "h", storage.RoleBoss)
	if err != nil {
		t.Fatal(err)
	}
	e.userID = u.ID
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	sim := &storage.Simulation{UserID: u.ID, Name: "Replay", Scenario: "b2b", Distribution: "linear", StartAt: start,
		EndAt: start.Add(24 * time.Hour), TimeZone: "UTC", TotalRecords: 100, EffectiveTotal: 80, PaceMode: "backfill",
		PaceFactor: 1, TargetKind: storage.TargetSandbox, Seed: 7}
	if err := store.CreateSimulation(ctx, sim); err != nil {
		t.Fatal(err)
	}
	e.simID = sim.ID
	return e
}

// seed stores DLQ rows: records (contact) on odd indexes, notes on even ones.
func (e *replayEnv) seed(t *testing.T, n int, category string) []storage.DLQEntry {
	t.Helper()
	var rows []storage.DLQEntry
	for i := 0; i < n; i++ {
		r := storage.DLQEntry{SimulationID: e.simID, JobType: jobs.TypeRecords, ObjectType: "contact", RecordIndex: i,
			RecordKey: fmt.Sprintf("c-%d", i), TaskID: fmt.Sprintf("s%d-r-%d", e.simID, i), Category: category,
			Payload: fmt.Sprintf(`{"sim":%d,"first":%d,"end":%d,"replay":true}`, e.simID, i, i+1), Error: "boom", Attempts: 3}
		if i%2 == 0 {
			r.JobType, r.ObjectType = jobs.TypeActivityPrefix+"note", "note"
			r.Payload = fmt.Sprintf(`{"sim":%d,"kind":"note","items":[{"record":%d,"key":"n-%d"}],"replay":true}`, e.simID, i, i)
		}
		if err := e.store.AddDLQEntry(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestReplayDryRunChangesNothingAndTheReplayThatFollowsEnqueues(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			e := newReplayEnv(t, d)
			rows := e.seed(t, 6, "server")
			tri := jobs.NewTriage(e.store, e.queue, e.cfg)
			req := jobs.ReplayRequest{UserID: e.userID, Filter: storage.DLQFilter{SimulationID: e.simID}, Strategy: jobs.ReplayOldest,
				Limit: 500, DryRun: true}
			dry, err := tri.Replay(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if dry.Limit != e.cfg.DLQReplayCap || dry.Candidates != 6 || dry.Selected != 6 || dry.Replayed != 0 || len(dry.Samples) != 5 {
				t.Fatalf("dry run: want limit %d (capped), 6 candidates, 6 selected, 0 replayed, 5 samples; got %d, %d, %d, %d, %d",
					e.cfg.DLQReplayCap, dry.Limit, dry.Candidates, dry.Selected, dry.Replayed, len(dry.Samples))
			}
			for _, r := range rows {
				got, _ := e.store.DLQEntry(ctx, r.ID)
				if got.Status != storage.DLQOpen || got.ReplayCount != 0 {
					t.Fatalf("dry run changed row %d: %+v", r.ID, got)
				}
			}
			for _, q := range []string{jobs.PrimaryQueue(e.simID, 1), jobs.SecondaryQueue} {
				if tasks, _ := e.insp.ListPendingTasks(q); len(tasks) != 0 {
					t.Fatalf("dry run enqueued %d tasks on %s", len(tasks), q)
				}
			}

			// The real replay right after selects the same rows.
			req.DryRun, req.Limit = false, 4
			res, err := tri.Replay(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Selected != 4 || res.Replayed != 4 || len(res.Tasks) != 4 || len(res.Failed) != 0 {
				t.Fatalf("replay: want 4 selected and replayed, got %+v", res)
			}
			seen := map[string]bool{}
			for i, task := range res.Tasks {
				if task.DLQID != rows[i].ID {
					t.Errorf("task %d: want row %d (oldest first), got %d", i, rows[i].ID, task.DLQID)
				}
				wantQueue := jobs.SecondaryQueue
				if rows[i].JobType == jobs.TypeRecords {
					wantQueue = jobs.PrimaryQueue(e.simID, 1)
				}
				info, err := e.insp.GetTaskInfo(wantQueue, task.TaskID)
				if err != nil {
					t.Fatalf("task %s on %s: %v", task.TaskID, wantQueue, err)
				}
				if info.Type != rows[i].JobType || string(info.Payload) != rows[i].Payload || info.MaxRetry != 1 || task.Queue != wantQueue {
					t.Errorf("task %d: want %s on %s with the row's payload and MaxRetry 1 (one attempt), got %s on %s, %s, %d",
						i, rows[i].JobType, wantQueue, info.Type, info.Queue, info.Payload, info.MaxRetry)
				}
				if seen[task.TaskID] {
					t.Errorf("task id %s used twice", task.TaskID)
				}
				seen[task.TaskID] = true
				got, _ := e.store.DLQEntry(ctx, rows[i].ID)
				if got.Status != storage.DLQReplayed || got.ReplayCount != 1 || got.ReplayAuditID == nil || *got.ReplayAuditID != res.AuditID {
					t.Errorf("row %d after replay: %+v", rows[i].ID, got)
				}
			}
			// Replaying again takes the two rows left; replayed rows are not candidates.
			req.UseFullRetry = true
			again, err := tri.Replay(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if again.Candidates != 2 || again.Replayed != 2 {
				t.Fatalf("second replay: want the 2 rows left, got %d candidates, %d replayed", again.Candidates, again.Replayed)
			}
			for _, task := range again.Tasks {
				want := e.cfg.AttemptsFor("note")
				if task.Queue != jobs.SecondaryQueue {
					want = e.cfg.AttemptsFor("contact")
				}
				if task.MaxRetry != want {
					t.Errorf("full retry profile: want MaxRetry %d on %s, got %d", want, task.Queue, task.MaxRetry)
				}
			}
			audits, _, _ := e.store.ReplayAudits(ctx, 0, 10)
			if len(audits) != 3 || !audits[2].DryRun || audits[1].Replayed != 4 || audits[0].Outcome != storage.AuditOK {
				t.Errorf("audit: want dry run, replay of 4, replay ok; got %+v", audits)
			}
		})
	}
}

func TestReplayEnqueuesOneTaskPerDistinctPayload(t *testing.T) {
	ctx := context.Background()
	e := newReplayEnv(t, testenv.Dialects(t)[0])
	// Three rows from one failed batch carry the same task payload.
	for i := 0; i < 3; i++ {
		r := storage.DLQEntry{SimulationID: e.simID, JobType: jobs.TypeRecords, ObjectType: "contact", RecordIndex: i,
			RecordKey: fmt.Sprintf("c-%d", i), Category: "server", Payload: `{"sim":1,"first":0,"end":3}`, Error: "503", Attempts: 3}
		if err := e.store.AddDLQEntry(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	res, err := jobs.NewTriage(e.store, e.queue, e.cfg).Replay(ctx, jobs.ReplayRequest{UserID: e.userID, Strategy: jobs.ReplayOldest, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	tasks, _ := e.insp.ListPendingTasks(jobs.PrimaryQueue(e.simID, 1))
	if res.Replayed != 3 || len(tasks) != 1 {
		t.Fatalf("want 3 rows replayed by 1 task, got %d rows and %d tasks", res.Replayed, len(tasks))
	}
	for _, tk := range res.Tasks {
		if tk.TaskID != tasks[0].ID {
			t.Errorf("row %d: want task %s, got %s", tk.DLQID, tasks[0].ID, tk.TaskID)
		}
	}
}

func TestReplayWithoutQueueKeepsRowsOpen(t *testing.T) {
	ctx := context.Background()
	e := newReplayEnv(t, testenv.Dialects(t)[0])
	rows := e.seed(t, 2, "timeout")
	tri := jobs.NewTriage(e.store, nil, e.cfg)
	if _, err := tri.Replay(ctx, jobs.ReplayRequest{UserID: e.userID, Limit: 5}); !errors.Is(err, jobs.ErrQueueUnavailable) {
		t.Fatalf("replay without a queue: want ErrQueueUnavailable, got %v", err)
	}
	if dry, err := tri.Replay(ctx, jobs.ReplayRequest{UserID: e.userID, Limit: 5, DryRun: true}); err != nil || dry.Selected != 2 {
		t.Fatalf("a dry run needs no queue: got %+v, %v", dry, err)
	}
	// A queue that fails every enqueue: claimed rows go back to open, the audit says so.
	broken := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer broken.Close()
	res, err := jobs.NewTriage(e.store, asynq.NewClientFromRedisClient(broken), e.cfg).Replay(ctx, jobs.ReplayRequest{UserID: e.userID, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 0 || len(res.Failed) != 2 {
		t.Fatalf("broken queue: want 0 replayed and 2 failures, got %d and %v", res.Replayed, res.Failed)
	}
	for _, r := range rows {
		got, _ := e.store.DLQEntry(ctx, r.ID)
		reps, _ := e.store.DLQReplays(ctx, r.ID)
		if got.Status != storage.DLQOpen || len(reps) != 1 || reps[0].Error == "" {
			t.Errorf("row %d after a failed enqueue: want open with the failure recorded, got %s / %+v", r.ID, got.Status, reps)
		}
	}
	audits, _, _ := e.store.ReplayAudits(ctx, 0, 1)
	if audits[0].Outcome != storage.AuditPartial || audits[0].Replayed != 0 {
		t.Errorf("audit of the failed replay: got %+v", audits[0])
	}
}

func TestCloseResolvesAndDiscardsTheFilteredOpenRows(t *testing.T) {
	ctx := context.Background()
	e := newReplayEnv(t, testenv.Dialects(t)[0])
	auth := e.seed(t, 3, "auth")
	e.seed(t, 2, "server")
	tri := jobs.NewTriage(e.store, e.queue, e.cfg)
	a, err := tri.Close(ctx, e.userID, storage.DLQFilter{Categories: []string{"auth"}}, storage.AuditResolve, "token rotated")
	if err != nil || a.Selected != 3 {
		t.Fatalf("resolve auth: want 3, got %d, %v", a.Selected, err)
	}
	got, _ := e.store.DLQEntry(ctx, auth[1].ID)
	if got.Status != storage.DLQResolved || got.Resolution != "token rotated" || got.ResolvedAt == nil || *got.ResolveAuditID != a.ID {
		t.Errorf("resolved row: %+v", got)
	}
	a, _ = tri.Close(ctx, e.userID, storage.DLQFilter{Categories: []string{"auth"}}, storage.AuditDiscard, "again")
	if a.Selected != 0 {
		t.Errorf("closing again: want 0 (only open rows), got %d", a.Selected)
	}
	open, _ := e.store.DLQCounts(ctx, e.simID)
	if open["auth"] != 0 || open["server"] != 2 {
		t.Errorf("open after resolve: got %v", open)
	}
}
