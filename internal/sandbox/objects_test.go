package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

func TestObjectLifecycle(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		c := e.client
		created, err := c.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props(
			"email", "Ada@Example.com", "firstname", "Ada", "lifecyclestage", "lead", "createdate", "1700000000000")})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if created.ID == "" || created.Properties.Get("email") != "ada@example.com" {
			t.Errorf("create: want an id and the email lower-cased, got %+v", created)
		}
		for _, p := range []string{"hs_object_id", "createdate", "lastmodifieddate"} {
			if _, ok := created.Properties.Lookup(p); !ok {
				t.Errorf("create: want system property %s, got %v", p, created.Properties)
			}
		}
		if want := time.UnixMilli(1700000000000).UTC(); !created.CreatedAt.Equal(want) || created.Properties.Get("createdate") != "2023-11-14T22:13:20.000Z" {
			t.Errorf("createdate: want %v, got createdAt %v, createdate %q", want, created.CreatedAt, created.Properties.Get("createdate"))
		}

		// A default read returns the type's default properties.
		got, err := c.Object(ctx, hubspot.Contacts, created.ID, hubspot.ReadOptions{})
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if got.Properties.Get("firstname") != "Ada" || got.Properties.Get("hs_object_id") != created.ID {
			t.Errorf("read: got %v", got.Properties)
		}
		if _, ok := got.Properties.Lookup("lifecyclestage"); ok {
			t.Errorf("default read: lifecyclestage is not a default property, got %v", got.Properties)
		}
		got, err = c.Object(ctx, hubspot.Contacts, created.ID, hubspot.ReadOptions{Properties: []string{"lifecyclestage", "nonexistent"}})
		if err != nil || got.Properties.Get("lifecyclestage") != "lead" {
			t.Errorf("read with properties: got %v, %v", got, err)
		}
		byEmail, err := c.Object(ctx, hubspot.Contacts, "ADA@example.com", hubspot.ReadOptions{IDProperty: "email"})
		if err != nil || byEmail.ID != created.ID {
			t.Errorf("read by email: want %s, got %+v, %v", created.ID, byEmail, err)
		}

		if a := e.do(t, "GET", "/crm/v3/objects/contacts/ada%40example.com?idProperty=email", ""); a.status != 200 || a.json(t)["id"] != created.ID {
			t.Errorf("read by an escaped email (as the Node client sends it): got %d %s", a.status, a.body)
		}

		updated, err := c.UpdateObject(ctx, hubspot.Contacts, created.ID, props("lastname", "Lovelace", "firstname", ""))
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if updated.Properties.Get("lastname") != "Lovelace" {
			t.Errorf("update: got %v", updated.Properties)
		}
		if _, ok := updated.Properties.Lookup("firstname"); ok {
			t.Errorf("update with an empty value clears the property, got %v", updated.Properties)
		}
		if !updated.UpdatedAt.After(created.UpdatedAt) && !updated.UpdatedAt.Equal(created.UpdatedAt) {
			t.Errorf("updatedAt went back: %v then %v", created.UpdatedAt, updated.UpdatedAt)
		}

		if err := c.ArchiveObject(ctx, hubspot.Contacts, created.ID); err != nil {
			t.Fatalf("archive: %v", err)
		}
		_, err = c.Object(ctx, hubspot.Contacts, created.ID, hubspot.ReadOptions{})
		if !errors.Is(err, hubspot.ErrNotFound) {
			t.Errorf("read archived: want ErrNotFound, got %v", err)
		}
		arch, err := c.Object(ctx, hubspot.Contacts, created.ID, hubspot.ReadOptions{Archived: true})
		if err != nil || !arch.Archived || arch.ArchivedAt == nil {
			t.Errorf("read archived=true: got %+v, %v", arch, err)
		}
		// The archived contact's email is free again.
		if _, err := c.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "ada@example.com")}); err != nil {
			t.Errorf("create with an archived contact's email: %v", err)
		}
		a := e.do(t, "DELETE", "/crm/v3/objects/contacts/999999999", "")
		if a.status != http.StatusNoContent || len(a.body) != 0 {
			t.Errorf("archive missing: want 204 without body, got %d %s", a.status, a.body)
		}
		wantError(t, e.bad(t, "GET", "/crm/v3/objects/contacts/abc", ""), 404, "OBJECT_NOT_FOUND", "")
		wantError(t, e.offSpec(t, "GET", "/crm/v3/objects/widgets/1", ""), 400, "VALIDATION_ERROR", "")
	})
}

