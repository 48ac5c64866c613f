package jobs

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/storage"
)

// retryLookMax bounds how many waiting tasks per queue a look reads.
const retryLookMax = 200

// TargetHealth is what holds a simulation's work back right now, for the banner
// of its page: tasks waiting to try again, the circuit breaker, the 429 cooldown
// and the daily limit.
type TargetHealth struct {
	Retrying      int64     // work tasks of the simulation waiting to try again after a failed attempt (of the first retryLookMax per queue)
	RetryingMore  bool      // a queue had more waiting tasks than a look reads: Retrying is a lower bound
	BreakerUntil  time.Time // zero: the breaker is closed
	CooldownUntil time.Time // zero: no cooldown
	DailyLimit    bool      // the simulation is paused at the target's daily limit
}

// Failing reports whether anything holds the work back.
func (h TargetHealth) Failing() bool {
	return h.Retrying > 0 || !h.BreakerUntil.IsZero() || !h.CooldownUntil.IsZero() || h.DailyLimit
}

// TargetHealth reads what holds a running or paused simulation's work back; a
// finished one, or a process without Redis, has nothing to show.
func (e *Progress) TargetHealth(ctx context.Context, s storage.Simulation) TargetHealth {
	var h TargetHealth
	if s.Status != storage.StatusRunning && s.Status != storage.StatusPaused {
		return h
	}
	h.DailyLimit = s.Status == storage.StatusPaused && strings.Contains(s.StatusReason, "daily API limit")
	if !e.redis.Up() {
		return h
	}
	pipe := e.redis.Client.Pipeline()
	tripped := pipe.Get(ctx, rediskeys.TrippedUntil)
	cooldown := pipe.Get(ctx, rediskeys.Cooldown)
	_, _ = pipe.Exec(ctx)
	if e.inspector != nil {
		// Throttle waits sit in the retry set too; only failed attempts count.
		for _, q := range []string{PrimaryQueue(s.ID, e.cfg.PrimaryShards), SecondaryQueue} {
			list, err := e.inspector.ListRetryTasks(q, asynq.PageSize(retryLookMax))
			if err != nil {
				continue
			}
			h.RetryingMore = h.RetryingMore || len(list) == retryLookMax
			for _, t := range list {
				if t.Retried > 0 && payloadSim(t.Payload) == s.ID {
					h.Retrying++
				}
			}
		}
	}
	now := time.Now()
	for _, c := range []struct {
		val string
		to  *time.Time
	}{{tripped.Val(), &h.BreakerUntil}, {cooldown.Val(), &h.CooldownUntil}} {
		if ms, err := strconv.ParseInt(c.val, 10, 64); err == nil && time.UnixMilli(ms).After(now) {
			*c.to = time.UnixMilli(ms).UTC()
		}
	}
	return h
}
