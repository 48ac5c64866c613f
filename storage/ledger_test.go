package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

// A key is created or skipped, never both: a skip of a created key is refused, a
// created key's skip is deleted and reported, and concurrent writers of both
// kinds leave no overlap.
func TestLedgerAndSkipsExclusive(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, "x@example.com", "h", storage.RolePlayer)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			sm := &storage.Simulation{UserID: u.ID, Name: "X", Scenario: "b2b", Distribution: "linear", StartAt: start,
				EndAt: start.Add(time.Hour), TimeZone: "UTC", TotalRecords: 10, EffectiveTotal: 8, PaceMode: "backfill",
				TargetKind: storage.TargetSandbox, Seed: 1}
			if err := s.CreateSimulation(ctx, sm); err != nil {
				t.Fatal(err)
			}
			id := sm.ID
			entry := func(key string) storage.LedgerEntry {
				return storage.LedgerEntry{SimulationID: id, ObjectType: "note", RecordKey: key, ExternalID: "x-" + key}
			}
			skip := func(key, reason string) storage.Skip {
				return storage.Skip{SimulationID: id, ObjectType: "note", RecordKey: key, Reason: reason}
			}

			// Created first: the skip is refused.
			if _, err := s.AddLedgerEntries(ctx, []storage.LedgerEntry{entry("a")}); err != nil {
				t.Fatal(err)
			}
			added, err := s.AddSkips(ctx, []storage.Skip{skip("a", storage.SkipThinned), skip("b", storage.SkipThinned), skip("c", storage.SkipBlocked)})
			if err != nil || added["note"] != 2 {
				t.Fatalf("skips a (created), b, c: want 2 new, got %v, %v", added, err)
			}
			// Skipped first, created after all: the object exists, so it counts as
			// created and its skip goes.
			got, err := s.AddLedgerEntries(ctx, []storage.LedgerEntry{entry("b"), entry("c"), entry("d")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Created["note"] != 3 || got.Unskipped[storage.SkipThinned]["note"] != 1 || got.Unskipped[storage.SkipBlocked]["note"] != 1 {
				t.Fatalf("ledger b, c, d: want 3 created, 1 thinned and 1 blocked unskipped, got %+v", got)
			}
			if k, err := s.SkippedKeys(ctx, id, []string{"a", "b", "c", "d"}); err != nil || len(k) != 0 {
				t.Fatalf("skipped keys after the ledger: want none, got %v, %v", k, err)
			}

			// Racing writers on the same keys.
			const n = 200
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := w % 2; i < n; i += 2 {
						key := fmt.Sprintf("r%d", i)
						var err error
						if w < 2 {
							_, err = s.AddLedgerEntries(ctx, []storage.LedgerEntry{entry(key)})
						} else {
							_, err = s.AddSkips(ctx, []storage.Skip{skip(key, storage.SkipThinned)})
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				}(w)
			}
			wg.Wait()
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("r%d", i)
			}
			created, err := s.LedgerByKeys(ctx, id, keys)
			if err != nil {
				t.Fatal(err)
			}
			skipped, err := s.SkippedKeys(ctx, id, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(created) != n {
				t.Errorf("racing writers: want all %d keys created, got %d", n, len(created))
			}
			for k := range skipped {
				if _, ok := created[k]; ok {
					t.Errorf("key %s is both created and skipped", k)
				}
			}
		})
	}
}

// The failed objects' categories count each object once, by its latest failure,
// and leave out objects a replay created.
func TestFailedCategoriesCountEachObjectOnce(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			simID := dlqSim(t, s, "C")
			fail := func(key, cat string) {
				e := storage.DLQEntry{SimulationID: simID, JobType: "simulation:records", ObjectType: "contact", RecordKey: key,
					Payload: `{}`, Category: cat, Error: cat, Attempts: 1}
				if err := s.AddDLQEntry(ctx, &e); err != nil {
					t.Fatal(err)
				}
			}
			fail("a", "server")
			fail("a", "timeout") // a's latest failure
			fail("b", "server")
			fail("c", "auth") // created later by a replay
			if _, err := s.AddLedgerEntries(ctx, []storage.LedgerEntry{{SimulationID: simID, ObjectType: "contact", RecordKey: "c", ExternalID: "9"}}); err != nil {
				t.Fatal(err)
			}
			got, err := s.FailedCategories(ctx, simID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["server"] != 1 || got["timeout"] != 1 {
				t.Errorf("want server 1, timeout 1; got %v", got)
			}
			failed, _ := s.FailedCounts(ctx, simID)
			if failed["contact"] != got["server"]+got["timeout"] {
				t.Errorf("categories add up to %d, failed objects are %d", got["server"]+got["timeout"], failed["contact"])
			}
		})
	}
}
