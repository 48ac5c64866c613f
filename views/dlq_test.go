package views

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestDLQPanelPollsUntilFinishedAndShowsItsSource(t *testing.T) {
	v := DLQPanelView{SimID: 7, Source: "db", FailedTotal: 5, OpenTotal: 3,
		Categories: []DLQPanelCategory{{Category: "auth", Failed: 4, Open: 3}, {Category: "server", Failed: 1}},
		Samples:    []DLQSampleView{{ID: 12, Category: "auth", ObjectType: "contact", Error: "401", Payload: "{}"}}}
	d := renderDoc(t, DLQPanel(v))
	panel := d.Find("section#sim-dlq")
	if panel.AttrOr("hx-get", "") != "/fragments/simulations/7/dlq" || panel.AttrOr("hx-trigger", "") != "every 2s" {
		t.Errorf("running: want the panel polled every 2 s from its fragment, got %q %q", panel.AttrOr("hx-get", ""), panel.AttrOr("hx-trigger", ""))
	}
	if got := d.Find("#dlq-panel-source"); got.Text() != "source: db" || !got.HasClass("badge-warn") {
		t.Errorf("source db: want a warning badge, got %q (%s)", got.Text(), got.AttrOr("class", ""))
	}
	if got := d.Find(`#dlq-panel-categories tr[data-category="auth"] td.num`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(got, "/") != "4/3" {
		t.Errorf("auth row: want failed 4, open 3, got %v", got)
	}
	if d.Find(`.sample a[href="/boss/dlq/12"]`).Length() != 1 {
		t.Errorf("a sample from a row links to it")
	}
	v.Finished = true
	if d := renderDoc(t, DLQPanel(v)); d.Find("#sim-dlq[hx-trigger]").Length() != 0 {
		t.Errorf("finished: the panel must not poll")
	}
	if d := renderDoc(t, DLQPanel(DLQPanelView{SimID: 7, Source: "redis"})); d.Find("#dlq-panel-empty").Length() != 1 || d.Find("#dlq-panel-source.badge-muted").Length() != 1 {
		t.Errorf("no failures: want the empty message and a quiet redis badge")
	}
}

func TestThinningPanelWithoutRedisSaysWhy(t *testing.T) {
	d := renderDoc(t, ThinningPanel(ThinningPanelView{SimID: 3, Source: "redis-disabled", ThinnedTotal: 4, CountsSource: "db",
		Thinned: []TypeCount{{Type: "notes", Count: 4}}}))
	if got := d.Find("#thinning-source").Text(); got != "source: redis-disabled" {
		t.Errorf("source: got %q", got)
	}
	if !strings.Contains(d.Find("#thinning-empty").Text(), "Redis only") {
		t.Errorf("no events while Redis is away: want the reason, got %q", d.Find("#thinning-empty").Text())
	}
	if got := d.Find("#thinned-total").Text(); got != "4" || !strings.Contains(d.Find(".stat").Last().Text(), "from db") {
		t.Errorf("thinned counts from the database: got %q", d.Find(".stat").Last().Text())
	}
	d = renderDoc(t, ThinningPanel(ThinningPanelView{SimID: 3, Source: "redis", HasFactor: true, Factor: 0.7, Waiting: 2500,
		Events: []ThinningEventRow{{At: "10:00:00", RecordIndex: 9, Before: 4, After: 2, Factor: "0.7", Waiting: 2500}}, Stored: 1, Cap: 200}))
	if got := d.Find("#thinning-factor").Text(); strings.TrimSpace(got) != "70%" {
		t.Errorf("factor: want 70%%, got %q", got)
	}
	if got := d.Find("#thinning-events tbody td").Eq(2); got.Text() != "2 / 4" || got.AttrOr("title", "") != "2 skipped" {
		t.Errorf("event: want kept 2 / 4 with 2 skipped, got %q %q", got.Text(), got.AttrOr("title", ""))
	}
}

func TestDLQSummaryCellsTrendAndLink(t *testing.T) {
	cells := []DLQSummaryCell{{Count: 5, Last24h: 4, Prev24h: 1, URL: "/boss/dlq?category=auth&sim=1"}, {}, {Count: 2, Last24h: 0, Prev24h: 2, URL: "/x"}}
	v := DLQSummaryView{Categories: []string{"auth", "server", "timeout"}, Rows: []DLQSummaryRow{{SimID: 1, SimName: "A", Cells: cells,
		Total: DLQSummaryCell{Count: 7, Last24h: 4, Prev24h: 3}}}, Totals: cells, Total: DLQSummaryCell{Count: 7, Last24h: 4, Prev24h: 3}}
	d := renderDoc(t, DLQSummary(v))
	row := d.Find(`#dlq-summary tbody tr[data-sim="1"]`)
	if got := row.Find(`td[data-category="auth"] .trend-up`).AttrOr("title", ""); got != "4 in the last 24 h, 1 in the 24 h before" {
		t.Errorf("rising cell: got title %q", got)
	}
	if row.Find(`td[data-category="server"] a`).Length() != 0 || row.Find(`td[data-category="timeout"] .trend-down`).Length() != 1 {
		t.Errorf("empty cell has no link; a falling cell points down")
	}
	if href := row.Find(`td[data-category="auth"] a`).AttrOr("href", ""); href != "/boss/dlq?category=auth&sim=1" {
		t.Errorf("cell link: got %q", href)
	}
	if d := renderDoc(t, DLQSummary(DLQSummaryView{})); d.Find("#dlq-summary-empty").Length() != 1 {
		t.Errorf("no rows: want the empty message")
	}
}

func TestDLQReplayPanelKeepsTheFilterAndShowsWhenToRetry(t *testing.T) {
	f := DLQFilterForm{Simulation: "4", Categories: []string{"auth", "server"}, ErrorText: "expired", Status: "resolved"}
	v := DLQReplayPanelView{Filter: f, Strategy: "newest", Limit: "10", Cap: 50, CSRF: "tok",
		Errors: FormErrors{"limit": "Enter a whole number from 1 to 50."}, Result: &DLQReplayResultView{Limited: true, RetryIn: "12 s", RetryAt: "10:00:12 UTC"}}
	d := renderDoc(t, DLQReplayPanel(v))
	var hidden []string
	d.Find(`form input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		hidden = append(hidden, s.AttrOr("name", "")+"="+s.AttrOr("value", ""))
	})
	if got := strings.Join(hidden, "&"); got != "_csrf=tok&sim=4&category=auth&category=server&q=expired" {
		t.Errorf("hidden fields: want the filter (bulk actions act on open rows, so no status), got %s", got)
	}
	if d.Find(`input[name="strategy"][value="newest"][checked]`).Length() != 1 {
		t.Errorf("the chosen strategy stays checked")
	}
	if got := d.Find("#err-limit").Text(); got != "Enter a whole number from 1 to 50." {
		t.Errorf("message beside limit: got %q", got)
	}
	if got := d.Find("#retry-in").Text(); got != "12 s" || !strings.Contains(d.Find("#replay-limited").Text(), "10:00:12 UTC") {
		t.Errorf("limited: want when to try again, got %q", d.Find("#replay-limited").Text())
	}
	v.QueueDown, v.Result = true, nil
	if d := renderDoc(t, DLQReplayPanel(v)); d.Find("#btn-replay[disabled]").Length() != 1 || d.Find("#btn-dry-run[disabled]").Length() != 0 {
		t.Errorf("queue down: replay disabled, dry run still offered")
	}
}

// The triage page holds several forms built from the same field pieces; every
// id on it names one element, with a message shown beside its field.
func TestDLQPageIDsAreUnique(t *testing.T) {
	errs := FormErrors{"sim": "Pick a simulation.", "limit": "Enter a whole number.", "reason": "Say why.", "action": "Choose."}
	filter := DLQFilterForm{Simulation: "1", Errors: errs}
	v := DLQTriageView{Filter: filter, Replay: DLQReplayPanelView{Filter: filter, Cap: 500, Errors: errs},
		Close: DLQCloseForm{Filter: filter, Errors: errs}}
	d := renderDoc(t, DLQPage(Page{Title: "Dead-letter queue"}, v))
	seen := map[string]int{}
	d.Find("[id]").Each(func(_ int, s *goquery.Selection) { seen[s.AttrOr("id", "")]++ })
	for id, n := range seen {
		if n > 1 {
			t.Errorf("id %q: want one element, got %d", id, n)
		}
	}
	if got := d.Find("#field-sim #err-sim").Text(); got != "Pick a simulation." {
		t.Errorf("filter: want the message beside the simulation field, got %q", got)
	}
}
