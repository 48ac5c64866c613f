package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

const dtLocal = "2006-01-02T15:04"

// validForm is a new-simulation form the engine accepts: tomorrow, one day, 1,000 records.
func validForm() url.Values {
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	return url.Values{"name": {"Demo run"}, "scenario": {"b2b"}, "distribution": {"bell_curve"},
		"startTime": {start.Format(dtLocal)}, "endTime": {start.Add(24 * time.Hour).Format(dtLocal)}, "timeZone": {"UTC"},
		"totalRecords": {"1000"}, "pace": {"accelerated"}, "paceFactor": {"60"}, "target": {"sandbox"}, "seed": {""}}
}

func weights(n int, v string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestNewSimulationFormRejectsBadInputBesideTheField(t *testing.T) {
	huge := strings.Repeat("x", 10*1024)
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	cases := []struct {
		name    string
		set     url.Values
		field   string
		message string // "" = any message (the engine's wording)
		engine  bool   // the engine judges this one
	}{
		{"empty name", url.Values{"name": {""}}, "name", "Give the simulation a name", false},
		{"everything empty", url.Values{"name": {""}, "scenario": {""}, "distribution": {""}, "startTime": {""}, "endTime": {""},
			"totalRecords": {""}, "pace": {""}, "target": {""}}, "totalRecords", "Enter how many records", false},
		{"unknown scenario", url.Values{"scenario": {"b2z"}}, "scenario", "Choose one of the scenarios", false},
		{"unknown distribution", url.Values{"distribution": {"zigzag"}}, "distribution", "Choose one of the distributions", false},
		{"unknown pace", url.Values{"pace": {"warp"}}, "pace", "real time, accelerated or backfill", false},
		{"unknown time zone", url.Values{"timeZone": {"Mars/Olympus"}}, "timeZone", "Unknown time zone", false},
		{"unknown target", url.Values{"target": {"999"}}, "target", "sandbox or one of your HubSpot connections", false},
		{"bad start date", url.Values{"startTime": {"tomorrow"}}, "startTime", "Use a date and time", false},
		{"bad end date", url.Values{"endTime": {"2025-13-45T99:00"}}, "endTime", "Use a date and time", false},
		{"end past the year 9999", url.Values{"startTime": {"9999-12-31T00:00"}, "endTime": {"9999-12-31T23:00"},
			"timeZone": {"Pacific/Pago_Pago"}}, "endTime", "Use a time from 1970 to 9999.", false},
		{"records not a number", url.Values{"totalRecords": {"12abc"}}, "totalRecords", "whole number", false},
		{"records huge number", url.Values{"totalRecords": {"99999999999999999999999"}}, "totalRecords", "whole number", false},
		{"factor not a number", url.Values{"paceFactor": {"fast"}}, "paceFactor", "Enter a number", false},
		{"seed not a number", url.Values{"seed": {"lucky"}}, "seed", "whole number", false},
		{"10 kB name", url.Values{"name": {huge}}, "name", "at most 200", false},
		{"10 kB records", url.Values{"totalRecords": {huge}}, "totalRecords", "whole number", false},
		{"custom weight not a number", url.Values{"distribution": {"custom"}, "hourWeights": append(weights(23, "1"), "x")}, "hourWeights", "Hour 23", false},
		{"end before start", url.Values{"endTime": {start.Add(-time.Hour).Format(dtLocal)}}, "endTime", "", true},
		{"window over 30 days", url.Values{"endTime": {start.Add(31 * 24 * time.Hour).Format(dtLocal)}}, "endTime", "", true},
		{"records 0", url.Values{"totalRecords": {"0"}}, "totalRecords", "", true},
		{"records 1,000,001", url.Values{"totalRecords": {"1000001"}}, "totalRecords", "", true},
		{"factor below 1", url.Values{"paceFactor": {"0.5"}}, "paceFactor", "", true},
		{"custom weights wrong count", url.Values{"distribution": {"custom"}, "hourWeights": weights(23, "1")}, "hourWeights", "", true},
	}
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					b.get("/simulations/new")
					form := validForm()
					for k, v := range tc.set {
						form[k] = v
					}
					resp, body := b.post("/simulations", form)
					if resp.StatusCode != http.StatusUnprocessableEntity {
						t.Fatalf("want 422, got %d", resp.StatusCode)
					}
					page := doc(t, body)
					msg := strings.TrimSpace(page.Find("#field-" + tc.field + " #err-" + tc.field).Text())
					if msg == "" || !strings.Contains(msg, tc.message) {
						t.Errorf("message beside %s: want %q, got %q (form error %q)", tc.field, tc.message, msg, page.Find("#form-error").Text())
					}
					if strings.Contains(body, huge) {
						t.Errorf("a 10 kB value must not be echoed back")
					}
					if page.Find("#sim-preview").Length() != 1 {
						t.Errorf("the re-rendered form must keep its preview panel")
					}
				})
			}
			sims, err := a.store.Simulations(t.Context(), storage.SimulationFilter{})
			if err != nil || len(sims) != 0 {
				t.Fatalf("bad input must store nothing: %d simulations, err %v", len(sims), err)
			}
		})
	}
}

