package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// dlqSim stores a simulation for a user.
func dlqSim(t *testing.T, a *testApp, email, name string) int64 {
	t.Helper()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Hour)
	s := &storage.Simulation{UserID: u.ID, Name: name, Scenario: "b2b", Distribution: "linear", StartAt: start,
		EndAt: start.Add(48 * time.Hour), TimeZone: "UTC", TotalRecords: 100, EffectiveTotal: 80, PaceMode: "backfill",
		PaceFactor: 1, TargetKind: storage.TargetSandbox, Seed: 1}
	if err := a.store.CreateSimulation(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// dlqRows stores n failed record jobs (or note jobs) of a simulation, oldest first.
func dlqRows(t *testing.T, a *testApp, simID int64, n int, category string, notes bool) []storage.DLQEntry {
	t.Helper()
	var out []storage.DLQEntry
	for i := 0; i < n; i++ {
		e := storage.DLQEntry{SimulationID: simID, JobType: jobs.TypeRecords, ObjectType: "contact", RecordIndex: i,
			RecordKey: fmt.Sprintf("%d-%s-%d", simID, category, i), TaskID: fmt.Sprintf("s%d-r-%s-%d", simID, category, i),
			Payload:  fmt.Sprintf(`{"sim":%d,"first":%d,"end":%d,"replay":true}`, simID, i, i+1),
			Category: category, Error: "HTTP 503 from the target: " + category, Attempts: 3,
			LastFailedAt: time.Now().UTC().Add(-time.Duration(n-i) * time.Minute)}
		if notes {
			e.JobType, e.ObjectType = jobs.TypeActivityPrefix+"note", "note"
		}
		if err := a.store.AddDLQEntry(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// api calls a JSON endpoint with the browser's session and CSRF token.
func (b *browser) api(method, path string, body any) (int, map[string]any, http.Header) {
	b.t.Helper()
	var r *http.Request
	if body != nil {
		buf, _ := json.Marshal(body)
		r = httptest.NewRequest(method, path, bytes.NewReader(buf))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.Header.Set("X-CSRF-Token", b.csrf)
	resp, raw := b.do(r)
	var out map[string]any
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		b.t.Fatalf("%s %s: want JSON, got %d %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out, resp.Header
}

// htmxPost posts a form as htmx does (the form's _csrf field too).
func (b *browser) htmxPost(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	form.Set("_csrf", b.csrf)
	return b.htmx(http.MethodPost, path, form)
}

func ids(d *goquery.Document, sel string) []int64 {
	var out []int64
	d.Find(sel).Each(func(_ int, s *goquery.Selection) {
		n, _ := strconv.ParseInt(s.AttrOr("data-id", ""), 10, 64)
		out = append(out, n)
	})
	return out
}

func TestDLQTriagePageSummarisesFiltersAndPages(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			simA, simB := dlqSim(t, a, "boss@example.com", "Alpha"), dlqSim(t, a, "boss@example.com", "Beta")
			dlqRows(t, a, simA, 60, "auth", false)
			dlqRows(t, a, simB, 70, "server", true)

			resp, body := b.get("/boss/dlq")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("triage page: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if got := page.Find("#dlq-summary tbody tr").Length(); got != 2 {
				t.Errorf("summary: want a row per simulation (2), got %d", got)
			}
			if got := strings.TrimSpace(page.Find("#dlq-summary-total .cell-count").Text()); got != "130" {
				t.Errorf("summary total: want 130, got %q", got)
			}
			if got := page.Find(`#dlq-summary tr[data-sim="` + strconv.FormatInt(simA, 10) + `"] td[data-category="auth"] .cell-count`).Text(); got != "60" {
				t.Errorf("summary Alpha × auth: want 60, got %q", got)
			}
			if page.Find("#dlq-summary .trend-up").Length() == 0 {
				t.Errorf("summary: rows failed within the last 24 h must show a rising trend")
			}
			if got := page.Find("#dlq-matching").Text(); got != "130 matching" {
				t.Errorf("matching: want 130, got %q", got)
			}
			// Keyset pages: 50, 50, 30, newest first, no row twice.
			seen := map[int64]bool{}
			var last int64 = 1 << 62
			next := "/boss/dlq"
			for i, want := range []int{50, 50, 30} {
				_, body := b.get(next)
				p := doc(t, body)
				got := ids(p, "#dlq-list tbody tr")
				if len(got) != want {
					t.Fatalf("page %d: want %d rows, got %d", i+1, want, len(got))
				}
				for _, id := range got {
					if id >= last || seen[id] {
						t.Fatalf("page %d: row %d out of order or repeated", i+1, id)
					}
					seen[id], last = true, id
				}
				next = p.Find("#page-next").AttrOr("href", "")
				if (next == "") != (i == 2) {
					t.Fatalf("page %d: next link %q", i+1, next)
				}
				if (p.Find("#page-first").Length() == 1) != (i > 0) {
					t.Errorf("page %d: a link back to the newest rows only after the first page", i+1)
				}
			}
			// The summary's cells filter the list.
			cell := page.Find(`#dlq-summary tr[data-sim="`+strconv.FormatInt(simA, 10)+`"] td[data-category="auth"] a`).AttrOr("href", "")
			_, body = b.get(cell)
			p := doc(t, body)
			if got := p.Find("#dlq-matching").Text(); got != "60 matching" {
				t.Errorf("cell link %s: want 60 matching, got %q", cell, got)
			}
			p.Find("#dlq-list tbody tr .cat").Each(func(_ int, s *goquery.Selection) {
				if s.Text() != "auth" {
					t.Errorf("filtered by auth, got a %s row", s.Text())
				}
			})
			if p.Find(`#dlq-filters input[name="category"][value="auth"][checked]`).Length() != 1 {
				t.Errorf("the filter form shows the filter in use")
			}
			// Filters combine; hidden fields carry them into the bulk forms.
			_, body = b.get("/boss/dlq?object=note&q=SERVER&sim=" + strconv.FormatInt(simB, 10))
			p = doc(t, body)
			if got := p.Find("#dlq-matching").Text(); got != "70 matching" {
				t.Errorf("note + error text + simulation: want 70 matching, got %q", got)
			}
			for _, name := range []string{"sim", "object", "q"} {
				if p.Find(`#dlq-replay input[type="hidden"][name="`+name+`"]`).Length() != 1 || p.Find(`#dlq-close input[type="hidden"][name="`+name+`"]`).Length() != 1 {
					t.Errorf("bulk forms must carry the filter's %s", name)
				}
			}
			if _, body = b.get("/boss/dlq?status=resolved"); doc(t, body).Find("#dlq-empty").Length() != 1 {
				t.Errorf("status resolved: want the empty message")
			}
		})
	}
}

func TestDLQBadFilterGetsMessagesBesideTheFields(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")
	dlqRows(t, a, dlqSim(t, a, "boss@example.com", "A"), 3, "auth", false)
	q := url.Values{"category": {"bogus"}, "from": {"yesterday"}, "to": {"2026-02-30"}, "sim": {"abc"}, "object": {"planet"},
		"status": {"gone"}, "q": {strings.Repeat("x", 300)}}
	resp, body := b.get("/boss/dlq?" + q.Encode())
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad filter: want 422, got %d", resp.StatusCode)
	}
	p := doc(t, body)
	for field, want := range map[string]string{"category": "not a failure category", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
		"sim": "Pick a simulation", "object": "not an object type", "status": "Pick a state", "q": "at most 200"} {
		if got := p.Find("#err-" + field).Text(); !strings.Contains(got, want) {
			t.Errorf("message beside %s: want %q, got %q", field, want, got)
		}
	}
	if p.Find("#dlq-list tbody tr").Length() != 0 {
		t.Errorf("a bad filter lists no rows")
	}
	if strings.Contains(body, strings.Repeat("x", 300)) {
		t.Errorf("an over-long search must not be echoed back")
	}
	if resp, body := b.get("/boss/dlq?sim=999999"); resp.StatusCode != 422 || !strings.Contains(doc(t, body).Find("#err-sim").Text(), "no simulation #999999") {
		t.Errorf("unknown simulation: want 422 with a message, got %d", resp.StatusCode)
	}
	if resp, _ := b.get("/boss/dlq?from=2026-03-02&to=2026-03-01"); resp.StatusCode != 422 {
		t.Errorf("a range ending before it starts: want 422, got %d", resp.StatusCode)
	}
	// The replay form refuses a bad filter or bad options beside their fields.
	b.get("/boss/dlq")
	_, body = b.htmxPost("/boss/dlq/replay", url.Values{"limit": {"zero"}, "maxPerCategory": {"-1"}, "strategy": {"sideways"}})
	p = doc(t, body)
	for _, f := range []string{"limit", "maxPerCategory", "strategy"} {
		if p.Find("#dlq-replay #err-"+f).Length() != 1 {
			t.Errorf("replay form: want a message beside %s in %s", f, body)
		}
	}
	audits, _, _ := a.store.ReplayAudits(context.Background(), 0, 10)
	if len(audits) != 0 {
		t.Errorf("a refused form is not a replay call: %d audit rows", len(audits))
	}
}

func TestDLQDryRunThenReplayWithinTheMinute(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			rows := append(dlqRows(t, a, sim, 4, "server", false), dlqRows(t, a, sim, 4, "timeout", true)...)
			b.get("/boss/dlq")

			// Dry run through the form (htmx): counts, payloads, nothing marked.
			resp, body := b.htmxPost("/boss/dlq/replay", url.Values{"sim": {strconv.FormatInt(sim, 10)}, "strategy": {"oldest"},
				"limit": {"6"}, "maxPerCategory": {"3"}, "dryRun": {"true"}})
			if resp.StatusCode != 200 || resp.Header.Get("X-SimCRM-Status") != "200" {
				t.Fatalf("dry run: want 200, got %d (%s)", resp.StatusCode, resp.Header.Get("X-SimCRM-Status"))
			}
			p := doc(t, body)
			if got := p.Find("#dlq-replay-result h3").Text(); !strings.Contains(got, "6 of 8 open rows would be replayed") {
				t.Errorf("dry run heading: got %q", got)
			}
			if got := p.Find(`#replay-categories tr[data-category="server"] td.num`).Last().Text(); got != "3" {
				t.Errorf("dry run: want 3 server rows selected (max per category), got %q", got)
			}
			if got := p.Find("#dlq-replay-result .sample").Length(); got != 5 {
				t.Errorf("dry run: want the first 5 payloads, got %d", got)
			}
			if !strings.Contains(p.Find(".sample pre.payload").First().Text(), `"replay": true`) {
				t.Errorf("dry run payloads are shown indented: %q", p.Find(".sample pre.payload").First().Text())
			}
			for _, r := range rows {
				if got, _ := a.store.DLQEntry(ctx, r.ID); got.Status != storage.DLQOpen {
					t.Fatalf("dry run marked row %d %s", r.ID, got.Status)
				}
			}

			// The real replay right after, through the API, replays what the dry run showed.
			status, res, _ := b.api(http.MethodPost, fmt.Sprintf("/api/simulations/%d/dlq/replay", sim),
				map[string]any{"dryRun": false, "limit": 6, "maxPerCategory": 3, "strategy": "oldest"})
			if status != 200 || res["replayed"] != float64(6) || res["selected"] != float64(6) || res["dryRun"] != false {
				t.Fatalf("replay: want 6 replayed, got %d %v", status, res)
			}
			insp := asynq.NewInspectorFromRedisClient(a.redis.Client)
			taskIDs := map[string]bool{}
			for _, x := range res["tasks"].([]any) {
				task := x.(map[string]any)
				id, queue := task["taskId"].(string), task["queue"].(string)
				if taskIDs[id] {
					t.Errorf("task id %s used twice", id)
				}
				taskIDs[id] = true
				info, err := insp.GetTaskInfo(queue, id)
				if err != nil || info.MaxRetry != 1 {
					t.Errorf("task %s on %s: want it queued with MaxRetry 1, got %+v, %v", id, queue, info, err)
				}
			}
			replayed, _ := a.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: sim, Status: storage.DLQReplayed})
			if replayed != 6 {
				t.Errorf("rows marked replayed: want 6, got %d", replayed)
			}
			// Every call left an audit row, dry run included.
			_, body = b.get("/boss/dlq/audit")
			p = doc(t, body)
			actions := p.Find("#audit tbody tr .audit-action").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
			if fmt.Sprint(actions) != "[replay dry run]" {
				t.Errorf("audit log: want [replay dry run], got %v", actions)
			}
			if !strings.Contains(p.Find("#audit tbody tr").First().Text(), "boss@example.com") {
				t.Errorf("audit rows name who")
			}
			// The row's page shows its replay.
			_, body = b.get(fmt.Sprintf("/boss/dlq/%d", rows[0].ID))
			p = doc(t, body)
			if p.Find("#entry-replays tbody tr").Length() != 1 || p.Find("#entry-status").Text() != "replayed" {
				t.Errorf("entry page after replay: %s", p.Find("#entry-replays").Text())
			}
			// A plain form post (no htmx) replays the rest and answers the whole page.
			resp, body = b.post("/boss/dlq/replay", url.Values{"sim": {strconv.FormatInt(sim, 10)}, "dryRun": {"false"}})
			if resp.StatusCode != 200 || !strings.Contains(doc(t, body).Find("#dlq-replay-result h3").Text(), "Replayed 2 of 2") {
				t.Errorf("plain form replay: got %d %q", resp.StatusCode, doc(t, body).Find("#dlq-replay-result").Text())
			}
		})
	}
}

