package sim

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestReferenceScenarios(t *testing.T) {
	type ref struct {
		volume, win                        float64
		perCompany                         IntRange
		note, call, task                   float64
		nurture, postWin, ticket           float64
		caps, budgets                      Counts // meetings are ours, not the reference's
		callDelay                          Jittered
		taskD, nurtureD, postWinD, ticketD Range
	}
	refs := map[string]ref{
		"b2b": {0.8, 0.60, IntRange{3, 6}, 1.0, 0.65, 0.5, 0.35, 0.55, 0.15,
			Counts{Notes: 5, Calls: 3, Tasks: 6, Tickets: 1}, Counts{Notes: 5000, Calls: 2500, Tasks: 4000, Tickets: 500},
			Jittered{15, 10}, Range{30, 180}, Range{5, 25}, Range{2, 10}, Range{3, 20}},
		"b2c": {1.8, 0.42, IntRange{1, 2}, 0.9, 0.3, 0.25, 0.25, 0.4, 0.05,
			Counts{Notes: 3, Calls: 1, Tasks: 3, Tickets: 1}, Counts{Notes: 8000, Calls: 1200, Tasks: 5000, Tickets: 300},
			Jittered{8, 6}, Range{15, 90}, Range{3, 15}, Range{1, 6}, Range{2, 12}},
	}
	for name, want := range refs {
		sc, err := ScenarioByName(name)
		if err != nil {
			t.Fatal(err)
		}
		caps, budgets := sc.Caps, sc.Budgets
		caps.Meetings, budgets.Meetings = 0, 0
		got := ref{sc.VolumeMultiplier, sc.WinRate, sc.ContactsPerCompany,
			sc.PInitialNote, sc.PCallOnMQL, sc.PTaskIfNoCall, sc.PNurtureNote, sc.PPostWinNote, sc.PTicketOnLost,
			caps, budgets, sc.Delays.Call, sc.Delays.Task, sc.Delays.Nurture, sc.Delays.PostWin, sc.Delays.Ticket}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nwant %+v\ngot  %+v", name, want, got)
		}
	}
}

func TestScenarioTable(t *testing.T) {
	want := []string{"b2b", "b2c", "enterprise", "mid_market", "ecommerce", "saas"}
	if got := ScenarioNames(); !slices.Equal(got, want) {
		t.Fatalf("ScenarioNames: want %v, got %v", want, got)
	}
	all := Scenarios()
	for i, a := range all {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
		for _, b := range all[i+1:] {
			if a.VolumeMultiplier == b.VolumeMultiplier && a.WinRate == b.WinRate && a.ContactsPerCompany == b.ContactsPerCompany {
				t.Errorf("%s and %s share volume, win rate and company size", a.Name, b.Name)
			}
		}
	}
	if _, err := ScenarioByName("nope"); !errors.Is(err, ErrUnknownScenario) {
		t.Errorf("unknown scenario: want ErrUnknownScenario, got %v", err)
	}
	// A returned scenario is a copy.
	a, _ := ScenarioByName("b2b")
	a.Industries[0] = "CHANGED"
	if b, _ := ScenarioByName("b2b"); b.Industries[0] == "CHANGED" {
		t.Error("ScenarioByName must return a copy")
	}
}

