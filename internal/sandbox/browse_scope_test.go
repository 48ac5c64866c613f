package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

// A player browses only the records of their own simulation: the simulation filter
// holds together with a property filter and a text query.
func TestSimulationRecordsAndCounts(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		ctx := context.Background()
		var in []hubspot.ObjectInput
		for i := range 12 {
			sim := "7"
			if i%3 == 0 {
				sim = "8"
			}
			stage := "lead"
			if i%2 == 0 {
				stage = "customer"
			}
			in = append(in, hubspot.ObjectInput{Properties: props("email", fmt.Sprintf("s%02d@example.com", i),
				"lifecyclestage", stage, "simcrm_simulation_id", sim)})
		}
		if _, err := e.client.BatchCreate(ctx, hubspot.Contacts, in); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CreateObject(ctx, hubspot.Companies, hubspot.ObjectInput{Properties: props("name", "Acme", "simcrm_simulation_id", "7")}); err != nil {
			t.Fatal(err)
		}

		page, err := e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "contacts"})
		if err != nil || page.Total != 8 {
			t.Fatalf("simulation 7 contacts: want 8, got %d (%v)", page.Total, err)
		}
		for _, r := range page.Records {
			if r.Properties["simcrm_simulation_id"] != "7" {
				t.Errorf("record %d belongs to simulation %q, want 7", r.ID, r.Properties["simcrm_simulation_id"])
			}
		}
		page, _ = e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "contacts", Property: "lifecyclestage", Value: "customer"})
		if page.Total != 4 {
			t.Errorf("simulation 7 customers: want 4, got %d", page.Total)
		}
		page, _ = e.sb.SimulationRecords(ctx, "8", sandbox.RecordQuery{Type: "contacts", Query: "s09"})
		if page.Total != 1 {
			t.Errorf("simulation 8, text s09: want 1, got %d", page.Total)
		}
		page, _ = e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "contacts", Query: "s09"})
		if page.Total != 0 {
			t.Errorf("simulation 7, text s09 (a record of simulation 8): want 0, got %d", page.Total)
		}
		page, _ = e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "contacts", Limit: 5})
		if len(page.Records) != 5 || page.NextOffset != 5 {
			t.Errorf("paging: want 5 records and next offset 5, got %d, %d", len(page.Records), page.NextOffset)
		}
		if _, err := e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "widgets"}); err != sandbox.ErrUnknownType {
			t.Errorf("unknown type: want ErrUnknownType, got %v", err)
		}

		page, _ = e.sb.SimulationRecords(ctx, "", sandbox.RecordQuery{Type: "contacts"})
		if page.Total != 12 {
			t.Errorf("no simulation: want every contact (12), got %d", page.Total)
		}
		var qe *sandbox.QueryError
		if _, err := e.sb.SimulationRecords(ctx, "7", sandbox.RecordQuery{Type: "contacts", Property: "no_such_property", Value: "x"}); !errors.As(err, &qe) || qe.Message == "" {
			t.Errorf("unknown property: want a *QueryError with a message, got %v", err)
		}

		counts, err := e.sb.SimulationCounts(ctx, "7")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"contacts": 8, "companies": 1}; fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("counts of simulation 7: want %v, got %v", want, counts)
		}
	})
}
