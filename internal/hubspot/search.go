package hubspot

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
)

// Operator is a search filter operator.
type Operator string

// Search filter operators.
const (
	OpEQ               Operator = "EQ"
	OpNEQ              Operator = "NEQ"
	OpLT               Operator = "LT"
	OpLTE              Operator = "LTE"
	OpGT               Operator = "GT"
	OpGTE              Operator = "GTE"
	OpBetween          Operator = "BETWEEN" // Value and HighValue
	OpIn               Operator = "IN"      // Values
	OpNotIn            Operator = "NOT_IN"  // Values
	OpHasProperty      Operator = "HAS_PROPERTY"
	OpNotHasProperty   Operator = "NOT_HAS_PROPERTY"
	OpContainsToken    Operator = "CONTAINS_TOKEN"
	OpNotContainsToken Operator = "NOT_CONTAINS_TOKEN"
)

// Filter is one search condition.
type Filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     Operator `json:"operator"`
	Value        string   `json:"value,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// FilterGroup holds filters that must all match (AND); groups are ORed.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Sort orders search results. HubSpot's spec types sorts as strings, but the API
// sorts only by {"propertyName","direction"} objects, which is what is sent.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"` // ASCENDING or DESCENDING
}

// Sort directions.
const (
	Ascending  = "ASCENDING"
	Descending = "DESCENDING"
)

// SearchRequest is a CRM search (the spec's PublicObjectSearchRequest).
type SearchRequest struct {
	FilterGroups []FilterGroup
	Sorts        []Sort
	Query        string
	Properties   []string
	Limit        int    // page size, at most 200; 0 means 100
	After        string // cursor from the previous page; "" for the first
}

// searchBody is the wire form: the spec requires every field but query.
type searchBody struct {
	FilterGroups []FilterGroup `json:"filterGroups"`
	Sorts        []Sort        `json:"sorts"`
	Query        string        `json:"query,omitempty"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after"`
}

// SearchPage is one page of search results.
type SearchPage struct {
	Total   int      `json:"total"`
	Results []Object `json:"results"`
	Paging  *Paging  `json:"paging,omitempty"`
}

// After returns the cursor of the next page, "" on the last page.
func (p *SearchPage) After() string { return p.Paging.after() }

// Search runs one page of a search (POST /crm/v3/objects/{type}/search). HubSpot
// allows about 5 search requests per second per account and sends no rate-limit
// headers for them; one query pages through at most 10,000 results.
func (c *Client) Search(ctx context.Context, t ObjectType, req SearchRequest) (*SearchPage, error) {
	limit := req.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > MaxSearchLimit:
		return nil, fmt.Errorf("hubspot: search limit %d outside 1–%d", limit, MaxSearchLimit)
	}
	body := searchBody{
		FilterGroups: orEmpty(req.FilterGroups),
		Sorts:        orEmpty(req.Sorts),
		Query:        req.Query,
		Properties:   orEmpty(req.Properties),
		Limit:        limit,
		After:        req.After,
	}
	if body.After == "" {
		body.After = "0"
	}
	for i, g := range body.FilterGroups {
		if g.Filters == nil { // the spec requires filters: copy rather than touch the caller's slice
			body.FilterGroups = slices.Clone(body.FilterGroups)
			for j := i; j < len(body.FilterGroups); j++ {
				body.FilterGroups[j].Filters = orEmpty(body.FilterGroups[j].Filters)
			}
			break
		}
	}
	var out SearchPage
	if _, err := c.doJSON(ctx, http.MethodPost, objectsPath(t)+"/search", "", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SearchAll pages through every result of a search, starting at req.After. It
// stops at the first error, which it yields with a zero Object. HubSpot refuses to
// page past 10,000 results (a 400): to go further, sort by hs_object_id and filter
// on hs_object_id GT the last id seen.
func (c *Client) SearchAll(ctx context.Context, t ObjectType, req SearchRequest) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		for {
			page, err := c.Search(ctx, t, req)
			if err != nil {
				yield(Object{}, err)
				return
			}
			for _, o := range page.Results {
				if !yield(o, nil) {
					return
				}
			}
			next := page.After()
			if next == "" || next == req.After || len(page.Results) == 0 {
				return
			}
			req.After = next
		}
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
