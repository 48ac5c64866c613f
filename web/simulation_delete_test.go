package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Deleting a finished simulation removes its rows, ledger, segments, DLQ rows and
// Redis keys, leaves other simulations and the target's objects alone, and never
// gives its id out again; a running one is refused.
func TestDeleteSimulation(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.runWorkers(t)
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			keep := runToEnd(t, a, api, map[string]any{"totalRecords": 10, "name": "keep"})
			gone := runToEnd(t, a, api, map[string]any{"totalRecords": 10, "name": "gone"})
			dlqRows(t, a, gone.ID, 2, "server", false)
			running := a.seedSimulation(t, a.user(t, "player@example.com").ID, "busy", storage.StatusRunning)

			counts := func(id int64) (ledger, segments, dlq, transitions int) {
				t.Helper()
				l, _ := a.store.LedgerCounts(ctx, id)
				for _, n := range l {
					ledger += int(n)
				}
				s, _ := a.store.Segments(ctx, id)
				q, _ := a.store.DLQTallies(ctx, id)
				for _, n := range q {
					dlq += int(n)
				}
				tr, _ := a.store.SimulationTransitions(ctx, id)
				return ledger, len(s), dlq, len(tr)
			}
			keys := func(id int64) int {
				t.Helper()
				ks, err := a.redis.Client.Keys(ctx, "sim:"+strconv.FormatInt(id, 10)+":*").Result()
				if err != nil {
					t.Fatal(err)
				}
				return len(ks)
			}
			if l, s, q, tr := counts(gone.ID); l == 0 || s == 0 || q != 2 || tr == 0 || keys(gone.ID) == 0 {
				t.Fatalf("before: want ledger, segments, 2 DLQ rows, transitions and Redis keys, got %d %d %d %d %d", l, s, q, tr, keys(gone.ID))
			}
			keepLedger, keepSegs, _, _ := counts(keep.ID)
			keepKeys := keys(keep.ID)
			inTarget := sandboxObjects(t, a, gone.ID)

			// Running: refused through the API and the page's htmx form.
			if resp, body := api.do(httpRequest(http.MethodDelete, "/api/simulations/"+strconv.FormatInt(running.ID, 10))); resp.StatusCode != http.StatusConflict {
				t.Fatalf("delete running: want 409, got %d: %s", resp.StatusCode, body)
			}
			b.get("/simulations/" + strconv.FormatInt(running.ID, 10))
			resp, body := b.htmx(http.MethodPost, "/simulations/"+strconv.FormatInt(running.ID, 10)+"/delete", url.Values{})
			if resp.Header.Get("X-SimCRM-Status") != "409" || doc(t, body).Find("#control-error").Length() != 1 {
				t.Fatalf("delete running from the page: want the controls with a 409 message, got %d %q", resp.StatusCode, body)
			}
			// Someone else cannot delete it.
			other := a.apiClient(t, func() string {
				a.browser(t).signUp("other@example.com", "other password 1")
				return "other@example.com"
			}())
			if resp, _ := other.do(httpRequest(http.MethodDelete, "/api/simulations/"+strconv.FormatInt(gone.ID, 10))); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("delete someone else's: want 404, got %d", resp.StatusCode)
			}

			// The page's form deletes and lands on the dashboard.
			b.get("/simulations/" + strconv.FormatInt(gone.ID, 10))
			resp, _ = b.htmx(http.MethodPost, "/simulations/"+strconv.FormatInt(gone.ID, 10)+"/delete", url.Values{})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != "/" {
				t.Fatalf("delete: want 200 with HX-Redirect /, got %d %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
			}
			if _, err := a.store.Simulation(ctx, gone.ID); err != storage.ErrNotFound {
				t.Errorf("the simulation row: want gone, got %v", err)
			}
			if l, s, q, tr := counts(gone.ID); l+s+q+tr != 0 || keys(gone.ID) != 0 {
				t.Errorf("after: want no ledger, segments, DLQ, transitions or keys, got %d %d %d %d %d", l, s, q, tr, keys(gone.ID))
			}
			if l, s, _, _ := counts(keep.ID); l != keepLedger || s != keepSegs || keys(keep.ID) != keepKeys {
				t.Errorf("the other simulation changed: ledger %d→%d, segments %d→%d, keys %d→%d", keepLedger, l, keepSegs, s, keepKeys, keys(keep.ID))
			}
			if after := sandboxObjects(t, a, gone.ID); after != inTarget || after == 0 {
				t.Errorf("objects in the target: want the %d kept, got %d", inTarget, after)
			}
			if resp, _ := b.get("/simulations/" + strconv.FormatInt(gone.ID, 10)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("deleted simulation's page: want 404, got %d", resp.StatusCode)
			}
			// Its id is never given out again, even when it was the newest.
			if err := a.store.DeleteSimulation(ctx, running.ID, 1); err == nil {
				t.Fatal("running: want refused by storage too")
			}
			if _, err := a.store.TransitionSimulation(ctx, running.ID, []string{storage.StatusRunning}, storage.StatusAborted, "test"); err != nil {
				t.Fatal(err)
			}
			if resp, _ := api.do(httpRequest(http.MethodDelete, "/api/simulations/"+strconv.FormatInt(running.ID, 10))); resp.StatusCode != http.StatusNoContent {
				t.Fatalf("delete aborted: want 204, got %d", resp.StatusCode)
			}
			fresh := a.seedSimulation(t, a.user(t, "player@example.com").ID, "fresh", storage.StatusQueued)
			if fresh.ID <= running.ID {
				t.Errorf("a new simulation got id %d; deleted ids up to %d must not come back", fresh.ID, running.ID)
			}
		})
	}
}

func httpRequest(method, path string) *http.Request {
	req, _ := http.NewRequest(method, path, nil)
	return req
}

// sandboxObjects counts the sandbox's live objects (every type) that name a simulation.
func sandboxObjects(t *testing.T, a *testApp, simID int64) int {
	t.Helper()
	counts, err := a.sb.SimulationCounts(context.Background(), strconv.FormatInt(simID, 10))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
