package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// apiBody is a valid POST /api/simulations body with fields replaced or removed (nil).
func apiBody(t *testing.T, set map[string]any) string {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	body := map[string]any{"name": "API run", "scenario": "b2c", "distribution": "linear",
		"startTime": start.Format(time.RFC3339), "endTime": start.Add(6 * time.Hour).Format(time.RFC3339),
		"totalRecords": 50, "pace": map[string]any{"mode": "backfill"}, "target": "sandbox", "seed": 7}
	for k, v := range set {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestAPICreateRejectsBadInputPerField(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("maker@example.com", "maker password 1")
	api := a.apiClient(t, "maker@example.com")
	huge := strings.Repeat("y", 10*1024)

	for _, tc := range []struct {
		name, body string
		status     int
		field      string
		engine     bool
	}{
		{"not JSON", `{"name": "x",`, 400, "", false},
		{"empty body", ``, 400, "", false},
		{"array", `[1, 2]`, 400, "", false},
		{"unknown scenario", apiBody(t, map[string]any{"scenario": "b2z"}), 422, "scenario", false},
		{"unknown distribution", apiBody(t, map[string]any{"distribution": 5}), 422, "distribution", false},
		{"missing name", apiBody(t, map[string]any{"name": nil}), 422, "name", false},
		{"10 kB name", apiBody(t, map[string]any{"name": huge}), 422, "name", false},
		{"date not RFC 3339", apiBody(t, map[string]any{"startTime": "02/06/2025 09:00"}), 422, "startTime", false},
		{"end past the year 9999", apiBody(t, map[string]any{"endTime": "9999-12-31T23:00:00-11:00"}), 422, "endTime", false},
		{"trailing data", apiBody(t, nil) + `{}`, 400, "", false},
		{"records as text", apiBody(t, map[string]any{"totalRecords": "many"}), 422, "totalRecords", false},
		{"records fraction", apiBody(t, map[string]any{"totalRecords": 1.5}), 422, "totalRecords", false},
		{"unknown pace", apiBody(t, map[string]any{"pace": map[string]any{"mode": "warp"}}), 422, "pace", false},
		{"factor as text", apiBody(t, map[string]any{"pace": map[string]any{"mode": "accelerated", "factor": "x"}}), 422, "paceFactor", false},
		{"someone else's connection", apiBody(t, map[string]any{"target": 12345}), 422, "target", false},
		{"unknown field", apiBody(t, map[string]any{"totalrecords": 5}), 422, "", false},
		{"end before start", apiBody(t, map[string]any{"endTime": time.Now().Format(time.RFC3339)}), 422, "endTime", true},
		{"records 0", apiBody(t, map[string]any{"totalRecords": 0}), 422, "totalRecords", true},
		{"records 1,000,001", apiBody(t, map[string]any{"totalRecords": 1000001}), 422, "totalRecords", true},
		{"custom weights wrong count", apiBody(t, map[string]any{"distribution": "custom", "hourWeights": []int{1, 2, 3}}), 422, "hourWeights", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.postJSON("/api/simulations", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("want %d, got %d: %s", tc.status, resp.StatusCode, body)
			}
			e := decode[apiError](t, body)
			if e.Error == "" {
				t.Errorf("want an error message, got %s", body)
			}
			if tc.status == 422 && e.Fields[tc.field] == "" {
				t.Errorf("want a message for field %q, got fields %v", tc.field, e.Fields)
			}
			if strings.Contains(body, huge) {
				t.Errorf("a 10 kB value must not be echoed back")
			}
		})
	}
}

func TestAPISimulationsBelongToTheirOwner(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.browser(t).signUp("boss@example.com", "boss password 1")
			a.browser(t).signUp("alice@example.com", "alice password 1")
			a.browser(t).signUp("bob@example.com", "bob password 11")
			boss, alice, bob := a.apiClient(t, "boss@example.com"), a.apiClient(t, "alice@example.com"), a.apiClient(t, "bob@example.com")
			mine := a.seedSimulation(t, a.user(t, "alice@example.com").ID, "alice's", storage.StatusQueued)
			a.seedSimulation(t, a.user(t, "bob@example.com").ID, "bob's", storage.StatusQueued)

			list := func(b *browser) []simulationJSON {
				t.Helper()
				resp, body := b.get("/api/simulations")
				if resp.StatusCode != 200 {
					t.Fatalf("list: want 200, got %d %s", resp.StatusCode, body)
				}
				return decode[struct {
					Simulations []simulationJSON `json:"simulations"`
				}](t, body).Simulations
			}
			if got := list(alice); len(got) != 1 || got[0].ID != mine.ID || got[0].Name != "alice's" {
				t.Errorf("alice's list: want only her simulation %d, got %+v", mine.ID, got)
			}
			if got := list(boss); len(got) != 2 {
				t.Errorf("boss's list: want both simulations, got %d", len(got))
			}

			path := fmt.Sprintf("/api/simulations/%d", mine.ID)
			resp, body := alice.get(path)
			got := decode[simulationJSON](t, body)
			if resp.StatusCode != 200 || got.ID != mine.ID || got.Status != "queued" || got.Target != "sandbox" || got.Seed != 42 || got.EffectiveTotal != 80 {
				t.Errorf("owner get: got %d %+v", resp.StatusCode, got)
			}
			if resp, _ := boss.get(path); resp.StatusCode != 200 {
				t.Errorf("boss get: want 200, got %d", resp.StatusCode)
			}
			for _, p := range []string{path, path + "/metrics", path + "/segments"} {
				if resp, body := bob.get(p); resp.StatusCode != http.StatusNotFound {
					t.Errorf("bob GET %s: want 404, got %d %s", p, resp.StatusCode, body)
				}
			}
			for _, action := range []string{"start", "pause", "resume", "abort"} {
				if resp, _ := bob.postJSON(path+"/"+action, `{"purge": true}`); resp.StatusCode != http.StatusNotFound {
					t.Errorf("bob POST %s: want 404, got %d", action, resp.StatusCode)
				}
			}
			if s, _ := a.store.Simulation(t.Context(), mine.ID); s.Status != storage.StatusQueued {
				t.Errorf("after bob's attempts: want queued, got %s", s.Status)
			}
			for _, bad := range []string{"abc", "0", "-7", "99999999999999999999999", "1e3"} {
				if resp, body := alice.get("/api/simulations/" + bad); resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(body, "{") {
					t.Errorf("GET /api/simulations/%s: want a JSON 404, got %d %s", bad, resp.StatusCode, body)
				}
				if resp, _ := alice.postJSON("/api/simulations/"+bad+"/pause", ``); resp.StatusCode != http.StatusNotFound {
					t.Errorf("POST /api/simulations/%s/pause: want 404, got %d", bad, resp.StatusCode)
				}
			}
			if resp, _ := a.browser(t).get("/api/simulations"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous: want 401, got %d", resp.StatusCode)
			}
		})
	}
}

