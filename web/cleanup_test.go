package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// startWorkers runs the app's workers, reconciler and notifier like runWorkers, but
// hands back a stop that a test calls to "crash" them mid-work.
func (a *testApp) startWorkers(t *testing.T) (stop func()) {
	t.Helper()
	srv := jobs.NewServer(a.redis.Client, jobs.ServerOptions{Concurrency: 8, ShutdownTimeout: 200 * time.Millisecond, Log: a.log,
		RetryDelay: a.engine.Worker.RetryDelay, ErrorHandler: asynq.ErrorHandlerFunc(a.engine.Worker.HandleError)})
	mux := asynq.NewServeMux()
	a.engine.Worker.Register(mux)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.engine.Reconciler.Run(ctx); close(done) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			srv.Shutdown()
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// liveInSandbox counts the sandbox's live objects that name a simulation, per type
// (singular, as the ledger names them).
func liveInSandbox(t *testing.T, a *testApp, simID int64) map[string]int64 {
	t.Helper()
	counts, err := a.sb.SimulationCounts(context.Background(), strconv.FormatInt(simID, 10))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for typ, n := range counts {
		out[singular(typ)] = int64(n)
	}
	return out
}

func singular(plural string) string {
	switch plural {
	case "companies":
		return "company"
	}
	return plural[:len(plural)-1]
}

// ledgerObjects is a simulation's ledger counts of objects (its updates left out:
// they are changes to objects, not objects to clean up).
func ledgerObjects(t *testing.T, a *testApp, simID int64) map[string]int64 {
	t.Helper()
	counts, err := a.store.LedgerCounts(context.Background(), simID)
	if err != nil {
		t.Fatal(err)
	}
	for k := range counts {
		if sim.Kind(k).IsUpdate() {
			delete(counts, k)
		}
	}
	return counts
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// inCleanupState counts a simulation's ledger objects in one clean-up state
// (archived, failed, pending, shared), over every type.
func inCleanupState(t *testing.T, a *testApp, simID int64, state string) int64 {
	t.Helper()
	counts, err := a.store.CleanupCounts(context.Background(), simID)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, m := range counts {
		n += m[state]
	}
	return n
}

func waitCleanup(t *testing.T, a *testApp, simID int64, within time.Duration) storage.Cleanup {
	t.Helper()
	var cl storage.Cleanup
	waitFor(t, within, "cleanup done", func() bool {
		var err error
		cl, err = a.store.Cleanup(context.Background(), simID)
		return err == nil && cl.Status == storage.CleanupDone
	})
	return cl
}

// Two simulations share the sandbox; cleaning up the 2,000-record one (dry run
// first, then the page's button) leaves exactly the other one's objects.
func TestCleanupLeavesOtherSimulationsObjects(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.startWorkers(t)
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			big := runToEnd(t, a, api, map[string]any{"name": "big", "scenario": "b2b", "totalRecords": 2500}) // ×0.8 = 2,000 records
			small := runToEnd(t, a, api, map[string]any{"name": "small", "totalRecords": 60})
			if big.EffectiveTotal != 2000 {
				t.Fatalf("want a 2,000-record simulation, got %d", big.EffectiveTotal)
			}
			bigLedger, smallLedger := ledgerObjects(t, a, big.ID), ledgerObjects(t, a, small.ID)
			if got := liveInSandbox(t, a, big.ID); sum(got) != sum(bigLedger) {
				t.Fatalf("before: the sandbox holds %d of big's objects, its ledger %d", sum(got), sum(bigLedger))
			}
			id := strconv.FormatInt(big.ID, 10)

			// The dry run: every ledger object to archive, nothing archived yet.
			_, body := api.get("/api/simulations/" + id + "/cleanup")
			dry := decode[cleanupJSON](t, body)
			if dry.Total.Pending != sum(bigLedger) || dry.Total.Archived != 0 || !dry.CanStart || dry.Status != "" {
				t.Fatalf("dry run: want %d to archive and nothing done, got %+v", sum(bigLedger), dry)
			}
			if dry.Types["notes"].Pending != bigLedger["note"] || dry.Types["companies"].Pending != bigLedger["company"] {
				t.Errorf("dry run per type: want notes %d companies %d, got %+v", bigLedger["note"], bigLedger["company"], dry.Types)
			}
			if after := liveInSandbox(t, a, big.ID); sum(after) != sum(bigLedger) {
				t.Fatalf("the dry run must archive nothing: %d live, want %d", sum(after), sum(bigLedger))
			}

			// An object the ledger never heard of (its write lost in a crash) still names
			// the simulation: the search by simcrm_simulation_id finds it.
			hc, err := hubspot.NewClient(a.cfg.SandboxURL, a.cfg.SandboxToken)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hc.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: map[string]string{
				"email": "stray@example.com", hubspot.SimulationIDProperty: id}}); err != nil {
				t.Fatal(err)
			}

			// The report page's button (htmx, confirmed on the form) starts it.
			_, body = b.get("/simulations/" + id + "/report")
			form := doc(t, body).Find("#cleanup-panel form")
			if _, ok := form.Attr("hx-confirm"); !ok {
				t.Fatal("the clean-up form must ask for confirmation (hx-confirm on the form htmx submits)")
			}
			resp, body := b.htmx(http.MethodPost, "/simulations/"+id+"/cleanup", url.Values{})
			if resp.StatusCode != http.StatusOK || doc(t, body).Find("#cleanup-panel[hx-trigger]").Length() != 1 {
				t.Fatalf("start: want the panel polling, got %d", resp.StatusCode)
			}
			cl := waitCleanup(t, a, big.ID, 3*time.Minute)

			if got := liveInSandbox(t, a, big.ID); sum(got) != 0 {
				t.Errorf("after: want none of big's objects left, got %v", got)
			}
			got := liveInSandbox(t, a, small.ID)
			for typ, n := range smallLedger {
				if got[typ] != n {
					t.Errorf("small's %s: want the %d it created, got %d", typ, n, got[typ])
				}
			}
			all, _ := a.store.Sandbox().Counts(ctx)
			var live int64
			for _, n := range all {
				live += int64(n)
			}
			if live != sum(smallLedger) {
				t.Errorf("the sandbox: want exactly small's %d objects, got %d (%v)", sum(smallLedger), live, all)
			}
			_, body = api.get("/api/simulations/" + id + "/cleanup")
			final := decode[cleanupJSON](t, body)
			if final.Found != 1 {
				t.Errorf("the search fallback: want the 1 object outside the ledger archived, got %d", final.Found)
			}
			if final.Total.Archived != sum(bigLedger) || final.Total.Pending != 0 || final.Total.Failed != 0 || cl.Message == "" {
				t.Errorf("after: want all %d archived, got %+v (%q)", sum(bigLedger), final, cl.Message)
			}
			if dlq, _ := a.store.DLQTallies(ctx, big.ID); len(dlq) != 0 {
				t.Errorf("after: want no DLQ rows, got %v", dlq)
			}
			// The fragment stops polling once it is done.
			if resp, _ := b.htmx(http.MethodGet, "/fragments/simulations/"+id+"/cleanup", nil); resp.StatusCode != 286 {
				t.Errorf("fragment when done: want 286, got %d", resp.StatusCode)
			}
		})
	}
}

