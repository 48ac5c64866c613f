package sim

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustPlanner(t testing.TB, in PlanInput) *Planner {
	t.Helper()
	pl, err := NewPlanner(in)
	if err != nil {
		t.Fatalf("NewPlanner(%s): %v", in.Distribution, err)
	}
	return pl
}

var customWeights = []float64{0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 8, 6, 5, 6, 8, 8, 6, 4, 3, 2, 1, 0.5, 0, 0}

// baseInput is a 14-day window across the US daylight-saving change.
func baseInput(t testing.TB, d Distribution) PlanInput {
	ny := mustLoc(t, "America/New_York")
	return PlanInput{
		Distribution: d,
		Start:        time.Date(2025, 3, 3, 0, 0, 0, 0, ny),
		End:          time.Date(2025, 3, 17, 0, 0, 0, 0, ny),
		Count:        10_000,
		Seed:         7,
		Location:     ny,
		Weights:      customWeights,
	}
}

func TestPlanInputValidation(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := PlanInput{Distribution: Linear, Start: start, End: start.Add(time.Hour), Count: 10}
	sat := time.Date(2025, 1, 4, 0, 0, 0, 0, time.UTC) // Saturday
	tests := []struct {
		name  string
		edit  func(*PlanInput)
		want  error
		field string
	}{
		{"unknown distribution", func(p *PlanInput) { p.Distribution = "zigzag" }, ErrUnknownDistribution, "distribution"},
		{"end before start", func(p *PlanInput) { p.End = start.Add(-time.Hour) }, ErrWindow, "end"},
		{"end equals start", func(p *PlanInput) { p.End = start }, ErrWindow, "end"},
		{"window over 30 days", func(p *PlanInput) { p.End = start.Add(MaxWindow + time.Second) }, ErrWindowTooLong, "end"},
		{"zero records", func(p *PlanInput) { p.Count = 0 }, ErrCount, "count"},
		{"too many records", func(p *PlanInput) { p.Count = MaxRecords + 1 }, ErrCount, "count"},
		{"jitter above 1", func(p *PlanInput) { p.Jitter = 1.5 }, ErrJitter, "jitter"},
		{"custom 23 weights", func(p *PlanInput) { p.Distribution = Custom; p.Weights = make([]float64, 23) }, ErrCustomWeights, "weights"},
		{"custom negative weight", func(p *PlanInput) {
			p.Distribution = Custom
			p.Weights = slices.Clone(customWeights)
			p.Weights[3] = -1
		}, ErrCustomWeights, "weights"},
		{"custom all zero", func(p *PlanInput) { p.Distribution = Custom; p.Weights = make([]float64, 24) }, ErrCustomWeights, "weights"},
		{"custom window only in zero hours", func(p *PlanInput) {
			p.Distribution = Custom
			p.Weights = customWeights
			p.End = start.Add(3 * time.Hour) // 00:00-03:00 UTC, weight 0
		}, ErrEmptyWindow, "weights"},
		{"business hours on a weekend", func(p *PlanInput) {
			p.Distribution = BusinessHours
			p.Start, p.End = sat, sat.Add(48*time.Hour)
		}, ErrNoBusinessHours, "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := NewPlanner(in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error: want %v, got %v", tt.want, err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("field: want %q, got %v", tt.field, err)
			}
		})
	}
	if _, err := NewPlanner(ok); err != nil {
		t.Fatalf("valid input rejected: %v", err)
	}
	exact := ok
	exact.End = start.Add(MaxWindow)
	if _, err := NewPlanner(exact); err != nil {
		t.Fatalf("a window of exactly 30 days must be accepted: %v", err)
	}
}

