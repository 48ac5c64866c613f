package sim

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// Limits of a simulation plan.
const (
	MaxRecords = 1_000_000
	MaxWindow  = 30 * 24 * time.Hour
)

// PlanInput describes how N records are spread over a window.
type PlanInput struct {
	Distribution Distribution
	Start, End   time.Time      // window [Start, End)
	Count        int            // records to plan, 1 … MaxRecords
	Seed         int64          // simulation seed
	Location     *time.Location // wall clock for daily_spike, weekend_surge, business_hours, custom; nil = UTC
	Weights      []float64      // custom: 24 hour-of-day weights
	Jitter       float64        // 0 … 1: seeded offset within each record's quantile slot; order is kept
}

// Validate checks the input; errors are *ValidationError naming the field
// (distribution, end, count, jitter, weights).
func (p PlanInput) Validate() error {
	if _, err := ParseDistribution(string(p.Distribution)); err != nil {
		return err
	}
	if !p.End.After(p.Start) {
		return invalid("end", ErrWindow, "")
	}
	if p.End.Sub(p.Start) > MaxWindow {
		return invalid("end", ErrWindowTooLong, "window is "+p.End.Sub(p.Start).String())
	}
	if p.Count < 1 || p.Count > MaxRecords {
		return invalid("count", ErrCount, "must be 1 … 1000000, got "+strconv.Itoa(p.Count))
	}
	if math.IsNaN(p.Jitter) || p.Jitter < 0 || p.Jitter > 1 {
		return invalid("jitter", ErrJitter, "got "+fmtNum(p.Jitter))
	}
	if p.Distribution == Custom {
		if len(p.Weights) != 24 {
			return invalid("weights", ErrCustomWeights, "got "+strconv.Itoa(len(p.Weights))+" weights")
		}
		sum := 0.0
		for h, w := range p.Weights {
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				return invalid("weights", ErrCustomWeights, "hour "+strconv.Itoa(h)+" is "+fmtNum(w))
			}
			sum += w
		}
		if sum <= 0 {
			return invalid("weights", ErrCustomWeights, "all weights are zero")
		}
	}
	return nil
}

// Planner maps record indices to timestamps by the inverse CDF of the
// distribution's density, tabulated once on a grid aligned to whole
// minutes (finer for short windows). It is immutable and safe for
// concurrent use.
type Planner struct {
	in      PlanInput
	start   time.Time
	startNs int64
	span    int64 // window length, ns
	first   int64 // offset of the first grid edge after start, ns
	step    int64 // grid step, ns
	cells   int
	cdf     []float64 // len cells+1; cdf[0] = 0, cdf[cells] = 1
	guide   []int32   // guide[b] = cell holding quantile b/guideSize: narrows each search
	bursts  []Burst
}

const guideSize = 4096

// gridSteps are cell widths that divide a minute, so cells never straddle a
// local hour boundary in any whole-minute time zone.
var gridSteps = []time.Duration{60 * time.Second, 30 * time.Second, 20 * time.Second, 15 * time.Second,
	10 * time.Second, 6 * time.Second, 5 * time.Second, 4 * time.Second, 3 * time.Second, 2 * time.Second, time.Second}

const minCells = 4096

// NewPlanner validates the input and tabulates the CDF.
func NewPlanner(p PlanInput) (*Planner, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Location == nil {
		p.Location = time.UTC
	}
	p.Weights = append([]float64(nil), p.Weights...)
	span := p.End.Sub(p.Start)
	step := gridSteps[len(gridSteps)-1]
	for _, s := range gridSteps {
		if span/s >= minCells {
			step = s
			break
		}
	}
	pl := &Planner{in: p, start: p.Start, span: int64(span), step: int64(step)}
	pl.startNs = p.Start.UnixNano()
	pl.first = pl.step - mod(pl.startNs, pl.step)
	pl.cells = 1
	if pl.span > pl.first {
		pl.cells += int((pl.span - pl.first + pl.step - 1) / pl.step)
	}

	sh := newShape(p, span)
	pl.bursts = sh.bursts
	wall := p.Distribution.info().WallClock
	pl.cdf = make([]float64, pl.cells+1)
	total := 0.0
	for k := 0; k < pl.cells; k++ {
		lo, hi := pl.edge(k), pl.edge(k+1)
		mid := lo + (hi-lo)/2
		pt := point{x: float64(mid) / float64(pl.span)}
		if wall {
			t := p.Start.Add(time.Duration(mid)).In(p.Location)
			h, m, s := t.Clock()
			pt.hour = float64(h) + float64(m)/60 + float64(s)/3600
			pt.weekday = t.Weekday()
		}
		total += sh.f(pt) * float64(hi-lo)
		pl.cdf[k+1] = total
	}
	if !(total > 0) {
		if p.Distribution == BusinessHours {
			return nil, invalid("window", ErrNoBusinessHours, "time zone "+p.Location.String())
		}
		return nil, invalid("weights", ErrEmptyWindow, "every hour in the window has weight 0")
	}
	for k := range pl.cdf {
		pl.cdf[k] /= total
	}
	pl.cdf[pl.cells] = 1
	pl.guide = make([]int32, guideSize+1)
	for b := range pl.guide {
		pl.guide[b] = int32(pl.searchIn(float64(b)/guideSize, 0, pl.cells-1))
	}
	return pl, nil
}

// Plan returns all N timestamps in index order.
func Plan(p PlanInput) ([]time.Time, error) {
	pl, err := NewPlanner(p)
	if err != nil {
		return nil, err
	}
	return pl.Times(0, pl.in.Count), nil
}

