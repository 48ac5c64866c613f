package storage_test

import (
	"context"
	"sync"
	"testing"
)

func TestScenarioVersions(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			boss, err := s.CreateUser(ctx, "boss@example.com", "x", "boss")
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := s.LatestScenarioVersion(ctx, "b2b"); v != 0 {
				t.Fatalf("before any change: want version 0, got %d", v)
			}
			first, err := s.AddScenarioVersion(ctx, "b2b", `{"win_rate":0.7}`, boss.ID)
			if err != nil || first.Version != 1 {
				t.Fatalf("first version: want 1, got %d, %v", first.Version, err)
			}
			// Concurrent saves each get their own number.
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.AddScenarioVersion(ctx, "b2b", `{"win_rate":0.5}`, boss.ID); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if _, err := s.AddScenarioVersion(ctx, "b2c", `{}`, boss.ID); err != nil {
				t.Fatal(err)
			}
			list, err := s.ScenarioVersions(ctx, "b2b")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 5 || list[0].Version != 5 || list[4].Version != 1 {
				t.Fatalf("want versions 5..1 newest first, got %+v", list)
			}
			if list[4].Overrides != `{"win_rate":0.7}` || list[4].ChangedByEmail != "boss@example.com" || list[4].CreatedAt.IsZero() {
				t.Errorf("version 1 read back wrong: %+v", list[4])
			}
			if v, _ := s.LatestScenarioVersion(ctx, "b2b"); v != 5 {
				t.Errorf("latest: want 5, got %d", v)
			}
		})
	}
}
