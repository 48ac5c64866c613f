package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// phoneWidth is the narrowest screen every page must fit without sideways
// scrolling.
const phoneWidth = 390

// tab is a Chromium tab that records console errors, uncaught exceptions and
// failed loads, and answers confirmation dialogs with accept (false: Cancel).
type tab struct {
	t      *testing.T
	ctx    context.Context
	accept atomic.Bool

	mu       sync.Mutex
	problems []string
	dialogs  []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	b := &tab{t: t, ctx: newChromium(t)}
	if _, err := chromedp.Call(b.ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the log domain: %v", err)
	}
	watch := func(f func()) { go f() }
	watch(func() {
		for ev, err := range chromedp.Events(b.ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: b.accept.Load()})
		}
	})
	watch(func() {
		for ev, err := range chromedp.Events(b.ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			b.problem("uncaught: " + ev.ExceptionDetails.Text + " " + describe(ev.ExceptionDetails.Exception))
		}
	})
	watch(func() {
		for ev, err := range chromedp.Events(b.ctx, runtime.ConsoleAPICalled) {
			if err != nil {
				return
			}
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, describe(a))
				}
				b.problem("console.error: " + strings.Join(parts, " "))
			}
		}
	})
	watch(func() {
		for ev, err := range chromedp.Events(b.ctx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError {
				b.problem(string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return b
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	return strings.Trim(string(o.Value), `"`)
}

func (b *tab) problem(p string) {
	b.mu.Lock()
	b.problems = append(b.problems, p)
	b.mu.Unlock()
}

// dialogCount is how many confirmation dialogs the tab has seen.
func (b *tab) dialogCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.dialogs)
}

func (b *tab) lastDialog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) == 0 {
		return ""
	}
	return b.dialogs[len(b.dialogs)-1]
}

// width sets the viewport's width in CSS pixels.
func (b *tab) width(w int64) {
	b.t.Helper()
	step(b.t, b.ctx, fmt.Sprintf("viewport %d px", w), chromedp.EmulateViewport(w, 900))
}

// signUp makes an account in the browser and leaves it signed in.
func (b *tab) signUp(base, email string) {
	b.t.Helper()
	step(b.t, b.ctx, "sign up "+email,
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), "browser password 1"),
		chromedp.SendKeys(chromedp.ID("f-confirm"), "browser password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(".who .email")), // in the phone menu, closed at 390 px
	)
}

