package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// answerDialogs answers every confirmation dialog with accept's value at the time
// and counts them.
func answerDialogs(ctx context.Context, accept *atomic.Bool, seen *atomic.Int32) {
	go func() {
		for _, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			seen.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept.Load()})
		}
	}()
}

// After a run, in the browser: the finished simulation's page leads to its report,
// Run again opens the form with the same seed and creates the copy, and Delete asks
// first (Cancel keeps it), then deletes it and lands on the dashboard.
func TestBrowserFinishReportRunAgainDelete(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.runWorkers(t)
	ctx := newChromium(t)
	var accept atomic.Bool
	var dialogs atomic.Int32
	answerDialogs(ctx, &accept, &dialogs)
	base := a.url

	step(t, ctx, "sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-email"), "player@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "browser password 1"),
		chromedp.SendKeys(chromedp.ID("f-confirm"), "browser password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who .email")),
	)
	api := a.apiClient(t, "player@example.com")
	first := runToEnd(t, a, api, map[string]any{"name": "Browser demo", "totalRecords": 40, "seed": 777})
	id := strconv.FormatInt(first.ID, 10)

	step(t, ctx, "the finished simulation offers its report",
		chromedp.Navigate(base+"/simulations/"+id),
		chromedp.WaitVisible(chromedp.ID("btn-report")),
		chromedp.Click(chromedp.ID("btn-report")),
		chromedp.WaitVisible(chromedp.ID("report-types")),
	)
	created := run(t, ctx, "contacts created", chromedp.Text(chromedp.CSS("#report-row-contacts .created")))
	if n, _ := strconv.Atoi(strings.ReplaceAll(created, ",", "")); n == 0 {
		t.Fatalf("report: want contacts created, got %q", created)
	}
	if bars := run(t, ctx, "chart bars", chromedp.Evaluate[int](`document.querySelectorAll('#report-chart rect.bar.actual').length`)); bars == 0 {
		t.Errorf("report: want the actual curve drawn")
	}
	screenshot(t, ctx, "report")

	step(t, ctx, "run again",
		chromedp.Click(chromedp.ID("run-again")),
		chromedp.WaitVisible(chromedp.ID("form-notice")),
	)
	seed := run(t, ctx, "seed", chromedp.Value(chromedp.ID("f-seed")))
	name := run(t, ctx, "name", chromedp.Value(chromedp.ID("f-name")))
	if seed != "777" || name != "Browser demo (again)" {
		t.Fatalf("run again: want seed 777 and the name marked again, got %q and %q", seed, name)
	}
	step(t, ctx, "create the copy",
		chromedp.Click(chromedp.ID("create-simulation")),
		chromedp.WaitVisible(chromedp.ID("sim-metrics")),
	)
	loc := run(t, ctx, "location", chromedp.Location())
	m := regexp.MustCompile(`/simulations/(\d+)$`).FindStringSubmatch(loc)
	if m == nil || m[1] == id {
		t.Fatalf("after create: want the copy's page, got %s", loc)
	}
	copyID, _ := strconv.ParseInt(m[1], 10, 64)
	waitFor(t, 90*time.Second, "copy finished", func() bool {
		s, err := a.store.Simulation(context.Background(), copyID)
		return err == nil && s.Finished()
	})

	// Delete: Cancel keeps it, OK deletes it.
	step(t, ctx, "delete offered once finished",
		chromedp.Navigate(base+"/simulations/"+m[1]),
		chromedp.WaitVisible(chromedp.ID("btn-delete")),
	)
	accept.Store(false)
	step(t, ctx, "delete, then cancel", chromedp.Click(chromedp.ID("btn-delete")), chromedp.Sleep(500*time.Millisecond))
	if dialogs.Load() != 1 {
		t.Fatalf("delete must ask first: want 1 dialog, got %d", dialogs.Load())
	}
	if _, err := a.store.Simulation(context.Background(), copyID); err != nil {
		t.Fatalf("Cancel must keep the simulation: %v", err)
	}
	accept.Store(true)
	step(t, ctx, "delete, then OK", chromedp.Click(chromedp.ID("btn-delete")))
	waitFor(t, 10*time.Second, "the dashboard", func() bool {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		loc, err := chromedp.Run(sctx, chromedp.Location())
		return err == nil && strings.TrimSuffix(loc, "/") == base
	})
	if _, err := a.store.Simulation(context.Background(), copyID); err != storage.ErrNotFound {
		t.Errorf("after OK: want the simulation deleted, got %v", err)
	}
	if _, err := a.store.Simulation(context.Background(), first.ID); err != nil {
		t.Errorf("the first simulation must stay: %v", err)
	}
}