// A worker that dies mid-clean-up, with Redis flushed on top (the queued task is
// gone), is resumed by the next worker's reconciler and ends with nothing left and
// nothing failed; a running simulation cannot be cleaned up.
func TestCleanupResumesAfterACrash(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			stop := a.startWorkers(t)
			ctx := context.Background()
			a.browser(t).signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			s := runToEnd(t, a, api, map[string]any{"name": "crash", "totalRecords": 600})
			ledger := ledgerObjects(t, a, s.ID)
			id := strconv.FormatInt(s.ID, 10)

			running := a.seedSimulation(t, a.user(t, "player@example.com").ID, "busy", storage.StatusRunning)
			if resp, _ := api.postJSON("/api/simulations/"+strconv.FormatInt(running.ID, 10)+"/cleanup", ``); resp.StatusCode != http.StatusConflict {
				t.Errorf("cleaning up a running simulation: want 409, got %d", resp.StatusCode)
			}

			// Slow calls, so the crash lands mid-way.
			if err := a.sb.SetFaults(sandbox.Faults{Latency: 250 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if resp, body := api.postJSON("/api/simulations/"+id+"/cleanup", ``); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("start: want 202, got %d: %s", resp.StatusCode, body)
			}
			waitFor(t, time.Minute, "some archived", func() bool {
				return inCleanupState(t, a, s.ID, storage.CleanupArchived) > 0
			})
			stop()                                                    // the worker dies…
			if err := a.redis.Client.FlushDB(ctx).Err(); err != nil { // …and Redis loses its queue
				t.Fatal(err)
			}
			if inCleanupState(t, a, s.ID, storage.CleanupPending) == 0 {
				t.Fatal("the crash came too late: nothing was left to resume")
			}
			if err := a.sb.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			a.startWorkers(t) // a new worker; its reconciler finds the running clean-up
			cl := waitCleanup(t, a, s.ID, 2*time.Minute)

			if got := liveInSandbox(t, a, s.ID); sum(got) != 0 {
				t.Errorf("after the resume: want nothing left, got %v", got)
			}
			_, body := api.get("/api/simulations/" + id + "/cleanup")
			final := decode[cleanupJSON](t, body)
			if final.Total.Archived != sum(ledger) || final.Total.Failed != 0 {
				t.Errorf("after the resume: want all %d archived and none failed, got %+v (%s)", sum(ledger), final.Total, cl.Message)
			}
			if dlq, _ := a.store.DLQTallies(ctx, s.ID); len(dlq) != 0 {
				t.Errorf("after the resume: want no DLQ rows, got %v", dlq)
			}
		})
	}
}

