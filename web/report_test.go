package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// runToEnd creates a backfill simulation through the API, starts it and waits until
// it completes; the app's workers must be running.
func runToEnd(t *testing.T, a *testApp, api *browser, set map[string]any) simulationJSON {
	t.Helper()
	resp, body := api.postJSON("/api/simulations", apiBody(t, set))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: want 201, got %d: %s", resp.StatusCode, body)
	}
	s := decode[simulationJSON](t, body)
	path := "/api/simulations/" + strconv.FormatInt(s.ID, 10)
	if resp, body := api.postJSON(path+"/start", ``); resp.StatusCode != http.StatusOK {
		t.Fatalf("start: want 200, got %d: %s", resp.StatusCode, body)
	}
	waitFor(t, 90*time.Second, "simulation completed", func() bool {
		got, err := a.store.Simulation(context.Background(), s.ID)
		return err == nil && got.Status == storage.StatusCompleted
	})
	_, body = api.get(path)
	return decode[simulationJSON](t, body)
}

// A finished simulation's report: planned against created per type, the curve per
// segment, and downloads with one row per created object (ledger), on both dialects.
func TestReportOfAFinishedSimulation(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.runWorkers(t)
			a.browser(t).signUp("boss@example.com", "boss password 1")
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			s := runToEnd(t, a, api, map[string]any{"totalRecords": 40})
			ctx := context.Background()
			ledger, err := a.store.LedgerCounts(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			var objects, entries int64 // objects, and every ledger entry (updates too)
			for k, n := range ledger {
				entries += n
				if !sim.Kind(k).IsUpdate() {
					objects += n
				}
			}
			id := strconv.FormatInt(s.ID, 10)

			resp, body := api.get("/api/simulations/" + id + "/report")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("report API: want 200, got %d: %s", resp.StatusCode, body)
			}
			r := decode[reportJSON](t, body)
			if !r.Finished || !r.PlanKnown || r.DurationSeconds < 0 {
				t.Errorf("report: want finished with a known plan, got %+v", r)
			}
			var planned, created, segPlanned, segCreated int64
			for _, k := range sim.ObjectKinds {
				row := r.Types[k.Plural()]
				planned += row.Planned
				created += row.Created
				if row.Created != ledger[string(k)] {
					t.Errorf("%s: report says %d created, ledger %d", k.Plural(), row.Created, ledger[string(k)])
				}
			}
			if created != objects || planned != created+sumThinnedBlockedDLQ(r) {
				t.Errorf("totals: planned %d, created %d (ledger %d); a completed run accounts for every planned object", planned, created, objects)
			}
			for _, g := range r.Segments {
				segPlanned += g.Planned
				segCreated += g.Created
			}
			if segPlanned != int64(s.EffectiveTotal) || segCreated != ledger["contact"] {
				t.Errorf("curve: want %d planned and %d created records over the segments, got %d and %d",
					s.EffectiveTotal, ledger["contact"], segPlanned, segCreated)
			}
			if r.Lateness != nil {
				t.Errorf("backfill has no lateness, got %+v", r.Lateness)
			}
			// What the run cost the target: every created object came through a
			// call, at most a hundred to a call.
			if calls := r.Counters["target_calls"]; calls == 0 || calls > objects {
				t.Errorf("calls to the target: want between 1 and %d, got %d (%v)", objects, calls, r.Counters)
			}

			// The page: a row per type, the comparison chart, downloads, run again.
			resp, body = b.get("/simulations/" + id + "/report")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("report page: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if got := page.Find("#report-row-contacts .created").Text(); got != strconv.FormatInt(ledger["contact"], 10) {
				t.Errorf("contacts created on the page: want %d, got %q", ledger["contact"], got)
			}
			if page.Find("#report-chart rect.bar.planned").Length() != len(r.Segments) || page.Find("#report-chart rect.bar.actual").Length() != len(r.Segments) {
				t.Errorf("chart: want a planned and an actual bar per segment (%d)", len(r.Segments))
			}
			for _, sel := range []string{"#export-csv", "#export-json", "#run-again"} {
				if page.Find(sel).Length() != 1 {
					t.Errorf("page: want %s", sel)
				}
			}

			// CSV: a header and one line per ledger row, every field filled.
			resp, body = b.get("/simulations/" + id + "/export.csv")
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "simulation-"+id+"-objects.csv") {
				t.Fatalf("CSV: want 200 text/csv attachment, got %d %v", resp.StatusCode, resp.Header)
			}
			lines, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(lines)) != entries+1 || strings.Join(lines[0], ",") != "type,record_key,external_id,planned_at,created_at" {
				t.Fatalf("CSV: want a header and one row per ledger entry (%d), got %d lines starting %v", entries, len(lines), lines[0])
			}
			keys := map[string]bool{}
			for _, l := range lines[1:] {
				if l[0] == "" || l[1] == "" || l[2] == "" || l[3] == "" || l[4] == "" {
					t.Fatalf("CSV row with an empty field: %v", l)
				}
				if _, err := time.Parse(time.RFC3339, l[4]); err != nil {
					t.Fatalf("created_at %q: %v", l[4], err)
				}
				keys[l[1]] = true
			}
			if int64(len(keys)) != entries {
				t.Errorf("CSV: want %d distinct record keys, got %d", entries, len(keys))
			}

			// JSON: the same rows.
			resp, body = api.get("/api/simulations/" + id + "/export.json")
			var rows []exportObject
			if err := json.Unmarshal([]byte(body), &rows); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("JSON export: %d, %v: %.200s", resp.StatusCode, err, body)
			}
			if int64(len(rows)) != entries || rows[0].ExternalID == "" {
				t.Errorf("JSON export: want %d entries with ids, got %d", entries, len(rows))
			}

			// Someone else's simulation is a 404; an unknown format too.
			other := a.browser(t)
			other.signUp("other@example.com", "other password 1")
			for _, p := range []string{"/simulations/" + id + "/report", "/simulations/" + id + "/export.csv"} {
				if resp, _ := other.get(p); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s by another player: want 404, got %d", p, resp.StatusCode)
				}
			}
			if resp, _ := b.get("/simulations/" + id + "/export.xml"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("unknown format: want 404, got %d", resp.StatusCode)
			}
		})
	}
}