func TestReplayCallsAreLimitedToFiveIn30Seconds(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			dlqRows(t, a, sim, 8, "server", false)
			b.get("/boss/dlq")
			// Dry runs change nothing, so they are neither limited nor counted.
			for i := 0; i < 6; i++ {
				if status, _, _ := b.api(http.MethodPost, "/api/dlq/replay", map[string]any{"limit": 1}); status != 200 { // dryRun defaults to true
					t.Fatalf("dry run %d: want 200, got %d", i+1, status)
				}
			}
			for i := 0; i < 5; i++ {
				var status int
				if i%2 == 0 {
					status, _, _ = b.api(http.MethodPost, "/api/dlq/replay", map[string]any{"limit": 1, "dryRun": false})
				} else {
					resp, _ := b.htmxPost("/boss/dlq/replay", url.Values{"dryRun": {"false"}, "limit": {"1"}})
					status, _ = strconv.Atoi(resp.Header.Get("X-SimCRM-Status"))
				}
				if status != 200 {
					t.Fatalf("call %d: want 200, got %d", i+1, status)
				}
			}
			status, res, hdr := b.api(http.MethodPost, fmt.Sprintf("/api/simulations/%d/dlq/replay", sim), map[string]any{"dryRun": false})
			wait, _ := res["retryAfterMs"].(float64)
			if status != http.StatusTooManyRequests || wait <= 0 || wait > 30000 || hdr.Get("Retry-After") == "" {
				t.Fatalf("6th call: want 429 with 0 < retryAfterMs ≤ 30000 and Retry-After, got %d %v (%q)", status, res, hdr.Get("Retry-After"))
			}
			// The form says when to try again, in the panel (htmx) and on the page.
			resp, body := b.htmxPost("/boss/dlq/replay", url.Values{"dryRun": {"false"}, "limit": {"1"}})
			if resp.Header.Get("X-SimCRM-Status") != "429" || !strings.Contains(doc(t, body).Find("#replay-limited").Text(), "Try again in") {
				t.Errorf("htmx form when limited: got %s %q", resp.Header.Get("X-SimCRM-Status"), doc(t, body).Find("#dlq-replay").Text())
			}
			resp, body = b.post("/boss/dlq/replay", url.Values{"dryRun": {"false"}, "limit": {"1"}})
			if resp.StatusCode != http.StatusTooManyRequests || doc(t, body).Find("#retry-in").Text() == "" {
				t.Errorf("plain form when limited: want 429 with the wait, got %d", resp.StatusCode)
			}
			// A dry run still answers while replays are limited.
			resp, body = b.htmxPost("/boss/dlq/replay", url.Values{"dryRun": {"true"}})
			if resp.Header.Get("X-SimCRM-Status") != "200" || !strings.HasPrefix(textAt(t, body, "#dlq-replay-result h3"), "Dry run:") {
				t.Errorf("dry run while limited: want 200 and its result, got %s %q", resp.Header.Get("X-SimCRM-Status"), textAt(t, body, "#dlq-replay"))
			}
			// Another boss has a limit of their own.
			other := a.browser(t)
			other.signUp("second@example.com", "second password")
			u, _ := a.store.UserByEmail(ctx, "second@example.com")
			if err := a.store.SetUserRole(ctx, u.ID, storage.RoleBoss); err != nil {
				t.Fatal(err)
			}
			other.get("/boss/dlq")
			if status, res, _ := other.api(http.MethodPost, "/api/dlq/replay", nil); status != 200 || res["dryRun"] != true {
				t.Errorf("another boss: want a 200 dry run, got %d %v", status, res)
			}
			// Refused calls are audited too, and rows were never touched.
			list, _, _ := a.store.ReplayAudits(ctx, 0, 50)
			outcomes := map[string]int{}
			for _, x := range list {
				outcomes[x.Outcome]++
			}
			if outcomes[storage.AuditOK] != 13 || outcomes[storage.AuditRateLimited] != 3 {
				t.Errorf("audit outcomes: want 13 ok (7 dry runs, 5 replays, another boss's dry run), 3 rate_limited, got %v", outcomes)
			}
			if n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{}); n != 3 {
				t.Errorf("open rows: want 3 untouched, got %d", n)
			}
		})
	}
}

