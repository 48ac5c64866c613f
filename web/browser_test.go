package web

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/simcrm/simcrm/internal/testenv"
)

// chromiumPath is Debian's Chromium (apt-get install -y chromium).
const chromiumPath = "/usr/bin/chromium"

// newChromium starts a headless Chromium with a fresh profile; it skips (fails
// under CI) when Chromium is not installed.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	_, err := exec.LookPath(chromiumPath)
	testenv.Require(t, err == nil, chromiumPath+" is not installed (apt-get install -y chromium)")
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a deadline and fails the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves a full-page PNG in the screenshot folder (see screenshotDir).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100)) // 100: PNG (lower is JPEG)
	if err := os.WriteFile(filepath.Join(screenshotDir(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserPlansASimulationWithALivePreview(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.runWorkers(t)
	ctx := newTab(t).ctx // fails on console errors
	base := a.url

	step(t, ctx, "sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-email"), "player@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "browser password 1"),
		chromedp.SendKeys(chromedp.ID("f-confirm"), "browser password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who .email")),
	)

	step(t, ctx, "open the new-simulation form",
		chromedp.Navigate(base+"/simulations/new"),
		chromedp.WaitVisible(chromedp.CSS("#sim-preview svg#preview-chart rect.bar")),
	)
	before := run(t, ctx, "read the chart", chromedp.OuterHTML(chromedp.ID("preview-chart")))
	if hidden := run(t, ctx, "custom weights hidden", chromedp.Evaluate[bool](
		`getComputedStyle(document.querySelector('.only-custom')).display === 'none'`)); !hidden {
		t.Errorf("the custom weights must stay hidden until the custom distribution is chosen")
	}

	step(t, ctx, "name it and change the distribution",
		chromedp.SendKeys(chromedp.ID("f-name"), "Browser run"),
		chromedp.SetValue(chromedp.ID("f-distribution"), "front_loaded"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-distribution').dispatchEvent(new Event('change', {bubbles: true}))`),
	)
	quoted, _ := json.Marshal(before)
	step(t, ctx, "the preview redraws the curve",
		chromedp.Poll[chromedp.Void](`(() => { const c = document.getElementById('preview-chart'); return c && c.outerHTML !== `+string(quoted)+`; })()`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	step(t, ctx, "the swap settles",
		chromedp.Poll[chromedp.Void](`!document.querySelector('#sim-preview.htmx-request, #sim-preview.htmx-settling')`, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Sleep(300*time.Millisecond),
	)
	after := run(t, ctx, "read the new chart", chromedp.AttributeValue(chromedp.ID("preview-chart"), "aria-label"))
	if strings.Contains(before, after.Value) || !strings.Contains(after.Value, "Planned curve") {
		t.Errorf("the chart's summary should change with the distribution: before %q, after %q", before[:min(len(before), 200)], after.Value)
	}
	bars := run(t, ctx, "count bars", chromedp.Evaluate[int](`document.querySelectorAll('#preview-chart rect.bar').length`))
	if bars == 0 {
		t.Fatalf("the redrawn chart has no bars")
	}
	screenshot(t, ctx, "new-simulation")

	step(t, ctx, "backfill 200 records so the run finishes while we watch",
		chromedp.SetValue(chromedp.ID("f-totalRecords"), "200"),
		chromedp.Click(chromedp.CSS(`input[name="pace"][value="backfill"] + span`)),
	)
	step(t, ctx, "submit",
		chromedp.Click(chromedp.ID("create-simulation")),
		chromedp.WaitVisible(chromedp.ID("sim-metrics")),
	)
	loc := run(t, ctx, "location", chromedp.Location())
	if !regexp.MustCompile(`/simulations/\d+$`).MatchString(loc) {
		t.Fatalf("after submit: want the simulation page, got %s", loc)
	}
	if h1 := run(t, ctx, "title", chromedp.Text(chromedp.CSS("h1"))); h1 != "Browser run" {
		t.Errorf("simulation page title: want %q, got %q", "Browser run", h1)
	}
	// The polled panel shows the run progressing (the workers are running).
	step(t, ctx, "progress shows up through polling",
		chromedp.Poll[chromedp.Void](`document.getElementById('sim-percent') && document.getElementById('sim-percent').textContent !== '0%'`,
			chromedp.WithPollingTimeout(12*time.Second)),
	)
	screenshot(t, ctx, "simulation")
}
