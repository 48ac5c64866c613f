package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// HubSpot's search limits.
const (
	maxSearchLimit   = 200
	maxSearchResults = 10_000
	maxFilterGroups  = 5
	maxGroupFilters  = 6
	maxFilters       = 18
)

type searchFilter struct {
	PropertyName string       `json:"propertyName"`
	Operator     string       `json:"operator"`
	Value        flexString   `json:"value"`
	HighValue    flexString   `json:"highValue"`
	Values       []flexString `json:"values"`
}

// searchSort is a sort given as {"propertyName","direction"} or, as the spec types
// it, a string ("createdate", "-createdate" for descending).
type searchSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

func (s *searchSort) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		s.Direction = "ASCENDING"
		if rest, ok := strings.CutPrefix(name, "-"); ok {
			name, s.Direction = rest, "DESCENDING"
		}
		s.PropertyName = name
		return nil
	}
	type plain searchSort
	return json.Unmarshal(b, (*plain)(s))
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []searchSort `json:"sorts"`
	Query      string       `json:"query"`
	Properties []string     `json:"properties"`
	Limit      *int         `json:"limit"`
	After      flexString   `json:"after"`
}

var operators = []string{
	sandboxstore.EQ, sandboxstore.NEQ, sandboxstore.LT, sandboxstore.LTE, sandboxstore.GT, sandboxstore.GTE,
	sandboxstore.Between, sandboxstore.In, sandboxstore.NotIn, sandboxstore.HasProperty, sandboxstore.NotHasProperty,
	sandboxstore.ContainsToken, sandboxstore.NotContainsToken,
}

// search answers POST /crm/v3/objects/{objectType}/search: filter groups (OR) of
// filters (AND), one sort, a text query, paging by offset up to 10,000 results.
func (s *Server) search(c *fiber.Ctx) error {
	t, err := pathType(c, "objectType")
	if err != nil {
		return err
	}
	var req searchRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	sc, err := s.schema(ctx, t)
	if err != nil {
		return err
	}
	q, err := buildSearch(sc, req)
	if err != nil {
		return err
	}
	objs, total, err := s.store.SearchObjects(ctx, q)
	if err != nil {
		return err
	}
	sel := selection(req.Properties, nil)
	results := make([]objectJSON, len(objs))
	for i, o := range objs {
		results[i] = render(t, o, sel)
	}
	resp := fiber.Map{"total": total, "results": results}
	if next := q.Offset + len(objs); next < total && next < maxSearchResults && len(objs) > 0 {
		resp["paging"] = fiber.Map{"next": fiber.Map{"after": strconv.Itoa(next)}}
	}
	return c.JSON(resp)
}

// buildSearch checks a search request against the type's properties and turns it
// into a storage search.
func buildSearch(sc schema, req searchRequest) (sandboxstore.Search, error) {
	q := sandboxstore.Search{Type: string(sc.t), Limit: 10, Unique: sc.unique()}
	if req.Limit != nil {
		q.Limit = *req.Limit
	}
	if q.Limit < 1 || q.Limit > maxSearchLimit {
		return q, validationError("limit must be between 1 and %d, got %d", maxSearchLimit, q.Limit)
	}
	if req.After != "" {
		n, err := strconv.Atoi(string(req.After))
		if err != nil || n < 0 {
			return q, validationError("after must be a paging cursor from a previous page, got %q", string(req.After))
		}
		q.Offset = n
	}
	if q.Offset+q.Limit > maxSearchResults {
		return q, validationError("Search can page through at most %d results: after %d with limit %d goes beyond", maxSearchResults, q.Offset, q.Limit)
	}
	if len(req.FilterGroups) > maxFilterGroups {
		return q, validationError("A search takes at most %d filterGroups, got %d", maxFilterGroups, len(req.FilterGroups))
	}
	count := 0
	for _, g := range req.FilterGroups {
		if len(g.Filters) > maxGroupFilters {
			return q, validationError("A filterGroup takes at most %d filters, got %d", maxGroupFilters, len(g.Filters))
		}
		count += len(g.Filters)
		var group []sandboxstore.Filter
		for _, f := range g.Filters {
			sf, err := searchCondition(sc, f)
			if err != nil {
				return q, err
			}
			group = append(group, sf)
		}
		q.Groups = append(q.Groups, group)
	}
	if count > maxFilters {
		return q, validationError("A search takes at most %d filters in all, got %d", maxFilters, count)
	}
	if len(req.Sorts) > 0 {
		so := req.Sorts[0]
		p := sc.property(so.PropertyName)
		if p == nil {
			return q, validationError("Cannot sort by %s: the property does not exist", so.PropertyName)
		}
		q.SortProperty = so.PropertyName
		q.SortDescending = strings.EqualFold(so.Direction, "DESCENDING")
		q.SortNumeric = p.numeric()
	}
	if strings.TrimSpace(req.Query) != "" {
		q.Query = strings.TrimSpace(req.Query)
		q.QueryProperties = freeTextProperties[sc.t]
	}
	return q, nil
}

