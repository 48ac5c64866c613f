package sandboxstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage/sandboxstore"
)

func TestSearch(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			var in []sandboxstore.ObjectInput
			for i := 0; i < 30; i++ {
				stage := "lead"
				if i%3 == 0 {
					stage = "customer"
				}
				p := map[string]string{"email": fmt.Sprintf("p%02d@example.com", i), "lifecyclestage": stage, "score": fmt.Sprint(i * 10)}
				p["simcrm_simulation_id"] = fmt.Sprint(i % 10)
				if i%5 == 0 {
					p["jobtitle"] = fmt.Sprintf("Chief %d Officer", i)
				}
				in = append(in, sandboxstore.ObjectInput{Properties: p, CreatedAt: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
			}
			objs, err := s.CreateObjects(ctx, "deals", map[string]bool{"email": true}, in)
			if err != nil {
				t.Fatal(err)
			}
			f := func(prop, op, v string) sandboxstore.Filter {
				return sandboxstore.Filter{Property: prop, Operator: op, Value: v}
			}
			num := func(prop, op string, n float64) sandboxstore.Filter {
				return sandboxstore.Filter{Property: prop, Operator: op, Numeric: true, Num: n}
			}
			ms := func(sec int) float64 { return float64(time.Date(2024, 1, 1, 0, 0, sec, 0, time.UTC).UnixMilli()) }
			cases := []struct {
				name   string
				q      sandboxstore.Search
				total  int
				firstN string // email of the first result
			}{
				{"all", sandboxstore.Search{}, 30, "p00@example.com"},
				{"EQ", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("lifecyclestage", "EQ", "customer")}}}, 10, "p00@example.com"},
				{"NEQ", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("lifecyclestage", "NEQ", "customer")}}}, 20, "p01@example.com"},
				{"IN on a unique property", sandboxstore.Search{Unique: map[string]bool{"email": true}, Groups: [][]sandboxstore.Filter{{{Property: "email", Operator: "IN", Values: []string{"p05@example.com", "p04@example.com"}}}}}, 2, "p04@example.com"},
				{"EQ on a unique property", sandboxstore.Search{Unique: map[string]bool{"email": true}, Groups: [][]sandboxstore.Filter{{f("email", "EQ", "p09@example.com")}}}, 1, "p09@example.com"},
				{"NOT_IN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{{Property: "lifecyclestage", Operator: "NOT_IN", Values: []string{"lead"}}}}}, 10, "p00@example.com"},
				{"NOT_CONTAINS_TOKEN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("jobtitle", "NOT_CONTAINS_TOKEN", "officer")}}}, 24, "p01@example.com"},
				{"simulation id", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("simcrm_simulation_id", "EQ", "7")}}}, 3, "p07@example.com"},
				{"simulation id IN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{{Property: "simcrm_simulation_id", Operator: "IN", Values: []string{"7", "8"}}}}}, 6, "p07@example.com"},
				{"IN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{{Property: "email", Operator: "IN", Values: []string{"p03@example.com", "p04@example.com", "nobody"}}}}}, 2, "p03@example.com"},
				{"GT numeric", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{num("score", "GT", 250)}}}, 4, "p26@example.com"},
				{"LT numeric AND EQ", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{num("score", "LT", 100), f("lifecyclestage", "EQ", "customer")}}}, 4, "p00@example.com"},
				{"OR of groups", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{num("score", "LTE", 10)}, {num("score", "GTE", 290)}}}, 3, "p00@example.com"},
				{"BETWEEN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{{Property: "score", Operator: "BETWEEN", Numeric: true, Num: 100, HighNum: 120}}}}, 3, "p10@example.com"},
				{"HAS_PROPERTY", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("jobtitle", "HAS_PROPERTY", "")}}}, 6, "p00@example.com"},
				{"NOT_HAS_PROPERTY", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("jobtitle", "NOT_HAS_PROPERTY", "")}}}, 24, "p01@example.com"},
				{"CONTAINS_TOKEN", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("jobtitle", "CONTAINS_TOKEN", "chief 2")}}}, 2, "p20@example.com"},
				{"createdate GT", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{num("createdate", "GT", ms(27))}}}, 2, "p28@example.com"},
				{"hs_object_id EQ", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{num("hs_object_id", "EQ", float64(objs[7].ID))}}}, 1, "p07@example.com"},
				{"sort by numeric property desc", sandboxstore.Search{SortProperty: "score", SortNumeric: true, SortDescending: true}, 30, "p29@example.com"},
				{"sort by text property", sandboxstore.Search{SortProperty: "jobtitle", SortDescending: true}, 30, "p05@example.com"},
				{"sort by text property, missing last", sandboxstore.Search{SortProperty: "jobtitle", SortDescending: true, Offset: 6}, 30, "p29@example.com"},
				{"sort by createdate desc", sandboxstore.Search{SortProperty: "createdate", SortDescending: true}, 30, "p29@example.com"},
				{"query", sandboxstore.Search{Query: "P1", QueryProperties: []string{"email"}}, 10, "p10@example.com"},
				{"offset", sandboxstore.Search{Offset: 28}, 30, "p28@example.com"},
				{"LIKE wildcards are literal", sandboxstore.Search{Groups: [][]sandboxstore.Filter{{f("jobtitle", "CONTAINS_TOKEN", "%")}}}, 0, ""},
			}
			for _, tc := range cases {
				tc.q.Type = "deals"
				if tc.q.Limit == 0 {
					tc.q.Limit = 5
				}
				res, total, err := s.SearchObjects(ctx, tc.q)
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				if total != tc.total {
					t.Errorf("%s: total: want %d, got %d", tc.name, tc.total, total)
				}
				first := ""
				if len(res) > 0 {
					first = res[0].Properties["email"]
				}
				if first != tc.firstN {
					t.Errorf("%s: first result: want %q, got %q", tc.name, tc.firstN, first)
				}
			}
			if _, _, err := s.SearchObjects(ctx, sandboxstore.Search{Type: "deals", Groups: [][]sandboxstore.Filter{{f("x", "LIKE", "y")}}, Limit: 1}); err == nil {
				t.Errorf("unknown operator: want an error")
			}
		})
	}
}
