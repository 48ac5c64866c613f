package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// In a real browser: filter, dry run, replay (htmx swaps the panel and, out of
// band, the summary and the list), and the simulation page's DLQ panel polling
// in a new failure.
func TestBrowserTriagesTheDLQ(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	base := a.url
	ctx := newTab(t).ctx // fails on console errors
	step(t, ctx, "sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-email"), "boss@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "browser password 1"),
		chromedp.SendKeys(chromedp.ID("f-confirm"), "browser password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who .email")),
	)
	sim := dlqSim(t, a, "boss@example.com", "Browser DLQ")
	dlqRows(t, a, sim, 6, "auth", false)
	dlqRows(t, a, sim, 4, "server", true)

	step(t, ctx, "open the triage page and filter on auth",
		chromedp.Navigate(base+"/boss/dlq"),
		chromedp.WaitVisible(chromedp.ID("dlq-summary")),
		chromedp.Click(chromedp.CSS(`#dlq-filters input[name="category"][value="auth"]`)),
		chromedp.Click(chromedp.ID("btn-filter")),
		// The filtered page names its filter beside the count; the page the click
		// checked the box on does not.
		chromedp.WaitVisible(chromedp.CSS(`#dlq-list .chip`)),
	)
	if got := run(t, ctx, "matching", chromedp.Text(chromedp.ID("dlq-matching"))); got != "6 matching" {
		t.Fatalf("filtered list: want 6 matching, got %q", got)
	}
	screenshot(t, ctx, "dlq-triage")
	step(t, ctx, "dry run",
		chromedp.Click(chromedp.ID("btn-dry-run")),
		chromedp.WaitVisible(chromedp.CSS("#dlq-replay-result h3")),
	)
	if got := run(t, ctx, "dry run result", chromedp.Text(chromedp.CSS("#dlq-replay-result h3"))); !strings.Contains(got, "6 of 6 open rows would be replayed") {
		t.Errorf("dry run: got %q", got)
	}
	screenshot(t, ctx, "dlq-dry-run")
	step(t, ctx, "replay (accepting the confirmation)",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.ID("btn-replay")),
		chromedp.Poll[chromedp.Void](`(document.querySelector('#dlq-replay-result h3') || {}).textContent?.includes('Replayed 6 of 6')`,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.WaitVisible(chromedp.ID("dlq-empty")), // the list, swapped out of band, has no open auth rows left
	)
	if n, _ := a.store.CountDLQ(context.Background(), storage.DLQFilter{Status: storage.DLQReplayed}); n != 6 {
		t.Errorf("rows replayed: want 6, got %d", n)
	}

	step(t, ctx, "the simulation page shows the DLQ panel",
		chromedp.Navigate(fmt.Sprintf("%s/simulations/%d", base, sim)),
		chromedp.WaitVisible(chromedp.ID("sim-dlq")),
	)
	if got := run(t, ctx, "open rows", chromedp.Text(chromedp.ID("dlq-open-total"))); got != "4" {
		t.Errorf("panel: want 4 open rows, got %q", got)
	}
	dlqRows(t, a, sim, 1, "timeout", true)
	step(t, ctx, "the panel polls the new failure in",
		chromedp.Poll[chromedp.Void](`document.getElementById('dlq-open-total').textContent === '5'`, chromedp.WithPollingTimeout(8*time.Second)),
	)
	screenshot(t, ctx, "simulation-panels")
}
