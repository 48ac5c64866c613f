package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

// The engine's journey updates are batch updates as HubSpot takes them: a
// contact's lifecycle stage with its "became" date, a deal's next stage of its
// pipeline. Stages and lifecycle values are validated; "Date entered" stage
// dates are HubSpot's own (read only); a task takes its completion date.
func TestJourneyUpdates(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		c := e.client
		made, err := c.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{
			{Properties: props("email", "path@example.com", "lifecyclestage", "lead", "createdate", "1700000000000",
				"hs_lifecyclestage_lead_date", "1700000000000")}})
		if err != nil {
			t.Fatal(err)
		}
		contact := made.Results[0].ID
		deals, err := c.BatchCreate(ctx, hubspot.Deals, []hubspot.ObjectInput{
			{Properties: props("dealname", "Path", "pipeline", "default", "dealstage", "appointmentscheduled")}})
		if err != nil {
			t.Fatal(err)
		}
		deal := deals.Results[0].ID
		for _, step := range []struct{ stage, at string }{{"marketingqualifiedlead", "1700000100000"}, {"customer", "1700000200000"}} {
			if _, err := c.BatchUpdate(ctx, hubspot.Contacts, []hubspot.UpdateInput{{ID: contact,
				Properties: props("lifecyclestage", step.stage, "hs_lifecyclestage_"+step.stage+"_date", step.at)}}); err != nil {
				t.Fatalf("lifecycle update to %s: %v", step.stage, err)
			}
		}
		for _, stage := range []string{"qualifiedtobuy", "closedwon"} {
			if _, err := c.BatchUpdate(ctx, hubspot.Deals, []hubspot.UpdateInput{{ID: deal, Properties: props("dealstage", stage)}}); err != nil {
				t.Fatalf("deal update to %s: %v", stage, err)
			}
		}
		read, err := c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{contact},
			Properties: []string{"lifecyclestage", "hs_lifecyclestage_customer_date", "hs_lifecyclestage_lead_date", "createdate"}})
		if err != nil || len(read.Results) != 1 {
			t.Fatalf("read back: %+v, %v", read, err)
		}
		got := read.Results[0]
		if got.Properties.Get("lifecyclestage") != "customer" || got.Properties.Get("hs_lifecyclestage_customer_date") != "2023-11-14T22:16:40.000Z" {
			t.Errorf("contact after updates: want customer since 2023-11-14T22:16:40Z, got %v", got.Properties)
		}
		if got.Properties.Get("hs_lifecyclestage_lead_date") != "2023-11-14T22:13:20.000Z" || !got.CreatedAt.Equal(time.UnixMilli(1700000000000)) {
			t.Errorf("contact created in the past: want createdate and lead date 2023-11-14T22:13:20Z, got %v, createdAt %v", got.Properties, got.CreatedAt)
		}

		a := e.do(t, "POST", "/crm/v3/objects/deals/batch/update", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"id": deal, "properties": props("dealstage", "signed")}}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "INVALID_OPTION")
		a = e.do(t, "POST", "/crm/v3/objects/deals/batch/update", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"id": deal, "properties": props("hs_date_entered_closedwon", "1700000200000")}}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "READ_ONLY_VALUE")
		a = e.do(t, "POST", "/crm/v3/objects/contacts/batch/update", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"id": contact, "properties": props("hs_lead_status", "MAYBE")}}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "INVALID_OPTION")

		task, err := c.BatchCreate(ctx, hubspot.Tasks, []hubspot.ObjectInput{{Properties: props("hs_timestamp", "1700000000000",
			"hs_task_subject", "Call back", "hs_task_status", "COMPLETED", "hs_task_completion_date", "1700000300000")}})
		if err != nil || task.Results[0].Properties.Get("hs_task_completion_date") != "2023-11-14T22:18:20.000Z" {
			t.Errorf("completed task: want its completion date kept, got %+v, %v", task, err)
		}
	})
}
