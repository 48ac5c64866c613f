package hubspot_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// endpointCase is one call and the exchange it must produce. call returns the
// decoded result for check; conformance tests against the sandbox can reuse call
// and check while ignoring the canned answer.
type endpointCase struct {
	name   string
	call   func(ctx context.Context, c *hubspot.Client) (any, error)
	method string
	path   string // below the base URL
	query  url.Values
	body   string // JSON, "" for none
	status int
	answer string
	check  func(t *testing.T, got any)
}

var endpointCases = []endpointCase{
	{
		name: "create contact with inline association",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{
				Properties:   map[string]string{"email": "ada@example.com", "firstname": "Ada"},
				Associations: []hubspot.Association{hubspot.DefinedAssociation("9001", 279)},
			})
		},
		method: "POST", path: "/crm/v3/objects/contacts",
		body:   `{"properties":{"email":"ada@example.com","firstname":"Ada"},"associations":[{"to":{"id":"9001"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]}`,
		status: 201, answer: objectJSON("101", `{"email":"ada@example.com","firstname":"Ada","company":null}`),
		check: func(t *testing.T, got any) {
			o := got.(*hubspot.Object)
			if o.ID != "101" || o.Properties.Get("email") != "ada@example.com" {
				t.Errorf("got %+v", o)
			}
			if v, ok := o.Properties.Lookup("company"); ok || v != "" {
				t.Errorf("null property: got %q, %v; want absent", v, ok)
			}
			if _, present := o.Properties["company"]; !present {
				t.Errorf("null property should stay in the map as nil")
			}
			if !o.CreatedAt.Equal(mustTime(ts)) {
				t.Errorf("createdAt %v", o.CreatedAt)
			}
		},
	},
	{
		name: "create note without associations sends []",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.CreateObject(ctx, hubspot.Notes, hubspot.ObjectInput{Properties: map[string]string{"hs_timestamp": "1714557600000", "hs_note_body": "line 1\nline \"2\""}})
		},
		method: "POST", path: "/crm/v3/objects/notes",
		body:   `{"properties":{"hs_timestamp":"1714557600000","hs_note_body":"line 1\nline \"2\""},"associations":[]}`,
		status: 201, answer: objectJSON("7", `{"hs_timestamp":"2024-05-01T10:00:00Z"}`),
	},
	{
		name: "get deal with properties and associations",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Object(ctx, hubspot.Deals, "42", hubspot.ReadOptions{Properties: []string{"dealname", "amount"}, Associations: []string{"contacts"}})
		},
		method: "GET", path: "/crm/v3/objects/deals/42",
		query:  url.Values{"properties": {"dealname,amount"}, "associations": {"contacts"}},
		status: 200,
		answer: `{"id":"42","properties":{"dealname":"Big","amount":null},"createdAt":"` + ts + `","updatedAt":"` + ts + `","archived":false,` +
			`"associations":{"contacts":{"results":[{"id":"101","type":"deal_to_contact"}]}}}`,
		check: func(t *testing.T, got any) {
			o := got.(*hubspot.Object)
			if a := o.Associations["contacts"].Results; len(a) != 1 || a[0].ID != "101" {
				t.Errorf("associations %+v", o.Associations)
			}
		},
	},
	{
		name: "get by object type id 0-3",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Object(ctx, hubspot.ObjectType("0-3"), "42", hubspot.ReadOptions{IDProperty: "hs_object_id", Archived: true})
		},
		method: "GET", path: "/crm/v3/objects/0-3/42",
		query:  url.Values{"idProperty": {"hs_object_id"}, "archived": {"true"}},
		status: 200, answer: objectJSON("42", `{}`),
	},
	{
		name: "update company",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.UpdateObject(ctx, hubspot.Companies, "5", map[string]string{"city": "Lyon"})
		},
		method: "PATCH", path: "/crm/v3/objects/companies/5",
		body:   `{"properties":{"city":"Lyon"}}`,
		status: 200, answer: objectJSON("5", `{"city":"Lyon"}`),
	},
	{
		name: "archive ticket",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return nil, c.ArchiveObject(ctx, hubspot.Tickets, "77")
		},
		method: "DELETE", path: "/crm/v3/objects/tickets/77", status: 204,
	},
	{
		name: "batch create contacts",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{
				{Properties: map[string]string{"email": "a@example.com"}},
				{Properties: map[string]string{"email": "b@example.com"}, ObjectWriteTraceID: "job-2"},
			})
		},
		method: "POST", path: "/crm/v3/objects/contacts/batch/create",
		body:   `{"inputs":[{"properties":{"email":"a@example.com"},"associations":[]},{"properties":{"email":"b@example.com"},"associations":[],"objectWriteTraceId":"job-2"}]}`,
		status: 201, answer: batchJSON(objectJSON("1", `{"email":"a@example.com"}`), objectJSON("2", `{"email":"b@example.com"}`)),
		check: func(t *testing.T, got any) {
			r := got.(*hubspot.BatchResult[hubspot.Object])
			if len(r.Results) != 2 || r.Partial || r.Status != "COMPLETE" || r.Requests != 1 {
				t.Errorf("got %+v", r)
			}
		},
	},
	{
		name: "batch upsert contacts by email",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchUpsert(ctx, hubspot.Contacts, []hubspot.UpdateInput{
				{ID: "a@example.com", IDProperty: "email", Properties: map[string]string{"firstname": "A"}},
			})
		},
		method: "POST", path: "/crm/v3/objects/contacts/batch/upsert",
		body:   `{"inputs":[{"id":"a@example.com","idProperty":"email","properties":{"firstname":"A"}}]}`,
		status: 200,
		answer: `{"status":"COMPLETE","results":[{"id":"1","properties":{"firstname":"A"},"createdAt":"` + ts + `","updatedAt":"` + ts + `","archived":false,"new":true}],"startedAt":"` + ts + `","completedAt":"` + ts + `"}`,
		check: func(t *testing.T, got any) {
			r := got.(*hubspot.BatchResult[hubspot.UpsertedObject])
			if len(r.Results) != 1 || !r.Results[0].New || r.Results[0].ID != "1" {
				t.Errorf("got %+v", r)
			}
		},
	},
	{
		name: "batch read",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{"1", "2"}, Properties: []string{"email"}, Archived: true})
		},
		method: "POST", path: "/crm/v3/objects/contacts/batch/read",
		query:  url.Values{"archived": {"true"}},
		body:   `{"inputs":[{"id":"1"},{"id":"2"}],"properties":["email"],"propertiesWithHistory":[]}`,
		status: 200, answer: batchJSON(objectJSON("1", `{"email":"a@example.com"}`), objectJSON("2", `{"email":null}`)),
	},
	{
		name: "batch read by unique property",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchRead(ctx, hubspot.Contacts, hubspot.BatchReadRequest{IDs: []string{"a@example.com"}, IDProperty: "email"})
		},
		method: "POST", path: "/crm/v3/objects/contacts/batch/read",
		body:   `{"inputs":[{"id":"a@example.com"}],"properties":[],"propertiesWithHistory":[],"idProperty":"email"}`,
		status: 200, answer: batchJSON(objectJSON("1", `{"email":"a@example.com"}`)),
	},
	{
		name: "batch update deals",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchUpdate(ctx, hubspot.Deals, []hubspot.UpdateInput{{ID: "42", Properties: map[string]string{"dealstage": "closedwon"}}})
		},
		method: "POST", path: "/crm/v3/objects/deals/batch/update",
		body:   `{"inputs":[{"id":"42","properties":{"dealstage":"closedwon"}}]}`,
		status: 200, answer: batchJSON(objectJSON("42", `{"dealstage":"closedwon"}`)),
	},
	{
		name: "batch archive calls",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return nil, c.BatchArchive(ctx, hubspot.Calls, []string{"1", "2"})
		},
		method: "POST", path: "/crm/v3/objects/calls/batch/archive",
		body: `{"inputs":[{"id":"1"},{"id":"2"}]}`, status: 204,
	},
	{
		name: "search contacts",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Search(ctx, hubspot.Contacts, hubspot.SearchRequest{
				FilterGroups: []hubspot.FilterGroup{
					{Filters: []hubspot.Filter{{PropertyName: "email", Operator: hubspot.OpEQ, Value: "a@example.com"}}},
					{Filters: []hubspot.Filter{{PropertyName: "lifecyclestage", Operator: hubspot.OpIn, Values: []string{"lead", "customer"}}, {PropertyName: "phone", Operator: hubspot.OpHasProperty}}},
				},
				Sorts:      []hubspot.Sort{{PropertyName: "createdate", Direction: hubspot.Descending}},
				Properties: []string{"email"},
				Limit:      200,
			})
		},
		method: "POST", path: "/crm/v3/objects/contacts/search",
		body: `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":"a@example.com"}]},` +
			`{"filters":[{"propertyName":"lifecyclestage","operator":"IN","values":["lead","customer"]},{"propertyName":"phone","operator":"HAS_PROPERTY"}]}],` +
			`"sorts":[{"propertyName":"createdate","direction":"DESCENDING"}],"properties":["email"],"limit":200,"after":"0"}`,
		status: 200,
		answer: `{"total":1,"results":[` + objectJSON("1", `{"email":"a@example.com"}`) + `]}`,
		check: func(t *testing.T, got any) {
			p := got.(*hubspot.SearchPage)
			if p.Total != 1 || len(p.Results) != 1 || p.After() != "" {
				t.Errorf("got %+v", p)
			}
		},
	},
	{
		name: "search with empty request sends every required field",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Search(ctx, hubspot.Deals, hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{}}})
		},
		method: "POST", path: "/crm/v3/objects/deals/search",
		body:   `{"filterGroups":[{"filters":[]}],"sorts":[],"properties":[],"limit":100,"after":"0"}`,
		status: 200, answer: `{"total":0,"results":[]}`,
	},
	{
		name: "associate default (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.AssociateDefault(ctx, hubspot.Deals, "42", hubspot.Contacts, "101")
		},
		method: "PUT", path: "/crm/v4/objects/deals/42/associations/default/contacts/101",
		status: 200,
		answer: `{"status":"COMPLETE","results":[{"from":{"id":"42"},"to":{"id":"101"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":3}}],"startedAt":"` + ts + `","completedAt":"` + ts + `"}`,
		check: func(t *testing.T, got any) {
			r := got.(*hubspot.BatchResult[hubspot.DefaultAssociation])
			if len(r.Results) != 1 || r.Results[0].AssociationSpec.TypeID != 3 {
				t.Errorf("got %+v", r)
			}
		},
	},
	{
		name: "associate with label (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Associate(ctx, hubspot.Contacts, "101", hubspot.Companies, "9001",
				hubspot.AssociationSpec{Category: hubspot.HubSpotDefined, TypeID: 1},
				hubspot.AssociationSpec{Category: hubspot.UserDefined, TypeID: 37})
		},
		method: "PUT", path: "/crm/v4/objects/contacts/101/associations/companies/9001",
		body:   `[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1},{"associationCategory":"USER_DEFINED","associationTypeId":37}]`,
		status: 201,
		answer: `{"fromObjectTypeId":"0-1","fromObjectId":101,"toObjectTypeId":"0-2","toObjectId":9001,"labels":["Primary","Manager"]}`,
		check: func(t *testing.T, got any) {
			r := got.(*hubspot.LabelsBetweenObjectPair)
			if r.ToObjectID.String() != "9001" || len(r.Labels) != 2 {
				t.Errorf("got %+v", r)
			}
		},
	},
	{
		name: "batch associate (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchAssociate(ctx, hubspot.Notes, hubspot.Contacts, []hubspot.AssociationInput{
				{From: "7", To: "101", Types: []hubspot.AssociationSpec{{Category: hubspot.HubSpotDefined, TypeID: 202}}},
			})
		},
		method: "POST", path: "/crm/v4/associations/notes/contacts/batch/create",
		body:   `{"inputs":[{"from":{"id":"7"},"to":{"id":"101"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":202}]}]}`,
		status: 201,
		answer: `{"status":"COMPLETE","results":[{"fromObjectTypeId":"0-46","fromObjectId":7,"toObjectTypeId":"0-1","toObjectId":101,"labels":[]}],"startedAt":"` + ts + `","completedAt":"` + ts + `"}`,
	},
	{
		name: "batch associate default (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.BatchAssociateDefault(ctx, hubspot.Contacts, hubspot.Companies, []hubspot.AssociationPair{{From: "101", To: "9001"}})
		},
		method: "POST", path: "/crm/v4/associations/contacts/companies/batch/associate/default",
		body:   `{"inputs":[{"from":{"id":"101"},"to":{"id":"9001"}}]}`,
		status: 200,
		answer: `{"status":"COMPLETE","results":[{"from":{"id":"101"},"to":{"id":"9001"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}}],"startedAt":"` + ts + `","completedAt":"` + ts + `"}`,
	},
	{
		name: "list associations (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Associations(ctx, hubspot.Contacts, "101", hubspot.Companies, "abc", 50)
		},
		method: "GET", path: "/crm/v4/objects/contacts/101/associations/companies",
		query:  url.Values{"after": {"abc"}, "limit": {"50"}},
		status: 200,
		answer: `{"results":[{"toObjectId":9001,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null},{"category":"HUBSPOT_DEFINED","typeId":1,"label":"Primary"}]}],"paging":{"next":{"after":"MTAx","link":"?after=MTAx"}}}`,
		check: func(t *testing.T, got any) {
			p := got.(*hubspot.AssociationPage)
			if len(p.Results) != 1 || p.Results[0].ToObjectID.String() != "9001" || len(p.Results[0].AssociationTypes) != 2 || p.After() != "MTAx" {
				t.Errorf("got %+v", p)
			}
		},
	},
	{
		name: "remove associations (v4)",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return nil, c.RemoveAssociations(ctx, hubspot.Contacts, "101", hubspot.Companies, "9001")
		},
		method: "DELETE", path: "/crm/v4/objects/contacts/101/associations/companies/9001", status: 204,
	},
	{
		name: "owners",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Owners(ctx, hubspot.OwnerQuery{Email: "o@example.com", Limit: 10})
		},
		method: "GET", path: "/crm/v3/owners",
		query:  url.Values{"email": {"o@example.com"}, "limit": {"10"}},
		status: 200,
		answer: `{"results":[{"id":"11","email":"o@example.com","firstName":"O","lastName":"W","userId":5,"type":"PERSON","archived":false,"createdAt":"` + ts + `","updatedAt":"` + ts + `","teams":[{"id":"1","name":"Sales","primary":true}]}]}`,
		check: func(t *testing.T, got any) {
			p := got.(*hubspot.OwnerPage)
			if len(p.Results) != 1 || p.Results[0].ID != "11" || p.Results[0].Teams[0].Name != "Sales" {
				t.Errorf("got %+v", p)
			}
		},
	},
	{
		name: "deal pipelines",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Pipelines(ctx, hubspot.Deals)
		},
		method: "GET", path: "/crm/v3/pipelines/deals",
		status: 200,
		answer: `{"results":[{"id":"default","label":"Sales Pipeline","displayOrder":0,"archived":false,"createdAt":"` + ts + `","updatedAt":"` + ts + `",` +
			`"stages":[{"id":"appointmentscheduled","label":"Appointment Scheduled","displayOrder":0,"metadata":{"isClosed":"false","probability":"0.2"},"archived":false,"createdAt":"` + ts + `","updatedAt":"` + ts + `"}]}]}`,
		check: func(t *testing.T, got any) {
			p := got.([]hubspot.Pipeline)
			if len(p) != 1 || p[0].Stages[0].Metadata["probability"] != "0.2" {
				t.Errorf("got %+v", p)
			}
		},
	},
	{
		name: "properties",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.Properties(ctx, hubspot.Contacts)
		},
		method: "GET", path: "/crm/v3/properties/contacts",
		status: 200,
		answer: `{"results":[{"name":"email","label":"Email","type":"string","fieldType":"text","groupName":"contactinformation","description":"","options":[],"hasUniqueValue":true}]}`,
		check: func(t *testing.T, got any) {
			p := got.([]hubspot.Property)
			if len(p) != 1 || !p[0].HasUniqueValue {
				t.Errorf("got %+v", p)
			}
		},
	},
	{
		name: "create unique property",
		call: func(ctx context.Context, c *hubspot.Client) (any, error) {
			return c.CreateProperty(ctx, hubspot.Deals, hubspot.PropertyCreate{
				Name: "simcrm_key", Label: "SimCRM key", Type: "string", FieldType: "text", GroupName: "dealinformation", HasUniqueValue: true,
			})
		},
		method: "POST", path: "/crm/v3/properties/deals",
		body:   `{"name":"simcrm_key","label":"SimCRM key","type":"string","fieldType":"text","groupName":"dealinformation","hasUniqueValue":true}`,
		status: 201,
		answer: `{"name":"simcrm_key","label":"SimCRM key","type":"string","fieldType":"text","groupName":"dealinformation","description":"","options":[],"hasUniqueValue":true}`,
	},
}