func TestPlayerIsForbiddenFromEveryDLQRoute(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			player := a.browser(t)
			player.signUp("player@example.com", "player password 1")
			sim := dlqSim(t, a, "player@example.com", "Mine")
			rows := dlqRows(t, a, sim, 2, "auth", false)
			player.get("/")
			id := strconv.FormatInt(sim, 10)
			row := strconv.FormatInt(rows[0].ID, 10)
			for _, path := range []string{"/boss/dlq", "/boss/dlq/audit", "/boss/dlq/" + row, "/fragments/simulations/" + id + "/dlq",
				"/fragments/simulations/" + id + "/thinning"} {
				resp, body := player.get(path)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only a boss") {
					t.Errorf("GET %s: want 403 for the role, got %d", path, resp.StatusCode)
				}
			}
			for _, path := range []string{"/boss/dlq/replay", "/boss/dlq/close"} {
				resp, body := player.post(path, url.Values{"dryRun": {"false"}, "action": {"discard"}, "reason": {"mine"}, "jobIds": {row}})
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only a boss") {
					t.Errorf("POST %s: want 403 for the role, got %d", path, resp.StatusCode)
				}
			}
			for _, c := range []struct{ method, path string }{
				{"GET", "/api/dlq/summary"}, {"GET", "/api/dlq/audit"}, {"GET", "/api/dlq/" + row},
				{"POST", "/api/dlq/replay"}, {"POST", "/api/dlq/close"}, {"GET", "/api/simulations/" + id + "/dlq"},
				{"POST", "/api/simulations/" + id + "/dlq/replay"}, {"GET", "/api/simulations/" + id + "/thinning-events"},
			} {
				status, body, _ := player.api(c.method, c.path, map[string]any{"dryRun": false, "action": "discard", "reason": "x"})
				if status != http.StatusForbidden || body["requiredRole"] != "boss" {
					t.Errorf("%s %s: want 403 with requiredRole boss, got %d %v", c.method, c.path, status, body)
				}
			}
			if n, _ := a.store.CountDLQ(context.Background(), storage.DLQFilter{}); n != 2 {
				t.Errorf("a player changed DLQ rows: %d open left", n)
			}
			if audits, _, _ := a.store.ReplayAudits(context.Background(), 0, 10); len(audits) != 0 {
				t.Errorf("a player's refused calls are not replay calls: %d audit rows", len(audits))
			}
		})
	}
}