func (pl *Planner) edge(k int) int64 {
	if k <= 0 {
		return 0
	}
	if k >= pl.cells {
		return pl.span
	}
	return min(pl.first+int64(k-1)*pl.step, pl.span)
}

func (pl *Planner) cellOf(off int64) int {
	if off < pl.first {
		return 0
	}
	return min(1+int((off-pl.first)/pl.step), pl.cells-1)
}

// quantile is record i's position on the CDF, (i + 0.5 ± jitter/2) / N.
func (pl *Planner) quantile(i int) float64 {
	q := float64(i) + 0.5
	if pl.in.Jitter > 0 {
		u := unitFloat(hashSeed(pl.in.Seed, uint64(i), purposeJitter))
		q += pl.in.Jitter * (u - 0.5)
	}
	return q / float64(pl.in.Count)
}

// search returns the cell k with cdf[k] ≤ q < cdf[k+1].
func (pl *Planner) search(q float64) int {
	b := min(int(q*guideSize), guideSize-1)
	k := pl.searchIn(q, int(pl.guide[b]), int(pl.guide[b+1]))
	if pl.cdf[k] > q { // q*guideSize rounded up across a bucket edge
		k = pl.searchIn(q, 0, k)
	}
	return k
}

func (pl *Planner) searchIn(q float64, lo, hi int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if pl.cdf[m+1] > q {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func (pl *Planner) offsetIn(k int, q float64) int64 {
	lo, hi := pl.edge(k), pl.edge(k+1)
	c0, c1 := pl.cdf[k], pl.cdf[k+1]
	off := lo + int64((q-c0)/(c1-c0)*float64(hi-lo))
	off = min(off, hi-1)
	// Whole milliseconds, as HubSpot and the database store them.
	off -= mod(pl.startNs+off, int64(time.Millisecond))
	return max(lo, off)
}

func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func (pl *Planner) offset(i int) int64 {
	q := pl.quantile(i)
	return pl.offsetIn(pl.search(q), q)
}

// At returns the timestamp of record i (0 ≤ i < Count) without planning the
// others; At is non-decreasing in i, always inside [Start, End) and in whole
// milliseconds (unless Start itself is not).
func (pl *Planner) At(i int) time.Time {
	return pl.start.Add(time.Duration(pl.offset(i)))
}

// Times returns the timestamps of records [first, end) in one sweep.
func (pl *Planner) Times(first, end int) []time.Time {
	first, end = max(first, 0), min(end, pl.in.Count)
	if first >= end {
		return nil
	}
	out := make([]time.Time, 0, end-first)
	k := pl.search(pl.quantile(first))
	for i := first; i < end; i++ {
		q := pl.quantile(i)
		for k < pl.cells-1 && pl.cdf[k+1] <= q {
			k++
		}
		out = append(out, pl.start.Add(time.Duration(pl.offsetIn(k, q))))
	}
	return out
}

// IndexRange returns the records whose timestamps fall in [from, to): the
// half-open index range [first, end). It is empty when first == end.
func (pl *Planner) IndexRange(from, to time.Time) (first, end int) {
	return pl.indexAtOrAfter(from), pl.indexAtOrAfter(to)
}

func (pl *Planner) indexAtOrAfter(t time.Time) int {
	d := t.Sub(pl.start)
	if d <= 0 {
		return 0
	}
	if d >= time.Duration(pl.span) {
		return pl.in.Count
	}
	off := int64(d)
	return sort.Search(pl.in.Count, func(i int) bool { return pl.offset(i) >= off })
}

// CDF is the share of records planned before t.
func (pl *Planner) CDF(t time.Time) float64 {
	off := int64(t.Sub(pl.start))
	if off <= 0 {
		return 0
	}
	if off >= pl.span {
		return 1
	}
	k := pl.cellOf(off)
	lo, hi := pl.edge(k), pl.edge(k+1)
	return pl.cdf[k] + (pl.cdf[k+1]-pl.cdf[k])*float64(off-lo)/float64(hi-lo)
}

// Expected is the expected number of records in [from, to); without jitter
// the planned count differs from it by less than one.
func (pl *Planner) Expected(from, to time.Time) float64 {
	return float64(pl.in.Count) * (pl.CDF(to) - pl.CDF(from))
}

// Histogram returns expected record counts in bins equal-width bins over the
// window, computed from the CDF: cheap for any N.
func (pl *Planner) Histogram(bins int) []float64 {
	if bins < 1 {
		return nil
	}
	out := make([]float64, bins)
	prev := 0.0
	for j := range out {
		edge := pl.start.Add(time.Duration(float64(pl.span) * float64(j+1) / float64(bins)))
		c := pl.CDF(edge)
		if j == bins-1 {
			c = 1
		}
		out[j] = float64(pl.in.Count) * (c - prev)
		prev = c
	}
	return out
}

// Count is the number of planned records.
func (pl *Planner) Count() int { return pl.in.Count }

// Start is the window start.
func (pl *Planner) Start() time.Time { return pl.in.Start }

// End is the window end (exclusive).
func (pl *Planner) End() time.Time { return pl.in.End }

// Location is the wall clock time zone.
func (pl *Planner) Location() *time.Location { return pl.in.Location }

// Distribution is the planned distribution.
func (pl *Planner) Distribution() Distribution { return pl.in.Distribution }

// Bursts returns the seeded bursts of a random_bursts plan (nil otherwise).
func (pl *Planner) Bursts() []Burst { return append([]Burst(nil), pl.bursts...) }