func TestEndpoints(t *testing.T) {
	for _, tc := range endpointCases {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
				if tc.answer == "" {
					w.WriteHeader(tc.status)
					return
				}
				reply(w, tc.status, tc.answer)
			})
			got, err := tc.call(context.Background(), fake.client())
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := fake.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests: got %d, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request: got %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			gotQuery, _ := url.ParseQuery(r.Query)
			if tc.query == nil {
				tc.query = url.Values{}
			}
			if gotQuery.Encode() != tc.query.Encode() {
				t.Errorf("query: got %q, want %q", gotQuery.Encode(), tc.query.Encode())
			}
			if tc.body == "" {
				if len(r.Body) != 0 {
					t.Errorf("body: got %s, want none", r.Body)
				}
			} else {
				assertJSONEqual(t, "body", r.Body, tc.body)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type: got %q", ct)
				}
			}
			if a := r.Header.Get("Authorization"); a != "Bearer "+testToken {
				t.Errorf("Authorization: got %q", a)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func TestAllOwnersFollowsPages(t *testing.T) {
	owner := func(id string) string {
		return `{"id":"` + id + `","email":"o` + id + `@example.com","type":"PERSON","archived":false,"createdAt":"` + ts + `","updatedAt":"` + ts + `"}`
	}
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			reply(w, 200, `{"results":[`+owner("1")+`,`+owner("2")+`],"paging":{"next":{"after":"2"}}}`)
			return
		}
		reply(w, 200, `{"results":[`+owner("3")+`]}`)
	})
	owners, err := fake.client().AllOwners(context.Background())
	if err != nil || len(owners) != 3 || owners[2].Email != "o3@example.com" {
		t.Fatalf("got %+v %v", owners, err)
	}
	reqs := fake.requests()
	if len(reqs) != 2 || reqs[0].Query != "limit=500" || reqs[1].Query != "after=2&limit=500" {
		t.Errorf("requests %+v", reqs)
	}
}
