package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

// dlqSim creates a user (once per store) and a simulation for DLQ rows.
func dlqSim(t testing.TB, s *storage.Store, name string) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByEmail(ctx, "dlq@example.com")
	if errors.Is(err, storage.ErrNotFound) {
		u, err = s.CreateUser(ctx, "dlq@example.com", "h", storage.RoleBoss)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	sim := &storage.Simulation{UserID: u.ID, Name: name, Scenario: "b2b", Distribution: "linear",
		StartAt: start, EndAt: start.Add(48 * time.Hour), TimeZone: "UTC", TotalRecords: 1000, EffectiveTotal: 800,
		PaceMode: "backfill", PaceFactor: 1, TargetKind: storage.TargetSandbox, Seed: 1}
	if err := s.CreateSimulation(ctx, sim); err != nil {
		t.Fatal(err)
	}
	return sim.ID
}

var (
	testCategories = []string{"rate_limit", "auth", "validation", "server"}
	testObjects    = []string{"contact", "company", "note", "call"}
)

// dlqRows builds n rows spread over the simulations, categories, object types and
// errors, one an hour over the n hours before base (the newest last).
func dlqRows(sims []int64, n int, base time.Time) []storage.DLQEntry {
	out := make([]storage.DLQEntry, n)
	for i := range out {
		at := base.Add(-time.Duration(n-i) * time.Hour)
		out[i] = storage.DLQEntry{
			SimulationID: sims[i%len(sims)], JobType: "sim:create_" + testObjects[i%len(testObjects)],
			ObjectType: testObjects[i%len(testObjects)], RecordIndex: i, RecordKey: fmt.Sprintf("r%d", i),
			TaskID: fmt.Sprintf("task-%d", i), Payload: fmt.Sprintf(`{"index":%d}`, i),
			Category: testCategories[(i/3)%len(testCategories)], Attempts: 1 + i%3,
			Error:         []string{"HTTP 500 Internal_Server Error", "401 token EXPIRED", "property email 100% invalid", "timeout"}[i%4],
			FirstFailedAt: at.Add(-time.Minute), LastFailedAt: at,
		}
	}
	return out
}