func TestDLQCloseNeedsAReasonAndClosesWhatTheFilterMatches(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			auth := dlqRows(t, a, sim, 3, "auth", false)
			server := dlqRows(t, a, sim, 2, "server", false)
			_, body := b.get("/boss/dlq?category=auth")
			if got := doc(t, body).Find("#dlq-close b").Text(); got != "all 3 open rows matching the filter" {
				t.Errorf("close form: want it to act on the 3 auth rows, got %q", got)
			}
			resp, body := b.post("/boss/dlq/close", url.Values{"category": {"auth"}, "action": {"resolve"}, "reason": {"  "}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, body).Find("#err-reason").Text(), "Say why") {
				t.Fatalf("close without a reason: want 422 with a message beside the reason, got %d", resp.StatusCode)
			}
			_, body = b.htmxPost("/boss/dlq/close", url.Values{"category": {"auth"}, "action": {"explode"}, "reason": {"x"}})
			if doc(t, body).Find("#dlq-close #err-action").Length() != 1 {
				t.Errorf("unknown action: want a message in the close panel, got %s", body)
			}
			resp, _ = b.post("/boss/dlq/close", url.Values{"category": {"auth"}, "action": {"resolve"}, "reason": {"token rotated"}})
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "closed=3") || !strings.Contains(loc, "category=auth") {
				t.Fatalf("resolve: want 303 back to the filtered list, got %d %s", resp.StatusCode, loc)
			}
			_, body = b.get(loc)
			if got := doc(t, body).Find("#dlq-notice").Text(); got != "Resolved 3 open rows." {
				t.Errorf("notice: got %q", got)
			}
			for _, r := range auth {
				if got, _ := a.store.DLQEntry(ctx, r.ID); got.Status != storage.DLQResolved || got.Resolution != "token rotated" {
					t.Errorf("auth row %d: want resolved with the reason, got %s %q", r.ID, got.Status, got.Resolution)
				}
			}
			// One row from its page, through htmx: back to the row.
			b.get(fmt.Sprintf("/boss/dlq/%d", server[0].ID))
			resp, _ = b.htmxPost("/boss/dlq/close", url.Values{"jobIds": {strconv.FormatInt(server[0].ID, 10)}, "action": {"discard"}, "reason": {"duplicate of #1"}})
			if resp.Header.Get("HX-Redirect") != fmt.Sprintf("/boss/dlq/%d", server[0].ID) {
				t.Fatalf("discard one row: want HX-Redirect to its page, got %d %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
			}
			_, body = b.get(fmt.Sprintf("/boss/dlq/%d", server[0].ID))
			p := doc(t, body)
			if p.Find("#entry-status").Text() != "discarded" || p.Find("#entry-resolution").Text() != "duplicate of #1" || p.Find("#dlq-replay").Length() != 0 {
				t.Errorf("discarded row's page: status %q, reason %q", p.Find("#entry-status").Text(), p.Find("#entry-resolution").Text())
			}
			// The API closes too, and every close is audited with its reason.
			status, res, _ := b.api(http.MethodPost, "/api/dlq/close", map[string]any{"action": "resolve", "reason": "fixed", "simulationId": sim})
			if status != 200 || res["closed"] != float64(1) {
				t.Errorf("API close: want 1 closed, got %d %v", status, res)
			}
			if status, res, _ := b.api(http.MethodPost, "/api/dlq/close", map[string]any{"action": "resolve"}); status != 422 || res["fields"].(map[string]any)["reason"] == nil {
				t.Errorf("API close without reason: want 422 naming reason, got %d %v", status, res)
			}
			list, _, _ := a.store.ReplayAudits(ctx, 0, 10)
			if len(list) != 3 || list[2].Action != storage.AuditResolve || list[2].Reason != "token rotated" || list[2].Selected != 3 {
				t.Errorf("audit of closes: %+v", list)
			}
		})
	}
}

