package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

func TestDLQReplayCandidates(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			sim := dlqSim(t, s, "A")
			var rows []storage.DLQEntry
			// 10 auth, 3 server, 6 validation, interleaved by id.
			for i, cat := range strings.Split("auth auth server auth validation auth auth validation server auth validation auth validation auth server auth validation validation auth", " ") {
				rows = append(rows, storage.DLQEntry{SimulationID: sim, JobType: "x", ObjectType: "contact", Category: cat,
					RecordKey: fmt.Sprintf("k%d", i), Payload: "{}", Error: "e", Attempts: 1})
			}
			rows = seedDLQ(t, s, rows)
			byCat := func(cat string) []int64 {
				var out []int64
				for _, e := range rows {
					if e.Category == cat {
						out = append(out, e.ID)
					}
				}
				return out
			}
			auth, server, validation := byCat("auth"), byCat("server"), byCat("validation")

			c, err := s.DLQReplayCandidates(ctx, storage.DLQFilter{SimulationID: sim}, storage.DLQOldestFirst, 3)
			if err != nil {
				t.Fatal(err)
			}
			if c.Count != 19 || c.ByCategory["auth"] != 10 || c.ByCategory["server"] != 3 || c.ByCategory["validation"] != 6 {
				t.Errorf("candidates: got %d %v", c.Count, c.ByCategory)
			}
			want := map[string][]int64{"auth": auth[:3], "server": server[:3], "validation": validation[:3]}
			if fmt.Sprint(c.IDs) != fmt.Sprint(want) {
				t.Errorf("oldest first, 3 per category:\nwant %v\ngot  %v", want, c.IDs)
			}

			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{SimulationID: sim}, storage.DLQNewestFirst, 2)
			want = map[string][]int64{"auth": {auth[9], auth[8]}, "server": {server[2], server[1]}, "validation": {validation[5], validation[4]}}
			if fmt.Sprint(c.IDs) != fmt.Sprint(want) {
				t.Errorf("newest first, 2 per category:\nwant %v\ngot  %v", want, c.IDs)
			}

			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.DLQRandomOrder, 4)
			if len(c.IDs) != 1 || len(c.IDs["auth"]) != 4 || c.Count != 10 {
				t.Fatalf("random: want 4 of 10 auth rows, got %v of %d", c.IDs, c.Count)
			}
			seen := map[int64]bool{}
			for _, id := range c.IDs["auth"] {
				if !slices.Contains(auth, id) || seen[id] {
					t.Errorf("random: row %d repeated or outside the filter", id)
				}
				seen[id] = true
			}
			// Random differs between calls (20 draws of 4 from 10 all equal: ~1e-46).
			differs := false
			for i := 0; i < 20 && !differs; i++ {
				again, _ := s.DLQReplayCandidates(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.DLQRandomOrder, 4)
				differs = fmt.Sprint(again.IDs) != fmt.Sprint(c.IDs)
			}
			if !differs {
				t.Errorf("random order returned the same rows 20 times")
			}

			// Only open rows are candidates; a replayed row is not.
			u, _ := s.UserByEmail(ctx, "dlq@example.com")
			a := storage.ReplayAudit{UserID: u.ID}
			if err := s.BeginReplayAudit(ctx, &a, time.Minute, 100); err != nil {
				t.Fatal(err)
			}
			claimed, err := s.ClaimDLQForReplay(ctx, a.ID, []storage.DLQReplay{{DLQID: auth[0], TaskID: "t", Queue: "q"}})
			if err != nil || len(claimed) != 1 {
				t.Fatalf("claim: %v %v", claimed, err)
			}
			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.DLQOldestFirst, 1)
			if c.Count != 9 || fmt.Sprint(c.IDs["auth"]) != fmt.Sprint(auth[1:2]) {
				t.Errorf("after one replayed: want 9 candidates starting at %d, got %d starting at %v", auth[1], c.Count, c.IDs["auth"])
			}
			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{SimulationID: sim}, storage.DLQOldestFirst, 0)
			if len(c.IDs) != 0 || c.Count != 18 {
				t.Errorf("no ids asked for: want none listed and 18 counted, got %v / %d", c.IDs, c.Count)
			}
			// Rows of an aborted simulation are counted apart and never listed.
			gone := dlqSim(t, s, "Aborted")
			seedDLQ(t, s, dlqRows([]int64{gone}, 4, time.Now()))
			if _, err := s.TransitionSimulation(ctx, gone, []string{storage.StatusQueued}, storage.StatusAborted, "test"); err != nil {
				t.Fatal(err)
			}
			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{}, storage.DLQNewestFirst, 50)
			listed := 0
			for _, ids := range c.IDs {
				listed += len(ids)
			}
			entries, err := s.DLQEntriesByID(ctx, append(c.IDs["server"], c.IDs["auth"]...))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.SimulationID == gone {
					t.Fatalf("row %d of an aborted simulation listed", e.ID)
				}
			}
			if c.Aborted != 4 || c.Count != 18 || listed != 18 {
				t.Errorf("aborted simulation: want 4 rows left out and 18 candidates, got %d and %d (%d listed)", c.Aborted, c.Count, listed)
			}
			// …except its clean-up's: an aborted run can be cleaned up, and what
			// its clean-up could not archive is replayed like any other work.
			cleanup := dlqRows([]int64{gone}, 2, time.Now())
			for i := range cleanup {
				cleanup[i].JobType, cleanup[i].Category = storage.JobTypeCleanup, "auth"
			}
			cleanup = seedDLQ(t, s, cleanup)
			c, _ = s.DLQReplayCandidates(ctx, storage.DLQFilter{SimulationID: gone}, storage.DLQOldestFirst, 50)
			if c.Aborted != 4 || c.Count != 2 || fmt.Sprint(c.IDs["auth"]) != fmt.Sprint([]int64{cleanup[0].ID, cleanup[1].ID}) {
				t.Errorf("an aborted simulation's clean-up rows: want both listed and its 4 work rows left out, got %d listed (%v), %d left out",
					c.Count, c.IDs, c.Aborted)
			}
		})
	}
}

