package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

func TestSimulationPagesAreOwnedByTheirUser(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	boss := a.browser(t)
	boss.signUp("boss@example.com", "boss password 1")
	alice := a.browser(t)
	alice.signUp("alice@example.com", "alice password 1")
	bob := a.browser(t)
	bob.signUp("bob@example.com", "bob password 11")
	s := a.seedSimulation(t, a.user(t, "alice@example.com").ID, "Alice's run", storage.StatusRunning)
	id := strconv.FormatInt(s.ID, 10)

	for _, path := range []string{"/simulations/" + id, "/fragments/simulations/" + id + "/metrics", "/fragments/simulations/" + id + "/segments"} {
		if resp, _ := alice.get(path); resp.StatusCode != 200 {
			t.Errorf("owner %s: want 200, got %d", path, resp.StatusCode)
		}
		if resp, _ := bob.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("other player %s: want 404, got %d", path, resp.StatusCode)
		}
		if resp, _ := boss.get(path); resp.StatusCode != 200 {
			t.Errorf("boss %s: want 200, got %d", path, resp.StatusCode)
		}
	}
	bob.get("/")
	if resp, _ := bob.post("/simulations/"+id+"/abort", url.Values{"purge": {"1"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other player aborting: want 404, got %d", resp.StatusCode)
	}
	if got, _ := a.store.Simulation(t.Context(), s.ID); got.Status != storage.StatusRunning {
		t.Errorf("after a refused abort: want running, got %s", got.Status)
	}
	_, body := bob.get("/")
	if strings.Contains(body, "Alice&#39;s run") || strings.Contains(body, "Alice's run") {
		t.Errorf("bob's dashboard must not list alice's simulation")
	}
	_, body = boss.get("/?scope=all")
	if row := doc(t, body).Find("#sim-row-" + id); !strings.Contains(row.Text(), "alice@example.com") {
		t.Errorf("boss, everyone's: want alice's simulation with its owner, got %q", row.Text())
	}
	for _, bad := range []string{"abc", "0", "-1", "99999999999999999999999", "1.5", "%20"} {
		for _, path := range []string{"/simulations/" + bad, "/fragments/simulations/" + bad + "/metrics"} {
			if resp, _ := alice.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: want 404, got %d", path, resp.StatusCode)
			}
		}
	}
}

func TestSimulationPageShowsStatusReasonAndControls(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "Daily capped", storage.StatusRunning)
	reason := "paused: HubSpot's DAILY limit is used up; resumes after midnight in the portal's time zone"
	if _, err := a.store.TransitionSimulation(t.Context(), s.ID, []string{storage.StatusRunning}, storage.StatusPaused, reason); err != nil {
		t.Fatal(err)
	}
	resp, body := b.get(fmt.Sprintf("/simulations/%d", s.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("want 200, got %d", resp.StatusCode)
	}
	page := doc(t, body)
	if got := page.Find("#sim-status").Text(); got != "paused" {
		t.Errorf("status: want paused, got %q", got)
	}
	if got := page.Find("#sim-status-reason").Text(); got != reason {
		t.Errorf("reason: want %q, got %q", reason, got)
	}
	if page.Find("#sim-controls #btn-resume").Length() != 1 || page.Find("#sim-controls #btn-abort").Length() != 1 || page.Find("#btn-pause").Length() != 0 {
		t.Errorf("paused: want Resume and Abort only")
	}
	if page.Find("#sim-panels").Length() != 1 {
		t.Errorf("the DLQ/thinning panel slot is missing")
	}
}