func TestDLQEntryPageShowsPayloadErrorAndWhetherTheObjectExists(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			rows := dlqRows(t, a, sim, 2, "conflict", false)
			if _, err := a.store.AddLedgerEntries(ctx, []storage.LedgerEntry{{SimulationID: sim, RecordIndex: 0, ObjectType: "contact",
				RecordKey: rows[0].RecordKey, ExternalID: "101"}}); err != nil {
				t.Fatal(err)
			}
			_, body := b.get(fmt.Sprintf("/boss/dlq/%d", rows[0].ID))
			p := doc(t, body)
			if p.Find("#entry-in-target").Length() != 1 {
				t.Errorf("row whose object is in the ledger: want the in-target badge")
			}
			if got := p.Find("#entry-payload pre").Text(); !strings.Contains(got, "\"first\": 0") {
				t.Errorf("payload: want it indented, got %q", got)
			}
			if got := p.Find("#entry-error pre").Text(); got != rows[0].Error {
				t.Errorf("error: want %q, got %q", rows[0].Error, got)
			}
			_, body = b.get(fmt.Sprintf("/boss/dlq/%d", rows[1].ID))
			if doc(t, body).Find("#entry-in-target").Length() != 0 {
				t.Errorf("row whose object is not in the ledger: no badge")
			}
			status, res, _ := b.api(http.MethodGet, fmt.Sprintf("/api/dlq/%d", rows[0].ID), nil)
			if status != 200 || res["inTarget"] != true || res["payload"].(map[string]any)["first"] != float64(0) {
				t.Errorf("API entry: got %d %v", status, res)
			}
			for _, path := range []string{"/boss/dlq/999999", "/boss/dlq/abc", "/boss/dlq/-1"} {
				if resp, _ := b.get(path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: want 404, got %d", path, resp.StatusCode)
				}
			}
		})
	}
}