func TestNewSimulationFormCreatesAndOpensTheSimulation(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			resp, body := b.get("/simulations/new")
			if resp.StatusCode != 200 || doc(t, body).Find("#sim-preview svg#preview-chart rect.bar").Length() == 0 {
				t.Fatalf("new form: want 200 with a preview chart, got %d", resp.StatusCode)
			}
			form := validForm()
			form.Set("seed", "1234")
			resp, body = b.post("/simulations", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: want 303, got %d: %s", resp.StatusCode, doc(t, body).Find(".field-error, #form-error").Text())
			}
			loc := resp.Header.Get("Location")
			if !strings.HasPrefix(loc, "/simulations/") {
				t.Fatalf("create: want a redirect to the simulation, got %q", loc)
			}
			resp, body = b.get(loc)
			if resp.StatusCode != 200 {
				t.Fatalf("simulation page: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if got := page.Find("h1").Text(); got != "Demo run" {
				t.Errorf("title: want Demo run, got %q", got)
			}
			if got := page.Find("#sim-definition").Text(); !strings.Contains(got, "1234") {
				t.Errorf("definition: want the seed 1234, got %q", got)
			}
			if page.Find("#sim-metrics .progress").Length() != 1 {
				t.Errorf("simulation page: want a progress bar, got %q", page.Find("#sim-metrics").Text())
			}
			if resp, body := b.get("/"); resp.StatusCode != 200 || !strings.Contains(doc(t, body).Find("#simulations").Text(), "Demo run") {
				t.Errorf("dashboard: want the new simulation listed")
			}
		})
	}
}

func TestPreviewFragmentRedrawsTheCurve(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	b.get("/simulations/new")

	form := validForm()
	form.Set("endTime", "yesterday")
	resp, body := b.htmx(http.MethodPost, "/fragments/simulations/preview", form)
	if resp.StatusCode != 200 {
		t.Fatalf("preview with a bad date: want 200 (a fragment that explains), got %d", resp.StatusCode)
	}
	frag := doc(t, body)
	if frag.Find("#sim-preview").Length() != 1 || !strings.Contains(frag.Find(".problems").Text(), "End: Use a date and time") {
		t.Errorf("preview problems: want the bad end named, got %q", frag.Text())
	}
	if frag.Find("header.topbar").Length() != 0 {
		t.Errorf("a fragment must not carry the layout")
	}

	for _, dist := range []string{"linear", "front_loaded", "business_hours"} {
		form := validForm()
		form.Set("distribution", dist)
		resp, body := b.htmx(http.MethodPost, "/fragments/simulations/preview", form)
		bars := doc(t, body).Find("#sim-preview svg#preview-chart rect.bar")
		if resp.StatusCode != 200 || bars.Length() == 0 {
			t.Fatalf("%s: want 200 with bars, got %d with %d bars: %s", dist, resp.StatusCode, bars.Length(), doc(t, body).Text())
		}
	}
}

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

func TestMetricsFragmentStopsPollingWhenFinished(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			uid := a.user(t, "maker@example.com").ID
			for _, tc := range []struct {
				status string
				want   int
			}{
				{storage.StatusQueued, 200}, {storage.StatusRunning, 200}, {storage.StatusPaused, 200},
				{storage.StatusCompleted, 286}, {storage.StatusAborted, 286}, {storage.StatusFailed, 286},
			} {
				s := a.seedSimulation(t, uid, "run "+tc.status, tc.status)
				for _, part := range []string{"metrics", "segments"} {
					path := fmt.Sprintf("/fragments/simulations/%d/%s?shown=%s", s.ID, part, tc.status)
					resp, body := b.htmx(http.MethodGet, path, nil)
					if resp.StatusCode != tc.want {
						t.Errorf("%s %s: want %d, got %d", tc.status, part, tc.want, resp.StatusCode)
					}
					panel := doc(t, body).Find("#sim-" + part)
					_, polls := panel.Attr("hx-trigger")
					if polls != (tc.want == 200) {
						t.Errorf("%s %s: want polling=%v, got %v", tc.status, part, tc.want == 200, polls)
					}
				}
			}
			// The controls come along out of band only when the status on screen is stale.
			s := a.seedSimulation(t, uid, "moving", storage.StatusPaused)
			_, body := b.htmx(http.MethodGet, fmt.Sprintf("/fragments/simulations/%d/metrics?shown=running", s.ID), nil)
			if doc(t, body).Find(`#sim-controls[hx-swap-oob="true"] #btn-resume`).Length() != 1 {
				t.Errorf("stale status: want out-of-band controls offering Resume")
			}
			_, body = b.htmx(http.MethodGet, fmt.Sprintf("/fragments/simulations/%d/metrics?shown=paused", s.ID), nil)
			if doc(t, body).Find("#sim-controls").Length() != 0 {
				t.Errorf("current status: want no controls in the answer")
			}
		})
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

func TestControlRefusedByStateIsAConflict(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "done", storage.StatusCompleted)
	b.get(fmt.Sprintf("/simulations/%d", s.ID))
	resp, body := b.post(fmt.Sprintf("/simulations/%d/pause", s.ID), url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "is completed, so it cannot be paused") {
		t.Errorf("form: want 409 that explains, got %d", resp.StatusCode)
	}
	resp, body = b.htmx(http.MethodPost, fmt.Sprintf("/simulations/%d/resume", s.ID), url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(doc(t, body).Find("#sim-controls #control-error").Text(), "cannot be resumed") {
		t.Errorf("htmx: want the controls with the refusal, got %d %s", resp.StatusCode, body)
	}
}