func TestApplyOverrides(t *testing.T) {
	base, _ := ScenarioByName("b2b")
	tests := []struct {
		name    string
		in      Overrides
		wantErr error
		field   string
		check   func(Scenario) bool
	}{
		{"win rate", Overrides{"win_rate": 0.75}, nil, "", func(s Scenario) bool { return s.WinRate == 0.75 }},
		{"cap singular", Overrides{"cap.note": 2}, nil, "", func(s Scenario) bool { return s.Caps.Notes == 2 }},
		{"budget plural", Overrides{"budget.tickets": 9}, nil, "", func(s Scenario) bool { return s.Budgets.Tickets == 9 }},
		{"delay", Overrides{"delay.call_mean": 30, "delay.call_jitter": 5}, nil, "", func(s Scenario) bool { return s.Delays.Call == Jittered{30, 5} }},
		{"stage weight", Overrides{"stage_weight.contractsent": 3}, nil, "", func(s Scenario) bool { return s.StageWeights[4] == 3 }},
		{"unknown key", Overrides{"win_rat": 0.5}, ErrUnknownOverride, "win_rat", nil},
		{"probability above 1", Overrides{"p_deal": 1.2}, ErrOverrideValue, "p_deal", nil},
		{"negative budget", Overrides{"budget.notes": -1}, ErrOverrideValue, "budget.notes", nil},
		{"fractional cap", Overrides{"cap.calls": 1.5}, ErrOverrideValue, "cap.calls", nil},
		{"min above max", Overrides{"delay.task_min": 500}, ErrScenario, "delay.task_min", nil},
		{"max below min", Overrides{"delay.task_max": 10}, ErrScenario, "delay.task_max", nil},
		{"both out of order", Overrides{"delay.task_min": 50, "delay.task_max": 40}, ErrScenario, "delay.task_max", nil},
		{"jitter not below mean", Overrides{"delay.call_jitter": 15}, ErrScenario, "delay.call_jitter", nil},
		{"mean not above jitter", Overrides{"delay.call_mean": 10}, ErrScenario, "delay.call_mean", nil},
		{"company range", Overrides{"contacts_per_company_min": 8}, ErrScenario, "contacts_per_company_min", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ApplyOverrides(base, tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error: want %v, got %v", tt.wantErr, err)
			}
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.field {
					t.Fatalf("field: want %q, got %v", tt.field, err)
				}
				return
			}
			if !tt.check(got) {
				t.Errorf("override %v not applied: %+v", tt.in, got)
			}
		})
	}
	if base.WinRate != 0.60 {
		t.Error("ApplyOverrides must not modify its input")
	}
}

func TestOverridesJSON(t *testing.T) {
	base, _ := ScenarioByName("saas")
	got, err := ApplyOverridesJSON(base, []byte(`{"budget.note": 10, "win_rate": 0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Budgets.Notes != 10 || got.WinRate != 0.5 {
		t.Errorf("want notes budget 10 and win rate 0.5, got %d %v", got.Budgets.Notes, got.WinRate)
	}
	_, err = ApplyOverridesJSON(base, []byte(`{"win_rate": "high"}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "win_rate" {
		t.Errorf("non-number: want an error naming win_rate, got %v", err)
	}
	if a, b := (Overrides{"budget.note": 1, "win_rate": 0.5}).JSON(), (Overrides{"win_rate": 0.5, "budget.notes": 1}).JSON(); string(a) != string(b) {
		t.Errorf("canonical JSON: want equal, got %s and %s", a, b)
	}
	for _, p := range Parameters() {
		if _, err := ApplyOverrides(base, Overrides{p.Key: p.Min}); err != nil && !errors.Is(err, ErrScenario) {
			t.Errorf("parameter %s at its minimum: %v", p.Key, err)
		}
	}
}

func TestOverrideProblems(t *testing.T) {
	base, _ := ScenarioByName("b2b")
	tests := []struct {
		name string
		in   Overrides
		want []string // keys with a message
	}{
		{"valid", Overrides{"win_rate": 0.7, "cap.notes": 2}, nil},
		{"each bad key named", Overrides{"win_rate": 2, "cap.calls": 1.5, "p_deal": 0.5}, []string{"cap.calls", "win_rate"}},
		{"unknown key", Overrides{"nope": 1}, []string{"nope"}},
		{"cross-field rule", Overrides{"delay.task_min": 500}, []string{"delay.task_min"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OverrideProblems(base, tt.in)
			keys := slices.Sorted(maps.Keys(got))
			if !slices.Equal(keys, tt.want) {
				t.Fatalf("want messages for %v, got %v", tt.want, got)
			}
			for k, msg := range got {
				if msg == "" || msg[len(msg)-1] != '.' {
					t.Errorf("%s: want a sentence, got %q", k, msg)
				}
			}
		})
	}
}

func TestParameterValues(t *testing.T) {
	base, _ := ScenarioByName("b2b")
	v := ParameterValues(base)
	if len(v) != len(Parameters()) {
		t.Fatalf("want a value per parameter (%d), got %d", len(Parameters()), len(v))
	}
	if v["win_rate"] != 0.60 || v["budget.notes"] != 5000 {
		t.Errorf("want win_rate 0.6 and budget.notes 5000, got %v and %v", v["win_rate"], v["budget.notes"])
	}
	changed, err := ApplyOverrides(base, Overrides{"win_rate": 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if got := ParameterValues(changed)["win_rate"]; got != 0.25 {
		t.Errorf("want the override read back, got %v", got)
	}
}
