package storage

import (
	"context"
	"fmt"
	"strconv"
)

// ListHead reads the first n entries of a Redis list (a simulation's DLQ samples
// or thinning events, newest first) and how many it holds. ErrRedisDisabled while
// Redis is off or down.
func (r *Redis) ListHead(ctx context.Context, key string, n int) ([]string, int64, error) {
	if !r.Up() {
		return nil, 0, ErrRedisDisabled
	}
	pipe := r.Client.Pipeline()
	head := pipe.LRange(ctx, key, 0, int64(n)-1)
	size := pipe.LLen(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("storage: redis list %s: %w", key, err)
	}
	return head.Val(), size.Val(), nil
}

// HashCounts reads a Redis hash of counters (sim:<id>:dlq:counts, the metrics
// hash); fields that are not whole numbers are left out. ErrRedisDisabled while
// Redis is off or down.
func (r *Redis) HashCounts(ctx context.Context, key string) (map[string]int64, error) {
	if !r.Up() {
		return nil, ErrRedisDisabled
	}
	m, err := r.Client.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("storage: redis hash %s: %w", key, err)
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, nil
}
