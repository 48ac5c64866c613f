package sandbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

func TestSearch(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		var inputs []hubspot.ObjectInput
		for i := 0; i < 30; i++ {
			stage := []string{"appointmentscheduled", "qualifiedtobuy", "closedwon"}[i%3]
			inputs = append(inputs, hubspot.ObjectInput{Properties: props(
				"dealname", fmt.Sprintf("Deal %02d", i),
				"amount", fmt.Sprint(100*i),
				"dealstage", stage,
				"closedate", fmt.Sprint(base.Add(time.Duration(i)*24*time.Hour).UnixMilli()),
				"simcrm_simulation_id", fmt.Sprint(1+i%2),
			)})
		}
		if _, err := e.client.BatchCreate(ctx, hubspot.Deals, inputs); err != nil {
			t.Fatal(err)
		}
		f := func(name string, op hubspot.Operator, v string) hubspot.Filter {
			return hubspot.Filter{PropertyName: name, Operator: op, Value: v}
		}
		and := func(fs ...hubspot.Filter) []hubspot.FilterGroup { return []hubspot.FilterGroup{{Filters: fs}} }
		cases := []struct {
			name      string
			req       hubspot.SearchRequest
			total     int
			firstName string
		}{
			{"everything", hubspot.SearchRequest{Limit: 5}, 30, "Deal 00"},
			{"EQ", hubspot.SearchRequest{FilterGroups: and(f("dealstage", hubspot.OpEQ, "closedwon"))}, 10, "Deal 02"},
			{"NEQ", hubspot.SearchRequest{FilterGroups: and(f("dealstage", hubspot.OpNEQ, "closedwon"))}, 20, "Deal 00"},
			{"IN", hubspot.SearchRequest{FilterGroups: and(hubspot.Filter{PropertyName: "dealname", Operator: hubspot.OpIn, Values: []string{"Deal 03", "Deal 07"}})}, 2, "Deal 03"},
			{"GT on a number", hubspot.SearchRequest{FilterGroups: and(f("amount", hubspot.OpGT, "2500"))}, 4, "Deal 26"},
			{"LT on a number, numerically", hubspot.SearchRequest{FilterGroups: and(f("amount", hubspot.OpLT, "1000"))}, 10, "Deal 00"},
			{"GTE and LTE on a datetime in ms", hubspot.SearchRequest{FilterGroups: and(
				f("closedate", hubspot.OpGTE, fmt.Sprint(base.Add(10*24*time.Hour).UnixMilli())),
				f("closedate", hubspot.OpLTE, base.Add(12*24*time.Hour).Format(time.RFC3339)))}, 3, "Deal 10"},
			{"BETWEEN", hubspot.SearchRequest{FilterGroups: and(hubspot.Filter{PropertyName: "amount", Operator: hubspot.OpBetween, Value: "500", HighValue: "700"})}, 3, "Deal 05"},
			{"OR of groups", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{
				{Filters: []hubspot.Filter{f("dealname", hubspot.OpEQ, "Deal 01")}},
				{Filters: []hubspot.Filter{f("dealname", hubspot.OpEQ, "Deal 02")}}}}, 2, "Deal 01"},
			{"by simulation", hubspot.SearchRequest{FilterGroups: and(f("simcrm_simulation_id", hubspot.OpEQ, "2"))}, 15, "Deal 01"},
			{"HAS_PROPERTY", hubspot.SearchRequest{FilterGroups: and(f("description", hubspot.OpHasProperty, ""))}, 0, ""},
			{"NOT_HAS_PROPERTY", hubspot.SearchRequest{FilterGroups: and(f("description", hubspot.OpNotHasProperty, ""))}, 30, "Deal 00"},
			{"CONTAINS_TOKEN", hubspot.SearchRequest{FilterGroups: and(f("dealname", hubspot.OpContainsToken, "deal 1*"))}, 10, "Deal 10"},
			{"sort by amount descending", hubspot.SearchRequest{Sorts: []hubspot.Sort{{PropertyName: "amount", Direction: hubspot.Descending}}}, 30, "Deal 29"},
			{"sort by createdate", hubspot.SearchRequest{Sorts: []hubspot.Sort{{PropertyName: "createdate", Direction: hubspot.Ascending}}}, 30, "Deal 00"},
			{"sort by dealname descending", hubspot.SearchRequest{Sorts: []hubspot.Sort{{PropertyName: "dealname", Direction: hubspot.Descending}}}, 30, "Deal 29"},
			{"query", hubspot.SearchRequest{Query: "deal 2"}, 10, "Deal 20"},
			{"hs_object_id", hubspot.SearchRequest{FilterGroups: and(f("hs_object_id", hubspot.OpGT, "0"))}, 30, "Deal 00"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.req.Properties = []string{"dealname", "amount"}
				page, err := e.client.Search(ctx, hubspot.Deals, tc.req)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != tc.total {
					t.Errorf("total: want %d, got %d", tc.total, page.Total)
				}
				first := ""
				if len(page.Results) > 0 {
					first = page.Results[0].Properties.Get("dealname")
				}
				if first != tc.firstName {
					t.Errorf("first result: want %q, got %q", tc.firstName, first)
				}
			})
		}

		// Paging with after walks every result once.
		seen := map[string]bool{}
		req := hubspot.SearchRequest{Limit: 7, Sorts: []hubspot.Sort{{PropertyName: "amount", Direction: hubspot.Ascending}}}
		for o, err := range e.client.SearchAll(ctx, hubspot.Deals, req) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[o.ID] {
				t.Errorf("result %s twice", o.ID)
			}
			seen[o.ID] = true
		}
		if len(seen) != 30 {
			t.Errorf("paging: want 30 results, got %d", len(seen))
		}

		bad := []struct {
			name string
			body string
		}{
			{"limit over 200", `{"filterGroups":[],"sorts":[],"properties":[],"limit":201,"after":"0"}`},
			{"past 10,000 results", `{"filterGroups":[],"sorts":[],"properties":[],"limit":100,"after":"9950"}`},
			{"unknown property", `{"filterGroups":[{"filters":[{"propertyName":"colour","operator":"EQ","value":"red"}]}],"sorts":[],"properties":[],"limit":10,"after":"0"}`},
			{"not a number", `{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"GT","value":"lots"}]}],"sorts":[],"properties":[],"limit":10,"after":"0"}`},
			{"too many groups", `{"filterGroups":[{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]}],"sorts":[],"properties":[],"limit":10,"after":"0"}`},
		}
		for _, tc := range bad {
			wantError(t, e.do(t, "POST", "/crm/v3/objects/deals/search", tc.body), 400, "VALIDATION_ERROR", "")
		}
		// Sorts given as strings, as the spec types them.
		a := e.do(t, "POST", "/crm/v3/objects/deals/search", `{"filterGroups":[],"sorts":["-amount"],"properties":["dealname"],"limit":1,"after":"0"}`)
		if a.status != 200 || a.json(t)["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)["dealname"] != "Deal 29" {
			t.Errorf("sort \"-amount\": got %d %s", a.status, a.body)
		}
		// Contacts: email matches whatever its case.
		if _, err := e.client.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "case@example.com")}); err != nil {
			t.Fatal(err)
		}
		page, err := e.client.Search(ctx, hubspot.Contacts, hubspot.SearchRequest{FilterGroups: and(f("email", hubspot.OpEQ, "CASE@example.com"))})
		if err != nil || page.Total != 1 {
			t.Errorf("email EQ in another case: want 1, got %+v, %v", page, err)
		}
	})
}
