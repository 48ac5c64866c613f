package views

import (
	"bytes"
	"context"
	"github.com/simcrm/simcrm/internal/format"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// renderDoc renders a component and parses the HTML.
func renderDoc(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func attrFloat(t *testing.T, s *goquery.Selection, name string) float64 {
	t.Helper()
	v, ok := s.Attr(name)
	if !ok {
		t.Fatalf("no %s attribute on %s", name, goquery.NodeName(s))
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return f
}

func hourlyBins(start time.Time, counts ...float64) []Bin {
	out := make([]Bin, len(counts))
	for i, c := range counts {
		out[i] = Bin{Start: start.Add(time.Duration(i) * time.Hour), Count: c}
	}
	return out
}

func TestBarChartHasOneBarPerBinScaledToTheCounts(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	counts := []float64{10, 20, 40, 0, 5, 40, 30, 12}
	chart := NewBarChart(hourlyBins(start, counts...), start, start.Add(8*time.Hour), time.UTC)
	d := renderDoc(t, BarChartSVG("preview-chart", chart))

	bars := d.Find("svg#preview-chart rect.bar")
	if bars.Length() != len(counts) {
		t.Fatalf("bars: want %d (one per bin), got %d", len(counts), bars.Length())
	}
	baseline := chart.Plot.Y + chart.Plot.H
	heights := make([]float64, len(counts))
	bars.Each(func(i int, b *goquery.Selection) {
		heights[i] = attrFloat(t, b, "height")
		if y := attrFloat(t, b, "y"); math.Abs(y+heights[i]-baseline) > 0.15 {
			t.Errorf("bar %d does not stand on the baseline: want y+height=%.1f, got %.1f", i, baseline, y+heights[i])
		}
	})
	// Heights are proportional to the counts: 40 is twice 20, four times 10.
	for i, c := range counts {
		want := heights[2] * c / 40
		if math.Abs(heights[i]-want) > 0.2 {
			t.Errorf("bar %d (count %v): want height %.1f, got %.1f", i, c, want, heights[i])
		}
	}
	if heights[2] > chart.Plot.H+0.01 || heights[2] < chart.Plot.H/2 {
		t.Errorf("tallest bar: want between half and all of the plot height %.1f, got %.1f", chart.Plot.H, heights[2])
	}
	// Bars are laid left to right without overlapping.
	prevRight := 0.0
	bars.Each(func(i int, b *goquery.Selection) {
		x := attrFloat(t, b, "x")
		if x < prevRight-0.01 {
			t.Errorf("bar %d starts at %.1f, before the previous one ends at %.1f", i, x, prevRight)
		}
		prevRight = x + attrFloat(t, b, "width")
	})
	if prevRight > chart.Plot.X+chart.Plot.W+0.01 {
		t.Errorf("bars overflow the plot: right edge %.1f > %.1f", prevRight, chart.Plot.X+chart.Plot.W)
	}
	if got := d.Find("svg#preview-chart rect.bar title").First().Text(); !strings.Contains(got, "10 records") {
		t.Errorf("first bar tooltip: want it to say 10 records, got %q", got)
	}
	if chart.Unit != "records per hour" {
		t.Errorf("unit: want %q, got %q", "records per hour", chart.Unit)
	}
}

func TestBarChartAxisLabelsAreDatesInTheTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data")
	}
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, berlin)
	end := start.AddDate(0, 0, 7)
	counts := make([]float64, 7*24)
	for i := range counts {
		counts[i] = float64(i % 24)
	}
	d := renderDoc(t, BarChartSVG("c", NewBarChart(hourlyBins(start, counts...), start, end, berlin)))
	var labels []string
	d.Find("text.xlabel").Each(func(_ int, s *goquery.Selection) { labels = append(labels, s.Text()) })
	if len(labels) < 3 || len(labels) > 8 {
		t.Fatalf("x labels: want 3-8, got %d: %v", len(labels), labels)
	}
	if labels[0] != "Mon 2 Jun" {
		t.Errorf("first x label: want the window's first local midnight %q, got %q", "Mon 2 Jun", labels[0])
	}
	if d.Find("text.ylabel").Length() < 2 {
		t.Errorf("y axis: want at least two count labels, got %d", d.Find("text.ylabel").Length())
	}

	// A one-day window is labelled with hours and the date at midnight.
	day := time.Date(2025, 6, 2, 6, 0, 0, 0, time.UTC)
	d = renderDoc(t, BarChartSVG("c", NewBarChart(hourlyBins(day, counts[:24]...), day, day.Add(24*time.Hour), time.UTC)))
	text := d.Find("text.xlabel").Text()
	if !strings.Contains(text, "12:00") || !strings.Contains(text, "Tue 3 Jun") {
		t.Errorf("one-day labels: want hours and the midnight date, got %q", text)
	}
}

func TestBarChartWithoutBinsDrawsNoBars(t *testing.T) {
	start := time.Now()
	d := renderDoc(t, BarChartSVG("c", NewBarChart(nil, start, start.Add(time.Hour), nil)))
	if n := d.Find("rect.bar").Length(); n != 0 {
		t.Fatalf("bars: want 0, got %d", n)
	}
}

