package views

import (
	"github.com/simcrm/simcrm/internal/format"
	"math"
	"strconv"
	"time"
)

// Bin is one bar of a planned curve: records expected from Start until the next bin.
type Bin struct {
	Start time.Time
	Count float64
}

// BarChart is a planned curve laid out for an SVG: every coordinate is in the
// chart's viewBox, so the component only draws.
type BarChart struct {
	Width, Height float64
	Plot          Rect // the area bars are drawn in
	Bars          []Bar
	XTicks        []Tick // time labels along the bottom
	YTicks        []Tick // gridlines with record counts
	Unit          string // what one bar counts, e.g. "records per hour"
	Summary       string // for screen readers
}

// Rect is an SVG rectangle.
type Rect struct{ X, Y, W, H float64 }

// Bar is one bin's bar with its tooltip.
type Bar struct {
	Rect
	Title string
}

// Tick is an axis label at a position along its axis.
type Tick struct {
	Pos   float64
	Label string
}

// Chart geometry (viewBox units).
const (
	chartWidth  = 480
	chartHeight = 240
	chartLeft   = 44
	chartRight  = 12
	chartTop    = 12
	chartBottom = 28
)

// NewBarChart lays out bins over the window [start, end) with time labels in loc.
func NewBarChart(bins []Bin, start, end time.Time, loc *time.Location) BarChart {
	if loc == nil {
		loc = time.UTC
	}
	c := BarChart{Width: chartWidth, Height: chartHeight,
		Plot: Rect{X: chartLeft, Y: chartTop, W: chartWidth - chartLeft - chartRight, H: chartHeight - chartTop - chartBottom}}
	if len(bins) == 0 || !end.After(start) {
		return c
	}
	peak, total := 0.0, 0.0
	for _, b := range bins {
		peak = math.Max(peak, b.Count)
		total += b.Count
	}
	step := niceStep(peak / 4)
	top := step * math.Max(1, math.Ceil(peak/step))
	slot := c.Plot.W / float64(len(bins))
	gap := 0.0
	if slot >= 4 {
		gap = math.Min(2, slot*0.15)
	}
	width := end.Sub(start)
	if len(bins) > 1 {
		width = bins[1].Start.Sub(bins[0].Start)
	}
	for i, b := range bins {
		h := 0.0
		if top > 0 {
			h = b.Count / top * c.Plot.H
		}
		c.Bars = append(c.Bars, Bar{
			Rect:  Rect{X: c.Plot.X + float64(i)*slot + gap/2, Y: c.Plot.Y + c.Plot.H - h, W: slot - gap, H: h},
			Title: b.Start.In(loc).Format("Mon 2 Jan 15:04") + ": " + format.Decimal(b.Count) + " records",
		})
	}
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, Tick{Pos: c.Plot.Y + c.Plot.H - v/top*c.Plot.H, Label: format.Decimal(v)})
	}
	for _, t := range timeTicks(start, end, loc, 5) {
		c.XTicks = append(c.XTicks, Tick{Pos: c.Plot.X + float64(t.at.Sub(start))/float64(end.Sub(start))*c.Plot.W, Label: t.label})
	}
	c.Unit = "records per " + durationWord(width)
	c.Summary = "Planned curve: " + format.Decimal(total) + " records in " + strconv.Itoa(len(bins)) + " bars, peak " + format.Decimal(peak) + " " + c.Unit + "."
	return c
}

// niceStep rounds a gridline step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

type timeTick struct {
	at    time.Time
	label string
}

// timeTicks picks at most max labels at round local times (whole hours, midnights).
func timeTicks(start, end time.Time, loc *time.Location, max int) []timeTick {
	span := end.Sub(start)
	steps := []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour}
	if span < 3*time.Hour {
		steps = append([]time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute}, steps...)
	}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if int(span/s) <= max-1 {
			step = s
			break
		}
	}
	var out []timeTick
	ls := start.In(loc)
	t := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, loc)
	for t.Before(start) {
		next := advance(t, step, loc)
		if !next.After(t) {
			break
		}
		t = next
	}
	for ; !t.After(end) && len(out) < max+1; t = advance(t, step, loc) {
		lt := t.In(loc)
		label := lt.Format("15:04")
		if step >= 24*time.Hour {
			label = lt.Format("Mon 2 Jan")
		} else if lt.Hour() == 0 && lt.Minute() == 0 {
			label = lt.Format("Mon 2 Jan")
		}
		out = append(out, timeTick{at: t, label: label})
	}
	return out
}

