package sim

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testSpec(t testing.TB, scenario string, records int) *Spec {
	t.Helper()
	sc, err := ScenarioByName(scenario)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	pl := mustPlanner(t, PlanInput{Distribution: Linear, Start: start, End: start.Add(7 * 24 * time.Hour), Count: records, Seed: 11})
	return &Spec{SimID: "42", Seed: 11, Scenario: sc, Planner: pl}
}

// planAll plans every record the way the engine does: used = prefix sums
// of Candidates.
func planAll(t testing.TB, spec *Spec) []Record {
	t.Helper()
	var used Counts
	recs := make([]Record, spec.Planner.Count())
	for i := range recs {
		r, err := PlanRecord(spec, i, used)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
		used = used.Plus(Candidates(spec, i))
	}
	return recs
}

func countKinds(recs []Record) Counts {
	var c Counts
	for _, r := range recs {
		for _, a := range r.Activities {
			c.Set(a.Kind, c.Get(a.Kind)+1)
		}
	}
	return c
}

func TestEveryActivityKindIsPlanned(t *testing.T) {
	spec := testSpec(t, "b2b", 3000)
	spec.Scenario.Budgets = Counts{1e6, 1e6, 1e6, 1e6, 1e6}
	got := countKinds(planAll(t, spec))
	for _, k := range ActivityKinds {
		if got.Get(k) == 0 {
			t.Errorf("%s: want some planned across 3000 b2b records, got 0 (all: %+v)", k, got)
		}
	}
}

func TestPerRecordCaps(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 4000)
			spec.Scenario.Budgets = Counts{1e6, 1e6, 1e6, 1e6, 1e6}
			reached := Counts{}
			for _, r := range planAll(t, spec) {
				c := countKinds([]Record{r})
				for _, k := range ActivityKinds {
					if c.Get(k) > spec.Scenario.Caps.Get(k) {
						t.Fatalf("record %d: %s: want ≤ cap %d, got %d", r.Index, k.Plural(), spec.Scenario.Caps.Get(k), c.Get(k))
					}
					if c.Get(k) == spec.Scenario.Caps.Get(k) {
						reached.Set(k, 1)
					}
				}
			}
			if reached.Notes+reached.Calls+reached.Tasks == 0 {
				t.Errorf("no record ever reached a note, call or task cap: caps untested")
			}
		})
	}
	// A tighter cap cuts the latest activities of that kind.
	spec := testSpec(t, "b2b", 2000)
	spec.Scenario.Caps.Notes = 1
	spec.Scenario.Caps.Tasks = 1
	for _, r := range planAll(t, spec) {
		if c := countKinds([]Record{r}); c.Notes > 1 || c.Tasks > 1 {
			t.Fatalf("record %d: with caps 1: want ≤ 1 note and task, got %+v", r.Index, c)
		}
	}
}

func TestSimulationBudgetsCutExactly(t *testing.T) {
	spec := testSpec(t, "b2b", 3000)
	budgets := Counts{Notes: 37, Calls: 11, Tasks: 23, Meetings: 7, Tickets: 3}
	spec.Scenario.Budgets = budgets
	recs := planAll(t, spec)
	got := countKinds(recs)
	if got != budgets {
		t.Fatalf("planned activities: want exactly the budgets %+v, got %+v", budgets, got)
	}
	// The cut happens where the prefix sum of candidates reaches the budget:
	// every record before it keeps all its candidates, every record after it none.
	var used Counts
	for i, r := range recs {
		cand := Candidates(spec, i)
		kept := countKinds([]Record{r})
		for _, k := range ActivityKinds {
			want := min(cand.Get(k), max(0, budgets.Get(k)-used.Get(k)))
			if kept.Get(k) != want {
				t.Fatalf("record %d %s: want %d kept (candidates %d, used %d), got %d", i, k.Plural(), want, cand.Get(k), used.Get(k), kept.Get(k))
			}
			if r.Dropped.Get(k) != cand.Get(k)-want {
				t.Fatalf("record %d %s dropped: want %d, got %d", i, k.Plural(), cand.Get(k)-want, r.Dropped.Get(k))
			}
		}
		used = used.Plus(cand)
	}
	if ct := CountTotals(spec, 3000).Activities(); ct != budgets {
		t.Errorf("CountTotals: want %+v, got %+v", budgets, ct)
	}
}