// clickAndDismiss clicks a destructive control with Cancel as the answer and
// returns the question it asked; it fails when no confirmation appears.
func (b *tab) clickAndDismiss(what string, sel string) string {
	b.t.Helper()
	b.accept.Store(false)
	before := b.dialogCount()
	step(b.t, b.ctx, what, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(5 * time.Second)
	for b.dialogCount() == before {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no confirmation dialog appeared", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond) // a request the dialog let through would have landed by now
	return b.lastDialog()
}

// waitFor waits until the tab shows url (a navigation htmx started).
func (b *tab) waitFor(what, url string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		loc, err := chromedp.Run(sctx, chromedp.Location())
		cancel()
		if err == nil && loc == url {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: want %s, the tab shows %s (%v)", what, url, loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitUntil polls ok until it holds, failing the test after limit.
func (b *tab) waitUntil(what string, limit time.Duration, ok func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// screenshotDir is where page screenshots go: SIMCRM_SCREENSHOTS, or the
// repository's screenshots/ folder (git-ignored).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SIMCRM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// shoot saves a full-page screenshot as <name>-<width>.png.
func (b *tab) shoot(name string, w int) {
	b.t.Helper()
	png := run(b.t, b.ctx, "screenshot "+name, chromedp.FullScreenshot(100)) // 100: PNG (lower is JPEG)
	file := filepath.Join(screenshotDir(b.t), fmt.Sprintf("%s-%d.png", name, w))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// pageSamples are values for the route table's path parameters.
type pageSamples map[string]string

// pagePaths are the route table's GET pages (no API, fragments, assets, probes,
// downloads or the sandbox's HubSpot API) with their parameters filled from samples; a
// parameter without a sample fails the test, so a new page cannot be missed.
func pagePaths(t *testing.T, a *testApp, samples pageSamples) []string {
	t.Helper()
	skip := regexp.MustCompile(`^/(api|fragments|static|sandbox/hubspot)(/|$)|^/(healthz|readyz|metrics|favicon\.ico)$|/export\.`)
	param := regexp.MustCompile(`:[A-Za-z]+`)
	seen := map[string]bool{}
	var out []string
	for _, r := range a.app.GetRoutes(true) {
		if r.Method != "GET" || skip.MatchString(r.Path) || seen[r.Path] || strings.Contains(r.Path, "*") {
			continue
		}
		seen[r.Path] = true
		path := param.ReplaceAllStringFunc(r.Path, func(p string) string {
			v, ok := samples[r.Path+" "+p]
			if !ok {
				v, ok = samples[p]
			}
			if !ok {
				t.Errorf("route %s: no sample value for %s (add one to the page walk)", r.Path, p)
			}
			return v
		})
		out = append(out, path)
	}
	return out
}

// pageName turns a path into a file name: /boss/dlq/3 → boss-dlq-3.
func pageName(path string) string {
	name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path), "-")
	if name == "" {
		return "dashboard"
	}
	return name
}

// Every page of the route table, signed out and as the boss, at a desktop width
// and at a phone's: nothing wider than the screen, no console errors, and a
// screenshot of each for review.
func TestBrowserEveryPageFitsAPhone(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := newTab(t)
	base := a.url

	for _, w := range []int{1280, phoneWidth} {
		b.width(int64(w))
		for _, path := range []string{"/login", "/signup", "/onboarding"} {
			b.visit(base, path, "signed-out-"+pageName(path), w)
		}
	}

	b.signUp(base, "boss@example.com")
	ctx := context.Background()
	boss := a.user(t, "boss@example.com")
	sim := a.seedSimulation(t, boss.ID, "Phone-width run with a long name that has to wrap somewhere sensible", storage.StatusRunning)
	rows := dlqRows(t, a, sim.ID, 3, "server", false)
	conn := storage.Connection{UserID: boss.ID, Name: "Demo portal", BaseURL: "https://api.hubapi.com", Tier: "free", TokenCiphertext: []byte("x")}
	if err := a.store.CreateConnection(ctx, &conn); err != nil {
		t.Fatal(err)
	}
	rec := sandboxRecord(t, a, sim.ID)
	invite := storage.AccountLink{Kind: storage.LinkInvite, Role: storage.RolePlayer, CreatedBy: boss.ID, ExpiresAt: time.Now().Add(time.Hour)}
	reset := storage.AccountLink{Kind: storage.LinkReset, UserID: &boss.ID, CreatedBy: boss.ID, ExpiresAt: time.Now().Add(time.Hour)}
	for token, l := range map[string]*storage.AccountLink{"walk-invite-token": &invite, "walk-reset-token": &reset} {
		if err := a.store.CreateAccountLink(ctx, l, auth.HashToken(token)); err != nil {
			t.Fatal(err)
		}
	}
	channel := storage.NotificationChannel{UserID: boss.ID, Kind: "webhook", Target: "https://hooks.example.com/simcrm", Events: []string{"finished"}}
	if err := a.store.CreateNotificationChannel(ctx, &channel); err != nil {
		t.Fatal(err)
	}
	samples := pageSamples{
		"/invite/:token :token":            "walk-invite-token",
		"/reset/:token :token":             "walk-reset-token",
		"/simulations/:id/report :id":      fmt.Sprint(sim.ID),
		"/simulations/:id/clone :id":       fmt.Sprint(sim.ID),
		"/notifications/:id :id":           fmt.Sprint(channel.ID),
		"/boss/scenarios/:name :name":      "b2b",
		"/simulations/:id :id":             fmt.Sprint(sim.ID),
		"/connections/:id :id":             fmt.Sprint(conn.ID),
		"/boss/dlq/:id :id":                fmt.Sprint(rows[0].ID),
		"/sandbox/records/:type/:id :type": "contacts",
		"/sandbox/records/:type/:id :id":   fmt.Sprint(rec),
	}
	paths := pagePaths(t, a, samples)
	if len(paths) < 10 {
		t.Fatalf("page walk: want every page of the route table, got %v", paths)
	}
	for _, w := range []int{1280, phoneWidth} {
		b.width(int64(w))
		for _, path := range paths {
			b.visit(base, path, pageName(path), w)
		}
	}
	// The phone menu opens and closes with its button, and names its state.
	step(t, b.ctx, "open the phone menu",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("menu-toggle")),
		chromedp.Click(chromedp.ID("menu-toggle")),
		chromedp.WaitVisible(chromedp.ID("logout")),
	)
	if got := run(t, b.ctx, "menu state", chromedp.AttributeValue(chromedp.ID("menu-toggle"), "aria-expanded")); got.Value != "true" {
		t.Errorf("menu button: want aria-expanded=true once open, got %q", got.Value)
	}
	b.shoot("menu-open", phoneWidth)

	// Dark mode follows the system.
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	b.width(1280)
	for _, path := range []string{"/", fmt.Sprintf("/simulations/%d", sim.ID)} {
		step(t, b.ctx, "open "+path+" in dark mode", chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("footer.footer")))
		bright := run(t, b.ctx, "background", chromedp.Evaluate[float64](`(() => {
			const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
			return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
		})()`))
		if bright > 0.2 {
			t.Errorf("%s in dark mode: want a dark background, got luminance %.2f", path, bright)
		}
		b.shoot("dark-"+pageName(path), 1280)
	}
}

// visit opens a page at the current width, checks it fits, its controls are
// labelled, and saves its screenshot.
func (b *tab) visit(base, path, name string, w int) {
	b.t.Helper()
	step(b.t, b.ctx, "open "+path, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("footer.footer")))
	wide := run(b.t, b.ctx, "page width", chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`))
	if wide > w {
		culprit := run(b.t, b.ctx, "widest element", chromedp.Evaluate[string](`(() => {
			let worst = null, right = 0;
			for (const el of document.querySelectorAll('body *')) {
				const r = el.getBoundingClientRect();
				if (r.right > right && r.width > 0) { right = r.right; worst = el; }
			}
			return worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') + '.' + [...worst.classList].join('.') + ' right=' + Math.round(right) : '';
		})()`))
		b.t.Errorf("%s at %d px: the page is %d px wide (%s)", path, w, wide, culprit)
	}
	unlabelled := run(b.t, b.ctx, "unlabelled controls", chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
		.map(el => el.name || el.id || el.type)`))
	if len(unlabelled) > 0 {
		b.t.Errorf("%s: controls without a label: %v", path, unlabelled)
	}
	// The keyboard's first stop is the skip link, and it lands on the content.
	step(b.t, b.ctx, "tab to the skip link", chromedp.KeyEvent("\t"))
	if first := run(b.t, b.ctx, "first tab stop", chromedp.Evaluate[string](`document.activeElement.className`)); first != "skip-link" {
		b.t.Errorf("%s: want the skip link as the first tab stop, got %q", path, first)
	}
	step(b.t, b.ctx, "follow it", chromedp.KeyEvent("\r"))
	if at := run(b.t, b.ctx, "focus after the skip link", chromedp.Evaluate[string](`document.activeElement.id`)); at != "main" {
		b.t.Errorf("%s: the skip link should move focus to the content, focus is on %q", path, at)
	}
	b.shoot(name, w)
}

