package jobs

import (
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
}

// NewServer returns an asynq server on the shared Redis client serving SimCRM's
// queues by priority.
func NewServer(rdb redis.UniversalClient, o ServerOptions) *asynq.Server {
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	return asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:     o.Concurrency,
		Queues:          queuePriorities(),
		ShutdownTimeout: o.ShutdownTimeout,
		Logger:          asynqLogger{o.Log},
		LogLevel:        asynq.WarnLevel,
		// Waiting for a rate limit or a tripped breaker is not a failure.
		IsFailure:           func(err error) bool { return !IsThrottled(err) },
		HealthCheckInterval: 5 * time.Second,
	})
}

// asynqLogger routes asynq's logs into slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug("asynq", "msg", args) }
func (a asynqLogger) Info(args ...any)  { a.l.Info("asynq", "msg", args) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn("asynq", "msg", args) }
func (a asynqLogger) Error(args ...any) { a.l.Error("asynq", "msg", args) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error("asynq fatal", "msg", args) }
