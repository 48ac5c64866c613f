package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// Purge deletes a simulation's pending, scheduled and retrying tasks from every
// queue it uses and returns how many went. Its tasks are found by their id prefix
// (or, for tasks queued by others such as a DLQ replay, by their payload).
func (e *Lifecycle) Purge(ctx context.Context, id int64) (int, error) {
	if e.inspector == nil {
		return 0, ErrNoRedis
	}
	prefix := taskIDPrefix(id)
	deleted := 0
	for _, q := range e.simulationQueues() {
		for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
			e.inspector.ListPendingTasks, e.inspector.ListScheduledTasks, e.inspector.ListRetryTasks,
		} {
			var ids []string
			for page := 1; ; page++ {
				tasks, err := list(q, asynq.PageSize(1000), asynq.Page(page))
				if err != nil {
					if errors.Is(err, asynq.ErrQueueNotFound) {
						break
					}
					return deleted, err
				}
				for _, t := range tasks {
					if strings.HasPrefix(t.ID, prefix) || payloadSim(t.Payload) == id {
						ids = append(ids, t.ID)
					}
				}
				if len(tasks) < 1000 {
					break
				}
			}
			for _, tid := range ids {
				if err := e.inspector.DeleteTask(q, tid); err == nil {
					deleted++
				}
			}
		}
	}
	return deleted, nil
}

// waitIdle waits (at most max) until no task of a simulation is running.
func (e *Lifecycle) waitIdle(ctx context.Context, id int64, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		busy := false
		for _, q := range e.simulationQueues() {
			tasks, err := e.inspector.ListActiveTasks(q, asynq.PageSize(1000))
			if err != nil {
				continue
			}
			for _, t := range tasks {
				if strings.HasPrefix(t.ID, taskIDPrefix(id)) || payloadSim(t.Payload) == id {
					busy = true
				}
			}
		}
		if !busy {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func payloadSim(b []byte) int64 {
	var p struct {
		Sim int64 `json:"sim"`
	}
	if json.Unmarshal(b, &p) != nil {
		return 0
	}
	return p.Sim
}