// referenceCDF integrates the density on its own uniform fine grid, not the
// planner's table, and returns F(t).
func referenceCDF(t testing.TB, in PlanInput, steps int) func(time.Time) float64 {
	t.Helper()
	span := in.End.Sub(in.Start)
	sh := newShape(in, span)
	wall := in.Distribution.info().WallClock
	cum := make([]float64, steps+1)
	h := float64(span) / float64(steps)
	for k := 0; k < steps; k++ {
		mid := (float64(k) + 0.5) * h
		pt := point{x: mid / float64(span)}
		if wall {
			lt := in.Start.Add(time.Duration(mid)).In(in.Location)
			hh, mm, ss := lt.Clock()
			pt.hour = float64(hh) + float64(mm)/60 + float64(ss)/3600
			pt.weekday = lt.Weekday()
		}
		cum[k+1] = cum[k] + sh.f(pt)
	}
	total := cum[steps]
	return func(x time.Time) float64 {
		u := float64(x.Sub(in.Start)) / h
		k := min(max(int(u), 0), steps-1)
		return (cum[k] + (cum[k+1]-cum[k])*(u-float64(k))) / total
	}
}

func ksDistance(ts []time.Time, F func(time.Time) float64) float64 {
	n := float64(len(ts))
	d := 0.0
	for i, x := range ts {
		f := F(x)
		d = math.Max(d, math.Max(math.Abs(f-float64(i)/n), math.Abs(f-float64(i+1)/n)))
	}
	return d
}

func TestDistributionsMatchTheirDensity(t *testing.T) {
	const bound = 0.002 // the quantile scheme itself contributes 1/N = 0.0001
	for _, info := range Distributions() {
		for _, jitter := range []float64{0, 1} {
			in := baseInput(t, info.Name)
			in.Jitter = jitter
			t.Run(string(info.Name)+"/jitter="+fmtNum(jitter), func(t *testing.T) {
				ts, err := Plan(in)
				if err != nil {
					t.Fatal(err)
				}
				if len(ts) != in.Count {
					t.Fatalf("planned: want %d, got %d", in.Count, len(ts))
				}
				for i, x := range ts {
					if x.Before(in.Start) || !x.Before(in.End) {
						t.Fatalf("timestamp %d outside the window: %v", i, x)
					}
					if x.Nanosecond()%int(time.Millisecond) != 0 {
						t.Fatalf("timestamp %d not in whole milliseconds: %v", i, x)
					}
					if i > 0 && x.Before(ts[i-1]) {
						t.Fatalf("timestamps out of order at %d: %v after %v", i, x, ts[i-1])
					}
				}
				d := ksDistance(ts, referenceCDF(t, in, 400_000))
				if d > bound {
					t.Errorf("KS distance: want < %v, got %.5f", bound, d)
				}
			})
		}
	}
}

// countIn counts timestamps in the window fraction [a, b).
func countIn(ts []time.Time, in PlanInput, a, b float64) int {
	span := float64(in.End.Sub(in.Start))
	n := 0
	for _, x := range ts {
		f := float64(x.Sub(in.Start)) / span
		if f >= a && f < b {
			n++
		}
	}
	return n
}

