package sim

import (
	"testing"
	"time"
)

func thirtyDays(d Distribution, n int) PlanInput {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	return PlanInput{Distribution: d, Start: start, End: start.Add(MaxWindow), Count: n, Seed: 3, Weights: customWeights, Jitter: 0.5}
}

func TestCandidatesDoNotAllocate(t *testing.T) {
	spec := testSpec(t, "enterprise", 10)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { Candidates(spec, i); i++ }); n != 0 {
		t.Errorf("Candidates allocations: want 0, got %v", n)
	}
}

func TestThirtyDayPlannerBuildIsFast(t *testing.T) {
	in := thirtyDays(BusinessHours, MaxRecords)
	in.Location = mustLoc(t, "Europe/Berlin")
	begin := time.Now()
	pl := mustPlanner(t, in)
	if d := time.Since(begin); d > time.Second { // generous: the benchmark reports the real figure
		t.Errorf("building a 30-day planner: want well under 1 s, took %v", d)
	}
	if cells := len(pl.cdf); cells > 45_000 {
		t.Errorf("CDF table: want ≤ 45000 entries (one per minute), got %d", cells)
	}
}

func BenchmarkNewPlanner30Days(b *testing.B) {
	berlin := mustLoc(b, "Europe/Berlin")
	for _, d := range []Distribution{Linear, BellCurve, RandomBursts, BusinessHours, Custom} {
		in := thirtyDays(d, MaxRecords)
		in.Location = berlin
		b.Run(string(d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewPlanner(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAt(b *testing.B) {
	pl := mustPlanner(b, thirtyDays(BellCurve, MaxRecords))
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		pl.At(i)
		i = (i + 7919) % MaxRecords
	}
}

func BenchmarkIndexRangeOneHour(b *testing.B) {
	in := thirtyDays(BellCurve, MaxRecords)
	pl := mustPlanner(b, in)
	h := 0
	b.ReportAllocs()
	for b.Loop() {
		seg := in.Start.Add(time.Duration(h) * time.Hour)
		pl.IndexRange(seg, seg.Add(time.Hour))
		h = (h + 1) % 720
	}
}

func BenchmarkPlanMillion(b *testing.B) {
	pl := mustPlanner(b, thirtyDays(BellCurve, MaxRecords))
	b.ReportAllocs()
	for b.Loop() {
		pl.Times(0, MaxRecords)
	}
}

func BenchmarkCandidates(b *testing.B) {
	spec := testSpec(b, "b2b", 10)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		Candidates(spec, i)
		i++
	}
}

func BenchmarkPlanRecord(b *testing.B) {
	spec := testSpec(b, "b2b", 100_000)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PlanRecord(spec, i, Counts{}); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % 100_000
	}
}

func BenchmarkExpectedTotals(b *testing.B) {
	sc, _ := ScenarioByName("enterprise")
	b.ReportAllocs()
	for b.Loop() {
		ExpectedTotals(sc, MaxRecords)
	}
}

func BenchmarkCountTotalsMillion(b *testing.B) {
	spec := testSpec(b, "b2b", 10)
	b.ReportAllocs()
	for b.Loop() {
		CountTotals(spec, MaxRecords)
	}
}
