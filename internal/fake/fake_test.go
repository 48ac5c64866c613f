package fake

import (
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
)

func spec(t testing.TB, scenario string, n int) *sim.Spec {
	t.Helper()
	sc, err := sim.ScenarioByName(scenario)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	pl, err := sim.NewPlanner(sim.PlanInput{Distribution: sim.Linear, Start: start, End: start.Add(72 * time.Hour), Count: n, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	sc.Budgets = sim.Counts{Notes: 1e6, Calls: 1e6, Tasks: 1e6, Meetings: 1e6, Tickets: 1e6}
	return &sim.Spec{SimID: "demo-7", Seed: 5, Scenario: sc, Planner: pl}
}

func record(t testing.TB, s *sim.Spec, i int) sim.Record {
	t.Helper()
	r, err := sim.PlanRecord(s, i, sim.Counts{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// enums holds the allowed values of enumerated properties (hubspot/README.md).
var enums = map[string][]string{
	"lifecyclestage":     {"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"},
	"hs_lead_status":     {"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"},
	"dealstage":          {"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"},
	"pipeline":           {"default"},
	"hs_pipeline":        {"0"},
	"hs_pipeline_stage":  {"1", "2", "3", "4"},
	"hs_ticket_priority": {"LOW", "MEDIUM", "HIGH"},
	"hs_call_direction":  {"INBOUND", "OUTBOUND"},
	"hs_call_status":     {"COMPLETED", "NO_ANSWER", "BUSY", "FAILED"},
	"dealtype":           {"newbusiness"},
	"hs_task_status":     {"NOT_STARTED", "COMPLETED"},
	"hs_task_priority":   {"LOW", "MEDIUM", "HIGH"},
	"hs_task_type":       {"EMAIL", "CALL", "TODO"},
	"hs_meeting_outcome": {"SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"},
}

// hubspotIndustries is a subset of HubSpot's industry enum.
var hubspotIndustries = []string{"ACCOUNTING", "APPAREL_FASHION", "AUTOMOTIVE", "AVIATION_AEROSPACE", "BANKING",
	"COMPUTER_NETWORK_SECURITY", "COMPUTER_SOFTWARE", "CONSTRUCTION", "CONSUMER_ELECTRONICS", "CONSUMER_GOODS",
	"CONSUMER_SERVICES", "COSMETICS", "EDUCATION_MANAGEMENT", "ENTERTAINMENT", "E_LEARNING", "FINANCIAL_SERVICES",
	"FOOD_BEVERAGES", "HEALTH_WELLNESS_AND_FITNESS", "HOSPITAL_HEALTH_CARE", "HUMAN_RESOURCES",
	"INFORMATION_TECHNOLOGY_AND_SERVICES", "INSURANCE", "INTERNET", "LEISURE_TRAVEL_TOURISM", "LUXURY_GOODS_JEWELRY",
	"MANAGEMENT_CONSULTING", "MARKETING_AND_ADVERTISING", "PHARMACEUTICALS", "REAL_ESTATE", "RETAIL", "TELECOMMUNICATIONS"}

var wantKeys = map[sim.Kind][]string{
	sim.KindNote:    {"hs_timestamp", "hs_note_body"},
	sim.KindCall:    {"hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_duration", "hs_call_status", "hs_call_disposition"},
	sim.KindTask:    {"hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority", "hs_task_type"},
	sim.KindMeeting: {"hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome"},
	sim.KindTicket:  {"subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority"},
}

func checkProps(t *testing.T, what string, p map[string]string, keys []string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(p))
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Fatalf("%s keys:\nwant %v\ngot  %v", what, want, got)
	}
	for k, v := range p {
		if v == "" {
			t.Fatalf("%s: %s is empty", what, k)
		}
		if allowed, ok := enums[k]; ok && !slices.Contains(allowed, v) {
			t.Fatalf("%s: %s=%q not in %v", what, k, v, allowed)
		}
		if strings.HasSuffix(k, "timestamp") || strings.HasSuffix(k, "_time") || strings.HasSuffix(k, "date") {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1e12 {
				t.Fatalf("%s: %s=%q: want Unix milliseconds", what, k, v)
			}
		}
	}
}

var reservedEmail = regexp.MustCompile(`^[a-z0-9._-]+@([a-z0-9-]+\.)*example\.(com|org|net)$`)

// asOf is a backfill's "now": every planned moment lies before it.
var asOf = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func TestPropertiesForEveryScenario(t *testing.T) {
	for _, name := range sim.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			s := spec(t, name, 1500)
			kinds := map[sim.Kind]int{}
			for i := range 1500 {
				rec := record(t, s, i)
				cp := ContactProperties(rec)
				keys := []string{"email", "firstname", "lastname", "phone", "company", "jobtitle", "lifecyclestage", "hs_lead_status"}
				if s.Scenario.Consumer {
					keys = keys[:4:4]
					keys = append(keys, "lifecyclestage", "hs_lead_status")
				}
				checkProps(t, "contact", cp, keys)
				if cp["email"] != rec.Email || cp["email"] != sim.PersonOf(s, i).Email {
					t.Fatalf("email: want sim's %s, got %s", rec.Email, cp["email"])
				}
				if !reservedEmail.MatchString(cp["email"]) {
					t.Fatalf("email %q: want a reserved domain", cp["email"])
				}
				if !regexp.MustCompile(`^\+1-\d{3}-555-01\d\d$`).MatchString(cp["phone"]) {
					t.Fatalf("phone %q: want the fictional 555-01xx range", cp["phone"])
				}

				co := CompanyProperties(rec.Company)
				checkProps(t, "company", co, []string{"name", "domain", "industry", "numberofemployees", "city"})
				if !slices.Contains(hubspotIndustries, co["industry"]) {
					t.Fatalf("industry %q: want a HubSpot enum value", co["industry"])
				}
				slug := strings.ToLower(rec.Company.Brand)
				if !strings.HasPrefix(co["domain"], slug+"-") || !strings.HasSuffix(co["domain"], ".example.com") {
					t.Fatalf("domain %q: want %s-… on example.com", co["domain"], slug)
				}
				if !strings.HasPrefix(co["name"], rec.Company.Brand+" ") || !s.Scenario.Consumer && cp["company"] != co["name"] {
					t.Fatalf("company name %q (contact says %q): want it to start with brand %q", co["name"], cp["company"], rec.Company.Brand)
				}

				if rec.Deal != nil {
					checkProps(t, "deal", DealProperties(rec), []string{"dealname", "amount", "pipeline", "dealstage", "closedate", "dealtype"})
				} else if DealProperties(rec) != nil {
					t.Fatal("deal properties for a record without a deal")
				}
				for _, a := range rec.Activities {
					p := ActivityProperties(rec, a, asOf)
					keys := wantKeys[a.Kind]
					if a.Kind == sim.KindTask {
						keys = append(slices.Clip(keys), "hs_task_completion_date")
					}
					checkProps(t, string(a.Kind), p, keys)
					if ts, ok := p["hs_timestamp"]; ok && ts != strconv.FormatInt(a.At.UnixMilli(), 10) {
						t.Fatalf("%s hs_timestamp: want %d, got %s", a.Key, a.At.UnixMilli(), ts)
					}
					kinds[a.Kind]++
				}
				for _, u := range rec.Updates() {
					for k, v := range UpdateProperties(u, true) {
						if allowed, ok := enums[k]; ok && !slices.Contains(allowed, v) {
							t.Fatalf("update %s: %s=%q not allowed", u.Key, k, v)
						}
						if strings.HasSuffix(k, "date") && v != strconv.FormatInt(u.At.UnixMilli(), 10) {
							t.Fatalf("update %s: %s=%s, want the planned moment %d", u.Key, k, v, u.At.UnixMilli())
						}
					}
				}
			}
			for _, k := range sim.ActivityKinds {
				if kinds[k] == 0 {
					t.Errorf("%s: no %s generated in 1500 records", name, k.Plural())
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	s := spec(t, "b2b", 200)
	for _, i := range []int{0, 17, 199} {
		a, b := record(t, s, i), record(t, s, i)
		if !reflect.DeepEqual(ContactProperties(a), ContactProperties(b)) ||
			!reflect.DeepEqual(CompanyProperties(a.Company), CompanyProperties(b.Company)) ||
			!reflect.DeepEqual(DealProperties(a), DealProperties(b)) {
			t.Fatalf("record %d: same record, different properties", i)
		}
		for j := range a.Activities {
			if !reflect.DeepEqual(ActivityProperties(a, a.Activities[j], asOf), ActivityProperties(b, b.Activities[j], asOf)) {
				t.Fatalf("record %d activity %s: not deterministic", i, a.Activities[j].Key)
			}
		}
	}
	// Contacts of one company share its name; different records get different people.
	names := map[string]bool{}
	for i := range 200 {
		c := ContactOf(record(t, s, i))
		names[c.Name()] = true
	}
	if len(names) < 180 {
		t.Errorf("distinct names in 200 records: want ≥ 180, got %d", len(names))
	}
	c0, c1 := record(t, s, 0), record(t, s, 1)
	if c0.Company.Index == c1.Company.Index && CompanyProperties(c0.Company)["name"] != ContactProperties(c1)["company"] {
		t.Error("two contacts of one company must show the same company name")
	}
}

// Consumer scenarios carry no B2B job titles or deal offers anywhere, and
// their deals are orders or subscriptions; business scenarios' company names
// never repeat their brand.
func TestContentFitsTheScenario(t *testing.T) {
	business := BusinessWords()
	for _, name := range sim.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			s := spec(t, name, 1000)
			deals := 0
			for i := range 1000 {
				rec := record(t, s, i)
				all := []map[string]string{ContactProperties(rec), CompanyProperties(rec.Company), DealProperties(rec)}
				for _, a := range rec.Activities {
					all = append(all, ActivityProperties(rec, a, asOf))
				}
				co := CompanyProperties(rec.Company)["name"]
				if words := strings.Fields(strings.ToLower(co)); len(words) == 2 && strings.HasSuffix(words[0], words[1]) {
					t.Fatalf("company name %q repeats its brand", co)
				}
				if rec.Deal != nil {
					deals++
				}
				if !s.Scenario.Consumer {
					if ContactOf(rec).JobTitle == "" {
						t.Fatalf("record %d: business contact without a job title", i)
					}
					continue
				}
				if _, ok := all[0]["jobtitle"]; ok {
					t.Fatalf("record %d: consumer with a job title %q", i, all[0]["jobtitle"])
				}
				if d := all[2]; d != nil && !strings.HasPrefix(d["dealname"], "Order #") && !strings.HasPrefix(d["dealname"], rec.FirstName+" "+rec.LastName+" – ") {
					t.Fatalf("record %d: consumer deal %q: want an order or the buyer's subscription", i, d["dealname"])
				}
				for _, props := range all {
					for k, v := range props {
						for _, w := range business {
							if strings.Contains(v, w) {
								t.Fatalf("record %d: %s=%q carries the B2B phrase %q", i, k, v, w)
							}
						}
					}
				}
			}
			if deals == 0 {
				t.Fatal("no deals to check")
			}
		})
	}
}

// Tasks due before the moment they are written are completed, with a
// completion date no later than that moment; later ones are not started.
// Meetings in the past have an outcome, future ones are scheduled.
func TestTaskCompletionAndMeetingOutcomes(t *testing.T) {
	s := spec(t, "b2b", 600)
	var done, open, outcomes int
	for i := range 600 {
		rec := record(t, s, i)
		for _, a := range rec.Activities {
			switch a.Kind {
			case sim.KindTask:
				past := ActivityProperties(rec, a, asOf)
				if past["hs_task_status"] != "COMPLETED" {
					t.Fatalf("%s due %v before %v: want COMPLETED, got %v", a.Key, a.At, asOf, past)
				}
				c, _ := strconv.ParseInt(past["hs_task_completion_date"], 10, 64)
				if c > asOf.UnixMilli() || c < a.PhaseAt.UnixMilli() {
					t.Fatalf("%s: completion %d outside [%d, %d]", a.Key, c, a.PhaseAt.UnixMilli(), asOf.UnixMilli())
				}
				done++
				live := ActivityProperties(rec, a, a.At)
				if live["hs_task_status"] != "NOT_STARTED" || live["hs_task_completion_date"] != "" {
					t.Fatalf("%s written at its due time: want NOT_STARTED, got %v", a.Key, live)
				}
				open++
			case sim.KindMeeting:
				if o := ActivityProperties(rec, a, asOf)["hs_meeting_outcome"]; o == "SCHEDULED" {
					t.Fatalf("%s in the past: want an outcome, got SCHEDULED", a.Key)
				}
				if o := ActivityProperties(rec, a, a.At.Add(-time.Hour))["hs_meeting_outcome"]; o != "SCHEDULED" {
					t.Fatalf("%s in the future: want SCHEDULED, got %s", a.Key, o)
				}
				outcomes++
			}
		}
	}
	if done == 0 || open == 0 || outcomes == 0 {
		t.Fatalf("want tasks and meetings: %d done, %d open, %d meetings", done, open, outcomes)
	}
}

func BenchmarkContactProperties(b *testing.B) {
	s := spec(b, "b2b", 1000)
	rec := record(b, s, 10)
	b.ReportAllocs()
	for b.Loop() {
		ContactProperties(rec)
	}
}

func BenchmarkCompanyProperties(b *testing.B) {
	s := spec(b, "b2b", 1000)
	rec := record(b, s, 10)
	b.ReportAllocs()
	for b.Loop() {
		CompanyProperties(rec.Company)
	}
}

func BenchmarkActivityProperties(b *testing.B) {
	s := spec(b, "enterprise", 1000)
	var recs []sim.Record
	for i := range 1000 {
		if r := record(b, s, i); len(r.Activities) > 0 {
			recs = append(recs, r)
		}
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		r := recs[i%len(recs)]
		ActivityProperties(r, r.Activities[i%len(r.Activities)], asOf)
		i++
	}
}

// BenchmarkRecordAllProperties is everything the engine sends for one record.
func BenchmarkRecordAllProperties(b *testing.B) {
	s := spec(b, "b2b", 1000)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		rec, _ := sim.PlanRecord(s, i%1000, sim.Counts{})
		ContactProperties(rec)
		if rec.Company.First {
			CompanyProperties(rec.Company)
		}
		DealProperties(rec)
		for _, a := range rec.Activities {
			ActivityProperties(rec, a, asOf)
		}
		i++
	}
}