func TestCandidatesMatchPlanRecordWithoutBudgets(t *testing.T) {
	for _, name := range ScenarioNames() {
		spec := testSpec(t, name, 2000)
		spec.Scenario.Budgets = Counts{1e6, 1e6, 1e6, 1e6, 1e6}
		for i, r := range planAll(t, spec) {
			if want, got := Candidates(spec, i), countKinds([]Record{r}); want != got {
				t.Fatalf("%s record %d: want Candidates %+v, got planned %+v", name, i, want, got)
			}
		}
	}
}

func TestActivityDelays(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 2000)
			sc := spec.Scenario
			call := Range{sc.Delays.Call.Mean - sc.Delays.Call.Jitter, sc.Delays.Call.Mean + sc.Delays.Call.Jitter}
			wantRange := map[Phase]map[Kind]Range{
				PhaseCreated:    {KindNote: sc.Delays.Note},
				PhaseMQL:        {KindCall: call, KindTask: sc.Delays.Task},
				PhaseRegression: {KindNote: sc.Delays.Nurture},
				PhaseDeal:       {KindMeeting: sc.Delays.Meeting, KindTask: sc.Delays.Task},
				PhaseWon:        {KindNote: sc.Delays.PostWin},
				PhaseLost:       {KindTicket: sc.Delays.Ticket},
			}
			seen := map[Phase]map[Kind]bool{}
			for _, r := range planAll(t, spec) {
				for _, a := range r.Activities {
					rg, ok := wantRange[a.Phase][a.Kind]
					if !ok {
						t.Fatalf("unexpected %s in phase %s", a.Kind, a.Phase)
					}
					d := a.At.Sub(a.PhaseAt)
					lo, hi := minutes(rg.Min)-time.Second, minutes(rg.Max)+time.Second
					if d <= 0 || d < lo || d > hi || d != a.Delay {
						t.Fatalf("record %d %s in %s: delay want %v…%v (and = Delay %v), got %v", r.Index, a.Kind, a.Phase, lo, hi, a.Delay, d)
					}
					if a.At.After(r.CreatedAt.Add(sc.MaxJourney())) {
						t.Fatalf("record %d %s at %v: want within MaxJourney %v of %v", r.Index, a.Kind, a.At, sc.MaxJourney(), r.CreatedAt)
					}
					if a.PhaseAt.Before(r.CreatedAt) {
						t.Fatalf("record %d %s: phase %v before the contact %v", r.Index, a.Kind, a.PhaseAt, r.CreatedAt)
					}
					if seen[a.Phase] == nil {
						seen[a.Phase] = map[Kind]bool{}
					}
					seen[a.Phase][a.Kind] = true
				}
				for i := 1; i < len(r.Activities); i++ {
					if r.Activities[i].At.Before(r.Activities[i-1].At) {
						t.Fatalf("record %d activities not in time order", r.Index)
					}
				}
			}
			if len(seen) < 5 {
				t.Errorf("phases with activities: want ≥ 5, got %v", seen)
			}
		})
	}
}

