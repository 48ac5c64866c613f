package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// TestSimulationInputRulesAreTheSameForTheFormAndTheAPI runs every input rule of
// package siminput through the new-simulation form and the JSON API: both must
// refuse the input with the rule's message beside the field (the form) and in the
// 422 fields map (the API).
func TestSimulationInputRulesAreTheSameForTheFormAndTheAPI(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	long := strings.Repeat("é", siminput.MaxNameLen+1) // 201 characters, 402 bytes
	type rule struct {
		name  string
		form  url.Values
		api   map[string]any
		field string
		msg   string
	}
	rules := []rule{
		{"name missing", url.Values{"name": {"  "}}, map[string]any{"name": "  "}, "name", siminput.MsgNameMissing},
		{"name over 200 characters", url.Values{"name": {long}}, map[string]any{"name": long}, "name", siminput.MsgNameLong},
		{"unknown scenario", url.Values{"scenario": {"b2z"}}, map[string]any{"scenario": "b2z"}, "scenario", siminput.MsgScenario},
		{"unknown distribution", url.Values{"distribution": {"zigzag"}}, map[string]any{"distribution": "zigzag"}, "distribution", siminput.MsgDistribution},
		{"unknown time zone", url.Values{"timeZone": {"Mars/Olympus"}}, map[string]any{"timeZone": "Mars/Olympus"}, "timeZone", siminput.MsgTimeZone},
		{"start missing", url.Values{"startTime": {""}}, map[string]any{"startTime": nil}, "startTime", siminput.MsgStartMissing},
		{"end missing", url.Values{"endTime": {""}}, map[string]any{"endTime": nil}, "endTime", siminput.MsgEndMissing},
		{"end before start", url.Values{"endTime": {start.Add(-time.Hour).Format(dtLocal)}},
			map[string]any{"endTime": start.Add(-time.Hour).Format(time.RFC3339)}, "endTime", siminput.MsgEndBeforeStart},
		{"window over 30 days", url.Values{"endTime": {start.Add(31 * 24 * time.Hour).Format(dtLocal)}},
			map[string]any{"endTime": start.Add(31 * 24 * time.Hour).Format(time.RFC3339)}, "endTime", siminput.MsgWindowLong},
		{"records 0", url.Values{"totalRecords": {"0"}}, map[string]any{"totalRecords": 0}, "totalRecords", siminput.MsgRecordsRange},
		{"records 1,000,001", url.Values{"totalRecords": {"1000001"}}, map[string]any{"totalRecords": 1000001}, "totalRecords", siminput.MsgRecordsRange},
		{"records beyond int32", url.Values{"totalRecords": {"99999999999"}}, map[string]any{"totalRecords": 99999999999}, "totalRecords", siminput.MsgRecordsRange},
		{"unknown pace", url.Values{"pace": {"warp"}}, map[string]any{"pace": map[string]any{"mode": "warp"}}, "pace", siminput.MsgPace},
		{"factor below 1", url.Values{"pace": {"accelerated"}, "paceFactor": {"0.5"}},
			map[string]any{"pace": map[string]any{"mode": "accelerated", "factor": 0.5}}, "paceFactor", siminput.MsgPaceFactor},
		{"factor too high", url.Values{"pace": {"accelerated"}, "paceFactor": {"1e9"}},
			map[string]any{"pace": map[string]any{"mode": "accelerated", "factor": 1e9}}, "paceFactor", siminput.MsgPaceFactor},
		{"target not a connection", url.Values{"target": {"salesforce"}}, map[string]any{"target": "salesforce"}, "target", siminput.MsgTarget},
		{"someone else's connection", url.Values{"target": {"4242"}}, map[string]any{"target": 4242}, "target", siminput.MsgTarget},
	}
	// Pipeline and owners count for HubSpot targets only: these rules go to the
	// user's connection.
	hubspotRules := func(conn int64) []rule {
		id := strconv.FormatInt(conn, 10)
		many := make([]string, siminput.MaxOwnerIDs+1)
		for i := range many {
			many[i] = strconv.Itoa(i + 1)
		}
		long := strings.Repeat("p", siminput.MaxPipelineLen+1)
		return []rule{
			{"pipeline over 100 characters", url.Values{"target": {id}, "pipeline": {long}}, map[string]any{"target": conn, "pipeline": long},
				"pipeline", siminput.MsgPipelineLong},
			{"owner id not numeric", url.Values{"target": {id}, "ownerIds": {"12, abc"}}, map[string]any{"target": conn, "ownerIds": []string{"12", "abc"}},
				"ownerIds", siminput.MsgOwnerIDsNumeric},
			{"too many owners", url.Values{"target": {id}, "ownerIds": {strings.Join(many, ",")}}, map[string]any{"target": conn, "ownerIds": many},
				"ownerIds", siminput.MsgOwnerIDsMany},
		}
	}
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			api := a.apiClient(t, "maker@example.com")
			conn := storage.Connection{UserID: a.user(t, "maker@example.com").ID, Name: "portal", BaseURL: "https://api.hubapi.com",
				Tier: "free", TokenCiphertext: []byte("sealed")}
			if err := a.store.CreateConnection(t.Context(), &conn); err != nil {
				t.Fatal(err)
			}
			for _, r := range append(rules, hubspotRules(conn.ID)...) {
				t.Run(r.name, func(t *testing.T) {
					b.get("/simulations/new")
					form := validForm()
					for k, v := range r.form {
						form[k] = v
					}
					resp, body := b.post("/simulations", form)
					got := strings.TrimSpace(doc(t, body).Find("#field-" + r.field + " #err-" + r.field).Text())
					if resp.StatusCode != 422 || got != r.msg {
						t.Errorf("form: want 422 with %q beside %s, got %d %q", r.msg, r.field, resp.StatusCode, got)
					}
					resp, body = api.postJSON("/api/simulations", apiBody(t, r.api))
					if fields := decode[apiError](t, body).Fields; resp.StatusCode != 422 || fields[r.field] != r.msg {
						t.Errorf("API: want 422 with fields.%s %q, got %d %v", r.field, r.msg, resp.StatusCode, fields)
					}
				})
			}
		})
	}
}