func TestDistributionShapes(t *testing.T) {
	plan := func(t *testing.T, d Distribution) ([]time.Time, PlanInput) {
		in := baseInput(t, d)
		ts, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		return ts, in
	}
	t.Run("front_loaded dense early", func(t *testing.T) {
		ts, in := plan(t, FrontLoaded)
		first, last := countIn(ts, in, 0, 0.25), countIn(ts, in, 0.75, 1)
		if first <= 2*last {
			t.Errorf("first quarter: want > 2× last quarter (%d), got %d", last, first)
		}
	})
	t.Run("back_loaded dense late", func(t *testing.T) {
		ts, in := plan(t, BackLoaded)
		first, last := countIn(ts, in, 0, 0.25), countIn(ts, in, 0.75, 1)
		if last <= 2*first {
			t.Errorf("last quarter: want > 2× first quarter (%d), got %d", first, last)
		}
	})
	t.Run("bell_curve peaks in the middle", func(t *testing.T) {
		ts, in := plan(t, BellCurve)
		var bins [10]int
		for i := range bins {
			bins[i] = countIn(ts, in, float64(i)/10, float64(i+1)/10)
		}
		peak := 0
		for i := range bins {
			if bins[i] > bins[peak] {
				peak = i
			}
		}
		if peak != 4 && peak != 5 {
			t.Errorf("peak bin: want 4 or 5, got %d (%v)", peak, bins)
		}
		if bins[4] < 4*bins[0] || bins[5] < 4*bins[9] {
			t.Errorf("middle bins: want ≥ 4× the edge bins, got %v", bins)
		}
	})
	t.Run("surge_mid heavier than baseline", func(t *testing.T) {
		ts, in := plan(t, SurgeMid)
		mid, base := countIn(ts, in, 0.45, 0.55), countIn(ts, in, 0, 0.1)
		if mid < 2*base {
			t.Errorf("middle 10%%: want ≥ 2× first 10%% (%d), got %d", base, mid)
		}
	})
	t.Run("weekend_surge weekends 1.5x weekdays", func(t *testing.T) {
		ts, in := plan(t, WeekendSurge)
		var weekend, weekday, weekendDays, weekdayDays float64
		for d := in.Start; d.Before(in.End); d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekendDays++
			} else {
				weekdayDays++
			}
		}
		for _, x := range ts {
			if wd := x.In(in.Location).Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend++
			} else {
				weekday++
			}
		}
		// The DST day is 23 hours long; per-day rates stay within a few percent.
		ratio := (weekend / weekendDays) / (weekday / weekdayDays)
		if ratio < 1.45 || ratio > 1.56 {
			t.Errorf("weekend/weekday per-day ratio: want ≈1.5, got %.3f", ratio)
		}
	})
	t.Run("business_hours only Mon-Fri 9-17 local", func(t *testing.T) {
		ts, in := plan(t, BusinessHours)
		days := map[time.Weekday]int{}
		for _, x := range ts {
			if !IsBusinessHour(x, in.Location) {
				t.Fatalf("outside business hours: %v", x.In(in.Location))
			}
			days[x.In(in.Location).Weekday()]++
		}
		if len(days) != 5 {
			t.Errorf("weekdays used: want 5, got %v", days)
		}
	})
	t.Run("daily_spike mostly in business hours", func(t *testing.T) {
		ts, in := plan(t, DailySpike)
		busy := 0
		for _, x := range ts {
			if h := x.In(in.Location).Hour(); h >= 9 && h < 17 {
				busy++
			}
		}
		if share := float64(busy) / float64(len(ts)); share < 0.75 {
			t.Errorf("share in 09-17: want ≥ 0.75, got %.3f", share)
		}
	})
	t.Run("custom follows the 24 weights", func(t *testing.T) {
		ts, in := plan(t, Custom)
		var hours [24]float64
		for _, x := range ts {
			hours[x.In(in.Location).Hour()]++
		}
		sum := 0.0
		for _, w := range customWeights {
			sum += w
		}
		for h, w := range customWeights {
			want := w / sum
			got := hours[h] / float64(len(ts))
			if w == 0 && got != 0 || math.Abs(got-want) > 0.01 {
				t.Errorf("hour %d share: want %.4f, got %.4f", h, want, got)
			}
		}
	})
}

func TestRandomBursts(t *testing.T) {
	sizes := map[int]bool{}
	for seed := int64(1); seed <= 40; seed++ {
		in := baseInput(t, RandomBursts)
		in.Seed = seed
		pl := mustPlanner(t, in)
		bursts := pl.Bursts()
		if len(bursts) < 3 || len(bursts) > 7 {
			t.Fatalf("seed %d: bursts: want 3-7, got %d", seed, len(bursts))
		}
		sizes[len(bursts)] = true
		// Each centre is far denser than the quietest tenth of the window.
		hist := pl.Histogram(200)
		sorted := slices.Clone(hist)
		slices.Sort(sorted)
		quiet := sorted[len(sorted)/10]
		for _, b := range bursts {
			bin := int(float64(b.Center.Sub(in.Start)) / float64(in.End.Sub(in.Start)) * 200)
			if hist[bin] < 3*quiet {
				t.Errorf("seed %d: burst at %v: want ≥ 3× quiet bin (%.1f), got %.1f", seed, b.Center, quiet, hist[bin])
			}
		}
	}
	if len(sizes) < 4 {
		t.Errorf("burst counts over 40 seeds: want at least 4 different, got %v", sizes)
	}
}

