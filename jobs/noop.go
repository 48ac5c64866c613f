package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
)

// TypeNoop is a task that does nothing but prove the queue wiring.
const TypeNoop = "system:noop"

// NoopPayload carries a marker the handler reports back.
type NoopPayload struct {
	Marker string `json:"marker"`
}

// NewNoopTask returns a no-op task for a queue.
func NewNoopTask(marker, queue string) (*asynq.Task, error) {
	b, err := json.Marshal(NoopPayload{Marker: marker})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeNoop, b, asynq.Queue(queue), asynq.MaxRetry(0)), nil
}

// NoopHandler reports each marker it sees to done.
func NoopHandler(done func(marker string)) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		var p NoopPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return fmt.Errorf("noop payload: %v: %w", err, asynq.SkipRetry)
		}
		if done != nil {
			done(p.Marker)
		}
		return nil
	}
}
