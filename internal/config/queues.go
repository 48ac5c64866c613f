package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxPrimaryShards bounds PRIMARY_SHARDS (and the shard numbers WORKER_QUEUES
// may name).
const MaxPrimaryShards = 256

// Queue groups WORKER_QUEUES may name; SimCRM's queue names are accepted too.
const (
	QueueGroupControl   = "control"
	QueueGroupPrimary   = "primary"
	QueueGroupSecondary = "secondary"
)

// Queue names (jobs uses the same): control work, activities, and the primary
// shards PrimaryQueuePrefix + shard number.
const (
	ControlQueueName   = "simulation-control"
	SecondaryQueueName = "simulation-secondary"
	PrimaryQueuePrefix = "simulation-jobs:"
)

// parseWorkerQueues reads WORKER_QUEUES: groups and queue names, comma-separated.
func parseWorkerQueues(v string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		q := strings.TrimSpace(part)
		switch {
		case q == QueueGroupControl, q == QueueGroupPrimary, q == QueueGroupSecondary, q == ControlQueueName, q == SecondaryQueueName:
		case strings.HasPrefix(q, PrimaryQueuePrefix):
			n, err := strconv.Atoi(strings.TrimPrefix(q, PrimaryQueuePrefix))
			if err != nil || n < 0 || n >= MaxPrimaryShards {
				return nil, fmt.Errorf("want a shard number from 0 to %d after %s, got %q", MaxPrimaryShards-1, PrimaryQueuePrefix, q)
			}
		default:
			return nil, fmt.Errorf("want control, primary, secondary or queue names such as %s0, comma-separated, got %q", PrimaryQueuePrefix, q)
		}
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("must name at least one queue")
	}
	return out, nil
}
