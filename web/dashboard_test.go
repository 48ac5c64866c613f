package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// The simulation list searches names, narrows by state, pages, shows failures
// and keeps polling only while something on it is still going.
func TestDashboardSearchesPagesAndPolls(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			u := a.user(t, "player@example.com")
			for i := range dashboardPageSize + 5 {
				a.seedSimulation(t, u.ID, fmt.Sprintf("Bulk run %02d", i), storage.StatusCompleted)
			}
			running := a.seedSimulation(t, u.ID, "Quarterly DEMO pipeline", storage.StatusRunning)
			dlqRows(t, a, running.ID, 2, "auth", false)

			_, body := b.get("/")
			page := doc(t, body)
			if n := page.Find("#simulations tbody tr").Length(); n != dashboardPageSize {
				t.Errorf("first page: want %d rows, got %d", dashboardPageSize, n)
			}
			if href := page.Find("#page-next").AttrOr("href", ""); href != "/?page=2" {
				t.Errorf("next page link: want /?page=2, got %q", href)
			}
			if got := page.Find("#simulations").AttrOr("hx-get", ""); got != "/fragments/simulations" {
				t.Errorf("a running simulation on the page: want the list to poll, got hx-get=%q", got)
			}
			_, body = b.get("/?page=2")
			if n := doc(t, body).Find("#simulations tbody tr").Length(); n != 6 {
				t.Errorf("second page: want 6 rows, got %d", n)
			}

			_, body = b.get("/?q=demo")
			rows := doc(t, body).Find("#simulations tbody tr")
			if rows.Length() != 1 || !strings.Contains(rows.Text(), "Quarterly DEMO pipeline") {
				t.Fatalf("search demo (any case): want the one pipeline run, got %q", rows.Text())
			}
			if got := textAt(t, body, fmt.Sprintf(`#sim-row-%d td[data-label="Failed"]`, running.ID)); got == "" {
				t.Errorf("failed column: missing")
			}
			_, body = b.get("/?q=50%25_off")
			if got := textAt(t, body, "#sim-list-empty"); got != "No simulations match this search." {
				t.Errorf("a search with LIKE wildcards matches literally: want the no-match note, got %q", got)
			}
			_, body = b.get("/?status=completed")
			if n := doc(t, body).Find("#simulations tbody tr").Length(); n != dashboardPageSize {
				t.Errorf("completed only: want a full page, got %d", n)
			}
			if _, ok := doc(t, body).Find("#simulations").Attr("hx-get"); ok {
				t.Errorf("only finished simulations listed: the list must not poll")
			}
			resp, _ := b.htmx(http.MethodGet, "/fragments/simulations?status=completed", nil)
			if resp.StatusCode != statusStopPolling {
				t.Errorf("fragment with nothing running: want %d to stop polling, got %d", statusStopPolling, resp.StatusCode)
			}
			resp, body = b.htmx(http.MethodGet, "/fragments/simulations?q=quarterly", nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Quarterly DEMO pipeline") {
				t.Errorf("fragment with a running simulation: want 200 and the row, got %d", resp.StatusCode)
			}
			for _, bad := range []string{"/?page=0", "/?page=x", "/?status=sleeping", "/?q=" + strings.Repeat("a", 121)} {
				if resp, _ := b.get(bad); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: want 400, got %d", bad, resp.StatusCode)
				}
			}
			if _, err := a.store.Simulation(context.Background(), running.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The error groups read past what differs between copies of one failure.
func TestErrorsGroupByTheirNormalisedText(t *testing.T) {
	for _, tc := range []struct{ in, code, rest, norm string }{
		{"hubspot: POST /crm/v3/objects/contacts/batch/create: 504 GATEWAY_TIMEOUT: upstream timed out after 30000 ms [correlationId 5a1f0c6e-8d2b-4b7e-9a43-0c2f5e8b1d77]",
			"504 GATEWAY_TIMEOUT", "upstream timed out after 30000 ms [correlationId 5a1f0c6e-8d2b-4b7e-9a43-0c2f5e8b1d77]",
			"504 GATEWAY_TIMEOUT: upstream timed out after # ms"},
		{"hubspot: 409 CONFLICT: Contact already exists. Existing ID: 20931", "409 CONFLICT", "Contact already exists. Existing ID: 20931",
			"409 CONFLICT: Contact already exists. Existing ID: #"},
		{"dial tcp 10.0.0.7:443: connection refused", "", "dial tcp 10.0.0.7:443: connection refused", "dial tcp #:#: connection refused"},
	} {
		code, rest := errorCode(tc.in)
		if code != tc.code || rest != tc.rest {
			t.Errorf("errorCode(%q): want %q / %q, got %q / %q", tc.in, tc.code, tc.rest, code, rest)
		}
		if got := normalisedError(tc.in); got != tc.norm {
			t.Errorf("normalisedError(%q): want %q, got %q", tc.in, tc.norm, got)
		}
	}
	entries := []storage.DLQEntry{
		{Category: "conflict", Error: "hubspot: 409 CONFLICT: Contact already exists. Existing ID: 1"},
		{Category: "server", Error: "hubspot: 503 SERVICE_UNAVAILABLE: try later"},
		{Category: "conflict", Error: "hubspot: 409 CONFLICT: Contact already exists. Existing ID: 2"},
		{Category: "conflict", Error: "hubspot: 409 CONFLICT: Contact already exists. Existing ID: 3"},
	}
	g := errorGroups(entries, 40, dlqFilterInput{}.form())
	if len(g.Groups) != 2 || g.Groups[0].Count != 3 || g.Groups[0].Category != "conflict" {
		t.Fatalf("groups: want conflict ×3 first, then server ×1; got %+v", g.Groups)
	}
	if g.Scope != "the newest 4 of 40 matching rows" {
		t.Errorf("scope: got %q", g.Scope)
	}
	if got := g.Groups[0].FilterURL; !strings.Contains(got, "category=conflict") || !strings.Contains(got, "q=Contact+already+exists.+Existing+ID%3A") {
		t.Errorf("group link: want the category and the fixed text, got %q", got)
	}
}

func TestFaviconAndRedisCLILine(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	resp, body := b.get("/favicon.ico")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") || !strings.Contains(body, "<svg") {
		t.Errorf("favicon: want 200 image/svg+xml, got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	h := &handler{redis: a.redis}
	for url, want := range map[string]string{
		"redis://:secret@cache.internal:6380/3": "redis-cli -h cache.internal -p 6380 -n 3",
		"redis://127.0.0.1:6384/0":              "redis-cli -h 127.0.0.1 -p 6384",
		"off":                                   "",
	} {
		h.cfg.RedisURL = url
		if got := h.redisCLI(); got != want {
			t.Errorf("redisCLI for %q: want %q, got %q", url, want, got)
		}
	}
}
