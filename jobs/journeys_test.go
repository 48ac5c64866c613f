package jobs

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/fake"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// sandboxObjects reads every live object of a type one simulation created.
func (e *testEnv) sandboxObjects(s storage.Simulation, typ string) []sandbox.Record {
	e.t.Helper()
	var out []sandbox.Record
	for offset := 0; ; {
		page, err := e.sandbox.SimulationRecords(context.Background(), simID(s.ID), sandbox.RecordQuery{Type: typ, Offset: offset, Limit: 200})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, page.Records...)
		if page.NextOffset == 0 {
			return out
		}
		offset = page.NextOffset
	}
}

// byKey indexes records by their simcrm_record_key.
func byKey(recs []sandbox.Record) map[string]sandbox.Record {
	out := make(map[string]sandbox.Record, len(recs))
	for _, r := range recs {
		out[r.Properties[hubspot.RecordKeyProperty]] = r
	}
	return out
}

// planAll plans every record of a stored simulation the way the engine does.
func (e *testEnv) planAll(s storage.Simulation) (*sim.Spec, []sim.Record) {
	e.t.Helper()
	spec, err := e.engine.Worker.specOf(context.Background(), s)
	if err != nil {
		e.t.Fatal(err)
	}
	var used sim.Counts
	recs := make([]sim.Record, spec.Planner.Count())
	for i := range recs {
		if recs[i], err = sim.PlanRecord(spec, i, used); err != nil {
			e.t.Fatal(err)
		}
		used = used.Plus(sim.Candidates(spec, i))
	}
	return spec, recs
}

