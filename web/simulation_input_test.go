package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
)

// TestSimulationInputRulesAreTheSameForTheFormAndTheAPI runs every input rule of
// package siminput through the new-simulation form and the JSON API: both must
// refuse the input with the rule's message beside the field (the form) and in the
// 422 fields map (the API).
func TestSimulationInputRulesAreTheSameForTheFormAndTheAPI(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	long := strings.Repeat("é", siminput.MaxNameLen+1) // 201 characters, 402 bytes
	rules := []struct {
		name  string
		form  url.Values
		api   map[string]any
		field string
		msg   string
	}{
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
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			api := a.apiClient(t, "maker@example.com")
			for _, r := range rules {
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
