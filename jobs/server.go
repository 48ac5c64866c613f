package jobs

import (
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// ServerOptions tune the in-process worker server.
type ServerOptions struct {
	Concurrency     int
	ShutdownTimeout time.Duration
	Log             *slog.Logger
	// RetryDelay and ErrorHandler come from the engine (Worker.RetryDelay,
	// Worker.HandleError); nil keeps asynq's defaults (throttled tasks still wait
	// their Throttled.Wait).
	RetryDelay   asynq.RetryDelayFunc
	ErrorHandler asynq.ErrorHandler
	// Queues are the queues served and their weights (WorkerQueues); nil serves
	// every queue of a deployment with one primary shard.
	Queues map[string]int
}

// NewServer returns an asynq server on the shared Redis client serving SimCRM's
// queues by priority.
func NewServer(rdb redis.UniversalClient, o ServerOptions) *asynq.Server {
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Queues == nil {
		o.Queues = defaultQueues()
	}
	if o.RetryDelay == nil {
		o.RetryDelay = func(n int, err error, t *asynq.Task) time.Duration {
			var th *Throttled
			if errors.As(err, &th) {
				return th.Wait
			}
			return asynq.DefaultRetryDelayFunc(n, err, t)
		}
	}
	return asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:     o.Concurrency,
		Queues:          o.Queues,
		ShutdownTimeout: o.ShutdownTimeout,
		Logger:          asynqLogger{o.Log},
		LogLevel:        asynq.WarnLevel,
		// Waiting for a rate limit or a tripped breaker is not a failure, and
		// neither is a crashed worker's lost lease: neither burns an attempt.
		IsFailure: func(err error) bool {
			return !IsThrottled(err) && !errors.Is(err, asynq.ErrLeaseExpired)
		},
		RetryDelayFunc: o.RetryDelay,
		ErrorHandler:   o.ErrorHandler,
		// Retries and scheduled work (throttle waits, ticks) are due to the
		// second; look for them often so a wait is not stretched by up to 5 s.
		DelayedTaskCheckInterval: 250 * time.Millisecond,
		TaskCheckInterval:        200 * time.Millisecond,
		HealthCheckInterval:      5 * time.Second,
	})
}

// asynqLogger routes asynq's logs into slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug("asynq", "msg", args) }
func (a asynqLogger) Info(args ...any)  { a.l.Info("asynq", "msg", args) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn("asynq", "msg", args) }
func (a asynqLogger) Error(args ...any) { a.l.Error("asynq", "msg", args) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error("asynq fatal", "msg", args) }