func TestPlanDeterminism(t *testing.T) {
	for _, info := range Distributions() {
		t.Run(string(info.Name), func(t *testing.T) {
			in := baseInput(t, info.Name)
			in.Count = 2000
			a, _ := Plan(in)
			b, _ := Plan(in)
			if !slices.EqualFunc(a, b, time.Time.Equal) {
				t.Fatal("same input: want the same plan, got a different one")
			}
			in.Seed++
			c, _ := Plan(in)
			same := slices.EqualFunc(a, c, time.Time.Equal)
			if info.Seeded && same {
				t.Error("seeded distribution: want a different plan for another seed, got the same")
			}
			if !info.Seeded && !same {
				t.Error("unseeded distribution without jitter: want the same plan for another seed")
			}
			in.Jitter = 0.8
			d, _ := Plan(in)
			in.Seed++
			e, _ := Plan(in)
			if slices.EqualFunc(d, e, time.Time.Equal) {
				t.Error("jitter: want a different plan for another seed, got the same")
			}
		})
	}
}

func TestAtAndIndexRangeMatchPlan(t *testing.T) {
	for _, info := range Distributions() {
		t.Run(string(info.Name), func(t *testing.T) {
			in := baseInput(t, info.Name)
			in.Jitter = 0.5
			pl := mustPlanner(t, in)
			ts := pl.Times(0, pl.Count())
			for i, want := range ts {
				if got := pl.At(i); !got.Equal(want) {
					t.Fatalf("At(%d): want %v, got %v", i, want, got)
				}
			}
			// One-hour segments cover every index exactly once, in order.
			next := 0
			for seg := in.Start; seg.Before(in.End); seg = seg.Add(time.Hour) {
				first, end := pl.IndexRange(seg, seg.Add(time.Hour))
				if first != next {
					t.Fatalf("segment %v: first: want %d, got %d", seg, next, first)
				}
				for i := first; i < end; i++ {
					if ts[i].Before(seg) || !ts[i].Before(seg.Add(time.Hour)) {
						t.Fatalf("segment %v: index %d at %v is outside", seg, i, ts[i])
					}
				}
				if exp := pl.Expected(seg, seg.Add(time.Hour)); in.Jitter == 0 && math.Abs(exp-float64(end-first)) > 1 {
					t.Fatalf("segment %v: expected %.2f, planned %d", seg, exp, end-first)
				}
				next = end
			}
			if next != pl.Count() {
				t.Fatalf("segments cover: want %d records, got %d", pl.Count(), next)
			}
		})
	}
}

func TestHistogramSumsToCount(t *testing.T) {
	in := baseInput(t, BellCurve)
	in.Count = MaxRecords
	pl := mustPlanner(t, in)
	h := pl.Histogram(48)
	sum := 0.0
	for _, v := range h {
		sum += v
	}
	if math.Abs(sum-float64(in.Count)) > 1e-6*float64(in.Count) {
		t.Fatalf("histogram sum: want %d, got %f", in.Count, sum)
	}
	if h[0] >= h[24] {
		t.Errorf("bell curve histogram: want middle (%f) above edge (%f)", h[24], h[0])
	}
}

func TestShortWindowResolution(t *testing.T) {
	start := time.Date(2025, 6, 2, 10, 0, 0, 123, time.UTC)
	in := PlanInput{Distribution: BellCurve, Start: start, End: start.Add(10 * time.Minute), Count: 600}
	ts, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for _, x := range ts {
		distinct[x.Unix()] = true
	}
	if len(distinct) < 300 {
		t.Errorf("distinct seconds in a 10-minute window: want ≥ 300, got %d", len(distinct))
	}
}
