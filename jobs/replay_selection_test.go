package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// A replay takes per category at most its cap in strategy order, then shares the
// limit fairly across categories (one each in turn, in the categories' page order).
func TestReplaySelectionStrategiesAndFairShare(t *testing.T) {
	ctx := context.Background()
	ids := func(rows []storage.DLQEntry) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			e := newReplayEnv(t, d)
			auth, server, validation := ids(e.seed(t, 10, "auth")), ids(e.seed(t, 3, "server")), ids(e.seed(t, 6, "validation"))
			tri := jobs.NewTriage(e.store, e.queue, e.cfg)
			dry := func(strategy string, limit, perCategory int, cats ...string) jobs.ReplayResult {
				t.Helper()
				res, err := tri.Replay(ctx, jobs.ReplayRequest{UserID: e.userID, DryRun: true, Strategy: strategy, Limit: limit,
					MaxPerCategory: perCategory, Filter: storage.DLQFilter{SimulationID: e.simID, Categories: cats}})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}

			res := dry(jobs.ReplayOldest, 7, 0)
			if res.Candidates != 19 || fmt.Sprint(res.CandidatesByCategory) != "map[auth:10 server:3 validation:6]" {
				t.Errorf("candidates: got %d %v", res.Candidates, res.CandidatesByCategory)
			}
			// Round robin auth, validation, server → 3 + 2 + 2, oldest first.
			if res.Selected != 7 || fmt.Sprint(res.SelectedByCategory) != "map[auth:3 server:2 validation:2]" {
				t.Errorf("oldest, limit 7: got %d %v", res.Selected, res.SelectedByCategory)
			}
			if want := []int64{auth[0], auth[1], auth[2], server[0], server[1]}; fmt.Sprint(ids(res.Samples)) != fmt.Sprint(want) {
				t.Errorf("oldest samples: want %v, got %v", want, ids(res.Samples))
			}
			if res.Samples[0].Payload == "" {
				t.Errorf("selected rows carry their payloads")
			}

			res = dry(jobs.ReplayNewest, 50, 2)
			if res.Selected != 6 || fmt.Sprint(res.SelectedByCategory) != "map[auth:2 server:2 validation:2]" {
				t.Errorf("newest, 2 per category: got %d %v", res.Selected, res.SelectedByCategory)
			}
			if want := []int64{validation[5], validation[4], server[2], server[1], auth[9]}; fmt.Sprint(ids(res.Samples)) != fmt.Sprint(want) {
				t.Errorf("newest samples: want %v, got %v", want, ids(res.Samples))
			}

			res = dry(jobs.ReplayRandom, 4, 0, "auth")
			if res.Selected != 4 || res.Candidates != 10 {
				t.Fatalf("random: want 4 of 10, got %d of %d", res.Selected, res.Candidates)
			}
			seen := map[int64]bool{}
			for _, id := range ids(res.Samples) {
				if !slices.Contains(auth, id) || seen[id] {
					t.Errorf("random: row %d repeated or outside the filter", id)
				}
				seen[id] = true
			}
		})
	}
}
