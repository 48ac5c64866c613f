package jobs

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/storage"
)

// Job outcomes in the job-duration histogram.
const (
	OutcomeOK        = "ok"
	OutcomeThrottled = "throttled" // waited for a limit, the breaker or a cooldown: not a failure
	OutcomeError     = "error"
)

// Instrument times every job a worker runs into the job-duration histogram in
// Redis (storage.Redis.ObserveJob), by task type and outcome, so /metrics on
// any web process shows the jobs of every worker process.
func Instrument(rdb *storage.Redis) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			err := next.ProcessTask(ctx, t)
			rdb.ObserveJob(ctx, t.Type(), jobOutcome(err), time.Since(start))
			return err
		})
	}
}

func jobOutcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case IsThrottled(err):
		return OutcomeThrottled
	}
	return OutcomeError
}
