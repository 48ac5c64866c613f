package jobs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/storage"
)

// writeSegmentIndex writes sim:<id>:segments, each segment's meta hash and the
// timestamp plan cache.
func (e *core) writeSegmentIndex(ctx context.Context, s storage.Simulation, segs []storage.Segment) error {
	if !e.redis.Enabled() {
		return storage.ErrRedisDisabled
	}
	pipe := e.redis.Client.Pipeline()
	members := make([]redis.Z, len(segs))
	firsts := make([]int, len(segs))
	for i, g := range segs {
		members[i] = redis.Z{Score: float64(g.StartAt.UnixMilli()), Member: rediskeys.SegmentID(g.Index)}
		firsts[i] = g.FirstIndex
		state := g.State
		if state == "" {
			state = storage.SegmentPlanned
		}
		pipe.HSet(ctx, rediskeys.Segment(s.ID, g.Index), "start", g.StartAt.UnixMilli(), "end", g.EndAt.UnixMilli(),
			"first", g.FirstIndex, "last", g.EndIndex-1, "state", state)
	}
	pipe.ZAdd(ctx, rediskeys.Segments(s.ID), members...)
	pipe.HSetNX(ctx, rediskeys.Metrics(s.ID), fieldSince, time.Now().UnixMilli())
	plan, _ := json.Marshal(map[string]any{"start": s.StartAt.UnixMilli(), "end": s.EndAt.UnixMilli(),
		"records": s.EffectiveTotal, "segmentMs": segmentSpan.Milliseconds(), "segmentFirst": firsts})
	pipe.Set(ctx, rediskeys.Timestamps(s.ID), plan, 0)
	_, err := pipe.Exec(ctx)
	return err
}

// retireAfter is how long a finished simulation's segment keys stay in Redis; the
// pages then read its segments from the database.
const retireAfter = 24 * time.Hour

// retire lets a finished simulation's segment index, meta hashes, flags and
// timestamp cache expire, so Redis does not keep every past plan. Metrics, DLQ
// counts and samples and thinning events stay (they are small and capped).
func (e *core) retire(ctx context.Context, id int64) {
	if !e.redis.Enabled() {
		return
	}
	segs, err := e.store.Segments(ctx, id)
	if err != nil {
		return
	}
	pipe := e.redis.Client.Pipeline()
	pipe.Expire(ctx, rediskeys.Segments(id), retireAfter)
	pipe.Expire(ctx, rediskeys.Timestamps(id), retireAfter)
	for _, g := range segs {
		pipe.Expire(ctx, rediskeys.Segment(id, g.Index), retireAfter)
		pipe.Expire(ctx, rediskeys.Expanded(id, g.Index), retireAfter)
	}
	_, _ = pipe.Exec(ctx)
}