// advance moves a tick by step, keeping whole days on local midnights across DST.
func advance(t time.Time, step time.Duration, loc *time.Location) time.Time {
	if step >= 24*time.Hour && step%(24*time.Hour) == 0 {
		lt := t.In(loc)
		return time.Date(lt.Year(), lt.Month(), lt.Day()+int(step/(24*time.Hour)), 0, 0, 0, 0, loc)
	}
	return t.Add(step)
}

// durationWord names a bin width: "hour", "6 hours", "15 minutes", "day".
func durationWord(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d == 24*time.Hour:
		return "day"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	}
	return d.String()
}

// num formats an SVG coordinate.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// Series is one line of a line chart.
type Series struct {
	Name   string
	Class  string // CSS class: planned, actual
	Points string // SVG polyline points
}

// LineChart is planned against actual progress over a simulation's window, laid
// out in viewBox units like BarChart.
type LineChart struct {
	Width, Height float64
	Plot          Rect
	Series        []Series
	XTicks        []Tick
	YTicks        []Tick
	NowX          float64 // the simulated clock's position; 0 = not shown
	NowLabel      string
	Summary       string
}

// Point is a cumulative count at a moment.
type Point struct {
	At    time.Time
	Count float64
}

// NewLineChart draws cumulative planned and actual record counts over [start, end)
// with time labels in loc; now marks the simulated clock (zero: none).
func NewLineChart(planned, actual []Point, start, end, now time.Time, total float64, loc *time.Location) LineChart {
	if loc == nil {
		loc = time.UTC
	}
	c := LineChart{Width: chartWidth, Height: chartHeight,
		Plot: Rect{X: chartLeft, Y: chartTop, W: chartWidth - chartLeft - chartRight, H: chartHeight - chartTop - chartBottom}}
	if !end.After(start) || total <= 0 {
		return c
	}
	step := niceStep(total / 4)
	top := step * math.Max(1, math.Ceil(total/step))
	x := func(t time.Time) float64 {
		f := float64(t.Sub(start)) / float64(end.Sub(start))
		return c.Plot.X + math.Min(1, math.Max(0, f))*c.Plot.W
	}
	y := func(v float64) float64 { return c.Plot.Y + c.Plot.H - math.Min(v, top)/top*c.Plot.H }
	line := func(pts []Point) string {
		var b []byte
		for i, p := range pts {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, num(x(p.At))+","+num(y(p.Count))...)
		}
		return string(b)
	}
	c.Series = append(c.Series, Series{Name: "Planned", Class: "planned", Points: line(planned)})
	if len(actual) > 0 {
		c.Series = append(c.Series, Series{Name: "Actual", Class: "actual", Points: line(actual)})
	}
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, Tick{Pos: y(v), Label: format.Decimal(v)})
	}
	for _, t := range timeTicks(start, end, loc, 5) {
		c.XTicks = append(c.XTicks, Tick{Pos: x(t.at), Label: t.label})
	}
	if !now.IsZero() && !now.Before(start) && !now.After(end) {
		c.NowX = x(now)
		c.NowLabel = now.In(loc).Format("Mon 15:04")
	}
	done := 0.0
	if len(actual) > 0 {
		done = actual[len(actual)-1].Count
	}
	c.Summary = "Records over the window: " + format.Decimal(total) + " planned, " + format.Decimal(done) + " created so far."
	return c
}

// HBar is one horizontal bar: a part done out of a whole, with a failed share.
type HBar struct {
	Label               string
	Y, Done, Whole, Bad float64 // Done, Whole and Bad are widths in viewBox units
	Text                string  // "1,200 / 1,500"
	Title               string
}

// HBarChart compares object types: created against scheduled, failures in red.
type HBarChart struct {
	Width, Height float64
	Plot          Rect
	Bars          []HBar
	BarHeight     float64
	XTicks        []Tick
	Summary       string
}

// Bar chart geometry (viewBox units).
const (
	hbarLeft  = 82
	hbarRight = 8
	hbarRow   = 26
)

