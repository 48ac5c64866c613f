package jobs

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/storage"
)

// ErrNotFound is returned for a simulation that does not exist.
var ErrNotFound = storage.ErrNotFound

// ErrNoRedis refuses to start a simulation when SimCRM runs without Redis
// (REDIS_URL=off): there is no queue to run it on.
var ErrNoRedis = errors.New("jobs: simulations need Redis (REDIS_URL is off)")

// ErrRedisDown refuses to start a simulation while Redis does not answer: its
// work could not be queued.
var ErrRedisDown = errors.New("jobs: Redis is unreachable")

// StartRefusal says in words why no simulation can start now ("" when one can):
// SimCRM runs without Redis, or Redis does not answer.
func StartRefusal(r *storage.Redis) string {
	switch {
	case !r.Enabled():
		return "Simulations need Redis to queue their work, and this SimCRM runs without it (REDIS_URL=off)."
	case !r.Up():
		return "Redis is unreachable, so this simulation's work cannot be queued. Start it once Redis answers again."
	}
	return ""
}

// Engine is the simulation engine of a process, in four parts that share one
// cache of running simulations: Lifecycle creates and drives simulations,
// Progress reads their live state, Worker handles their queued tasks and
// Reconciler restores what Redis lost and flushes counters to the database. A web
// process uses Lifecycle and Progress; a worker process also registers Worker's
// handlers and runs Reconciler.
type Engine struct {
	Lifecycle  *Lifecycle
	Progress   *Progress
	Worker     *Worker
	Reconciler *Reconciler
}

// core is what the parts share: the process's handles and the caches of running
// simulations, their targets, plans and counters.
type core struct {
	store     *storage.Store
	redis     *storage.Redis
	cfg       config.Config
	opts      Options
	log       *slog.Logger
	queue     *asynq.Client
	inspector *asynq.Inspector
	breaker   *ratelimit.Breaker
	box       *secret.Box

	mu       sync.Mutex
	runs     map[int64]*simRun
	targets  map[string]*target
	plans    map[int64]map[string]int64
	progress map[int64]progress
	running  []int64 // running simulations: the last reconcile's and those started since

	counters counterBuf
	shown    floors // progress shown per running simulation (Progress.Metrics)
}

// Options wire an Engine to the process.
type Options struct {
	Config config.Config
	Store  *storage.Store
	Redis  *storage.Redis
	Log    *slog.Logger
	// Queue enqueues work; nil builds a client on Redis.
	Queue *asynq.Client
	// SandboxURL and SandboxToken reach the built-in sandbox; empty takes
	// Config.SandboxURL and Config.SandboxToken.
	SandboxURL   string
	SandboxToken string
	// SandboxLimits are the limits the sandbox enforces; the engine's limiter for
	// the sandbox keeps the same numbers. nil takes them from the sandbox's settings
	// (SANDBOX_BURST, SANDBOX_DAILY); with both 0 the sandbox enforces none and the
	// engine sends as fast as it can.
	SandboxLimits *ratelimit.Limits
	// HTTPClient replaces the HTTP client of target calls (tests).
	HTTPClient *http.Client
	// BackfillQueued is how many records tasks a backfill keeps waiting on its
	// primary queue (default 20, i.e. 6,000 records).
	BackfillQueued int
	// ReconcileEvery is the reconciler's period (default 30 s).
	ReconcileEvery time.Duration
	// FlushEvery is the counter flush period (default 2 s).
	FlushEvery time.Duration
	// Breaker overrides the circuit breaker's thresholds (tests); nil is the
	// design's 8 failures in 60 s opening it for 30 s.
	Breaker *ratelimit.BreakerConfig
	// StallAfter is how long a running simulation may make no progress with work
	// overdue before the reconciler re-queues that work (default 2 min).
	StallAfter time.Duration
}

// New returns the engine of a process.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Redis == nil {
		return nil, errors.New("jobs: New needs a store and a Redis handle")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SandboxURL == "" {
		o.SandboxURL = o.Config.SandboxURL
	}
	if o.SandboxToken == "" {
		o.SandboxToken = o.Config.SandboxToken
	}
	if o.SandboxLimits == nil {
		o.SandboxLimits = SandboxLimits(o.Config.SandboxBurst, o.Config.SandboxDaily)
	}
	if o.BackfillQueued <= 0 {
		o.BackfillQueued = 20
	}
	if o.ReconcileEvery <= 0 {
		o.ReconcileEvery = 30 * time.Second
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 2 * time.Second
	}
	if o.StallAfter <= 0 {
		o.StallAfter = 2 * time.Minute
	}
	c := &core{store: o.Store, redis: o.Redis, cfg: o.Config, opts: o, log: o.Log, queue: o.Queue,
		runs: map[int64]*simRun{}, targets: map[string]*target{}, plans: map[int64]map[string]int64{}}
	c.counters.pending = map[int64]map[string]int64{}
	if len(o.Config.TokenEncSecret) == 32 {
		box, err := secret.NewBox(o.Config.TokenEncSecret)
		if err != nil {
			return nil, err
		}
		c.box = box
	}
	if o.Redis.Enabled() {
		if c.queue == nil {
			c.queue = asynq.NewClientFromRedisClient(o.Redis.Client)
		}
		c.inspector = asynq.NewInspectorFromRedisClient(o.Redis.Client)
		bc := ratelimit.DefaultBreakerConfig()
		if o.Breaker != nil {
			bc = *o.Breaker
		}
		b, err := ratelimit.NewBreaker(o.Redis.Client, bc)
		if err != nil {
			return nil, err
		}
		c.breaker = b
	}
	return &Engine{Lifecycle: &Lifecycle{c}, Progress: &Progress{c},
		Worker:     &Worker{core: c, readings: readingCache{vals: map[string]reading{}}},
		Reconciler: &Reconciler{core: c, kick: make(chan struct{}, 1), progress: map[int64]progress{}}}, nil
}

// SandboxLimits is the engine's limiter for a sandbox that allows burst calls per
// rolling 10 s and daily calls a day (UTC); 0 turns either off, nil both.
func SandboxLimits(burst, daily int) *ratelimit.Limits {
	if burst <= 0 && daily <= 0 {
		return nil
	}
	l := ratelimit.Limits{Burst: burst, Interval: 10 * time.Second, Daily: max(daily, 0), Guard: ratelimit.DefaultGuard}
	if burst <= 0 {
		l.Burst = 1_000_000 // no rolling limit, only the daily one
	}
	return &l
}