func TestDLQSummaryAPIPagesWithACursor(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			dlqRows(t, a, sim, 45, "auth", false)
			dlqRows(t, a, sim, 5, "validation", true)
			b.get("/boss/dlq")
			cursor, seen := "", map[float64]bool{}
			for pages := 0; pages < 5; pages++ {
				q := "/api/dlq/summary?limit=20&category=auth"
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				status, res, _ := b.api(http.MethodGet, q, nil)
				if status != 200 || res["source"] != "db" || res["total"] != float64(45) {
					t.Fatalf("summary page %d: got %d %v", pages+1, status, res)
				}
				for _, r := range res["rows"].([]any) {
					row := r.(map[string]any)
					if seen[row["id"].(float64)] || row["category"] != "auth" {
						t.Fatalf("row %v repeated or outside the filter", row["id"])
					}
					seen[row["id"].(float64)] = true
				}
				if res["nextCursor"] == nil {
					break
				}
				cursor = res["nextCursor"].(string)
			}
			if len(seen) != 45 {
				t.Errorf("cursor paging: want 45 rows once each, got %d", len(seen))
			}
			status, res, _ := b.api(http.MethodGet, "/api/dlq/summary", nil)
			summary := res["summary"].([]any)
			if status != 200 || len(summary) != 2 || summary[0].(map[string]any)["trend"] != "up" {
				t.Errorf("summary cells: got %v", summary)
			}
			if status, res, _ := b.api(http.MethodGet, "/api/dlq/summary?cursor=x&category=nope", nil); status != 422 || res["fields"] == nil {
				t.Errorf("bad cursor and category: want 422 with fields, got %d %v", status, res)
			}
			status, res, _ = b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/dlq?limit=10", sim), nil)
			if status != 200 || len(res["rows"].([]any)) != 10 || res["nextCursor"] == nil || res["open"].(map[string]any)["auth"] != float64(45) {
				t.Errorf("simulation DLQ: got %d %v", status, res)
			}
			if status, _, _ := b.api(http.MethodGet, "/api/simulations/999999/dlq", nil); status != 404 {
				t.Errorf("unknown simulation: want 404, got %d", status)
			}
		})
	}
}

func TestDLQAndThinningPanelsReadRedis(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			dlqRows(t, a, sim, 4, "auth", false)
			rc := a.redis.Client
			rc.HSet(ctx, rediskeys.DLQCounts(sim), "auth", 4, "server", 2)
			sample, _ := json.Marshal(map[string]any{"ts": time.Now().UnixMilli(), "jobType": jobs.TypeRecords, "objectType": "contact",
				"recordIndex": 3, "recordKey": "k3", "category": "auth", "error": "401 expired", "attempts": 1, "payload": map[string]any{"sim": sim}})
			rc.LPush(ctx, rediskeys.DLQSamples(sim), string(sample))
			for i := 0; i < 12; i++ {
				ev, _ := json.Marshal(jobs.ThinningEvent{TS: time.Now().UnixMilli(), RecordIndex: i, Before: 4, After: 3, Factor: 0.85, TotalWaiting: 1200})
				rc.LPush(ctx, rediskeys.ThinningEvents(sim), string(ev))
			}
			rc.HSet(ctx, rediskeys.Metrics(sim), "notes_thinned", 7, "calls_thinned", 2, "contacts_created", 10, "since", time.Now().UnixMilli())

			resp, body := b.get(fmt.Sprintf("/fragments/simulations/%d/dlq", sim))
			p := doc(t, body)
			if resp.StatusCode != 200 || p.Find("#dlq-panel-source").Text() != "source: redis" || p.Find("#sim-dlq[hx-trigger='every 2s']").Length() != 1 {
				t.Fatalf("DLQ panel: got %d %s", resp.StatusCode, body)
			}
			if p.Find("#dlq-failed-total").Text() != "6" || p.Find("#dlq-open-total").Text() != "4" {
				t.Errorf("DLQ panel totals: want 6 failed (Redis tally), 4 open (database), got %q, %q",
					p.Find("#dlq-failed-total").Text(), p.Find("#dlq-open-total").Text())
			}
			if !strings.Contains(p.Find(".sample-error").Text(), "401 expired") {
				t.Errorf("DLQ panel samples: want the Redis sample, got %q", p.Find(".samples").Text())
			}
			if href := p.Find("#dlq-triage-link").AttrOr("href", ""); href != fmt.Sprintf("/boss/dlq?sim=%d", sim) {
				t.Errorf("triage link: %q", href)
			}
			resp, body = b.get(fmt.Sprintf("/fragments/simulations/%d/thinning", sim))
			p = doc(t, body)
			if resp.StatusCode != 200 || p.Find("#thinning-source").Text() != "source: redis" || p.Find("#thinning-factor").Text() != "85%" {
				t.Errorf("thinning panel: got %d source %q factor %q", resp.StatusCode, p.Find("#thinning-source").Text(), p.Find("#thinning-factor").Text())
			}
			if p.Find("#thinning-events tbody tr").Length() != 10 || p.Find("#thinned-total").Text() != "9" {
				t.Errorf("thinning panel: want the latest 10 events and 9 thinned, got %d and %q", p.Find("#thinning-events tbody tr").Length(), p.Find("#thinned-total").Text())
			}
			status, res, _ := b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/thinning-events", sim), nil)
			if status != 200 || res["source"] != "redis" || len(res["events"].([]any)) != 12 || res["thinned"].(map[string]any)["notes"] != float64(7) {
				t.Errorf("thinning API: got %d %v", status, res)
			}
			status, res, _ = b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/dlq", sim), nil)
			if status != 200 || res["source"] != "redis" || res["counts"].(map[string]any)["server"] != float64(2) || len(res["samples"].([]any)) != 1 {
				t.Errorf("DLQ API from Redis: got %d %v", status, res)
			}
			// A metrics hash without "since" is half rebuilt (a stray HINCRBY after a
			// flush): the live reads take the database instead.
			rc.HDel(ctx, rediskeys.Metrics(sim), "since")
			status, res, _ = b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/dlq", sim), nil)
			if status != 200 || res["source"] != "db" || res["counts"].(map[string]any)["server"] != nil || res["counts"].(map[string]any)["auth"] != float64(4) {
				t.Errorf("DLQ API with a half-rebuilt hash: want the database's tallies, got %d %v", status, res)
			}
			status, res, _ = b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/thinning-events", sim), nil)
			if status != 200 || res["countsSource"] != "db" || res["thinned"].(map[string]any)["notes"] != nil {
				t.Errorf("thinning API with a half-rebuilt hash: want the database's counters, got %d %v", status, res)
			}
			rc.HSet(ctx, rediskeys.Metrics(sim), "since", time.Now().UnixMilli())
			// A finished simulation's panels stop polling (286).
			if _, err := a.store.TransitionSimulation(ctx, sim, []string{storage.StatusQueued}, storage.StatusAborted, "test"); err != nil {
				t.Fatal(err)
			}
			for _, panel := range []string{"dlq", "thinning"} {
				resp, body := b.get(fmt.Sprintf("/fragments/simulations/%d/%s", sim, panel))
				if resp.StatusCode != 286 || strings.Contains(body, "hx-trigger") {
					t.Errorf("%s panel of a finished simulation: want 286 without a trigger, got %d", panel, resp.StatusCode)
				}
			}
		})
	}
}