func sumThinnedBlockedDLQ(r reportJSON) int64 {
	var n int64
	for _, row := range r.Types {
		n += row.Thinned + row.Blocked + row.DLQ
	}
	return n
}

// Lateness maps each object's planned time onto the run by the pace and reports
// how long after that moment it was created.
func TestReportLateness(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			a.browser(t).signUp("player@example.com", "player password 1")
			s := a.seedSimulation(t, a.user(t, "player@example.com").ID, "accelerated", storage.StatusCompleted)
			s.PaceMode, s.PaceFactor = "accelerated", 60
			// Planned minute i is due at second i of the run (×60).
			var entries []storage.LedgerEntry
			for i := range 100 {
				entries = append(entries, storage.LedgerEntry{SimulationID: s.ID, RecordIndex: i, ObjectType: "contact",
					RecordKey: strconv.Itoa(i), ExternalID: strconv.Itoa(i), PlannedAt: s.StartAt.Add(time.Duration(i) * time.Minute)})
			}
			if _, err := a.store.AddLedgerEntries(ctx, entries); err != nil {
				t.Fatal(err)
			}
			var created time.Time // one insert: every row has the same created time
			if err := a.store.EachLedgerEntry(ctx, s.ID, func(e storage.LedgerEntry) error { created = e.CreatedAt; return nil }); err != nil {
				t.Fatal(err)
			}
			// With the run started 100 s before that, object i is 100 − i seconds late.
			started := created.Add(-100 * time.Second)
			s.StartedAt = &started
			got, err := (&handler{store: a.store}).lateness(ctx, s)
			if err != nil || got == nil {
				t.Fatalf("lateness: %v, %v", got, err)
			}
			near := func(d, want time.Duration) bool { return d >= want*9/10 && d <= want*11/10 }
			if got.Samples != 100 || !near(got.P50, 50*time.Second) || !near(got.P99, 99*time.Second) {
				t.Errorf("want 100 samples, p50 about 50s and p99 about 99s, got %d, %v, %v", got.Samples, got.P50, got.P99)
			}

			// A finished run's figures are worked out once and kept with the
			// ledger size; a ledger that grew (a replay) has them worked out again.
			h := &handler{store: a.store}
			if kept, err := h.keptLateness(ctx, s, 100); err != nil || kept.Samples != 100 {
				t.Fatalf("first report: %+v, %v", kept, err)
			}
			var more []storage.LedgerEntry
			for i := 100; i < 150; i++ {
				more = append(more, storage.LedgerEntry{SimulationID: s.ID, RecordIndex: i, ObjectType: "contact",
					RecordKey: strconv.Itoa(i), ExternalID: strconv.Itoa(i), PlannedAt: s.StartAt})
			}
			if _, err := a.store.AddLedgerEntries(ctx, more); err != nil {
				t.Fatal(err)
			}
			if kept, err := h.keptLateness(ctx, s, 100); err != nil || kept.Samples != 100 || !near(kept.P50, 50*time.Second) {
				t.Errorf("same ledger size: want the kept figures (100 samples), got %+v, %v", kept, err)
			}
			if fresh, err := h.keptLateness(ctx, s, 150); err != nil || fresh.Samples != 150 {
				t.Errorf("a grown ledger: want the figures worked out again (150 samples), got %+v, %v", fresh, err)
			}
		})
	}
}