func TestObjectTypeNamesAndIDs(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		body := `{"properties":{"dealname":"Big one","amount":"1200.50","dealstage":"qualifiedtobuy"},"associations":[]}`
		for _, path := range []string{"/crm/v3/objects/deals", "/crm/v3/objects/0-3", "/crm/v3/objects/deal"} {
			a := e.do(t, "POST", path, body)
			if a.status != 201 {
				t.Fatalf("POST %s: want 201, got %d %s", path, a.status, a.body)
			}
			m := a.json(t)
			id := m["id"].(string)
			p := m["properties"].(map[string]any)
			if p["pipeline"] != "default" {
				t.Errorf("a deal with a stage and no pipeline goes in the default pipeline, got %v", p)
			}
			for _, read := range []string{"/crm/v3/objects/deals/", "/crm/v3/objects/0-3/"} {
				if a := e.do(t, "GET", read+id, ""); a.status != 200 {
					t.Errorf("GET %s%s: want 200, got %d", read, id, a.status)
				}
			}
		}
		page, err := e.client.Search(ctx, hubspot.Deals, hubspot.SearchRequest{})
		if err != nil || page.Total != 3 {
			t.Errorf("three deals by three names: got %v, %v", page, err)
		}
	})
}

func TestListPaging(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		var inputs []hubspot.ObjectInput
		for i := 0; i < 25; i++ {
			inputs = append(inputs, hubspot.ObjectInput{Properties: props("name", fmt.Sprintf("Company %02d", i), "domain", fmt.Sprintf("c%d.example.com", i))})
		}
		if _, err := e.client.BatchCreate(context.Background(), hubspot.Companies, inputs); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		after, pages := "", 0
		for {
			path := "/crm/v3/objects/companies?limit=10&properties=name"
			if after != "" {
				path += "&after=" + after
			}
			a := e.do(t, "GET", path, "")
			if a.status != 200 {
				t.Fatalf("list: %d %s", a.status, a.body)
			}
			m := a.json(t)
			pages++
			for _, r := range m["results"].([]any) {
				obj := r.(map[string]any)
				seen[obj["id"].(string)] = true
				if obj["properties"].(map[string]any)["name"] == nil {
					t.Errorf("list with properties=name: got %v", obj)
				}
			}
			paging, ok := m["paging"].(map[string]any)
			if !ok {
				break
			}
			after = paging["next"].(map[string]any)["after"].(string)
		}
		if len(seen) != 25 || pages != 3 {
			t.Errorf("paging: want 25 companies in 3 pages, got %d in %d", len(seen), pages)
		}
	})
}

func TestBatchCreateConflict(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		first, err := e.client.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{{Properties: props("email", "taken@example.com")}})
		if err != nil {
			t.Fatal(err)
		}
		existing := first.Results[0].ID
		_, err = e.client.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{
			{Properties: props("email", "fresh@example.com")}, {Properties: props("email", "TAKEN@example.com")},
		})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 409 || he.Category != "CONFLICT" || he.ExistingID != existing {
			t.Fatalf("want 409 CONFLICT naming %s, got %v", existing, err)
		}
		if want := "Contact already exists. Existing ID: " + existing; he.Message != want {
			t.Errorf("message: want %q, got %q", want, he.Message)
		}
		if hubspot.Classify(err) != hubspot.CategoryConflict {
			t.Errorf("classify: want conflict, got %s", hubspot.Classify(err))
		}
		counts, _ := e.sb.Counts(ctx)
		if counts["contacts"] != 1 {
			t.Errorf("a batch with one taken email creates nothing: want 1 contact, got %v", counts)
		}
		// A single create and a PATCH to a taken email conflict the same way.
		_, err = e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "taken@example.com")})
		if !errors.As(err, &he) || he.StatusCode != 409 {
			t.Errorf("single create: want 409, got %v", err)
		}
		other, _ := e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "other@example.com")})
		_, err = e.client.UpdateObject(ctx, hubspot.Contacts, other.ID, props("email", "taken@example.com"))
		if !errors.As(err, &he) || he.StatusCode != 409 || he.ExistingID != existing {
			t.Errorf("update to a taken email: want 409 naming %s, got %v", existing, err)
		}
		// The same email twice in one batch.
		a := e.do(t, "POST", "/crm/v3/objects/contacts/batch/create", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"properties": props("email", "twice@example.com"), "associations": []any{}},
			map[string]any{"properties": props("email", "twice@example.com"), "associations": []any{}},
		}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "DUPLICATE_VALUE")
	})
}

