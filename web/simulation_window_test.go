package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/simcrm/simcrm/internal/testenv"
)

// Choosing a pace swaps in a window that fits it: a backfill's default window
// ends now (its records lie in the past), a paced run's starts at the next hour;
// a window that already fits stays as typed.
func TestSimulationWindowFitsThePace(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("owner@example.com", "owner password 1")
	now := time.Now().UTC()
	future := newSimulationForm(now)
	window := func(pace, start, end string) (string, string, string) {
		t.Helper()
		q := url.Values{"pace": {pace}, "startTime": {start}, "endTime": {end}, "timeZone": {"UTC"}}
		resp, body := b.htmx(http.MethodGet, "/fragments/simulations/window?"+q.Encode(), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("window: want 200, got %d", resp.StatusCode)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := doc.Find("#f-startTime").Attr("value")
		e, _ := doc.Find("#f-endTime").Attr("value")
		return s, e, resp.Header.Get("HX-Trigger-After-Swap")
	}
	s, e, trig := window("backfill", future.StartTime, future.EndTime)
	end, err := time.Parse(datetimeLocal, e)
	if err != nil || end.After(now) || now.Sub(end) > 2*time.Minute || trig != "sim-window-changed" {
		t.Fatalf("backfill from a future window: want one ending now, got %s … %s (trigger %q)", s, e, trig)
	}
	if st, _ := time.Parse(datetimeLocal, s); end.Sub(st) != 24*time.Hour {
		t.Errorf("backfill window: want a day, got %s … %s", s, e)
	}
	past0, past1 := now.Add(-72*time.Hour).Format(datetimeLocal), now.Add(-48*time.Hour).Format(datetimeLocal)
	if s, e, trig := window("backfill", past0, past1); s != past0 || e != past1 || trig != "" {
		t.Errorf("backfill over a past window: want it kept, got %s … %s (trigger %q)", s, e, trig)
	}
	if s, e, _ := window("accelerated", past0, past1); s != future.StartTime || e != future.EndTime {
		t.Errorf("accelerated over a past window: want the next day %s … %s, got %s … %s", future.StartTime, future.EndTime, s, e)
	}
	if s, _, _ := window("backfill", "garbage", "garbage"); s == "garbage" {
		t.Error("an unreadable window: want the pace's default")
	}
}
