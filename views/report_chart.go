package views

import (
	"time"

	"github.com/simcrm/simcrm/internal/format"
)

// ComparisonChart is the planned curve with the actual one drawn over it, on the
// same axes as the preview's chart.
type ComparisonChart struct {
	BarChart
	Actual []Bar // one per planned bar, narrower, in front
}

// NewComparisonChart lays out planned and actual counts per bin (same length and
// starts) over [start, end).
func NewComparisonChart(planned, actual []Bin, start, end time.Time, loc *time.Location) ComparisonChart {
	if loc == nil {
		loc = time.UTC
	}
	// Scale to the larger of the two in each bin, then shrink each bar to its own count.
	peaks := make([]Bin, len(planned))
	for i, b := range planned {
		peaks[i] = b
		if i < len(actual) && actual[i].Count > b.Count {
			peaks[i].Count = actual[i].Count
		}
	}
	c := ComparisonChart{BarChart: NewBarChart(peaks, start, end, loc)}
	if len(c.Bars) != len(planned) {
		return c
	}
	var plannedTotal, actualTotal float64
	for i := range c.Bars {
		full, peak := c.Bars[i], peaks[i].Count
		var a float64
		if i < len(actual) {
			a = actual[i].Count
		}
		plannedTotal += planned[i].Count
		actualTotal += a
		p := c.Bars[i]
		p.H, p.Y = 0, full.Y+full.H
		if peak > 0 {
			p.H = full.H * planned[i].Count / peak
			p.Y = full.Y + full.H - p.H
		}
		label := planned[i].Start.In(loc).Format("Mon 2 Jan 15:04") + ": planned " + format.Decimal(planned[i].Count) + ", created " + format.Decimal(a)
		p.Title = label
		c.Bars[i] = p
		ab := Bar{Title: label}
		ab.W = full.W / 2
		ab.X = full.X + full.W/4
		if peak > 0 {
			ab.H = full.H * a / peak
		}
		ab.Y = full.Y + full.H - ab.H
		c.Actual = append(c.Actual, ab)
	}
	c.Summary = "Planned " + format.Decimal(plannedTotal) + " records, created " + format.Decimal(actualTotal) + ", " + c.Unit + "."
	return c
}