// seedDLQ stores rows one by one so their ids follow the slice order.
func seedDLQ(t *testing.T, s *storage.Store, rows []storage.DLQEntry) []storage.DLQEntry {
	t.Helper()
	for i := range rows {
		if err := s.AddDLQEntry(context.Background(), &rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// matches is the reference the SQL filter is checked against.
func matches(f storage.DLQFilter, e storage.DLQEntry) bool {
	status := f.Status
	if status == "" {
		status = storage.DLQOpen
	}
	if status != storage.DLQAnyStatus && e.Status != status {
		return false
	}
	if f.SimulationID != 0 && e.SimulationID != f.SimulationID {
		return false
	}
	if len(f.Categories) > 0 && !contains(f.Categories, e.Category) {
		return false
	}
	if f.ObjectType != "" && e.ObjectType != f.ObjectType {
		return false
	}
	if f.ErrorText != "" && !strings.Contains(strings.ToLower(e.Error), strings.ToLower(f.ErrorText)) {
		return false
	}
	if !f.From.IsZero() && e.LastFailedAt.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !e.LastFailedAt.Before(f.To) {
		return false
	}
	if len(f.IDs) > 0 || len(f.TaskIDs) > 0 {
		in := false
		for _, id := range f.IDs {
			in = in || id == e.ID
		}
		in = in || contains(f.TaskIDs, e.TaskID)
		if !in {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDLQFiltersAndKeysetPaging(t *testing.T) {
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Millisecond)
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			sims := []int64{dlqSim(t, s, "A"), dlqSim(t, s, "B")}
			rows := seedDLQ(t, s, dlqRows(sims, 240, base))
			// Some rows are no longer open.
			var auditID int64
			{
				u, _ := s.UserByEmail(ctx, "dlq@example.com")
				a := storage.ReplayAudit{UserID: u.ID, Action: storage.AuditResolve}
				if err := s.AddAudit(ctx, &a); err != nil {
					t.Fatal(err)
				}
				auditID = a.ID
			}
			n, err := s.CloseDLQEntries(ctx, storage.DLQFilter{IDs: []int64{rows[0].ID, rows[5].ID, rows[7].ID}}, storage.DLQResolved, "fixed", auditID)
			if err != nil || n != 3 {
				t.Fatalf("close: want 3, got %d, %v", n, err)
			}
			for _, i := range []int{0, 5, 7} {
				rows[i].Status = storage.DLQResolved
			}
			filters := []storage.DLQFilter{
				{},
				{Status: storage.DLQAnyStatus},
				{Status: storage.DLQResolved},
				{SimulationID: sims[1]},
				{Categories: []string{"auth", "server"}},
				{SimulationID: sims[0], Categories: []string{"validation"}, ObjectType: "note"},
				{ErrorText: "expired"},
				{ErrorText: "100%"}, // a LIKE wildcard taken literally
				{ErrorText: "t_k"},  // no row has "t_k"; as a LIKE wildcard "_" would match "tok"
				{ErrorText: "internal_server"},
				{From: base.Add(-100 * time.Hour), To: base.Add(-50 * time.Hour)},
				{IDs: []int64{rows[3].ID, rows[4].ID}, TaskIDs: []string{"task-9"}},
				{TaskIDs: []string{"task-10", "nope"}},
			}
			for _, f := range filters {
				var want []int64
				for i := len(rows) - 1; i >= 0; i-- {
					if matches(f, rows[i]) {
						want = append(want, rows[i].ID)
					}
				}
				var got []int64
				before := int64(0)
				for pages := 0; ; pages++ {
					p, err := s.DLQEntries(ctx, f, before, 37)
					if err != nil {
						t.Fatalf("%+v: %v", f, err)
					}
					for _, e := range p.Entries {
						got = append(got, e.ID)
					}
					if p.Next == 0 || pages > 20 {
						break
					}
					before = p.Next
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("filter %+v:\nwant %v\ngot  %v", f, want, got)
				}
				count, err := s.CountDLQ(ctx, f)
				if err != nil || count != int64(len(want)) {
					t.Errorf("count %+v: want %d, got %d, %v", f, len(want), count, err)
				}
			}
		})
	}
}

func TestDLQEntryDetailAndRecent(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			sim := dlqSim(t, s, "A")
			long := strings.Repeat("é", 400) // 800 bytes: list pages cut it, the detail does not
			e := storage.DLQEntry{SimulationID: sim, JobType: "sim:create_contact", ObjectType: "contact", RecordIndex: 7,
				RecordKey: "c7", Payload: `{"a":1}`, Category: "validation", Error: long, Attempts: 1}
			if err := s.AddDLQEntry(ctx, &e); err != nil {
				t.Fatal(err)
			}
			got, err := s.DLQEntry(ctx, e.ID)
			if err != nil || got.Payload != `{"a":1}` || got.Error != long || got.Status != storage.DLQOpen || got.RecordIndex != 7 {
				t.Fatalf("detail: got %+v, %v", got, err)
			}
			p, err := s.DLQEntries(ctx, storage.DLQFilter{}, 0, 10)
			if err != nil || len(p.Entries) != 1 {
				t.Fatalf("list: %+v %v", p, err)
			}
			if p.Entries[0].Payload != "" || len([]rune(p.Entries[0].Error)) != 300 {
				t.Errorf("list row: want no payload and a 300-character error, got %q and %d characters", p.Entries[0].Payload, len([]rune(p.Entries[0].Error)))
			}
			if _, err := s.DLQEntry(ctx, e.ID+1000); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("missing row: want ErrNotFound, got %v", err)
			}
			recent, err := s.DLQRecent(ctx, sim, 5)
			if err != nil || len(recent) != 1 || recent[0].Payload != `{"a":1}` {
				t.Errorf("recent: got %+v, %v", recent, err)
			}
		})
	}
}
