package views

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/simcrm/simcrm/internal/format"
)

func TestFormShowsEachMessageBesideItsField(t *testing.T) {
	f := SimulationForm{Name: "demo", Pace: "accelerated", Distribution: "custom",
		Errors: FormErrors{"totalRecords": "Enter a whole number of records.", "endTime": "End must be after start.",
			"hourWeights": "Hour 3: Use numbers only.", "": "Something about the whole form."}}
	d := renderDoc(t, SimulationFormCard("tok", f))
	for field, msg := range f.Errors {
		if field == "" {
			continue
		}
		box := d.Find("#field-" + field)
		if !box.HasClass("has-error") {
			t.Errorf("%s: want the field marked has-error", field)
		}
		if got := box.Find("#err-" + field).Text(); got != msg {
			t.Errorf("%s: want message %q beside the field, got %q", field, msg, got)
		}
	}
	if got := d.Find("#f-totalRecords").AttrOr("aria-describedby", ""); got != "err-totalRecords" {
		t.Errorf("bad input: want aria-describedby=err-totalRecords, got %q", got)
	}
	if n := d.Find("#field-name .field-error").Length(); n != 0 {
		t.Errorf("a good field must carry no message, got %d", n)
	}
	if got := d.Find("#form-error").Text(); got != "Something about the whole form." {
		t.Errorf("form-level message: got %q", got)
	}
	if got := d.Find(`input[name="_csrf"]`).AttrOr("value", ""); got != "tok" {
		t.Errorf("csrf field: want tok, got %q", got)
	}
	if n := d.Find(`input[name="hourWeights"]`).Length(); n != 24 {
		t.Errorf("custom weights: want 24 inputs, got %d", n)
	}
	form := d.Find("form#sim-form")
	if form.AttrOr("hx-post", "") != "/fragments/simulations/preview" || !strings.Contains(form.AttrOr("hx-trigger", ""), "change delay:") {
		t.Errorf("form must ask for a preview on change with a delay: hx-post=%q hx-trigger=%q", form.AttrOr("hx-post", ""), form.AttrOr("hx-trigger", ""))
	}
	if form.AttrOr("action", "") != "/simulations" || form.AttrOr("method", "") != "post" {
		t.Errorf("form must post to /simulations")
	}
}

func TestPreviewShowsTotalsWarningsOrProblems(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	v := PreviewView{Chart: NewBarChart(hourlyBins(start, 1, 2, 3), start, start.Add(3*time.Hour), nil), Requested: 10,
		EffectiveTotal: 8, Totals: []TypeCount{{"contacts", 8}, {"notes", 1200}}, Warnings: []string{"the notes budget cuts 3 notes"}}
	d := renderDoc(t, SimulationPreview(v))
	if d.Find("#sim-preview #preview-chart rect.bar").Length() != 3 {
		t.Errorf("preview: want the chart with 3 bars")
	}
	if got := d.Find("#preview-totals").Text(); !strings.Contains(got, "notes") || !strings.Contains(got, "1,200") {
		t.Errorf("totals: want notes 1,200, got %q", got)
	}
	if got := d.Find(".preview-warning").Text(); got != "the notes budget cuts 3 notes" {
		t.Errorf("warning: got %q", got)
	}
	d = renderDoc(t, SimulationPreview(PreviewView{Problems: []Problem{{Label: "End", Message: "End must be after start."}}}))
	if d.Find("svg").Length() != 0 || !strings.Contains(d.Find(".problems").Text(), "End: End must be after start.") {
		t.Errorf("problems: want the list and no chart, got %q", d.Text())
	}
}

func TestMetricsPanelPollsUntilFinished(t *testing.T) {
	running := MetricsView{SimID: 7, Status: "running", Source: "redis", Percent: 42.5, EffectiveTotal: 800, Records: 340,
		Bar:  ProgressParts{Created: 40, Failed: 2.5},
		Rows: []MetricsRow{{Type: "contacts", Created: 340, Scheduled: 400}, {Type: "notes", Failed: 2}}, Throughput: NewThroughput([]int64{1, 4, 2}, 10*time.Second)}
	d := renderDoc(t, SimulationMetrics(running))
	panel := d.Find("#sim-metrics")
	if panel.AttrOr("hx-trigger", "") != "every 2s" || panel.AttrOr("hx-get", "") != "/fragments/simulations/7/metrics?shown=running" {
		t.Errorf("running: want polling every 2s of the fragment, got hx-get=%q hx-trigger=%q", panel.AttrOr("hx-get", ""), panel.AttrOr("hx-trigger", ""))
	}
	if got := panel.Find(".progress span.part-created").AttrOr("style", ""); !strings.Contains(got, "width: 40.0%") {
		t.Errorf("progress bar: want the created part 40%% wide, got %q", got)
	}
	if got := panel.Find(".progress span.part-failed").AttrOr("style", ""); !strings.Contains(got, "width: 2.5%") {
		t.Errorf("progress bar: want the failed part 2.5%% wide, got %q", got)
	}
	if got := panel.Find("#metrics-source").Text(); got != "source: redis" {
		t.Errorf("source: got %q", got)
	}
	if got := panel.Find(`tr[data-type="notes"] td.bad`).Text(); got != "2" {
		t.Errorf("failed notes: want 2 highlighted, got %q", got)
	}
	if panel.Find("svg#throughput polyline").Length() != 1 {
		t.Errorf("throughput chart missing")
	}
	if panel.AttrOr("aria-live", "") != "polite" {
		t.Errorf("the polled panel must be announced politely (aria-live)")
	}

	done := MetricsView{SimID: 7, Status: "paused", StatusReason: "HubSpot's DAILY limit is used up", Source: "db", Finished: true}
	d = renderDoc(t, SimulationMetrics(done))
	if _, ok := d.Find("#sim-metrics").Attr("hx-trigger"); ok {
		t.Errorf("finished: the panel must not poll any more")
	}
	if got := d.Find("#sim-status-reason").Text(); got != done.StatusReason {
		t.Errorf("reason: want %q, got %q", done.StatusReason, got)
	}
	if !d.Find("#metrics-source").HasClass("badge-warn") {
		t.Errorf("database source: want the warning look")
	}
}

