package views

import (
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
			Title: b.Start.In(loc).Format("Mon 2 Jan 15:04") + ": " + Decimal(b.Count) + " records",
		})
	}
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, Tick{Pos: c.Plot.Y + c.Plot.H - v/top*c.Plot.H, Label: Decimal(v)})
	}
	for _, t := range timeTicks(start, end, loc, 5) {
		c.XTicks = append(c.XTicks, Tick{Pos: c.Plot.X + float64(t.at.Sub(start))/float64(end.Sub(start))*c.Plot.W, Label: t.label})
	}
	c.Unit = "records per " + durationWord(width)
	c.Summary = "Planned curve: " + Decimal(total) + " records in " + strconv.Itoa(len(bins)) + " bars, peak " + Decimal(peak) + " " + c.Unit + "."
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

// Sparkline is a small throughput chart.
type Sparkline struct {
	Width, Height float64
	Line          string // SVG points of the polyline
	Area          string // SVG path closing the line down to the baseline
	Last, Peak    int64
	Points        int
}

// Sparkline geometry (viewBox units).
const (
	sparkWidth  = 320
	sparkHeight = 56
	sparkPad    = 3
)

// NewSparkline lays out values (oldest first) left to right.
func NewSparkline(values []int64) Sparkline {
	s := Sparkline{Width: sparkWidth, Height: sparkHeight, Points: len(values)}
	if len(values) == 0 {
		return s
	}
	for _, v := range values {
		if v > s.Peak {
			s.Peak = v
		}
	}
	s.Last = values[len(values)-1]
	if len(values) < 2 {
		return s
	}
	base := float64(sparkHeight - sparkPad)
	dx := (sparkWidth - 2*sparkPad) / float64(len(values)-1)
	var line, area []byte
	area = append(area, "M"+num(sparkPad)+","+num(base)...)
	for i, v := range values {
		y := base
		if s.Peak > 0 {
			y = base - float64(v)/float64(s.Peak)*(sparkHeight-2*sparkPad)
		}
		x := sparkPad + float64(i)*dx
		if i > 0 {
			line = append(line, ' ')
		}
		line = append(line, num(x)+","+num(y)...)
		area = append(area, " L"+num(x)+","+num(y)...)
	}
	area = append(area, " L"+num(sparkWidth-sparkPad)+","+num(base)+" Z"...)
	s.Line, s.Area = string(line), string(area)
	return s
}

// num formats an SVG coordinate.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }
