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
	sim.KindCall:    {"hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_duration", "hs_call_status"},
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
		if strings.HasSuffix(k, "timestamp") || strings.HasSuffix(k, "_time") || k == "closedate" {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1e12 {
				t.Fatalf("%s: %s=%q: want Unix milliseconds", what, k, v)
			}
		}
	}
}

var reservedEmail = regexp.MustCompile(`^[a-z0-9.-]+@example\.(com|org|net)$`)

func TestPropertiesForEveryScenario(t *testing.T) {
	for _, name := range sim.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			s := spec(t, name, 1500)
			kinds := map[sim.Kind]int{}
			for i := range 1500 {
				rec := record(t, s, i)
				cp := ContactProperties(rec)
				checkProps(t, "contact", cp, []string{"email", "firstname", "lastname", "phone", "company", "jobtitle", "lifecyclestage", "hs_lead_status"})
				if cp["email"] != rec.Email || cp["email"] != sim.ContactEmail(s.SimID, i) {
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
				if !strings.HasPrefix(co["name"], rec.Company.Brand+" ") || cp["company"] != co["name"] {
					t.Fatalf("company name %q (contact says %q): want it to start with brand %q", co["name"], cp["company"], rec.Company.Brand)
				}

				if rec.Deal != nil {
					checkProps(t, "deal", DealProperties(rec), []string{"dealname", "amount", "pipeline", "dealstage", "closedate"})
				} else if DealProperties(rec) != nil {
					t.Fatal("deal properties for a record without a deal")
				}
				for _, a := range rec.Activities {
					p := ActivityProperties(rec, a)
					checkProps(t, string(a.Kind), p, wantKeys[a.Kind])
					if ts, ok := p["hs_timestamp"]; ok && ts != strconv.FormatInt(a.At.UnixMilli(), 10) {
						t.Fatalf("%s hs_timestamp: want %d, got %s", a.Key, a.At.UnixMilli(), ts)
					}
					kinds[a.Kind]++
				}
				for _, st := range rec.Steps[1:] {
					for k, v := range StepProperties(st) {
						if !slices.Contains(enums[k], v) {
							t.Fatalf("step %s: %s=%q not allowed", st.Phase, k, v)
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
			if !reflect.DeepEqual(ActivityProperties(a, a.Activities[j]), ActivityProperties(b, b.Activities[j])) {
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
		ActivityProperties(r, r.Activities[i%len(r.Activities)])
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
			ActivityProperties(rec, a)
		}
		i++
	}
}
