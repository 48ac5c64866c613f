package sim

import (
	"math"
	"testing"
)

// funnelTolerance is how far (in contacts) a stage count may be from the
// funnel's expectation: four binomial standard deviations, at least 5.
func funnelTolerance(n int, p float64) float64 {
	return math.Max(5, 4*math.Sqrt(float64(n)*p*(1-p)))
}

func TestFinalStagesMatchTheFunnel(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 2000)
			got := map[string]int{}
			for _, r := range planAll(t, spec) {
				got[r.FinalStage()]++
				if r.Deal != nil && r.Deal.Outcome == DealWon && r.FinalStage() != LifecycleCustomer {
					t.Fatalf("record %d: won deal, want customer, got %s", r.Index, r.FinalStage())
				}
			}
			sum := 0.0
			for stage, p := range Funnel(spec.Scenario) {
				sum += p
				want := p * 2000
				if d := math.Abs(float64(got[stage]) - want); d > funnelTolerance(2000, p) {
					t.Errorf("%s: want %.0f ± %.0f, got %d", stage, want, funnelTolerance(2000, p), got[stage])
				}
				delete(got, stage)
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("funnel shares: want a sum of 1, got %v", sum)
			}
			if len(got) > 0 {
				t.Errorf("stages outside the funnel: %v", got)
			}
		})
	}
}

func TestJourneyStepsAndDealPaths(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 3000)
			pl := DefaultPipeline()
			var paths, longest, regressions int
			var cu, du int
			for _, r := range planAll(t, spec) {
				for i := 1; i < len(r.Steps); i++ {
					if !r.Steps[i].At.After(r.Steps[i-1].At) && r.Steps[i].Phase != PhaseWon && r.Steps[i].Phase != PhaseLost {
						t.Fatalf("record %d: steps must move forward in time: %+v", r.Index, r.Steps)
					}
					if r.Steps[i].LifecycleStage == LifecycleLead && i > 1 {
						regressions++
					}
				}
				c, d := UpdateCounts(spec, r.Index)
				ups := r.Updates()
				nc, nd := 0, 0
				for _, u := range ups {
					if u.Kind == KindContactUpdate {
						nc++
					} else {
						nd++
					}
				}
				if nc != c || nd != d {
					t.Fatalf("record %d: UpdateCounts %d/%d, Updates %d/%d", r.Index, c, d, nc, nd)
				}
				cu, du = cu+c, du+d
				if r.Deal == nil {
					continue
				}
				paths++
				p := r.Deal.Path
				if p[0].Stage != pl.Open[0] || !p[0].At.Equal(r.Deal.CreatedAt) {
					t.Fatalf("record %d: deal must start in %s at its creation, got %+v", r.Index, pl.Open[0], p[0])
				}
				for i := 1; i < len(p); i++ {
					if pl.Position(p[i].Stage) != pl.Position(p[i-1].Stage)+1 && !(i == len(p)-1 && r.Deal.Outcome == DealLost) {
						t.Fatalf("record %d: stages out of pipeline order: %+v", r.Index, p)
					}
					if pl.Position(p[i].Stage) <= pl.Position(p[i-1].Stage) || !p[i].At.After(p[i-1].At) {
						t.Fatalf("record %d: stage path must move forward in order and time: %+v", r.Index, p)
					}
				}
				last := p[len(p)-1]
				switch r.Deal.Outcome {
				case DealWon:
					if last.Stage != StageWon || len(p) != len(pl.Open)+1 || !last.At.Equal(r.Deal.CloseAt) {
						t.Fatalf("record %d: won deal path %+v", r.Index, p)
					}
					longest++
				case DealLost:
					if last.Stage != StageLost || !last.At.Equal(r.Deal.CloseAt) {
						t.Fatalf("record %d: lost deal path %+v", r.Index, p)
					}
				default:
					if pl.Position(last.Stage) >= len(pl.Open) || last.At.After(r.Deal.CloseAt) {
						t.Fatalf("record %d: open deal path %+v", r.Index, p)
					}
				}
				if r.Deal.Stage != last.Stage {
					t.Fatalf("record %d: deal stage %s, path ends in %s", r.Index, r.Deal.Stage, last.Stage)
				}
			}
			if paths == 0 || longest == 0 || regressions == 0 {
				t.Errorf("want deals, won paths and regressions: %d deals, %d won, %d regressions", paths, longest, regressions)
			}
			tot := CountTotals(spec, 3000)
			if tot.ContactUpdates != cu || tot.DealUpdates != du {
				t.Errorf("CountTotals updates: want %d/%d, got %d/%d", cu, du, tot.ContactUpdates, tot.DealUpdates)
			}
			exp := ExpectedTotals(spec.Scenario, 3000)
			for _, pair := range [][2]int{{exp.ContactUpdates, cu}, {exp.DealUpdates, du}} {
				if f := float64(pair[0]) / float64(pair[1]); f < 0.9 || f > 1.1 {
					t.Errorf("ExpectedTotals updates: want ≈ %d, got %d", pair[1], pair[0])
				}
			}
		})
	}
}

// A custom pipeline keeps the path's order with its own stage ids.
func TestDealPathInACustomPipeline(t *testing.T) {
	spec := testSpec(t, "b2b", 1500)
	spec.Pipeline = Pipeline{ID: "77", Open: []string{"s1", "s2", "s3"}, Won: "w", Lost: "l"}
	seen := 0
	for _, r := range planAll(t, spec) {
		if r.Deal == nil {
			continue
		}
		seen++
		if r.Deal.Pipeline != "77" || r.Deal.Path[0].Stage != "s1" {
			t.Fatalf("record %d: want pipeline 77 from s1, got %s %+v", r.Index, r.Deal.Pipeline, r.Deal.Path)
		}
		for i := 1; i < len(r.Deal.Path); i++ {
			if spec.Pipeline.Position(r.Deal.Path[i].Stage) <= spec.Pipeline.Position(r.Deal.Path[i-1].Stage) {
				t.Fatalf("record %d: path out of order %+v", r.Index, r.Deal.Path)
			}
		}
		if r.Deal.Outcome == DealWon && len(r.Deal.Path) != 4 {
			t.Fatalf("record %d: won path through 3 open stages, got %+v", r.Index, r.Deal.Path)
		}
	}
	if seen == 0 {
		t.Fatal("no deals planned")
	}
}
