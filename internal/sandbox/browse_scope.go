package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// QueryError is a browse query the sandbox cannot run: an unknown property or a
// value that does not fit it. Its message is fit to show beside the search field.
type QueryError struct{ Message string }

func (e *QueryError) Error() string { return "sandbox: " + e.Message }

// SimulationRecords is Records limited to the records one simulation created
// (simcrm_simulation_id equals simulationID; "" means every record), so that a
// player browses only their own; q's property filter and text query apply within
// them. A query the sandbox cannot run is a *QueryError.
func (s *Server) SimulationRecords(ctx context.Context, simulationID string, q RecordQuery) (RecordPage, error) {
	t, ok := parseType(q.Type)
	if !ok {
		return RecordPage{}, ErrUnknownType
	}
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, maxSearchLimit)
	sc, err := s.schema(ctx, t)
	if err != nil {
		return RecordPage{}, err
	}
	var filters []searchFilter
	if simulationID != "" {
		filters = append(filters, searchFilter{PropertyName: hubspot.SimulationIDProperty, Operator: sandboxstore.EQ, Value: flexString(simulationID)})
	}
	if p := strings.TrimSpace(q.Property); p != "" {
		filters = append(filters, searchFilter{PropertyName: p, Operator: sandboxstore.EQ, Value: flexString(q.Value)})
	}
	req := searchRequest{Limit: &q.Limit, After: flexString(fmt.Sprint(max(q.Offset, 0))), Query: q.Query,
		Sorts: []searchSort{{PropertyName: "hs_object_id", Direction: "DESCENDING"}}}
	if len(filters) > 0 {
		req.FilterGroups = append(req.FilterGroups, struct {
			Filters []searchFilter `json:"filters"`
		}{Filters: filters})
	}
	sq, err := buildSearch(sc, req)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return RecordPage{}, &QueryError{Message: ae.Message}
		}
		return RecordPage{}, err
	}
	objs, total, err := s.store.SearchObjects(ctx, sq)
	if err != nil {
		return RecordPage{}, err
	}
	page := RecordPage{Total: total}
	for _, o := range objs {
		page.Records = append(page.Records, recordOf(t, o))
	}
	if next := sq.Offset + len(objs); next < total && len(objs) > 0 {
		page.NextOffset = next
	}
	return page, nil
}

// SimulationCounts returns how many live records of each type one simulation created.
func (s *Server) SimulationCounts(ctx context.Context, simulationID string) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range objectTypes {
		page, err := s.SimulationRecords(ctx, simulationID, RecordQuery{Type: string(t), Limit: 1})
		if err != nil {
			return nil, err
		}
		if page.Total > 0 {
			out[string(t)] = page.Total
		}
	}
	return out, nil
}