// Objects whose archive failed for good (the target refused it) are in the DLQ
// and the clean-up says how many; replaying those rows once the target takes
// calls again archives exactly them, and the clean-up then says nothing is left.
func TestCleanupFailuresReplayFromTheDLQ(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.startWorkers(t)
			ctx := context.Background()
			a.browser(t).signUp("boss@example.com", "boss password 12") // the first account is the boss
			api := a.apiClient(t, "boss@example.com")
			s := runToEnd(t, a, api, map[string]any{"name": "refused", "totalRecords": 60})
			ledger := ledgerObjects(t, a, s.ID)
			id := strconv.FormatInt(s.ID, 10)

			if err := a.sb.SetFaults(sandbox.Faults{Force403: true}); err != nil {
				t.Fatal(err)
			}
			if resp, body := api.postJSON("/api/simulations/"+id+"/cleanup", ``); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("start: want 202, got %d: %s", resp.StatusCode, body)
			}
			waitFor(t, time.Minute, "archives refused into the DLQ", func() bool {
				n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID})
				return n > 0
			})
			if err := a.sb.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			cl := waitCleanup(t, a, s.ID, 2*time.Minute)
			failed, _ := a.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID})
			if left := sum(liveInSandbox(t, a, s.ID)); left != failed || !strings.Contains(cl.Message, strconv.FormatInt(failed, 10)+" objects could not be archived") {
				t.Fatalf("after the refusals: want the %d DLQ objects left and said, got %d left, %q", failed, left, cl.Message)
			}

			// DLQ_REPLAY_LIMIT_CAP rows a call; archived a hundred to a call.
			for range 5 {
				if n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID, Status: storage.DLQOpen}); n == 0 {
					break
				}
				resp, body := api.postJSON("/api/simulations/"+id+"/dlq/replay", `{"dryRun": false, "limit": 50}`)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("replay: want 200, got %d: %s", resp.StatusCode, body)
				}
			}
			waitFor(t, time.Minute, "the replayed archives done", func() bool {
				return inCleanupState(t, a, s.ID, storage.CleanupArchived) == sum(ledger)
			})
			if left := liveInSandbox(t, a, s.ID); sum(left) != 0 {
				t.Errorf("after the replay: want nothing left, got %v", left)
			}
			cl, _ = a.store.Cleanup(ctx, s.ID)
			if cl.Message != "Every object of this simulation is gone from the target." {
				t.Errorf("after the replay the clean-up says %q", cl.Message)
			}
			if n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID, Status: storage.DLQOpen}); n != 0 {
				t.Errorf("after the replay: %d rows still open", n)
			}
		})
	}
}
