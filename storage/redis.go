package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/config"
)

// ErrRedisDisabled is returned by Redis-backed reads while Redis is off or down.
var ErrRedisDisabled = errors.New("storage: redis disabled")

// Redis is SimCRM's live pulse and queue store: a real Redis, an in-process one
// (the embedded default), or none at all. A watcher tracks whether it answers.
type Redis struct {
	Client redis.UniversalClient // nil when Redis is off
	mini   *miniredis.Miniredis
	up     atomic.Bool
	stop   chan struct{}
	wg     sync.WaitGroup
	log    *slog.Logger

	mu        sync.Mutex
	listeners []func(up bool)
	server    string // run_id of the Redis server last seen
	switches  atomic.Uint64
	quieted   atomic.Int64 // log records dropped by QuietWhileDown during this outage
}

// OpenRedis connects to url: "" starts an in-process Redis, "off" gives none, a
// redis-sentinel:// URL follows the master its Sentinels name.
func OpenRedis(ctx context.Context, url string, log *slog.Logger) (*Redis, error) {
	r := &Redis{stop: make(chan struct{}), log: log}
	quietDriverOnce.Do(func() { redis.SetLogger(driverLog{log}) })
	switch {
	case url == config.RedisOff:
		return r, nil
	case url == "":
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("storage: embedded redis: %w", err)
		}
		m.SetTime(time.Now())
		r.mini = m
		r.Client = redis.NewClient(&redis.Options{Addr: m.Addr(), PoolSize: 64})
		r.wg.Add(1)
		go r.tick()
	case strings.HasPrefix(url, config.SentinelScheme+"://"):
		s, err := config.ParseSentinelURL(url)
		if err != nil {
			return nil, fmt.Errorf("storage: REDIS_URL: %w", err)
		}
		// go-redis asks the Sentinels for the master, listens for their
		// +switch-master and reconnects to the new master after a failover.
		r.Client = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: s.Master, SentinelAddrs: s.Addrs, Password: s.Password, SentinelPassword: s.Password, DB: s.DB,
			DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, PoolSize: 32,
		})
	default:
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("storage: REDIS_URL: %w", err)
		}
		opt.DialTimeout = time.Second
		opt.ReadTimeout = 2 * time.Second
		opt.WriteTimeout = 2 * time.Second
		if opt.PoolSize < 32 {
			opt.PoolSize = 32
		}
		r.Client = redis.NewClient(opt)
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r.up.Store(r.Client.Ping(pctx).Err() == nil)
	return r, nil
}

// Embedded reports whether this is the in-process Redis.
func (r *Redis) Embedded() bool { return r.mini != nil }

// EmbeddedAddr is the in-process Redis's host:port ("" for a real Redis or none):
// redis-cli reaches it there while SimCRM runs.
func (r *Redis) EmbeddedAddr() string {
	if r.mini == nil {
		return ""
	}
	return r.mini.Addr()
}

// Enabled reports whether SimCRM was configured with a Redis at all.
func (r *Redis) Enabled() bool { return r.Client != nil }

// Up reports whether Redis answered its last health check.
func (r *Redis) Up() bool { return r.Client != nil && r.up.Load() }

// OnChange registers a function called (in the watcher's goroutine) when Redis goes
// down or comes back, or is another server than before (up, after a failover or a
// restart the watcher did not see as an outage).
func (r *Redis) OnChange(fn func(up bool)) {
	r.mu.Lock()
	r.listeners = append(r.listeners, fn)
	r.mu.Unlock()
}

// Watch checks Redis every interval until Close, so an outage and a recovery are
// both noticed within about two intervals.
func (r *Redis) Watch(interval time.Duration) {
	if r.Client == nil {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				r.Check(context.Background(), interval)
			}
		}
	}()
}

// Check pings Redis once and updates Up, telling listeners about a change.
func (r *Redis) Check(ctx context.Context, timeout time.Duration) bool {
	if r.Client == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	up, server := r.ping(ctx)
	r.mu.Lock()
	switched := up && server != "" && r.server != "" && server != r.server
	if up && server != "" {
		r.server = server
	}
	r.mu.Unlock()
	if switched {
		r.switches.Add(1)
	}
	if r.up.Swap(up) != up || switched {
		switch {
		case switched:
			r.log.Warn("redis is another server now (a failover or a restart); recovering what it lacks", "log_lines_held_back", r.quieted.Swap(0))
		case up:
			r.log.Info("redis is back", "log_lines_held_back", r.quieted.Swap(0))
		default:
			r.log.Warn("redis is unreachable; serving from the database")
		}
		r.mu.Lock()
		ls := append([]func(bool){}, r.listeners...)
		r.mu.Unlock()
		for _, fn := range ls {
			fn(up)
		}
	}
	return up
}

// Switches counts the times the watcher found another Redis server behind the
// client than before (a failover, or a restart between two checks).
func (r *Redis) Switches() uint64 { return r.switches.Load() }

// ping checks Redis and, for a real one, names the server process behind the
// client (its run_id), so a failover or a restart between two checks is noticed
// even when no check failed. A server without INFO server (miniredis) is only
// pinged.
func (r *Redis) ping(ctx context.Context) (up bool, server string) {
	if info, err := r.Client.Info(ctx, "server").Result(); err == nil {
		for _, line := range strings.Split(info, "\n") {
			if id, ok := strings.CutPrefix(line, "run_id:"); ok {
				return true, strings.TrimSpace(id)
			}
		}
		return true, ""
	}
	return r.Client.Ping(ctx).Err() == nil, ""
}

// QuietWhileDown wraps a logger so that its warnings and errors are dropped while
// Redis is down: the queue's background loops (asynq) log every failed poll,
// about a hundred lines in 20 s, when one line at the outage and one at the
// recovery (Check) say it all. A warning while Redis still counts as up runs a
// check first, so the outage's first errors are held back too.
func (r *Redis) QuietWhileDown(l *slog.Logger) *slog.Logger {
	return slog.New(&quietHandler{Handler: l.Handler(), r: r})
}

type quietHandler struct {
	slog.Handler
	r *Redis
}

func (q *quietHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelWarn && q.r.Client != nil && (!q.r.Up() || !q.r.Check(ctx, time.Second)) {
		q.r.quieted.Add(1)
		return nil
	}
	return q.Handler.Handle(ctx, rec)
}

func (q *quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &quietHandler{Handler: q.Handler.WithAttrs(as), r: q.r}
}

func (q *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{Handler: q.Handler.WithGroup(name), r: q.r}
}

// go-redis logs every failed dial on its own (to stderr); the watcher reports an
// outage once instead, so the driver's lines go to the debug log.
var quietDriverOnce sync.Once

type driverLog struct{ l *slog.Logger }

func (d driverLog) Printf(_ context.Context, format string, v ...any) {
	d.l.Debug("redis driver", "msg", fmt.Sprintf(format, v...))
}

// tick advances the embedded Redis's clock so keys with a TTL expire.
func (r *Redis) tick() {
	defer r.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.mini.FastForward(now.Sub(last))
			r.mini.SetTime(now)
			last = now
		}
	}
}

// Close stops the watcher and closes the client (and the embedded server).
func (r *Redis) Close() error {
	close(r.stop)
	r.wg.Wait()
	var err error
	if r.Client != nil {
		err = r.Client.Close()
	}
	if r.mini != nil {
		r.mini.Close()
	}
	return err
}