func TestSimulationPageShowsThePanelsToABossOnly(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	boss := a.browser(t)
	boss.signUp("boss@example.com", "boss password 1")
	player := a.browser(t)
	player.signUp("player@example.com", "player password 1")
	sim := dlqSim(t, a, "player@example.com", "Mine")
	dlqRows(t, a, sim, 2, "auth", false)
	path := fmt.Sprintf("/simulations/%d", sim)
	resp, body := boss.get(path)
	p := doc(t, body)
	if resp.StatusCode != 200 || p.Find("#sim-panels #sim-dlq").Length() != 1 || p.Find("#sim-panels #sim-thinning").Length() != 1 {
		t.Fatalf("boss: want the DLQ and thinning panels on the simulation page, got %d", resp.StatusCode)
	}
	if p.Find("#dlq-open-total").Text() != "2" {
		t.Errorf("boss: DLQ panel open rows %q", p.Find("#dlq-open-total").Text())
	}
	resp, body = player.get(path)
	if resp.StatusCode != 200 || doc(t, body).Find("#sim-dlq, #sim-thinning").Length() != 0 {
		t.Errorf("player: want the page without the boss panels, got %d", resp.StatusCode)
	}
}

func TestDLQWorksFromTheDatabaseWhileRedisIsDown(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			proc := testenv.StartRedisProcess(t)
			a := newTestApp(t, d, proc.URL())
			a.redis.Watch(200 * time.Millisecond)
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			dlqRows(t, a, sim, 3, "timeout", true)
			ev, _ := json.Marshal(jobs.ThinningEvent{TS: time.Now().UnixMilli(), RecordIndex: 1, Before: 3, After: 1, Factor: 0.5, TotalWaiting: 6000})
			a.redis.Client.LPush(ctx, rediskeys.ThinningEvents(sim), string(ev))
			if err := a.store.AddSimulationCounters(ctx, sim, map[string]int64{"notes_thinned": 2}); err != nil {
				t.Fatal(err)
			}

			proc.Stop()
			waitFor(t, 3*time.Second, "outage noticed", func() bool { return !a.redis.Up() })

			resp, body := b.get("/boss/dlq")
			p := doc(t, body)
			if resp.StatusCode != 200 || p.Find("#redis-disabled").Length() != 1 || p.Find("#dlq-list tbody tr").Length() != 3 {
				t.Fatalf("triage page with Redis down: want 200, the badge and 3 rows; got %d, %d, %d", resp.StatusCode,
					p.Find("#redis-disabled").Length(), p.Find("#dlq-list tbody tr").Length())
			}
			if p.Find("#btn-replay[disabled]").Length() != 1 {
				t.Errorf("the replay button is disabled while the queue is away")
			}
			resp, body = b.get(fmt.Sprintf("/fragments/simulations/%d/dlq", sim))
			p = doc(t, body)
			if resp.StatusCode != 200 || p.Find("#dlq-panel-source").Text() != "source: db" || p.Find("#dlq-failed-total").Text() != "3" ||
				p.Find(".sample").Length() != 3 {
				t.Errorf("DLQ panel with Redis down: want source db, 3 failed, 3 samples; got %d %s", resp.StatusCode, p.Find("#sim-dlq").Text())
			}
			status, res, _ := b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/dlq", sim), nil)
			if status != 200 || res["source"] != "db" || res["counts"].(map[string]any)["timeout"] != float64(3) || len(res["samples"].([]any)) != 3 {
				t.Errorf("DLQ API with Redis down: got %d %v", status, res)
			}
			status, res, _ = b.api(http.MethodGet, fmt.Sprintf("/api/simulations/%d/thinning-events", sim), nil)
			events, isList := res["events"].([]any)
			if status != 200 || res["source"] != "redis-disabled" || !isList || len(events) != 0 || res["thinned"].(map[string]any)["notes"] != float64(2) {
				t.Errorf("thinning API with Redis down: want source redis-disabled, events [], thinned from the database; got %d %v", status, res)
			}
			resp, body = b.get(fmt.Sprintf("/fragments/simulations/%d/thinning", sim))
			if resp.StatusCode != 200 || doc(t, body).Find("#thinning-source").Text() != "source: redis-disabled" {
				t.Errorf("thinning panel with Redis down: got %d %s", resp.StatusCode, body)
			}
			// Dry runs work without Redis; the per-user limit counts replay calls in
			// the database (refused ones for want of the queue too), so it holds.
			if status, res, _ := b.api(http.MethodPost, "/api/dlq/replay", map[string]any{"dryRun": true}); status != 200 || res["selected"] != float64(3) {
				t.Fatalf("dry run with Redis down: got %d %v", status, res)
			}
			for i := 0; i < 5; i++ {
				if status, res, _ := b.api(http.MethodPost, "/api/dlq/replay", map[string]any{"dryRun": false}); status != 503 {
					t.Fatalf("replay %d with Redis down: want 503 (no queue), got %d %v", i+1, status, res)
				}
			}
			if status, res, _ := b.api(http.MethodPost, "/api/dlq/replay", map[string]any{"dryRun": false}); status != 429 || res["retryAfterMs"] == nil {
				t.Errorf("6th call with Redis down: want 429, got %d %v", status, res)
			}

			proc.Start()
			waitFor(t, 3*time.Second, "recovery noticed", func() bool { return a.redis.Up() })
			if _, body := b.get("/boss/dlq"); doc(t, body).Find("#redis-disabled").Length() != 0 {
				t.Errorf("badge still shown after Redis returned")
			}
		})
	}
}