// Concurrent batch creates that share one email: exactly one succeeds.
func TestConcurrentBatchCreateSameEmail(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				_, errs[w] = e.client.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{
					{Properties: props("email", fmt.Sprintf("w%d@example.com", w))},
					{Properties: props("email", "everyone@example.com")},
				})
			}(w)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var he *hubspot.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &he) && he.StatusCode == 409 && he.ExistingID != "":
			default:
				t.Errorf("want 201 or 409 with the existing id, got %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("want exactly one batch created, got %d", ok)
		}
		page, err := e.client.Search(ctx, hubspot.Contacts, hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{
			{PropertyName: "email", Operator: hubspot.OpEQ, Value: "everyone@example.com"}}}}})
		if err != nil || page.Total != 1 {
			t.Errorf("contacts with the shared email: want 1, got %v, %v", page, err)
		}
	})
}

func TestValidationErrors(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		company := e.do(t, "POST", "/crm/v3/objects/companies", `{"properties":{"name":"Acme"},"associations":[]}`).json(t)["id"].(string)
		cases := []struct {
			name string
			path string
			body string
			code string
		}{
			{"unknown property", "/crm/v3/objects/contacts", `{"properties":{"favourite_colour":"blue"},"associations":[]}`, "PROPERTY_DOESNT_EXIST"},
			{"lifecyclestage", "/crm/v3/objects/contacts", `{"properties":{"lifecyclestage":"prospect"},"associations":[]}`, "INVALID_OPTION"},
			{"hs_lead_status", "/crm/v3/objects/contacts", `{"properties":{"hs_lead_status":"HOT"},"associations":[]}`, "INVALID_OPTION"},
			{"email", "/crm/v3/objects/contacts", `{"properties":{"email":"not-an-email"},"associations":[]}`, "INVALID_EMAIL"},
			{"read-only property", "/crm/v3/objects/contacts", `{"properties":{"hs_object_id":"5"},"associations":[]}`, "READ_ONLY_VALUE"},
			{"owner", "/crm/v3/objects/contacts", `{"properties":{"hubspot_owner_id":"1"},"associations":[]}`, "INVALID_OPTION"},
			{"dealstage", "/crm/v3/objects/deals", `{"properties":{"dealstage":"won"},"associations":[]}`, "INVALID_OPTION"},
			{"deal pipeline", "/crm/v3/objects/deals", `{"properties":{"pipeline":"enterprise","dealstage":"closedwon"},"associations":[]}`, "INVALID_OPTION"},
			{"amount", "/crm/v3/objects/deals", `{"properties":{"amount":"lots"},"associations":[]}`, "INVALID_NUMBER"},
			{"closedate", "/crm/v3/objects/deals", `{"properties":{"closedate":"next week"},"associations":[]}`, "INVALID_DATETIME"},
			{"ticket stage", "/crm/v3/objects/tickets", `{"properties":{"subject":"x","hs_pipeline_stage":"9"},"associations":[]}`, "INVALID_OPTION"},
			{"ticket pipeline", "/crm/v3/objects/tickets", `{"properties":{"subject":"x","hs_pipeline":"7","hs_pipeline_stage":"1"},"associations":[]}`, "INVALID_OPTION"},
			{"ticket without stage", "/crm/v3/objects/tickets", `{"properties":{"subject":"x"},"associations":[]}`, "REQUIRED_PROPERTY"},
			{"ticket priority", "/crm/v3/objects/tickets", `{"properties":{"subject":"x","hs_pipeline_stage":"1","hs_ticket_priority":"ASAP"},"associations":[]}`, "INVALID_OPTION"},
			{"note without hs_timestamp", "/crm/v3/objects/notes", `{"properties":{"hs_note_body":"hi"},"associations":[]}`, "REQUIRED_PROPERTY"},
			{"call without hs_timestamp", "/crm/v3/objects/calls", `{"properties":{"hs_call_title":"hi"},"associations":[]}`, "REQUIRED_PROPERTY"},
			{"meeting without hs_timestamp", "/crm/v3/objects/meetings", `{"properties":{"hs_meeting_title":"hi"},"associations":[]}`, "REQUIRED_PROPERTY"},
			{"task status", "/crm/v3/objects/tasks", `{"properties":{"hs_timestamp":"1700000000000","hs_task_status":"DONE"},"associations":[]}`, "INVALID_OPTION"},
			{"task priority", "/crm/v3/objects/tasks", `{"properties":{"hs_timestamp":"1700000000000","hs_task_priority":"URGENT"},"associations":[]}`, "INVALID_OPTION"},
			{"task type", "/crm/v3/objects/tasks", `{"properties":{"hs_timestamp":"1700000000000","hs_task_type":"MEETING"},"associations":[]}`, "INVALID_OPTION"},
			{"call direction", "/crm/v3/objects/calls", `{"properties":{"hs_timestamp":"1700000000000","hs_call_direction":"SIDEWAYS"},"associations":[]}`, "INVALID_OPTION"},
			{"task hs_timestamp", "/crm/v3/objects/tasks", `{"properties":{"hs_timestamp":"tomorrow"},"associations":[]}`, "INVALID_DATETIME"},
			{"association type id", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"` + company + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":3}]}]}`, "INVALID_ASSOCIATION_TYPE"},
			{"association label", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"` + company + `"},"types":[{"associationCategory":"USER_DEFINED","associationTypeId":279}]}]}`, "INVALID_ASSOCIATION_TYPE"},
			{"association to a missing record", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"987654321"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]}`, "INVALID_OBJECT_ID"},
			{"association to a record of another type", "/crm/v3/objects/notes", `{"properties":{"hs_timestamp":"1700000000000"},"associations":[{"to":{"id":"` + company + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":202}]}]}`, "INVALID_OBJECT_ID"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := wantError(t, e.do(t, "POST", tc.path, tc.body), 400, "VALIDATION_ERROR", tc.code)
				if tc.code != "INVALID_ASSOCIATION_TYPE" && tc.code != "INVALID_OBJECT_ID" && !strings.HasPrefix(m["message"].(string), "Property values were not valid: [") {
					t.Errorf("message: want HubSpot's \"Property values were not valid: [...]\", got %q", m["message"])
				}
			})
		}
		counts, _ := e.sb.Counts(context.Background())
		if counts["contacts"]+counts["deals"]+counts["tickets"]+counts["notes"]+counts["calls"]+counts["tasks"]+counts["meetings"] != 0 {
			t.Errorf("invalid inputs create nothing, got %v", counts)
		}
	})
}

func TestBatchLimitsAndBadJSON(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		var inputs []any
		for i := 0; i < 101; i++ {
			inputs = append(inputs, map[string]any{"properties": props("email", fmt.Sprintf("n%d@example.com", i)), "associations": []any{}})
		}
		for _, path := range []string{"batch/create", "batch/upsert", "batch/update", "batch/read", "batch/archive"} {
			body := mustJSON(map[string]any{"inputs": inputs})
			if path == "batch/read" {
				var ids []any
				for i := 0; i < 101; i++ {
					ids = append(ids, map[string]any{"id": fmt.Sprint(i + 1)})
				}
				body = mustJSON(map[string]any{"inputs": ids, "properties": []string{}, "propertiesWithHistory": []string{}})
			}
			a := e.bad(t, "POST", "/crm/v3/objects/contacts/"+path, body)
			wantError(t, a, 400, "VALIDATION_ERROR", "TOO_MANY_INPUTS")
		}
		counts, _ := e.sb.Counts(context.Background())
		if counts["contacts"] != 0 {
			t.Errorf("101 inputs: want nothing created, got %v", counts)
		}
		wantError(t, e.bad(t, "POST", "/crm/v3/objects/contacts/batch/create", `{"inputs":[`), 400, "VALIDATION_ERROR", "")
		wantError(t, e.bad(t, "POST", "/crm/v3/objects/contacts/batch/create", ``), 400, "VALIDATION_ERROR", "")
		wantError(t, e.bad(t, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":["a"]}}`), 400, "VALIDATION_ERROR", "")
		wantError(t, e.offSpec(t, "GET", "/crm/v3/nothing/here", ""), 404, "OBJECT_NOT_FOUND", "")
	})
}

