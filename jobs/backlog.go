package jobs

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/simcrm/simcrm/internal/ratelimit"
)

// backlogTTL is how long a queue length reading is reused.
const backlogTTL = 500 * time.Millisecond

// readingCache keeps a recent reading per name.
type readingCache struct {
	mu   sync.Mutex
	vals map[string]reading
}

type reading struct {
	v  int
	at time.Time
}

func (c *readingCache) get(name string, ttl time.Duration, read func() (int, error)) int {
	c.mu.Lock()
	r, ok := c.vals[name]
	c.mu.Unlock()
	if ok && time.Since(r.at) < ttl {
		return r.v
	}
	v, err := read()
	if err != nil {
		return r.v
	}
	c.mu.Lock()
	c.vals[name] = reading{v, time.Now()}
	c.mu.Unlock()
	return v
}

// waiting counts a queue's tasks that are due and not running: pending, plus
// retries and scheduled tasks whose time has come. It reads asynq's keys (v0.26:
// asynq:{<queue>}:pending list, :retry and :scheduled sorted sets scored by unix
// seconds) in one round trip; the Inspector's queue info costs a Lua script over
// every list and a memory sample.
func (e *Worker) waiting(ctx context.Context, queue string) int {
	return e.readings.get("waiting:"+queue, backlogTTL, func() (int, error) {
		if !e.redis.Enabled() {
			return 0, nil
		}
		p := "asynq:{" + queue + "}:"
		now := strconv.FormatInt(time.Now().Unix(), 10)
		pipe := e.redis.Client.Pipeline()
		pending := pipe.LLen(ctx, p+"pending")
		retry := pipe.ZCount(ctx, p+"retry", "-inf", now)
		sched := pipe.ZCount(ctx, p+"scheduled", "-inf", now)
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, err
		}
		return int(pending.Val() + retry.Val() + sched.Val()), nil
	})
}

// secondaryWaiting is the activity backlog thinning looks at.
func (e *Worker) secondaryWaiting(ctx context.Context) int { return e.waiting(ctx, SecondaryQueue) }

// breakerTripped reports whether the shared circuit breaker is open.
func (e *Worker) breakerTripped(ctx context.Context) bool {
	if e.breaker == nil {
		return false
	}
	return e.readings.get("breaker", backlogTTL, func() (int, error) {
		st, _, err := e.breaker.State(ctx)
		if err != nil {
			return 0, err
		}
		if st == ratelimit.BreakerOpen {
			return 1, nil
		}
		return 0, nil
	}) == 1
}
