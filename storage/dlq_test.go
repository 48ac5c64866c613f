package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
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

func TestDLQSummaryGroupsWithTrend(t *testing.T) {
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Millisecond)
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := dlqSim(t, s, "Alpha"), dlqSim(t, s, "Beta")
			add := func(sim int64, cat string, ago time.Duration, n int) {
				var rows []storage.DLQEntry
				for i := 0; i < n; i++ {
					rows = append(rows, storage.DLQEntry{SimulationID: sim, JobType: "x", ObjectType: "contact", Category: cat,
						Payload: "{}", Error: "e", Attempts: 1, LastFailedAt: at.Add(-ago)})
				}
				if err := s.AddDLQEntries(ctx, rows); err != nil {
					t.Fatal(err)
				}
			}
			add(a, "auth", time.Hour, 3)
			add(a, "auth", 30*time.Hour, 1)
			add(a, "server", 72*time.Hour, 2)
			add(b, "auth", 2*time.Hour, 4)
			add(b, "validation", 25*time.Hour, 5)
			sum, err := s.DLQSummary(ctx, storage.DLQFilter{}, at)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range sum {
				got = append(got, fmt.Sprintf("%s/%s=%d(%d,%d)", r.SimulationName, r.Category, r.Count, r.Last24h, r.Prev24h))
			}
			want := []string{"Beta/auth=4(4,0)", "Beta/validation=5(0,5)", "Alpha/auth=4(3,1)", "Alpha/server=2(0,0)"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("summary:\nwant %v\ngot  %v", want, got)
			}
			if d := sum[0].LastFailedAt.Sub(at.Add(-2 * time.Hour)); d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("last failure: want %v, got %v", at.Add(-2*time.Hour), sum[0].LastFailedAt)
			}
			sum, err = s.DLQSummary(ctx, storage.DLQFilter{Categories: []string{"auth"}, SimulationID: a}, at)
			if err != nil || len(sum) != 1 || sum[0].Count != 4 {
				t.Fatalf("filtered summary: got %+v, %v", sum, err)
			}
			total, err := s.DLQOpenTotal(ctx)
			if err != nil || total != 15 {
				t.Errorf("open total: want 15, got %d, %v", total, err)
			}
			tallies, _ := s.DLQTallies(ctx, b)
			open, _ := s.DLQCounts(ctx, b)
			if tallies["validation"] != 5 || open["auth"] != 4 {
				t.Errorf("tallies/open counts: got %v / %v", tallies, open)
			}
		})
	}
}