func TestJourneyShape(t *testing.T) {
	spec := testSpec(t, "b2b", 4000)
	var deals, won, lost, open, regressions int
	for _, r := range planAll(t, spec) {
		if r.Steps[0].Phase != PhaseCreated || !r.Steps[0].At.Equal(r.CreatedAt) || r.Steps[0].LifecycleStage != LifecycleLead {
			t.Fatalf("record %d: first step: want created/lead at %v, got %+v", r.Index, r.CreatedAt, r.Steps[0])
		}
		for i := 1; i < len(r.Steps); i++ {
			if r.Steps[i].At.Before(r.Steps[i-1].At) {
				t.Fatalf("record %d: steps out of order: %+v", r.Index, r.Steps)
			}
		}
		for _, a := range r.Activities {
			hasDeal := false
			for _, k := range a.Associations {
				hasDeal = hasDeal || k == KindDeal
			}
			if hasDeal && r.Deal == nil {
				t.Fatalf("record %d: %s associates a deal the record does not have", r.Index, a.Key)
			}
			if !strings.HasPrefix(a.Key, r.Key+"-"+string(a.Kind)+"-") {
				t.Fatalf("activity key %q: want prefix %q", a.Key, r.Key+"-"+string(a.Kind)+"-")
			}
		}
		if r.Steps[len(r.Steps)-1].Phase == PhaseRegression {
			regressions++
		}
		if r.Deal == nil {
			continue
		}
		deals++
		d := r.Deal
		if d.Amount < int64(spec.Scenario.DealAmount.Min) || d.Amount > int64(spec.Scenario.DealAmount.Max) {
			t.Fatalf("deal amount: want %v…%v, got %d", spec.Scenario.DealAmount.Min, spec.Scenario.DealAmount.Max, d.Amount)
		}
		switch d.Outcome {
		case DealWon:
			won++
			if d.Stage != StageWon {
				t.Fatalf("won deal stage: want %s, got %s", StageWon, d.Stage)
			}
		case DealLost:
			lost++
			if d.Stage != StageLost {
				t.Fatalf("lost deal stage: want %s, got %s", StageLost, d.Stage)
			}
		case DealOpen:
			open++
			if d.Stage == StageWon || d.Stage == StageLost {
				t.Fatalf("open deal stage: want an open stage, got %s", d.Stage)
			}
		}
	}
	wantDeals := 4000 * spec.Scenario.PMQL * spec.Scenario.PDeal
	if f := float64(deals) / wantDeals; f < 0.9 || f > 1.1 {
		t.Errorf("deals: want ≈ %.0f, got %d", wantDeals, deals)
	}
	if rate := float64(won) / float64(won+lost); rate < 0.55 || rate > 0.65 {
		t.Errorf("win rate: want ≈ 0.60, got %.3f (%d won, %d lost)", rate, won, lost)
	}
	if open == 0 || regressions == 0 {
		t.Errorf("want open deals and regressions, got %d open, %d regressions", open, regressions)
	}
}

func TestRecordDeterminismAndKeys(t *testing.T) {
	spec := testSpec(t, "b2b", 500)
	used := Counts{Notes: 10}
	a, _ := PlanRecord(spec, 123, used)
	b, _ := PlanRecord(spec, 123, used)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same (spec, index, used): want equal records\n%+v\n%+v", a, b)
	}
	other := *spec
	other.Seed++
	c, _ := PlanRecord(&other, 123, used)
	if reflect.DeepEqual(a.Activities, c.Activities) && a.Company.Brand == c.Company.Brand && a.Seed == c.Seed {
		t.Error("another seed: want a different record")
	}
	if a.Key != "42-123" {
		t.Errorf("record key: want 42-123, got %s", a.Key)
	}
	if _, err := PlanRecord(spec, 500, used); !errors.Is(err, ErrIndex) {
		t.Errorf("index past the plan: want ErrIndex, got %v", err)
	}

	other.Seed = spec.Seed
	other.SimID = "43"
	if PersonOf(spec, 1).Email == PersonOf(&other, 1).Email {
		t.Error("emails of two simulations must differ")
	}
}

// Emails are derived from the person's name and the company's domain
// (consumers: a personal mailbox), unique per simulation and seed, and always
// on a reserved example domain.
func TestEmailsFromNamesAreUnique(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 20000)
			emails := map[string]int{}
			for i := range spec.Planner.Count() {
				p := PersonOf(spec, i)
				if j, dup := emails[p.Email]; dup {
					t.Fatalf("records %d and %d share email %s", j, i, p.Email)
				}
				emails[p.Email] = i
				local, domain, ok := strings.Cut(p.Email, "@")
				if !ok || !reservedDomain(domain) {
					t.Fatalf("email %s: want a reserved example domain", p.Email)
				}
				last := mailToken(p.LastName)
				if !strings.Contains(local, last) && !strings.HasPrefix(local, mailToken(p.FirstName)) {
					t.Fatalf("email %s: want it derived from %s %s", p.Email, p.FirstName, p.LastName)
				}
				if spec.Scenario.Consumer {
					if !strings.HasSuffix(local, strconv.Itoa(i)) {
						t.Fatalf("consumer email %s: want the personal mailbox form", p.Email)
					}
				} else if co := CompanyOf(spec, i); domain != co.Domain {
					t.Fatalf("business email %s: want the company domain %s", p.Email, co.Domain)
				}
			}
		})
	}
}