func TestControlsOfferWhatTheStatusAllows(t *testing.T) {
	cases := []struct {
		v    ControlsView
		want []string
	}{
		{ControlsView{SimID: 3, Status: "queued", CanStart: true, CanAbort: true}, []string{"btn-start", "btn-abort"}},
		{ControlsView{SimID: 3, Status: "running", CanPause: true, CanAbort: true}, []string{"btn-pause", "btn-abort"}},
		{ControlsView{SimID: 3, Status: "paused", CanResume: true, CanAbort: true}, []string{"btn-resume", "btn-abort"}},
		{ControlsView{SimID: 3, Status: "completed"}, nil},
	}
	for _, tc := range cases {
		d := renderDoc(t, SimulationControls(tc.v, false))
		var got []string
		d.Find("button").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("id", "")) })
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: want buttons %v, got %v", tc.v.Status, tc.want, got)
		}
		if tc.v.CanAbort {
			abort := d.Find(`form[action="/simulations/3/abort"]`)
			if abort.Find(`input[type="checkbox"][name="purge"]`).Length() != 1 || abort.AttrOr("hx-confirm", "") == "" {
				t.Errorf("%s: abort needs a purge checkbox and a confirm", tc.v.Status)
			}
		}
	}
	d := renderDoc(t, SimulationControls(ControlsView{SimID: 3, Status: "running"}, true))
	if d.Find("#sim-controls").AttrOr("hx-swap-oob", "") != "true" {
		t.Errorf("out-of-band controls: want hx-swap-oob=true")
	}
}

func TestSimulationPageHasEveryRegionAndThePanelsSlot(t *testing.T) {
	extra := templ.Raw(`<section id="sim-dlq" class="card">DLQ</section>`)
	v := SimulationView{ID: 9, Name: "Night run", Metrics: MetricsView{SimID: 9, Status: "running"},
		Segments: SegmentsView{SimID: 9}, Controls: ControlsView{SimID: 9, Status: "running", CanPause: true}, Panels: []templ.Component{extra}}
	d := renderDoc(t, SimulationPage(Page{Title: "Night run"}, v))
	for _, id := range []string{"sim-metrics", "sim-segments", "sim-controls", "sim-definition", "sim-panels"} {
		if d.Find("#"+id).Length() != 1 {
			t.Errorf("page: want exactly one #%s", id)
		}
	}
	if d.Find("#sim-panels #sim-dlq").Length() != 1 {
		t.Errorf("extra panels must render inside #sim-panels")
	}
}

func TestDashboardListsSimulationsWithProgress(t *testing.T) {
	d := renderDoc(t, DashboardPage(Page{}, DashboardView{Rows: []SimulationRow{
		{ID: 4, Name: "A", Status: "running", Percent: 25, Records: 200, EffectiveTotal: 800, HasMetrics: true, Source: "redis"},
		{ID: 5, Name: "B", Status: "queued", EffectiveTotal: 10},
	}}))
	row := d.Find("#sim-row-4")
	if row.Find("a.simname").AttrOr("href", "") != "/simulations/4" || !strings.Contains(row.Find(".progress span").AttrOr("style", ""), "25") {
		t.Errorf("row 4: want a link and a 25%% progress bar, got %q", row.Text())
	}
	if !strings.Contains(row.Text(), "200 / 800") {
		t.Errorf("row 4: want created/effective total 200 / 800, got %q", row.Text())
	}
	if !d.Find("#sim-row-5 .status-badge").HasClass("status-queued") {
		t.Errorf("row 5: want a queued badge")
	}
	if d := renderDoc(t, DashboardPage(Page{}, DashboardView{})); !strings.Contains(d.Find("#simulations").Text(), "No simulations yet") {
		t.Errorf("empty list: want the empty state")
	}
}

// A paced run's panel shows its lateness; a backfill (nothing measured) does not.
func TestMetricsShowLateness(t *testing.T) {
	m := MetricsView{SimID: 3, Status: "running", Lateness: &LatenessView{P50: format.Millis(200), P99: format.Millis(1500), Measured: 812, Early: 0},
		Rows: []MetricsRow{{Type: "contacts", Created: 5}, {Type: "deal updates", Created: 9}}}
	d := renderDoc(t, SimulationMetrics(m))
	b, span := d.Find("#stat-lateness b").Text(), strings.Join(strings.Fields(d.Find("#stat-lateness span").Text()), " ")
	if b != "1.5 s" || span != "p99 late (p50 200 ms, 0 early)" {
		t.Errorf("lateness: got %q / %q", b, span)
	}
	if d.Find(`#metrics-types tr[data-type="deal updates"]`).Length() != 1 {
		t.Error("want a row for deal updates")
	}
	m.Lateness = nil
	if renderDoc(t, SimulationMetrics(m)).Find("#stat-lateness").Length() != 0 {
		t.Error("nothing measured: want no lateness")
	}
}
