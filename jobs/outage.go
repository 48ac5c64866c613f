package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// outageWait is how long work waits when the database or Redis did not answer, or
// the process was stopping under it.
const outageWait = 3 * time.Second

// guard keeps failures that are not the work's own from spending its attempts: an
// error met while the process is stopping, or while the database or Redis is
// unreachable, turns into a wait (*Throttled), so the work resumes instead of
// heading for the DLQ. A target's definite answer (auth, validation, conflict) and
// a payload that cannot run (SkipRetry) stay what they are.
func (e *Worker) guard(h asynq.HandlerFunc) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		err := h(ctx, t)
		if err == nil || IsThrottled(err) || errors.Is(err, asynq.SkipRetry) || !hubspot.Retryable(categoryOf(err)) {
			return err
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return &Throttled{Wait: outageWait, Reason: "interrupted: " + err.Error()}
		}
		if what := e.unreachable(ctx); what != "" {
			e.log.Warn("work waits for the "+what, "type", t.Type(), "err", err)
			return &Throttled{Wait: outageWait, Reason: what + " unreachable: " + err.Error()}
		}
		return err
	}
}

// unreachable names the store that does not answer now ("database", "Redis"), or
// "" when both do.
func (e *Worker) unreachable(ctx context.Context) string {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if e.store.Ping(pctx) != nil {
		return "database"
	}
	if e.redis.Enabled() && e.redis.Client.Ping(pctx).Err() != nil {
		return "Redis"
	}
	return ""
}