// searchCondition checks one filter and converts its values: numbers compare as
// numbers; datetimes (ms or ISO 8601) as the ISO text the sandbox stores; system
// properties (ids and dates) numerically in their columns.
func searchCondition(sc schema, f searchFilter) (sandboxstore.Filter, error) {
	op := strings.ToUpper(f.Operator)
	if !slices.Contains(operators, op) {
		return sandboxstore.Filter{}, validationError("Unknown filter operator %q", f.Operator)
	}
	p := sc.property(f.PropertyName)
	if p == nil {
		return sandboxstore.Filter{}, validationError("Cannot filter on %s: the property does not exist", f.PropertyName)
	}
	out := sandboxstore.Filter{Property: f.PropertyName, Operator: op}
	switch op {
	case sandboxstore.HasProperty, sandboxstore.NotHasProperty:
		return out, nil
	case sandboxstore.In, sandboxstore.NotIn:
		if len(f.Values) == 0 {
			return out, validationError("%s on %s needs values", op, f.PropertyName)
		}
	case sandboxstore.Between:
		if f.Value == "" || f.HighValue == "" {
			return out, validationError("BETWEEN on %s needs value and highValue", f.PropertyName)
		}
	default:
		if f.Value == "" && op != sandboxstore.EQ && op != sandboxstore.NEQ {
			return out, validationError("%s on %s needs a value", op, f.PropertyName)
		}
	}
	values := []string{string(f.Value), string(f.HighValue)}
	for _, v := range f.Values {
		values = append(values, string(v))
	}
	conv := func(v string) (string, float64, error) { return v, 0, nil }
	numeric := false
	switch {
	case sandboxstore.ColumnProperty(f.PropertyName):
		numeric = true
		conv = func(v string) (string, float64, error) {
			if p.Type == typeDatetime {
				t, err := parseDatetime(v)
				return v, float64(t.UnixMilli()), err
			}
			n, err := strconv.ParseFloat(v, 64)
			return v, n, err
		}
	case p.Type == typeNumber:
		numeric = true
		conv = func(v string) (string, float64, error) {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return v, n, err
		}
	case p.Type == typeDatetime:
		conv = func(v string) (string, float64, error) {
			t, err := parseDatetime(v)
			return isoTime(t), 0, err
		}
	case p.Type == typeDate:
		conv = func(v string) (string, float64, error) {
			t, err := parseDatetime(v)
			return t.Format(time.DateOnly), 0, err
		}
	case sc.t == hubspot.Contacts && p.Name == "email":
		conv = func(v string) (string, float64, error) { return strings.ToLower(strings.TrimSpace(v)), 0, nil }
	}
	if numeric && (op == sandboxstore.ContainsToken || op == sandboxstore.NotContainsToken) {
		return out, validationError("%s does not apply to %s, which is not text", op, f.PropertyName)
	}
	out.Numeric = numeric
	for i, v := range values {
		if v == "" {
			continue
		}
		text, n, err := conv(v)
		if err != nil {
			return out, validationError("%q is not a valid value for %s (%s)", v, f.PropertyName, p.Type)
		}
		switch {
		case i == 0:
			out.Value, out.Num = text, n
		case i == 1:
			out.HighValue, out.HighNum = text, n
		default:
			out.Values, out.Nums = append(out.Values, text), append(out.Nums, n)
		}
	}
	if op == sandboxstore.ContainsToken || op == sandboxstore.NotContainsToken {
		out.Value = string(f.Value) // a token, not a value to normalise
	}
	if (op == sandboxstore.EQ || op == sandboxstore.NEQ) && f.Value == "" && !numeric {
		// EQ "" matches records without the property, as a missing value is empty.
		if op == sandboxstore.EQ {
			out.Operator = sandboxstore.NotHasProperty
		} else {
			out.Operator = sandboxstore.HasProperty
		}
	}
	return out, nil
}
