package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

// The boss changes a scenario in the editor: bad values get a message beside their
// field and store nothing; a good change is a new version with who/when and a diff;
// simulations created afterwards use it; a roll back is a new version again.
func TestScenarioEditor(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			player := a.browser(t)
			player.signUp("player@example.com", "player password 1")
			ctx := context.Background()

			if resp, _ := player.get("/boss/scenarios/b2b"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
				t.Fatalf("player opening the editor: want 403 or 404, got %d", resp.StatusCode)
			}
			if resp, _ := boss.get("/boss/scenarios/nope"); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("unknown scenario: want 404, got %d", resp.StatusCode)
			}
			resp, body := boss.get("/boss/scenarios/b2b")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("editor: want 200, got %d", resp.StatusCode)
			}
			if v, _ := doc(t, body).Find(`input[name="win_rate"]`).Attr("value"); v != "0.6" {
				t.Fatalf("win_rate input: want the built-in 0.6, got %q", v)
			}

			// Bad values: a message beside each, nothing stored, the typed text kept.
			resp, body = boss.post("/boss/scenarios/b2b", url.Values{"win_rate": {"1.5"}, "cap.calls": {"2.5"}, "p_deal": {"lots"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad values: want 422, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			for _, key := range []string{"win_rate", "cap.calls", "p_deal"} {
				if msg := page.Find(`#param-` + strings.ReplaceAll(key, ".", `\.`) + ` .field-error`).Text(); msg == "" {
					t.Errorf("%s: want a message beside the field", key)
				}
			}
			if v, _ := page.Find(`input[name="p_deal"]`).Attr("value"); v != "lots" {
				t.Errorf("typed text: want it kept, got %q", v)
			}
			if v, _ := a.store.LatestScenarioVersion(ctx, "b2b"); v != 0 {
				t.Fatalf("bad values must store nothing, got version %d", v)
			}
			// A cross-field rule names its field too.
			if resp, body = boss.post("/boss/scenarios/b2b", url.Values{"delay.task_min": {"999"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
				doc(t, body).Find(`#err-delay\.task_min`).Text() == "" {
				t.Fatalf("min above max: want 422 with a message beside delay.task_min, got %d", resp.StatusCode)
			}

			// A good change: version 1, only what differs from the built-in scenario.
			resp, _ = boss.post("/boss/scenarios/b2b", url.Values{"win_rate": {"0.75"}, "budget.notes": {"5000"}, "cap.calls": {"2"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: want 303, got %d", resp.StatusCode)
			}
			vs, err := a.store.ScenarioVersions(ctx, "b2b")
			if err != nil || len(vs) != 1 || vs[0].Overrides != `{"cap.calls":2,"win_rate":0.75}` {
				t.Fatalf("want one version with the two changes, got %+v, %v", vs, err)
			}
			_, body = boss.get(resp.Header.Get("Location"))
			page = doc(t, body)
			if !strings.Contains(page.Find("#notice").Text(), "version 1") {
				t.Errorf("notice: want the new version named, got %q", page.Find("#notice").Text())
			}
			hist := page.Find("#version-1").Text()
			for _, want := range []string{"boss@example.com", "win_rate", "0.6 → 0.75", "cap.calls"} {
				if !strings.Contains(hist, want) {
					t.Errorf("history: want %q in %q", want, hist)
				}
			}
			// Saving the same values again adds no version.
			boss.post("/boss/scenarios/b2b", url.Values{"win_rate": {"0.75"}, "cap.calls": {"2"}})
			if v, _ := a.store.LatestScenarioVersion(ctx, "b2b"); v != 1 {
				t.Errorf("unchanged save: want version 1 kept, got %d", v)
			}

			// A simulation created now is planned with version 1.
			api := a.apiClient(t, "player@example.com")
			resp, body = api.postJSON("/api/simulations", apiBody(t, map[string]any{"scenario": "b2b"}))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create: want 201, got %d: %s", resp.StatusCode, body)
			}
			if got := decode[simulationJSON](t, body).ScenarioVersion; got != 1 {
				t.Errorf("new simulation: want scenario version 1, got %d", got)
			}

			// Roll back to the built-in values: version 2 with no overrides.
			if resp, _ = boss.post("/boss/scenarios/b2b/rollback", url.Values{"version": {"0"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("roll back: want 303, got %d", resp.StatusCode)
			}
			vs, _ = a.store.ScenarioVersions(ctx, "b2b")
			if len(vs) != 2 || vs[0].Overrides != `{}` {
				t.Fatalf("roll back: want version 2 with no overrides, got %+v", vs)
			}
			if resp, _ = boss.post("/boss/scenarios/b2b/rollback", url.Values{"version": {"9"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("roll back to a missing version: want 422, got %d", resp.StatusCode)
			}
			if resp, _ = player.post("/boss/scenarios/b2b", url.Values{"win_rate": {"0.1"}}); resp.StatusCode < 400 {
				t.Errorf("player saving: want refused, got %d", resp.StatusCode)
			}
		})
	}
}

// The API mirrors the editor: read, replace the overrides, roll back.
func TestScenarioAPI(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("boss@example.com", "boss password 1")
	api := a.apiClient(t, "boss@example.com")
	put := func(body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPut, "/api/scenarios/saas", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return api.do(req)
	}
	if resp, body := put(`{"overrides": {"win_rate": 3, "budget.notez": 1}}`); resp.StatusCode != http.StatusUnprocessableEntity ||
		len(decode[apiError](t, body).Fields) != 2 {
		t.Fatalf("bad overrides: want 422 naming both keys, got %d: %s", resp.StatusCode, body)
	}
	if resp, body := put(`{"overrides": "x"}`); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed: want 400, got %d: %s", resp.StatusCode, body)
	}
	resp, body := put(`{"overrides": {"win_rate": 0.33}}`)
	if resp.StatusCode != http.StatusCreated || decode[scenarioVersionJSON](t, body).Version != 1 {
		t.Fatalf("put: want 201 version 1, got %d: %s", resp.StatusCode, body)
	}
	_, body = api.get("/api/scenarios/saas")
	got := decode[scenarioJSON](t, body)
	if got.Version != 1 || got.Overrides["win_rate"] != 0.33 || len(got.Versions) != 1 || len(got.Parameters) == 0 {
		t.Fatalf("get: want version 1 with win_rate 0.33, got %+v", got)
	}
	resp, body = api.postJSON("/api/scenarios/saas/rollback", `{"version": 0}`)
	if resp.StatusCode != http.StatusOK || decode[scenarioVersionJSON](t, body).Version != 2 {
		t.Fatalf("roll back: want version 2, got %d: %s", resp.StatusCode, body)
	}
	if resp, _ := api.postJSON("/api/scenarios/saas/rollback", `{}`); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("roll back without a version: want 422, got %d", resp.StatusCode)
	}
}
