package jobs

import (
	"context"
	"sync/atomic"

	"github.com/hibiken/asynq"
)

// Fields of a simulation's counters that say what its work cost the target:
// the report shows them.
const (
	fieldCalls        = "target_calls"  // calls made to the target
	fieldRateLimited  = "rate_limited"  // calls the target answered 429
	fieldRetries      = "retries"       // tasks that failed an attempt and were tried again
	fieldBreakerTrips = "breaker_trips" // times a call of this simulation opened the breaker
)

// callTally counts the target calls of one task; the task adds it to its
// simulation's counters when it ends.
type callTally struct {
	calls, rateLimited, breakerTrips atomic.Int64
}

type tallyKey struct{}

// withTally returns ctx carrying a fresh tally for the calls made under it.
func withTally(ctx context.Context) (context.Context, *callTally) {
	t := &callTally{}
	return context.WithValue(ctx, tallyKey{}, t), t
}

// tallyOf is the tally ctx carries, or nil (calls outside a simulation's task).
func tallyOf(ctx context.Context) *callTally {
	t, _ := ctx.Value(tallyKey{}).(*callTally)
	return t
}

// tallied wraps a simulation's work handler: the target calls the task makes are
// counted as they happen and added to the simulation's counters when it ends.
func (e *Worker) tallied(h func(context.Context, *asynq.Task) error) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, t *asynq.Task) error {
		ctx, tally := withTally(ctx)
		defer func() {
			if id := payloadSim(t.Payload()); id != 0 {
				e.count(context.WithoutCancel(ctx), id, map[string]int64{fieldCalls: tally.calls.Load(),
					fieldRateLimited: tally.rateLimited.Load(), fieldBreakerTrips: tally.breakerTrips.Load()})
			}
		}()
		return h(ctx, t)
	}
}
