package hubspot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// pagedSearch answers searches over total records, limit per page, with numeric
// offsets as cursors (like HubSpot), failing with failAt's status when the cursor
// reaches it.
func pagedSearch(t *testing.T, total, failAt int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Limit int    `json:"limit"`
			After string `json:"after"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decode: %v", err)
		}
		from, _ := strconv.Atoi(req.After)
		if failAt > 0 && from >= failAt {
			reply(w, 400, `{"status":"error","message":"Cannot page beyond the first 10000 results","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"VALIDATION_ERROR"}`)
			return
		}
		to := min(from+req.Limit, total)
		out := `{"total":` + strconv.Itoa(total) + `,"results":[`
		for i := from; i < to; i++ {
			if i > from {
				out += ","
			}
			out += objectJSON(strconv.Itoa(i), `{}`)
		}
		out += "]"
		if to < total {
			out += `,"paging":{"next":{"after":"` + strconv.Itoa(to) + `","link":"?after=` + strconv.Itoa(to) + `"}}`
		}
		reply(w, 200, out+"}")
	}
}

func searchAfters(t *testing.T, reqs []recorded) []string {
	t.Helper()
	var out []string
	for _, r := range reqs {
		var body struct {
			After string `json:"after"`
		}
		json.Unmarshal(r.Body, &body)
		out = append(out, body.After)
	}
	return out
}

func TestSearchAllPages(t *testing.T) {
	cases := []struct {
		name   string
		total  int
		limit  int
		afters []string
	}{
		{"empty", 0, 100, []string{"0"}},
		{"one page", 30, 100, []string{"0"}},
		{"exact pages", 400, 200, []string{"0", "200"}},
		{"three pages", 450, 200, []string{"0", "200", "400"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t, true, pagedSearch(t, tc.total, 0))
			var ids []string
			for o, err := range fake.client().SearchAll(context.Background(), hubspot.Contacts, hubspot.SearchRequest{Limit: tc.limit}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, o.ID)
			}
			if len(ids) != tc.total {
				t.Fatalf("got %d results, want %d", len(ids), tc.total)
			}
			for i, id := range ids {
				if id != strconv.Itoa(i) {
					t.Fatalf("result %d is %s", i, id)
				}
			}
			if got := searchAfters(t, fake.requests()); !slices.Equal(got, tc.afters) {
				t.Errorf("cursors sent: got %v, want %v", got, tc.afters)
			}
		})
	}
}

func TestSearchAllStopsEarlyAndOnError(t *testing.T) {
	fake := newFake(t, true, pagedSearch(t, 1000, 400))
	c := fake.client()

	n := 0
	for _, err := range c.SearchAll(context.Background(), hubspot.Deals, hubspot.SearchRequest{Limit: 200}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 250 {
			break
		}
	}
	if got := len(fake.requests()); got != 2 {
		t.Errorf("break after 250: %d requests, want 2", got)
	}

	var last error
	n = 0
	for o, err := range c.SearchAll(context.Background(), hubspot.Deals, hubspot.SearchRequest{Limit: 200}) {
		if err != nil {
			last = err
			if o.ID != "" {
				t.Errorf("error yielded with object %+v", o)
			}
			continue
		}
		n++
	}
	if n != 400 || hubspot.Classify(last) != hubspot.CategoryValidation {
		t.Errorf("got %d results then %v; want 400 then a validation error", n, last)
	}
}

func TestSearchLimit(t *testing.T) {
	fake := newFake(t, true, pagedSearch(t, 0, 0))
	for _, limit := range []int{-1, 201} {
		if _, err := fake.client().Search(context.Background(), hubspot.Contacts, hubspot.SearchRequest{Limit: limit}); err == nil {
			t.Errorf("limit %d accepted", limit)
		}
	}
	if got := len(fake.requests()); got != 0 {
		t.Errorf("invalid limits sent %d requests", got)
	}
}