func TestSelectForReplayStrategiesAndFairShare(t *testing.T) {
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
			idsOf := func(sel storage.DLQSelection) []int64 {
				var out []int64
				for _, e := range sel.Entries {
					out = append(out, e.ID)
				}
				return out
			}
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

			sel, err := s.SelectDLQForReplay(ctx, storage.DLQFilter{SimulationID: sim}, storage.ReplayOldest, 7, 0)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Candidates != 19 || sel.CandidatesByCat["auth"] != 10 || sel.CandidatesByCat["server"] != 3 {
				t.Errorf("candidates: got %d %v", sel.Candidates, sel.CandidatesByCat)
			}
			// Fair share: round robin auth, validation, server (category order) → 3 + 2 + 2.
			want := []int64{auth[0], auth[1], auth[2], server[0], server[1], validation[0], validation[1]}
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			if got := idsOf(sel); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("oldest, limit 7:\nwant %v\ngot  %v", want, got)
			}
			if sel.SelectedByCat["auth"] != 3 || sel.SelectedByCat["server"] != 2 || sel.SelectedByCat["validation"] != 2 {
				t.Errorf("selected by category: got %v", sel.SelectedByCat)
			}
			if sel.Entries[0].Payload != "{}" {
				t.Errorf("selected rows carry their payloads")
			}

			sel, _ = s.SelectDLQForReplay(ctx, storage.DLQFilter{SimulationID: sim}, storage.ReplayNewest, 50, 2)
			want = []int64{auth[9], auth[8], server[2], server[1], validation[5], validation[4]}
			sort.Slice(want, func(i, j int) bool { return want[i] > want[j] })
			if got := idsOf(sel); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("newest, max 2 per category:\nwant %v\ngot  %v", want, got)
			}

			sel, _ = s.SelectDLQForReplay(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.ReplayRandom, 4, 0)
			if len(sel.Entries) != 4 || sel.Candidates != 10 {
				t.Fatalf("random: want 4 of 10, got %d of %d", len(sel.Entries), sel.Candidates)
			}
			seen := map[int64]bool{}
			for _, e := range sel.Entries {
				if e.Category != "auth" || seen[e.ID] {
					t.Errorf("random: row %d (%s) repeated or outside the filter", e.ID, e.Category)
				}
				seen[e.ID] = true
			}
			// Random differs between calls (20 draws of 4 from 10 all equal: ~1e-46).
			differs := false
			for i := 0; i < 20 && !differs; i++ {
				again, _ := s.SelectDLQForReplay(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.ReplayRandom, 4, 0)
				differs = fmt.Sprint(idsOf(again)) != fmt.Sprint(idsOf(sel))
			}
			if !differs {
				t.Errorf("random strategy returned the same rows 20 times")
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
			sel, _ = s.SelectDLQForReplay(ctx, storage.DLQFilter{Categories: []string{"auth"}}, storage.ReplayOldest, 1, 0)
			if sel.Candidates != 9 || sel.Entries[0].ID != auth[1] {
				t.Errorf("after one replayed: want 9 candidates starting at %d, got %d starting at %d", auth[1], sel.Candidates, sel.Entries[0].ID)
			}
			sel, _ = s.SelectDLQForReplay(ctx, storage.DLQFilter{SimulationID: sim}, storage.ReplayOldest, 0, 0)
			if len(sel.Entries) != 0 || sel.Candidates != 18 {
				t.Errorf("limit 0 selects nothing but counts candidates: got %d / %d", len(sel.Entries), sel.Candidates)
			}
			// Rows of an aborted simulation are counted apart and never selected.
			gone := dlqSim(t, s, "Aborted")
			seedDLQ(t, s, dlqRows([]int64{gone}, 4, time.Now()))
			if _, err := s.TransitionSimulation(ctx, gone, []string{storage.StatusQueued}, storage.StatusAborted, "test"); err != nil {
				t.Fatal(err)
			}
			sel, _ = s.SelectDLQForReplay(ctx, storage.DLQFilter{}, storage.ReplayNewest, 50, 0)
			for _, e := range sel.Entries {
				if e.SimulationID == gone {
					t.Fatalf("row %d of an aborted simulation selected", e.ID)
				}
			}
			if sel.Aborted != 4 || sel.Candidates != 18 || len(sel.Entries) != 18 {
				t.Errorf("aborted simulation: want 4 rows left out and 18 candidates, got %d and %d (%d selected)", sel.Aborted, sel.Candidates, len(sel.Entries))
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

func TestReplayLimitCountsCallsInTheDatabase(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			boss, err := s.CreateUser(ctx, "boss@example.com", "h", storage.RoleBoss)
			if err != nil {
				t.Fatal(err)
			}
			other, _ := s.CreateUser(ctx, "other@example.com", "h", storage.RoleBoss)
			window := 2 * time.Second
			start := time.Now()
			for i := 0; i < 5; i++ {
				a := storage.ReplayAudit{UserID: boss.ID, DryRun: i%2 == 0, Filters: "{}"}
				if err := s.BeginReplayAudit(ctx, &a, window, 5); err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				a.Outcome, a.Candidates = storage.AuditOK, 3
				if err := s.FinishReplayAudit(ctx, &a); err != nil {
					t.Fatal(err)
				}
			}
			a := storage.ReplayAudit{UserID: boss.ID}
			err = s.BeginReplayAudit(ctx, &a, window, 5)
			var limited *storage.ReplayLimitError
			if !errors.As(err, &limited) {
				t.Fatalf("6th call: want ReplayLimitError, got %v", err)
			}
			if limited.RetryAfter <= 0 || limited.RetryAfter > window-time.Since(start)+50*time.Millisecond {
				t.Errorf("retry after: want within (0, %s], got %s", window-time.Since(start), limited.RetryAfter)
			}
			got, _ := s.ReplayAuditEntry(ctx, a.ID)
			if got.Outcome != storage.AuditRateLimited || got.UserEmail != "boss@example.com" {
				t.Errorf("refused call's audit row: got %+v", got)
			}
			// Refused calls are audited but not counted; another user has their own limit.
			b := storage.ReplayAudit{UserID: other.ID}
			if err := s.BeginReplayAudit(ctx, &b, window, 5); err != nil {
				t.Errorf("another user: %v", err)
			}
			time.Sleep(limited.RetryAfter + 20*time.Millisecond)
			c := storage.ReplayAudit{UserID: boss.ID}
			if err := s.BeginReplayAudit(ctx, &c, window, 5); err != nil {
				t.Errorf("after waiting retryAfter: want allowed, got %v", err)
			}
			list, next, err := s.ReplayAudits(ctx, 0, 5)
			if err != nil || len(list) != 5 || next == 0 || list[0].ID != c.ID {
				t.Fatalf("audit page: got %d rows, next %d, %v", len(list), next, err)
			}
			rest, next2, _ := s.ReplayAudits(ctx, next, 5)
			if len(rest) != 3 || next2 != 0 {
				t.Errorf("second audit page: want 3 rows and no next, got %d, %d", len(rest), next2)
			}
		})
	}
}

// An audit entry keeps the largest filter the triage accepts: 500 task ids of 128
// characters and a 200-character search in four-byte runes.
func TestAuditKeepsTheLargestFilter(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			dlqSim(t, s, "A")
			u, err := s.UserByEmail(ctx, "dlq@example.com")
			if err != nil {
				t.Fatal(err)
			}
			filters := `{"errorText":"` + strings.Repeat("🙂", 200) + `","taskIds":["` +
				strings.TrimSuffix(strings.Repeat(strings.Repeat("t", 128)+`","`, 500), `","`) + `"]}`
			a := storage.ReplayAudit{UserID: u.ID, Action: storage.AuditDiscard, Filters: filters, Reason: "walk"}
			if err := s.AddAudit(ctx, &a); err != nil {
				t.Fatalf("add an audit with a %d-byte filter: %v", len(filters), err)
			}
			got, err := s.ReplayAuditEntry(ctx, a.ID)
			if err != nil || got.Filters != filters {
				t.Errorf("read back: want the %d-byte filter, got %d bytes, %v", len(filters), len(got.Filters), err)
			}
		})
	}
}
