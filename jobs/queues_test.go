package jobs

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/testenv"
)

func TestPrimaryQueueHashesBySimulationID(t *testing.T) {
	for _, c := range []struct {
		id     int64
		shards int
		want   string
	}{{7, 4, "simulation-jobs:3"}, {8, 4, "simulation-jobs:0"}, {7, 1, "simulation-jobs:0"}, {7, 0, "simulation-jobs:0"}, {7, 2, "simulation-jobs:1"}} {
		if got := PrimaryQueue(c.id, c.shards); got != c.want {
			t.Errorf("PrimaryQueue(%d, %d) = %s, want %s", c.id, c.shards, got, c.want)
		}
	}
}

// After PRIMARY_SHARDS went from 6 to 2, a worker serves the two shards and the
// older shard that still holds a task, and removes the older shard left empty;
// WORKER_QUEUES narrows what it serves.
func TestWorkerQueuesDrainOlderShards(t *testing.T) {
	rdb := testenv.Redis(t)
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	waiting, _ := NewNoopTask("left on shard 3", PrimaryQueue(3, 6))
	if _, err := client.Enqueue(waiting); err != nil {
		t.Fatal(err)
	}
	done, _ := NewNoopTask("gone from shard 5", PrimaryQueue(5, 6))
	info, err := client.Enqueue(done)
	if err != nil {
		t.Fatal(err)
	}
	if err := insp.DeleteTask(info.Queue, info.ID); err != nil {
		t.Fatal(err)
	}
	load := func(env map[string]string) config.Config {
		t.Helper()
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	ctx := context.Background()
	got, err := WorkerQueues(ctx, insp, load(map[string]string{"PRIMARY_SHARDS": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{ControlQueue: 16, SecondaryQueue: 6, "simulation-jobs:0": 6, "simulation-jobs:1": 6, "simulation-jobs:3": 6}
	if !maps.Equal(got, want) {
		t.Fatalf("served queues: want %v, got %v", want, got)
	}
	known, _ := insp.Queues()
	if slices.Contains(known, "simulation-jobs:5") || !slices.Contains(known, "simulation-jobs:3") {
		t.Errorf("asynq's queues after the check: %v (want shard 5 removed, shard 3 kept)", known)
	}

	got, err = WorkerQueues(ctx, insp, load(map[string]string{"PRIMARY_SHARDS": "2", "WORKER_QUEUES": "simulation-jobs:1,secondary"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"simulation-jobs:1": 6, SecondaryQueue: 6}; !maps.Equal(got, want) {
		t.Fatalf("WORKER_QUEUES=simulation-jobs:1,secondary: want %v, got %v", want, got)
	}
}