func TestDLQEntriesByIDKeepsTheOrderAsked(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			rows := seedDLQ(t, s, dlqRows([]int64{dlqSim(t, s, "A")}, 5, time.Now()))
			ids := []int64{rows[3].ID, rows[0].ID, 987654321, rows[4].ID}
			got, err := s.DLQEntriesByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, e := range got {
				gotIDs = append(gotIDs, e.ID)
				if e.Payload == "" {
					t.Errorf("row %d: want its payload", e.ID)
				}
			}
			if want := []int64{rows[3].ID, rows[0].ID, rows[4].ID}; fmt.Sprint(gotIDs) != fmt.Sprint(want) {
				t.Errorf("want %v, got %v", want, gotIDs)
			}
		})
	}
}

func TestClaimForReplayIsExclusiveAndFailureReopens(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			sim := dlqSim(t, s, "A")
			rows := seedDLQ(t, s, dlqRows([]int64{sim}, 20, time.Now()))
			u, _ := s.UserByEmail(ctx, "dlq@example.com")
			var planned []storage.DLQReplay
			for _, r := range rows {
				planned = append(planned, storage.DLQReplay{DLQID: r.ID, TaskID: fmt.Sprintf("t%d", r.ID), Queue: "q"})
			}
			// Two bosses claim the same rows at once: every row goes to exactly one.
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				counts = map[int64]int{}
				audits [2]int64
			)
			for i := 0; i < 2; i++ {
				a := storage.ReplayAudit{UserID: u.ID}
				if err := s.BeginReplayAudit(ctx, &a, time.Minute, 100); err != nil {
					t.Fatal(err)
				}
				audits[i] = a.ID
				wg.Add(1)
				go func(auditID int64) {
					defer wg.Done()
					got, err := s.ClaimDLQForReplay(ctx, auditID, planned)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, r := range got {
						counts[r.DLQID]++
						if r.ID == 0 || r.AuditID != auditID {
							t.Errorf("claimed replay without id or with the wrong audit: %+v", r)
						}
					}
					mu.Unlock()
				}(a.ID)
			}
			wg.Wait()
			if len(counts) != len(rows) {
				t.Fatalf("claimed rows: want %d, got %d", len(rows), len(counts))
			}
			for id, n := range counts {
				if n != 1 {
					t.Errorf("row %d claimed %d times", id, n)
				}
			}
			e, _ := s.DLQEntry(ctx, rows[0].ID)
			if e.Status != storage.DLQReplayed || e.ReplayCount != 1 || e.ReplayedAt == nil || e.ReplayAuditID == nil {
				t.Fatalf("claimed row: got %+v", e)
			}
			reps, err := s.DLQReplays(ctx, rows[0].ID)
			if err != nil || len(reps) != 1 {
				t.Fatalf("replays: got %+v, %v", reps, err)
			}
			if err := s.FailDLQReplay(ctx, reps[0], "redis: connection refused"); err != nil {
				t.Fatal(err)
			}
			e, _ = s.DLQEntry(ctx, rows[0].ID)
			reps, _ = s.DLQReplays(ctx, rows[0].ID)
			if e.Status != storage.DLQOpen || e.ReplayCount != 0 || reps[0].Error != "redis: connection refused" {
				t.Fatalf("after a failed enqueue: want the row open with the error recorded, got %+v / %+v", e, reps[0])
			}
		})
	}
}
