// Package jobs is SimCRM's simulation engine: New builds it in four parts that
// share one cache of running simulations (Lifecycle, Progress, Worker,
// Reconciler, see core.go), with its asynq task types, payloads and handlers, the
// in-process worker server that runs them, and the DLQ triage (Triage).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
)

// Queues. Primary queues create records and shard by simulation id
// (PRIMARY_SHARDS); the secondary queue creates activities; the control queue
// carries the ticks.
const (
	SecondaryQueue = config.SecondaryQueueName
	ControlQueue   = config.ControlQueueName
)

// Queue weights: control work (expansion, completion) first, then records, then
// activities. Control and secondary weigh per primary shard, so the balance
// between the three stays the same whatever PRIMARY_SHARDS is.
const (
	weightControl   = 8
	weightPrimary   = 6
	weightSecondary = 3
)

// PrimaryQueue is a simulation's primary queue when records work is spread over
// shards queues: simulation-jobs:<id mod shards>.
func PrimaryQueue(simID int64, shards int) string {
	return config.PrimaryQueuePrefix + strconv.FormatInt(simID%int64(max(shards, 1)), 10)
}

// primaryShard reads the shard number of a primary queue's name.
func primaryShard(q string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(q, config.PrimaryQueuePrefix))
	return n, err == nil && n >= 0 && strings.HasPrefix(q, config.PrimaryQueuePrefix)
}

// primaryQueues lists the primary queues that may hold work: the configured
// shards and every other simulation-jobs:N asynq knows (left from a larger
// PRIMARY_SHARDS), so purges and waits find work queued before a change.
func (e *core) primaryQueues() []string {
	var out []string
	for i := 0; i < max(e.cfg.PrimaryShards, 1); i++ {
		out = append(out, PrimaryQueue(int64(i), e.cfg.PrimaryShards))
	}
	if e.inspector == nil {
		return out
	}
	known, _ := e.inspector.Queues()
	for _, q := range known {
		if _, ok := primaryShard(q); ok && !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// simulationQueues are the queues a simulation's tasks may be on.
func (e *core) simulationQueues() []string {
	return append(e.primaryQueues(), SecondaryQueue, ControlQueue)
}

// WorkerQueues is what a worker process serves (WORKER_QUEUES), with weights:
// control, secondary, queues named outright, and for "primary" every configured
// shard plus each older shard (from a larger PRIMARY_SHARDS) that still holds
// tasks, so changing the count loses nothing. An older shard found empty is
// removed from asynq (only if still empty: asynq checks that itself), so workers
// stop polling it. When asynq cannot list its queues the configured ones come
// back with the error.
func WorkerQueues(ctx context.Context, inspector *asynq.Inspector, cfg config.Config) (map[string]int, error) {
	shards := max(cfg.PrimaryShards, 1)
	out := map[string]int{}
	var drainErr error
	for _, g := range cfg.WorkerQueues {
		switch g {
		case config.QueueGroupControl, ControlQueue:
			out[ControlQueue] = weightControl * shards
		case config.QueueGroupSecondary, SecondaryQueue:
			out[SecondaryQueue] = weightSecondary * shards
		case config.QueueGroupPrimary:
			for i := 0; i < shards; i++ {
				out[PrimaryQueue(int64(i), shards)] = weightPrimary
			}
			drainErr = drainOldShards(ctx, inspector, shards, out)
		default:
			out[g] = weightPrimary
		}
	}
	return out, drainErr
}

// drainOldShards adds to serve every primary queue numbered shards or above that
// still holds tasks, and removes the empty ones.
func drainOldShards(ctx context.Context, inspector *asynq.Inspector, shards int, serve map[string]int) error {
	if inspector == nil {
		return nil
	}
	known, err := inspector.Queues()
	if err != nil {
		return fmt.Errorf("jobs: list queues: %w", err)
	}
	for _, q := range known {
		if n, ok := primaryShard(q); !ok || n < shards {
			continue
		}
		err := inspector.DeleteQueue(q, false)
		switch {
		case err == nil, errors.Is(err, asynq.ErrQueueNotFound):
		case errors.Is(err, asynq.ErrQueueNotEmpty):
			serve[q] = weightPrimary
		default:
			return fmt.Errorf("jobs: queue %s: %w", q, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// defaultQueues is what a server serves without ServerOptions.Queues: every
// queue of a deployment with one primary shard.
func defaultQueues() map[string]int {
	return map[string]int{ControlQueue: weightControl, PrimaryQueue(0, 1): weightPrimary, SecondaryQueue: weightSecondary}
}
