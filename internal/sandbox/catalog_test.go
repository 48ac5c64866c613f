package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
)

func TestOwnersAndPipelines(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		all, err := e.client.AllOwners(ctx)
		if err != nil || len(all) < 3 {
			t.Fatalf("owners: want a few seeded owners, got %v, %v", all, err)
		}
		page, err := e.client.Owners(ctx, hubspot.OwnerQuery{Email: all[1].Email})
		if err != nil || len(page.Results) != 1 || page.Results[0].ID != all[1].ID {
			t.Errorf("owner by email: got %+v, %v", page, err)
		}
		page, err = e.client.Owners(ctx, hubspot.OwnerQuery{Limit: 2})
		if err != nil || len(page.Results) != 2 || page.After() == "" {
			t.Errorf("owners page of 2: want a next cursor, got %+v, %v", page, err)
		}
		if a := e.do(t, "GET", "/crm/v3/owners/"+all[0].ID, ""); a.status != 200 {
			t.Errorf("owner by id: got %d %s", a.status, a.body)
		}
		wantError(t, e.do(t, "GET", "/crm/v3/owners/1", ""), 404, "OBJECT_NOT_FOUND", "")
		// Records take a seeded owner.
		if _, err := e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("hubspot_owner_id", all[0].ID)}); err != nil {
			t.Errorf("contact with a seeded owner: %v", err)
		}

		deals, err := e.client.Pipelines(ctx, hubspot.Deals)
		if err != nil || len(deals) != 1 || deals[0].ID != "default" {
			t.Fatalf("deal pipelines: got %+v, %v", deals, err)
		}
		var stages []string
		for _, s := range deals[0].Stages {
			stages = append(stages, s.ID+"="+s.Metadata["probability"])
		}
		want := "[appointmentscheduled=0.2 qualifiedtobuy=0.4 presentationscheduled=0.6 decisionmakerboughtin=0.8 contractsent=0.9 closedwon=1.0 closedlost=0.0]"
		if fmt.Sprint(stages) != want {
			t.Errorf("deal stages: want %s, got %v", want, stages)
		}
		tickets, err := e.client.Pipelines(ctx, hubspot.Tickets)
		if err != nil || len(tickets) != 1 || tickets[0].ID != "0" || len(tickets[0].Stages) != 4 || tickets[0].Stages[3].Label != "Closed" {
			t.Errorf("ticket pipeline: got %+v, %v", tickets, err)
		}
		for _, path := range []string{"/crm/v3/pipelines/0-3/default", "/crm/v3/pipelines/tickets/0/stages"} {
			if a := e.do(t, "GET", path, ""); a.status != 200 {
				t.Errorf("GET %s: got %d %s", path, a.status, a.body)
			}
		}
		wantError(t, e.do(t, "GET", "/crm/v3/pipelines/deals/nope", ""), 404, "OBJECT_NOT_FOUND", "")
	})
}