// NewHBarChart lays out one bar per row with a shared scale.
func NewHBarChart(rows []MetricsRow) HBarChart {
	c := HBarChart{Width: chartWidth, BarHeight: 14}
	c.Plot = Rect{X: hbarLeft, Y: 6, W: chartWidth - hbarLeft - hbarRight, H: float64(len(rows)) * hbarRow}
	c.Height = c.Plot.Y + c.Plot.H + 22
	peak := 0.0
	for _, r := range rows {
		peak = math.Max(peak, float64(max(r.Scheduled, r.Created+r.Failed)))
	}
	if peak == 0 {
		peak = 1
	}
	step := niceStep(peak / 4)
	top := step * math.Max(1, math.Ceil(peak/step))
	scale := func(v int64) float64 { return float64(v) / top * c.Plot.W }
	for i, r := range rows {
		whole := max(r.Scheduled, r.Created+r.Failed)
		c.Bars = append(c.Bars, HBar{Label: r.Type, Y: c.Plot.Y + float64(i)*hbarRow + (hbarRow-c.BarHeight)/2,
			Done: scale(r.Created), Whole: scale(whole), Bad: scale(r.Failed),
			Text:  format.Count(r.Created) + " / " + format.Count(whole),
			Title: r.Type + ": " + format.Count(r.Created) + " created, " + format.Count(r.Scheduled) + " scheduled, " + format.Count(r.Failed) + " failed, " + format.Count(r.Thinned) + " thinned"})
	}
	for v := 0.0; v <= top+step/2; v += step {
		c.XTicks = append(c.XTicks, Tick{Pos: c.Plot.X + v/top*c.Plot.W, Label: format.Decimal(v)})
	}
	c.Summary = "Objects per type, created out of scheduled."
	return c
}

// Throughput is the objects-per-interval chart with its axes.
type Throughput struct {
	Width, Height float64
	Plot          Rect
	Line, Area    string
	XTicks        []Tick
	YTicks        []Tick
	Last, Peak    int64
	Points        int
	Interval      string // "10 s"
	PerSecond     string // the latest interval as a rate, "12.5/s"
	Summary       string
}

// Throughput geometry (viewBox units).
const (
	tpWidth  = 320
	tpHeight = 120
	tpLeft   = 34
	tpBottom = 18
	tpTop    = 8
	tpRight  = 6
)

// NewThroughput lays out objects created per interval (oldest first, one
// interval apart, the last ending now).
func NewThroughput(values []int64, interval time.Duration) Throughput {
	s := Throughput{Width: tpWidth, Height: tpHeight, Points: len(values), Interval: format.Duration(interval),
		Plot: Rect{X: tpLeft, Y: tpTop, W: tpWidth - tpLeft - tpRight, H: tpHeight - tpTop - tpBottom}}
	if len(values) == 0 {
		return s
	}
	for _, v := range values {
		s.Peak = max(s.Peak, v)
	}
	s.Last = values[len(values)-1]
	if interval > 0 {
		s.PerSecond = format.Decimal(float64(s.Last)/interval.Seconds()) + "/s"
	}
	s.Summary = "Objects created per " + s.Interval + ": now " + format.Count(s.Last) + ", peak " + format.Count(s.Peak) + "."
	if len(values) < 2 {
		return s
	}
	step := niceStep(float64(max(s.Peak, 1)) / 3)
	top := step * math.Max(1, math.Ceil(float64(max(s.Peak, 1))/step))
	base := s.Plot.Y + s.Plot.H
	dx := s.Plot.W / float64(len(values)-1)
	var line, area []byte
	area = append(area, "M"+num(s.Plot.X)+","+num(base)...)
	for i, v := range values {
		px, py := s.Plot.X+float64(i)*dx, base-float64(v)/top*s.Plot.H
		if i > 0 {
			line = append(line, ' ')
		}
		line = append(line, num(px)+","+num(py)...)
		area = append(area, " L"+num(px)+","+num(py)...)
	}
	area = append(area, " L"+num(s.Plot.X+s.Plot.W)+","+num(base)+" Z"...)
	s.Line, s.Area = string(line), string(area)
	for v := 0.0; v <= top+step/2; v += step {
		s.YTicks = append(s.YTicks, Tick{Pos: base - v/top*s.Plot.H, Label: format.Decimal(v)})
	}
	span := time.Duration(len(values)-1) * interval
	for _, f := range []float64{0, 0.5, 1} {
		label := "now"
		if f < 1 {
			label = "−" + format.Duration(time.Duration(float64(span)*(1-f)))
		}
		s.XTicks = append(s.XTicks, Tick{Pos: s.Plot.X + f*s.Plot.W, Label: label})
	}
	return s
}

// anchor aligns the first axis label to its start and the last to its end, so
// neither is cut at the chart's edge.
func anchor(i, n int) string {
	switch i {
	case 0:
		return "start"
	case n - 1:
		return "end"
	}
	return "middle"
}