func TestThroughputFollowsTheValuesWithAxes(t *testing.T) {
	s := NewThroughput([]int64{0, 5, 10, 5}, 10*time.Second)
	d := renderDoc(t, ThroughputSVG("throughput", s))
	pts := strings.Fields(d.Find("svg#throughput polyline.spark-line").AttrOr("points", ""))
	if len(pts) != 4 {
		t.Fatalf("points: want 4, got %d (%v)", len(pts), pts)
	}
	y := func(p string) float64 {
		f, _ := strconv.ParseFloat(p[strings.Index(p, ",")+1:], 64)
		return f
	}
	if !(y(pts[0]) > y(pts[1]) && y(pts[1]) > y(pts[2]) && y(pts[3]) == y(pts[1])) {
		t.Errorf("heights: want 0 lowest, 10 highest, equal values level; got %v", pts)
	}
	if s.Peak != 10 || s.Last != 5 || s.Interval != "10 s" || s.PerSecond != "0.5/s" {
		t.Errorf("peak/last/interval/rate: want 10/5/10 s/0.5/s, got %d/%d/%s/%s", s.Peak, s.Last, s.Interval, s.PerSecond)
	}
	var xs []string
	d.Find("svg#throughput text").Each(func(_ int, t *goquery.Selection) { xs = append(xs, t.Text()) })
	joined := strings.Join(xs, "|")
	if !strings.Contains(joined, "now") || !strings.Contains(joined, "−30 s") || !strings.Contains(joined, "10") {
		t.Errorf("axes: want a value axis up to 10 and time labels −30 s … now, got %q", joined)
	}
	if one := NewThroughput([]int64{7}, 10*time.Second); one.Line != "" || one.Last != 7 {
		t.Errorf("one sample: want no line and last 7, got %q and %d", one.Line, one.Last)
	}
}

func TestLineChartPlotsPlannedAndActualWithAMarker(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	end := start.Add(24 * time.Hour)
	planned := []Point{{start, 0}, {start.Add(12 * time.Hour), 50}, {end, 100}}
	actual := []Point{{start, 0}, {start.Add(6 * time.Hour), 20}}
	c := NewLineChart(planned, actual, start, end, start.Add(6*time.Hour), 100, time.UTC)
	d := renderDoc(t, LineChartSVG("progress", c))
	if d.Find("polyline.planned").Length() != 1 || d.Find("polyline.actual").Length() != 1 {
		t.Fatalf("want a planned and an actual line, got %d and %d", d.Find("polyline.planned").Length(), d.Find("polyline.actual").Length())
	}
	if x := attrFloat(t, d.Find("line.now").First(), "x1"); math.Abs(x-(c.Plot.X+c.Plot.W/4)) > 0.2 {
		t.Errorf("clock marker: want a quarter into the plot (%.1f), got %.1f", c.Plot.X+c.Plot.W/4, x)
	}
	legend := d.Find("g.legend").Text()
	for _, want := range []string{"Planned", "Actual", "Simulated clock"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend: want %q in %q", want, legend)
		}
	}
	last := strings.Fields(d.Find("polyline.planned").AttrOr("points", ""))
	if top := last[len(last)-1]; !strings.HasSuffix(top, ","+num(c.Plot.Y)) {
		t.Errorf("planned curve: want it to end at the top (all 100 records), ends at %s", top)
	}
}

func TestHBarChartScalesCreatedAgainstScheduled(t *testing.T) {
	c := NewHBarChart([]MetricsRow{{Type: "contacts", Scheduled: 100, Created: 50}, {Type: "notes", Scheduled: 40, Created: 10, Failed: 30}})
	if len(c.Bars) != 2 {
		t.Fatalf("bars: want 2, got %d", len(c.Bars))
	}
	contacts, notes := c.Bars[0], c.Bars[1]
	if math.Abs(contacts.Done*2-contacts.Whole) > 0.01 {
		t.Errorf("contacts: created half of scheduled, got done %.1f of %.1f", contacts.Done, contacts.Whole)
	}
	if math.Abs(notes.Bad-3*notes.Done) > 0.01 || notes.Text != "10 / 40" {
		t.Errorf("notes: failed three times created, text 10 / 40; got bad %.1f done %.1f text %q", notes.Bad, notes.Done, notes.Text)
	}
	d := renderDoc(t, HBarChartSVG("types", c))
	if d.Find("rect.failed").Length() < 2 || !strings.Contains(d.Find("g.legend").Text(), "Scheduled") {
		t.Errorf("want a failed bar (plus its legend swatch) and a legend")
	}
}

func TestCountAndPercentFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{format.Count(0), "0"}, {format.Count(999), "999"}, {format.Count(1000), "1,000"}, {format.Count(1234567), "1,234,567"}, {format.Count(int64(-4200)), "-4,200"},
		{format.Decimal(2.5), "2.5"}, {format.Decimal(1234.4), "1,234"}, {format.Percent(0), "0%"}, {format.Percent(4.25), "4.2%"}, {format.Percent(99.9), "99%"}, {format.Percent(100), "100%"},
	} {
		if tc.got != tc.want {
			t.Errorf("want %q, got %q", tc.want, tc.got)
		}
	}
}