// Values the databases cannot hold are HubSpot's 400s, never 500s: a createdate
// outside the years 1000 to 9999, and a custom property whose definition outgrows
// its column.
func TestValuesBeyondTheDatabaseAreRefused(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		for _, created := range []string{"9223372036854775807", "-62135596800000", "0999-12-31T23:59:59Z", "10000-01-01"} {
			a := e.bad(t, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"far@example.com","createdate":"`+created+`"}}`)
			wantError(t, a, 400, "VALIDATION_ERROR", "INVALID_DATETIME")
		}
		a := e.bad(t, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"edge@example.com","createdate":"9999-12-31T23:59:59Z"}}`)
		if a.status != 201 {
			t.Fatalf("createdate on the last day: want 201, got %d %s", a.status, a.body)
		}
		if a := e.bad(t, "GET", "/crm/v3/objects/contacts", ""); a.status != 200 {
			t.Errorf("list after the edge record: want 200, got %d %s", a.status, a.body)
		}
		big := `{"name":"walk_big","label":"Big","type":"string","fieldType":"text","groupName":"contactinformation","description":"` +
			strings.Repeat("d", sandboxstore.PropertyDefinitionMax) + `"}`
		wantError(t, e.bad(t, "POST", "/crm/v3/properties/contacts", big), 400, "VALIDATION_ERROR", "")
	})
}