func TestRealReplayWhileRedisIsDownIsRefusedAndAudited(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			proc := testenv.StartRedisProcess(t)
			a := newTestApp(t, d, proc.URL())
			a.redis.Watch(200 * time.Millisecond)
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			sim := dlqSim(t, a, "boss@example.com", "A")
			dlqRows(t, a, sim, 2, "network", false)
			b.get("/boss/dlq")
			proc.Stop()
			waitFor(t, 3*time.Second, "outage noticed", func() bool { return !a.redis.Up() })
			status, res, _ := b.api(http.MethodPost, fmt.Sprintf("/api/simulations/%d/dlq/replay", sim), map[string]any{"dryRun": false})
			if status != http.StatusServiceUnavailable || res["auditId"] == nil {
				t.Fatalf("replay with Redis down: want 503 with its audit id, got %d %v", status, res)
			}
			resp, body := b.htmxPost("/boss/dlq/replay", url.Values{"dryRun": {"false"}})
			if resp.Header.Get("X-SimCRM-Status") != "503" || doc(t, body).Find("#replay-error").Length() != 1 {
				t.Errorf("form replay with Redis down: want the message in the panel, got %s", body)
			}
			if n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{}); n != 2 {
				t.Errorf("rows stay open: got %d", n)
			}
			list, _, _ := a.store.ReplayAudits(ctx, 0, 10)
			if len(list) != 2 || list[0].Outcome != storage.AuditFailed {
				t.Errorf("audit of refused replays: %+v", list)
			}
		})
	}
}

func TestDLQPageWarnsWhenOpenRowsPileUp(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")
	sim := dlqSim(t, a, "boss@example.com", "A")
	rows := make([]storage.DLQEntry, dlqPileUpAt-1)
	for i := range rows {
		rows[i] = storage.DLQEntry{SimulationID: sim, JobType: jobs.TypeRecords, ObjectType: "contact", RecordIndex: i,
			Category: "server", Payload: "{}", Error: "503", Attempts: 3}
	}
	if err := a.store.AddDLQEntries(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if _, body := b.get("/boss/dlq"); doc(t, body).Find("#dlq-pileup").Length() != 0 {
		t.Errorf("%d open rows: no warning yet", dlqPileUpAt-1)
	}
	dlqRows(t, a, sim, 1, "auth", false)
	_, body := b.get("/boss/dlq?category=auth")
	if got := doc(t, body).Find("#dlq-pileup").Text(); !strings.Contains(got, "10,000 open rows are piling up") {
		t.Errorf("%d open rows (whatever the filter): want the pile-up warning, got %q", dlqPileUpAt, got)
	}
}