const dtLocal = "2006-01-02T15:04"

// validForm is a new-simulation form the engine accepts: tomorrow, one day, 1,000 records.
func validForm() url.Values {
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	return url.Values{"name": {"Demo run"}, "scenario": {"b2b"}, "distribution": {"bell_curve"},
		"startTime": {start.Format(dtLocal)}, "endTime": {start.Add(24 * time.Hour).Format(dtLocal)}, "timeZone": {"UTC"},
		"totalRecords": {"1000"}, "pace": {"accelerated"}, "paceFactor": {"60"}, "target": {"sandbox"}, "seed": {""}}
}

func weights(n int, v string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestNewSimulationFormRejectsBadInputBesideTheField(t *testing.T) {
	huge := strings.Repeat("x", 10*1024)
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	cases := []struct {
		name    string
		set     url.Values
		field   string
		message string // "" = any message (the engine's wording)
		engine  bool   // the engine judges this one
	}{
		{"empty name", url.Values{"name": {""}}, "name", "Give the simulation a name", false},
		{"everything empty", url.Values{"name": {""}, "scenario": {""}, "distribution": {""}, "startTime": {""}, "endTime": {""},
			"totalRecords": {""}, "pace": {""}, "target": {""}}, "totalRecords", "Enter how many records", false},
		{"unknown scenario", url.Values{"scenario": {"b2z"}}, "scenario", "Choose one of the scenarios", false},
		{"unknown distribution", url.Values{"distribution": {"zigzag"}}, "distribution", "Choose one of the distributions", false},
		{"unknown pace", url.Values{"pace": {"warp"}}, "pace", "real time, accelerated or backfill", false},
		{"unknown time zone", url.Values{"timeZone": {"Mars/Olympus"}}, "timeZone", "Unknown time zone", false},
		{"unknown target", url.Values{"target": {"999"}}, "target", "sandbox or one of your HubSpot connections", false},
		{"bad start date", url.Values{"startTime": {"tomorrow"}}, "startTime", "Use a date and time", false},
		{"bad end date", url.Values{"endTime": {"2025-13-45T99:00"}}, "endTime", "Use a date and time", false},
		{"end past the year 9999", url.Values{"startTime": {"9999-12-31T00:00"}, "endTime": {"9999-12-31T23:00"},
			"timeZone": {"Pacific/Pago_Pago"}}, "endTime", "Use a time from 1970 to 9999.", false},
		{"records not a number", url.Values{"totalRecords": {"12abc"}}, "totalRecords", "whole number", false},
		{"records huge number", url.Values{"totalRecords": {"99999999999999999999999"}}, "totalRecords", "whole number", false},
		{"factor not a number", url.Values{"paceFactor": {"fast"}}, "paceFactor", "Enter a number", false},
		{"seed not a number", url.Values{"seed": {"lucky"}}, "seed", "whole number", false},
		{"10 kB name", url.Values{"name": {huge}}, "name", "at most 200", false},
		{"10 kB records", url.Values{"totalRecords": {huge}}, "totalRecords", "whole number", false},
		{"custom weight not a number", url.Values{"distribution": {"custom"}, "hourWeights": append(weights(23, "1"), "x")}, "hourWeights", "Hour 23", false},
		{"end before start", url.Values{"endTime": {start.Add(-time.Hour).Format(dtLocal)}}, "endTime", "", true},
		{"window over 30 days", url.Values{"endTime": {start.Add(31 * 24 * time.Hour).Format(dtLocal)}}, "endTime", "", true},
		{"records 0", url.Values{"totalRecords": {"0"}}, "totalRecords", "", true},
		{"records 1,000,001", url.Values{"totalRecords": {"1000001"}}, "totalRecords", "", true},
		{"factor below 1", url.Values{"paceFactor": {"0.5"}}, "paceFactor", "", true},
		{"custom weights wrong count", url.Values{"distribution": {"custom"}, "hourWeights": weights(23, "1")}, "hourWeights", "", true},
	}
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					b.get("/simulations/new")
					form := validForm()
					for k, v := range tc.set {
						form[k] = v
					}
					resp, body := b.post("/simulations", form)
					if resp.StatusCode != http.StatusUnprocessableEntity {
						t.Fatalf("want 422, got %d", resp.StatusCode)
					}
					page := doc(t, body)
					msg := strings.TrimSpace(page.Find("#field-" + tc.field + " #err-" + tc.field).Text())
					if msg == "" || !strings.Contains(msg, tc.message) {
						t.Errorf("message beside %s: want %q, got %q (form error %q)", tc.field, tc.message, msg, page.Find("#form-error").Text())
					}
					if strings.Contains(body, huge) {
						t.Errorf("a 10 kB value must not be echoed back")
					}
					if page.Find("#sim-preview").Length() != 1 {
						t.Errorf("the re-rendered form must keep its preview panel")
					}
				})
			}
			sims, err := a.store.Simulations(t.Context(), storage.SimulationFilter{})
			if err != nil || len(sims) != 0 {
				t.Fatalf("bad input must store nothing: %d simulations, err %v", len(sims), err)
			}
		})
	}
}