// A seeded b2b backfill of 2,000 requested records ends with the lifecycle stages
// of the scenario's funnel (each stage within four binomial standard deviations,
// at least 5 contacts), every contact with a won deal a customer, every deal in
// the last stage of its path with the planned close date, and each deal's updates
// sent in pipeline order (ledger) with increasing planned dates. Objects carry
// their planned createdate, and contacts the date they entered their stage.
func TestBackfillJourneysFollowTheFunnel(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	s := e.run(backfillInput(2000))
	s = e.wait(s.ID, storage.StatusCompleted, 3*time.Minute)
	e.checkExact(s)
	spec, recs := e.planAll(s)
	contacts := byKey(e.sandboxObjects(s, "contacts"))
	deals := byKey(e.sandboxObjects(s, "deals"))
	if len(contacts) != len(recs) {
		t.Fatalf("contacts: want %d, got %d", len(recs), len(contacts))
	}

	stages := map[string]int{}
	won := 0
	for _, r := range recs {
		c := contacts[r.Key]
		stage := c.Properties["lifecyclestage"]
		stages[stage]++
		if stage != r.FinalStage() {
			t.Fatalf("contact %s: want stage %s, got %s", r.Key, r.FinalStage(), stage)
		}
		if want := r.CreatedAt.UTC().Truncate(time.Millisecond); !c.CreatedAt.Equal(want) {
			t.Fatalf("contact %s: want createdate %v, got %v", r.Key, want, c.CreatedAt)
		}
		last := r.Steps[len(r.Steps)-1]
		for _, st := range r.Steps {
			if st.LifecycleStage != "" {
				last = st
			}
		}
		if got := c.Properties[fake.LifecycleDateProperty(stage)]; got != last.At.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Fatalf("contact %s: %s = %q, want %v", r.Key, fake.LifecycleDateProperty(stage), got, last.At.UTC())
		}
		if r.Deal == nil {
			continue
		}
		d, ok := deals[r.Deal.Key]
		if !ok {
			t.Fatalf("deal %s missing", r.Deal.Key)
		}
		if d.Properties["dealstage"] != r.Deal.Stage {
			t.Fatalf("deal %s: want stage %s, got %s", r.Deal.Key, r.Deal.Stage, d.Properties["dealstage"])
		}
		if r.Deal.Outcome != sim.DealOpen && d.Properties["closedate"] != r.Deal.CloseAt.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Fatalf("deal %s: want closedate %v, got %s", r.Deal.Key, r.Deal.CloseAt.UTC(), d.Properties["closedate"])
		}
		if d.Properties["dealstage"] == sim.StageWon {
			won++
			if stage != sim.LifecycleCustomer {
				t.Fatalf("contact %s has a won deal but is %s", r.Key, stage)
			}
			_, assoc, err := e.sandbox.Record(ctx, "deals", d.ID)
			if err != nil {
				t.Fatal(err)
			}
			linked := false
			for _, a := range assoc {
				linked = linked || a.Type == "contacts" && a.ID == c.ID
			}
			if !linked {
				t.Fatalf("won deal %s is not associated with its contact %s", r.Deal.Key, r.Key)
			}
		}
	}
	n := len(recs)
	for stage, p := range sim.Funnel(spec.Scenario) {
		want := p * float64(n)
		tol := math.Max(5, 4*math.Sqrt(float64(n)*p*(1-p)))
		if math.Abs(float64(stages[stage])-want) > tol {
			t.Errorf("lifecycle %s: want %.0f ± %.0f of %d, got %d", stage, want, tol, n, stages[stage])
		}
		delete(stages, stage)
	}
	if len(stages) > 0 {
		t.Errorf("stages outside the funnel: %v", stages)
	}
	if won == 0 {
		t.Fatal("no won deals to check")
	}

	// Stage history: every deal's updates are in the ledger, sent in path order
	// (a later stage never before an earlier one) with increasing planned dates.
	rows, err := e.rawDB().QueryContext(ctx, `SELECT record_key, created_at FROM ledger WHERE simulation_id = ? AND object_type = ?`,
		s.ID, string(sim.KindDealUpdate))
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]time.Time{}
	for rows.Next() {
		var key string
		var at time.Time
		if err := rows.Scan(&key, &at); err != nil {
			t.Fatal(err)
		}
		sent[key] = at
	}
	rows.Close()
	pl := sim.DefaultPipeline()
	paths := 0
	for _, r := range recs {
		if r.Deal == nil {
			continue
		}
		paths++
		p := r.Deal.Path
		for i := 1; i < len(p); i++ {
			key := sim.UpdateKey(r.Deal.Key, i)
			at, ok := sent[key]
			if !ok {
				t.Fatalf("deal %s: update %d (%s) not in the ledger", r.Deal.Key, i, p[i].Stage)
			}
			if pl.Position(p[i].Stage) <= pl.Position(p[i-1].Stage) || !p[i].At.After(p[i-1].At) {
				t.Fatalf("deal %s: path out of order %+v", r.Deal.Key, p)
			}
			if i > 1 && at.Before(sent[sim.UpdateKey(r.Deal.Key, i-1)]) {
				t.Fatalf("deal %s: %s sent before %s", r.Deal.Key, p[i].Stage, p[i-1].Stage)
			}
		}
	}
	m, err := e.engine.Progress.Metrics(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	tot := sim.CountTotals(spec, n)
	if m.Created["contact_updates"] != int64(tot.ContactUpdates) || m.Created["deal_updates"] != int64(tot.DealUpdates) ||
		m.Scheduled["deal_updates"] != int64(tot.DealUpdates) {
		t.Errorf("update metrics: want %d contact and %d deal updates, got created %v scheduled %v", tot.ContactUpdates, tot.DealUpdates, m.Created, m.Scheduled)
	}
	t.Logf("%d contacts, %d deals (%d won), %d contact and %d deal updates; stages %v", n, paths, won, tot.ContactUpdates, tot.DealUpdates, sim.Funnel(spec.Scenario))
}

// Consumer scenarios carry no B2B job titles or deal offers: every property of
// every object the simulation made in the sandbox is checked.
func TestConsumerContentHasNoBusinessWords(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	business := fake.BusinessWords()
	for _, scenario := range []string{"ecommerce", "b2c"} {
		in := backfillInput(200)
		in.Scenario = scenario
		s := e.run(in)
		s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
		checked := 0
		for _, typ := range []string{"contacts", "companies", "deals", "tickets", "notes", "calls", "tasks", "meetings"} {
			for _, o := range e.sandboxObjects(s, typ) {
				if typ == "contacts" && o.Properties["jobtitle"] != "" {
					t.Fatalf("%s contact %d has job title %q", scenario, o.ID, o.Properties["jobtitle"])
				}
				for k, v := range o.Properties {
					for _, w := range business {
						if strings.Contains(v, w) {
							t.Fatalf("%s %s %d: %s=%q carries the B2B phrase %q", scenario, typ, o.ID, k, v, w)
						}
					}
				}
				checked++
			}
		}
		if checked < 200 {
			t.Errorf("%s: only %d objects checked", scenario, checked)
		}
	}
}
