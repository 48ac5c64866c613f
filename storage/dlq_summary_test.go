package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

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
