package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

func TestSimulationLifecycleRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, "p@example.com", "h", storage.RolePlayer)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			sim := &storage.Simulation{UserID: u.ID, Name: "Demo", Scenario: "b2b", Distribution: "custom",
				HourWeights: []float64{1, 2, 3}, StartAt: start, EndAt: start.Add(48 * time.Hour), TimeZone: "Europe/Berlin",
				TotalRecords: 1000, EffectiveTotal: 800, PaceMode: "accelerated", PaceFactor: 60, TargetKind: storage.TargetSandbox,
				OwnerIDs: []string{"7"}, Seed: 42}
			if err := s.CreateSimulation(ctx, sim); err != nil {
				t.Fatal(err)
			}
			got, err := s.Simulation(ctx, sim.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != storage.StatusQueued || got.EffectiveTotal != 800 || !got.StartAt.Equal(start) ||
				len(got.HourWeights) != 3 || got.OwnerIDs[0] != "7" || got.ConnectionID != nil || got.Seed != 42 {
				t.Fatalf("round trip: got %+v", got)
			}
			if _, err := s.TransitionSimulation(ctx, sim.ID, []string{storage.StatusRunning}, storage.StatusPaused, ""); !errors.Is(err, storage.ErrConflict) {
				t.Fatalf("pause while queued: want ErrConflict, got %v", err)
			}
			run, err := s.TransitionSimulation(ctx, sim.ID, []string{storage.StatusQueued}, storage.StatusRunning, "started")
			if err != nil || run.Status != storage.StatusRunning || run.StartedAt == nil {
				t.Fatalf("start: got %+v, %v", run, err)
			}
			done, err := s.TransitionSimulation(ctx, sim.ID, []string{storage.StatusRunning}, storage.StatusCompleted, "all done")
			if err != nil || done.FinishedAt == nil || !done.Finished() {
				t.Fatalf("complete: got %+v, %v", done, err)
			}
			tr, err := s.SimulationTransitions(ctx, sim.ID)
			if err != nil || len(tr) != 3 || tr[2].To != storage.StatusCompleted || tr[2].Reason != "all done" {
				t.Fatalf("transitions: got %+v, %v", tr, err)
			}
			if err := s.AddSimulationCounters(ctx, sim.ID, map[string]int64{"contacts_created": 5, "notes_thinned": 2}); err != nil {
				t.Fatal(err)
			}
			if err := s.AddSimulationCounters(ctx, sim.ID, map[string]int64{"contacts_created": 3}); err != nil {
				t.Fatal(err)
			}
			c, err := s.SimulationCounters(ctx, sim.ID)
			if err != nil || c["contacts_created"] != 8 || c["notes_thinned"] != 2 {
				t.Fatalf("counters: got %v, %v", c, err)
			}
			mine, _ := s.Simulations(ctx, storage.SimulationFilter{UserID: u.ID})
			others, _ := s.Simulations(ctx, storage.SimulationFilter{UserID: u.ID + 1})
			if len(mine) != 1 || len(others) != 0 {
				t.Fatalf("filter by user: got %d and %d", len(mine), len(others))
			}
		})
	}
}