func reservedDomain(d string) bool {
	for _, tld := range []string{"com", "org", "net"} {
		if d == "example."+tld || strings.HasSuffix(d, ".example."+tld) {
			return true
		}
	}
	return false
}

func TestCompaniesAreSharedAndStable(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 10)
			r := spec.Scenario.ContactsPerCompany
			sizes := map[int]int{}
			firsts := map[int]int{}
			prev := -1
			for i := range 5000 {
				c := CompanyOf(spec, i)
				if c.Index < prev || c.Index > prev+1 {
					t.Fatalf("record %d: company %d after %d: want consecutive blocks", i, c.Index, prev)
				}
				if c.First != (c.Index != prev) {
					t.Fatalf("record %d: First: want %v, got %v", i, c.Index != prev, c.First)
				}
				prev = c.Index
				sizes[c.Index]++
				if c.First {
					firsts[c.Index] = i
				}
				if e := spec.Scenario.Employees; c.Employees < e.Min || c.Employees > e.Max {
					t.Fatalf("company %d employees: want %d…%d, got %d", c.Index, e.Min, e.Max, c.Employees)
				}
				again := CompanyAt(spec, c.Index)
				if again.Key != c.Key || again.Domain != c.Domain || again.Industry != c.Industry || again.Brand != c.Brand || again.Employees != c.Employees {
					t.Fatalf("company %d not stable: %+v vs %+v", c.Index, c, again)
				}
			}
			seen := map[int]bool{}
			for c, n := range sizes {
				if c == prev {
					continue // the last company may be cut by the record count
				}
				if n < r.Min || n > r.Max {
					t.Fatalf("company %d has %d contacts: want %d…%d", c, n, r.Min, r.Max)
				}
				seen[n] = true
			}
			if len(seen) != r.Max-r.Min+1 {
				t.Errorf("company sizes: want every size in %d…%d, got %v", r.Min, r.Max, seen)
			}
			if got, want := CompanyCount(spec.Seed, &spec.Scenario, 5000), len(sizes); got != want {
				t.Errorf("CompanyCount: want %d, got %d", want, got)
			}
			c := CompanyOf(spec, 0)
			if !strings.HasSuffix(c.Domain, ".s42.example.com") || c.Key != "42-co-0" {
				t.Errorf("company 0: want key 42-co-0 and domain on s42.example.com, got %s %s", c.Key, c.Domain)
			}
		})
	}
}

func TestEffectiveTotal(t *testing.T) {
	tests := []struct {
		scenario  string
		requested int
		want      int
	}{
		{"b2b", 1000, 800},
		{"b2c", 1000, 1800},
		{"b2b", 1, 1},
		{"enterprise", 1, 1},
		{"b2c", MaxRecords, MaxRecords},
	}
	for _, tt := range tests {
		sc, _ := ScenarioByName(tt.scenario)
		if got := EffectiveTotal(tt.requested, sc); got != tt.want {
			t.Errorf("EffectiveTotal(%d, %s): want %d, got %d", tt.requested, tt.scenario, tt.want, got)
		}
	}
}

func TestExpectedTotalsMatchCountTotals(t *testing.T) {
	const n = 40_000
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			spec := testSpec(t, name, 10)
			for _, budgets := range []Counts{{1e7, 1e7, 1e7, 1e7, 1e7}, spec.Scenario.Budgets} {
				spec.Scenario.Budgets = budgets
				exact := CountTotals(spec, n)
				exp := ExpectedTotals(spec.Scenario, n)
				for _, k := range ObjectKinds {
					e, g := float64(exp.Get(k)), float64(exact.Get(k))
					if tol := 0.03*g + 30; e < g-tol || e > g+tol {
						t.Errorf("budgets %v: %s: exact %v, expected %v", budgets, k.Plural(), g, e)
					}
				}
			}
		})
	}
}
