package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

func TestUpsert(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		c := e.client
		first, err := c.BatchUpsert(ctx, hubspot.Contacts, []hubspot.UpdateInput{
			{ID: "u1@example.com", IDProperty: "email", Properties: props("firstname", "One")},
		})
		if err != nil || len(first.Results) != 1 || !first.Results[0].New {
			t.Fatalf("first upsert: want new, got %+v, %v", first, err)
		}
		res, err := c.BatchUpsert(ctx, hubspot.Contacts, []hubspot.UpdateInput{
			{ID: "U1@example.com", IDProperty: "email", Properties: props("lastname", "Uno")},
			{ID: "u2@example.com", IDProperty: "email", Properties: props("firstname", "Two")},
		})
		if err != nil {
			t.Fatal(err)
		}
		byEmail := map[string]hubspot.UpsertedObject{}
		for _, r := range res.Results {
			byEmail[r.Properties.Get("email")] = r
		}
		u1, u2 := byEmail["u1@example.com"], byEmail["u2@example.com"]
		if u1.New || u1.ID != first.Results[0].ID || u1.Properties.Get("firstname") != "One" || u1.Properties.Get("lastname") != "Uno" {
			t.Errorf("existing contact: want updated in place, got %+v", u1)
		}
		if !u2.New {
			t.Errorf("new contact: want new true, got %+v", u2)
		}

		// Other types upsert by SimCRM's record key, predefined on every type.
		deal, err := c.BatchUpsert(ctx, hubspot.Deals, []hubspot.UpdateInput{
			{ID: "sim-1:deal:7", IDProperty: "simcrm_record_key", Properties: props("dealname", "Seven", "dealstage", "closedwon", "simcrm_simulation_id", "1")},
		})
		if err != nil || !deal.Results[0].New {
			t.Fatalf("deal upsert: %+v, %v", deal, err)
		}
		again, err := c.BatchUpsert(ctx, hubspot.Deals, []hubspot.UpdateInput{
			{ID: "sim-1:deal:7", IDProperty: "simcrm_record_key", Properties: props("dealname", "Seven", "dealstage", "closedlost")},
		})
		if err != nil || again.Results[0].New || again.Results[0].ID != deal.Results[0].ID || again.Results[0].Properties.Get("dealstage") != "closedlost" {
			t.Errorf("deal upsert again: want the same deal updated, got %+v, %v", again, err)
		}
		// A new engagement needs what a create needs; an existing one does not.
		_, err = c.BatchUpsert(ctx, hubspot.Notes, []hubspot.UpdateInput{{ID: "n1", IDProperty: "simcrm_record_key", Properties: props("hs_note_body", "x")}})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 400 || len(he.Errors) == 0 || he.Errors[0].Code != "REQUIRED_PROPERTY" {
			t.Errorf("new note without hs_timestamp: want 400 REQUIRED_PROPERTY, got %v", err)
		}

		// A custom property with unique values serves as idProperty.
		if _, err := c.CreateProperty(ctx, hubspot.Companies, hubspot.PropertyCreate{Name: "external_ref", Label: "External ref", Type: "string", FieldType: "text", GroupName: "companyinformation", HasUniqueValue: true}); err != nil {
			t.Fatal(err)
		}
		co, err := c.BatchUpsert(ctx, hubspot.Companies, []hubspot.UpdateInput{{ID: "ext-9", IDProperty: "external_ref", Properties: props("name", "Nine")}})
		if err != nil || !co.Results[0].New || co.Results[0].Properties.Get("external_ref") != "ext-9" {
			t.Errorf("upsert by a custom unique property: %+v, %v", co, err)
		}

		bad := []struct {
			name string
			body string
		}{
			{"by a property without unique values", `{"inputs":[{"id":"Ada","idProperty":"firstname","properties":{}}]}`},
			{"without idProperty", `{"inputs":[{"id":"x@example.com","properties":{}}]}`},
			{"the same id twice", `{"inputs":[{"id":"d@example.com","idProperty":"email","properties":{}},{"id":"D@example.com","idProperty":"email","properties":{}}]}`},
			{"an invalid email", `{"inputs":[{"id":"nope","idProperty":"email","properties":{}}]}`},
		}
		for _, tc := range bad {
			a := e.do(t, "POST", "/crm/v3/objects/contacts/batch/upsert", tc.body)
			if a.status != 400 {
				t.Errorf("upsert %s: want 400, got %d %s", tc.name, a.status, a.body)
			}
		}
	})
}