// sandboxRecord creates a contact in the built-in sandbox for a simulation, as a
// HubSpot client would, and returns its id.
func sandboxRecord(t *testing.T, a *testApp, simID int64) int64 {
	t.Helper()
	c, err := hubspot.NewClient(a.cfg.SandboxURL, a.cfg.SandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.CreateObject(context.Background(), hubspot.Contacts, hubspot.ObjectInput{Properties: map[string]string{
		"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace",
		hubspot.SimulationIDProperty: fmt.Sprint(simID), hubspot.RecordKeyProperty: fmt.Sprintf("%d-0", simID)}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := strconv.ParseInt(rec.ID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Every destructive button asks first, and Cancel leaves everything as it was.
func TestBrowserDestructiveActionsConfirm(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := newTab(t)
	base := a.url
	ctx := context.Background()
	b.signUp(base, "boss@example.com")
	boss := a.user(t, "boss@example.com")
	sim := a.seedSimulation(t, boss.ID, "Confirm me", storage.StatusRunning)
	rows := dlqRows(t, a, sim.ID, 4, "auth", false)
	conn := storage.Connection{UserID: boss.ID, Name: "Keep me", BaseURL: "https://api.hubapi.com", Tier: "free", TokenCiphertext: []byte("x")}
	if err := a.store.CreateConnection(ctx, &conn); err != nil {
		t.Fatal(err)
	}
	rec := sandboxRecord(t, a, sim.ID)
	open := func() int64 {
		n, err := a.store.CountDLQ(ctx, storage.DLQFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	cases := []struct {
		name, page, click, asks string
		unchanged               func() error
	}{
		{"abort", fmt.Sprintf("/simulations/%d", sim.ID), "#btn-abort", "Abort this simulation", func() error {
			s, err := a.store.Simulation(ctx, sim.ID)
			if err == nil && s.Status != storage.StatusRunning {
				err = fmt.Errorf("status became %s", s.Status)
			}
			return err
		}},
		{"replay", "/boss/dlq", "#btn-replay", "Replay all 4 open rows", nil},
		{"resolve", "/boss/dlq", "#btn-resolve", "resolved", nil},
		{"discard", "/boss/dlq", "#btn-discard", "Discard all 4 open rows", nil},
		{"replay one row", fmt.Sprintf("/boss/dlq/%d", rows[0].ID), "#btn-replay", "Replay this row", nil},
		{"resolve one row", fmt.Sprintf("/boss/dlq/%d", rows[0].ID), "#btn-resolve", "this row", nil},
		{"discard one row", fmt.Sprintf("/boss/dlq/%d", rows[0].ID), "#btn-discard", "Discard this row", nil},
		{"delete connection", fmt.Sprintf("/connections/%d", conn.ID), "#delete-connection", "Delete the connection “Keep me”", func() error {
			_, err := a.store.Connection(ctx, conn.ID)
			return err
		}},
		{"reset sandbox", "/sandbox", "#reset-sandbox", "Reset the sandbox", func() error {
			_, _, err := a.sb.Record(ctx, "contacts", rec)
			return err
		}},
	}
	for _, tc := range cases {
		step(t, b.ctx, "open "+tc.page, chromedp.Navigate(base+tc.page), chromedp.WaitVisible(chromedp.CSS(tc.click)))
		asked := b.clickAndDismiss(tc.name, tc.click)
		if !strings.Contains(asked, tc.asks) {
			t.Errorf("%s: want a question containing %q, got %q", tc.name, tc.asks, asked)
		}
		if got := open(); got != 4 {
			t.Errorf("%s dismissed: want the 4 DLQ rows still open, got %d", tc.name, got)
		}
		if tc.unchanged != nil {
			if err := tc.unchanged(); err != nil {
				t.Errorf("%s dismissed: %v", tc.name, err)
			}
		}
		if loc := run(t, b.ctx, "location", chromedp.Location()); loc != base+tc.page {
			t.Errorf("%s dismissed: the page moved to %s", tc.name, loc)
		}
	}

	// Accepted, the same buttons act.
	step(t, b.ctx, "open the connection", chromedp.Navigate(fmt.Sprintf("%s/connections/%d", base, conn.ID)), chromedp.WaitVisible(chromedp.ID("delete-connection")))
	b.accept.Store(true)
	step(t, b.ctx, "delete it for real", chromedp.Click(chromedp.ID("delete-connection")))
	b.waitFor("the connections list", base+"/connections")
	if _, err := a.store.Connection(ctx, conn.ID); err == nil {
		t.Errorf("accepted delete: the connection is still there")
	}
}

// Ticking three rows narrows replay to those three, dry run included.
func TestBrowserReplaysOnlyTheTickedRows(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := newTab(t)
	base := a.url
	ctx := context.Background()
	b.signUp(base, "boss@example.com")
	sim := dlqSim(t, a, "boss@example.com", "Pick three")
	rows := dlqRows(t, a, sim, 10, "server", false)
	picked := []int64{rows[1].ID, rows[4].ID, rows[7].ID}

	step(t, b.ctx, "open the triage page", chromedp.Navigate(base+"/boss/dlq"), chromedp.WaitVisible(chromedp.ID("dlq-list")))
	for _, id := range picked {
		step(t, b.ctx, fmt.Sprintf("tick row %d", id), chromedp.Click(chromedp.CSS(fmt.Sprintf(`#dlq-row-%d input.row-select`, id))))
	}
	if got := run(t, b.ctx, "scope", chromedp.Text(chromedp.ID("dlq-scope"))); got != "3 selected rows" {
		t.Errorf("scope: want %q, got %q", "3 selected rows", got)
	}
	b.shoot("dlq-three-ticked", 1280)
	step(t, b.ctx, "dry run the three",
		chromedp.Click(chromedp.ID("btn-dry-run")),
		chromedp.WaitVisible(chromedp.CSS("#dlq-replay-result h3")),
	)
	if got := run(t, b.ctx, "dry run", chromedp.Text(chromedp.CSS("#dlq-replay-result h3"))); !strings.Contains(got, "3 of 3 open rows would be replayed") {
		t.Errorf("dry run: want 3 of 3, got %q", got)
	}
	b.accept.Store(true)
	step(t, b.ctx, "replay them",
		chromedp.Click(chromedp.ID("btn-replay")),
		chromedp.Poll[chromedp.Void](`(document.querySelector('#dlq-replay-result h3') || {}).textContent?.includes('Replayed 3 of 3')`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if q := b.lastDialog(); !strings.Contains(q, "3 selected rows") {
		t.Errorf("confirmation: want it to name the 3 selected rows, got %q", q)
	}
	for _, r := range rows {
		e, err := a.store.DLQEntry(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := storage.DLQOpen
		for _, id := range picked {
			if id == r.ID {
				want = storage.DLQReplayed
			}
		}
		if e.Status != want {
			t.Errorf("row %d: want %s, got %s", r.ID, want, e.Status)
		}
	}
	if got := run(t, b.ctx, "matching after", chromedp.Text(chromedp.ID("dlq-matching"))); got != "7 matching" {
		t.Errorf("list after the replay: want 7 matching, got %q", got)
	}
}

// With fault injection on, a simulation against the sandbox can still be
// created (the form and the page say fault injection is on), and once it runs
// into injected failures they reach the DLQ.
func TestBrowserFaultInjectedSimulationReachesTheDLQ(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.runWorkers(t)
	b := newTab(t)
	base := a.url
	b.signUp(base, "boss@example.com")
	if err := a.sb.SetFaults(sandbox.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	step(t, b.ctx, "open the form", chromedp.Navigate(base+"/simulations/new"), chromedp.WaitVisible(chromedp.ID("target-faults")))
	if got := run(t, b.ctx, "form warning", chromedp.Text(chromedp.ID("target-faults"))); !strings.Contains(got, "Fault injection is on") || !strings.Contains(got, "100% 5xx") {
		t.Errorf("form: want the fault-injection warning naming 100%% 5xx, got %q", got)
	}
	start := run(t, b.ctx, "start time", chromedp.Value(chromedp.ID("f-startTime")))
	from, err := time.Parse("2006-01-02T15:04", start)
	if err != nil {
		t.Fatalf("start time %q: %v", start, err)
	}
	// Two simulated hours at ×120, evenly: 25 records over one minute.
	step(t, b.ctx, "create a short accelerated run without starting it",
		chromedp.SendKeys(chromedp.ID("f-name"), "Faulty demo"),
		chromedp.SetValue(chromedp.ID("f-totalRecords"), "25"),
		chromedp.SetValue(chromedp.ID("f-endTime"), from.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("f-paceFactor"), "120"),
		chromedp.SetValue(chromedp.ID("f-distribution"), "linear"),
		chromedp.Click(chromedp.CSS(`input[name="startNow"]`)),
		chromedp.Click(chromedp.ID("create-simulation")),
		chromedp.WaitVisible(chromedp.ID("sim-metrics")),
	)
	if loc := run(t, b.ctx, "location", chromedp.Location()); !regexp.MustCompile(`/simulations/\d+$`).MatchString(loc) {
		t.Fatalf("create with fault injection on: want the simulation page, got %s", loc)
	}
	if got := run(t, b.ctx, "page notice", chromedp.Text(chromedp.ID("fault-injection"))); !strings.Contains(got, "Fault injection is on") {
		t.Errorf("simulation page: want the fault-injection notice, got %q", got)
	}

	// Healthy at first, then every call refused: the later work fails into the DLQ.
	if err := a.sb.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	step(t, b.ctx, "start", chromedp.Click(chromedp.ID("btn-start")))
	b.waitUntil("the first records are created", 20*time.Second, func() bool {
		s, err := a.store.Simulations(context.Background(), storage.SimulationFilter{})
		if err != nil || len(s) == 0 {
			return false
		}
		m, err := a.engine.Progress.Metrics(context.Background(), s[0].ID)
		return err == nil && m.Created["contacts"] > 0
	})
	if err := a.sb.SetFaults(sandbox.Faults{Force401: true}); err != nil {
		t.Fatal(err)
	}
	b.waitUntil("auth failures from the forced 401s reach the DLQ", 40*time.Second, func() bool {
		n, err := a.store.CountDLQ(context.Background(), storage.DLQFilter{Categories: []string{"auth"}})
		return err == nil && n > 0
	})
	step(t, b.ctx, "the page shows the failures and why",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("sim-dlq")),
		chromedp.Poll[chromedp.Void](`(() => { const e = document.getElementById('dlq-failed-total'); return e && Number(e.textContent.replace(/,/g, '')) > 0; })()`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := run(t, b.ctx, "page notice", chromedp.Text(chromedp.ID("fault-injection"))); !strings.Contains(got, "every call 401") {
		t.Errorf("simulation page: want the notice to name the forced 401, got %q", got)
	}
	b.shoot("simulation-fault-injected", 1280)
}