func TestProperties(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		list, err := e.client.Properties(ctx, hubspot.Contacts)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]hubspot.Property{}
		for _, p := range list {
			byName[p.Name] = p
		}
		if !byName["email"].HasUniqueValue || !byName["simcrm_record_key"].HasUniqueValue || byName["simcrm_simulation_id"].Name == "" {
			t.Errorf("want email and simcrm_record_key unique and simcrm_simulation_id defined, got %+v / %+v", byName["email"], byName["simcrm_record_key"])
		}
		if len(byName["lifecyclestage"].Options) != 8 {
			t.Errorf("lifecyclestage options: got %+v", byName["lifecyclestage"].Options)
		}

		in := hubspot.PropertyCreate{Name: "favourite_colour", Label: "Favourite colour", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
			Options: []hubspot.PropertyOption{{Label: "Red", Value: "red"}, {Label: "Blue", Value: "blue", DisplayOrder: 1}}}
		created, err := e.client.CreateProperty(ctx, hubspot.Contacts, in)
		if err != nil || created.Name != "favourite_colour" || created.CreatedAt == nil || created.HubspotDefined {
			t.Fatalf("create property: got %+v, %v", created, err)
		}
		_, err = e.client.CreateProperty(ctx, hubspot.Contacts, in)
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 409 || he.Category != "OBJECT_ALREADY_EXISTS" {
			t.Errorf("create it again: want 409 OBJECT_ALREADY_EXISTS, got %v", err)
		}
		for _, name := range []string{"email", "simcrm_record_key"} {
			_, err = e.client.CreateProperty(ctx, hubspot.Contacts, hubspot.PropertyCreate{Name: name, Label: "x", Type: "string", FieldType: "text", GroupName: "g"})
			if !errors.As(err, &he) || he.StatusCode != 409 {
				t.Errorf("create %s (predefined): want 409, got %v", name, err)
			}
		}
		a := e.do(t, "GET", "/crm/v3/properties/contacts/favourite_colour", "")
		if a.status != 200 || a.json(t)["type"] != "enumeration" {
			t.Errorf("read property: got %d %s", a.status, a.body)
		}
		wantError(t, e.do(t, "GET", "/crm/v3/properties/contacts/nope", ""), 404, "OBJECT_NOT_FOUND", "")
		// The new property takes its options and nothing else.
		if _, err := e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("favourite_colour", "blue")}); err != nil {
			t.Errorf("write the new property: %v", err)
		}
		_, err = e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("favourite_colour", "green")})
		if !errors.As(err, &he) || he.StatusCode != 400 {
			t.Errorf("write an option it does not have: want 400, got %v", err)
		}
		// Invalid definitions.
		bad := []string{
			`{"name":"Bad Name","label":"x","type":"string","fieldType":"text","groupName":"g"}`,
			`{"name":"no_options","label":"x","type":"enumeration","fieldType":"select","groupName":"g"}`,
			`{"name":"unique_date","label":"x","type":"date","fieldType":"date","groupName":"g","hasUniqueValue":true}`,
			`{"name":"no_label","label":"","type":"string","fieldType":"text","groupName":"g"}`,
		}
		for _, body := range bad {
			wantError(t, e.do(t, "POST", "/crm/v3/properties/deals", body), 400, "VALIDATION_ERROR", "")
		}
		if a := e.do(t, "GET", "/crm/v3/properties/0-3", ""); a.status != 200 {
			t.Errorf("properties by type id: got %d", a.status)
		}
	})
}

// Every industry a SimCRM scenario draws is one of HubSpot's, so companies the
// simulations create are accepted.
func TestScenarioIndustriesAreValid(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		seen := map[string]bool{}
		var inputs []hubspot.ObjectInput
		for _, sc := range sim.Scenarios() {
			for _, ind := range sc.Industries {
				if !seen[ind] {
					seen[ind] = true
					inputs = append(inputs, hubspot.ObjectInput{Properties: props("name", ind, "industry", ind)})
				}
			}
		}
		if len(inputs) == 0 {
			t.Fatal("no scenario industries found")
		}
		if _, err := e.client.BatchCreate(ctx, hubspot.Companies, inputs); err != nil {
			t.Errorf("companies with every scenario industry: %v", err)
		}
	})
}

// SimCRM's client prepares a connection by making sure its two properties exist
// on every type; the sandbox has them from the start.
func TestClientTracePropertiesReady(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.DefaultLimits()}, func(t *testing.T, e *env) {
		rep, err := e.client.EnsureTraceProperties(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Ready() {
			t.Errorf("want every type ready, got %+v", rep)
		}
		for _, r := range rep.Results {
			if len(r.Created) != 0 || r.KeyNotUnique {
				t.Errorf("%s: want the predefined properties, unique key, nothing created; got %+v", r.Type, r)
			}
		}
	})
}

// HubSpot coerces JSON numbers and booleans given as property values.
func TestPropertyValuesCoerced(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		a := e.bad(t, "POST", "/crm/v3/objects/deals", `{"properties":{"dealname":"Numbers","amount":1250.5,"closedate":1700000000000,"description":null},"associations":[]}`)
		if a.status != 201 {
			t.Fatalf("want 201, got %d %s", a.status, a.body)
		}
		p := a.json(t)["properties"].(map[string]any)
		if p["amount"] != "1250.5" || p["closedate"] != "2023-11-14T22:13:20.000Z" || p["description"] != nil {
			t.Errorf("coerced values: got %v", p)
		}
	})
}