// Concurrent upserts of one new key make one record; the others update it.
func TestConcurrentUpsert(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				r, err := e.client.BatchUpsert(ctx, hubspot.Contacts, []hubspot.UpdateInput{
					{ID: "race@example.com", IDProperty: "email", Properties: props("firstname", fmt.Sprint("W", w))},
				})
				if err != nil {
					t.Errorf("upsert: %v", err)
					return
				}
				if r.Results[0].New {
					mu.Lock()
					created++
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		if created != 1 {
			t.Errorf("want exactly one new record, got %d", created)
		}
		counts, _ := e.sb.Counts(ctx)
		if counts["contacts"] != 1 {
			t.Errorf("want 1 contact, got %v", counts)
		}
	})
}

func TestBatchReadUpdateArchive(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		c := e.client
		res, err := c.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{
			{Properties: props("email", "r1@example.com", "firstname", "R1")},
			{Properties: props("email", "r2@example.com", "firstname", "R2")},
		})
		if err != nil {
			t.Fatal(err)
		}
		id1, id2 := res.Results[0].ID, res.Results[1].ID

		read, err := c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{id1, "987654321", id2}, Properties: []string{"firstname"}})
		if err != nil {
			t.Fatal(err)
		}
		if !read.Partial || read.NumErrors != 1 || len(read.Results) != 2 || read.Errors[0].Category != "OBJECT_NOT_FOUND" || read.Errors[0].Context["ids"][0] != "987654321" {
			t.Errorf("batch read with a missing id: want 207 with 2 results and 1 error, got %+v", read)
		}
		byKey, err := c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{"r2@example.com"}, IDProperty: "email", PropertiesWithHistory: []string{"firstname"}})
		if err != nil || byKey.Partial || len(byKey.Results) != 1 || byKey.Results[0].ID != id2 || len(byKey.Results[0].PropertiesHistory["firstname"]) != 1 {
			t.Errorf("batch read by email with history: got %+v, %v", byKey, err)
		}

		up, err := c.BatchUpdate(ctx, hubspot.Contacts, []hubspot.UpdateInput{
			{ID: id1, Properties: props("lastname", "One")},
			{ID: "987654321", Properties: props("lastname", "Nobody")},
			{ID: "r2@example.com", IDProperty: "email", Properties: props("lastname", "Two")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !up.Partial || up.NumErrors != 1 || len(up.Results) != 2 {
			t.Errorf("batch update with a missing id: want 207 with 2 results, got %+v", up)
		}
		for _, r := range up.Results {
			if r.Properties.Get("lastname") == "" || r.Properties.Get("firstname") == "" {
				t.Errorf("batch update keeps other properties: got %v", r.Properties)
			}
		}
		a := e.do(t, "POST", "/crm/v3/objects/contacts/batch/update", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"id": id1, "properties": props("lifecyclestage", "nope")}}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "INVALID_OPTION")
		a = e.do(t, "POST", "/crm/v3/objects/contacts/batch/update", mustJSON(map[string]any{"inputs": []any{
			map[string]any{"id": id1, "properties": props()}, map[string]any{"id": id1, "properties": props()}}}))
		wantError(t, a, 400, "VALIDATION_ERROR", "")

		if err := c.BatchArchive(ctx, hubspot.Contacts, []string{id1, "987654321"}); err != nil {
			t.Fatal(err)
		}
		counts, _ := e.sb.Counts(ctx)
		if counts["contacts"] != 1 {
			t.Errorf("after batch archive: want 1 contact, got %v", counts)
		}
		archived, err := c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{id1}, Archived: true})
		if err != nil || len(archived.Results) != 1 || !archived.Results[0].Archived {
			t.Errorf("batch read archived=true: got %+v, %v", archived, err)
		}
	})
}