func TestAPISessionCallsNeedTheCSRFHeader(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "x", storage.StatusRunning)
	b.csrf = "forged"
	if resp, _ := b.postJSON(fmt.Sprintf("/api/simulations/%d/abort", s.ID), `{"purge": true}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("session without CSRF header: want 403, got %d", resp.StatusCode)
	}
}

func TestAPICreateControlAndMetrics(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.browser(t).signUp("maker@example.com", "maker password 1")
			api := a.apiClient(t, "maker@example.com")

			resp, body := api.postJSON("/api/simulations", apiBody(t, map[string]any{"timeZone": "Europe/Berlin"}))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create: want 201, got %d %s", resp.StatusCode, body)
			}
			s := decode[simulationJSON](t, body)
			if s.ID == 0 || s.Name != "API run" || s.Status != "queued" || s.Seed != 7 || s.Pace.Mode != "backfill" || s.TimeZone != "Europe/Berlin" {
				t.Errorf("created: got %+v", s)
			}
			if s.EffectiveTotal != 90 { // b2c multiplies by 1.8
				t.Errorf("effective total: want 50 × 1.8 = 90, got %d", s.EffectiveTotal)
			}
			path := fmt.Sprintf("/api/simulations/%d", s.ID)

			resp, body = api.postJSON(path+"/pause", ``)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(decode[apiError](t, body).Error, "is queued, so it cannot be paused") {
				t.Errorf("pause a queued simulation: want 409 that explains, got %d %s", resp.StatusCode, body)
			}
			if resp, body := api.postJSON(path+"/start", ``); resp.StatusCode != 200 || decode[simulationJSON](t, body).Status == "queued" {
				t.Fatalf("start: want 200 and a new status, got %d %s", resp.StatusCode, body)
			}
			if resp, body := api.postJSON(path+"/start", ``); resp.StatusCode != http.StatusConflict {
				t.Errorf("start twice: want 409, got %d %s", resp.StatusCode, body)
			}

			resp, body = api.get(path + "/metrics")
			m := decode[metricsJSON](t, body)
			if resp.StatusCode != 200 || (m.Source != "redis" && m.Source != "db") || m.EffectiveTotal != 90 {
				t.Errorf("metrics: want 200 from redis or db for 90 records, got %d %s", resp.StatusCode, body)
			}
			for _, typ := range []string{"contacts", "companies", "deals", "tickets", "notes", "calls", "tasks", "meetings"} {
				if _, ok := m.Created[typ]; !ok {
					t.Errorf("metrics: want created.%s present, got %v", typ, m.Created)
				}
			}
			if resp, body := api.get(path + "/segments"); resp.StatusCode != 200 || !strings.Contains(body, `"segments":[`) {
				t.Errorf("segments: got %d %s", resp.StatusCode, body)
			}

			if resp, body := api.postJSON(path+"/abort", `{"purge": tru`); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("abort with broken JSON: want 400, got %d %s", resp.StatusCode, body)
			}
			resp, body = api.postJSON(path+"/abort", `{"purge": true}`)
			if resp.StatusCode != 200 || decode[simulationJSON](t, body).Status != "aborted" {
				t.Fatalf("abort: want 200 aborted, got %d %s", resp.StatusCode, body)
			}
			for _, action := range []string{"start", "pause", "resume", "abort"} {
				if resp, body := api.postJSON(path+"/"+action, ``); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "is aborted") {
					t.Errorf("%s after abort: want 409, got %d %s", action, resp.StatusCode, body)
				}
			}
		})
	}
}

func TestPagesRenderWhileRedisIsDown(t *testing.T) {
	proc := testenv.StartRedisProcess(t)
	a := newTestApp(t, testenv.Dialects(t)[0], proc.URL())
	a.redis.Watch(200 * time.Millisecond)
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "outage", storage.StatusRunning)

	proc.Stop()
	waitFor(t, 3*time.Second, "outage noticed", func() bool { return !a.redis.Up() })
	for _, path := range []string{"/", "/simulations/new", fmt.Sprintf("/simulations/%d", s.ID), fmt.Sprintf("/fragments/simulations/%d/metrics", s.ID)} {
		resp, body := b.get(path)
		if resp.StatusCode != 200 {
			t.Errorf("%s with Redis down: want 200, got %d", path, resp.StatusCode)
		}
		if !strings.HasPrefix(path, "/fragments/") && doc(t, body).Find("#redis-disabled").Length() != 1 {
			t.Errorf("%s: want the redis-disabled badge", path)
		}
	}
	_, body := b.get(fmt.Sprintf("/simulations/%d", s.ID))
	if got := doc(t, body).Find("#metrics-source").Text(); got != "source: db" {
		t.Errorf("metrics source with Redis down: want %q, got %q", "source: db", got)
	}
	resp, body := a.apiClient(t, "maker@example.com").get(fmt.Sprintf("/api/simulations/%d/metrics", s.ID))
	if resp.StatusCode != 200 || decode[metricsJSON](t, body).Source != "db" {
		t.Errorf("API metrics with Redis down: want 200 from db, got %d %s", resp.StatusCode, body)
	}
}
