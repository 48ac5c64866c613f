package sim

import "testing"

func TestPluralsAndMetricKeys(t *testing.T) {
	tests := []struct {
		kind      Kind
		plural    string
		scheduled string
	}{
		{KindNote, "notes", "notes_scheduled"},
		{KindCall, "calls", "calls_scheduled"},
		{KindTask, "tasks", "tasks_scheduled"},
		{KindMeeting, "meetings", "meetings_scheduled"},
		{KindTicket, "tickets", "tickets_scheduled"},
		{KindContact, "contacts", "contacts_scheduled"},
		{KindCompany, "companies", "companies_scheduled"},
		{KindDeal, "deals", "deals_scheduled"},
	}
	for _, tt := range tests {
		if got := tt.kind.Plural(); got != tt.plural {
			t.Errorf("%s.Plural(): want %s, got %s", tt.kind, tt.plural, got)
		}
		if got := MetricKey(tt.kind, EventScheduled); got != tt.scheduled {
			t.Errorf("MetricKey(%s): want %s, got %s", tt.kind, tt.scheduled, got)
		}
		for _, s := range []string{string(tt.kind), tt.plural} {
			if k, ok := ParseKind(s); !ok || k != tt.kind {
				t.Errorf("ParseKind(%q): want %s, got %q %v", s, tt.kind, k, ok)
			}
		}
		k, ev, ok := ParseMetricKey(MetricKey(tt.kind, EventCreated))
		if !ok || k != tt.kind || ev != EventCreated {
			t.Errorf("ParseMetricKey round trip for %s: got %q %q %v", tt.kind, k, ev, ok)
		}
	}
	if _, _, ok := ParseMetricKey("note_scheduled"); ok {
		t.Error("ParseMetricKey must reject singular metric keys (note_scheduled)")
	}
}

// The original product stored budgets under "note" but counted usage under
// "notes_scheduled", so budgets never applied. Here every path from a metric
// key, an override key in either form, or a Kind reaches the same budget.
func TestBudgetKeysSingularAndPluralAgree(t *testing.T) {
	sc, _ := ScenarioByName("b2b")
	for _, k := range ActivityKinds {
		metric := MetricKey(k, EventScheduled)
		mk, _, ok := ParseMetricKey(metric)
		if !ok {
			t.Fatalf("ParseMetricKey(%q) failed", metric)
		}
		if got, want := sc.Budgets.Get(mk), sc.Budgets.Get(k); got != want || want == 0 {
			t.Errorf("budget via %q: want %d (non-zero), got %d", metric, want, got)
		}
		if got := sc.Budgets.Map()[k.Plural()]; got != sc.Budgets.Get(k) {
			t.Errorf("Budgets.Map()[%q]: want %d, got %d", k.Plural(), sc.Budgets.Get(k), got)
		}
		for i, key := range []string{"budget." + string(k), "budget." + k.Plural()} {
			o, err := ApplyOverrides(sc, Overrides{key: float64(100 + i)})
			if err != nil {
				t.Fatalf("override %q: %v", key, err)
			}
			if got := o.Budgets.Get(k); got != 100+i {
				t.Errorf("override %q: want budget %d, got %d", key, 100+i, got)
			}
		}
	}

	// And the overridden budget is what the journey enforces.
	spec := testSpec(t, "b2b", 1000)
	o, err := ApplyOverrides(spec.Scenario, Overrides{"budget.note": 5, "budget.calls": 4, "budget.task": 3, "budget.meetings": 2, "budget.ticket": 1})
	if err != nil {
		t.Fatal(err)
	}
	spec.Scenario = o
	if got, want := countKinds(planAll(t, spec)), (Counts{5, 4, 3, 2, 1}); got != want {
		t.Errorf("planned under overridden budgets: want %+v, got %+v", want, got)
	}
}
