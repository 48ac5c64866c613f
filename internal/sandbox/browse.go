package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// Errors of the browsing API.
var (
	ErrUnknownType = errors.New("sandbox: unknown object type")
	ErrNotFound    = fmt.Errorf("sandbox: %w", sandboxstore.ErrNotFound)
)

// Record is one sandbox record for the browser: every property, system ones
// (hs_object_id, createdate, lastmodifieddate) included.
type Record struct {
	ID         int64
	Type       string
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool
}

// SortedProperties returns the record's property names in alphabetical order.
func (r Record) SortedProperties() []string {
	names := make([]string, 0, len(r.Properties))
	for n := range r.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Association is one record associated with another, as the browser shows it.
type Association struct {
	Type   string // the other record's type
	ID     int64
	TypeID int
	Label  string // "contact_to_company", "contact_to_company_unlabeled", …
}

// RecordQuery selects records to browse: one type, optionally the records whose
// property equals a value (Property "simcrm_simulation_id" is indexed), or whose
// text properties contain Query; a page by offset.
type RecordQuery struct {
	Type     string
	Property string
	Value    string
	Query    string
	Offset   int
	Limit    int // 1–200; 0 means 25
}

// RecordPage is one page of records and the number of matches.
type RecordPage struct {
	Records    []Record
	Total      int
	NextOffset int // 0 when this is the last page
}

func recordOf(t hubspot.ObjectType, o sandboxstore.Object) Record {
	props := systemValues(t, o)
	for k, v := range o.Properties {
		props[k] = v
	}
	return Record{ID: o.ID, Type: string(t), Properties: props, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Archived: o.Archived}
}

// Records lists live records of a type, newest first (SimulationRecords of every
// simulation). A query the sandbox cannot run is a *QueryError.
func (s *Server) Records(ctx context.Context, q RecordQuery) (RecordPage, error) {
	return s.SimulationRecords(ctx, "", q)
}

// Record returns one record (archived ones too) with its associations.
func (s *Server) Record(ctx context.Context, typ string, id int64) (Record, []Association, error) {
	t, ok := parseType(typ)
	if !ok {
		return Record{}, nil, ErrUnknownType
	}
	o, err := s.store.Object(ctx, string(t), id, false)
	if errors.Is(err, sandboxstore.ErrNotFound) {
		o, err = s.store.Object(ctx, string(t), id, true)
	}
	if errors.Is(err, sandboxstore.ErrNotFound) {
		return Record{}, nil, ErrNotFound
	}
	if err != nil {
		return Record{}, nil, err
	}
	rows, err := s.store.AssociationsFrom(ctx, []int64{id}, "")
	if err != nil {
		return Record{}, nil, err
	}
	var assocs []Association
	for _, r := range rows[id] {
		to := hubspot.ObjectType(r.ToType)
		assocs = append(assocs, Association{Type: r.ToType, ID: r.ToID, TypeID: r.TypeID, Label: associationName(t, to, r.TypeID)})
	}
	return recordOf(t, o), assocs, nil
}
